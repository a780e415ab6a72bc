//! [`GpuBackend`]: the [`Backend`] that runs the batched real FFT and partitioned convolution on
//! the shared device. Work the GPU cannot do (a size it has no kernel for, an error, a lost
//! device) runs on the CPU instead, and the backend's name then says why.

use std::sync::{Arc, Mutex, OnceLock};

use super::kernels::{read_into, scratch, upload, Recorder};
use super::Gpu;
use crate::compute::cpu::{check_batch, OfflineFilter};
use crate::compute::fft::{fft_pair, spectrum, Scratch};
use crate::compute::{Backend, Cpu, FilterKernel};
use crate::Result;

/// Smallest and largest real FFT sizes the kernels take (powers of two).
pub const MIN_FFT: usize = 4;
pub const MAX_FFT: usize = 1 << 16;

/// A failure injected for tests: the next GPU jobs of one backend fail as if the device had
/// been lost or had run out of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    DeviceLost,
    OutOfMemory,
}

/// What a backend's work did: whether any of it ran on the GPU, and why any of it fell back to
/// the CPU.
#[derive(Debug, Default)]
struct Outcome {
    fell_back: Mutex<Option<String>>,
    ran: std::sync::atomic::AtomicBool,
}

impl Outcome {
    fn ran(&self) {
        self.ran.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn fall_back(&self, why: String) {
        let mut g = self.fell_back.lock().unwrap_or_else(|e| e.into_inner());
        g.get_or_insert(why);
    }

    fn reason(&self) -> Option<String> {
        self.fell_back
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The GPU backend: a handle on the shared device plus what this request's work did.
#[derive(Debug, Clone)]
pub struct GpuBackend {
    gpu: Arc<Gpu>,
    outcome: Arc<Outcome>,
    fault: Option<Fault>,
    /// Largest binding this backend uses, bytes (the device's, or less for tests).
    max_binding: u64,
}

impl GpuBackend {
    pub(crate) fn new(gpu: Arc<Gpu>) -> Self {
        let max_binding = gpu.max_binding;
        Self {
            gpu,
            outcome: Arc::default(),
            fault: None,
            max_binding,
        }
    }

    /// The adapter this backend runs on.
    pub fn adapter(&self) -> &super::AdapterSummary {
        &self.gpu.summary
    }

    /// A backend (with its own outcome) whose every GPU job fails with `fault` (tests of the
    /// fallback).
    #[doc(hidden)]
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self.outcome = Arc::default();
        self
    }

    /// Limits each binding to `bytes` (at least 1 KiB), so tests reach the chunking with small
    /// inputs.
    #[doc(hidden)]
    pub fn with_max_binding(mut self, bytes: u64) -> Self {
        self.max_binding = bytes.clamp(1024, self.gpu.max_binding);
        self
    }

    /// Why the GPU cannot take a job now, if it cannot.
    fn unavailable(&self) -> Option<String> {
        match self.fault {
            Some(Fault::DeviceLost) => return Some("device lost (simulated)".into()),
            Some(Fault::OutOfMemory) => return Some("out of memory (simulated)".into()),
            None => {}
        }
        self.gpu.lost_reason()
    }

    /// Runs `job` on the GPU under error scopes; an error or a lost device is the reason.
    fn scoped<T>(
        &self,
        job: impl FnOnce(&Gpu) -> std::result::Result<T, String>,
    ) -> std::result::Result<T, String> {
        if let Some(why) = self.unavailable() {
            return Err(why);
        }
        let _busy = self.gpu.batcher.enter();
        let dev = &self.gpu.device;
        let oom = dev.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let val = dev.push_error_scope(wgpu::ErrorFilter::Validation);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&self.gpu)))
            .unwrap_or_else(|_| Err("GPU job panicked".into()));
        let v = pollster::block_on(val.pop());
        let o = pollster::block_on(oom.pop());
        if let Some(e) = o {
            return Err(format!("out of memory ({e})"));
        }
        if let Some(e) = v {
            return Err(format!("validation error ({e})"));
        }
        if let Some(why) = self.gpu.lost_reason() {
            return Err(why);
        }
        r
    }

    /// Records `rec`'s work, submits it through the batcher and reads `rb` into `out`.
    fn run(
        &self,
        rec: Recorder<'_>,
        rb: &wgpu::Buffer,
        out: &mut [f32],
    ) -> std::result::Result<(), String> {
        let gpu = rec.gpu;
        let index = gpu.batcher.submit(gpu, rec.finish())?;
        read_into(gpu, rb, &index, out)?;
        self.outcome.ran();
        Ok(())
    }

    fn magnitudes_gpu(
        &self,
        frames: &[f32],
        n: usize,
        out: &mut [f32],
    ) -> std::result::Result<(), String> {
        let bins = n / 2 + 1;
        let count = frames.len() / n;
        // Each chunk's largest binding is its frames (n floats each).
        let per_chunk = ((self.max_binding / 4) as usize / n).max(1);
        let mut done = 0;
        while done < count {
            let c = per_chunk.min(count - done);
            let input = &frames[done * n..(done + c) * n];
            let o = &mut out[done * bins..(done + c) * bins];
            self.scoped(|gpu| {
                let tw = gpu.twiddles(n);
                let a = upload(gpu, "frames", input);
                let b = scratch(gpu, "fft", (c * n) as u64);
                let mags = scratch(gpu, "magnitudes", (c * bins) as u64);
                let mut rec = Recorder::new(gpu);
                let in_b = rec.fft_passes(n, c, &a, &b, &tw);
                let z = if in_b { &b } else { &a };
                rec.dispatch(
                    &gpu.pipelines.untangle,
                    [(c * bins) as u32, (n / 2) as u32, 1, 0, 0, 0, 0, 0],
                    z,
                    &mags,
                    Some(&tw),
                );
                let rb = rec.read_back(&mags, (c * bins) as u64);
                self.run(rec, &rb, o)
            })?;
            done += c;
        }
        Ok(())
    }
}

impl Backend for GpuBackend {
    /// `"gpu: <adapter> (<api>)"` once work ran there and none fell back; a request that
    /// gave the GPU nothing to do (a render without a convolution) ran on the CPU and says so.
    fn name(&self) -> String {
        let label = self.gpu.summary.label();
        match self.outcome.reason() {
            Some(why) => format!("cpu: {why} (fell back from {label})"),
            None if self.outcome.ran.load(std::sync::atomic::Ordering::Relaxed) => label,
            None => format!("cpu: no GPU work in this request ({label} was ready)"),
        }
    }

    fn offline_fft_size(&self, _signal_frames: usize, filter_frames: usize) -> usize {
        2 * partition_frames(filter_frames)
    }

    fn filter_kernel(
        &self,
        ir: &[Vec<f32>],
        gain: f32,
        fft_n: usize,
    ) -> Result<Arc<dyn FilterKernel>> {
        let l = fft_n.clamp(2 * 128, MAX_FFT).next_power_of_two();
        let filter = GpuFilter {
            backend: self.clone(),
            ir: ir.to_vec(),
            gain,
            l,
            spectra: OnceLock::new(),
            cpu: OnceLock::new(),
        };
        Ok(Arc::new(filter))
    }

    fn spectrum_magnitudes(&self, frames: &[f32], n: usize, out: &mut [f32]) -> Result<()> {
        check_batch(frames.len(), n, out.len())?;
        if !n.is_power_of_two() || !(MIN_FFT..=MAX_FFT).contains(&n) {
            self.outcome.fall_back(format!(
                "no GPU kernel for FFT size {n} (powers of two {MIN_FFT}..={MAX_FFT})"
            ));
            return Cpu.spectrum_magnitudes(frames, n, out);
        }
        if let Err(why) = self.magnitudes_gpu(frames, n, out) {
            self.outcome.fall_back(why);
            return Cpu.spectrum_magnitudes(frames, n, out);
        }
        Ok(())
    }
}

/// The partition (block) size for a filter of `m` frames: one partition when it fits in
/// 32768 frames, else 32768-frame partitions; never under 128.
pub(crate) fn partition_frames(m: usize) -> usize {
    m.max(1).next_power_of_two().clamp(128, MAX_FFT / 2)
}

/// A filter on the GPU: its partitions' spectra, uploaded on first use, and the CPU filter
/// for a fallback, built only if needed.
#[derive(Debug)]
struct GpuFilter {
    backend: GpuBackend,
    ir: Vec<Vec<f32>>,
    gain: f32,
    /// FFT size: twice the partition size.
    l: usize,
    spectra: OnceLock<std::result::Result<Arc<wgpu::Buffer>, String>>,
    cpu: OnceLock<std::result::Result<OfflineFilter, String>>,
}

impl GpuFilter {
    fn m(&self) -> usize {
        self.ir.first().map_or(0, Vec::len)
    }

    fn parts(&self) -> usize {
        self.m().div_ceil(self.l / 2).max(1)
    }

    /// Spectra of each channel's partitions times gain / l, [channel][part][bin] complex,
    /// computed with the CPU's FFT (once per filter) and kept on the device.
    fn spectra(&self) -> std::result::Result<Arc<wgpu::Buffer>, String> {
        self.spectra
            .get_or_init(|| {
                let b = self.l / 2;
                let fft = fft_pair(self.l);
                let mut s = Scratch::new(&fft);
                let g = self.gain / self.l as f32;
                let mut data = Vec::with_capacity(self.ir.len() * self.parts() * (b + 1) * 2);
                for h in &self.ir {
                    for p in 0..self.parts() {
                        let seg = &h[(p * b).min(h.len())..((p + 1) * b).min(h.len())];
                        let sp = spectrum(&fft, seg, g, &mut s).map_err(|e| e.to_string())?;
                        data.extend(sp.re.iter().zip(&sp.im).flat_map(|(&r, &i)| [r, i]));
                    }
                }
                self.backend
                    .scoped(|gpu| Ok(Arc::new(upload(gpu, "filter spectra", &data))))
            })
            .clone()
    }

    fn cpu(&self) -> Result<&OfflineFilter> {
        self.cpu
            .get_or_init(|| {
                let n = crate::compute::cpu::offline_fft_size(1 << 20, self.m());
                OfflineFilter::new(&self.ir, self.gain, n).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| crate::Error::Internal(e.clone()))
    }

    /// Convolves one chunk of every channel (each `x[c]`, all the same length) into `out`
    /// (channels * (len + m - 1) floats).
    fn chunk_gpu(&self, x: &[&[f32]], out: &mut [f32]) -> std::result::Result<(), String> {
        let spectra = self.spectra()?;
        let (l, b) = (self.l, self.l / 2);
        let bins = b + 1;
        let chans = x.len();
        let n = x[0].len();
        let m = self.m();
        let parts = self.parts();
        let jin = n.div_ceil(b);
        let jout = jin + parts - 1;
        let out_len = n + m - 1;
        let hc = self.ir.len();
        self.backend.scoped(|gpu| {
            let p = &gpu.pipelines;
            let tw = gpu.twiddles(l);
            let mut flat = Vec::with_capacity(chans * n);
            for c in x {
                flat.extend_from_slice(c);
            }
            let sig = upload(gpu, "signal", &flat);
            let a = scratch(gpu, "blocks", (chans * jout * l) as u64);
            let bb = scratch(gpu, "fft", (chans * jout * l) as u64);
            let spec_in = scratch(gpu, "input spectra", (chans * jin * bins * 2) as u64);
            let spec_out = scratch(gpu, "output spectra", (chans * jout * bins * 2) as u64);
            let y = scratch(gpu, "output", (chans * out_len) as u64);
            let mut rec = Recorder::new(gpu);
            let u = |v: usize| v as u32;
            rec.dispatch(
                &p.pad,
                [u(chans * jin * l), u(b), u(n), u(jin), u(l), 0, 0, 0],
                &sig,
                &a,
                None,
            );
            let in_b = rec.fft_passes(l, chans * jin, &a, &bb, &tw);
            let z = if in_b { &bb } else { &a };
            rec.dispatch(
                &p.untangle,
                [u(chans * jin * bins), u(b), 0, 0, 0, 0, 0, 0],
                z,
                &spec_in,
                Some(&tw),
            );
            rec.dispatch(
                &p.mac,
                [
                    u(chans * jout * bins),
                    u(bins),
                    u(jin),
                    u(jout),
                    u(parts),
                    u(hc),
                    0,
                    0,
                ],
                &spec_in,
                &spec_out,
                Some(&spectra),
            );
            rec.dispatch(
                &p.tangle,
                [u(chans * jout * b), u(b), 0, 0, 0, 0, 0, 0],
                &spec_out,
                &a,
                Some(&tw),
            );
            let in_b = rec.fft_passes(l, chans * jout, &a, &bb, &tw);
            let w = if in_b { &bb } else { &a };
            rec.dispatch(
                &p.overlap_add,
                [u(chans * out_len), u(b), u(l), u(out_len), u(jout), 0, 0, 0],
                w,
                &y,
                None,
            );
            let rb = rec.read_back(&y, (chans * out_len) as u64);
            self.backend.run(rec, &rb, out)
        })
    }

    fn convolve_gpu(&self, signal: &[Vec<f32>]) -> std::result::Result<Vec<Vec<f32>>, String> {
        let n = signal[0].len();
        let m = self.m();
        let (l, b) = (self.l, self.l / 2);
        let chans = signal.len();
        // The largest binding of a chunk of j blocks holds chans * (j + parts) * l floats.
        let cap_blocks = (self.backend.max_binding / 4) as usize / (chans * l);
        let blocks = cap_blocks
            .saturating_sub(self.parts())
            .min((1 << 21) / b)
            .max(1);
        if chans * (blocks + self.parts()) * l * 4 > self.backend.max_binding as usize {
            return Err("input too large for one GPU binding".into());
        }
        let chunk = blocks * b;
        let out_len = n + m - 1;
        let mut out = vec![vec![0.0f32; out_len]; chans];
        let mut start = 0;
        while start < n {
            let len = chunk.min(n - start);
            let x: Vec<&[f32]> = signal.iter().map(|c| &c[start..start + len]).collect();
            let part_len = len + m - 1;
            let mut part = vec![0.0f32; chans * part_len];
            self.chunk_gpu(&x, &mut part)?;
            for (o, p) in out.iter_mut().zip(part.chunks_exact(part_len)) {
                for (y, v) in o[start..start + part_len].iter_mut().zip(p) {
                    *y += v;
                }
            }
            start += len;
        }
        Ok(out)
    }
}

impl FilterKernel for GpuFilter {
    fn fft_n(&self) -> usize {
        self.l
    }

    fn convolve(&self, signal: &[Vec<f32>], threads: usize) -> Result<Vec<Vec<f32>>> {
        let n = signal.first().map_or(0, Vec::len);
        if n == 0 || self.m() == 0 {
            return self.cpu()?.convolve(signal, threads);
        }
        match self.convolve_gpu(signal) {
            Ok(out) => Ok(out),
            Err(why) => {
                self.backend.outcome.fall_back(why);
                self.cpu()?.convolve(signal, threads)
            }
        }
    }
}

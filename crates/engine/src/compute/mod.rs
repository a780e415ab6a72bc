//! The compute-backend seam: the heavy, regular work that a GPU can take (offline FFT
//! convolution, batched spectra) goes through a [`Backend`], chosen per request by [`select`].
//! The CPU implementation ([`Cpu`]) is the reference: another backend must match its output
//! within floating-point tolerance, and the report of every operation that used a backend says
//! which one ran, and why when it is not the one asked for.

mod adapters;
mod cpu;
pub(crate) mod fft;
#[cfg(feature = "gpu")]
pub mod gpu;

use std::sync::Arc;

pub use adapters::{AdapterSummary, GpuReport};
pub use cpu::Cpu;

use crate::Result;

/// A filter prepared for offline convolution at one FFT size (its spectra computed once, kept
/// wherever the backend runs).
pub trait FilterKernel: Send + Sync + std::fmt::Debug {
    /// The FFT size it was prepared for.
    fn fft_n(&self) -> usize;

    /// Full linear convolution of every channel of `signal` (channel `i` with filter channel
    /// `i % filter_channels`), each output `len + filter_len - 1` frames long, using up to
    /// `threads` CPU threads where the backend uses them.
    fn convolve(&self, signal: &[Vec<f32>], threads: usize) -> Result<Vec<Vec<f32>>>;
}

/// Where heavy compute runs.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// What ran, as reports show it: `"cpu"`, `"cpu: <why the GPU did not run>"`, or
    /// `"gpu: <adapter> (<api>)"`. A GPU backend that fell back to the CPU for any of its work
    /// says so.
    fn name(&self) -> String;

    /// The FFT size for overlap-add of `signal_frames` frames with a `filter_frames` filter.
    fn offline_fft_size(&self, signal_frames: usize, filter_frames: usize) -> usize;

    /// Prepares `ir` (planar, times `gain`) for offline convolution at `fft_n`.
    fn filter_kernel(
        &self,
        ir: &[Vec<f32>],
        gain: f32,
        fft_n: usize,
    ) -> Result<Arc<dyn FilterKernel>>;

    /// Magnitudes of the real FFTs of `frames`, which holds whole frames of `n` samples (already
    /// windowed) end to end; `out` receives `n / 2 + 1` magnitudes per frame.
    fn spectrum_magnitudes(&self, frames: &[f32], n: usize, out: &mut [f32]) -> Result<()>;
}

/// How requests that ask for the GPU (`use_gpu`) pick their backend: the environment variable
/// `RAE_GPU`. A request that does not ask for the GPU always runs on the CPU.
///
/// | `RAE_GPU` | no adapter | software adapter only | hardware adapter |
/// |-----------|------------|-----------------------|------------------|
/// | `auto` (default) | cpu: no adapter | cpu: software adapter only | gpu |
/// | `force`   | cpu: no adapter | gpu (the software one) | gpu |
/// | `off`     | cpu: RAE_GPU=off | cpu: RAE_GPU=off | cpu: RAE_GPU=off |
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GpuPolicy {
    /// Hardware adapters only (never `DeviceType::Cpu`, such as llvmpipe).
    Auto,
    /// Never the GPU.
    Off,
    /// Any adapter, software ones included (the tests use lavapipe this way).
    Force,
}

impl GpuPolicy {
    /// The policy `RAE_GPU` names (unset or empty: `auto`); an unknown value is an error that
    /// names the accepted ones.
    pub fn from_env() -> std::result::Result<Self, String> {
        match std::env::var("RAE_GPU") {
            Err(_) => Ok(Self::Auto),
            Ok(v) => Self::parse(&v),
        }
    }

    pub fn parse(v: &str) -> std::result::Result<Self, String> {
        match v.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Self::Auto),
            "off" | "0" | "false" => Ok(Self::Off),
            "force" => Ok(Self::Force),
            other => Err(format!("RAE_GPU={other} is not auto, off or force")),
        }
    }
}

/// The CPU standing in for a GPU that was asked for: what it computes is the CPU's, and its name
/// says why.
#[derive(Debug, Clone)]
pub struct CpuFallback {
    pub reason: String,
}

impl Backend for CpuFallback {
    fn name(&self) -> String {
        format!("cpu: {}", self.reason)
    }

    fn offline_fft_size(&self, signal_frames: usize, filter_frames: usize) -> usize {
        Cpu.offline_fft_size(signal_frames, filter_frames)
    }

    fn filter_kernel(
        &self,
        ir: &[Vec<f32>],
        gain: f32,
        fft_n: usize,
    ) -> Result<Arc<dyn FilterKernel>> {
        Cpu.filter_kernel(ir, gain, fft_n)
    }

    fn spectrum_magnitudes(&self, frames: &[f32], n: usize, out: &mut [f32]) -> Result<()> {
        Cpu.spectrum_magnitudes(frames, n, out)
    }
}

/// The backend chosen for a request.
#[derive(Debug, Clone)]
pub struct Selected {
    pub backend: Arc<dyn Backend>,
}

impl Selected {
    /// What ran, for reports: `"cpu"` when the CPU was asked for, `"gpu: <adapter> (<api>)"`
    /// when work ran on the GPU, or `"cpu: <reason>"` when the GPU was asked for and the CPU ran
    /// (chosen so, fallen back to during the work, or given nothing to do). Read it after the
    /// work.
    pub fn report(&self) -> String {
        self.backend.name()
    }
}

/// The CPU backend, shared.
pub fn cpu() -> Arc<dyn Backend> {
    Arc::new(Cpu)
}

/// The backend for a request that asks for the GPU (`use_gpu`) or not, under [`GpuPolicy`]
/// from `RAE_GPU`.
pub fn select(use_gpu: bool) -> Selected {
    if !use_gpu {
        return Selected { backend: cpu() };
    }
    let backend: Arc<dyn Backend> = match GpuPolicy::from_env() {
        Err(reason) => Arc::new(CpuFallback { reason }),
        Ok(GpuPolicy::Off) => Arc::new(CpuFallback {
            reason: "RAE_GPU=off".into(),
        }),
        Ok(policy) => gpu_backend(policy),
    };
    Selected { backend }
}

#[cfg(feature = "gpu")]
fn gpu_backend(policy: GpuPolicy) -> Arc<dyn Backend> {
    match gpu::context(policy) {
        Ok(ctx) => Arc::new(gpu::GpuBackend::new(ctx)),
        Err(reason) => Arc::new(CpuFallback { reason }),
    }
}

#[cfg(not(feature = "gpu"))]
fn gpu_backend(_policy: GpuPolicy) -> Arc<dyn Backend> {
    Arc::new(CpuFallback {
        reason: "built without the gpu feature".into(),
    })
}

/// The adapters found and what a `use_gpu` request runs on now, under `RAE_GPU` (what
/// `rae gpu` prints).
pub fn gpu_report() -> GpuReport {
    #[cfg(feature = "gpu")]
    return gpu::report();
    #[cfg(not(feature = "gpu"))]
    return adapters::without_gpu();
}

//! The CPU backend, the reference every other backend is tested against: `realfft` plans, offline
//! FFT overlap-add convolution (FFT size chosen by a cost model, channels or segments spread over
//! threads) and batched spectrum magnitudes.

use realfft::num_complex::Complex;

use super::fft::{fft_cost, fft_err, fft_pair, spectrum, FftPair, Scratch, Split};
use super::{Backend, FilterKernel};
use crate::{Error, Result};
use std::sync::Arc;

/// The CPU backend.
#[derive(Debug, Default, Clone, Copy)]
pub struct Cpu;

impl Backend for Cpu {
    fn name(&self) -> String {
        "cpu".into()
    }

    fn offline_fft_size(&self, signal_frames: usize, filter_frames: usize) -> usize {
        offline_fft_size(signal_frames, filter_frames)
    }

    fn filter_kernel(
        &self,
        ir: &[Vec<f32>],
        gain: f32,
        fft_n: usize,
    ) -> Result<Arc<dyn FilterKernel>> {
        Ok(Arc::new(OfflineFilter::new(ir, gain, fft_n)?))
    }

    fn spectrum_magnitudes(&self, frames: &[f32], n: usize, out: &mut [f32]) -> Result<()> {
        let bins = n / 2 + 1;
        let count = check_batch(frames.len(), n, out.len())?;
        let fft = fft_pair(n);
        let mut s = Scratch::new(&fft);
        for (frame, mags) in frames
            .chunks_exact(n)
            .zip(out.chunks_exact_mut(bins))
            .take(count)
        {
            s.time.copy_from_slice(frame);
            fft.fwd
                .process_with_scratch(&mut s.time, &mut s.freq, &mut s.scratch)
                .map_err(fft_err)?;
            for (m, c) in mags.iter_mut().zip(&s.freq) {
                *m = c.norm();
            }
        }
        Ok(())
    }
}

/// The number of frames in a batch of `len` samples in frames of `n`, whose magnitudes need
/// `out_len` slots.
pub(crate) fn check_batch(len: usize, n: usize, out_len: usize) -> Result<usize> {
    if n < 2 || !len.is_multiple_of(n) {
        return Err(Error::InvalidArgument(format!(
            "a batch of {len} samples is not whole frames of {n}"
        )));
    }
    let count = len / n;
    if out_len != count * (n / 2 + 1) {
        return Err(Error::InvalidArgument(format!(
            "{count} frames of {n} give {} magnitudes, not {out_len}",
            count * (n / 2 + 1)
        )));
    }
    Ok(count)
}

/// FFT size for overlap-add of `n` signal frames with an `m`-frame filter.
pub(crate) fn offline_fft_size(n: usize, m: usize) -> usize {
    let min = (m + 1).next_power_of_two().max(64);
    let max = (n + m).next_power_of_two().max(min);
    let mut best = (f64::INFINITY, min);
    let mut l = min;
    while l <= max {
        let seg = l - m + 1;
        let nseg = n.div_ceil(seg).max(1) as f64;
        // Per segment: forward and inverse FFT plus one complex multiply per bin.
        let cost = nseg * (2.0 * fft_cost(l) + 3.0 * l as f64) + fft_cost(l);
        if cost < best.0 {
            best = (cost, l);
        }
        l *= 2;
    }
    best.1
}

/// A filter's spectra for offline overlap-add at one FFT size: the CPU [`FilterKernel`].
#[derive(Clone, Debug)]
pub(crate) struct OfflineFilter {
    fft: FftPair,
    /// Filter length (frames, before the delay).
    m: usize,
    spectra: Vec<Split>,
}

impl OfflineFilter {
    /// Spectra of each IR channel times `gain` (the 1/n of the inverse FFT folded in).
    pub(crate) fn new(ir: &[Vec<f32>], gain: f32, fft_n: usize) -> Result<Self> {
        let fft = fft_pair(fft_n);
        let mut s = Scratch::new(&fft);
        let g = gain / fft_n as f32;
        let spectra = ir
            .iter()
            .map(|h| spectrum(&fft, h, g, &mut s))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            fft,
            m: ir.first().map_or(0, Vec::len),
            spectra,
        })
    }

    /// Adds `x` (segments `segs` of it) convolved with IR channel `ic` into `out`, where
    /// `out[0]` is output frame `base`.
    fn run(
        &self,
        x: &[f32],
        ic: usize,
        segs: std::ops::Range<usize>,
        out: &mut [f32],
        base: usize,
    ) -> Result<()> {
        let l = self.fft.n;
        let seg = l - self.m + 1;
        let h = &self.spectra[ic % self.spectra.len()];
        let mut s = Scratch::new(&self.fft);
        for k in segs {
            let start = k * seg;
            if start >= x.len() {
                break;
            }
            let len = seg.min(x.len() - start);
            s.time[..len].copy_from_slice(&x[start..start + len]);
            s.time[len..].fill(0.0);
            self.fft
                .fwd
                .process_with_scratch(&mut s.time, &mut s.freq, &mut s.scratch)
                .map_err(fft_err)?;
            for ((c, &hr), &hi) in s.freq.iter_mut().zip(&h.re).zip(&h.im) {
                *c = Complex::new(c.re * hr - c.im * hi, c.re * hi + c.im * hr);
            }
            if let Some(last) = s.freq.last_mut() {
                last.im = 0.0;
            }
            s.freq[0].im = 0.0;
            self.fft
                .inv
                .process_with_scratch(&mut s.freq, &mut s.time, &mut s.scratch)
                .map_err(fft_err)?;
            let valid = (len + self.m - 1).min(l);
            let o = start - base;
            let end = (o + valid).min(out.len());
            for (y, &t) in out[o..end].iter_mut().zip(&s.time) {
                *y += t;
            }
        }
        Ok(())
    }
}

impl FilterKernel for OfflineFilter {
    fn fft_n(&self) -> usize {
        self.fft.n
    }

    fn convolve(&self, signal: &[Vec<f32>], threads: usize) -> Result<Vec<Vec<f32>>> {
        let n = signal.first().map_or(0, Vec::len);
        let out_len = n + self.m - 1;
        let seg = self.fft.n - self.m + 1;
        let nseg = n.div_ceil(seg);
        let threads = threads.clamp(1, (signal.len() * nseg).max(1));
        if threads == 1 || signal.is_empty() {
            return signal
                .iter()
                .enumerate()
                .map(|(c, x)| {
                    let mut out = vec![0.0; out_len];
                    self.run(x, c, 0..nseg, &mut out, 0)?;
                    Ok(out)
                })
                .collect();
        }
        // Jobs: (channel, segment range); each writes its own buffer, summed afterwards.
        let parts = threads.div_ceil(signal.len()).min(nseg).max(1);
        let mut jobs = Vec::new();
        for c in 0..signal.len() {
            for p in 0..parts {
                let a = nseg * p / parts;
                let b = nseg * (p + 1) / parts;
                if a < b {
                    jobs.push((c, a..b));
                }
            }
        }
        let results: Vec<Result<(usize, usize, Vec<f32>)>> = std::thread::scope(|scope| {
            let chunks: Vec<Vec<(usize, std::ops::Range<usize>)>> = (0..threads)
                .map(|t| jobs.iter().skip(t).step_by(threads).cloned().collect())
                .collect();
            let handles: Vec<_> = chunks
                .into_iter()
                .map(|mine| {
                    scope.spawn(move || {
                        mine.into_iter()
                            .map(|(c, r)| {
                                let base = r.start * seg;
                                let end = (r.end * seg).min(n) + self.m - 1;
                                let mut out = vec![0.0; end - base];
                                self.run(&signal[c], c, r, &mut out, base)?;
                                Ok((c, base, out))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec![Err(Error::Internal("convolution thread panicked".into()))]
                    })
                })
                .collect()
        });
        let mut outs: Vec<Option<Vec<f32>>> = vec![None; signal.len()];
        for r in results {
            let (c, base, part) = r?;
            match &mut outs[c] {
                Some(out) => {
                    for (y, p) in out[base..].iter_mut().zip(&part) {
                        *y += p;
                    }
                }
                slot @ None => {
                    if base == 0 && part.len() == out_len {
                        *slot = Some(part);
                    } else {
                        let mut out = vec![0.0; out_len];
                        out[base..base + part.len()].copy_from_slice(&part);
                        *slot = Some(out);
                    }
                }
            }
        }
        Ok(outs
            .into_iter()
            .map(|o| o.unwrap_or_else(|| vec![0.0; out_len]))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitudes_of_a_cosine_sit_in_its_bin() {
        let n = 64;
        let frames: Vec<f32> = (0..2 * n)
            .map(|i| (std::f64::consts::TAU * 4.0 * (i % n) as f64 / n as f64).cos() as f32)
            .collect();
        let mut out = vec![0.0; 2 * (n / 2 + 1)];
        Cpu.spectrum_magnitudes(&frames, n, &mut out).unwrap();
        for frame in out.chunks(n / 2 + 1) {
            assert!((frame[4] - n as f32 / 2.0).abs() < 1e-3, "{}", frame[4]);
            assert!(frame.iter().enumerate().all(|(i, m)| i == 4 || *m < 1e-3));
        }
        assert!(Cpu.spectrum_magnitudes(&frames[1..], n, &mut out).is_err());
    }

    #[test]
    fn kernel_convolves_with_an_impulse() {
        let ir = vec![vec![0.0, 1.0, 0.5]];
        let k = Cpu
            .filter_kernel(&ir, 1.0, Cpu.offline_fft_size(5, 3))
            .unwrap();
        let out = k.convolve(&[vec![1.0, 0.0, 0.0, 2.0, 0.0]], 1).unwrap();
        let want = [0.0, 1.0, 0.5, 0.0, 2.0, 1.0, 0.0];
        assert!(
            out[0].iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6),
            "{:?}",
            out[0]
        );
    }
}

//! The compute-backend seam: the heavy, regular work that a GPU can take (offline FFT
//! convolution, batched spectra) goes through a [`Backend`], chosen per request by [`select`].
//! The CPU implementation ([`Cpu`]) is the reference: another backend must match its output
//! within floating-point tolerance, and the report of every operation that used a backend says
//! which one ran, and why when it is not the one asked for.

mod cpu;
pub(crate) mod fft;

use std::sync::Arc;

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
    /// What ran, as reports show it: `"cpu"`, or `"gpu: <adapter> (<api>)"`.
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

/// The backend chosen for a request, and what a report says about it.
#[derive(Debug, Clone)]
pub struct Selected {
    pub backend: Arc<dyn Backend>,
    /// `"cpu"` when the CPU was asked for; otherwise the GPU that runs, or `"cpu: <reason>"`.
    pub report: String,
}

/// The CPU backend, shared.
pub fn cpu() -> Arc<dyn Backend> {
    Arc::new(Cpu)
}

/// The backend for a request that asks for the GPU (`use_gpu`) or not. This build has no GPU
/// backend, so a GPU request runs on the CPU and says so.
pub fn select(use_gpu: bool) -> Selected {
    Selected {
        backend: cpu(),
        report: if use_gpu {
            "cpu: no GPU backend in this build".into()
        } else {
            "cpu".into()
        },
    }
}

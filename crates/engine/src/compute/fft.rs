//! Real FFT plans shared process-wide, their scratch buffers, and spectra kept as split real and
//! imaginary arrays so multiply-accumulate loops vectorise. The CPU backend and the streaming
//! convolution both build on these.

use std::sync::{Arc, Mutex, OnceLock};

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::{Error, Result};

/// Forward and inverse real FFT plans of one size, shared process-wide.
#[derive(Clone)]
pub(crate) struct FftPair {
    pub n: usize,
    pub fwd: Arc<dyn RealToComplex<f32>>,
    pub inv: Arc<dyn ComplexToReal<f32>>,
}

impl std::fmt::Debug for FftPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FftPair({})", self.n)
    }
}

pub(crate) fn fft_pair(n: usize) -> FftPair {
    static PLANNER: OnceLock<Mutex<RealFftPlanner<f32>>> = OnceLock::new();
    let mut p = PLANNER
        .get_or_init(|| Mutex::new(RealFftPlanner::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    FftPair {
        n,
        fwd: p.plan_fft_forward(n),
        inv: p.plan_fft_inverse(n),
    }
}

pub(crate) fn fft_err(e: realfft::FftError) -> Error {
    Error::Internal(format!("FFT: {e}"))
}

/// Scratch buffers for one FFT size.
#[derive(Clone, Debug)]
pub(crate) struct Scratch {
    pub time: Vec<f32>,
    pub freq: Vec<Complex<f32>>,
    pub scratch: Vec<Complex<f32>>,
}

impl Scratch {
    pub(crate) fn new(fft: &FftPair) -> Self {
        let s = fft.fwd.get_scratch_len().max(fft.inv.get_scratch_len());
        Self {
            time: vec![0.0; fft.n],
            freq: vec![Complex::new(0.0, 0.0); fft.n / 2 + 1],
            scratch: vec![Complex::new(0.0, 0.0); s],
        }
    }
}

/// A spectrum as split real and imaginary parts.
#[derive(Clone, Debug, Default)]
pub(crate) struct Split {
    pub re: Vec<f32>,
    pub im: Vec<f32>,
}

impl Split {
    pub(crate) fn zeros(bins: usize) -> Self {
        Self {
            re: vec![0.0; bins],
            im: vec![0.0; bins],
        }
    }
}

/// The spectrum (size `fft.n`) of `segment` times `gain`, zero-padded.
pub(crate) fn spectrum(
    fft: &FftPair,
    segment: &[f32],
    gain: f32,
    s: &mut Scratch,
) -> Result<Split> {
    s.time.fill(0.0);
    for (t, &x) in s.time.iter_mut().zip(segment) {
        *t = x * gain;
    }
    fft.fwd
        .process_with_scratch(&mut s.time, &mut s.freq, &mut s.scratch)
        .map_err(fft_err)?;
    Ok(Split {
        re: s.freq.iter().map(|c| c.re).collect(),
        im: s.freq.iter().map(|c| c.im).collect(),
    })
}

/// Estimated cost (arbitrary units) of one real FFT of size `n`; sizes past the caches cost more
/// per element (measured with `examples/conv_bench.rs`).
pub(crate) fn fft_cost(n: usize) -> f64 {
    let nf = n as f64;
    let cache_penalty = if n <= 1 << 15 {
        1.0
    } else if n <= 1 << 17 {
        1.25
    } else {
        1.6
    };
    nf * nf.log2() * cache_penalty
}

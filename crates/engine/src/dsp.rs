//! Small DSP building blocks shared by the engine's generators (the built-in SoundFont and the
//! built-in impulse responses): a deterministic random number generator and an RBJ biquad;
//! and the one `rubato` resampler that impulse responses and the transcription's input use.
//! The effects' own EQ (`effects::eq`) keeps its per-channel, any-type filters.

use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
use rubato::{Fft, FixedSync, Resampler};

use crate::error::{Error, Result};

/// Frames of a signal of `frames` frames at `from` Hz once resampled to `to` Hz.
pub(crate) fn resampled_len(frames: usize, from: u32, to: u32) -> usize {
    if from == to {
        frames
    } else {
        (frames as u128 * u128::from(to)).div_ceil(u128::from(from.max(1))) as usize
    }
}

/// How sharp a resampler's anti-aliasing filter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Passband {
    /// rubato's default FFT blocks (about 256 frames): low delay, the passband ends well below
    /// the lower Nyquist frequency. Enough for impulse responses.
    Default,
    /// One FFT block of 8192 input frames: flat to about 99% of the lower Nyquist frequency,
    /// close to soxr's high-quality setting (librosa's default).
    Wide,
}

/// `channels` (equal lengths) resampled from `from` Hz to `to` Hz with rubato's FFT resampler,
/// delay compensated: each output channel has [`resampled_len`] frames. `what` names the
/// signal in the internal error a resampler failure gives.
pub(crate) fn resample(
    channels: &[Vec<f32>],
    from: u32,
    to: u32,
    passband: Passband,
    what: &str,
) -> Result<Vec<Vec<f32>>> {
    if from == to {
        return Ok(channels.to_vec());
    }
    let nch = channels.len();
    let frames = channels.first().map_or(0, Vec::len);
    if nch == 0 || frames == 0 {
        return Ok(vec![Vec::new(); nch]);
    }
    let internal = |e: &dyn std::fmt::Display| Error::Internal(format!("resampling {what}: {e}"));
    let input: Vec<Vec<f64>> = channels
        .iter()
        .map(|c| c.iter().map(|&x| f64::from(x)).collect())
        .collect();
    let adapter = SequentialSliceOfVecs::new(&input, nch, frames).map_err(|e| internal(&e))?;
    let mut resampler = match passband {
        Passband::Default => {
            Fft::<f64>::new(from as usize, to as usize, 1024, nch, FixedSync::Input)
        }
        Passband::Wide => Fft::<f64>::new_custom(
            from as usize,
            to as usize,
            8192,
            1,
            nch,
            rubato::WindowFunction::BlackmanHarris2,
            FixedSync::Input,
        ),
    }
    .map_err(|e| internal(&e))?;
    let out = resampler
        .process_all(&adapter, frames, None)
        .map_err(|e| internal(&e))?;
    let data = out.take_data();
    let out_frames = resampled_len(frames, from, to);
    Ok((0..nch)
        .map(|ch| {
            (0..out_frames)
                .map(|i| data.get(i * nch + ch).copied().unwrap_or(0.0) as f32)
                .collect()
        })
        .collect())
}

/// splitmix64: tiny, fast, deterministic.
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (mixed with a constant, so small seeds differ well).
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed ^ 0x2545_F491_4F6C_DD1D)
    }

    /// A generator whose state is exactly `state`.
    pub(crate) fn from_state(state: u64) -> Self {
        Rng(state)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [-1, 1).
    pub(crate) fn bipolar(&mut self) -> f64 {
        2.0 * self.uniform() - 1.0
    }
}

/// RBJ biquad, transposed direct form II.
#[derive(Clone, Copy)]
pub(crate) struct Biquad {
    b0: f64,
    b1: f64,
    b2: f64,
    a1: f64,
    a2: f64,
    z1: f64,
    z2: f64,
}

#[derive(Clone, Copy)]
pub(crate) enum Shape {
    Low,
    High,
    Band,
}

impl Biquad {
    pub(crate) fn new(shape: Shape, sr: f64, freq: f64, q: f64) -> Self {
        let f = freq.clamp(10.0, 0.45 * sr);
        let w = std::f64::consts::TAU * f / sr;
        let (sw, cw) = w.sin_cos();
        let alpha = sw / (2.0 * q.max(0.05));
        let (b0, b1, b2) = match shape {
            Shape::Low => ((1.0 - cw) / 2.0, 1.0 - cw, (1.0 - cw) / 2.0),
            Shape::High => ((1.0 + cw) / 2.0, -(1.0 + cw), (1.0 + cw) / 2.0),
            Shape::Band => (alpha, 0.0, -alpha),
        };
        let a0 = 1.0 + alpha;
        Biquad {
            b0: b0 / a0,
            b1: b1 / a0,
            b2: b2 / a0,
            a1: -2.0 * cw / a0,
            a2: (1.0 - alpha) / a0,
            z1: 0.0,
            z2: 0.0,
        }
    }

    pub(crate) fn lp(sr: f64, f: f64, q: f64) -> Self {
        Self::new(Shape::Low, sr, f, q)
    }

    pub(crate) fn hp(sr: f64, f: f64, q: f64) -> Self {
        Self::new(Shape::High, sr, f, q)
    }

    pub(crate) fn bp(sr: f64, f: f64, q: f64) -> Self {
        Self::new(Shape::Band, sr, f, q)
    }

    pub(crate) fn run(&mut self, x: f64) -> f64 {
        let y = self.b0 * x + self.z1;
        self.z1 = self.b1 * x - self.a1 * y + self.z2;
        self.z2 = self.b2 * x - self.a2 * y;
        y
    }
}

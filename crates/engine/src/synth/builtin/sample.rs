//! A finished sample of the built-in font: 16-bit PCM with its rate, root key and loop, the
//! common output of every instrument family's synthesis.

use super::dsp::peak;

/// One rendered sample, ready for the `smpl` chunk.
pub(super) struct Sample {
    pub(super) name: String,
    pub(super) pcm: Vec<i16>,
    pub(super) rate: u32,
    pub(super) root: u8,
    /// Loop start and end (end exclusive), relative to the sample start.
    pub(super) loop_points: Option<(usize, usize)>,
}

/// Scales by `gain` (reduced if needed so the peak stays at -0.3 dBFS) and quantises.
pub(super) fn finish(
    name: String,
    data: &[f64],
    gain: f64,
    rate: u32,
    root: u8,
    loop_points: Option<(usize, usize)>,
) -> Sample {
    let p = peak(data) * gain;
    let g = if p > 0.97 { gain * 0.97 / p } else { gain };
    let pcm = data
        .iter()
        .map(|v| (v * g * 32767.0).round().clamp(-32767.0, 32767.0) as i16)
        .collect();
    Sample {
        name,
        pcm,
        rate,
        root,
        loop_points,
    }
}

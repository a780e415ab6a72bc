//! Pitch-tracking parameters: what a caller chooses ([`PitchParams`]) and what the trackers run
//! on once those choices are checked against a sample rate ([`Resolved`]). Shared by YIN, pYIN and
//! the streaming analyser.

use crate::{Error, Result};

/// Which f0 estimator to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PitchMethod {
    /// YIN: the first dip of the normalised difference below `yin_threshold`, frame by frame.
    Yin,
    /// pYIN: a prior over thresholds gives several f0 candidates per frame; an HMM over pitch
    /// and voicing, decoded by Viterbi, picks a smooth track.
    #[default]
    Pyin,
    /// A track made elsewhere ([`PitchTrack::from_parts`](super::PitchTrack::from_parts)):
    /// not a tracker this engine runs.
    External,
}

impl PitchMethod {
    /// `"yin"` or `"pyin"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Yin => "yin",
            Self::Pyin => "pyin",
            Self::External => "external",
        }
    }
}

impl std::str::FromStr for PitchMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "yin" => Ok(Self::Yin),
            "pyin" => Ok(Self::Pyin),
            other => Err(Error::InvalidArgument(format!(
                "method must be \"yin\" or \"pyin\", not {other:?}"
            ))),
        }
    }
}

/// Pitch-tracking parameters. Defaults follow librosa's `pyin`: C2..C7, a 2048-sample frame at
/// 22.05 kHz (about 93 ms, scaled to the input rate) and a hop of 10 ms, the resolution at which
/// a teacher hears timing (and the grid of common pitch ground truth).
#[derive(Debug, Clone, PartialEq)]
pub struct PitchParams {
    pub method: PitchMethod,
    /// Lowest f0 searched (default 65.41 Hz, C2).
    pub fmin_hz: f64,
    /// Highest f0 searched (default 2093 Hz, C7).
    pub fmax_hz: f64,
    /// Frame length in samples; `None` = 2048 at 22.05 kHz scaled to the sample rate.
    pub frame_length: Option<usize>,
    /// Hop in samples; `None` = 10 ms (441 at 44.1 kHz).
    pub hop_length: Option<usize>,
    /// YIN only: the dip threshold on the normalised difference (default 0.1).
    pub yin_threshold: f64,
}

impl Default for PitchParams {
    fn default() -> Self {
        Self {
            method: PitchMethod::Pyin,
            fmin_hz: 65.406_395,
            fmax_hz: 2_093.004_5,
            frame_length: None,
            hop_length: None,
            yin_threshold: 0.1,
        }
    }
}

/// The frame length used when none is given: about 93 ms (2048 samples at 22.05 kHz), rounded
/// to a multiple of 256 so the FFT sizes stay fast at any rate.
pub fn default_frame_length(sample_rate: u32) -> usize {
    let n = (f64::from(sample_rate) * 2048.0 / 22050.0 / 256.0).round() as usize * 256;
    n.max(256)
}

/// The hop used when none is given: 10 ms.
pub fn default_hop_length(sample_rate: u32) -> usize {
    ((f64::from(sample_rate) * 0.01).round() as usize).max(1)
}

/// Parameters checked and resolved against a sample rate.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub sample_rate: u32,
    pub fmin_hz: f64,
    pub fmax_hz: f64,
    pub frame_length: usize,
    pub hop_length: usize,
    pub yin_threshold: f32,
    /// Smallest and largest lag searched, in samples.
    pub min_period: usize,
    pub max_period: usize,
}

impl Resolved {
    pub(crate) fn new(sample_rate: u32, p: &PitchParams) -> Result<Self> {
        if p.method == PitchMethod::External {
            return Err(Error::InvalidArgument(
                "method must be \"yin\" or \"pyin\" to analyse audio".into(),
            ));
        }
        if !(1000..=768_000).contains(&sample_rate) {
            return Err(Error::InvalidArgument(format!(
                "sample_rate must be within 1000..=768000 Hz, not {sample_rate}"
            )));
        }
        let sr = f64::from(sample_rate);
        if !(p.fmin_hz.is_finite() && p.fmin_hz >= 20.0) {
            return Err(Error::InvalidArgument(format!(
                "fmin_hz must be at least 20 Hz, not {}",
                p.fmin_hz
            )));
        }
        if !(p.fmax_hz.is_finite() && p.fmax_hz > p.fmin_hz && p.fmax_hz <= sr / 4.0) {
            return Err(Error::InvalidArgument(format!(
                "fmax_hz must be above fmin_hz ({}) and at most a quarter of the sample rate \
                 ({} Hz), not {}",
                p.fmin_hz,
                sr / 4.0,
                p.fmax_hz
            )));
        }
        if !(p.yin_threshold.is_finite() && p.yin_threshold > 0.0 && p.yin_threshold < 1.0) {
            return Err(Error::InvalidArgument(format!(
                "yin_threshold must be within (0, 1), not {}",
                p.yin_threshold
            )));
        }
        let frame_length = p
            .frame_length
            .unwrap_or_else(|| default_frame_length(sample_rate));
        if !(64..=1 << 16).contains(&frame_length) {
            return Err(Error::InvalidArgument(format!(
                "frame_length must be within 64..=65536 samples, not {frame_length}"
            )));
        }
        let hop_length = p
            .hop_length
            .unwrap_or_else(|| default_hop_length(sample_rate).min(frame_length))
            .max(1);
        if hop_length > frame_length {
            return Err(Error::InvalidArgument(format!(
                "hop_length must be within 1..=frame_length ({frame_length}), not {hop_length}"
            )));
        }
        let min_period = ((sr / p.fmax_hz).floor() as usize).max(2);
        let max_period = (sr / p.fmin_hz).ceil() as usize;
        // The lag search needs half the frame for the window and the rest for the lags.
        if max_period + 2 > frame_length / 2 {
            return Err(Error::InvalidArgument(format!(
                "frame_length {frame_length} is too short for fmin_hz {}: it must be at least \
                 {} samples at {sample_rate} Hz (two periods of fmin)",
                p.fmin_hz,
                2 * (max_period + 2)
            )));
        }
        Ok(Self {
            sample_rate,
            fmin_hz: p.fmin_hz,
            fmax_hz: p.fmax_hz,
            frame_length,
            hop_length,
            yin_threshold: p.yin_threshold as f32,
            min_period,
            max_period,
        })
    }

    /// Samples of the frame the YIN analysis reads: the window (half the frame) plus the
    /// largest lag and the two neighbours parabolic interpolation needs.
    pub(crate) fn span(&self) -> usize {
        self.frame_length / 2 + self.max_period + 2
    }

    /// Number of frames for a signal of `len` samples (centred frames, as librosa).
    pub(crate) fn frame_count(&self, len: usize) -> usize {
        if len == 0 {
            0
        } else {
            1 + (len - 1) / self.hop_length
        }
    }
}

//! [`AudioBuffer`]: planar `f32` channels plus their sample rate, the one currency between the
//! engine's parts. A buffer holds its invariants (every channel the same length, a sample rate of
//! at least 1 Hz, every sample finite) from the moment it is made, so code that takes one does not
//! check them again. Audio that arrives as bare channels (a streamed chunk) is checked with
//! [`check_shape`] and [`check_finite`], which name the caller and the offending sample.

use std::path::Path;

use crate::error::{Error, Result};

/// Planar audio: one `Vec<f32>` per channel, all the same length, every sample finite.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioBuffer {
    channels: Vec<Vec<f32>>,
    sample_rate: u32,
}

impl AudioBuffer {
    /// Audio from planar channels, refusing ragged channels, a zero sample rate and NaN or
    /// infinite samples with an [`Error::InvalidArgument`] that names the sample.
    pub fn new(channels: Vec<Vec<f32>>, sample_rate: u32) -> Result<Self> {
        Self::checked(channels, sample_rate, "audio")
    }

    /// [`AudioBuffer::new`] with `what` (a file name, a function) leading the error message.
    pub fn checked(channels: Vec<Vec<f32>>, sample_rate: u32, what: &str) -> Result<Self> {
        match problem(&channels, sample_rate) {
            Some(message) => Err(Error::InvalidArgument(format!("{what}: {message}"))),
            None => Ok(Self {
                channels,
                sample_rate,
            }),
        }
    }

    /// Audio decoded from `path`: a broken stream (NaN samples in a float file, no sample rate)
    /// is an [`Error::AudioFormat`] naming the file.
    pub(crate) fn decoded(channels: Vec<Vec<f32>>, sample_rate: u32, path: &Path) -> Result<Self> {
        match problem(&channels, sample_rate) {
            Some(message) => Err(Error::AudioFormat {
                path: path.to_path_buf(),
                message,
            }),
            None => Ok(Self {
                channels,
                sample_rate,
            }),
        }
    }

    /// Audio the engine made itself (a decoder, a synthesizer, an effect), whose invariants hold
    /// by construction; checked in debug builds.
    pub(crate) fn from_trusted(channels: Vec<Vec<f32>>, sample_rate: u32) -> Self {
        debug_assert!(sample_rate > 0, "sample rate 0");
        debug_assert!(
            check_shape(&channels, "engine").is_ok(),
            "ragged channels from the engine"
        );
        Self {
            channels,
            sample_rate: sample_rate.max(1),
        }
    }

    /// A silent buffer (a zero sample rate is taken as 1 Hz).
    pub fn silence(channels: usize, frames: usize, sample_rate: u32) -> Self {
        Self {
            channels: vec![vec![0.0; frames]; channels],
            sample_rate: sample_rate.max(1),
        }
    }

    /// The channels, each `frames()` samples long.
    pub fn channels(&self) -> &[Vec<f32>] {
        &self.channels
    }

    /// One channel's samples.
    pub fn channel(&self, index: usize) -> Option<&[f32]> {
        self.channels.get(index).map(Vec::as_slice)
    }

    /// The channels, given up.
    pub fn into_channels(self) -> Vec<Vec<f32>> {
        self.channels
    }

    /// In-place access for the engine's own processing, which keeps every length and writes
    /// finite samples only.
    pub(crate) fn channels_mut(&mut self) -> &mut [Vec<f32>] {
        &mut self.channels
    }

    /// Samples per second.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Number of frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Number of channels.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate)
    }

    /// Largest absolute sample value.
    pub fn peak(&self) -> f32 {
        self.channels
            .iter()
            .flat_map(|c| c.iter())
            .fold(0.0f32, |m, &x| m.max(x.abs()))
    }

    /// Peak level in dBFS (`-inf` for silence).
    pub fn peak_dbfs(&self) -> f64 {
        20.0 * f64::from(self.peak()).log10()
    }

    /// Multiplies every sample by `gain`. A gain that would overflow a sample to infinity is
    /// refused.
    pub fn apply_gain(&mut self, gain: f32) -> Result<()> {
        if !gain.is_finite() || !(self.peak() * gain.abs()).is_finite() {
            return Err(Error::InvalidArgument(format!(
                "gain {gain} would make the audio non-finite"
            )));
        }
        for c in &mut self.channels {
            for x in c.iter_mut() {
                *x *= gain;
            }
        }
        Ok(())
    }

    /// The average of all channels (empty for a buffer without channels).
    pub fn to_mono(&self) -> Vec<f32> {
        match self.channels.len() {
            0 => Vec::new(),
            1 => self.channels[0].clone(),
            n => {
                let scale = 1.0 / n as f32;
                let mut out = self.channels[0].clone();
                for c in &self.channels[1..] {
                    for (o, x) in out.iter_mut().zip(c) {
                        *o += x;
                    }
                }
                for o in &mut out {
                    *o *= scale;
                }
                out
            }
        }
    }
}

/// What breaks a buffer's invariants, worded for a user; `None` when they hold.
fn problem(channels: &[Vec<f32>], sample_rate: u32) -> Option<String> {
    if sample_rate == 0 {
        return Some("sample rate must be at least 1 Hz".into());
    }
    shape_problem(channels).or_else(|| finite_problem(channels))
}

fn shape_problem(channels: &[Vec<f32>]) -> Option<String> {
    let frames = channels.first().map_or(0, Vec::len);
    let other = channels.iter().map(Vec::len).find(|&n| n != frames)?;
    Some(format!(
        "channels have different lengths ({frames} and {other} samples)"
    ))
}

fn finite_problem<C: AsRef<[f32]>>(channels: &[C]) -> Option<String> {
    channels.iter().enumerate().find_map(|(ci, c)| {
        let c = c.as_ref();
        if all_finite(c) {
            return None;
        }
        let i = c.iter().position(|x| !x.is_finite())?;
        Some(format!(
            "input sample {i} of channel {ci} is {} (NaN or infinite samples cannot be processed)",
            c[i]
        ))
    })
}

/// Checks that every channel has the same length; returns that length.
pub fn check_shape(channels: &[Vec<f32>], what: &str) -> Result<usize> {
    match shape_problem(channels) {
        Some(m) => Err(Error::InvalidArgument(format!("{what}: {m}"))),
        None => Ok(channels.first().map_or(0, Vec::len)),
    }
}

/// Refuses NaN or infinite samples with an error naming `what`, the channel and the frame.
pub fn check_finite<C: AsRef<[f32]>>(channels: &[C], what: &str) -> Result<()> {
    match finite_problem(channels) {
        Some(m) => Err(Error::InvalidArgument(format!("{what}: {m}"))),
        None => Ok(()),
    }
}

/// Whether every sample is finite. `x * 0` is NaN exactly when `x` is NaN or infinite, and so is
/// any sum containing it; eight independent lanes let the compiler vectorise the pass.
pub fn all_finite(samples: &[f32]) -> bool {
    let mut lanes = [0.0f32; 8];
    let chunks = samples.chunks_exact(8);
    let rest: f32 = chunks.remainder().iter().map(|x| x * 0.0).sum();
    for chunk in chunks {
        for (l, x) in lanes.iter_mut().zip(chunk) {
            *l += x * 0.0;
        }
    }
    (lanes.iter().sum::<f32>() + rest).is_finite()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invariants_are_checked_on_construction() {
        let ragged = AudioBuffer::new(vec![vec![0.0; 3], vec![0.0; 2]], 8000).unwrap_err();
        assert!(ragged.to_string().contains("different lengths"), "{ragged}");
        let zero_rate = AudioBuffer::new(vec![vec![0.0]], 0).unwrap_err();
        assert!(zero_rate.to_string().contains("sample rate"), "{zero_rate}");
        let nan = AudioBuffer::new(vec![vec![0.0, 1.0], vec![0.5, f32::NAN]], 44_100).unwrap_err();
        assert!(nan.to_string().contains("sample 1 of channel 1"), "{nan}");
        let inf = AudioBuffer::checked(vec![vec![f32::INFINITY]], 8000, "song.wav").unwrap_err();
        assert!(
            inf.to_string().starts_with("invalid argument: song.wav:"),
            "{inf}"
        );
        assert!(AudioBuffer::new(vec![], 8000).is_ok());
    }

    #[test]
    fn mono_mix_averages() {
        let a = AudioBuffer::new(vec![vec![1.0, 0.0], vec![0.0, 1.0]], 8000).unwrap();
        assert_eq!(a.to_mono(), vec![0.5, 0.5]);
    }

    #[test]
    fn finite_check_finds_every_position() {
        for n in 0..40 {
            let mut x = vec![0.25f32; 40];
            assert!(all_finite(&x));
            x[n] = f32::NEG_INFINITY;
            assert!(!all_finite(&x), "{n}");
        }
    }

    #[test]
    fn overflowing_gain_is_refused() {
        let mut a = AudioBuffer::new(vec![vec![f32::MAX / 2.0]], 8000).unwrap();
        assert!(a.apply_gain(4.0).is_err());
        assert!(a.apply_gain(0.5).is_ok());
    }
}

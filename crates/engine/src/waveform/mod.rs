//! Waveform peaks for web players: min/max pairs per pixel, compatible with BBC
//! [audiowaveform](https://github.com/bbc/audiowaveform) (`.dat` and JSON, as read by peaks.js and
//! waveform-data.js) and with wavesurfer.js v7 (`peaks` + `duration`).
//!
//! ```
//! use rust_audio_engine::waveform::{Bits, PeaksBuilder};
//! let left = vec![0.0f32; 44_100];
//! let right = vec![0.0f32; 44_100];
//! let mut b = PeaksBuilder::new(44_100, 2, 256, Bits::Sixteen, false)?;
//! b.push(&[&left[..], &right[..]])?;
//! let peaks = b.finish();
//! assert_eq!(peaks.channels, 1); // merged, as audiowaveform does by default
//! let dat: Vec<u8> = peaks.to_dat();
//! let json: String = peaks.to_json();
//! # let _ = (dat, json);
//! # Ok::<(), rust_audio_engine::waveform::WaveformError>(())
//! ```
//!
//! The computation follows audiowaveform's `WaveformGenerator` exactly: every float sample is
//! first converted to a 16-bit integer the way audiowaveform converts float input
//! (`static_cast<short>(x * 32767)`, i.e. truncation toward zero; out-of-range input saturates),
//! channels are merged per frame by integer sum divided (truncating) by the channel count, and a
//! final partial pixel is emitted. 8-bit output divides the 16-bit values by 256 with C++
//! truncating division. See `docs/waveform-formats.md` for the file formats.

mod builder;
mod encode;
mod format;
pub mod png;
pub mod spectrogram;
#[cfg(test)]
mod tests;

pub use builder::{
    samples_per_pixel_for_pixels_per_second, samples_per_pixel_for_width, MultiPeaksBuilder,
    PeaksBuilder,
};
pub use encode::{encode_buffer, encode_file, Encoded, Format, WaveformOptions, WaveformReport};

use crate::audio::AudioBuffer;

/// Resolution of the stored min/max values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bits {
    /// Values in -128..=127 (audiowaveform `-b 8`, `.dat` flag bit 0 set).
    Eight,
    /// Values in -32768..=32767 (audiowaveform's default).
    Sixteen,
}

impl Bits {
    /// 8 or 16.
    pub fn as_u32(self) -> u32 {
        match self {
            Bits::Eight => 8,
            Bits::Sixteen => 16,
        }
    }

    /// `Bits` from 8 or 16.
    pub fn from_u32(bits: u32) -> Result<Self, WaveformError> {
        match bits {
            8 => Ok(Bits::Eight),
            16 => Ok(Bits::Sixteen),
            other => Err(WaveformError::InvalidBits(other)),
        }
    }

    /// Largest positive value at this resolution (127 or 32767).
    pub fn full_scale(self) -> i16 {
        match self {
            Bits::Eight => i16::from(i8::MAX),
            Bits::Sixteen => i16::MAX,
        }
    }
}

/// Errors from building, parsing or validating peaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaveformError {
    #[error("invalid bits {0}: must be 8 or 16")]
    InvalidBits(u32),
    #[error("invalid samples per pixel {0}: must be at least 1")]
    InvalidSamplesPerPixel(i64),
    #[error("invalid sample rate {0}: must be at least 1 Hz")]
    InvalidSampleRate(i64),
    #[error("invalid channel count {0}: must be 1 to {max}", max = MAX_CHANNELS)]
    InvalidChannels(i64),
    #[error("pushed {got} channels to a builder made for {expected}")]
    ChannelMismatch { expected: usize, got: usize },
    #[error("pushed channels of different lengths ({first} and {other} samples)")]
    RaggedChunk { first: usize, other: usize },
    #[error("unsupported waveform data version {0}: expected 1 or 2")]
    UnsupportedVersion(i64),
    #[error("truncated .dat: need {needed} bytes, have {have}")]
    Truncated { needed: u64, have: u64 },
    #[error(".dat has {0} bytes after the declared data")]
    TrailingBytes(u64),
    #[error("value {value} at data index {index} is out of range for {bits}-bit data")]
    ValueOutOfRange { index: usize, value: i64, bits: u32 },
    #[error("data has {got} values but length and channels require {expected}")]
    DataLength { expected: u64, got: u64 },
    #[error("invalid JSON at byte {offset}: {message}")]
    Json { offset: usize, message: String },
    #[error("JSON is missing the required key \"{0}\"")]
    MissingKey(&'static str),
}

/// Upper bound on channels accepted by the parsers (audiowaveform's `MAX_CHANNELS` is 24).
pub const MAX_CHANNELS: usize = 24;

/// Waveform peaks: `length` pixels of min/max pairs for `channels` channels.
///
/// `data` holds the values exactly as the file formats do: pixel-major, then channel, then
/// `min, max` — i.e. `[min(c0,p0), max(c0,p0), min(c1,p0), max(c1,p0), min(c0,p1), ...]` — at
/// the resolution given by `bits` (so 8-bit peaks hold values in -128..=127).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peaks {
    pub sample_rate: u32,
    pub samples_per_pixel: u32,
    pub channels: usize,
    pub bits: Bits,
    pub data: Vec<i16>,
}

impl Peaks {
    /// Peaks of a whole buffer in one call (see [`PeaksBuilder`] for streaming).
    pub fn from_buffer(
        buffer: &AudioBuffer,
        samples_per_pixel: u32,
        bits: Bits,
        split_channels: bool,
    ) -> Result<Self, WaveformError> {
        let mut b = PeaksBuilder::new(
            buffer.sample_rate(),
            buffer.channel_count(),
            samples_per_pixel,
            bits,
            split_channels,
        )?;
        let chans: Vec<&[f32]> = buffer.channels().iter().map(Vec::as_slice).collect();
        b.push(&chans)?;
        Ok(b.finish())
    }

    /// Number of pixels (min/max pairs per channel).
    pub fn length(&self) -> usize {
        if self.channels == 0 {
            0
        } else {
            self.data.len() / (2 * self.channels)
        }
    }

    /// Minimum of `channel` at pixel `index`, or `None` out of range.
    pub fn min(&self, channel: usize, index: usize) -> Option<i16> {
        self.value(channel, index, 0)
    }

    /// Maximum of `channel` at pixel `index`, or `None` out of range.
    pub fn max(&self, channel: usize, index: usize) -> Option<i16> {
        self.value(channel, index, 1)
    }

    fn value(&self, channel: usize, index: usize, which: usize) -> Option<i16> {
        if channel >= self.channels {
            return None;
        }
        self.data
            .get((index * self.channels + channel) * 2 + which)
            .copied()
    }

    /// Duration covered by the pixels: `length * samples_per_pixel / sample_rate` seconds (an
    /// upper bound on the audio's duration: the last pixel may be partial).
    pub fn duration_s(&self) -> f64 {
        self.length() as f64 * f64::from(self.samples_per_pixel)
            / f64::from(self.sample_rate.max(1))
    }

    /// Checks the invariants the writers rely on.
    pub fn validate(&self) -> Result<(), WaveformError> {
        if self.sample_rate == 0 {
            return Err(WaveformError::InvalidSampleRate(0));
        }
        if self.samples_per_pixel == 0 {
            return Err(WaveformError::InvalidSamplesPerPixel(0));
        }
        if self.channels == 0 || self.channels > MAX_CHANNELS {
            return Err(WaveformError::InvalidChannels(self.channels as i64));
        }
        if !self.data.len().is_multiple_of(2 * self.channels) {
            return Err(WaveformError::DataLength {
                expected: (self.length() * 2 * self.channels) as u64,
                got: self.data.len() as u64,
            });
        }
        if self.bits == Bits::Eight {
            let range = i16::from(i8::MIN)..=i16::from(i8::MAX);
            if let Some((index, &value)) = self
                .data
                .iter()
                .enumerate()
                .find(|(_, v)| !range.contains(v))
            {
                return Err(WaveformError::ValueOutOfRange {
                    index,
                    value: i64::from(value),
                    bits: 8,
                });
            }
        }
        Ok(())
    }
}

/// How wide a pixel is, in the three ways audiowaveform lets a user say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zoom {
    /// `--zoom N`: N audio frames per pixel (audiowaveform's default is 256).
    SamplesPerPixel(u32),
    /// `--pixels-per-second N`.
    PixelsPerSecond(u32),
    /// `--width N`: the whole input in at most N pixels.
    Width(u32),
}

impl Default for Zoom {
    fn default() -> Self {
        Zoom::SamplesPerPixel(256)
    }
}

impl Zoom {
    /// Frames per pixel for an input of `frames` frames at `sample_rate`.
    pub fn samples_per_pixel(self, sample_rate: u32, frames: u64) -> Result<u32, WaveformError> {
        match self {
            Zoom::SamplesPerPixel(n) => Ok(n),
            Zoom::PixelsPerSecond(pps) => {
                builder::samples_per_pixel_for_pixels_per_second(sample_rate, pps)
            }
            Zoom::Width(w) => builder::samples_per_pixel_for_width(frames, w),
        }
    }
}

/// Peaks of an audio buffer at a zoom; `name` is used in error messages.
pub fn peaks_of(
    audio: &AudioBuffer,
    zoom: Zoom,
    bits: Bits,
    split_channels: bool,
    name: &std::path::Path,
) -> crate::Result<Peaks> {
    let planes: Vec<&[f32]> = audio.channels().iter().map(Vec::as_slice).collect();
    peaks_of_planar(
        &planes,
        audio.sample_rate(),
        zoom,
        bits,
        split_channels,
        name,
    )
}

/// Peaks of planar channels borrowed from elsewhere (a numpy array, say), without a copy.
pub fn peaks_of_planar(
    channels: &[&[f32]],
    sample_rate: u32,
    zoom: Zoom,
    bits: Bits,
    split_channels: bool,
    name: &std::path::Path,
) -> crate::Result<Peaks> {
    let err = |e: WaveformError| crate::Error::AudioFormat {
        path: name.to_path_buf(),
        message: format!("waveform: {e}"),
    };
    let frames = channels.first().map_or(0, |c| c.len());
    let spp = zoom
        .samples_per_pixel(sample_rate, frames as u64)
        .map_err(err)?;
    let mut builder =
        PeaksBuilder::new(sample_rate, channels.len(), spp, bits, split_channels).map_err(err)?;
    builder.push(channels).map_err(err)?;
    Ok(builder.finish())
}

/// Peaks of an audio file, decoded in a stream: memory stays constant whatever the file's
/// length (a one-hour file never sits in memory), and the peaks are identical to
/// [`peaks_of`] on the whole decoded file. Returns the peaks and the audio's exact duration in
/// seconds (for [`Peaks::to_wavesurfer_json_with_duration`]).
///
/// `progress` receives the fraction decoded (0..=1), or `None` when the file declares no
/// length. [`Zoom::Width`] needs the frame count before the first pixel, so it decodes the
/// file twice (the first pass only counts; it reports the first half of the progress).
pub fn peaks_of_file(
    path: &std::path::Path,
    zoom: Zoom,
    bits: Bits,
    split_channels: bool,
    max_seconds: f64,
    progress: &mut dyn FnMut(Option<f64>),
) -> crate::Result<(Peaks, f64)> {
    peaks_streamed(
        &mut |on_chunk| crate::io::stream_audio(path, max_seconds, on_chunk),
        path,
        zoom,
        bits,
        split_channels,
        progress,
    )
}

/// [`peaks_of_file`] for encoded file bytes in memory (`name` for messages and the format hint).
pub fn peaks_of_encoded(
    bytes: std::sync::Arc<[u8]>,
    name: &std::path::Path,
    zoom: Zoom,
    bits: Bits,
    split_channels: bool,
    max_seconds: f64,
    progress: &mut dyn FnMut(Option<f64>),
) -> crate::Result<(Peaks, f64)> {
    peaks_streamed(
        &mut |on_chunk| crate::io::stream_audio_bytes(bytes.clone(), name, max_seconds, on_chunk),
        name,
        zoom,
        bits,
        split_channels,
        progress,
    )
}

fn peaks_streamed(
    decode: &mut dyn FnMut(&mut crate::io::OnChunk<'_>) -> crate::Result<crate::io::StreamInfo>,
    name: &std::path::Path,
    zoom: Zoom,
    bits: Bits,
    split_channels: bool,
    progress: &mut dyn FnMut(Option<f64>),
) -> crate::Result<(Peaks, f64)> {
    let err = |e: WaveformError| crate::Error::AudioFormat {
        path: name.to_path_buf(),
        message: format!("waveform: {e}"),
    };
    let fraction = |info: &crate::io::StreamInfo| {
        info.frames_hint
            .filter(|&n| n > 0)
            .map(|n| (info.frames as f64 / n as f64).min(1.0))
    };
    // Only a width needs the length up front; count it in a first pass.
    let (known_frames, first_share) = match zoom {
        Zoom::Width(_) => {
            let info = decode(&mut |info, _| {
                progress(fraction(info).map(|f| f * 0.5));
                Ok(())
            })?;
            (info.frames, 0.5)
        }
        _ => (0, 0.0),
    };
    let mut builder: Option<PeaksBuilder> = None;
    let make = |info: &crate::io::StreamInfo| -> crate::Result<PeaksBuilder> {
        let spp = zoom
            .samples_per_pixel(info.sample_rate, known_frames)
            .map_err(err)?;
        PeaksBuilder::new(info.sample_rate, info.channels, spp, bits, split_channels).map_err(err)
    };
    let info = decode(&mut |info, chunk| {
        let b = match builder.as_mut() {
            Some(b) => b,
            None => builder.insert(make(info)?),
        };
        b.push(chunk).map_err(err)?;
        progress(fraction(info).map(|f| first_share + f * (1.0 - first_share)));
        Ok(())
    })?;
    let builder = match builder {
        Some(b) => b,
        None => make(&info)?,
    };
    let duration_s = builder.duration_s();
    Ok((builder.finish(), duration_s))
}

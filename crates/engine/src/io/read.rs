//! Audio file input: WAV, FLAC, MP3 and Ogg Vorbis decoded with `symphonia` into an
//! [`AudioBuffer`] (planar f32 at the file's own rate), or streamed chunk by chunk through a
//! callback ([`stream_audio`]) so long files pass in constant memory. A length limit guards
//! memory against hostile files; a corrupt stream is an [`Error::AudioFormat`] naming the file.

use std::path::Path;

use symphonia::core::audio::{AudioBuffer as SymphoniaBuffer, AudioBufferRef};
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use crate::audio::AudioBuffer;
use crate::error::{Error, Result};

/// Longest input decoded by default, in seconds (two hours).
pub const DEFAULT_MAX_INPUT_S: f64 = 7200.0;

/// What a decoded stream is, passed with every chunk by [`stream_audio`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamInfo {
    /// The track's sample rate in Hz.
    pub sample_rate: u32,
    /// Channels in every chunk.
    pub channels: usize,
    /// Frame count the container declares, if any: exact for WAV and FLAC, an estimate for some
    /// compressed formats. Meant for progress reports, not for sizing.
    pub frames_hint: Option<u64>,
    /// Frames decoded so far, the current chunk included (the total once decoding returns).
    pub frames: u64,
}

/// The callback of [`stream_audio`]: the stream's info and one planar chunk (one slice per
/// channel, all the same length).
pub type OnChunk<'a> = dyn FnMut(&StreamInfo, &[&[f32]]) -> Result<()> + 'a;

/// Decodes an audio file, refusing more than `max_seconds` of audio.
pub fn read_audio(path: &Path, max_seconds: f64) -> Result<AudioBuffer> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let hint_ext = path.extension().and_then(|e| e.to_str()).map(str::to_owned);
    collect(Box::new(file), hint_ext.as_deref(), path, max_seconds)
}

/// Decodes audio file bytes (`name` is used in error messages and its extension as a hint).
pub fn decode_audio(bytes: Vec<u8>, name: &Path, max_seconds: f64) -> Result<AudioBuffer> {
    let ext = name.extension().and_then(|e| e.to_str()).map(str::to_owned);
    collect(
        Box::new(std::io::Cursor::new(bytes)),
        ext.as_deref(),
        name,
        max_seconds,
    )
}

/// Decodes an audio file packet by packet, handing each decoded packet to `on_chunk` as planar
/// f32 (one slice per channel, all the same length) and keeping nothing: memory stays constant
/// whatever the length. The samples, limits and errors are exactly those of [`read_audio`]
/// (which is built on this). An error returned by `on_chunk` stops decoding and is returned.
pub fn stream_audio(
    path: &Path,
    max_seconds: f64,
    on_chunk: &mut OnChunk<'_>,
) -> Result<StreamInfo> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let hint_ext = path.extension().and_then(|e| e.to_str()).map(str::to_owned);
    stream(
        Box::new(file),
        hint_ext.as_deref(),
        path,
        max_seconds,
        on_chunk,
    )
}

/// [`stream_audio`] over file bytes already in memory (`name` as in [`decode_audio`]). The
/// bytes are shared, so a caller can decode them twice without a copy.
pub fn stream_audio_bytes(
    bytes: std::sync::Arc<[u8]>,
    name: &Path,
    max_seconds: f64,
    on_chunk: &mut OnChunk<'_>,
) -> Result<StreamInfo> {
    let ext = name.extension().and_then(|e| e.to_str()).map(str::to_owned);
    stream(
        Box::new(std::io::Cursor::new(bytes)),
        ext.as_deref(),
        name,
        max_seconds,
        on_chunk,
    )
}

/// The whole stream in one buffer.
fn collect(
    source: Box<dyn MediaSource>,
    ext: Option<&str>,
    path: &Path,
    max_seconds: f64,
) -> Result<AudioBuffer> {
    let mut channels: Vec<Vec<f32>> = Vec::new();
    let info = stream(source, ext, path, max_seconds, &mut |_, chunk| {
        if channels.is_empty() {
            channels = vec![Vec::new(); chunk.len()];
        }
        for (c, x) in channels.iter_mut().zip(chunk) {
            c.extend_from_slice(x);
        }
        Ok(())
    })?;
    if channels.is_empty() {
        channels = vec![Vec::new(); info.channels];
    }
    AudioBuffer::decoded(channels, info.sample_rate, path)
}

/// A demuxer positioned on the first audio track, with its decoder.
struct Opened {
    format: Box<dyn symphonia::core::formats::FormatReader>,
    decoder: Box<dyn symphonia::core::codecs::Decoder>,
    track_id: u32,
    params: symphonia::core::codecs::CodecParameters,
    sample_rate: u32,
}

/// Probes the container (the extension is a hint) and opens its first audio track.
fn open(source: Box<dyn MediaSource>, ext: Option<&str>, path: &Path) -> Result<Opened> {
    let err = |message: String| Error::AudioFormat {
        path: path.to_path_buf(),
        message,
    };
    let mss = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(e) = ext {
        hint.with_extension(e);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| err(format!("not a supported audio file ({e})")))?;
    let format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| err("no audio track".into()))?;
    let track_id = track.id;
    let params = track.codec_params.clone();
    let sample_rate = params
        .sample_rate
        .filter(|&r| r > 0)
        .ok_or_else(|| err("no sample rate".into()))?;
    let decoder = symphonia::default::get_codecs()
        .make(&params, &DecoderOptions::default())
        .map_err(|e| err(format!("unsupported codec ({e})")))?;
    Ok(Opened {
        format,
        decoder,
        track_id,
        params,
        sample_rate,
    })
}

fn stream(
    source: Box<dyn MediaSource>,
    ext: Option<&str>,
    path: &Path,
    max_seconds: f64,
    on_chunk: &mut OnChunk<'_>,
) -> Result<StreamInfo> {
    let err = |message: String| Error::AudioFormat {
        path: path.to_path_buf(),
        message,
    };
    let Opened {
        mut format,
        mut decoder,
        track_id,
        params,
        sample_rate,
    } = open(source, ext, path)?;
    let max_frames = (max_seconds * f64::from(sample_rate)) as u64;
    let limit = |frames: u64| {
        Error::Limit {
        path: path.to_path_buf(),
        message: format!(
            "audio is longer than the limit of {max_seconds} s ({frames} frames at {sample_rate} Hz)"
        ),
    }
    };
    if let Some(n) = params.n_frames {
        if n > max_frames {
            return Err(limit(n));
        }
    }

    let mut info: Option<StreamInfo> = None;
    // Conversion target for integer codecs (f32 codecs are handed over in place).
    let mut converted: Option<SymphoniaBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(err(format!("corrupt stream ({e})"))),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            // A damaged packet in a lossy stream is skipped, as players do.
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(e) => return Err(err(format!("cannot decode ({e})"))),
        };
        let spec = *decoded.spec();
        let n_ch = spec.channels.count();
        if n_ch == 0 {
            return Err(err("stream has no channels".into()));
        }
        let info = match info.as_mut() {
            None => info.insert(StreamInfo {
                sample_rate,
                channels: n_ch,
                frames_hint: params.n_frames,
                frames: 0,
            }),
            Some(i) if i.channels != n_ch => {
                return Err(err("channel count changes inside the stream".into()))
            }
            Some(i) => i,
        };
        let n = decoded.frames();
        if n == 0 {
            continue;
        }
        info.frames += n as u64;
        if info.frames > max_frames {
            return Err(limit(info.frames));
        }
        if let AudioBufferRef::F32(buf) = &decoded {
            on_chunk(info, buf.planes().planes())?;
        } else {
            // `convert` requires the same spec and at least the source's capacity.
            let dst = match converted.as_mut() {
                Some(b) if *b.spec() == spec && b.capacity() >= decoded.capacity() => b,
                _ => converted.insert(decoded.make_equivalent::<f32>()),
            };
            decoded.convert(dst);
            on_chunk(info, dst.planes().planes())?;
        }
    }
    info.ok_or_else(|| err("no audio in the file".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{encode, OutputFormat};
    use std::path::PathBuf;

    fn tone(channels: usize, frames: usize, sr: u32) -> AudioBuffer {
        let mut a = AudioBuffer::silence(channels, frames, sr);
        for (c, ch) in a.channels_mut().iter_mut().enumerate() {
            for (i, x) in ch.iter_mut().enumerate() {
                *x = 0.4 * ((i as f32) * 0.01 * (c + 1) as f32).sin();
            }
        }
        a
    }

    #[test]
    fn our_own_outputs_read_back() {
        let a = tone(2, 20_000, 48000);
        for (fmt, ext, tol) in [
            (OutputFormat::Wav16, "wav", 1.0 / 32768.0),
            (OutputFormat::Wav24, "wav", 1.0 / 8_388_608.0),
            (OutputFormat::Wav32Float, "wav", 0.0),
            (OutputFormat::Flac16, "flac", 1.0 / 32768.0),
            (OutputFormat::Flac24, "flac", 1.0 / 8_388_608.0),
        ] {
            let name = PathBuf::from(format!("x.{ext}"));
            let bytes = encode(&a, fmt, &name).unwrap();
            let b = decode_audio(bytes, &name, DEFAULT_MAX_INPUT_S).unwrap();
            assert_eq!(b.sample_rate(), 48000, "{fmt:?}");
            assert_eq!(b.channel_count(), 2, "{fmt:?}");
            assert_eq!(b.frames(), 20_000, "{fmt:?}");
            for (x, y) in a
                .channels()
                .iter()
                .flatten()
                .zip(b.channels().iter().flatten())
            {
                assert!((x - y).abs() <= tol, "{fmt:?}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let e = decode_audio(b"not audio at all".to_vec(), Path::new("x.wav"), 10.0).unwrap_err();
        assert!(matches!(e, Error::AudioFormat { .. }), "{e}");
        assert!(e.to_string().contains("x.wav"));
        let a = tone(1, 48000 * 3, 48000);
        let bytes = encode(&a, OutputFormat::Wav16, Path::new("x.wav")).unwrap();
        let e = decode_audio(bytes, Path::new("long.wav"), 1.0).unwrap_err();
        assert!(matches!(e, Error::Limit { .. }), "{e}");
        let missing = read_audio(Path::new("/nonexistent/a.wav"), 10.0).unwrap_err();
        assert!(matches!(missing, Error::NotFound { .. }));
    }

    #[test]
    fn truncated_files_never_panic() {
        let a = tone(2, 5000, 44100);
        for (fmt, ext) in [(OutputFormat::Wav16, "wav"), (OutputFormat::Flac16, "flac")] {
            let name = PathBuf::from(format!("t.{ext}"));
            let bytes = encode(&a, fmt, &name).unwrap();
            for n in (0..bytes.len()).step_by(97) {
                let _ = decode_audio(bytes[..n].to_vec(), &name, 10.0);
            }
        }
    }
}

//! Audio file input: WAV, FLAC, MP3 and Ogg Vorbis decoded with `symphonia` into an
//! [`AudioBuffer`] (planar f32 at the file's own rate). A length limit guards memory against
//! hostile files; a corrupt stream is an [`Error::AudioFormat`] naming the file.

use std::path::Path;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use crate::audio::AudioBuffer;
use crate::error::{Error, Result};

/// Longest input decoded by default, in seconds (two hours).
pub const DEFAULT_MAX_INPUT_S: f64 = 7200.0;

/// Decodes an audio file, refusing more than `max_seconds` of audio.
pub fn read_audio(path: &Path, max_seconds: f64) -> Result<AudioBuffer> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let hint_ext = path.extension().and_then(|e| e.to_str()).map(str::to_owned);
    decode(Box::new(file), hint_ext.as_deref(), path, max_seconds)
}

/// Decodes audio file bytes (`name` is used in error messages and its extension as a hint).
pub fn decode_audio(bytes: Vec<u8>, name: &Path, max_seconds: f64) -> Result<AudioBuffer> {
    let ext = name.extension().and_then(|e| e.to_str()).map(str::to_owned);
    decode(
        Box::new(std::io::Cursor::new(bytes)),
        ext.as_deref(),
        name,
        max_seconds,
    )
}

fn decode(
    source: Box<dyn symphonia::core::io::MediaSource>,
    ext: Option<&str>,
    path: &Path,
    max_seconds: f64,
) -> Result<AudioBuffer> {
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
    let mut format = probed.format;
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
    let mut decoder = symphonia::default::get_codecs()
        .make(&params, &DecoderOptions::default())
        .map_err(|e| err(format!("unsupported codec ({e})")))?;
    let max_frames = (max_seconds * f64::from(sample_rate)) as usize;
    let limit = |frames: usize| {
        Error::Limit {
        path: path.to_path_buf(),
        message: format!(
            "audio is longer than the limit of {max_seconds} s ({frames} frames at {sample_rate} Hz)"
        ),
    }
    };
    if let Some(n) = params.n_frames {
        if n as usize > max_frames {
            return Err(limit(n as usize));
        }
    }

    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut sample_buf: Option<SampleBuffer<f32>> = None;
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
        if channels.is_empty() {
            channels = vec![Vec::new(); n_ch];
        } else if channels.len() != n_ch {
            return Err(err("channel count changes inside the stream".into()));
        }
        let buf = match sample_buf.as_mut() {
            Some(b) if b.capacity() >= decoded.capacity() * n_ch => b,
            _ => sample_buf.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
        };
        buf.copy_interleaved_ref(decoded);
        for frame in buf.samples().chunks_exact(n_ch) {
            for (c, x) in channels.iter_mut().zip(frame) {
                c.push(*x);
            }
        }
        if channels[0].len() > max_frames {
            return Err(limit(channels[0].len()));
        }
    }
    if channels.is_empty() {
        return Err(err("no audio in the file".into()));
    }
    Ok(AudioBuffer {
        channels,
        sample_rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{encode, OutputFormat};
    use std::path::PathBuf;

    fn tone(channels: usize, frames: usize, sr: u32) -> AudioBuffer {
        let mut a = AudioBuffer::new(channels, frames, sr);
        for (c, ch) in a.channels.iter_mut().enumerate() {
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
            assert_eq!(b.sample_rate, 48000, "{fmt:?}");
            assert_eq!(b.channel_count(), 2, "{fmt:?}");
            assert_eq!(b.frames(), 20_000, "{fmt:?}");
            for (x, y) in a.channels.iter().flatten().zip(b.channels.iter().flatten()) {
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

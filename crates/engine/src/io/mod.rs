//! Audio files. Output: WAV (16/24-bit integer, 32-bit float; 16-bit by our own streaming
//! writer, the rest through `hound`) and FLAC (16/24-bit, `flacenc`), always written to a
//! temporary file beside the target and renamed into place, so a failure never leaves a partial
//! file or touches an existing one. Input: [`read`] decodes WAV, FLAC, MP3,
//! Ogg Vorbis and Opus, WebM/Opus and MP4/AAC.

mod mp4;
mod opus;
pub mod read;

pub use read::{
    decode_audio, read_audio, stream_audio, stream_audio_bytes, stream_samples,
    stream_samples_bytes, OnChunk, OnSamples, Samples, StreamInfo, DEFAULT_MAX_INPUT_S,
};

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::audio::AudioBuffer;
use crate::error::{find_name, Error, Result};

/// An output encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    Wav16,
    Wav24,
    Wav32Float,
    Flac16,
    Flac24,
}

impl OutputFormat {
    /// All formats with their names as the CLI and Python spell them.
    pub const NAMES: [(&'static str, OutputFormat); 5] = [
        ("wav16", OutputFormat::Wav16),
        ("wav24", OutputFormat::Wav24),
        ("wav32f", OutputFormat::Wav32Float),
        ("flac16", OutputFormat::Flac16),
        ("flac24", OutputFormat::Flac24),
    ];

    /// Parses a name such as `wav24` or `flac16`.
    pub fn from_name(name: &str) -> Result<Self> {
        find_name(&Self::NAMES, name, "output format")
    }

    /// The canonical name.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("wav16", |(n, _)| n)
    }

    /// The default format for a file name: `.flac` gives FLAC 16-bit, anything else WAV 16-bit.
    pub fn from_path(path: &Path) -> Self {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("flac") => OutputFormat::Flac16,
            _ => OutputFormat::Wav16,
        }
    }

    fn bits(self) -> u16 {
        match self {
            OutputFormat::Wav16 | OutputFormat::Flac16 => 16,
            OutputFormat::Wav24 | OutputFormat::Flac24 => 24,
            OutputFormat::Wav32Float => 32,
        }
    }
}

/// Quantises a sample in [-1, 1] to a signed integer of `bits` bits (round to nearest, clamped).
fn quantise(x: f32, bits: u16) -> i32 {
    let scale = (1i64 << (bits - 1)) as f64;
    let v = (f64::from(x) * scale).round();
    v.clamp(-scale, scale - 1.0) as i32
}

/// 16-bit PCM WAV, the default output, written directly: the same bytes as `hound` writes (a
/// test checks), several times faster than per-sample writes.
/// Mono and stereo only: hound writes WAVE_FORMAT_EXTENSIBLE headers for more channels.
fn write_wav16(audio: &AudioBuffer, w: &mut dyn Write) -> std::io::Result<()> {
    let channels = audio.channel_count();
    let frames = audio.frames();
    let data_len = (frames * channels * 2) as u32;
    let mut header = Vec::with_capacity(44);
    header.extend_from_slice(b"RIFF");
    header.extend_from_slice(&(36 + data_len).to_le_bytes());
    header.extend_from_slice(b"WAVEfmt ");
    header.extend_from_slice(&16u32.to_le_bytes());
    header.extend_from_slice(&1u16.to_le_bytes()); // PCM
    header.extend_from_slice(&(channels as u16).to_le_bytes());
    header.extend_from_slice(&audio.sample_rate().to_le_bytes());
    header.extend_from_slice(&(audio.sample_rate() * channels as u32 * 2).to_le_bytes());
    header.extend_from_slice(&(channels as u16 * 2).to_le_bytes());
    header.extend_from_slice(&16u16.to_le_bytes());
    header.extend_from_slice(b"data");
    header.extend_from_slice(&data_len.to_le_bytes());
    w.write_all(&header)?;
    // Same rounding as `quantise` (half away from zero, clamped), in f32 so it vectorises.
    let q = |x: f32| {
        let v = (x * 32768.0).clamp(-32768.0, 32767.0);
        ((v + 0.5f32.copysign(v)) as i32).clamp(-32768, 32767) as i16
    };
    // Converted in chunks so a long render is never held twice in memory.
    const CHUNK: usize = 1 << 16;
    let mut buf = vec![0u8; CHUNK * channels * 2];
    let mut at = 0;
    while at < frames {
        let n = CHUNK.min(frames - at);
        let data = &mut buf[..n * channels * 2];
        match audio.channels() {
            [mono] => {
                for (d, &x) in data.chunks_exact_mut(2).zip(&mono[at..at + n]) {
                    d.copy_from_slice(&q(x).to_le_bytes());
                }
            }
            [l, r] => {
                let pairs = l[at..at + n].iter().zip(&r[at..at + n]);
                for (d, (&a, &b)) in data.chunks_exact_mut(4).zip(pairs) {
                    d[..2].copy_from_slice(&q(a).to_le_bytes());
                    d[2..].copy_from_slice(&q(b).to_le_bytes());
                }
            }
            _ => {}
        }
        w.write_all(data)?;
        at += n;
    }
    Ok(())
}

/// Encodes `audio` into bytes of the given format.
pub fn encode(audio: &AudioBuffer, format: OutputFormat, name: &Path) -> Result<Vec<u8>> {
    let channels = audio.channel_count();
    if channels == 0 || channels > 8 {
        return Err(Error::AudioFormat {
            path: name.to_path_buf(),
            message: format!("cannot write {channels} channels (1 to 8 supported)"),
        });
    }
    let frames = audio.frames();
    let bits = format.bits();
    let fmt_err = |message: String| Error::AudioFormat {
        path: name.to_path_buf(),
        message,
    };
    match format {
        OutputFormat::Wav16 if channels <= 2 => {
            let mut out = Vec::with_capacity(44 + frames * channels * 2);
            write_wav16(audio, &mut out).map_err(|e| fmt_err(format!("WAV encoder: {e}")))?;
            Ok(out)
        }
        OutputFormat::Wav16 | OutputFormat::Wav24 | OutputFormat::Wav32Float => {
            let spec = hound::WavSpec {
                channels: channels as u16,
                sample_rate: audio.sample_rate(),
                bits_per_sample: bits,
                sample_format: if format == OutputFormat::Wav32Float {
                    hound::SampleFormat::Float
                } else {
                    hound::SampleFormat::Int
                },
            };
            let bytes_per_sample = usize::from(bits / 8);
            let mut cursor = std::io::Cursor::new(Vec::with_capacity(
                44 + frames * channels * bytes_per_sample,
            ));
            {
                let mut w = hound::WavWriter::new(&mut cursor, spec)
                    .map_err(|e| fmt_err(format!("WAV encoder: {e}")))?;
                for i in 0..frames {
                    for c in audio.channels() {
                        let r = if format == OutputFormat::Wav32Float {
                            w.write_sample(c[i])
                        } else {
                            w.write_sample(quantise(c[i], bits))
                        };
                        r.map_err(|e| fmt_err(format!("WAV encoder: {e}")))?;
                    }
                }
                w.finalize()
                    .map_err(|e| fmt_err(format!("WAV encoder: {e}")))?;
            }
            Ok(cursor.into_inner())
        }
        OutputFormat::Flac16 | OutputFormat::Flac24 => {
            use flacenc::component::BitRepr;
            use flacenc::error::Verify;
            let mut interleaved = Vec::with_capacity(frames * channels);
            for i in 0..frames {
                for c in audio.channels() {
                    interleaved.push(quantise(c[i], bits));
                }
            }
            let config = flacenc::config::Encoder::default()
                .into_verified()
                .map_err(|e| fmt_err(format!("FLAC encoder config: {e:?}")))?;
            let source = flacenc::source::MemSource::from_samples(
                &interleaved,
                channels,
                usize::from(bits),
                audio.sample_rate() as usize,
            );
            let stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size)
                .map_err(|e| fmt_err(format!("FLAC encoder: {e:?}")))?;
            let mut sink = flacenc::bitsink::ByteSink::new();
            stream
                .write(&mut sink)
                .map_err(|e| fmt_err(format!("FLAC encoder: {e:?}")))?;
            let mut bytes = sink.into_inner();
            // STREAMINFO's minimum block size must exclude the last (short) block; flacenc
            // counts it, which strict readers (symphonia) reject. Blocks are fixed-size, so the
            // minimum is the maximum.
            if bytes.len() >= 12 && bytes.starts_with(b"fLaC") {
                let (max_hi, max_lo) = (bytes[10], bytes[11]);
                bytes[8] = max_hi;
                bytes[9] = max_lo;
            }
            Ok(bytes)
        }
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed, then
/// renamed over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Like [`write_atomic`], with the content produced by `fill` writing into the temporary file.
fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::NotFound { path: dir });
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".rae-").suffix(".part");
    // A temporary file is private (0600); the output should get the mode any new file gets
    // (0666 less the umask), or keep the mode of the file it replaces, so a web server
    // running as another user can read it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut tmp = builder.tempfile_in(&dir).map_err(|e| Error::io(path, e))?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        fill(&mut w).map_err(|e| Error::io(path, e))?;
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Encodes and writes `audio` to `path` atomically.
pub fn write_audio(path: &Path, audio: &AudioBuffer, format: OutputFormat) -> Result<()> {
    if format == OutputFormat::Wav16 && (1..=2).contains(&audio.channel_count()) {
        // Streamed into the file: the default format never holds a second copy of the audio.
        return write_atomic_with(path, |w| write_wav16(audio, w));
    }
    let bytes = encode(audio, format, path)?;
    write_atomic(path, &bytes)
}

/// True when `a` and `b` name the same existing file (used to refuse overwriting an input).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Refuses an output path that names an input file.
pub fn check_output_path(output: &Path, input: &Path) -> Result<()> {
    if output == input || same_file(output, input) {
        return Err(Error::InvalidArgument(format!(
            "output path {} is the input file; choose another output",
            output.display()
        )));
    }
    if output.is_dir() {
        return Err(Error::InvalidArgument(format!(
            "output path {} is a directory",
            output.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(frames: usize) -> AudioBuffer {
        let mut a = AudioBuffer::silence(2, frames, 44100);
        for (c, ch) in a.channels_mut().iter_mut().enumerate() {
            for (i, x) in ch.iter_mut().enumerate() {
                *x = 0.5 * ((i as f32) * 0.05 + c as f32).sin();
            }
        }
        a
    }

    #[test]
    fn quantise_rounds_and_clamps() {
        assert_eq!(quantise(1.0, 16), 32767);
        assert_eq!(quantise(-1.0, 16), -32768);
        assert_eq!(quantise(2.0, 24), (1 << 23) - 1);
        assert_eq!(quantise(0.0, 16), 0);
    }

    #[test]
    fn wav_formats_round_trip() {
        let a = sine(1000);
        for (fmt, tol) in [
            (OutputFormat::Wav16, 1.0 / 32768.0),
            (OutputFormat::Wav24, 1.0 / 8388608.0),
            (OutputFormat::Wav32Float, 0.0),
        ] {
            let bytes = encode(&a, fmt, Path::new("x.wav")).unwrap();
            let mut r = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
            let spec = r.spec();
            assert_eq!(spec.channels, 2);
            assert_eq!(spec.sample_rate, 44100);
            let samples: Vec<f32> = match spec.sample_format {
                hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.unwrap()).collect(),
                hound::SampleFormat::Int => {
                    let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
                    r.samples::<i32>()
                        .map(|s| s.unwrap() as f32 / scale)
                        .collect()
                }
            };
            assert_eq!(samples.len(), 2000);
            for i in 0..1000 {
                assert!((samples[2 * i] - a.channels()[0][i]).abs() <= tol);
                assert!((samples[2 * i + 1] - a.channels()[1][i]).abs() <= tol);
            }
        }
    }

    #[test]
    fn fast_wav16_matches_hound() {
        for channels in [1, 2] {
            // Longer than one conversion chunk, so chunk boundaries are covered.
            let mut a = sine(70_001);
            let sr = a.sample_rate();
            a = AudioBuffer::new(a.into_channels().into_iter().take(channels).collect(), sr)
                .unwrap();
            // Full scale, beyond it, and values exactly between two steps round alike.
            let edge = [
                1.0,
                -1.0,
                1.5,
                -1.5,
                0.5 / 32768.0,
                -0.5 / 32768.0,
                1.5 / 32768.0,
            ];
            for (i, v) in edge.iter().enumerate() {
                a.channels_mut()[0][i] = *v;
            }
            let spec = hound::WavSpec {
                channels: channels as u16,
                sample_rate: 44100,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            };
            let mut cursor = std::io::Cursor::new(Vec::new());
            let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
            for i in 0..a.frames() {
                for c in a.channels() {
                    w.write_sample(quantise(c[i], 16) as i16).unwrap();
                }
            }
            w.finalize().unwrap();
            let expected = cursor.into_inner();
            let ours = encode(&a, OutputFormat::Wav16, Path::new("x.wav")).unwrap();
            assert!(ours == expected, "{channels} channels: encode differs");
            // The streamed file write gives the same bytes.
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("s.wav");
            write_audio(&p, &a, OutputFormat::Wav16).unwrap();
            assert!(
                std::fs::read(&p).unwrap() == expected,
                "{channels} channels: file differs"
            );
        }
    }

    #[test]
    fn flac_round_trip_is_lossless() {
        let a = sine(10000);
        for (fmt, bits) in [(OutputFormat::Flac16, 16u16), (OutputFormat::Flac24, 24)] {
            let bytes = encode(&a, fmt, Path::new("x.flac")).unwrap();
            let mut r = claxon::FlacReader::new(std::io::Cursor::new(bytes)).unwrap();
            assert_eq!(r.streaminfo().bits_per_sample, u32::from(bits));
            let got: Vec<i32> = r.samples().map(|s| s.unwrap()).collect();
            assert_eq!(got.len(), 20000);
            for i in 0..10000 {
                assert_eq!(got[2 * i], quantise(a.channels()[0][i], bits));
            }
        }
    }

    #[test]
    fn atomic_write_leaves_no_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.wav");
        std::fs::write(&target, b"old").unwrap();
        // Zero channels cannot be encoded: the existing file must stay untouched.
        let bad = AudioBuffer::silence(0, 0, 44100);
        assert!(write_audio(&target, &bad, OutputFormat::Wav16).is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        write_audio(&target, &sine(10), OutputFormat::Wav16).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_readable_by_others_and_keep_a_replaced_files_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new.dat");
        write_atomic(&new, b"x").unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        // A new output gets the mode of any newly created file (0666 less the umask), not
        // the temporary file's private 0600.
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let expected = std::fs::metadata(&plain).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, expected, "mode {mode:o}, expected {expected:o}");
        let old = dir.path().join("old.dat");
        std::fs::write(&old, b"old").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&old, b"new").unwrap();
        let mode = std::fs::metadata(&old).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}

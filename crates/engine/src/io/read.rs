//! Audio file input: WAV, FLAC, MP3, Ogg (Vorbis, Opus), WebM/Matroska (Opus, Vorbis) and MP4
//! (AAC) decoded with `symphonia` (Opus through libopus) into an [`AudioBuffer`] (planar f32 at
//! the file's own rate), or streamed chunk by chunk through a callback ([`stream_audio`]) so long
//! files pass in constant memory. Encoder delay and padding are removed where the container
//! states them (MP3 LAME/Xing, Ogg pre-skip and granule positions, MP4 edit lists). A length
//! limit guards memory against hostile files; a corrupt stream is an [`Error::AudioFormat`]
//! naming the file.

use std::path::Path;
use std::sync::OnceLock;

use std::io::Seek;
use symphonia::core::audio::{AudioBuffer as SymphoniaBuffer, AudioBufferRef};
use symphonia::core::codecs::{
    CodecRegistry, DecoderOptions, CODEC_TYPE_MP3, CODEC_TYPE_NULL, CODEC_TYPE_PCM_F32BE,
    CODEC_TYPE_PCM_F32LE, CODEC_TYPE_PCM_F64BE, CODEC_TYPE_PCM_F64LE,
};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader, Track};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::mp4::Edit;
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

/// One planar chunk from [`stream_samples`], saying what kind of samples the file holds, since
/// exact 16-bit work (audiowaveform's peaks) treats each kind its own way.
#[derive(Debug, Clone, Copy)]
pub enum Samples<'a> {
    /// Integer PCM (WAV, FLAC) as 16-bit integers: wider samples keep their top 16 bits
    /// and unsigned ones are re-centred, as libsndfile reads them as shorts.
    I16(&'a [&'a [i16]]),
    /// Float PCM (WAV), as stored.
    F32(&'a [&'a [f32]]),
    /// The output of a lossy decoder other than MP3 (Vorbis, Opus, AAC), in f32.
    Lossy(&'a [&'a [f32]]),
    /// The output of the MP3 decoder, in f32 (audiowaveform reads MP3 through libmad, which
    /// converts to 16 bits its own way).
    Mp3(&'a [&'a [f32]]),
}

/// The callback of [`stream_samples`].
pub type OnSamples<'a> = dyn FnMut(&StreamInfo, Samples<'_>) -> Result<()> + 'a;

/// Decodes an audio file, refusing more than `max_seconds` of audio.
pub fn read_audio(path: &Path, max_seconds: f64) -> Result<AudioBuffer> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    collect(
        Box::new(file),
        extension(path).as_deref(),
        path,
        max_seconds,
    )
}

/// Decodes audio file bytes (`name` is used in error messages and its extension as a hint).
pub fn decode_audio(bytes: Vec<u8>, name: &Path, max_seconds: f64) -> Result<AudioBuffer> {
    let source = Box::new(std::io::Cursor::new(bytes));
    collect(source, extension(name).as_deref(), name, max_seconds)
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
    let ext = extension(path);
    stream(
        Box::new(file),
        ext.as_deref(),
        path,
        max_seconds,
        false,
        &mut as_f32(on_chunk),
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
    let source = Box::new(std::io::Cursor::new(bytes));
    let ext = extension(name);
    stream(
        source,
        ext.as_deref(),
        name,
        max_seconds,
        false,
        &mut as_f32(on_chunk),
    )
}

/// [`stream_audio`] with integer PCM handed over as 16-bit integers ([`Samples`]), for work that
/// wants audiowaveform's exact values (waveform peaks).
pub fn stream_samples(
    path: &Path,
    max_seconds: f64,
    on_chunk: &mut OnSamples<'_>,
) -> Result<StreamInfo> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let ext = extension(path);
    stream(
        Box::new(file),
        ext.as_deref(),
        path,
        max_seconds,
        true,
        on_chunk,
    )
}

/// [`stream_samples`] over file bytes already in memory (`name` as in [`decode_audio`]).
pub fn stream_samples_bytes(
    bytes: std::sync::Arc<[u8]>,
    name: &Path,
    max_seconds: f64,
    on_chunk: &mut OnSamples<'_>,
) -> Result<StreamInfo> {
    let source = Box::new(std::io::Cursor::new(bytes));
    let ext = extension(name);
    stream(source, ext.as_deref(), name, max_seconds, true, on_chunk)
}

fn extension(path: &Path) -> Option<String> {
    path.extension().and_then(|e| e.to_str()).map(str::to_owned)
}

/// An f32 callback as a [`Samples`] one (asked for with integers off, so only f32 arrives).
fn as_f32<'a>(
    on_chunk: &'a mut OnChunk<'a>,
) -> impl FnMut(&StreamInfo, Samples<'_>) -> Result<()> + 'a {
    move |info, samples| match samples {
        Samples::F32(planes) | Samples::Lossy(planes) | Samples::Mp3(planes) => {
            on_chunk(info, planes)
        }
        Samples::I16(_) => Err(Error::Internal("integer samples on the f32 path".into())),
    }
}

/// The whole stream in one buffer.
fn collect(
    source: Box<dyn MediaSource>,
    ext: Option<&str>,
    path: &Path,
    max_seconds: f64,
) -> Result<AudioBuffer> {
    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut append = |_: &StreamInfo, chunk: &[&[f32]]| {
        if channels.is_empty() {
            channels = vec![Vec::new(); chunk.len()];
        }
        for (c, x) in channels.iter_mut().zip(chunk) {
            c.extend_from_slice(x);
        }
        Ok(())
    };
    let info = stream(
        source,
        ext,
        path,
        max_seconds,
        false,
        &mut as_f32(&mut append),
    )?;
    if channels.is_empty() {
        channels = vec![Vec::new(); info.channels];
    }
    AudioBuffer::decoded(channels, info.sample_rate, path)
}

/// Decoders: symphonia's (WAV, FLAC, MP3, Vorbis, AAC, ...) and libopus for Opus, which
/// symphonia 0.5 lacks.
fn codecs() -> &'static CodecRegistry {
    static CODECS: OnceLock<CodecRegistry> = OnceLock::new();
    CODECS.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_all::<super::opus::Opus>();
        registry
    })
}

/// The first track with a codec.
fn first_track(format: &dyn FormatReader) -> Option<&Track> {
    format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
}

/// A demuxer positioned on the first audio track, with its decoder.
struct Opened {
    format: Box<dyn symphonia::core::formats::FormatReader>,
    decoder: Box<dyn symphonia::core::codecs::Decoder>,
    track_id: u32,
    params: symphonia::core::codecs::CodecParameters,
    sample_rate: u32,
    /// The span of the decoded frames that is the signal, when the container states it and
    /// symphonia does not apply it itself (an MP4 edit list).
    edit: Option<Edit>,
}

/// Probes the container (the extension is a hint) and opens its first audio track.
fn open(mut source: Box<dyn MediaSource>, ext: Option<&str>, path: &Path) -> Result<Opened> {
    let err = |message: String| Error::AudioFormat {
        path: path.to_path_buf(),
        message,
    };
    // Read before symphonia takes the source.
    let track_edit = super::mp4::audio_edit(&mut *source);
    let mss = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(e) = ext {
        hint.with_extension(e);
    }
    let probe = |mss: MediaSourceStream, gapless: bool| {
        let options = FormatOptions {
            enable_gapless: gapless,
            ..FormatOptions::default()
        };
        symphonia::default::get_probe()
            .format(&hint, mss, &options, &MetadataOptions::default())
            .map(|p| p.format)
            .map_err(|e| err(format!("not a supported audio file ({e})")))
    };
    // Gapless: symphonia drops the encoder delay and padding that Ogg granule positions
    // declare. For MP3 it would trust the LAME tag's padding, which real files get wrong (one
    // of audiowaveform's test files declares 578 samples more than its last frame holds, and
    // trusting it cuts real signal), so MP3 is read again without, and only the tag's delay is
    // removed below, as audiowaveform does.
    let mut format = probe(mss, true)?;
    let mut mp3_delay = None;
    if first_track(&*format).is_some_and(|t| t.codec_params.codec == CODEC_TYPE_MP3) {
        let mut mss = format.into_inner();
        mss.seek(std::io::SeekFrom::Start(0))
            .map_err(|e| Error::io(path, e))?;
        let again = MediaSourceStream::new(Box::new(mss), MediaSourceStreamOptions::default());
        format = probe(again, false)?;
        mp3_delay = first_track(&*format).and_then(|t| t.codec_params.delay);
    }
    let track = first_track(&*format).ok_or_else(|| err("no audio track".into()))?;
    let track_id = track.id;
    let decoder = codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| err(format!("unsupported codec ({e})")))?;
    // The decoder's, which may differ from the container's (Opus at its input rate).
    let params = decoder.codec_params().clone();
    let sample_rate = params
        .sample_rate
        .filter(|&r| r > 0)
        .ok_or_else(|| err("no sample rate".into()))?;
    let edit = track_edit
        .map(|e| e.frames(sample_rate))
        .or(mp3_delay.map(|d| Edit {
            skip: u64::from(d),
            length: None,
        }));
    Ok(Opened {
        format,
        decoder,
        track_id,
        params,
        sample_rate,
        edit,
    })
}
/// Frames `start..end` of a chunk, for every channel.
fn span<'a, T>(planes: &[&'a [T]], start: usize, end: usize) -> Vec<&'a [T]> {
    planes.iter().map(|p| &p[start..end]).collect()
}

/// Hands one decoded packet to `on_chunk` in the form it asked for, frames `keep` only.
fn deliver(
    decoded: &AudioBufferRef<'_>,
    keep: std::ops::Range<usize>,
    native_ints: bool,
    scratch: &mut Scratch,
    info: &StreamInfo,
    on_chunk: &mut OnSamples<'_>,
) -> Result<()> {
    let (a, b) = (keep.start, keep.end);
    let kind = scratch.kind;
    let float = |planes| match kind {
        FloatKind::Pcm => Samples::F32(planes),
        FloatKind::Mp3 => Samples::Mp3(planes),
        FloatKind::Lossy => Samples::Lossy(planes),
    };
    match decoded {
        AudioBufferRef::F32(buf) => on_chunk(info, float(&span(buf.planes().planes(), a, b))),
        AudioBufferRef::S16(buf) if native_ints => {
            on_chunk(info, Samples::I16(&span(buf.planes().planes(), a, b)))
        }
        AudioBufferRef::F64(_) => {
            let dst = scratch.f32_for(decoded);
            decoded.convert(dst);
            on_chunk(info, Samples::F32(&span(dst.planes().planes(), a, b)))
        }
        _ if native_ints => {
            // symphonia keeps the top 16 bits of wider integers (an arithmetic shift) and
            // re-centres unsigned ones, as libsndfile reads them as shorts.
            let dst = scratch.i16_for(decoded);
            decoded.convert(dst);
            on_chunk(info, Samples::I16(&span(dst.planes().planes(), a, b)))
        }
        _ => {
            let dst = scratch.f32_for(decoded);
            decoded.convert(dst);
            on_chunk(info, Samples::F32(&span(dst.planes().planes(), a, b)))
        }
    }
}

/// Conversion targets, reused from packet to packet, and what the f32 output is.
#[derive(Default)]
struct Scratch {
    f32: Option<SymphoniaBuffer<f32>>,
    i16: Option<SymphoniaBuffer<i16>>,
    /// What the codec's f32 output is.
    kind: FloatKind,
}

/// What f32 samples from a codec are, for [`Samples`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum FloatKind {
    #[default]
    Pcm,
    Mp3,
    Lossy,
}

impl Scratch {
    // `convert` requires the same spec and at least the source's capacity.
    fn f32_for(&mut self, src: &AudioBufferRef<'_>) -> &mut SymphoniaBuffer<f32> {
        match &mut self.f32 {
            Some(b) if b.spec() == src.spec() && b.capacity() >= src.capacity() => {}
            slot => *slot = Some(src.make_equivalent::<f32>()),
        }
        self.f32.get_or_insert_with(|| src.make_equivalent())
    }

    fn i16_for(&mut self, src: &AudioBufferRef<'_>) -> &mut SymphoniaBuffer<i16> {
        match &mut self.i16 {
            Some(b) if b.spec() == src.spec() && b.capacity() >= src.capacity() => {}
            slot => *slot = Some(src.make_equivalent::<i16>()),
        }
        self.i16.get_or_insert_with(|| src.make_equivalent())
    }
}

/// Which frames of the decoded stream are the signal: all of them, or an [`Edit`]'s span.
struct Window {
    skip: u64,
    end: u64,
    /// Frames decoded so far, kept or not.
    pos: u64,
}

impl Window {
    fn new(edit: Option<Edit>) -> Self {
        let skip = edit.map_or(0, |e| e.skip);
        let end = edit
            .and_then(|e| e.length)
            .map_or(u64::MAX, |l| skip.saturating_add(l));
        Self { skip, end, pos: 0 }
    }

    /// The frames of the next `n` decoded ones to keep, as a range within them.
    fn next(&mut self, n: usize) -> std::ops::Range<usize> {
        let start = self.pos;
        self.pos += n as u64;
        let a = self.skip.clamp(start, self.pos) - start;
        let b = self.end.clamp(start, self.pos) - start;
        a as usize..b.max(a) as usize
    }

    fn done(&self) -> bool {
        self.pos >= self.end
    }
}

fn stream(
    source: Box<dyn MediaSource>,
    ext: Option<&str>,
    path: &Path,
    max_seconds: f64,
    native_ints: bool,
    on_chunk: &mut OnSamples<'_>,
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
        edit,
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
    // Matroska states its duration in its own time base, not in frames: no hint then.
    let frames_hint = params.n_frames.filter(|_| {
        params
            .time_base
            .is_none_or(|tb| tb.numer == 1 && tb.denom == sample_rate)
    });
    if let Some(n) = frames_hint {
        if n > max_frames {
            return Err(limit(n));
        }
    }
    let mut window = Window::new(edit);
    let mut info: Option<StreamInfo> = None;
    let mut scratch = Scratch {
        kind: match params.codec {
            CODEC_TYPE_PCM_F32LE | CODEC_TYPE_PCM_F32BE | CODEC_TYPE_PCM_F64LE
            | CODEC_TYPE_PCM_F64BE => FloatKind::Pcm,
            CODEC_TYPE_MP3 => FloatKind::Mp3,
            _ => FloatKind::Lossy,
        },
        ..Scratch::default()
    };
    while !window.done() {
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
        let n_ch = decoded.spec().channels.count();
        if n_ch == 0 {
            return Err(err("stream has no channels".into()));
        }
        let info = match info.as_mut() {
            None => info.insert(StreamInfo {
                sample_rate,
                channels: n_ch,
                frames_hint,
                frames: 0,
            }),
            Some(i) if i.channels != n_ch => {
                return Err(err("channel count changes inside the stream".into()))
            }
            Some(i) => i,
        };
        let keep = window.next(decoded.frames());
        if keep.is_empty() {
            continue;
        }
        info.frames += keep.len() as u64;
        if info.frames > max_frames {
            return Err(limit(info.frames));
        }
        deliver(&decoded, keep, native_ints, &mut scratch, info, on_chunk)?;
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

//! The render operation: MIDI (a path or bytes) through a SoundFont (a source or a loaded font),
//! then the effects (the convolution reverb, then a chain), then the gain stage; in memory or to
//! a file with its waveform beside it. The CLI, Python and the service all render through here.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use crate::audio::AudioBuffer;
use crate::compute::{self, Selected};
use crate::effects::{Chain, Convolution, ConvolutionParams, Effect, EffectSpec};
use crate::error::{catch_panics, Error, Result};
use crate::gain::{self, Normalize};
use crate::io::{self, check_output_path, OutputFormat};
use crate::midi::{MidiFile, MidiLimits, MidiWarning};
use crate::progress::Progress;
use crate::synth::font::{
    load_soundfont, LoadedSoundFont, SoundFontSource, DEFAULT_MAX_SOUNDFONT_BYTES,
};
use crate::synth::interpolation::Interpolation;
use crate::synth::render::{synthesize, SynthOptions, TAIL_SILENCE};
use crate::waveform::{self, Format as WaveformFormat};

/// The impulse response `reverb: true` uses unless `reverb_ir` says otherwise.
pub const DEFAULT_REVERB_IR: &str = "hall";
/// Wet fraction of the render reverb: the built-in IRs are normalised to unit energy, so the wet
/// path is about as loud as the dry one; a quarter of it sounds like a room, not a cave.
pub const RENDER_REVERB_MIX: f32 = 0.25;

/// Limits that protect a server from hostile or absurd input. Each is configurable.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Longest output accepted, in seconds (default 60 minutes).
    pub max_audio_s: f64,
    /// Largest MIDI file, in bytes (default 64 MiB).
    pub max_midi_bytes: u64,
    /// Largest SoundFont file, in bytes (default 4 GiB).
    pub max_soundfont_bytes: u64,
    /// Fastest tempo accepted, in BPM (default 3000).
    pub max_tempo_bpm: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_audio_s: 3600.0,
            max_midi_bytes: 64 * 1024 * 1024,
            max_soundfont_bytes: DEFAULT_MAX_SOUNDFONT_BYTES,
            max_tempo_bpm: 3000.0,
        }
    }
}

impl Limits {
    /// The MIDI reader's limits, strict or not.
    pub fn midi_limits(&self, strict: bool) -> MidiLimits {
        MidiLimits {
            max_file_bytes: self.max_midi_bytes,
            max_tempo_bpm: self.max_tempo_bpm,
            max_duration_s: self.max_audio_s,
            strict,
        }
    }
}

/// How to render.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// 22050 to 96000 Hz (default 44100).
    pub sample_rate: u32,
    /// Voice limit of each channel group's synthesizer, 8 to 256 (default 256).
    pub polyphony: usize,
    /// Convolution reverb after the synthesizer with the impulse response `reverb_ir` (default
    /// the built-in `hall`), mixed at [`RENDER_REVERB_MIX`].
    pub reverb: bool,
    /// A built-in impulse response name (`room`, `hall`, `plate`, `church`) or an IR file, used
    /// when `reverb` is on.
    pub reverb_ir: String,
    /// The SoundFont synthesizer's own reverb and chorus; off by default.
    pub synth_effects: bool,
    /// How samples are read between their points (default [`Interpolation::Cubic`], the
    /// order FluidSynth uses by default).
    pub interpolation: Interpolation,
    /// Effects applied in order to the render after the reverb and before the gain stage.
    pub effects: Vec<EffectSpec>,
    /// Longest tail after the last event, in seconds (default 10).
    pub max_tail_s: f64,
    /// Gain stage (default: a transparent limiter at -1 dBFS).
    pub normalize: Normalize,
    /// Worker threads (default: all cores). The output does not depend on it.
    pub threads: Option<usize>,
    /// Asks for the GPU for the heavy effects (the convolution reverb); the report's `backend`
    /// says what ran.
    pub use_gpu: bool,
    /// Refuse a MIDI file that needs a repair to be played (see `docs/midi.md`) instead of
    /// playing it and listing the repairs in [`RenderReport::warnings`]. Off by default.
    pub strict: bool,
    pub limits: Limits,
    /// Called from the rendering thread with the fraction done (0 to 1) as work progresses.
    pub progress: Progress,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            sample_rate: 44100,
            polyphony: 256,
            reverb: false,
            reverb_ir: DEFAULT_REVERB_IR.into(),
            synth_effects: false,
            interpolation: Interpolation::default(),
            effects: Vec::new(),
            max_tail_s: 10.0,
            normalize: Normalize::default(),
            threads: None,
            use_gpu: false,
            strict: false,
            limits: Limits::default(),
            progress: Progress::default(),
        }
    }
}

impl RenderOptions {
    fn synth_options(&self) -> SynthOptions {
        SynthOptions {
            sample_rate: self.sample_rate,
            polyphony: self.polyphony,
            synth_effects: self.synth_effects,
            interpolation: self.interpolation,
            max_tail_s: self.max_tail_s,
            max_audio_s: self.limits.max_audio_s,
            threads: self.threads,
            progress: self.progress.clone(),
        }
    }

    /// The effects a render applies after synthesis: the reverb, then `effects`. Built before
    /// synthesis so a bad impulse response or parameter fails fast.
    fn chain(&self, backend: &Selected) -> Result<Option<Chain>> {
        if !self.reverb && self.effects.is_empty() {
            return Ok(None);
        }
        let mut chain = Chain::default();
        if self.reverb {
            let reverb = Convolution::new(
                &self.reverb_ir,
                ConvolutionParams {
                    mix: RENDER_REVERB_MIX,
                    ..Default::default()
                },
            )?;
            chain.push(Box::new(reverb.with_backend(backend.backend.clone())));
        }
        for spec in &self.effects {
            chain.push(spec.build_on(Some(&backend.backend))?);
        }
        Ok(Some(chain))
    }
}

/// What a render did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderReport {
    /// Length of the output in seconds (= frames / sample_rate).
    pub duration_s: f64,
    pub sample_rate: u32,
    pub channels: usize,
    pub frames: usize,
    /// Sample peak of the output after the gain stage.
    pub peak_dbfs: f64,
    /// Where the heavy work ran: `"cpu"`, a GPU, or `"cpu: <reason>"` when the GPU was asked for
    /// and could not be used. Synthesis itself always runs on the CPU.
    pub backend: String,
    pub gpu_requested: bool,
    /// The SoundFont used: its path, or "builtin".
    pub soundfont: String,
    /// Seconds spent loading the SoundFont (0 when it came from the cache).
    pub soundfont_load_s: f64,
    /// Seconds spent synthesising, in effects and gain staging (not loading or writing).
    pub render_s: f64,
    /// Notes that took over a voice still sounding because the polyphony limit was reached,
    /// when the synthesizer can tell.
    pub notes_dropped: Option<u64>,
    /// Threads and channel groups used.
    pub threads: usize,
    pub channel_groups: usize,
    /// The sample interpolation used.
    pub interpolation: Interpolation,
    /// Time of the last MIDI event, in seconds.
    pub midi_duration_s: f64,
    /// What the MIDI reader repaired or tolerated, each with its byte offset (empty for a
    /// well-formed file).
    pub warnings: Vec<MidiWarning>,
}

/// Audio and its report.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub audio: AudioBuffer,
    pub report: RenderReport,
}

/// A MIDI file given by path or as bytes.
#[derive(Debug, Clone, Copy)]
pub enum MidiSource<'a> {
    Path(&'a Path),
    Bytes(&'a [u8]),
}

impl MidiSource<'_> {
    /// Reads the file (bytes are named `<bytes>` in messages).
    pub fn parse(&self, limits: &MidiLimits) -> Result<MidiFile> {
        match self {
            MidiSource::Path(p) => MidiFile::open(p, limits),
            MidiSource::Bytes(b) => MidiFile::parse(b, Path::new("<bytes>"), limits),
        }
    }
}

/// Where [`render_to_file`] writes.
#[derive(Debug, Clone, Default)]
pub struct RenderOutput {
    /// The audio file.
    pub path: PathBuf,
    /// Its format; `None` picks it from the extension (see [`OutputFormat::from_path`]).
    pub format: Option<OutputFormat>,
    /// A waveform of the same audio written beside it (`.json`, `.dat` or `.png`, at
    /// audiowaveform's default zoom; a picture fits the whole render in its width).
    pub waveform: Option<PathBuf>,
}

impl RenderOutput {
    /// Audio to `path`, format from its extension, no waveform.
    pub fn to(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            ..Default::default()
        }
    }
}

/// Renders a parsed MIDI file with a loaded SoundFont: synthesis, effects, gain stage.
pub fn render_midi(
    midi: &MidiFile,
    font: &LoadedSoundFont,
    opts: &RenderOptions,
) -> Result<Rendered> {
    let start = Instant::now();
    let backend = compute::select(opts.use_gpu);
    let mut chain = opts.chain(&backend)?;
    let synth = synthesize(midi, font, &opts.synth_options())?;
    let mut audio = synth.audio;
    if let Some(chain) = chain.as_mut() {
        audio = apply_chain(chain, &audio, synth.end_frame, synth.cap_frames)?;
    }
    gain::apply(&mut audio, opts.normalize)?;
    let report = RenderReport {
        duration_s: audio.duration_s(),
        sample_rate: audio.sample_rate(),
        channels: audio.channel_count(),
        frames: audio.frames(),
        peak_dbfs: audio.peak_dbfs(),
        backend: backend.report(),
        gpu_requested: opts.use_gpu,
        soundfont: font.label.clone(),
        soundfont_load_s: font.load_seconds,
        render_s: start.elapsed().as_secs_f64(),
        notes_dropped: Some(synth.notes_dropped),
        threads: synth.threads,
        channel_groups: synth.channel_groups,
        interpolation: opts.interpolation,
        midi_duration_s: midi.duration_s,
        warnings: midi.warnings.clone(),
    };
    Ok(Rendered { audio, report })
}

/// Runs the render's effects over the whole mix. The reverb's tail follows the synthesizer's
/// policy: it ends at the last frame above [`TAIL_SILENCE`], no later than `cap_frames`.
fn apply_chain(
    chain: &mut Chain,
    audio: &AudioBuffer,
    end_frame: usize,
    cap_frames: usize,
) -> Result<AudioBuffer> {
    let out = chain.process_buffer(audio)?;
    let frames = out.frames();
    let last_loud = (0..frames)
        .rev()
        .find(|&i| out.channels().iter().any(|c| c[i].abs() > TAIL_SILENCE))
        .map_or(0, |i| i + 1);
    let keep = last_loud
        .max(end_frame.min(frames))
        .min(cap_frames.max(audio.frames()));
    let sample_rate = out.sample_rate();
    let mut channels = out.into_channels();
    for c in &mut channels {
        c.truncate(keep);
    }
    Ok(AudioBuffer::from_trusted(channels, sample_rate))
}

/// Parses `midi`, loads `soundfont` (through the cache, unless it is already loaded) and
/// renders.
pub fn render(
    midi: MidiSource<'_>,
    soundfont: &SoundFontSource,
    opts: &RenderOptions,
) -> Result<Rendered> {
    catch_panics(|| {
        let parsed = midi.parse(&opts.limits.midi_limits(opts.strict))?;
        let font = load_soundfont(soundfont, opts.limits.max_soundfont_bytes)?;
        render_midi(&parsed, &font, opts)
    })
}

/// Renders to `output`, written atomically, with its waveform beside it when asked. No output
/// may be an input (the MIDI file or the SoundFont), and the waveform may not be the audio. Bad
/// options fail before anything is rendered.
pub fn render_to_file(
    midi: MidiSource<'_>,
    soundfont: &SoundFontSource,
    opts: &RenderOptions,
    output: &RenderOutput,
) -> Result<RenderReport> {
    let mut targets = vec![output.path.as_path()];
    targets.extend(output.waveform.as_deref());
    for target in &targets {
        if let MidiSource::Path(p) = midi {
            check_output_path(target, p)?;
        }
        if let SoundFontSource::Path(sf) = soundfont {
            check_output_path(target, sf)?;
        }
    }
    let waveform = match &output.waveform {
        None => None,
        Some(w) if w == &output.path || io::same_file(w, &output.path) => {
            return Err(Error::InvalidArgument(
                "the waveform and the audio cannot be the same file".into(),
            ))
        }
        Some(w) => Some((w, render_waveform_format(w)?)),
    };
    let rendered = render(midi, soundfont, opts)?;
    let format = output
        .format
        .unwrap_or_else(|| OutputFormat::from_path(&output.path));
    io::write_audio(&output.path, &rendered.audio, format)?;
    if let Some((path, format)) = waveform {
        // From the file as written, so the peaks are those of its 16-bit samples: the same as
        // `rae waveform` on it gives.
        let options = waveform::WaveformOptions::new(format);
        let bytes = waveform::encode_file(&output.path, &options, &mut |_| {})?;
        io::write_atomic(path, &bytes.bytes)?;
    }
    Ok(rendered.report)
}

/// The formats a render's waveform may take, from the name's extension.
fn render_waveform_format(path: &Path) -> Result<WaveformFormat> {
    match WaveformFormat::from_path(path) {
        Ok(f @ (WaveformFormat::Dat | WaveformFormat::Json | WaveformFormat::Png)) => Ok(f),
        _ => Err(Error::InvalidArgument(format!(
            "{}: the waveform must be .json, .dat or .png",
            path.display()
        ))),
    }
}

/// Renders many MIDI files, each to its own output, on a pool of threads: one file per thread
/// (each render single-threaded) when there are several, which uses the cores best. The font is
/// loaded once and shared. `on_done` is called after each file with the number finished so far.
/// Results come back in the order of `jobs`.
pub fn render_many(
    jobs: &[(PathBuf, RenderOutput)],
    soundfont: &SoundFontSource,
    opts: &RenderOptions,
    on_done: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Result<RenderReport>>> {
    let font = SoundFontSource::Loaded(load_soundfont(soundfont, opts.limits.max_soundfont_bytes)?);
    let mut opts = opts.clone();
    if jobs.len() > 1 && opts.threads.is_none() {
        opts.threads = Some(1);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.min(jobs.len()).max(1);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<RenderReport>>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((input, output)) = jobs.get(i) else {
                    break;
                };
                // The font is shared as loaded, so its path is checked here.
                let r = match soundfont {
                    SoundFontSource::Path(sf) => check_output_path(&output.path, sf),
                    _ => Ok(()),
                }
                .and_then(|()| render_to_file(MidiSource::Path(input), &font, &opts, output));
                if let Some(slot) = results.lock().unwrap_or_else(|p| p.into_inner()).get_mut(i) {
                    *slot = Some(r);
                }
                on_done(done.fetch_add(1, Ordering::SeqCst) + 1);
            });
        }
    });
    Ok(results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::Internal("a render job did not run".into()))))
        .collect())
}

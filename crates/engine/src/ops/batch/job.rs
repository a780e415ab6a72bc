//! The ops a batch job runs, and one job's options and its run. The options mirror the command
//! line's flags (`rae render`, `rae analyze --json`, `rae waveform`, `rae fx`) with `_` for `-`,
//! are checked when the manifest is read (unknown names and bad values are manifest errors), and
//! each job calls the same `ops` function its command calls. Chain files are read when the job
//! runs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::analysis::{DynamicsParams, OnsetParams, PitchMethod, PitchParams, TempoParams};
use crate::effects::{ChainSpec, ConvolutionSpec, EffectSpec, ImpulseResponse};
use crate::error::{Error, Result};
use crate::gain::Normalize;
use crate::io::{check_output_path, read_audio, write_atomic, OutputFormat, DEFAULT_MAX_INPUT_S};
use crate::ops::analyze::{analyze, AnalyzeOptions};
use crate::ops::fx::process_file_on;
use crate::ops::render::{render_to_file, MidiSource, RenderOptions, RenderOutput};
use crate::ops::waveform::waveform_to_file;
use crate::ops::DEFAULT_REVERB_IR;
use crate::synth::font::SoundFontSource;
use crate::synth::interpolation::Interpolation;
use crate::waveform::png::parse_color;
use crate::waveform::{AmplitudeScale, Bits, Format, WaveformOptions, Zoom};

/// The operation a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// MIDI to audio ([`crate::ops::render_to_file`]).
    Render,
    /// Audio to the `rae analyze --json` document ([`crate::ops::analyze`]).
    Analyze,
    /// Audio (or peaks) to a waveform file ([`crate::ops::waveform_to_file`]).
    Waveform,
    /// Audio through effects ([`crate::ops::process_file_on`]).
    Fx,
}

pub(crate) const OP_NAMES: &[(&str, Op)] = &[
    ("render", Op::Render),
    ("analyze", Op::Analyze),
    ("waveform", Op::Waveform),
    ("fx", Op::Fx),
];

impl Op {
    /// The name a manifest uses.
    pub fn name(self) -> &'static str {
        OP_NAMES
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("?", |(n, _)| n)
    }
}

/// `p` as written when absolute, else under `dir`.
pub(crate) fn resolve(dir: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        dir.join(p)
    }
}

/// A field that takes `true` (the default choice) or a name.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum FlagOrName {
    Flag(bool),
    Name(String),
}

/// A field that takes a number or a word (`amplitude_scale`: `1.5` or `"auto"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum NumberOrWord {
    Number(f64),
    Word(String),
}

/// The effect options `rae render` and `rae fx` share.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EffectFields {
    #[serde(default)]
    chain: Option<String>,
    #[serde(default)]
    eq: Vec<String>,
    #[serde(default)]
    compress: Option<String>,
    #[serde(default)]
    limit: Option<f32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RenderFields {
    soundfont: Option<String>,
    sample_rate: Option<u32>,
    format: Option<String>,
    reverb: Option<FlagOrName>,
    #[serde(default)]
    synth_effects: bool,
    interpolation: Option<String>,
    #[serde(default)]
    gpu: bool,
    normalize_peak: Option<f64>,
    normalize_lufs: Option<f64>,
    #[serde(default)]
    no_limiter: bool,
    polyphony: Option<usize>,
    max_tail: Option<f64>,
    waveform: Option<String>,
    #[serde(default)]
    strict: bool,
    chain: Option<String>,
    #[serde(default)]
    eq: Vec<String>,
    compress: Option<String>,
    limit: Option<f32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalyzeFields {
    pitch: Option<String>,
    hop_ms: Option<f64>,
    #[serde(default)]
    onsets: bool,
    #[serde(default)]
    tempo: bool,
    #[serde(default)]
    dynamics: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaveformFields {
    output_format: Option<String>,
    zoom: Option<u32>,
    pixels_per_second: Option<u32>,
    width: Option<u32>,
    height: Option<u32>,
    waveform_color: Option<String>,
    background_color: Option<String>,
    #[serde(default)]
    with_axis_labels: bool,
    amplitude_scale: Option<NumberOrWord>,
    #[serde(default)]
    pitch_contour: bool,
    pitch_color: Option<String>,
    #[serde(default)]
    log_frequency: bool,
    bits: Option<u32>,
    #[serde(default)]
    split_channels: bool,
    #[serde(default)]
    gpu: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FxFields {
    chain: Option<String>,
    #[serde(default)]
    eq: Vec<String>,
    compress: Option<String>,
    reverb: Option<FlagOrName>,
    reverb_mix: Option<f32>,
    normalize_lufs: Option<f64>,
    limit: Option<f32>,
    format: Option<String>,
    #[serde(default)]
    gpu: bool,
}

/// Effects as the command line orders them: the chain file's (read when the job runs), then
/// the EQ bands and the compressor (parsed when the manifest is read).
#[derive(Debug, Clone)]
pub(crate) struct Effects {
    chain: Option<PathBuf>,
    leading: Vec<EffectSpec>,
    limit: Option<f32>,
}

impl Effects {
    fn parse(dir: &Path, fields: EffectFields) -> Result<Self> {
        let leading = EffectSpec::parse_eq_and_compress(&fields.eq, fields.compress.as_deref())?;
        Ok(Self {
            chain: fields.chain.map(|c| resolve(dir, &c)),
            leading,
            limit: fields.limit,
        })
    }

    /// The chain file's effects, the EQ bands, the compressor.
    fn leading(&self) -> Result<Vec<EffectSpec>> {
        let mut specs = match &self.chain {
            Some(path) => ChainSpec::from_file(path)?.effects,
            None => Vec::new(),
        };
        specs.extend(self.leading.iter().cloned());
        Ok(specs)
    }

    fn limiter(&self) -> Option<EffectSpec> {
        self.limit.map(EffectSpec::limiter_at)
    }
}

/// A job's checked options.
#[derive(Debug, Clone)]
pub(crate) enum Task {
    Render {
        soundfont: SoundFontSource,
        opts: RenderOptions,
        format: Option<OutputFormat>,
        waveform: Option<PathBuf>,
        effects: Effects,
    },
    Analyze {
        opts: AnalyzeOptions,
        hop_ms: Option<f64>,
    },
    Waveform {
        opts: WaveformOptions,
        contour: Option<[u8; 4]>,
    },
    Fx {
        effects: Effects,
        /// The convolution reverb (`rae fx --reverb`), after the leading effects.
        reverb: Option<ConvolutionSpec>,
        normalize_lufs: Option<f64>,
        format: Option<OutputFormat>,
        gpu: bool,
    },
}

/// A built-in impulse response name as it is, a file resolved against the manifest's directory.
fn ir_path(dir: &Path, name: &str) -> String {
    if ImpulseResponse::BUILTIN_NAMES
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
    {
        name.to_string()
    } else {
        resolve(dir, name).display().to_string()
    }
}

fn reverb_name(dir: &Path, reverb: Option<FlagOrName>) -> Option<String> {
    match reverb {
        None | Some(FlagOrName::Flag(false)) => None,
        Some(FlagOrName::Flag(true)) => Some(DEFAULT_REVERB_IR.to_string()),
        Some(FlagOrName::Name(n)) => Some(ir_path(dir, &n)),
    }
}

fn fields<T: for<'de> Deserialize<'de>>(value: Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

fn message(e: Error) -> String {
    match e {
        Error::InvalidArgument(m) => m,
        e => e.to_string(),
    }
}

impl Task {
    /// The options of an `op` job (the line without `id`, `op`, `input` and `output`), checked.
    pub(crate) fn parse(op: Op, rest: Value, dir: &Path, output: &Path) -> Result<Self, String> {
        match op {
            Op::Render => Self::render(fields(rest)?, dir),
            Op::Analyze => Self::analyze(fields(rest)?),
            Op::Waveform => Self::waveform(fields(rest)?, output),
            Op::Fx => Self::fx(fields(rest)?, dir),
        }
        .map_err(message)
    }

    fn render(f: RenderFields, dir: &Path) -> Result<Self> {
        let normalize = if let Some(lufs) = f.normalize_lufs {
            Normalize::Loudness { target_lufs: lufs }
        } else if let Some(db) = f.normalize_peak {
            Normalize::Peak { peak_db: db }
        } else if f.no_limiter {
            Normalize::Off
        } else {
            Normalize::default()
        };
        let reverb = reverb_name(dir, f.reverb);
        let defaults = RenderOptions::default();
        let opts = RenderOptions {
            sample_rate: f.sample_rate.unwrap_or(defaults.sample_rate),
            polyphony: f.polyphony.unwrap_or(defaults.polyphony),
            reverb: reverb.is_some(),
            reverb_ir: reverb.unwrap_or_else(|| DEFAULT_REVERB_IR.into()),
            synth_effects: f.synth_effects,
            interpolation: f
                .interpolation
                .as_deref()
                .map(Interpolation::from_name)
                .transpose()?
                .unwrap_or_default(),
            max_tail_s: f.max_tail.unwrap_or(defaults.max_tail_s),
            normalize,
            use_gpu: f.gpu,
            strict: f.strict,
            ..defaults
        };
        let soundfont = match f.soundfont.as_deref() {
            None => SoundFontSource::Default,
            Some("builtin") => SoundFontSource::Builtin,
            Some(p) => SoundFontSource::Path(resolve(dir, p)),
        };
        let effects = Effects::parse(
            dir,
            EffectFields {
                chain: f.chain,
                eq: f.eq,
                compress: f.compress,
                limit: f.limit,
            },
        )?;
        Ok(Task::Render {
            soundfont,
            opts,
            format: f
                .format
                .as_deref()
                .map(OutputFormat::from_name)
                .transpose()?,
            waveform: f.waveform.map(|w| resolve(dir, &w)),
            effects,
        })
    }

    fn analyze(f: AnalyzeFields) -> Result<Self> {
        let method: PitchMethod = f.pitch.as_deref().unwrap_or("pyin").parse()?;
        if let Some(ms) = f.hop_ms {
            if !(ms.is_finite() && ms > 0.0) {
                return Err(Error::InvalidArgument(format!(
                    "hop_ms must be a positive number of milliseconds, not {ms}"
                )));
            }
        }
        let opts = AnalyzeOptions {
            pitch: PitchParams {
                method,
                ..Default::default()
            },
            onsets: f.onsets.then(OnsetParams::default),
            tempo: f.tempo.then(TempoParams::default),
            dynamics: f.dynamics.then(DynamicsParams::default),
            ..Default::default()
        };
        Ok(Task::Analyze {
            opts,
            hop_ms: f.hop_ms,
        })
    }

    fn waveform(f: WaveformFields, output: &Path) -> Result<Self> {
        let mut opts = WaveformOptions::new(match &f.output_format {
            Some(name) => Format::from_name(name)?,
            None => Format::from_path(output)?,
        });
        opts.bits = f
            .bits
            .map(Bits::from_u32)
            .transpose()
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        opts.amplitude_scale = match &f.amplitude_scale {
            None => AmplitudeScale::default(),
            Some(NumberOrWord::Number(n)) => AmplitudeScale::parse(&n.to_string())?,
            Some(NumberOrWord::Word(w)) => AmplitudeScale::parse(w)?,
        };
        opts.split_channels = f.split_channels;
        let width = f.width.unwrap_or(800);
        let height = f.height.unwrap_or(250);
        opts.zoom = Zoom::from_options(f.zoom, f.pixels_per_second, f.width)?;
        opts.image.width = width;
        opts.image.height = height;
        opts.image.waveform_color = parse_color(f.waveform_color.as_deref().unwrap_or("3f4d9b"))?;
        opts.image.background = parse_color(f.background_color.as_deref().unwrap_or("d6d6d6"))?;
        opts.image.with_axis_labels = f.with_axis_labels;
        opts.spectrogram.width = width;
        opts.spectrogram.height = height;
        opts.spectrogram.log_frequency = f.log_frequency;
        opts.spectrogram.use_gpu = f.gpu;
        let contour = f
            .pitch_contour
            .then(|| parse_color(f.pitch_color.as_deref().unwrap_or("e8590c")))
            .transpose()?;
        if contour.is_some() && opts.format != Format::Png {
            return Err(Error::InvalidArgument(format!(
                "a pitch contour is drawn on a waveform picture (png), not on {} output",
                opts.format.name()
            )));
        }
        Ok(Task::Waveform { opts, contour })
    }

    fn fx(f: FxFields, dir: &Path) -> Result<Self> {
        let reverb = reverb_name(dir, f.reverb).map(|ir| ConvolutionSpec {
            ir,
            mix: f.reverb_mix.unwrap_or(crate::ops::RENDER_REVERB_MIX),
            ..Default::default()
        });
        if f.reverb_mix.is_some() && reverb.is_none() {
            return Err(Error::InvalidArgument("reverb_mix without reverb".into()));
        }
        let effects = Effects::parse(
            dir,
            EffectFields {
                chain: f.chain,
                eq: f.eq,
                compress: f.compress,
                limit: f.limit,
            },
        )?;
        if effects.chain.is_none()
            && effects.leading.is_empty()
            && effects.limit.is_none()
            && reverb.is_none()
            && f.normalize_lufs.is_none()
        {
            return Err(Error::InvalidArgument(
                "no effect given: use reverb, eq, compress, limit, normalize_lufs or chain".into(),
            ));
        }
        Ok(Task::Fx {
            effects,
            reverb,
            normalize_lufs: f.normalize_lufs,
            format: f
                .format
                .as_deref()
                .map(OutputFormat::from_name)
                .transpose()?,
            gpu: f.gpu,
        })
    }

    /// A file the job writes besides its output: a render's waveform.
    pub(crate) fn extra_output(&self) -> Option<&Path> {
        match self {
            Task::Render { waveform, .. } => waveform.as_deref(),
            _ => None,
        }
    }
}

/// The figures a job reports.
#[derive(Debug, Clone, Default)]
pub(crate) struct Figures {
    pub duration_s: Option<f64>,
    pub peak_dbfs: Option<f64>,
    /// Seconds of the op's own work (render, effects), when it reports them.
    pub work_s: Option<f64>,
    /// The op's whole report, as JSON.
    pub report: Option<Value>,
}

fn to_value<T: serde::Serialize>(t: &T) -> Option<Value> {
    serde_json::to_value(t).ok()
}

/// Runs the task on `input` (named `input_name` in an analysis) to `output` with `threads`
/// engine threads for its own work; outputs are written atomically.
pub(crate) fn run(
    task: &Task,
    input: &Path,
    output: &Path,
    input_name: &str,
    threads: Option<usize>,
) -> Result<Figures> {
    for out in std::iter::once(output).chain(task.extra_output()) {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
    }
    match task {
        Task::Render {
            soundfont,
            opts,
            format,
            waveform,
            effects,
        } => {
            let mut opts = opts.clone();
            opts.threads = threads;
            opts.effects = effects.leading()?;
            opts.effects.extend(effects.limiter());
            let out = RenderOutput {
                path: output.to_path_buf(),
                format: *format,
                waveform: waveform.clone(),
            };
            let r = render_to_file(MidiSource::Path(input), soundfont, &opts, &out)?;
            Ok(Figures {
                duration_s: Some(r.duration_s),
                peak_dbfs: Some(r.peak_dbfs),
                work_s: Some(r.render_s),
                report: to_value(&r),
            })
        }
        Task::Analyze { opts, hop_ms } => {
            check_output_path(output, input)?;
            let audio = read_audio(input, DEFAULT_MAX_INPUT_S)?;
            let mut opts = opts.clone();
            opts.pitch.hop_length = hop_ms
                .map(|ms| ((ms / 1000.0 * f64::from(audio.sample_rate())).round() as usize).max(1));
            let start = std::time::Instant::now();
            let mut analysis = analyze(&audio, &opts)?;
            let work_s = start.elapsed().as_secs_f64();
            analysis.file = Some(input_name.to_string());
            let mut json = analysis.to_json()?;
            json.push('\n');
            write_atomic(output, json.as_bytes())?;
            Ok(Figures {
                duration_s: Some(analysis.duration_s),
                peak_dbfs: analysis.dynamics.as_ref().map(|d| d.sample_peak_db),
                work_s: Some(work_s),
                report: Some(serde_json::json!({ "notes": analysis.notes.len() })),
            })
        }
        Task::Waveform { opts, contour } => {
            let r = waveform_to_file(input, output, opts, *contour, &mut |_| {})?;
            Ok(Figures {
                duration_s: Some(r.duration_s),
                report: to_value(&r),
                ..Default::default()
            })
        }
        Task::Fx {
            effects,
            reverb,
            normalize_lufs,
            format,
            gpu,
        } => {
            let mut specs = effects.leading()?;
            specs.extend(reverb.clone().map(EffectSpec::Convolution));
            specs.extend(normalize_lufs.map(|lufs| EffectSpec::LoudnessNormalize {
                target_lufs: lufs as f32,
            }));
            specs.extend(effects.limiter());
            let r = process_file_on(input, output, &ChainSpec { effects: specs }, *format, *gpu)?;
            Ok(Figures {
                duration_s: Some(r.duration_s),
                peak_dbfs: Some(r.peak_dbfs),
                work_s: Some(r.process_s),
                report: to_value(&r),
            })
        }
    }
}

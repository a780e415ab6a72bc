//! `rae`: the rust-audio-engine command line. Thin: it parses arguments, calls the engine and
//! reports. Exit codes: 0 done, 1 failed, 2 usage.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rust_audio_engine as rae;

mod analyze;
mod assess;
mod batch;
mod fx;
mod info;
mod transcribe;
mod waveform;

#[derive(Parser)]
#[command(
    name = "rae",
    version,
    about = "rust-audio-engine: MIDI to WAV/FLAC through SoundFonts, audio effects, analysis, transcription to MIDI, and waveforms for web players"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render MIDI files to audio. Several inputs (files or directories of .mid files) render in
    /// parallel into an output directory.
    Render(RenderArgs),
    /// Describe a MIDI file or a SoundFont (SF2/SF3).
    Info(info::InfoArgs),
    /// Waveform of an audio file for web players: audiowaveform .dat/.json/.txt (peaks.js),
    /// wavesurfer.js JSON, or a PNG picture (waveform or spectrogram); or audiowaveform peaks
    /// converted to another format. Option names follow audiowaveform's.
    Waveform(waveform::WaveformArgs),
    /// Apply effects to an audio file: reverb, EQ, compression, limiting, loudness.
    Fx(fx::FxArgs),
    /// Analyse a performance: pitch, notes, onsets, dynamics, tempo.
    Analyze(analyze::AnalyzeArgs),
    /// Assess a take (a recording or a MIDI performance) against its lesson MIDI file: per-note
    /// verdicts, timing, dynamics, bars and scores.
    Assess(assess::AssessArgs),
    /// Transcribe a recording to MIDI (polyphonic, audio to notes) with the Basic Pitch model;
    /// --json also writes the notes.
    Transcribe(transcribe::TranscribeArgs),
    /// Run a manifest of render, analyze, waveform and fx jobs (JSON lines), each output
    /// written atomically and a result record per job; --shard and --resume for large batches.
    Batch(batch::BatchArgs),
    /// List the GPU adapters found (name, API, device type), the one a --gpu request runs on and
    /// why. RAE_GPU=auto (hardware only), force (software adapters too) or off.
    Gpu {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Render the built-in demo piece (a gospel-style piano progression) with the best SoundFont
    /// available.
    Demo {
        /// Directory for demo.mid and demo.wav.
        #[arg(short, long, default_value = "out")]
        output: PathBuf,
        /// Print nothing but errors.
        #[arg(long)]
        quiet: bool,
    },
}

#[derive(Args)]
struct RenderArgs {
    /// MIDI files or directories containing .mid/.midi files.
    #[arg(required_unless_present = "reverb")]
    inputs: Vec<PathBuf>,
    /// Output file (one input) or directory (several inputs, or an existing directory).
    #[arg(short, long)]
    output: PathBuf,
    /// SF2/SF3 file, or "builtin". Default: $RAE_SOUNDFONT, the system GM font, else builtin.
    #[arg(long)]
    soundfont: Option<String>,
    /// Decode a whole SF3 SoundFont before rendering, for batches that play most of it.
    /// Without it a render decodes only the samples its notes reach. No effect on SF2.
    #[arg(long)]
    preload: bool,
    /// Output sample rate in Hz (22050 to 96000).
    #[arg(long, default_value_t = 44100)]
    sample_rate: u32,
    /// wav16, wav24, wav32f, flac16 or flac24. Default: from the extension (wav16 or flac16).
    #[arg(long)]
    format: Option<String>,
    /// No reverb (the default; overrides --reverb).
    #[arg(long)]
    no_reverb: bool,
    /// The SoundFont synthesizer's own reverb and chorus.
    #[arg(long)]
    synth_effects: bool,
    /// How samples are read between their points: linear (2 points), cubic (4 points, as
    /// FluidSynth by default) or sinc (16 points, the least aliasing; slowest).
    #[arg(long, default_value = "cubic", value_parser = parse_interpolation)]
    interpolation: rae::Interpolation,
    /// Ask for the GPU for the convolution reverb; the report's backend says what ran, and why
    /// the CPU did when it does.
    #[arg(long)]
    gpu: bool,
    /// Normalise the sample peak to this many dBFS.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "normalize_lufs")]
    normalize_peak: Option<f64>,
    /// Turn off the safety limiter that keeps peaks at or below -1 dBFS (may clip).
    #[arg(long)]
    no_limiter: bool,
    /// Worker threads (default: all cores). The output is identical whatever the count.
    #[arg(long)]
    threads: Option<usize>,
    /// Voice limit of each channel-group synthesizer (8 to 256).
    #[arg(long, default_value_t = 256)]
    polyphony: usize,
    /// Longest tail after the last event, in seconds.
    #[arg(long, default_value_t = 10.0)]
    max_tail: f64,
    /// Also write the waveform of each render: .json (audiowaveform), .dat or .png. With several
    /// inputs, the extension is used for files named after each input in the output directory.
    #[arg(long)]
    waveform: Option<PathBuf>,
    /// Print nothing but errors and the MIDI reader's warnings.
    #[arg(long, short)]
    quiet: bool,
    /// Refuse a MIDI file that needs a repair to be played (illegal status bytes, running status
    /// after a meta or SysEx event, a truncated file, format 2) instead of playing it with a
    /// warning. See docs/midi.md.
    #[arg(long)]
    strict: bool,
    /// Effects after synthesis: the reverb first, then the chain file, EQ, compressor and
    /// limiter; then the gain stage (--normalize-lufs normalises loudness there, peaks then
    /// limited to -1 dBFS).
    #[command(flatten)]
    effects: fx::EffectArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render(args) => cmd_render(args),
        Command::Info(args) => info::run(&args),
        Command::Waveform(args) => waveform::run(&args),
        Command::Fx(args) => fx::run(&args),
        Command::Analyze(args) => analyze::run(&args),
        Command::Assess(args) => assess::run(&args),
        Command::Transcribe(args) => transcribe::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Gpu { json } => cmd_gpu(json),
        Command::Demo { output, quiet } => cmd_demo(&output, quiet),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("rae: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Engine(e)) => {
            eprintln!("rae: error: {e}");
            ExitCode::from(1)
        }
        Err(Failure::Jobs(msg)) => {
            eprintln!("rae: error: {msg}");
            ExitCode::from(1)
        }
    }
}

pub(crate) enum Failure {
    Usage(String),
    Engine(rae::Error),
    /// Some of a batch's jobs failed (each has been reported).
    Jobs(String),
}

impl From<rae::Error> for Failure {
    fn from(e: rae::Error) -> Self {
        match e {
            rae::Error::InvalidArgument(m) => Failure::Usage(m),
            e => Failure::Engine(e),
        }
    }
}

fn is_midi(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("mid") || e.eq_ignore_ascii_case("midi"))
}

fn collect_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| rae::Error::io(p, e))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_midi(p))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(Failure::Usage(format!(
                    "{}: directory holds no .mid or .midi files",
                    p.display()
                )));
            }
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

fn parse_interpolation(name: &str) -> Result<rae::Interpolation, String> {
    rae::Interpolation::from_name(name).map_err(|e| e.to_string())
}

fn render_options(args: &RenderArgs) -> Result<rae::RenderOptions, Failure> {
    let normalize = if let Some(lufs) = args.effects.normalize_lufs {
        rae::Normalize::Loudness { target_lufs: lufs }
    } else if let Some(db) = args.normalize_peak {
        rae::Normalize::Peak { peak_db: db }
    } else if args.no_limiter {
        rae::Normalize::Off
    } else {
        rae::Normalize::default()
    };
    Ok(rae::RenderOptions {
        sample_rate: args.sample_rate,
        polyphony: args.polyphony,
        reverb: args.effects.reverb.is_some() && !args.no_reverb,
        reverb_ir: args
            .effects
            .reverb
            .clone()
            .unwrap_or_else(|| rae::ops::DEFAULT_REVERB_IR.into()),
        synth_effects: args.synth_effects,
        interpolation: args.interpolation,
        effects: args.effects.render_specs()?,
        max_tail_s: args.max_tail,
        normalize,
        threads: args.threads,
        use_gpu: args.gpu,
        strict: args.strict,
        ..Default::default()
    })
}

/// A progress bar on stderr (drawn only when stderr is a terminal): a percentage of one long
/// job (1000 steps), or a count of `files`.
pub(crate) fn progress_bar(files: Option<u64>, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar =
        ProgressBar::with_draw_target(Some(files.unwrap_or(1000)), ProgressDrawTarget::stderr());
    let template = if files.is_none() {
        "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% rendering"
    } else {
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} files"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

fn cmd_render(mut args: RenderArgs) -> Result<(), Failure> {
    // `--reverb song.mid`: the optional value took the input; give it back and use the hall.
    if let Some(r) = args.effects.reverb.take() {
        if is_midi(Path::new(&r)) {
            args.inputs.insert(0, PathBuf::from(r));
            args.effects.reverb = Some(rae::ops::DEFAULT_REVERB_IR.into());
        } else {
            args.effects.reverb = Some(r);
        }
    }
    if args.inputs.is_empty() {
        return Err(Failure::Usage("no MIDI input given".into()));
    }
    let inputs = collect_inputs(&args.inputs)?;
    let format = args
        .format
        .as_deref()
        .map(rae::OutputFormat::from_name)
        .transpose()?;
    let soundfont = args.soundfont.as_deref().map_or(
        rae::SoundFontSource::Default,
        rae::SoundFontSource::from_arg,
    );
    let mut opts = render_options(&args)?;
    if args.preload {
        // The cache shares the preloaded font with the renders below.
        rae::load_soundfont(&soundfont, opts.limits.max_soundfont_bytes)?.preload_all()?;
    }
    let to_dir = inputs.len() > 1 || args.output.is_dir();
    let jobs = render_jobs(&args, &inputs, format, to_dir);
    if to_dir {
        std::fs::create_dir_all(&args.output).map_err(|e| rae::Error::io(&args.output, e))?;
    }
    let bar = progress_bar((jobs.len() > 1).then_some(jobs.len() as u64), args.quiet);
    if jobs.len() == 1 {
        let b = bar.clone();
        opts.progress = rae::Progress::new(move |f| b.set_position((f * 1000.0) as u64));
    }
    let many = jobs.len() > 1;
    let results = rae::ops::render_many(&jobs, &soundfont, &opts, &|done| {
        if many {
            bar.set_position(done as u64);
        }
    })?;
    bar.finish_and_clear();
    let mut failures = Vec::new();
    for ((input, output), r) in jobs.iter().zip(results) {
        if let Ok(r) = &r {
            warn(input, &r.warnings);
        }
        match r {
            Ok(r) if !args.quiet => println!(
                "{} -> {}: {:.2} s, {} Hz, peak {:.1} dBFS, {:.0}x real time, soundfont {}, {} interpolation, backend {}",
                input.display(),
                output.path.display(),
                r.duration_s,
                r.sample_rate,
                r.peak_dbfs,
                r.duration_s / r.render_s.max(1e-9),
                r.soundfont,
                r.interpolation,
                r.backend,
            ),
            Ok(_) => {}
            Err(e) => failures.push(e),
        }
    }
    match failures.len() {
        0 => Ok(()),
        1 if jobs.len() == 1 => Err(failures
            .into_iter()
            .next()
            .map_or(Failure::Usage("unknown failure".into()), Failure::from)),
        n => {
            for e in &failures {
                eprintln!("rae: error: {e}");
            }
            Err(Failure::Engine(rae::Error::Internal(format!(
                "{n} of {} renders failed",
                jobs.len()
            ))))
        }
    }
}

/// Each input with its output: the given file, or a file named after the input in the output
/// directory; its waveform likewise.
fn render_jobs(
    args: &RenderArgs,
    inputs: &[PathBuf],
    format: Option<rae::OutputFormat>,
    to_dir: bool,
) -> Vec<(PathBuf, rae::RenderOutput)> {
    let extension = match format {
        Some(rae::OutputFormat::Flac16 | rae::OutputFormat::Flac24) => "flac",
        _ => "wav",
    };
    inputs
        .iter()
        .map(|input| {
            let path = if to_dir {
                let stem = input
                    .file_stem()
                    .map_or_else(|| "out".into(), |s| s.to_os_string());
                args.output.join(stem).with_extension(extension)
            } else {
                args.output.clone()
            };
            let waveform = args.waveform.as_ref().map(|w| {
                if to_dir {
                    path.with_extension(w.extension().unwrap_or_default())
                } else {
                    w.clone()
                }
            });
            let output = rae::RenderOutput {
                path,
                format,
                waveform,
            };
            (input.clone(), output)
        })
        .collect()
}

/// Prints what the MIDI reader repaired in `file`, one line each, on stderr (even with
/// `--quiet`: a warning is not progress).
pub(crate) fn warn(file: &Path, warnings: &[rae::MidiWarning]) {
    for w in warnings {
        eprintln!("rae: warning: {}: {w}", file.display());
    }
}

fn cmd_demo(dir: &Path, quiet: bool) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| rae::Error::io(dir, e))?;
    let midi_path = dir.join("demo.mid");
    let wav_path = dir.join("demo.wav");
    rae::io::write_atomic(&midi_path, &rae::demo::demo_midi())?;
    let source = rae::resolve_default();
    let bar = progress_bar(None, quiet);
    let b = bar.clone();
    let opts = rae::RenderOptions {
        reverb: true,
        progress: rae::Progress::new(move |f| b.set_position((f * 1000.0) as u64)),
        ..Default::default()
    };
    let report = rae::render_to_file(
        rae::MidiSource::Path(&midi_path),
        &source,
        &opts,
        &rae::RenderOutput::to(&wav_path),
    )?;
    bar.finish_and_clear();
    if !quiet {
        println!(
            "rae demo: a gospel-style progression in C (8 bars, 72 BPM), piano with sustain pedal"
        );
        println!("  MIDI:      {}", midi_path.display());
        println!("  audio:     {}", wav_path.display());
        println!(
            "  soundfont: {} (load {:.3} s)",
            report.soundfont, report.soundfont_load_s
        );
        println!(
            "  rendered {:.2} s of 16-bit {} Hz stereo in {:.3} s ({:.0}x real time), peak {:.1} dBFS, reverb on, backend {}",
            report.duration_s,
            report.sample_rate,
            report.render_s,
            report.duration_s / report.render_s.max(1e-9),
            report.peak_dbfs,
            report.backend
        );
    }
    Ok(())
}

/// `rae gpu`: the engine's adapter report, printed.
fn cmd_gpu(json: bool) -> Result<(), Failure> {
    let r = rae::ops::gpu_report();
    if json {
        println!("{}", r.to_json()?);
        return Ok(());
    }
    println!("RAE_GPU: {}", r.policy);
    if r.adapters.is_empty() {
        println!("adapters: none found");
    }
    for a in &r.adapters {
        let mark = if r.chosen.as_ref() == Some(a) {
            "*"
        } else {
            " "
        };
        println!(
            "{mark} {} | {} | {} | {} {}",
            a.name, a.backend, a.device_type, a.driver, a.driver_info
        );
    }
    println!("--gpu runs on: {}", r.backend);
    if r.chosen.is_some() {
        println!("chosen as {}", r.why);
    }
    Ok(())
}

/// Writes a JSON document and a newline to `path` (atomically), or to stdout when `path` is "-".
pub(crate) fn write_json(path: &std::path::Path, mut text: String) -> Result<(), Failure> {
    text.push('\n');
    if path.as_os_str() == "-" {
        use std::io::Write as _;
        std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| rae::Error::io("<stdout>", e))?;
    } else {
        rae::io::write_atomic(path, text.as_bytes())?;
    }
    Ok(())
}

//! `rae`: the rust-audio-engine command line. Thin: it parses arguments, calls the engine and
//! reports. Exit codes: 0 done, 1 failed, 2 usage.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rust_audio_engine as rae;

mod analyze;
mod fx;

#[derive(Parser)]
#[command(
    name = "rae",
    version,
    about = "rust-audio-engine: MIDI to WAV/FLAC through SoundFonts, audio effects, and waveforms for web players"
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
    Info {
        /// A .mid/.midi or .sf2/.sf3 file.
        file: PathBuf,
    },
    /// Waveform of an audio file for web players: audiowaveform .dat/.json (peaks.js),
    /// wavesurfer.js JSON, or a PNG picture (waveform or spectrogram). Option names follow
    /// audiowaveform's.
    Waveform(WaveformArgs),
    /// Apply effects to an audio file: reverb, EQ, compression, limiting, loudness.
    Fx(fx::FxArgs),
    /// Analyse a performance: pitch, notes, onsets, dynamics, tempo.
    Analyze(analyze::AnalyzeArgs),
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
struct WaveformArgs {
    /// Audio file (WAV, FLAC, MP3, OGG).
    input: PathBuf,
    /// Output: .dat or .json (audiowaveform), .png, or any name with --output-format.
    #[arg(short, long)]
    output: PathBuf,
    /// dat, json, wavesurfer, png or spectrogram (a PNG). Default: from the output's extension.
    #[arg(long)]
    output_format: Option<String>,
    /// Audio frames per pixel (audiowaveform's default: 256).
    #[arg(short, long, conflicts_with_all = ["pixels_per_second", "width"])]
    zoom: Option<u32>,
    /// Pixels per second of audio.
    #[arg(long, conflicts_with = "width")]
    pixels_per_second: Option<u32>,
    /// Fit the whole input in this many pixels (for pictures: the image width, default 800).
    #[arg(short, long)]
    width: Option<u32>,
    /// Picture height in pixels.
    #[arg(long, default_value_t = 250)]
    height: u32,
    /// Picture colours as rrggbb or rrggbbaa (audiowaveform's defaults).
    #[arg(long, default_value = "3f4d9b")]
    waveform_color: String,
    #[arg(long, default_value = "d6d6d6")]
    background_color: String,
    /// Draw a border and a time axis on the waveform picture.
    #[arg(long)]
    with_axis_labels: bool,
    /// Multiply the waveform's amplitude in the picture.
    #[arg(long, default_value_t = 1.0)]
    amplitude_scale: f32,
    /// Draw the pitch contour (pYIN) over the waveform picture (.png output).
    #[arg(long)]
    pitch_contour: bool,
    /// Colour of the pitch contour (rrggbb[aa]).
    #[arg(long, default_value = "e8590c")]
    pitch_color: String,
    /// Spectrogram rows on a logarithmic frequency scale.
    #[arg(long)]
    log_frequency: bool,
    /// Resolution of the peaks: 8 or 16.
    #[arg(short, long, default_value_t = 16)]
    bits: u32,
    /// One waveform per channel instead of one for their mix.
    #[arg(long)]
    split_channels: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
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
    /// Output sample rate in Hz (22050 to 96000).
    #[arg(long, default_value_t = 44100)]
    sample_rate: u32,
    /// wav16, wav24, wav32f, flac16 or flac24. Default: from the extension (wav16 or flac16).
    #[arg(long)]
    format: Option<String>,
    /// No reverb (the default; overrides --reverb).
    #[arg(long)]
    no_reverb: bool,
    /// The SoundFont synthesizer's own reverb and chorus (what --reverb meant before the
    /// convolution reverb).
    #[arg(long)]
    synth_effects: bool,
    /// Ask for the GPU. MIDI rendering has no GPU path yet and runs on the CPU (reported).
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
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
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
        Command::Info { file } => cmd_info(&file),
        Command::Waveform(args) => cmd_waveform(&args),
        Command::Fx(args) => fx::run(&args),
        Command::Analyze(args) => analyze::run(&args),
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
    }
}

pub(crate) enum Failure {
    Usage(String),
    Engine(rae::Error),
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
            .unwrap_or_else(|| rae::synth::render::DEFAULT_REVERB_IR.into()),
        synth_effects: args.synth_effects,
        effects: args.effects.render_specs()?,
        max_tail_s: args.max_tail,
        normalize,
        threads: args.threads,
        use_gpu: args.gpu,
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
            args.effects.reverb = Some(rae::synth::render::DEFAULT_REVERB_IR.into());
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
    let to_dir = inputs.len() > 1 || args.output.is_dir();
    let extension = match format {
        Some(rae::OutputFormat::Flac16 | rae::OutputFormat::Flac24) => "flac",
        _ => "wav",
    };
    let jobs: Vec<(PathBuf, PathBuf)> = inputs
        .iter()
        .map(|input| {
            let out = if to_dir {
                let stem = input
                    .file_stem()
                    .map_or_else(|| "out".into(), |s| s.to_os_string());
                args.output.join(stem).with_extension(extension)
            } else {
                args.output.clone()
            };
            (input.clone(), out)
        })
        .collect();
    if to_dir {
        std::fs::create_dir_all(&args.output).map_err(|e| rae::Error::io(&args.output, e))?;
    }
    // Load the font once up front: every job shares the cached copy.
    rae::load_soundfont(&soundfont, opts.limits.max_soundfont_bytes)?;

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.min(jobs.len()).max(1);
    if jobs.len() > 1 && opts.threads.is_none() {
        // Many files: one thread per file is the most efficient use of the cores.
        opts.threads = Some(1);
    }
    let bar = progress_bar((jobs.len() > 1).then_some(jobs.len() as u64), args.quiet);
    if jobs.len() == 1 {
        let b = bar.clone();
        opts.progress = rae::Progress::new(move |f| b.set_position((f * 1000.0) as u64));
    }
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let reports = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((input, output)) = jobs.get(i) else {
                    break;
                };
                let r = match &args.waveform {
                    None => rae::render_to_file(input, output, &soundfont, &opts, format),
                    Some(w) => {
                        let wf = if jobs.len() > 1 {
                            output.with_extension(w.extension().unwrap_or_default())
                        } else {
                            w.clone()
                        };
                        render_with_waveform(input, output, &wf, &soundfont, &opts, format)
                    }
                };
                match r {
                    Ok(rep) => lock(&reports).push((i, rep)),
                    Err(e) => lock(&failures).push((i, e)),
                }
                if jobs.len() > 1 {
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    let mut reports = reports.into_inner().unwrap_or_else(|p| p.into_inner());
    reports.sort_by_key(|(i, _)| *i);
    if !args.quiet {
        for (i, r) in &reports {
            let (input, output) = &jobs[*i];
            println!(
                "{} -> {}: {:.2} s, {} Hz, peak {:.1} dBFS, {:.0}x real time, soundfont {}, backend {}{}",
                input.display(),
                output.display(),
                r.duration_s,
                r.sample_rate,
                r.peak_dbfs,
                r.duration_s / r.render_s.max(1e-9),
                r.soundfont,
                r.backend,
                if r.gpu_requested { " (GPU requested; MIDI rendering runs on the CPU)" } else { "" }
            );
        }
    }
    let failures = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    match failures.len() {
        0 => Ok(()),
        1 if jobs.len() == 1 => Err(failures
            .into_iter()
            .next()
            .map_or(Failure::Usage("unknown failure".into()), |(_, e)| {
                Failure::from(e)
            })),
        n => {
            for (_, e) in &failures {
                eprintln!("rae: error: {e}");
            }
            Err(Failure::Engine(rae::Error::Internal(format!(
                "{n} of {} renders failed",
                jobs.len()
            ))))
        }
    }
}

/// Encodes the waveform of `audio` as `format` (dat, json, wavesurfer or png). Without a `zoom`,
/// a picture fits the whole audio in its width and peaks use audiowaveform's default zoom.
fn waveform_bytes(
    audio: &rae::AudioBuffer,
    format: &str,
    zoom: Option<rae::waveform::Zoom>,
    bits: rae::waveform::Bits,
    split_channels: bool,
    image: &rae::waveform::png::WaveformImageOptions,
    name: &Path,
) -> rae::Result<(Vec<u8>, rae::waveform::Peaks)> {
    use rae::waveform::Zoom;
    let zoom = zoom.unwrap_or(if format == "png" {
        Zoom::Width(image.width)
    } else {
        Zoom::default()
    });
    let peaks = rae::waveform::peaks_of(audio, zoom, bits, split_channels, name)?;
    let bytes = match format {
        "dat" => peaks.to_dat(),
        "json" => peaks.to_json().into_bytes(),
        "wavesurfer" => peaks
            .to_wavesurfer_json_with_duration(audio.duration_s())
            .into_bytes(),
        "png" => rae::waveform::png::render_waveform_png(&peaks, image)?,
        other => {
            return Err(rae::Error::InvalidArgument(format!(
                "unknown waveform format '{other}'"
            )))
        }
    };
    Ok((bytes, peaks))
}

/// Renders, writes the audio, and writes the waveform of the same audio beside it.
fn render_with_waveform(
    input: &Path,
    output: &Path,
    waveform: &Path,
    soundfont: &rae::SoundFontSource,
    opts: &rae::RenderOptions,
    format: Option<rae::OutputFormat>,
) -> rae::Result<rae::RenderReport> {
    use rae::waveform::Bits;
    rae::synth::render::check_output_path(output, input)?;
    rae::synth::render::check_output_path(waveform, input)?;
    if waveform == output {
        return Err(rae::Error::InvalidArgument(
            "the waveform and the audio cannot be the same file".into(),
        ));
    }
    let ext = waveform
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if !["json", "dat", "png"].contains(&ext.as_str()) {
        return Err(rae::Error::InvalidArgument(format!(
            "{}: the waveform must be .json, .dat or .png",
            waveform.display()
        )));
    }
    let rendered = rae::render(rae::MidiSource::Path(input), soundfont, opts)?;
    let audio = &rendered.audio;
    let fmt = format.unwrap_or_else(|| rae::OutputFormat::from_path(output));
    rae::write_audio(output, audio, fmt)?;
    let (bytes, _) = waveform_bytes(
        audio,
        &ext,
        None,
        Bits::Sixteen,
        false,
        &Default::default(),
        input,
    )?;
    rae::io::write_atomic(waveform, &bytes)?;
    Ok(rendered.report)
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn cmd_info(file: &Path) -> Result<(), Failure> {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if ext == "sf2" || ext == "sf3" || file.as_os_str() == "builtin" {
        let font = rae::load_soundfont(
            &rae::SoundFontSource::from_arg(&file.to_string_lossy()),
            rae::Limits::default().max_soundfont_bytes,
        )?;
        let s = &font.summary;
        println!("SoundFont: {}", font.label);
        println!("  kind: {:?}", s.kind);
        println!("  name: {}", s.name);
        if let Some(p) = &font.path {
            if let Ok(m) = std::fs::metadata(p) {
                println!("  file size: {} bytes", m.len());
            }
        }
        println!(
            "  samples: {} ({} bytes of PCM)",
            s.sample_count, s.sample_data_bytes
        );
        println!("  presets: {}", s.presets.len());
        for p in &s.presets {
            println!("    {:3}:{:3}  {}", p.bank, p.program, p.name);
        }
        println!("  load time: {:.3} s", font.load_seconds);
        return Ok(());
    }
    let midi = rae::MidiFile::open(file, &rae::MidiLimits::default())?;
    let s = midi.summary();
    println!("MIDI file: {}", file.display());
    println!("  format: {}", s.format);
    println!("  tracks: {}", s.tracks);
    match s.ticks_per_quarter {
        Some(t) => println!("  division: {t} ticks per quarter note"),
        None => println!("  division: SMPTE"),
    }
    println!("  duration: {:.2} s", s.duration_s);
    println!("  notes: {}", s.note_count);
    println!(
        "  initial tempo: {:.1} BPM ({} tempo events)",
        s.initial_bpm, s.tempo_changes
    );
    let chans: Vec<String> = s.channels.iter().map(|c| (c + 1).to_string()).collect();
    println!("  channels with notes (1-16): {}", chans.join(", "));
    let progs: Vec<String> = s
        .programs
        .iter()
        .map(|(c, p)| format!("ch{}:{}", c + 1, p))
        .collect();
    println!(
        "  programs: {}",
        if progs.is_empty() {
            "none".into()
        } else {
            progs.join(", ")
        }
    );
    if !s.track_names.is_empty() {
        println!("  track names: {}", s.track_names.join(" | "));
    }
    Ok(())
}

fn cmd_waveform(args: &WaveformArgs) -> Result<(), Failure> {
    use rae::waveform::{Bits, Zoom};
    let bits = Bits::from_u32(args.bits).map_err(|e| Failure::Usage(e.to_string()))?;
    let zoom = match (args.zoom, args.pixels_per_second, args.width) {
        (Some(z), _, _) => Zoom::SamplesPerPixel(z),
        (_, Some(p), _) => Zoom::PixelsPerSecond(p),
        (_, _, Some(w)) => Zoom::Width(w),
        _ => Zoom::default(),
    };
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match (args.output_format.as_deref(), ext.as_deref()) {
        (Some(f), _) => f.to_ascii_lowercase(),
        (None, Some(e @ ("dat" | "json" | "png"))) => e.to_string(),
        _ => {
            return Err(Failure::Usage(format!(
                "{}: cannot tell the output format from the name; use .dat, .json or .png, or --output-format",
                args.output.display()
            )))
        }
    };
    if !["dat", "json", "wavesurfer", "png", "spectrogram"].contains(&format.as_str()) {
        return Err(Failure::Usage(format!(
            "unknown output format '{format}' (expected dat, json, wavesurfer, png or spectrogram)"
        )));
    }
    let color = |s: &str| rae::waveform::png::parse_color(s).map_err(Failure::Usage);
    if args.pitch_contour && format != "png" {
        return Err(Failure::Usage(format!(
            "--pitch-contour draws on a waveform picture (png), not on {format} output"
        )));
    }
    let image_width = args.width.unwrap_or(800);
    rae::synth::render::check_output_path(&args.output, &args.input)?;
    if ["dat", "json", "wavesurfer"].contains(&format.as_str()) {
        // Peaks stream: the file is decoded chunk by chunk into the builder, never held whole.
        let bar = progress_bar(None, args.quiet);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% reading",
        ) {
            bar.set_style(style);
        }
        let (peaks, duration_s) = rae::waveform::peaks_of_file(
            &args.input,
            zoom,
            bits,
            args.split_channels,
            rae::io::DEFAULT_MAX_INPUT_S,
            &mut |fraction| match fraction {
                Some(f) => bar.set_position((f * 1000.0) as u64),
                None => bar.tick(),
            },
        )?;
        bar.finish_and_clear();
        let bytes = match format.as_str() {
            "dat" => peaks.to_dat(),
            "json" => peaks.to_json().into_bytes(),
            _ => peaks
                .to_wavesurfer_json_with_duration(duration_s)
                .into_bytes(),
        };
        rae::io::write_atomic(&args.output, &bytes)?;
        if !args.quiet {
            print_peaks_summary(args, &peaks, &format);
        }
        return Ok(());
    }
    // Pictures look at the whole signal (a spectrogram's FFT frames, a fitted width): decoded whole.
    let audio = rae::read_audio(&args.input, rae::io::DEFAULT_MAX_INPUT_S)?;
    if format == "spectrogram" {
        let opts = rae::waveform::spectrogram::SpectrogramOptions {
            width: image_width,
            height: args.height,
            log_frequency: args.log_frequency,
            ..Default::default()
        };
        let png = rae::waveform::spectrogram::render_spectrogram_png(&audio, &opts)?;
        rae::io::write_atomic(&args.output, &png)?;
        if !args.quiet {
            println!(
                "{} -> {}: spectrogram {}x{}, {} frequency scale",
                args.input.display(),
                args.output.display(),
                image_width,
                args.height,
                if args.log_frequency { "log" } else { "linear" }
            );
        }
        return Ok(());
    }
    let image = rae::waveform::png::WaveformImageOptions {
        width: image_width,
        height: args.height,
        waveform_color: color(&args.waveform_color)?,
        background: color(&args.background_color)?,
        with_axis_labels: args.with_axis_labels,
        amplitude_scale: args.amplitude_scale,
        pitch_contour: if args.pitch_contour {
            let track =
                rae::analysis::analyze_pitch(&audio, &rae::analysis::PitchParams::default())?;
            rae::waveform::png::PitchContour::from_track(&track, color(&args.pitch_color)?)
        } else {
            None
        },
        ..Default::default()
    };
    let zoom = (args.zoom.is_some() || args.pixels_per_second.is_some() || format != "png")
        .then_some(zoom);
    let (bytes, peaks) = waveform_bytes(
        &audio,
        &format,
        zoom,
        bits,
        args.split_channels,
        &image,
        &args.input,
    )?;
    rae::io::write_atomic(&args.output, &bytes)?;
    if !args.quiet {
        print_peaks_summary(args, &peaks, &format);
    }
    Ok(())
}

fn print_peaks_summary(args: &WaveformArgs, peaks: &rae::waveform::Peaks, format: &str) {
    println!(
        "{} -> {}: {} pixels x {} channel(s), {} frames per pixel, {}-bit, {format}",
        args.input.display(),
        args.output.display(),
        peaks.length(),
        peaks.channels,
        peaks.samples_per_pixel,
        peaks.bits.as_u32(),
    );
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
    let report = rae::render_to_file(&midi_path, &wav_path, &source, &opts, None)?;
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

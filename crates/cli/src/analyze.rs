//! `rae analyze`: pitch, notes, and optionally onsets, tempo and dynamics of a recording, as
//! JSON, as CSV files, or as a short summary for a person. The analysis is the engine's
//! [`rae::ops::analyze`]; this file maps options and writes its views.

use std::path::PathBuf;

use clap::Args;
use indicatif::ProgressStyle;
use rust_audio_engine as rae;
use rust_audio_engine::analysis as an;

use crate::Failure;

#[derive(Args)]
pub(crate) struct AnalyzeArgs {
    /// Audio file (WAV, FLAC, MP3, OGG).
    input: PathBuf,
    /// Write everything as one JSON document to this file.
    #[arg(long, value_name = "OUT.json", conflicts_with = "csv")]
    json: Option<PathBuf>,
    /// Write pitch.csv, notes.csv (and onsets.csv, beats.csv, dynamics.csv) into this directory.
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Pitch tracker: pyin (default; smoother, with voicing) or yin (faster).
    #[arg(long, value_name = "yin|pyin", default_value = "pyin")]
    pitch: String,
    /// Pitch hop in milliseconds (default: 10).
    #[arg(long, value_name = "MS")]
    hop_ms: Option<f64>,
    /// Also detect note onsets.
    #[arg(long)]
    onsets: bool,
    /// Also estimate the tempo and beat times.
    #[arg(long)]
    tempo: bool,
    /// Also measure levels: loudness (LUFS), loudness range, peaks, crest factor.
    #[arg(long)]
    dynamics: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

/// Files longer than this get a progress bar.
const PROGRESS_MIN_S: f64 = 20.0;

pub(crate) fn run(args: &AnalyzeArgs) -> Result<(), Failure> {
    let method: an::PitchMethod = args.pitch.parse()?;
    let audio = rae::read_audio(&args.input, rae::io::DEFAULT_MAX_INPUT_S)?;
    let hop_length = match args.hop_ms {
        Some(ms) if ms.is_finite() && ms > 0.0 => {
            Some(((ms / 1000.0 * f64::from(audio.sample_rate())).round() as usize).max(1))
        }
        Some(ms) => {
            return Err(Failure::Usage(format!(
                "--hop-ms must be a positive number of milliseconds, not {ms}"
            )))
        }
        None => None,
    };
    let bar = crate::progress_bar(None, args.quiet || audio.duration_s() < PROGRESS_MIN_S);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% analysing",
    ) {
        bar.set_style(style);
    }
    let b = bar.clone();
    let opts = rae::AnalyzeOptions {
        pitch: an::PitchParams {
            method,
            hop_length,
            ..Default::default()
        },
        onsets: args.onsets.then(an::OnsetParams::default),
        tempo: args.tempo.then(an::TempoParams::default),
        dynamics: args.dynamics.then(an::DynamicsParams::default),
        progress: rae::Progress::new(move |f| b.set_position((f * 1000.0) as u64)),
        ..Default::default()
    };
    let mut analysis = rae::analyze(&audio, &opts)?;
    analysis.file = Some(args.input.display().to_string());
    bar.finish_and_clear();
    if let Some(path) = &args.json {
        rae::io::check_output_path(path, &args.input)?;
        let mut json = analysis.to_json()?;
        json.push('\n');
        rae::io::write_atomic(path, json.as_bytes())?;
    } else if let Some(dir) = &args.csv {
        std::fs::create_dir_all(dir).map_err(|e| rae::Error::io(dir, e))?;
        for (name, table) in analysis.csv_tables() {
            rae::io::write_atomic(&dir.join(name), table.as_bytes())?;
        }
    } else {
        print!("{}", analysis.summary());
    }
    Ok(())
}

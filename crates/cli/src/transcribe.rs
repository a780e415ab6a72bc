//! `rae transcribe`: a recording to a MIDI file (and the notes as JSON), through the engine's
//! [`rae::ops::transcribe_to_midi`]; this file maps options and prints.

use std::path::PathBuf;

use clap::Args;
use rust_audio_engine as rae;
use rust_audio_engine::transcribe::Mode;

use crate::Failure;

#[derive(Args)]
#[command(after_help = "\
Modes:
  piano      (default) every note starts at a detected strike; harmonic ghost notes and
             re-triggers are dropped; offsets follow the sustain seen in the audio.
  reference  the basic-pitch package's note creation at its defaults (onset threshold 0.5,
             frame threshold 0.3, notes longer than 127.7 ms, melodia trick, pitch bends),
             for any instrument.

The model is Spotify's Basic Pitch (Apache-2.0), embedded and run with tract-onnx.
The MIDI file is type 0, 480 ticks per quarter at 120 BPM, piano on channel 1.")]
pub(crate) struct TranscribeArgs {
    /// Audio file (WAV, FLAC, MP3, OGG, Opus, M4A); 0.2 s to 20 minutes.
    input: PathBuf,
    /// MIDI file to write (atomically; nothing is written on failure).
    #[arg(short, long, value_name = "OUT.mid")]
    output: PathBuf,
    /// Also write the notes and the run's details as JSON to this file, or to stdout with "-".
    #[arg(long, value_name = "OUT.json|-")]
    json: Option<PathBuf>,
    /// How notes are made from the model's output: piano or reference.
    #[arg(long, value_name = "piano|reference", default_value = "piano")]
    mode: String,
    /// Threads for the model (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
}

pub(crate) fn run(args: &TranscribeArgs) -> Result<(), Failure> {
    let opts = rae::TranscribeOptions {
        mode: Mode::from_name(&args.mode)?,
        threads: args.threads,
    };
    if let Some(json) = &args.json {
        if json.as_os_str() != "-" {
            rae::io::check_output_path(json, &args.input)?;
            if json == &args.output || rae::io::same_file(json, &args.output) {
                return Err(Failure::Usage(
                    "--json and --output name the same file; choose another".into(),
                ));
            }
        }
    }
    let t = rae::transcribe_to_midi(&args.input, &args.output, &opts)?;
    if let Some(json) = &args.json {
        crate::write_json(json, t.to_json()?)?;
    }
    if !args.quiet && args.json.as_deref() != Some("-".as_ref()) {
        eprintln!(
            "{}: {} notes in {:.1} s of audio ({} mode, {:.2} s) -> {}",
            args.input.display(),
            t.notes.len(),
            t.duration_s,
            t.mode.name(),
            t.model_s + t.notes_s,
            args.output.display()
        );
    }
    Ok(())
}

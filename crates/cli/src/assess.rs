//! `rae assess`: a take (a recording or a MIDI performance) against its lesson MIDI file,
//! through the engine's [`rae::ops::assess`]; this file maps options and prints.

use std::path::PathBuf;

use clap::Args;
use rust_audio_engine as rae;

use crate::Failure;

#[derive(Args)]
#[command(after_help = "\
Levels (timing tolerance; a velocity within this factor of the lesson's is as written):
  beginner      150 ms, 1.6x
  intermediate  100 ms, 1.4x (default)
  advanced       60 ms, 1.25x

A MIDI take is read as key presses. A recording of a monophonic lesson is read through the
pYIN pitch track; of a polyphonic lesson (or with --polyphonic), through the Basic Pitch
transcription and its onset and note activations. See docs/assess.md.")]
pub(crate) struct AssessArgs {
    /// The take: a MIDI file (a keyboard performance) or a recording (WAV, FLAC, MP3, OGG...).
    take: PathBuf,
    /// The lesson, a Standard MIDI File.
    lesson: PathBuf,
    /// Write the whole assessment as JSON to this file, or to stdout with "-".
    #[arg(long, value_name = "OUT.json|-")]
    json: Option<PathBuf>,
    /// How strict: beginner, intermediate or advanced.
    #[arg(long, value_name = "LEVEL", default_value = "intermediate")]
    level: String,
    /// The tempo the take was meant at, in quarter notes per minute (default: estimated).
    #[arg(long, value_name = "BPM")]
    tempo: Option<f64>,
    /// Read a recording through the polyphonic transcription even for a monophonic lesson.
    #[arg(long)]
    polyphonic: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
}

pub(crate) fn run(args: &AssessArgs) -> Result<(), Failure> {
    let opts = rae::AssessOptions {
        level: args.level.parse()?,
        tempo: args.tempo,
        polyphonic: args.polyphonic,
    };
    if let Some(json) = &args.json {
        if json.as_os_str() != "-" {
            rae::io::check_output_path(json, &args.take)?;
            rae::io::check_output_path(json, &args.lesson)?;
        }
    }
    let a = rae::ops::assess(
        rae::ops::TakeSource::Path(&args.take),
        rae::ops::MidiSource::Path(&args.lesson),
        &opts,
    )?;
    if let Some(json) = &args.json {
        crate::write_json(json, a.to_json()?)?;
    }
    if !args.quiet && args.json.as_deref() != Some("-".as_ref()) {
        print!("{}", a.summary());
    }
    Ok(())
}

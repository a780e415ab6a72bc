//! `rae analyze`: pitch, notes, onsets, dynamics and tempo of a recording (issue 4).

use std::path::PathBuf;

use clap::Args;

use crate::Failure;

#[derive(Args)]
pub(crate) struct AnalyzeArgs {
    /// Audio file (WAV, FLAC, MP3, OGG).
    input: PathBuf,
}

pub(crate) fn run(args: &AnalyzeArgs) -> Result<(), Failure> {
    Err(Failure::Usage(format!(
        "analyze {}: analysis is not built yet",
        args.input.display()
    )))
}

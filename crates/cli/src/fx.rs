//! `rae fx`: effects on an audio file (issue 3).

use std::path::PathBuf;

use clap::Args;

use crate::Failure;

#[derive(Args)]
pub(crate) struct FxArgs {
    /// Audio file (WAV, FLAC, MP3, OGG).
    input: PathBuf,
    /// Output audio file (.wav or .flac).
    #[arg(short, long)]
    output: PathBuf,
}

pub(crate) fn run(args: &FxArgs) -> Result<(), Failure> {
    Err(Failure::Usage(format!(
        "fx {} -> {}: effects are not built yet",
        args.input.display(),
        args.output.display()
    )))
}

//! `rae batch`: runs a manifest of render, analyze, waveform and fx jobs through the engine's
//! [`rae::run_batch`]; this file maps options and prints the outcome.

use std::path::PathBuf;

use clap::Args;
use rust_audio_engine as rae;

use crate::Failure;

#[derive(Args)]
#[command(
    after_help = "A manifest holds one JSON object per line: {\"id\": \"a\", \"op\": \
\"render\"|\"analyze\"|\"waveform\"|\"fx\", \"input\": \"a.mid\", \"output\": \"a.wav\", ...options \
named as the command's flags with _ for -}. Relative paths resolve against the manifest's \
directory. Each output is written atomically and each job appends a record (id, status, error, \
duration, peak, timings) to the results file as it ends. Exit status 1 when any job failed. \
See docs/batch.md."
)]
pub(crate) struct BatchArgs {
    /// The manifest: JSON lines, one job each.
    #[arg(long, value_name = "JOBS.jsonl")]
    manifest: PathBuf,
    /// Run only shard I of N (I from 0): the jobs whose id's 64-bit FNV-1a hash is I modulo N.
    /// The N shards partition the manifest.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<rae::Shard>,
    /// Skip the jobs whose last record in the results file is ok and whose outputs exist, and
    /// append to that file. Without it the results file is rewritten.
    #[arg(long)]
    resume: bool,
    /// The results file (JSON lines). Default: beside the manifest, JOBS.results.jsonl, or
    /// JOBS.shard-I-of-N.results.jsonl with --shard.
    #[arg(long, value_name = "RESULTS.jsonl")]
    results: Option<PathBuf>,
    /// Jobs run at once (default: all cores); with 1, each job uses one thread. The outputs
    /// are identical whatever the count.
    #[arg(long)]
    threads: Option<usize>,
    /// Print nothing but the errors of the jobs that fail.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_shard(s: &str) -> Result<rae::Shard, String> {
    s.parse().map_err(|e: rae::Error| e.to_string())
}

pub(crate) fn run(args: &BatchArgs) -> Result<(), Failure> {
    let manifest = rae::Manifest::open(&args.manifest)?;
    let results = args
        .results
        .clone()
        .unwrap_or_else(|| rae::ops::batch::default_results_path(&args.manifest, args.shard));
    let opts = rae::BatchOptions {
        shard: args.shard,
        resume: args.resume,
        results: Some(results.clone()),
        threads: args.threads,
        ids: None,
    };
    let selected = manifest
        .jobs
        .iter()
        .filter(|j| args.shard.is_none_or(|s| s.contains(&j.id)))
        .count();
    let bar = crate::progress_bar(Some(selected as u64), args.quiet);
    let report = rae::ops::batch::run_manifest(&manifest, &opts, &|r| {
        bar.inc(1);
        if let Some(e) = &r.error {
            bar.suspend(|| eprintln!("rae: error: job '{}': {e}", r.id));
        }
    })?;
    bar.finish_and_clear();
    if !args.quiet {
        println!(
            "{}: {} jobs{}: {} ok, {} failed, {} skipped (done before), in {:.2} s; results in {}",
            args.manifest.display(),
            report.records.len(),
            args.shard
                .map_or(String::new(), |s| format!(" (shard {s})")),
            report.ok,
            report.failed,
            report.skipped,
            report.elapsed_s,
            results.display()
        );
    }
    if report.failed > 0 {
        return Err(Failure::Jobs(format!(
            "{} of {} jobs failed (see {})",
            report.failed,
            report.records.len(),
            results.display()
        )));
    }
    Ok(())
}

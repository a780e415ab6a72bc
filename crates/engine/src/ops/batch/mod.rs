//! The batch operation: a manifest of render, analyze, waveform and fx jobs (JSON lines) run on a
//! pool of threads, each job's outputs written atomically and a result record appended to a
//! results file as it ends. Deterministic and idempotent: outputs do not depend on the thread
//! count or order; `resume` skips jobs with an ok record whose outputs exist; a shard takes the
//! jobs whose id hashes to it. A failing job is recorded and the others go on. `docs/batch.md`
//! describes the manifest.

mod job;
mod manifest;
mod record;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

pub use job::Op;
pub use manifest::{Job, Manifest, Shard, MAX_ID_BYTES, MAX_JOBS, MAX_LINE_BYTES};
pub use record::{JobRecord, Status};

use crate::error::{catch_panics, Error, Result};

/// How to run a manifest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOptions {
    /// Only the jobs of this shard.
    pub shard: Option<Shard>,
    /// Skip the jobs whose last record in `results` is ok and whose outputs exist; append the
    /// new records. Needs `results`.
    pub resume: bool,
    /// The results file (JSON lines), truncated first unless `resume`. `None`: no file; the
    /// records are only returned.
    pub results: Option<PathBuf>,
    /// Threads in all: jobs run at once (default: the cores). With more than one, each job's own
    /// work runs on one thread; with one job at a time, on `threads` (all cores when `None`).
    /// The cap holds for every parallel step of a job ([`crate::threads::with_limit`]). Outputs
    /// do not depend on it.
    pub threads: Option<usize>,
    /// Only the jobs with these ids (after the shard), in manifest order. An id the manifest
    /// does not hold is an error.
    pub ids: Option<Vec<String>>,
}

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchReport {
    /// One record per job selected, in manifest order (skipped ones included).
    pub records: Vec<JobRecord>,
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    /// The results file written, if any.
    pub results: Option<PathBuf>,
    /// Wall-clock seconds of the whole batch.
    pub elapsed_s: f64,
}

/// The results file `rae batch` writes when none is named: beside the manifest,
/// `<stem>.results.jsonl`, or `<stem>.shard-<i>-of-<n>.results.jsonl` for a shard, so shards run
/// at once never share a file.
pub fn default_results_path(manifest: &Path, shard: Option<Shard>) -> PathBuf {
    let stem = manifest
        .file_stem()
        .map_or_else(|| "batch".into(), |s| s.to_string_lossy().into_owned());
    let name = match shard {
        Some(s) => format!("{stem}.shard-{}-of-{}.results.jsonl", s.index, s.count),
        None => format!("{stem}.results.jsonl"),
    };
    manifest.with_file_name(name)
}

/// Reads the manifest at `path` and runs it (see [`run_manifest`]).
pub fn run_batch(
    path: &Path,
    opts: &BatchOptions,
    on_record: &(dyn Fn(&JobRecord) + Sync),
) -> Result<BatchReport> {
    run_manifest(&Manifest::open(path)?, opts, on_record)
}

/// Runs the jobs of `manifest` that `opts` selects. `on_record` is called (from a worker
/// thread) as each job ends, after its record is in the results file. Errors are about the
/// batch (a results file that cannot be written, an unknown id); a job's failure is in its
/// record.
pub fn run_manifest(
    manifest: &Manifest,
    opts: &BatchOptions,
    on_record: &(dyn Fn(&JobRecord) + Sync),
) -> Result<BatchReport> {
    let start = Instant::now();
    if opts.resume && opts.results.is_none() {
        return Err(Error::InvalidArgument(
            "resume needs the results file of the earlier run".into(),
        ));
    }
    if opts.threads == Some(0) {
        return Err(Error::InvalidArgument("threads must be at least 1".into()));
    }
    let selected = select(manifest, opts)?;
    let finished = match (&opts.results, opts.resume) {
        (Some(path), true) => record::read_finished(path)?,
        _ => Default::default(),
    };
    let results = opts
        .results
        .as_deref()
        .map(|p| record::ResultsFile::open(p, opts.resume))
        .transpose()?;
    let mut records: Vec<Option<JobRecord>> = vec![None; selected.len()];
    let mut to_run = Vec::new();
    for (slot, job) in selected.iter().enumerate() {
        let done = finished
            .get(&job.id)
            .is_some_and(|r| r.status == Status::Ok && r.output == job.output && r.op == job.op)
            && job.outputs().iter().all(|p| p.is_file());
        if done {
            records[slot] = Some(JobRecord::new(job, Status::Skipped));
        } else {
            to_run.push(slot);
        }
    }
    let cores = crate::threads::available();
    let workers = opts.threads.unwrap_or(cores).min(to_run.len()).max(1);
    let job_threads = if workers > 1 { Some(1) } else { opts.threads };
    let next = AtomicUsize::new(0);
    let ran: Mutex<Vec<(usize, JobRecord)>> = Mutex::new(Vec::new());
    let write_error: Mutex<Option<Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let claim = || {
                    let slot = *to_run.get(next.fetch_add(1, Ordering::SeqCst))?;
                    Some((slot, *selected.get(slot)?))
                };
                while let Some((slot, job)) = claim() {
                    let record = run_one(job, job_threads);
                    if let Some(file) = &results {
                        if let Err(e) = file.append(&record) {
                            write_error
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .get_or_insert(e);
                        }
                    }
                    on_record(&record);
                    ran.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((slot, record));
                }
            });
        }
    });
    if let Some(e) = write_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    for (slot, record) in ran.into_inner().unwrap_or_else(|p| p.into_inner()) {
        if let Some(r) = records.get_mut(slot) {
            *r = Some(record);
        }
    }
    let records: Vec<JobRecord> = records
        .into_iter()
        .collect::<Option<_>>()
        .ok_or_else(|| Error::Internal("a batch job did not run".into()))?;
    let count = |s: Status| records.iter().filter(|r| r.status == s).count();
    Ok(BatchReport {
        ok: count(Status::Ok),
        failed: count(Status::Error),
        skipped: count(Status::Skipped),
        records,
        results: opts.results.clone(),
        elapsed_s: start.elapsed().as_secs_f64(),
    })
}

/// The jobs of the shard, then of the ids, in manifest order.
fn select<'m>(manifest: &'m Manifest, opts: &BatchOptions) -> Result<Vec<&'m Job>> {
    let in_shard = |j: &&Job| opts.shard.is_none_or(|s| s.contains(&j.id));
    let Some(ids) = &opts.ids else {
        return Ok(manifest.jobs.iter().filter(in_shard).collect());
    };
    let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
    if let Some(unknown) = ids
        .iter()
        .find(|id| !manifest.jobs.iter().any(|j| &j.id == *id))
    {
        return Err(Error::InvalidArgument(format!(
            "{}: no job has the id '{unknown}'",
            manifest.path.display()
        )));
    }
    Ok(manifest
        .jobs
        .iter()
        .filter(in_shard)
        .filter(|j| wanted.contains(j.id.as_str()))
        .collect())
}

/// Runs one job, turning its failure (a panic included) into its record.
fn run_one(job: &Job, threads: Option<usize>) -> JobRecord {
    let start = Instant::now();
    // The job's own parallel steps (analysis, convolution, SF3 decoding) share its threads.
    let outcome = catch_panics(|| {
        crate::threads::with_limit(threads, || {
            job::run(
                &job.task,
                &job.input_path,
                &job.output_path,
                &job.input,
                threads,
            )
        })
    });
    let mut record = JobRecord::new(job, Status::Ok);
    record.elapsed_s = start.elapsed().as_secs_f64();
    match outcome {
        Ok(f) => {
            record.duration_s = f.duration_s;
            record.peak_dbfs = f.peak_dbfs;
            record.work_s = f.work_s;
            record.report = f.report;
        }
        Err(e) => {
            record.status = Status::Error;
            record.error_kind = Some(e.kind().to_string());
            record.error = Some(e.to_string());
        }
    }
    record
}

//! Python bindings for batches: `run_batch` runs a manifest (the engine's `run_batch`, as
//! `rae batch` does) and `read_manifest` lists its jobs; both with the GIL released.

use std::path::PathBuf;

use pyo3::prelude::*;
use rust_audio_engine as rae;
use serde::Serialize;

use crate::convert::to_py;
use crate::errors::to_py_err;

/// Runs the batch manifest `manifest` (JSON lines of render, analyze, waveform and fx jobs; see
/// docs/batch.md) and returns one record per job selected, in manifest order, as dicts.
#[pyfunction]
#[pyo3(signature = (manifest, *, shard=None, resume=false, results=None, threads=None, ids=None))]
pub(crate) fn run_batch<'py>(
    py: Python<'py>,
    manifest: PathBuf,
    shard: Option<(u32, u32)>,
    resume: bool,
    results: Option<PathBuf>,
    threads: Option<usize>,
    ids: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyAny>> {
    let shard = shard
        .map(|(i, n)| rae::Shard::new(i, n))
        .transpose()
        .map_err(to_py_err)?;
    let opts = rae::BatchOptions {
        shard,
        resume,
        results,
        threads,
        ids,
    };
    let report = py
        .detach(|| rae::run_batch(&manifest, &opts, &|_| {}))
        .map_err(to_py_err)?;
    to_py(py, &report.records)
}

/// One job of a manifest as `read_manifest` lists it.
#[derive(Serialize)]
struct JobSummary<'a> {
    id: &'a str,
    op: rae::ops::batch::Op,
    line: usize,
    input: &'a str,
    output: &'a str,
}

/// The jobs of `manifest` (checked as `run_batch` checks them) as dicts with `id`, `op`,
/// `line`, `input` and `output`, in manifest order.
#[pyfunction]
pub(crate) fn read_manifest(py: Python<'_>, manifest: PathBuf) -> PyResult<Bound<'_, PyAny>> {
    let parsed = py
        .detach(|| rae::Manifest::open(&manifest))
        .map_err(to_py_err)?;
    let jobs: Vec<JobSummary<'_>> = parsed
        .jobs
        .iter()
        .map(|j| JobSummary {
            id: &j.id,
            op: j.op,
            line: j.line,
            input: &j.input,
            output: &j.output,
        })
        .collect();
    to_py(py, &jobs)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run_batch, m)?)?;
    m.add_function(wrap_pyfunction!(read_manifest, m)?)?;
    Ok(())
}

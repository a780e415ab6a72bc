//! Result records: one JSON object per job, appended to the results file and flushed as each job
//! ends; and the reading of an earlier results file for `resume`.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::job::Op;
use super::manifest::Job;
use crate::error::{Error, Result};

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Its outputs were written.
    Ok,
    /// It failed; `error` says why. Nothing was written (outputs are atomic).
    Error,
    /// `resume` found an ok record and the outputs: it did not run (never written to a
    /// results file).
    Skipped,
}

/// What one job did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: String,
    pub op: Op,
    pub status: Status,
    /// Input and output as the manifest wrote them.
    pub input: String,
    pub output: String,
    /// The error's message, naming the file and the problem.
    pub error: Option<String>,
    /// The error's kind (`not_found`, `midi`, `audio_format`, ...; see `Error::kind`).
    pub error_kind: Option<String>,
    /// Length of the audio written or analysed, in seconds.
    pub duration_s: Option<f64>,
    /// Sample peak of the audio written (render, fx) or analysed (analyze with dynamics).
    pub peak_dbfs: Option<f64>,
    /// Seconds of the op's own work (rendering, effects, analysis; not decoding or writing).
    pub work_s: Option<f64>,
    /// Wall-clock seconds of the whole job.
    pub elapsed_s: f64,
    /// The op's report (`RenderReport`, `FxReport`, `WaveformReport`; for analyze the note count).
    pub report: Option<Value>,
}

impl JobRecord {
    pub(crate) fn new(job: &Job, status: Status) -> Self {
        Self {
            id: job.id.clone(),
            op: job.op,
            status,
            input: job.input.clone(),
            output: job.output.clone(),
            error: None,
            error_kind: None,
            duration_s: None,
            peak_dbfs: None,
            work_s: None,
            elapsed_s: 0.0,
            report: None,
        }
    }
}

/// The results file, shared by the workers: each record is one `write` of one line, flushed.
pub(crate) struct ResultsFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl ResultsFile {
    /// Opens `path` for appending (`resume`) or truncated (a fresh run).
    pub(crate) fn open(path: &Path, append: bool) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        // A run killed mid-write may have left a partial last line: start on a new one.
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if append && len > 0 {
            let mut last = [0u8];
            file.seek(SeekFrom::Start(len - 1))
                .and_then(|_| file.read_exact(&mut last))
                .map_err(|e| Error::io(path, e))?;
            if last[0] != b'\n' {
                file.write_all(b"\n").map_err(|e| Error::io(path, e))?;
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Appends `record` as one line and flushes it to the file.
    pub(crate) fn append(&self, record: &JobRecord) -> Result<()> {
        let mut line = serde_json::to_vec(record)
            .map_err(|e| Error::Internal(format!("result record to JSON: {e}")))?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line)
            .and_then(|()| file.flush())
            .map_err(|e| Error::io(&self.path, e))
    }
}

/// The last record of each job id in the results file at `path` (none when it does not exist).
/// Lines that are not records (a partial line from a killed run) are passed over: their jobs
/// run again.
pub(crate) fn read_finished(path: &Path) -> Result<HashMap<String, JobRecord>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut last = HashMap::new();
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(|e| Error::io(path, e))?;
        if let Ok(record) = serde_json::from_slice::<JobRecord>(&line) {
            last.insert(record.id.clone(), record);
        }
    }
    Ok(last)
}

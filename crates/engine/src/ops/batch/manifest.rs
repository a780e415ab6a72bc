//! A batch manifest: one JSON object per line, each a job (`id`, `op`, `input`, `output` and the
//! op's options). Reading it is bounded (line length, job count) and checks everything that can be
//! checked without running a job, so a bad line stops the batch before any work, with the file and
//! line named. Shards are chosen from a stable hash of the job id.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::{Map, Value};

use super::job::{resolve, Op, Task, OP_NAMES};
use crate::error::{Error, Result};

/// Longest manifest line accepted, in bytes (newline excluded).
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Most jobs one manifest may hold.
pub const MAX_JOBS: usize = 1_000_000;
/// Longest job id, in bytes.
pub const MAX_ID_BYTES: usize = 256;

/// One line of a manifest, checked and with its paths resolved.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    /// Line number in the manifest, from 1.
    pub line: usize,
    pub op: Op,
    /// The input and output as the manifest wrote them (records and analyses name these).
    pub input: String,
    pub output: String,
    /// The same, resolved against the manifest's directory when relative.
    pub input_path: PathBuf,
    pub output_path: PathBuf,
    pub(crate) task: Task,
}

impl Job {
    /// Every file the job writes: its output, and a render's waveform.
    pub fn outputs(&self) -> Vec<&Path> {
        let mut out = vec![self.output_path.as_path()];
        out.extend(self.task.extra_output());
        out
    }
}

/// A parsed manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// Where relative paths resolve: the manifest's directory (empty for the current one).
    pub dir: PathBuf,
    /// The jobs, in manifest order.
    pub jobs: Vec<Job>,
}

impl Manifest {
    /// Reads and checks the manifest at `path`: blank lines are skipped, every other line must be
    /// a job. Errors are [`Error::Manifest`] with the line, or [`Error::NotFound`].
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        // A manifest named without a directory has "" as its parent: paths stay as written.
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::read(BufReader::new(file), path, &dir)
    }

    /// Reads a manifest from `reader`; `path` names it in errors and `dir` resolves its relative
    /// paths.
    pub fn read(mut reader: impl BufRead, path: &Path, dir: &Path) -> Result<Self> {
        let err = |line: usize, message: String| Error::Manifest {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut jobs: Vec<Job> = Vec::new();
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut outputs: HashMap<PathBuf, usize> = HashMap::new();
        let mut buf = Vec::new();
        let mut line = 0;
        loop {
            buf.clear();
            let n = (&mut reader)
                .take(MAX_LINE_BYTES as u64 + 2)
                .read_until(b'\n', &mut buf)
                .map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            line += 1;
            if buf.last() == Some(&b'\n') {
                buf.pop();
            }
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            if buf.len() > MAX_LINE_BYTES {
                return Err(err(
                    line,
                    format!("line longer than the limit of {MAX_LINE_BYTES} bytes"),
                ));
            }
            let text =
                std::str::from_utf8(&buf).map_err(|e| err(line, format!("not UTF-8 text: {e}")))?;
            if text.trim().is_empty() {
                continue;
            }
            if jobs.len() >= MAX_JOBS {
                return Err(err(line, format!("more than the limit of {MAX_JOBS} jobs")));
            }
            let job = parse_job(text, line, dir).map_err(|m| err(line, m))?;
            if let Some(first) = ids.insert(job.id.clone(), line) {
                return Err(err(
                    line,
                    format!("job id '{}' is already used on line {first}", job.id),
                ));
            }
            for out in job.outputs() {
                if let Some(first) = outputs.insert(out.to_path_buf(), line) {
                    return Err(err(
                        line,
                        format!(
                            "output {} is already written by the job on line {first}",
                            out.display()
                        ),
                    ));
                }
            }
            jobs.push(job);
        }
        Ok(Self {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
            jobs,
        })
    }
}

fn take_string(map: &mut Map<String, Value>, key: &str) -> Result<String, String> {
    match map.remove(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) => Err(format!("\"{key}\" is empty")),
        Some(other) => Err(format!("\"{key}\" must be a string, not {other}")),
        None => Err(format!("\"{key}\" is missing")),
    }
}

fn parse_job(text: &str, line: usize, dir: &Path) -> Result<Job, String> {
    let mut map: Map<String, Value> =
        serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
    let id = take_string(&mut map, "id")?;
    if id.len() > MAX_ID_BYTES {
        return Err(format!("job id longer than {MAX_ID_BYTES} bytes"));
    }
    if id.chars().any(char::is_control) {
        return Err("job id holds a control character".into());
    }
    let op_name = take_string(&mut map, "op")?;
    let op = crate::error::find_name(OP_NAMES, &op_name, "op").map_err(|e| match e {
        Error::InvalidArgument(m) => m,
        e => e.to_string(),
    })?;
    let input = take_string(&mut map, "input")?;
    let output = take_string(&mut map, "output")?;
    let output_path = resolve(dir, &output);
    let task = Task::parse(op, Value::Object(map), dir, &output_path)
        .map_err(|m| format!("job '{id}' ({}): {m}", op.name()))?;
    Ok(Job {
        input_path: resolve(dir, &input),
        output_path,
        id,
        line,
        op,
        input,
        output,
        task,
    })
}

/// Shard `index` of `count` (`index` from 0): the jobs whose id hashes (64-bit FNV-1a of its
/// UTF-8 bytes) to `index` modulo `count`. The choice depends on the id only, not on the order
/// or number of the other jobs, so shards partition any manifest and stay stable as it grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Shard `index` of `count`; `index < count`.
    pub fn new(index: u32, count: u32) -> Result<Self> {
        if count == 0 || index >= count {
            return Err(Error::InvalidArgument(format!(
                "shard {index}/{count}: expected i/n with 0 <= i < n"
            )));
        }
        Ok(Self { index, count })
    }

    /// Whether the job `id` belongs to this shard.
    pub fn contains(&self, id: &str) -> bool {
        fnv1a64(id.as_bytes()) % u64::from(self.count) == u64::from(self.index)
    }
}

impl FromStr for Shard {
    type Err = Error;

    /// `i/n`, e.g. `0/4`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidArgument(format!("shard '{s}': expected i/n, e.g. 0/4"));
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Self::new(i, n)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// 64-bit FNV-1a: tiny, stable across versions and platforms (unlike std's hasher).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(text: &str) -> Result<Manifest> {
        Manifest::read(text.as_bytes(), Path::new("jobs.jsonl"), Path::new("/data"))
    }

    #[test]
    fn fnv_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shards_parse_and_partition() {
        assert!("4/4".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
        let shards: Vec<Shard> = (0..3).map(|i| Shard::new(i, 3).unwrap()).collect();
        for id in ["a", "b", "song-17", ""] {
            assert_eq!(shards.iter().filter(|s| s.contains(id)).count(), 1, "{id}");
        }
    }

    #[test]
    fn relative_paths_resolve_against_the_manifest_directory() {
        let m = read(
            "{\"id\":\"a\",\"op\":\"render\",\"input\":\"in/a.mid\",\"output\":\"/abs/a.wav\"}\n\n",
        )
        .unwrap();
        assert_eq!(m.jobs.len(), 1);
        assert_eq!(m.jobs[0].input_path, Path::new("/data/in/a.mid"));
        assert_eq!(m.jobs[0].output_path, Path::new("/abs/a.wav"));
        assert_eq!(m.jobs[0].line, 1);
    }

    #[test]
    fn bad_lines_name_the_file_and_line() {
        let ok =
            "{\"id\":\"a\",\"op\":\"fx\",\"input\":\"a.wav\",\"output\":\"b.wav\",\"limit\":-1}";
        let cases = [
            ("not json", "not a JSON object"),
            ("[1]", "not a JSON object"),
            ("{\"op\":\"fx\",\"input\":\"a\",\"output\":\"b\"}", "\"id\" is missing"),
            ("{\"id\":\"b\",\"op\":\"mix\",\"input\":\"a\",\"output\":\"b\"}", "unknown op 'mix'"),
            (
                "{\"id\":\"b\",\"op\":\"render\",\"input\":\"a\",\"output\":\"c\",\"samplerate\":1}",
                "unknown field `samplerate`",
            ),
            (
                "{\"id\":\"b\",\"op\":\"fx\",\"input\":\"a\",\"output\":\"c\",\"eq\":[\"wobble:3\"]}",
                "wobble",
            ),
            ("{\"id\":\"a\",\"op\":\"fx\",\"input\":\"x\",\"output\":\"y\",\"limit\":-1}", "already used on line 1"),
            ("{\"id\":\"c\",\"op\":\"fx\",\"input\":\"x\",\"output\":\"/data/b.wav\",\"limit\":-1}", "already written"),
        ];
        for (bad, want) in cases {
            let e = read(&format!("{ok}\n{bad}\n")).unwrap_err();
            let msg = e.to_string();
            assert!(matches!(e, Error::Manifest { line: 2, .. }), "{msg}");
            assert!(msg.starts_with("jobs.jsonl:2: "), "{msg}");
            assert!(msg.contains(want), "{bad}: {msg}");
        }
    }

    #[test]
    fn a_line_over_the_limit_is_refused_without_reading_it_all() {
        let long = format!("{{\"id\":\"{}\"}}\n", "x".repeat(MAX_LINE_BYTES));
        let e = read(&long).unwrap_err();
        assert!(e.to_string().contains("longer than the limit"), "{e}");
        // Exactly at the limit the line is read (and then refused for what it says).
        let at = format!("{{}}{}\n", " ".repeat(MAX_LINE_BYTES - 2));
        let e = read(&at).unwrap_err();
        assert!(e.to_string().contains("\"id\" is missing"), "{e}");
    }
}

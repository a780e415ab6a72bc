//! `rae batch` as a user runs it: the four ops give the same bytes as their commands, resume
//! skips finished jobs, shards partition a manifest, bad lines are named, a failing job is
//! recorded while the others run, and outputs are atomic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: failures should panic loudly

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn rae_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rae"))
        .args(args)
        .current_dir(dir)
        .env_remove("RAE_SOUNDFONT")
        .output()
        .expect("run rae")
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The generated test audio (`make testdata`); missing data fails the test.
fn testdata_audio(name: &str) -> PathBuf {
    let root = std::env::var_os("RAE_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/testdata"));
    let p = root.join("audio").join(name);
    assert!(
        p.is_file(),
        "test data {} is missing: run `make testdata` (or set RAE_TESTDATA)",
        p.display()
    );
    p
}

/// A working directory with `in/demo.mid` (the built-in demo piece) and `in/melody.wav` (the
/// generated melody).
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("demo.mid"), rust_audio_engine::demo::demo_midi()).unwrap();
    std::fs::copy(
        testdata_audio("melody_mono_30s.wav"),
        input.join("melody.wav"),
    )
    .unwrap();
    dir
}

fn write_manifest(dir: &Path, name: &str, jobs: &[Value]) -> PathBuf {
    let text: String = jobs.iter().map(|j| format!("{j}\n")).collect();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids_of(records: &[Value]) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

#[test]
fn every_op_writes_what_its_command_writes() {
    let dir = workdir();
    let d = dir.path();
    let jobs = [
        serde_json::json!({"id": "render", "op": "render", "input": "in/demo.mid",
            "output": "out/demo.wav", "soundfont": "builtin", "waveform": "out/demo.json"}),
        serde_json::json!({"id": "analyze", "op": "analyze", "input": "in/melody.wav",
            "output": "out/melody.json", "onsets": true, "pitch": "yin"}),
        serde_json::json!({"id": "waveform", "op": "waveform", "input": "in/melody.wav",
            "output": "out/melody.dat", "pixels_per_second": 20, "bits": 8}),
        serde_json::json!({"id": "fx", "op": "fx", "input": "in/melody.wav",
            "output": "out/melody.flac", "eq": ["high_pass:80"], "limit": -1.0}),
    ];
    let manifest = write_manifest(d, "jobs.jsonl", &jobs);
    let o = rae_in(d, &["batch", "--manifest", manifest.to_str().unwrap()]);
    ok(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("4 jobs: 4 ok, 0 failed, 0 skipped"),
        "{stdout}"
    );

    // The same work through the four commands, from the manifest's directory.
    std::fs::create_dir(d.join("cli")).unwrap();
    for args in [
        &[
            "render",
            "in/demo.mid",
            "-o",
            "cli/demo.wav",
            "--soundfont",
            "builtin",
            "--waveform",
            "cli/demo.json",
            "-q",
        ][..],
        &[
            "analyze",
            "in/melody.wav",
            "--json",
            "cli/melody.json",
            "--onsets",
            "--pitch",
            "yin",
            "-q",
        ],
        &[
            "waveform",
            "in/melody.wav",
            "-o",
            "cli/melody.dat",
            "--pixels-per-second",
            "20",
            "--bits",
            "8",
            "-q",
        ],
        &[
            "fx",
            "in/melody.wav",
            "-o",
            "cli/melody.flac",
            "--eq",
            "high_pass:80",
            "--limit",
            "-1",
            "-q",
        ],
    ] {
        ok(&rae_in(d, args));
    }
    for name in [
        "demo.wav",
        "demo.json",
        "melody.json",
        "melody.dat",
        "melody.flac",
    ] {
        let (batch, cli) = (
            read(d.join("out").join(name)),
            read(d.join("cli").join(name)),
        );
        assert!(!batch.is_empty(), "{name}");
        assert!(
            batch == cli,
            "{name}: batch output differs from the command's"
        );
    }

    let recs = records(&d.join("jobs.results.jsonl"));
    assert_eq!(recs.len(), 4);
    for r in &recs {
        assert_eq!(r["status"], "ok", "{r}");
        assert!(r["error"].is_null(), "{r}");
        assert!(r["duration_s"].as_f64().unwrap() > 1.0, "{r}");
        assert!(r["elapsed_s"].as_f64().unwrap() > 0.0, "{r}");
    }
    let by_id = |id: &str| recs.iter().find(|r| r["id"] == id).unwrap().clone();
    let render = by_id("render");
    assert_eq!(render["op"], "render");
    assert_eq!(render["input"], "in/demo.mid");
    assert_eq!(render["output"], "out/demo.wav");
    assert!(
        render["peak_dbfs"].as_f64().unwrap() <= -1.0 + 1e-6,
        "{render}"
    );
    assert!(render["work_s"].as_f64().unwrap() > 0.0);
    assert_eq!(render["report"]["soundfont"], "builtin");
    assert!(by_id("fx")["peak_dbfs"].as_f64().is_some());
    assert!(by_id("analyze")["report"]["notes"].as_u64().unwrap() > 10);
    assert_eq!(by_id("waveform")["report"]["bits"], 8);
}

#[test]
fn outputs_do_not_depend_on_the_thread_count() {
    let dir = workdir();
    let d = dir.path();
    let jobs: Vec<Value> = (0..3)
        .flat_map(|i| {
            [
                serde_json::json!({"id": format!("r{i}"), "op": "render", "input": "in/demo.mid",
                    "output": format!("out/r{i}.wav"), "soundfont": "builtin",
                    "sample_rate": 22050 + 11025 * i}),
                serde_json::json!({"id": format!("w{i}"), "op": "waveform",
                    "input": "in/melody.wav", "output": format!("out/w{i}.json"),
                    "zoom": 128 * (i + 1)}),
            ]
        })
        .collect();
    write_manifest(d, "jobs.jsonl", &jobs);
    ok(&rae_in(
        d,
        &["batch", "--manifest", "jobs.jsonl", "--threads", "1", "-q"],
    ));
    let serial: Vec<Vec<u8>> = jobs
        .iter()
        .map(|j| read(d.join(j["output"].as_str().unwrap())))
        .collect();
    ok(&rae_in(
        d,
        &["batch", "--manifest", "jobs.jsonl", "--threads", "3", "-q"],
    ));
    for (j, before) in jobs.iter().zip(&serial) {
        assert!(
            &read(d.join(j["output"].as_str().unwrap())) == before,
            "{}: differs between --threads 1 and 3",
            j["id"]
        );
    }
}

#[test]
fn resume_skips_finished_jobs_and_runs_the_rest() {
    let dir = workdir();
    let d = dir.path();
    let job = |id: &str, input: &str| {
        serde_json::json!({"id": id, "op": "render", "input": input,
            "output": format!("out/{id}.wav"), "soundfont": "builtin"})
    };
    write_manifest(
        d,
        "jobs.jsonl",
        &[
            job("a", "in/demo.mid"),
            job("b", "in/demo.mid"),
            job("c", "in/later.mid"),
        ],
    );
    let o = rae_in(d, &["batch", "--manifest", "jobs.jsonl"]);
    assert_eq!(o.status.code(), Some(1), "c's input is missing");
    let results = d.join("jobs.results.jsonl");
    assert_eq!(records(&results).len(), 3);
    let inode = |id: &str| {
        std::fs::metadata(d.join(format!("out/{id}.wav")))
            .unwrap()
            .ino()
    };
    let a_before = inode("a");

    // b's output goes missing, c's input appears: --resume runs those two only.
    std::fs::remove_file(d.join("out/b.wav")).unwrap();
    std::fs::copy(d.join("in/demo.mid"), d.join("in/later.mid")).unwrap();
    let o = rae_in(d, &["batch", "--manifest", "jobs.jsonl", "--resume"]);
    ok(&o);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("3 jobs: 2 ok, 0 failed, 1 skipped"),
        "{stdout}"
    );
    let recs = records(&results);
    assert_eq!(recs.len(), 5, "two records appended to the three");
    assert_eq!(ids_of(&recs[3..]), ["b", "c"].map(String::from).into());
    assert!(recs[3..].iter().all(|r| r["status"] == "ok"));
    assert_eq!(inode("a"), a_before, "a was not written again");
    assert!(d.join("out/b.wav").is_file() && d.join("out/c.wav").is_file());

    // Everything is done: a third run does nothing and appends nothing.
    let o = rae_in(d, &["batch", "--manifest", "jobs.jsonl", "--resume"]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 ok, 0 failed, 3 skipped"));
    assert_eq!(records(&results).len(), 5);

    // A partial last line (a killed run) is passed over and the next record starts a new line.
    let mut text = std::fs::read_to_string(&results).unwrap();
    text.push_str("{\"id\":\"a\",\"op\":\"ren");
    std::fs::write(&results, text).unwrap();
    std::fs::remove_file(d.join("out/a.wav")).unwrap();
    ok(&rae_in(
        d,
        &["batch", "--manifest", "jobs.jsonl", "--resume", "-q"],
    ));
    let lines: Vec<String> = std::fs::read_to_string(&results)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 7);
    let last: Value = serde_json::from_str(&lines[6]).unwrap();
    assert_eq!(
        (last["id"].as_str(), last["status"].as_str()),
        (Some("a"), Some("ok"))
    );

    // Without --resume the results file starts again and every job runs.
    ok(&rae_in(d, &["batch", "--manifest", "jobs.jsonl", "-q"]));
    assert_eq!(records(&results).len(), 3);
}

#[test]
fn shards_partition_the_manifest() {
    let dir = workdir();
    let d = dir.path();
    let jobs: Vec<Value> = (0..24)
        .map(|i| {
            serde_json::json!({"id": format!("job-{i:02}"), "op": "waveform",
                "input": "in/melody.wav", "output": format!("out/{i:02}.dat"), "zoom": 4096})
        })
        .collect();
    write_manifest(d, "jobs.jsonl", &jobs);
    let all: BTreeSet<String> = ids_of(&jobs);
    let n = 3;
    let mut union = BTreeSet::new();
    let mut total = 0;
    for i in 0..n {
        let shard = format!("{i}/{n}");
        ok(&rae_in(
            d,
            &["batch", "--manifest", "jobs.jsonl", "--shard", &shard, "-q"],
        ));
        let recs = records(&d.join(format!("jobs.shard-{i}-of-{n}.results.jsonl")));
        let ids = ids_of(&recs);
        assert!(!ids.is_empty(), "shard {shard} is empty");
        assert!(
            union.is_disjoint(&ids),
            "shard {shard} overlaps an earlier shard"
        );
        total += recs.len();
        union.extend(ids);
        // The shard wrote exactly its own jobs' outputs so far.
        let written: BTreeSet<String> = jobs
            .iter()
            .filter(|j| d.join(j["output"].as_str().unwrap()).exists())
            .map(|j| j["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(written, union, "outputs after shard {shard}");
    }
    assert_eq!(union, all, "the shards together run every job");
    assert_eq!(total, all.len(), "each job ran once");
    // The same shard again picks the same jobs.
    let first = ids_of(&records(&d.join("jobs.shard-0-of-3.results.jsonl")));
    ok(&rae_in(
        d,
        &["batch", "--manifest", "jobs.jsonl", "--shard", "0/3", "-q"],
    ));
    assert_eq!(
        ids_of(&records(&d.join("jobs.shard-0-of-3.results.jsonl"))),
        first
    );

    for bad in ["3/3", "1/0", "one/two"] {
        let o = rae_in(d, &["batch", "--manifest", "jobs.jsonl", "--shard", bad]);
        assert_eq!(o.status.code(), Some(2), "--shard {bad}");
    }
}

#[test]
fn bad_manifest_lines_are_named_and_nothing_runs() {
    let dir = workdir();
    let d = dir.path();
    let good = r#"{"id": "a", "op": "render", "input": "in/demo.mid", "output": "out/a.wav", "soundfont": "builtin"}"#;
    let cases = [
        (
            "{\"id\": \"b\", \"op\": \"render\"",
            "jobs.jsonl:3: not a JSON object",
        ),
        (
            r#"{"id": "b", "op": "render", "input": "in/demo.mid", "output": "out/b.wav", "reverbb": true}"#,
            "jobs.jsonl:3: job 'b' (render): unknown field `reverbb`",
        ),
        (
            r#"{"id": "b", "op": "transcribe", "input": "x", "output": "y"}"#,
            "jobs.jsonl:3: unknown op 'transcribe'",
        ),
        (
            r#"{"id": "b", "op": "render", "input": "in/demo.mid", "output": "out/b.wav", "format": "mp9"}"#,
            "jobs.jsonl:3: job 'b' (render): unknown",
        ),
        (
            r#"{"id": "a", "op": "render", "input": "in/demo.mid", "output": "out/b.wav"}"#,
            "jobs.jsonl:3: job id 'a' is already used on line 1",
        ),
        (
            r#"{"id": "b", "op": "fx", "input": "in/melody.wav", "output": "out/a.wav", "limit": -1}"#,
            "is already written by the job on line 1",
        ),
    ];
    for (bad, want) in cases {
        // Line 2 is blank: blank lines count but hold no job.
        std::fs::write(d.join("jobs.jsonl"), format!("{good}\n\n{bad}\n")).unwrap();
        let o = rae_in(d, &["batch", "--manifest", "jobs.jsonl"]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{bad}: {stderr}");
        assert!(stderr.contains(want), "{bad}: {stderr}");
        assert!(!d.join("out").exists(), "{bad}: a job ran");
        assert!(
            !d.join("jobs.results.jsonl").exists(),
            "{bad}: results written"
        );
    }
    // A hostile line is refused at the limit, without being held whole.
    let long = format!("{good}\n{{\"id\": \"{}\"}}\n", "x".repeat(200_000));
    std::fs::write(d.join("jobs.jsonl"), long).unwrap();
    let o = rae_in(d, &["batch", "--manifest", "jobs.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("jobs.jsonl:2: line longer than the limit of 65536 bytes"),
        "{stderr}"
    );
    // A missing manifest is named.
    let o = rae_in(d, &["batch", "--manifest", "none.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("none.jsonl: file not found"));
}

#[test]
fn a_failing_job_is_recorded_and_the_others_run() {
    let dir = workdir();
    let d = dir.path();
    std::fs::write(d.join("in/broken.mid"), b"MThd but not really a MIDI file").unwrap();
    let jobs = [
        serde_json::json!({"id": "good", "op": "render", "input": "in/demo.mid",
            "output": "out/good.wav", "soundfont": "builtin"}),
        serde_json::json!({"id": "missing", "op": "analyze", "input": "in/nothing.wav",
            "output": "out/nothing.json"}),
        serde_json::json!({"id": "broken", "op": "render", "input": "in/broken.mid",
            "output": "out/broken.wav", "soundfont": "builtin"}),
        serde_json::json!({"id": "good-too", "op": "waveform", "input": "in/melody.wav",
            "output": "out/melody.json"}),
    ];
    write_manifest(d, "jobs.jsonl", &jobs);
    let o = rae_in(
        d,
        &[
            "batch",
            "--manifest",
            "jobs.jsonl",
            "--results",
            "res/r.jsonl",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("job 'missing'") && stderr.contains("nothing.wav: file not found"),
        "{stderr}"
    );
    assert!(
        stderr.contains("job 'broken'") && stderr.contains("broken.mid"),
        "{stderr}"
    );
    assert!(stderr.contains("2 of 4 jobs failed"), "{stderr}");
    let recs = records(&d.join("res/r.jsonl"));
    assert_eq!(recs.len(), 4);
    let by_id = |id: &str| recs.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(by_id("good")["status"], "ok");
    assert_eq!(by_id("good-too")["status"], "ok");
    let missing = by_id("missing");
    assert_eq!(missing["status"], "error");
    assert_eq!(missing["error_kind"], "not_found");
    assert!(missing["error"].as_str().unwrap().contains("nothing.wav"));
    assert!(missing["duration_s"].is_null());
    let broken = by_id("broken");
    assert_eq!(broken["status"], "error");
    assert_eq!(broken["error_kind"], "midi");
    assert!(d.join("out/good.wav").is_file() && d.join("out/melody.json").is_file());
    assert!(!d.join("out/broken.wav").exists() && !d.join("out/nothing.json").exists());
}

#[test]
fn outputs_are_written_atomically() {
    let dir = workdir();
    let d = dir.path();
    std::fs::create_dir(d.join("out")).unwrap();
    std::fs::write(d.join("in/broken.mid"), b"MThd\0\0\0\x06\0\x01\0\x02").unwrap();
    std::fs::write(d.join("out/kept.wav"), b"the earlier render").unwrap();
    let jobs = [
        // Fails after the output is named: the earlier file stays as it was.
        serde_json::json!({"id": "fails", "op": "render", "input": "in/broken.mid",
            "output": "out/kept.wav", "soundfont": "builtin", "strict": true}),
        serde_json::json!({"id": "fx", "op": "fx", "input": "in/melody.wav",
            "output": "out/fx.wav", "reverb": "plate", "reverb_mix": 0.2}),
        serde_json::json!({"id": "peaks", "op": "waveform", "input": "in/melody.wav",
            "output": "out/peaks.png", "pitch_contour": true}),
    ];
    write_manifest(d, "jobs.jsonl", &jobs);
    let o = rae_in(d, &["batch", "--manifest", "jobs.jsonl", "--threads", "2"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(read(d.join("out/kept.wav")), b"the earlier render");
    let names: BTreeSet<String> = std::fs::read_dir(d.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["fx.wav", "kept.wav", "peaks.png"].map(String::from).into(),
        "no temporary file is left behind"
    );
    assert_eq!(&read(d.join("out/peaks.png"))[1..4], b"PNG");
    assert_eq!(&read(d.join("out/fx.wav"))[..4], b"RIFF");
}

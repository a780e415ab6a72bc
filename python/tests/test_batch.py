"""run_batch and read_manifest: the engine's batch from Python (the CLI's tests cover the
manifest's ops in depth: crates/cli/tests/batch.rs)."""

import json
import threading
import time
from pathlib import Path

import pytest

import rust_audio_engine as rae

from conftest import audio_file


def write_jobs(path: Path, jobs: list) -> Path:
    path.write_text("".join(json.dumps(j) + "\n" for j in jobs))
    return path


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "demo.mid").write_bytes(rae.demo_midi())
    (tmp_path / "in" / "melody.wav").write_bytes(audio_file("melody_mono_30s.wav").read_bytes())
    return tmp_path


def jobs_for(n: int) -> list:
    return [
        {"id": f"w{i}", "op": "waveform", "input": "in/melody.wav", "output": f"out/w{i}.json",
         "zoom": 256 * (i + 1)}
        for i in range(n)
    ]


def test_records_in_manifest_order_and_the_results_file(work: Path) -> None:
    manifest = write_jobs(work / "jobs.jsonl", [
        {"id": "render", "op": "render", "input": "in/demo.mid", "output": "out/demo.wav",
         "soundfont": "builtin"},
        {"id": "analyze", "op": "analyze", "input": "in/melody.wav", "output": "out/m.json",
         "pitch": "yin"},
        {"id": "missing", "op": "fx", "input": "in/none.wav", "output": "out/none.wav",
         "limit": -1},
    ] + jobs_for(3))
    records = rae.run_batch(manifest, threads=2)
    assert [r["id"] for r in records] == ["render", "analyze", "missing", "w0", "w1", "w2"]
    assert [r["status"] for r in records] == ["ok", "ok", "error", "ok", "ok", "ok"]
    assert records[0]["report"]["soundfont"] == "builtin"
    assert records[2]["error_kind"] == "not_found" and "none.wav" in records[2]["error"]
    assert not list(work.glob("*.results.jsonl")), "no results file unless asked"
    # The analysis is the `rae analyze --json` document, naming the input as the manifest does.
    analysis = json.loads((work / "out" / "m.json").read_text())
    assert analysis["file"] == "in/melody.wav" and len(analysis["notes"]) > 10

    results = work / "r.jsonl"
    first = rae.run_batch(manifest, results=results, ids=["w0", "w1"])
    assert [r["id"] for r in first] == ["w0", "w1"]
    assert len(results.read_text().splitlines()) == 2
    again = rae.run_batch(manifest, results=results, resume=True)
    assert [r["status"] for r in again] == ["ok", "ok", "error", "skipped", "skipped", "ok"]
    assert len(results.read_text().splitlines()) == 2 + 4


def test_shards_partition_and_errors_are_typed(work: Path) -> None:
    manifest = write_jobs(work / "jobs.jsonl", jobs_for(10))
    seen = [r["id"] for i in range(3) for r in rae.run_batch(manifest, shard=(i, 3))]
    assert sorted(seen) == sorted(j["id"] for j in jobs_for(10))
    assert [j["id"] for j in rae.read_manifest(manifest)] == [f"w{i}" for i in range(10)]
    with pytest.raises(ValueError, match="shard 3/3"):
        rae.run_batch(manifest, shard=(3, 3))
    with pytest.raises(ValueError, match="resume needs the results file"):
        rae.run_batch(manifest, resume=True)
    with pytest.raises(ValueError, match="no job has the id 'nope'"):
        rae.run_batch(manifest, ids=["nope"])
    bad = work / "bad.jsonl"
    bad.write_text('{"id": "a", "op": "render", "input": "a.mid", "output": "a.wav"}\n{"id": 1}\n')
    with pytest.raises(rae.ManifestError, match=r"bad.jsonl:2: \"id\" must be a string"):
        rae.read_manifest(bad)
    assert issubclass(rae.ManifestError, rae.AudioEngineError)
    with pytest.raises(FileNotFoundError):
        rae.run_batch(work / "none.jsonl")


def test_gil_released_during_a_batch(work: Path) -> None:
    manifest = write_jobs(work / "jobs.jsonl", [
        {"id": f"r{i}", "op": "render", "input": "in/demo.mid", "output": f"out/r{i}.wav",
         "soundfont": "builtin", "reverb": "church"}
        for i in range(3)
    ])
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    start = time.perf_counter()
    records = rae.run_batch(manifest, threads=1)
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    assert [r["status"] for r in records] == ["ok"] * 3
    # With the GIL held the counter could not run at all during the batch.
    assert elapsed > 0.2
    assert ticks > 0.2 * elapsed * 1000

"""rust_audio_engine.cluster on a real local Ray cluster (`make test-cluster`).

`make test-cluster` runs this inside a network namespace that holds only `lo`
(tools/netns_run.sh), so every Ray process listens on loopback and nothing else can be reached.
A head is started with `ray start --head --block` in its own process group, 2 CPUs and a 200 MB
object store, and stopped (that process group, then any process left with our temp dir in its
command line) whatever happens. The test renders 20 generated MIDI files and analyses the renders
on the cluster, and checks every output is byte-identical to a serial `rae batch --threads 1` run
of the same manifests; it prints both wall times.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

import rust_audio_engine as rae
from rust_audio_engine import cluster

ROOT = Path(__file__).resolve().parents[2]
RAE = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target") / os.environ.get("PROFILE", "ci") / "rae"
RAY = Path(sys.executable).parent / "ray"
CPUS = 2
OBJECT_STORE_BYTES = 200 * 1000 * 1000
SONGS = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _our_processes(marker: str) -> list[int]:
    """Processes whose command line holds `marker` (our cluster's own temp dir)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            pids.append(int(entry))
    return pids


@pytest.fixture(scope="module")
def head() -> Iterator[str]:
    """A Ray head on 127.0.0.1 (its GCS address), stopped at the end."""
    interfaces = sorted(os.listdir("/sys/class/net"))
    assert interfaces == ["lo"], (
        f"run inside a loopback-only network namespace (make test-cluster), not {interfaces}"
    )
    temp = tempfile.mkdtemp(prefix="rae-ray-", dir="/tmp")  # short: Ray's socket paths
    port = _free_port()
    log = open(Path(temp) / "head.log", "w")
    proc = subprocess.Popen(
        [str(RAY), "start", "--head", "--block", "--node-ip-address=127.0.0.1",
         f"--port={port}", f"--num-cpus={CPUS}", "--num-gpus=0",
         f"--object-store-memory={OBJECT_STORE_BYTES}", "--include-dashboard=false",
         "--disable-usage-stats", f"--temp-dir={temp}"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, Path(temp, "head.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the Ray head did not start in 90 s"
                time.sleep(0.5)
        yield address
    finally:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        for pid in _our_processes(temp):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


def _jsonl(path: Path, jobs: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(j) + "\n" for j in jobs))


def _workdir(root: Path) -> Path:
    """The 20 generated songs and the two manifests: renders, then analyses of the renders."""
    root.mkdir()
    subprocess.run(
        [sys.executable, str(ROOT / "tests/data/gen_midi.py"), str(root / "midi"), str(SONGS)],
        check=True,
    )
    songs = sorted(p.stem for p in (root / "midi").glob("*.mid"))
    assert len(songs) == SONGS
    _jsonl(root / "render.jsonl", [
        {"id": s, "op": "render", "input": f"midi/{s}.mid", "output": f"audio/{s}.wav",
         "soundfont": "builtin", "reverb": "room", "waveform": f"peaks/{s}.dat"}
        for s in songs
    ])
    _jsonl(root / "analyze.jsonl", [
        {"id": s, "op": "analyze", "input": f"audio/{s}.wav", "output": f"analysis/{s}.json",
         "onsets": True, "tempo": True, "dynamics": True}
        for s in songs
    ])
    return root


def _outputs(root: Path) -> list[Path]:
    return sorted(
        p.relative_to(root) for d in ("audio", "peaks", "analysis") for p in (root / d).iterdir()
    )


def test_cluster_outputs_are_byte_identical_to_a_serial_batch(
    head: str, tmp_path: Path
) -> None:
    assert RAE.is_file(), f"{RAE} is missing: make test-cluster builds it"
    serial = _workdir(tmp_path / "serial")
    on_ray = _workdir(tmp_path / "ray")

    start = time.perf_counter()
    for manifest in ("render.jsonl", "analyze.jsonl"):
        subprocess.run(
            [str(RAE), "batch", "--manifest", str(serial / manifest), "--threads", "1", "-q"],
            check=True,
        )
    serial_s = time.perf_counter() - start

    import ray  # the [cluster] extra

    ray.init(address=head, logging_level="ERROR", log_to_driver=False)
    try:
        assert ray.cluster_resources().get("CPU") == CPUS
        start = time.perf_counter()
        records = cluster.run_manifest(on_ray / "render.jsonl", chunk_size=4)
        records += cluster.run_manifest(on_ray / "analyze.jsonl", chunk_size=4)
        ray_s = time.perf_counter() - start
    finally:
        ray.shutdown()

    assert [r["status"] for r in records] == ["ok"] * (2 * SONGS), records
    assert [r["id"] for r in records[:SONGS]] == [f"song_{i:02d}" for i in range(SONGS)]
    outputs = _outputs(serial)
    assert len(outputs) == 3 * SONGS and outputs == _outputs(on_ray)
    different = [str(p) for p in outputs if not filecmp.cmp(serial / p, on_ray / p, shallow=False)]
    assert different == [], f"cluster outputs differ from the serial run: {different}"
    written = [json.loads(l) for l in (on_ray / "render.cluster.results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in written] == [r["id"] for r in records[:SONGS]]
    audio_s = sum(float(r["duration_s"]) for r in records[:SONGS])
    print(
        f"\ncluster test: {SONGS} songs ({audio_s:.1f} s of audio) rendered (builtin font, room "
        f"reverb, .dat peaks) and analysed (pitch, notes, onsets, tempo, dynamics); "
        f"{len(outputs)} outputs byte-identical.\n"
        f"  serial `rae batch --threads 1`: {serial_s:.2f} s\n"
        f"  Ray, {CPUS} CPUs, chunks of 4, 1 thread per task: {ray_s:.2f} s "
        f"(cluster already started)"
    )


def test_failures_are_retried_once_and_reported(head: str, tmp_path: Path) -> None:
    root = _workdir(tmp_path / "failing")
    (root / "midi" / "bad.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0")
    _jsonl(root / "mixed.jsonl", [
        {"id": "good", "op": "render", "input": "midi/song_00.mid", "output": "out/good.wav",
         "soundfont": "builtin"},
        {"id": "missing", "op": "render", "input": "midi/none.mid", "output": "out/none.wav",
         "soundfont": "builtin"},
        {"id": "strict", "op": "render", "input": "midi/bad.mid", "output": "out/bad.wav",
         "soundfont": "builtin", "strict": True},
    ])
    results = root / "mixed-results.jsonl"
    code = subprocess.run(
        [sys.executable, "-m", "rust_audio_engine.cluster", "--manifest",
         str(root / "mixed.jsonl"), "--address", head, "--chunk-size", "1",
         "--results", str(results)],
        capture_output=True, text=True, timeout=300,
    )
    assert code.returncode == 1, code.stdout + code.stderr
    assert "job 'missing'" in code.stderr and "none.mid: file not found" in code.stderr
    assert "3 jobs: 1 ok, 2 failed" in code.stdout, code.stdout
    records = [json.loads(l) for l in results.read_text().splitlines()]
    assert [(r["id"], r["status"]) for r in records] == [
        ("good", "ok"), ("missing", "error"), ("strict", "error")
    ]
    assert "attempts" not in records[0]
    assert records[1]["attempts"] == 2 and records[1]["error_kind"] == "not_found"
    assert records[2]["attempts"] == 2
    assert (root / "out" / "good.wav").is_file()

    # A bad manifest is refused before any work reaches the cluster.
    (root / "bad.jsonl").write_text('{"id": "x", "op": "render"}\n')
    with pytest.raises(rae.ManifestError, match=r"bad.jsonl:1: \"input\" is missing"):
        cluster.run_manifest(root / "bad.jsonl", address=head)

"""Run a batch manifest (the one ``rae batch`` reads) on a Ray cluster.

One Ray task runs each chunk of jobs through :func:`rust_audio_engine.run_batch` on a worker, with
the engine limited to ``threads_per_worker`` threads (the task also reserves that many CPUs). A
task that fails (a worker lost, an exception) is retried once by Ray; a job whose record says
``error`` is run once more in a second round. The records come back in manifest order, are
written to the results file and returned.

Every node must have this package installed (the same version) and see the manifest, the inputs
and the outputs at the same paths (a shared filesystem): a worker opens the manifest by the
absolute path the driver gives it, and relative paths in it resolve against its directory.

Ray is an optional extra: ``pip install "rust-audio-engine[cluster]"``. From the command line::

    python -m rust_audio_engine.cluster --manifest jobs.jsonl --address auto
    python -m rust_audio_engine.cluster --manifest jobs.jsonl --address ray://head:10001
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
from typing import Any, Optional, Sequence, Union

from ._native import read_manifest, run_batch

__all__ = ["run_manifest", "main"]

_PathLike = Union[str, "os.PathLike[str]"]


def _ray() -> Any:
    try:
        return importlib.import_module("ray")
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            'rust_audio_engine.cluster needs Ray: pip install "rust-audio-engine[cluster]"'
        ) from e


def _run_chunk(manifest: str, ids: list[str], threads: int) -> list[dict[str, object]]:
    """The Ray task: the jobs `ids` of `manifest`, on at most `threads` engine threads."""
    return run_batch(manifest, ids=ids, threads=threads)


def _failed_records(
    jobs: dict[str, dict[str, object]], ids: Sequence[str], message: str
) -> list[dict[str, object]]:
    """Error records for jobs whose task failed (so no record came back from a worker)."""
    return [
        {
            "id": i,
            "op": jobs[i]["op"],
            "status": "error",
            "input": jobs[i]["input"],
            "output": jobs[i]["output"],
            "error": message,
            "error_kind": "task",
            "duration_s": None,
            "peak_dbfs": None,
            "work_s": None,
            "elapsed_s": 0.0,
            "report": None,
        }
        for i in ids
    ]


def _write_jsonl(path: str, records: Sequence[dict[str, object]]) -> None:
    """Writes `records` as JSON lines atomically (a temporary file renamed over `path`)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".rae-", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def default_results_path(manifest: _PathLike) -> str:
    """Where `run_manifest` writes its records unless told: beside the manifest,
    ``<stem>.cluster.results.jsonl``."""
    path = os.path.abspath(os.fspath(manifest))
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(os.path.dirname(path), f"{stem}.cluster.results.jsonl")


def run_manifest(
    manifest: _PathLike,
    *,
    address: Optional[str] = None,
    chunk_size: int = 8,
    threads_per_worker: int = 1,
    results: Optional[_PathLike] = None,
    retry_failed_jobs: bool = True,
    ray_init_kwargs: Optional[dict[str, Any]] = None,
) -> list[dict[str, object]]:
    """Runs every job of `manifest` on a Ray cluster and returns their records in manifest order.

    - ``address``: ``None`` joins the cluster of this process when Ray is already initialised,
      else starts a local one; ``"auto"`` joins the cluster started on this machine with
      ``ray start``; ``"ray://host:10001"`` reaches a remote one through Ray Client; any other
      ``host:port`` is a head's GCS address.
    - ``chunk_size``: jobs per Ray task (at least 1). Larger chunks pay less per task; smaller
      ones spread better.
    - ``threads_per_worker``: CPUs each task reserves and the engine threads it may use.
    - ``results``: the JSON lines file the records are written to (atomically, at the end);
      default ``<manifest stem>.cluster.results.jsonl`` beside the manifest.
    - ``retry_failed_jobs``: run the jobs whose record says ``error`` once more; their records
      then carry ``"attempts": 2``.

    The manifest is read and checked here first, so a bad line raises
    :class:`rust_audio_engine.ManifestError` before any work is sent.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    if threads_per_worker < 1:
        raise ValueError(f"threads_per_worker must be at least 1, not {threads_per_worker}")
    path = os.path.abspath(os.fspath(manifest))
    jobs = {str(j["id"]): j for j in read_manifest(path)}
    ids = list(jobs)
    ray = _ray()
    own = not ray.is_initialized()
    if own:
        ray.init(address=address, **(ray_init_kwargs or {}))
    try:
        task = ray.remote(
            num_cpus=threads_per_worker, max_retries=1, retry_exceptions=True
        )(_run_chunk)

        def run_round(round_ids: list[str]) -> dict[str, dict[str, object]]:
            chunks = [round_ids[i : i + chunk_size] for i in range(0, len(round_ids), chunk_size)]
            refs = [task.remote(path, chunk, threads_per_worker) for chunk in chunks]
            out: dict[str, dict[str, object]] = {}
            for chunk, ref in zip(chunks, refs):
                try:
                    records = ray.get(ref)
                except Exception as e:  # the task failed twice: its jobs are reported failed
                    records = _failed_records(jobs, chunk, f"Ray task failed twice: {e}")
                for r in records:
                    out[str(r["id"])] = r
            return out

        by_id = run_round(ids)
        failed = [i for i in ids if by_id[i]["status"] == "error"]
        if retry_failed_jobs and failed:
            again = run_round(failed)
            for i in failed:
                again[i]["attempts"] = 2
                by_id[i] = again[i]
    finally:
        if own:
            ray.shutdown()
    records = [by_id[i] for i in ids]
    _write_jsonl(os.fspath(results) if results is not None else default_results_path(path), records)
    return records


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m rust_audio_engine.cluster``: exit status 0 when every job is ok, 1 when any
    failed, 2 for bad usage."""
    p = argparse.ArgumentParser(
        prog="python -m rust_audio_engine.cluster",
        description="Run a rae batch manifest on a Ray cluster.",
    )
    p.add_argument("--manifest", required=True, help="the manifest (JSON lines, see docs/batch.md)")
    p.add_argument(
        "--address",
        default=None,
        help="auto (the cluster `ray start` began on this machine), ray://HOST:10001 (Ray "
        "Client) or HOST:PORT (a head's GCS); default: a new local cluster",
    )
    p.add_argument("--chunk-size", type=int, default=8, help="jobs per Ray task (default 8)")
    p.add_argument(
        "--threads-per-worker", type=int, default=1, help="CPUs and engine threads per task"
    )
    p.add_argument("--results", default=None, help="the results file (JSON lines)")
    p.add_argument("--no-retry", action="store_true", help="do not run failed jobs again")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the failures")
    args = p.parse_args(argv)
    start = time.perf_counter()
    records = run_manifest(
        args.manifest,
        address=args.address,
        chunk_size=args.chunk_size,
        threads_per_worker=args.threads_per_worker,
        results=args.results,
        retry_failed_jobs=not args.no_retry,
    )
    failed = [r for r in records if r["status"] == "error"]
    for r in failed:
        print(f"rae cluster: error: job '{r['id']}': {r['error']}", file=sys.stderr)
    if not args.quiet:
        print(
            f"{args.manifest}: {len(records)} jobs: {len(records) - len(failed)} ok, "
            f"{len(failed)} failed, in {time.perf_counter() - start:.2f} s; results in "
            f"{args.results or default_results_path(args.manifest)}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

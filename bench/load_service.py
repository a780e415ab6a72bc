"""The service under load, on loopback only, bounded in time (`make bench-load`).

A `rae-server` process (python -m rust_audio_engine.server) on a free 127.0.0.1 port, with the
lesson folder holding the test MIDI files and FluidR3_GM as the only SoundFont used, serves three
phases driven from this process (httpx, websockets):

1. 50 concurrent render clients, each sending `--requests` renders in turn, cycling over the demo
   lesson (by id) and the three test MIDI files (uploads): zero errors expected. Aggregate
   throughput is compared with this machine's ceiling: the server's CPU time per job measured
   with a single client (each job once), times the jobs, divided by the cores. Also p50/p99
   latency, the SoundFont cache (one font), the server's peak RSS.
2. 200 concurrent clients, one render each, all at once: the queue bound (workers + queue_size)
   admits some and answers the rest 503 with Retry-After at once; no other status, no timeout,
   and the server is healthy afterwards.
3. 100 concurrent live streams at real-time pace in 20 ms chunks (`--live-s` seconds of a
   rendered melody each): event latency from the send of the chunk holding an event's time to
   the event's arrival (p50/p99; the issue's bound is the analyser's latency + 20 ms), events
   per stream against the engine's own StreamingAnalyzer on the same samples (none dropped),
   and CPU use of the server and of this client process.

The machine is usually shared: the header records the load average, and results from a noisy
machine say so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import websockets

import rust_audio_engine as rae

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = Path(os.environ.get("RAE_TESTDATA", ROOT / "target" / "testdata"))
FONT_DIR = Path("/usr/share/sounds/sf2")
FONT = "FluidR3_GM.sf2"
MIDI_FILES = ["gm_meltysynth_demo.mid", "piano_prokofiev_etude_op2no1.mid",
              "voice_piano_pedal_m21test03.mid"]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of process `pid` (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return float(np.percentile(np.asarray(values), q))


def smf(notes: list[tuple[int, int, int]], tpq: int = 480, bpm: float = 100.0) -> bytes:
    """A type-0 MIDI file of (start_tick, length_ticks, key) piano notes."""
    events = []
    for start, length, key in notes:
        events.append((start, 1, bytes([0x90, key, 80])))
        events.append((start + length, 0, bytes([0x80, key, 0])))
    events.sort()
    tempo = round(60_000_000 / bpm).to_bytes(3, "big")
    track, now = bytearray(b"\x00\xff\x51\x03" + tempo + b"\x00\xc0\x00"), 0
    for tick, _, data in events:
        delta, now = tick - now, tick
        vlq = [delta & 0x7F]
        while delta > 0x7F:
            delta >>= 7
            vlq.insert(0, (delta & 0x7F) | 0x80)
        track += bytes(vlq) + data
    track += b"\x00\xff\x2f\x00"
    header = b"MThd" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big") + (1).to_bytes(2, "big")
    return header + tpq.to_bytes(2, "big") + b"MTrk" + len(track).to_bytes(4, "big") + bytes(track)


class Server:
    def __init__(self, work: Path, workers: int, queue_size: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAE_SERVER_")}
        env.update({"RAE_SERVER_LESSON_DIR": str(TESTDATA / "midi"),
                    "RAE_SERVER_SOUNDFONT_DIR": str(FONT_DIR),
                    "RAE_SERVER_DEFAULT_SOUNDFONT": FONT,
                    "RAE_SERVER_TEMP_DIR": str(work),
                    "RAE_SERVER_WORKERS": str(workers),
                    "RAE_SERVER_LIVE_WORKERS": str(workers),
                    "RAE_SERVER_QUEUE_SIZE": str(queue_size),
                    "RAE_SERVER_REQUEST_TIMEOUT_S": "300",
                    "RAE_SERVER_LIVE_SEND_QUEUE": "5000"})
        self.log = open(work / "server.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rust_audio_engine.server", "--port", str(self.port),
             "--log-level", "warning"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited: {(work / 'server.log').read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start in 60 s")
            time.sleep(0.1)

    def health(self) -> dict[str, Any]:
        return dict(httpx.get(self.url + "/healthz", timeout=30).json())

    def cpu(self) -> float:
        return cpu_s(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def jobs() -> list[tuple[str, dict[str, Any]]]:
    """The render jobs: the demo lesson by id, then the test MIDI files as uploads."""
    out: list[tuple[str, dict[str, Any]]] = [("lesson demo", {"params": {"lesson": "demo"}})]
    for name in MIDI_FILES:
        data = (TESTDATA / "midi" / name).read_bytes()
        out.append((name, {"content": data, "headers": {"content-type": "audio/midi"}}))
    return out


async def render(client: httpx.AsyncClient, job: dict[str, Any]) -> tuple[int, float, int]:
    params = {"soundfont": FONT, **job.get("params", {})}
    t = time.perf_counter()
    r = await client.post("/v1/render", params=params, content=job.get("content"),
                          headers=job.get("headers"))
    return r.status_code, time.perf_counter() - t, len(r.content)


async def phase_single(server: Server, log: list[str]) -> float:
    """Each job once, one client: the server's CPU seconds per job (mean)."""
    per: list[float] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=300) as c:
        for name, job in jobs():
            await render(c, job)                                  # warm (font load, caches)
            c0 = server.cpu()
            status, wall, size = await render(c, job)
            used = server.cpu() - c0
            assert status == 200, (name, status)
            per.append(used)
            log.append(f"  single client: {name}: {wall:.3f} s wall, {used:.3f} s server CPU, "
                       f"{size / 1e6:.1f} MB of WAV")
    return statistics.mean(per)


async def phase_50(server: Server, clients: int, requests: int, cores: int, cpu_per_job: float,
                   log: list[str]) -> None:
    todo = jobs()
    statuses: list[int] = []
    latencies: list[float] = []
    errors: list[str] = []
    peak_fonts = 0

    async def client(i: int, c: httpx.AsyncClient) -> None:
        for k in range(requests):
            _, job = todo[(i + k) % len(todo)]
            try:
                status, wall, _ = await render(c, job)
            except httpx.HTTPError as e:
                errors.append(f"{type(e).__name__}: {e}")
                continue
            statuses.append(status)
            latencies.append(wall)

    async def watch() -> None:
        nonlocal peak_fonts
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
            while True:
                h = (await c.get("/healthz")).json()
                peak_fonts = max(peak_fonts, h["soundfont_cache"]["fonts"])
                await asyncio.sleep(0.5)

    limits = httpx.Limits(max_connections=clients + 10)
    async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as c:
        w = asyncio.ensure_future(watch())
        c0, me0, t0 = server.cpu(), time.process_time(), time.perf_counter()
        await asyncio.gather(*[client(i, c) for i in range(clients)])
        wall = time.perf_counter() - t0
        server_cpu, my_cpu = server.cpu() - c0, time.process_time() - me0
        w.cancel()
    n = len(statuses)
    ok = statuses.count(200)
    ideal = cpu_per_job * n / cores
    h = server.health()
    log += [
        f"  requests: {n} ({clients} clients x {requests}), 200: {ok}, other statuses: "
        f"{sorted(set(statuses) - {200})}, transport errors: {len(errors)}",
        f"  wall {wall:.1f} s; ceiling (single-client server CPU per job {cpu_per_job:.3f} s x "
        f"{n} jobs / {cores} cores) {ideal:.1f} s: throughput {n / wall:.2f} jobs/s = "
        f"{ideal / wall * 100:.0f}% of the ceiling ({cores / cpu_per_job:.2f} jobs/s)",
        f"  latency p50 {pct(latencies, 50):.2f} s, p99 {pct(latencies, 99):.2f} s, "
        f"max {max(latencies):.2f} s",
        f"  CPU: server {server_cpu:.1f} s ({server_cpu / wall * 100:.0f}% of one core), "
        f"this client {my_cpu:.1f} s ({my_cpu / wall * 100:.0f}%); server CPU per job under "
        f"load {server_cpu / max(n, 1):.3f} s",
        f"  SoundFont cache: at most {peak_fonts} font(s) during the phase, now "
        f"{h['soundfont_cache']['fonts']} ({h['soundfont_cache']['bytes'] / 1e6:.0f} MB); "
        f"server peak RSS {peak_rss_mb(server.proc.pid):.0f} MB",
    ]
    if errors:
        log.append(f"  first error: {errors[0]}")


async def phase_200(server: Server, clients: int, log: list[str]) -> None:
    job = jobs()[0][1]                       # the demo lesson
    results: list[tuple[int, float, str]] = []
    errors: list[str] = []

    async def one(c: httpx.AsyncClient) -> None:
        t = time.perf_counter()
        try:
            r = await c.post("/v1/render", params={"soundfont": FONT, **job["params"]})
            results.append((r.status_code, time.perf_counter() - t,
                            r.headers.get("retry-after", "")))
        except httpx.HTTPError as e:
            errors.append(f"{type(e).__name__}: {e}")

    limits = httpx.Limits(max_connections=clients + 10)
    async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as c:
        t0 = time.perf_counter()
        await asyncio.gather(*[one(c) for _ in range(clients)])
        wall = time.perf_counter() - t0
    by: dict[int, list[float]] = {}
    for status, lat, _ in results:
        by.setdefault(status, []).append(lat)
    refused = by.get(503, [])
    retry = sorted({ra for s, _, ra in results if s == 503})
    h = server.health()
    async with httpx.AsyncClient(base_url=server.url, timeout=300) as c:
        after = await render(c, job)
    log += [
        f"  {clients} clients at once: " + ", ".join(
            f"{s}: {len(v)}" for s, v in sorted(by.items())) + f"; transport errors/timeouts: "
        f"{len(errors)}; wall {wall:.1f} s",
        f"  503 latency p50 {pct(refused, 50) * 1000:.0f} ms, p99 {pct(refused, 99) * 1000:.0f} ms"
        f" (Retry-After values {retry[:5]}); 200 latency p50 {pct(by.get(200, []), 50):.2f} s, "
        f"p99 {pct(by.get(200, []), 99):.2f} s",
        f"  afterwards: /healthz {h['status']}, queue {h['queue_depth']}, in flight "
        f"{h['in_flight']}; a new render answered {after[0]} in {after[1]:.2f} s",
    ]


async def phase_live(server: Server, streams: int, seconds: float, batch: bool,
                     log: list[str]) -> None:
    # The melody rendered by the service, looped to `seconds`, mono float32 at 48 kHz.
    melody = smf([(i * 480, 400, k) for i, k in enumerate([60, 62, 64, 65, 67, 69, 71, 72])])
    async with httpx.AsyncClient(base_url=server.url, timeout=300) as c:
        r = await c.post("/v1/render", content=melody, params={"sample_rate": 48000,
                                                               "soundfont": FONT})
    audio, sr = rae.load_audio(r.content)
    mono = np.tile(audio.mean(axis=0), int(np.ceil(seconds * sr / audio.shape[1])))
    mono = mono[: int(seconds * sr)].astype("<f4")
    chunk = sr // 50
    ref = rae.StreamingAnalyzer(sr)
    expected = len(ref.process(mono)) + len(ref.flush())
    latency_s = ref.latency_s
    lat: list[float] = []
    overhead: list[float] = []
    counts: list[int] = []
    failures: list[str] = []
    late_sends: list[float] = []

    async def stream(i: int) -> None:
        try:
            async with websockets.connect(server.url.replace("http", "ws") + "/v1/live",
                                          max_queue=None) as ws:
                await ws.send(json.dumps({"type": "start", "sample_rate": sr, "batch": batch}))
                assert json.loads(await ws.recv())["type"] == "ready"
                sent_at: list[float] = []
                got = 0
                stopping = False
                done = asyncio.get_running_loop().create_future()

                async def reader() -> None:
                    try:
                        async for m in ws:
                            now = time.perf_counter()
                            doc = json.loads(m)
                            for e in doc if isinstance(doc, list) else [doc]:
                                if handle(e, now):
                                    return
                    except websockets.ConnectionClosed as e:
                        if not done.done():
                            done.set_exception(e)

                def handle(e: dict[str, Any], now: float) -> bool:
                    nonlocal got
                    kind = e["type"]
                    if kind == "end":
                        done.set_result(None)
                        return True
                    if kind == "error":
                        failures.append(f"stream {i}: {e}")
                        return False
                    if kind == "level":
                        return False
                    got += 1
                    if e["type"] == "note_end" and stopping:   # made by the flush
                        return False
                    t = float(e["time_s"])
                    k = min(int(t * sr) // chunk, len(sent_at) - 1)
                    if k < 0:
                        return False
                    # When the sample at t existed, live: the send of its chunk less the
                    # rest of that chunk.
                    lat.append(now - (sent_at[k] - ((k + 1) * chunk / sr - t)))
                    k2 = min(int((t + latency_s) * sr) // chunk, len(sent_at) - 1)
                    overhead.append(now - sent_at[k2])
                    return False

                rx = asyncio.ensure_future(reader())
                await asyncio.sleep(i * 0.02 / streams * 10)    # spread the streams' phases
                t0 = time.perf_counter()
                for k, start in enumerate(range(0, len(mono), chunk)):
                    due = t0 + (k + 1) * chunk / sr           # the chunk's last sample, live
                    wait = due - time.perf_counter()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    else:
                        late_sends.append(-wait)
                    sent_at.append(time.perf_counter())
                    await ws.send(mono[start:start + chunk].tobytes())
                stopping = True
                await ws.send(json.dumps({"type": "stop"}))
                await asyncio.wait_for(done, seconds + 30)
                await rx
                counts.append(got)
        except Exception as e:  # reported, not raised: the phase reports every stream
            failures.append(f"stream {i}: {type(e).__name__}: {e}")

    c0, me0, t0 = server.cpu(), time.process_time(), time.perf_counter()
    await asyncio.gather(*[stream(i) for i in range(streams)])
    wall = time.perf_counter() - t0
    server_cpu, my_cpu = server.cpu() - c0, time.process_time() - me0
    bound = latency_s + 0.020
    p99 = pct(lat, 99)
    short = [c for c in counts if c != expected]
    failed = {f.split(":", 1)[0] for f in failures}          # streams, not messages
    log += [
        f"  {streams} streams x {seconds:g} s (melody at 48 kHz, f32le, 20 ms chunks, real-time "
        f"pace, {'batch: one message per frame' if batch else 'one message per event'}); finished: {len(counts)}, failed: {len(failed)}",
        f"  events per stream (pitch, onset, note_start, note_end): expected {expected} (the "
        f"engine's StreamingAnalyzer on the same samples); streams with another count: "
        f"{len(short)}" + (f" (e.g. {short[:3]})" if short else ""),
        f"  event latency, from the moment the sample at the event's time existed (real-time "
        f"pace) to the event's arrival: p50 {pct(lat, 50) * 1000:.1f} ms, p99 "
        f"{p99 * 1000:.1f} ms, max {max(lat) * 1000:.1f} ms over {len(lat)} events; bound "
        f"(analyser latency {latency_s * 1000:.1f} ms + 20 ms) {bound * 1000:.1f} ms: "
        f"{'met' if p99 <= bound else 'NOT met'} (the 20 ms chunking alone adds 0-20 ms: an "
        f"event waits for the chunk holding its time + the analyser latency)",
        f"  the service's share: arrival less the send of the chunk that completed the "
        f"analyser's window (time + {latency_s * 1000:.1f} ms): p50 "
        f"{pct(overhead, 50) * 1000:.1f} ms, p99 {pct(overhead, 99) * 1000:.1f} ms: "
        f"{'within' if pct(overhead, 99) <= 0.020 else 'OVER'} the 20 ms the bound allows",
        f"  sends behind schedule (this client could not keep pace): {len(late_sends)} of "
        f"{streams * int(np.ceil(len(mono) / chunk))}, p99 {pct(late_sends, 99) * 1000:.1f} ms",
        f"  CPU over {wall:.1f} s: server {server_cpu:.1f} s ({server_cpu / wall * 100:.0f}% of "
        f"one core), this client {my_cpu:.1f} s ({my_cpu / wall * 100:.0f}%); server peak RSS "
        f"{peak_rss_mb(server.proc.pid):.0f} MB",
    ]
    if failures:
        log.append(f"  first failure: {failures[0]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=2, help="renders per client in phase 1")
    ap.add_argument("--burst", type=int, default=200)
    ap.add_argument("--streams", default="30,100",
                    help="live phases: stream counts, one event per message; the last also batched")
    ap.add_argument("--live-s", type=float, default=10.0)
    ap.add_argument("--queue-size", type=int, default=64)
    ap.add_argument("--phases", default="50,200,live")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    for name in MIDI_FILES:
        assert (TESTDATA / "midi" / name).exists(), f"{name} missing: run `make testdata`"
    assert (FONT_DIR / FONT).exists(), f"{FONT_DIR / FONT} missing: `make test` installs it"
    cpu_model = next((line.split(":", 1)[1].strip() for line in
                      Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), platform.processor())
    log = [
        f"# bench/load_service.py, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"# machine: {cpu_model}, {cores} cores; load average before: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared with other work: noisy)",
        f"# engine {rae.__version__}, wheel profile {os.environ.get('RAE_BUILD_PROFILE', '?')}; "
        f"server: {cores} workers (1 render thread each), queue {args.queue_size}, "
        f"{cores} live workers, SoundFont {FONT}; loopback only; client and server share the "
        f"machine",
    ]
    with tempfile.TemporaryDirectory(prefix="rae-load-") as tmp:
        server = Server(Path(tmp), cores, args.queue_size)
        deadline = time.monotonic() + 900
        try:
            phases = args.phases.split(",")
            if "50" in phases:
                log.append(f"\n## {args.clients} concurrent render clients")
                per_job = asyncio.run(phase_single(server, log))
                asyncio.run(phase_50(server, args.clients, args.requests, cores, per_job, log))
            if "200" in phases and time.monotonic() < deadline:
                log.append(f"\n## {args.burst} concurrent clients (admission: {cores} workers + "
                           f"{args.queue_size} queued)")
                asyncio.run(phase_200(server, args.burst, log))
            counts = [int(n) for n in args.streams.split(",")]
            runs = [(n, False) for n in counts] + [(counts[-1], True)]
            for n, batch in runs:
                if "live" in phases and time.monotonic() < deadline:
                    log.append(f"\n## {n} concurrent live streams, "
                               f"{'batched' if batch else 'one event per message'}")
                    asyncio.run(phase_live(server, n, args.live_s, batch, log))
            log.append(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        finally:
            server.stop()
    text = "\n".join(log) + "\n"
    print(text, end="")
    if args.out:
        tmp_out = args.out.with_suffix(".tmp")
        tmp_out.write_text(text)
        os.replace(tmp_out, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

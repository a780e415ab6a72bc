"""The service's counters, gauges and latency histograms, written as Prometheus text (version
0.0.4) without a client library. Everything here is touched from the event loop only, except
where a lock says otherwise."""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from typing import Callable, Iterable

# Seconds; renders of whole songs take seconds, analysis calls milliseconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LIVE_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0)


class Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.count = 0
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.count += 1
        self.total += value
        for i, b in enumerate(self.buckets):
            if value <= b:
                self.counts[i] += 1

    def lines(self, name: str, labels: str) -> Iterable[str]:
        sep = "," if labels else ""
        for b, c in zip(self.buckets, self.counts):
            yield f'{name}_bucket{{{labels}{sep}le="{b}"}} {c}'
        yield f'{name}_bucket{{{labels}{sep}le="+Inf"}} {self.count}'
        brace = f"{{{labels}}}" if labels else ""
        yield f"{name}_sum{brace} {self.total:.6f}"
        yield f"{name}_count{brace} {self.count}"


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency: dict[str, Histogram] = {}
        self.rejected = 0
        self.cancelled = 0
        self.timeouts = 0
        self.jobs_started = 0
        self.jobs_finished = 0
        self.lesson_cache_hits = 0
        self.lesson_cache_misses = 0
        self.live_streams = 0
        self.live_events = 0
        self.live_dropped: dict[str, int] = defaultdict(int)
        self.live_process = Histogram(LIVE_BUCKETS)
        # Filled in by the app: gauges read when scraped.
        self.gauges: dict[str, tuple[str, Callable[[], float]]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests[(method, route, status)] += 1
        self.latency.setdefault(route, Histogram(LATENCY_BUCKETS)).observe(seconds)

    def job_started(self) -> None:
        with self._lock:
            self.jobs_started += 1

    def job_finished(self) -> None:
        with self._lock:
            self.jobs_finished += 1

    def render(self) -> str:
        out: list[str] = []

        def metric(name: str, kind: str, help_: str, samples: Iterable[str]) -> None:
            out.append(f"# HELP {name} {help_}")
            out.append(f"# TYPE {name} {kind}")
            out.extend(samples)

        for name, (help_, read) in sorted(self.gauges.items()):
            v = read()
            metric(name, "gauge", help_, [f"{name} {v:g}" if math.isfinite(v) else f"{name} NaN"])
        metric("rae_http_requests_total", "counter", "HTTP requests answered, by route and status",
               [f'rae_http_requests_total{{method="{m}",route="{r}",status="{s}"}} {n}'
                for (m, r, s), n in sorted(self.requests.items())])
        hist: list[str] = []
        for route, h in sorted(self.latency.items()):
            hist.extend(h.lines("rae_http_request_duration_seconds", f'route="{route}"'))
        metric("rae_http_request_duration_seconds", "histogram",
               "Time from request to the end of the response, by route", hist)
        simple = [
            ("rae_rejected_total", "Requests refused with 503 because the queue was full", self.rejected),
            ("rae_cancelled_total", "Requests whose client went away before their answer", self.cancelled),
            ("rae_timeouts_total", "Requests over the time limit", self.timeouts),
            ("rae_jobs_started_total", "Engine calls started on the worker pool", self.jobs_started),
            ("rae_jobs_finished_total", "Engine calls finished on the worker pool", self.jobs_finished),
            ("rae_lesson_cache_hits_total", "Lesson renders and peaks served from the cache", self.lesson_cache_hits),
            ("rae_lesson_cache_misses_total", "Lesson renders and peaks made on request", self.lesson_cache_misses),
            ("rae_live_events_total", "Live-analysis events sent", self.live_events),
        ]
        for name, help_, v in simple:
            metric(name, "counter", help_, [f"{name} {v}"])
        metric("rae_live_streams", "gauge", "Open live-analysis streams", [f"rae_live_streams {self.live_streams}"])
        metric("rae_live_dropped_total", "counter", "Live streams closed by the server, by reason",
               [f'rae_live_dropped_total{{reason="{r}"}} {n}' for r, n in sorted(self.live_dropped.items())])
        metric("rae_live_chunk_seconds", "histogram", "Analyser time per received chunk",
               list(self.live_process.lines("rae_live_chunk_seconds", "")))
        return "\n".join(out) + "\n"

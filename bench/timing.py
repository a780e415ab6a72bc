"""Timing helpers shared by the benchmarks: paired runs that alternate between the two sides
(so a slow moment of a shared machine hits both), reported as medians with their ranges, never
best cases."""
from __future__ import annotations

import statistics
import time
from typing import Callable


def timed(f: Callable[[], object]) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def paired(ours: Callable[[], object], theirs: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """`runs` timings of each, alternating, after one warm-up call of each."""
    ours()
    theirs()
    a, b = [], []
    for _ in range(runs):
        a.append(timed(ours))
        b.append(timed(theirs))
    return a, b


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def ratio_range(ours: list[float], theirs: list[float]) -> tuple[float, float, float]:
    """Median, lowest and highest of the per-run ratios theirs / ours (> 1: ours faster)."""
    r = [t / o for o, t in zip(ours, theirs)]
    return statistics.median(r), min(r), max(r)


def fmt_ratio(ours: list[float], theirs: list[float]) -> str:
    m, lo, hi = ratio_range(ours, theirs)
    return f"{m:5.2f}x ({lo:.2f}-{hi:.2f})"

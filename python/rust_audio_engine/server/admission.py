"""Admission control and the worker pool: engine calls run on a fixed set of threads (the engine
releases the GIL, so they run in parallel and the event loop stays free); at most `workers +
queue_size` calls are admitted at once, and one more is refused at once with `Overloaded` (503
and Retry-After) rather than left to time out. A call whose request is cancelled (the client went
away, or the time limit passed) is dropped if it has not started; one already running finishes on
its thread (the engine cannot be interrupted) and still holds its slot until then, so the pool
never runs more than `workers` calls and abandoned work cannot pile up."""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import threading
import time
from typing import Any, Callable, Optional, TypeVar

from .metrics import Metrics

T = TypeVar("T")


class Overloaded(Exception):
    """The admission queue is full; `retry_after_s` estimates when a slot frees."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the server is busy; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


class TimedOut(Exception):
    def __init__(self, limit_s: float) -> None:
        super().__init__(f"the request took longer than the server's limit of {limit_s:g} s")
        self.limit_s = limit_s


class _Once:
    """Calls `fn` at most once, from whichever thread comes first."""

    def __init__(self, fn: Optional[Callable[[], None]]) -> None:
        self._fn = fn
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            fn, self._fn = self._fn, None
        if fn is not None:
            fn()


class Pool:
    def __init__(self, workers: int, queue_size: int, metrics: Metrics) -> None:
        self.workers = workers
        self.capacity = workers + queue_size
        self.metrics = metrics
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="rae-engine")
        self._lock = threading.Lock()
        self._admitted = 0  # queued + running
        self._running = 0
        # Mean seconds per call (exponential), for Retry-After.
        self._mean_s = 1.0

    @property
    def queued(self) -> int:
        with self._lock:
            return self._admitted - self._running

    @property
    def running(self) -> int:
        with self._lock:
            return self._running

    def retry_after(self) -> int:
        with self._lock:
            waiting = self._admitted
        return max(1, math.ceil(waiting * self._mean_s / self.workers))

    def check(self) -> None:
        """Raises Overloaded when no slot is free (a cheap early answer before a body is read;
        `submit` checks again)."""
        with self._lock:
            full = self._admitted >= self.capacity
        if full:
            self.metrics.rejected += 1
            raise Overloaded(self.retry_after())

    def submit(self, fn: Callable[[], T],
               on_end: Optional[Callable[[], None]] = None) -> "concurrent.futures.Future[T]":
        """Admits `fn` or raises Overloaded. The slot is released when the call ends or is
        cancelled before it starts. `on_end` (say, removing the call's files) runs once, when
        the call has ended or was cancelled, before the call stops counting as running or
        admitted: once the pool reports nothing in flight, every `on_end` has run."""
        once = _Once(on_end)
        with self._lock:
            if self._admitted >= self.capacity:
                full = True
            else:
                full = False
                self._admitted += 1
        if full:
            self.metrics.rejected += 1
            raise Overloaded(self.retry_after())

        def call() -> T:
            with self._lock:
                self._running += 1
            self.metrics.job_started()
            start = time.perf_counter()
            try:
                return fn()
            finally:
                once()
                elapsed = time.perf_counter() - start
                with self._lock:
                    self._running -= 1
                    self._mean_s = 0.8 * self._mean_s + 0.2 * elapsed
                self.metrics.job_finished()

        def release(_: "concurrent.futures.Future[Any]") -> None:
            once()  # a call cancelled before it started
            with self._lock:
                self._admitted -= 1

        cf = self._executor.submit(call)
        cf.add_done_callback(release)
        return cf

    async def run(self, fn: Callable[[], T], timeout_s: float,
                  disconnected: Optional["asyncio.Future[None]"] = None,
                  hold: Optional[Callable[[], Callable[[], None]]] = None) -> T:
        """Runs `fn` on the pool and waits for it at most `timeout_s`; when `disconnected`
        completes first (the client went away), the call is cancelled and CancelledError
        raised. `hold`, called before the call is admitted, returns what to run when the call
        ends (to keep its files until then)."""
        cf = self.submit(fn, hold() if hold is not None else None)
        fut = asyncio.wrap_future(cf)
        waiters: set[asyncio.Future[object]] = {fut}  # type: ignore[arg-type]
        if disconnected is not None:
            waiters.add(disconnected)  # type: ignore[arg-type]
        done, _ = await asyncio.wait(waiters, timeout=timeout_s,
                                     return_when=asyncio.FIRST_COMPLETED)
        if fut in done:
            return fut.result()
        cf.cancel()
        fut.cancel()
        if disconnected is not None and disconnected in done:
            self.metrics.cancelled += 1
            raise asyncio.CancelledError("client disconnected")
        self.metrics.timeouts += 1
        raise TimedOut(timeout_s)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

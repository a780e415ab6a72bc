"""`WS /v1/live`: live analysis of a performance with the engine's StreamingAnalyzer.

Protocol (docs/server.md): the client sends a JSON `start` message (`sample_rate`, `format`
`f32le` or `s16le`, `channels`, optional `lesson` id), then binary frames of at most 100 ms
(10-100 ms expected), then `{"type": "stop"}`, which flushes. With a lesson the stream is
also followed against it (the engine's ScoreFollower): `position`, `verdict` and `extra` events. `"batch": true` in the start
message asks for one JSON array of events per analysed frame instead of one message per event
(five times fewer messages for both ends). The server answers `ready`, then the
analyser's events as JSON objects (`pitch`, `note_start`, `note_end`, `onset`) and a `level`
event per frame, then `end`. Memory is bounded both ways: a client more than `live_max_ahead_s`
of audio ahead of real time is sent an `overrun` error and disconnected, and a client that does
not read its events fast enough (more than `live_send_queue` waiting) is disconnected."""

from __future__ import annotations

import asyncio
import json
import math
import time
from typing import TYPE_CHECKING, Any, Optional

import numpy as np
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

import rust_audio_engine as rae

if TYPE_CHECKING:
    from .app import State

MAX_FRAME_S = 0.1
LEVELS = ("beginner", "intermediate", "advanced")
# Position events (with a lesson) at most this often, besides the one after each note.
POSITION_EVERY_S = 0.05
START_TIMEOUT_S = 10.0
_STOP = object()


class Closing(Exception):
    """Ends a stream: an error event (unless `code` alone is to be sent) and a close code."""

    def __init__(self, code: int, error: Optional[str], message: str,
                 field: Optional[str] = None) -> None:
        super().__init__(message)
        self.close_code = code
        self.error = error
        self.message = message
        self.field = field


def _parse_start(text: str, state: "State") -> dict[str, Any]:
    def bad(field: str, message: str) -> Closing:
        return Closing(1008, "bad_start", message, field)

    try:
        msg = json.loads(text)
    except json.JSONDecodeError:
        raise bad("type", "the first message must be JSON: {\"type\": \"start\", ...}") from None
    if not isinstance(msg, dict) or msg.get("type") != "start":
        raise bad("type", "the first message must be {\"type\": \"start\", ...}")
    sr = msg.get("sample_rate")
    if not isinstance(sr, int) or isinstance(sr, bool) or not 8000 <= sr <= 192000:
        raise bad("sample_rate", f"sample_rate must be an integer 8000-192000, not {sr!r}")
    fmt = msg.get("format", "f32le")
    if fmt not in ("f32le", "s16le"):
        raise bad("format", f"format must be f32le or s16le, not {fmt!r}")
    ch = msg.get("channels", 1)
    if not isinstance(ch, int) or isinstance(ch, bool) or not 1 <= ch <= 8:
        raise bad("channels", f"channels must be an integer 1-8, not {ch!r}")
    lesson = msg.get("lesson")
    if lesson is not None and (not isinstance(lesson, str)
                               or state.library.lesson_midi(lesson) is None):
        raise bad("lesson", f"no lesson {lesson!r} (see GET /v1/lessons)")
    batch = msg.get("batch", False)
    if not isinstance(batch, bool):
        raise bad("batch", f"batch must be true or false, not {batch!r}")
    level = msg.get("level", "intermediate")
    if level not in LEVELS:
        raise bad("level", f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    return {"sample_rate": sr, "format": fmt, "channels": ch, "lesson": lesson, "batch": batch,
            "level": level}


async def _stream(ws: WebSocket, state: "State") -> None:
    settings = state.settings
    try:
        first = await asyncio.wait_for(ws.receive_text(), START_TIMEOUT_S)
    except asyncio.TimeoutError:
        raise Closing(1008, "bad_start", f"no start message within {START_TIMEOUT_S:g} s",
                      "type") from None
    except KeyError:  # a binary first message
        raise Closing(1008, "bad_start", "the first message must be the JSON start message",
                      "type") from None
    start = _parse_start(first, state)
    sr, channels = start["sample_rate"], start["channels"]
    dtype = np.dtype("<f4") if start["format"] == "f32le" else np.dtype("<i2")
    scale = 1.0 if start["format"] == "f32le" else 1.0 / 32768.0
    frame_bytes = dtype.itemsize * channels
    analyzer = rae.StreamingAnalyzer(sr)
    loop = asyncio.get_running_loop()
    follower: Optional[rae.ScoreFollower] = None
    if start["lesson"] is not None:
        found = state.library.lesson_midi(start["lesson"])
        if found is None:  # removed since the start message was checked
            raise Closing(1008, "bad_start", f"no lesson {start['lesson']!r}", "lesson")
        lesson_midi = found[0]
        try:
            follower = await loop.run_in_executor(
                state.live_pool, lambda: rae.ScoreFollower(lesson_midi, level=start["level"]))
        except (ValueError, OSError) as e:  # a lesson file that cannot be followed
            raise Closing(1008, "bad_start", f"lesson {start['lesson']!r}: {e}", "lesson") \
                from None
    # Bounded both ways: input by the pace check (at most live_max_ahead_s of audio, plus what
    # the analyser has not caught up with, itself bounded here), output by live_send_queue.
    inbox: asyncio.Queue[Any] = asyncio.Queue(
        maxsize=max(4, math.ceil(settings.live_max_ahead_s / 0.01)))
    outbox: asyncio.Queue[Optional[str]] = asyncio.Queue(maxsize=settings.live_send_queue)
    metrics = state.metrics

    def emit(event: Any) -> None:
        try:
            outbox.put_nowait(json.dumps(event, separators=(",", ":")))
        except asyncio.QueueFull:
            raise Closing(1008, None, "slow reader: events were not read fast enough") from None

    def emit_all(events: list[dict[str, Any]]) -> None:
        # One message per event, or (batch) one JSON array per analysed frame.
        if start["batch"]:
            if events:
                emit(events)
        else:
            for ev in events:
                emit(ev)

    emit({"type": "ready", "sample_rate": sr, "latency_s": analyzer.latency_s,
          "hop_s": analyzer.hop_s, "max_ahead_s": settings.live_max_ahead_s,
          "max_frame_s": MAX_FRAME_S, "lesson": start["lesson"]})

    position_sent_s = -math.inf

    def follow(events: list[dict[str, Any]], now_s: float, end: bool = False) -> None:
        """Adds the score follower's events (with a lesson): each note started goes to it; its
        verdicts and extra notes are kept, with one position event at most every
        POSITION_EVERY_S of the stream or after a note."""
        nonlocal position_sent_s
        if follower is None:
            return
        out: list[dict[str, Any]] = []
        noted = False
        for ev in events:
            if ev["type"] == "note_start":
                out.extend(follower.note(float(ev["start_s"]), int(ev["midi"])))
                noted = True
        out.extend(follower.finish(now_s) if end else follower.advance(now_s))
        last_position = max((i for i, e in enumerate(out) if e["type"] == "position"), default=-1)
        send_position = end or noted or now_s - position_sent_s >= POSITION_EVERY_S
        for i, e in enumerate(out):
            if e["type"] != "position":
                events.append(e)
            elif i == last_position and send_position:
                events.append(e)
                position_sent_s = now_s

    async def analyse() -> None:
        done_s = 0.0
        while True:
            item = await inbox.get()
            if item is _STOP:
                events = await loop.run_in_executor(state.live_pool, analyzer.flush)
                follow(events, done_s, end=True)
                emit_all(events)
                metrics.live_events += len(events)
                emit({"type": "end", "duration_s": done_s})
                await outbox.put(None)
                return
            x: np.ndarray[Any, Any] = item
            t0 = time.perf_counter()
            events = await loop.run_in_executor(state.live_pool, analyzer.process, x)
            metrics.live_process.observe(time.perf_counter() - t0)
            done_s += x.shape[-1] / sr
            # The level of the frame just analysed (RMS and peak of its samples).
            mono = x if x.ndim == 1 else x.mean(axis=0)
            ms = float(np.dot(mono, mono)) / mono.size if mono.size else 0.0
            peak = float(np.max(np.abs(mono))) if mono.size else 0.0
            events.append({"type": "level", "time_s": round(done_s, 6),
                           "rms_db": round(10 * math.log10(ms), 2) if ms > 1e-20 else None,
                           "peak_db": round(20 * math.log10(peak), 2) if peak > 1e-10 else None})
            follow(events, done_s)
            emit_all(events)
            metrics.live_events += len(events)

    async def send() -> None:
        while True:
            text = await outbox.get()
            if text is None:
                return
            await ws.send_text(text)

    async def read() -> None:
        t_first: Optional[float] = None
        received_s = 0.0
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(msg.get("code", 1000))
            data = msg.get("bytes")
            if data is None:
                text = msg.get("text") or ""
                try:
                    kind = json.loads(text).get("type")
                except (json.JSONDecodeError, AttributeError):
                    kind = None
                if kind == "stop":
                    await inbox.put(_STOP)
                    return
                raise Closing(1008, "bad_message", "text messages after start must be "
                                                   "{\"type\": \"stop\"}")
            if len(data) % frame_bytes:
                raise Closing(1003, "bad_frame", f"a frame of {len(data)} bytes is not whole "
                                                 f"{start['format']} samples of {channels} channels")
            frames = len(data) // frame_bytes
            if frames > MAX_FRAME_S * sr + 0.5:
                raise Closing(1009, "bad_frame", f"a frame of {frames / sr * 1000:.0f} ms is "
                                                 f"over the {MAX_FRAME_S * 1000:.0f} ms limit")
            now = time.monotonic()
            if t_first is None:
                t_first = now
            received_s += frames / sr
            ahead = received_s - (now - t_first)
            if ahead > settings.live_max_ahead_s:
                metrics.live_dropped["overrun"] += 1
                raise Closing(1008, "overrun", f"audio arrives faster than real time: "
                                               f"{ahead:.2f} s ahead, over the "
                                               f"{settings.live_max_ahead_s:g} s buffer")
            samples = np.frombuffer(data, dtype=dtype).astype(np.float32)
            if scale != 1.0:
                samples *= scale
            x = samples if channels == 1 else samples.reshape(-1, channels).T.copy()
            try:
                inbox.put_nowait(x)
            except asyncio.QueueFull:
                metrics.live_dropped["server_behind"] += 1
                raise Closing(1013, "server_behind", "the server cannot keep up; try later") \
                    from None

    tasks = [asyncio.ensure_future(c) for c in (read(), analyse(), send())]
    try:
        # The stream ends when the sender has sent `end`, or any task fails.
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            for t in done:
                if t.exception() is not None:
                    raise t.exception()  # type: ignore[misc]
            if tasks[2] in done:
                break
    finally:
        for t in tasks:
            t.cancel()


def register(app: FastAPI, state: "State") -> None:
    @app.websocket("/v1/live")
    async def live(ws: WebSocket) -> None:
        await ws.accept()
        if state.live_streams >= state.settings.live_max_streams:
            state.metrics.live_dropped["busy"] += 1
            await ws.send_text(json.dumps({"type": "error", "code": "busy", "message":
                                           "too many live streams; try later"}))
            await ws.close(1013)
            return
        state.live_streams += 1
        state.metrics.live_streams += 1
        try:
            await _stream(ws, state)
            await ws.close(1000)
        except Closing as c:
            if c.error is None:
                state.metrics.live_dropped["slow_reader"] += 1
            else:
                body: dict[str, Any] = {"type": "error", "code": c.error, "message": c.message}
                if c.field is not None:
                    body["field"] = c.field
                try:
                    await asyncio.wait_for(ws.send_text(json.dumps(body)), 1.0)
                except Exception:  # the client may already be gone
                    pass
            try:
                await asyncio.wait_for(ws.close(c.close_code, reason=c.message[:120]), 1.0)
            except Exception:  # a reader that never reads may not take the close either
                pass
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            state.live_streams -= 1
            state.metrics.live_streams -= 1

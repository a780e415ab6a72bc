"""The HTTP API (v1) and the practice page. Each route translates a request into one engine
call (or a few, for a render with peaks) run on the worker pool, and the result or the engine's
error into a response; nothing here renders, decodes or analyses audio itself."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import json
import os
import shutil
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Literal, Optional, TypeVar

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import rust_audio_engine as rae

from . import live
from .admission import Overloaded, Pool, TimedOut
from .config import Settings
from .library import Library
from .metrics import Metrics
from .uploads import HttpError, Scratch, receive

T = TypeVar("T")
STATIC = Path(__file__).resolve().parent / "static"
OutputFormat = Literal["wav16", "wav24", "wav32f", "flac16", "flac24"]
ReverbName = Literal["none", "room", "hall", "plate", "church"]
MEDIA = {"wav": "audio/wav", "flac": "audio/flac"}


def _kind(format: str) -> str:
    """The container of an output format name: "wav" or "flac"."""
    return "flac" if format.startswith("flac") else "wav"


class FieldError(Exception):
    """A parameter the engine refused (answered 422 naming `field`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class State:
    """What the routes share: settings, pools, the library, the lesson cache, metrics."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.pool = Pool(settings.workers, settings.queue_size, self.metrics)
        self.live_pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=settings.live_workers, thread_name_prefix="rae-live")
        self.library = Library(settings.soundfont_dir, settings.lesson_dir,
                               settings.default_soundfont, settings.demo_lesson)
        self._own_cache = settings.cache_dir is None
        self.cache_dir = (Path(tempfile.mkdtemp(prefix="rae-cache-", dir=settings.temp_dir))
                          if settings.cache_dir is None else settings.cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.cache_locks: dict[str, asyncio.Lock] = {}
        self.lesson_info: dict[str, dict[str, Any]] = {}
        self.live_streams = 0
        m = self.metrics
        m.gauges.update({
            "rae_queue_depth": ("Engine calls admitted and waiting for a worker",
                                lambda: float(self.pool.queued)),
            "rae_in_flight": ("Engine calls running", lambda: float(self.pool.running)),
            "rae_workers": ("Worker threads for engine calls", lambda: float(settings.workers)),
            "rae_queue_capacity": ("Engine calls admitted at once (workers + queue)",
                                   lambda: float(self.pool.capacity)),
            "rae_soundfont_cache_fonts": ("SoundFonts held by the engine's cache",
                                          lambda: float(rae.soundfont_cache_info()[0])),
            "rae_soundfont_cache_bytes": ("Bytes held by the engine's SoundFont cache",
                                          lambda: float(rae.soundfont_cache_info()[1])),
            "rae_process_resident_bytes": ("Resident memory of the server process",
                                           _rss_bytes),
        })

    def close(self) -> None:
        self.pool.shutdown()
        self.live_pool.shutdown(wait=False, cancel_futures=True)
        if self._own_cache:
            shutil.rmtree(self.cache_dir, ignore_errors=True)


def _rss_bytes() -> float:
    try:
        with open("/proc/self/statm") as f:
            return float(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, IndexError):
        return float("nan")


def engine_error(e: BaseException, scratch: Optional[Scratch] = None) -> HttpError:
    """The response for an exception raised by an engine call."""
    msg = scratch.clean(str(e)) if scratch is not None else str(e)
    if isinstance(e, HttpError):
        return e
    if isinstance(e, FieldError):
        return HttpError(422, msg, field=e.field)
    if isinstance(e, rae.LimitError):
        return HttpError(413, msg)
    if isinstance(e, (ValueError, FileNotFoundError)):  # AudioEngineError is a ValueError
        return HttpError(400, msg)
    return HttpError(500, f"internal error: {type(e).__name__}")


async def _disconnected(request: Request) -> None:
    """Completes when the client closes the connection (the body must already be read)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def run_engine(request: Request, fn: Callable[[], T],
                     scratch: Optional[Scratch] = None) -> T:
    """`fn` on the worker pool, under admission control, the time limit and cancellation when
    the client goes away; its exceptions become HttpErrors."""
    state: State = request.app.state.rae
    watcher = asyncio.ensure_future(_disconnected(request))
    try:
        return await state.pool.run(fn, state.settings.request_timeout_s, watcher,
                                    hold=scratch.hold if scratch is not None else None)
    except (Overloaded, TimedOut, asyncio.CancelledError):
        raise
    except Exception as e:
        raise engine_error(e, scratch) from None
    finally:
        watcher.cancel()


def _stream_file(path: Path, media_type: str, headers: dict[str, str],
                 scratch: Optional[Scratch]) -> StreamingResponse:
    """Streams `path`; the scratch folder is removed first (the open file stays readable)."""
    f = open(path, "rb")
    size = os.fstat(f.fileno()).st_size
    if scratch is not None:
        scratch.close()

    def chunks() -> Any:
        with f:
            while block := f.read(1 << 16):
                yield block

    return StreamingResponse(chunks(), media_type=media_type,
                             headers={**headers, "Content-Length": str(size)})


def _report_headers(prefix: str, report: dict[str, Any]) -> dict[str, str]:
    h = {"X-RAE-Report": json.dumps(report, separators=(",", ":"), ensure_ascii=True)}
    for key in ("duration_s", "peak_dbfs", "backend", "sample_rate", "soundfont"):
        if key in report and report[key] is not None:
            h[f"X-RAE-{prefix}-{key.replace('_', '-')}"] = str(report[key]).encode(
                "ascii", "replace").decode()
    return h


def _normalize_arg(value: str) -> Any:
    if value in ("limit", "peak"):
        return value
    if value in ("off", "none"):
        return None
    try:
        lufs = float(value)
    except ValueError:
        raise HttpError(422, f"normalize must be limit, peak, off or a LUFS target, not "
                             f"'{value}'", field="normalize") from None
    if not -70.0 <= lufs <= 0.0:
        raise HttpError(422, f"normalize target {lufs} LUFS is outside -70..0", field="normalize")
    return lufs


def _chain(text: str, field: str) -> Any:
    """The effect chain of a chain file's text; built-in impulse responses only."""
    try:
        chain = rae.chain_from_toml(text, ir_files=False)
    except ValueError as e:
        raise FieldError(field, str(e)) from None
    if "(<0 effects>)" in repr(chain):
        raise FieldError(field, "the chain has no [[effect]]")
    return chain


class MetricsMiddleware:
    """Counts every HTTP request by route and status and times it to the end of its body."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive_: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive_, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive_, send_wrapper)
        finally:
            route = scope.get("route")
            label = getattr(route, "path", None) or "other"
            self.metrics.observe_request(scope["method"], label, status,
                                         time.perf_counter() - start)


def create_app(settings: Optional[Settings] = None) -> FastAPI:
    settings = settings or Settings()
    state = State(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    app = FastAPI(title="rust-audio-engine", version=rae.__version__, lifespan=lifespan,
                  docs_url="/docs", openapi_url="/openapi.json")
    app.state.rae = state
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST"], allow_headers=["*"],
                           expose_headers=["X-RAE-Report", "Retry-After"])
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)

    @app.exception_handler(HttpError)
    async def http_error(_: Request, e: HttpError) -> JSONResponse:
        body: dict[str, Any] = {"detail": e.message}
        if e.field is not None:
            body["field"] = e.field
        return JSONResponse(body, status_code=e.status, headers=e.headers)

    @app.exception_handler(Overloaded)
    async def overloaded(_: Request, e: Overloaded) -> JSONResponse:
        return JSONResponse({"detail": str(e)}, status_code=503,
                            headers={"Retry-After": str(e.retry_after_s)})

    @app.exception_handler(TimedOut)
    async def timed_out(_: Request, e: TimedOut) -> JSONResponse:
        return JSONResponse({"detail": str(e)}, status_code=504)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in err.get("loc", ())[1:]) or "body",
                   "message": err.get("msg", ""), "in": (err.get("loc") or ["?"])[0]}
                  for err in e.errors()]
        first = errors[0] if errors else {"field": "?", "message": "invalid request"}
        return JSONResponse({"detail": f"{first['field']}: {first['message']}",
                             "field": first["field"], "errors": errors}, status_code=422)

    # Admission and cancellation for requests that never reach run_engine (client gone).
    async def guarded(request: Request, make: Callable[[Scratch], Awaitable[Response]]
                      ) -> Response:
        state.pool.check()  # a full queue answers 503 before the upload is read
        scratch = Scratch(settings.temp_dir)
        try:
            return await make(scratch)
        except asyncio.CancelledError:
            # The client went away: nobody reads the answer.
            return Response(status_code=499)
        finally:
            scratch.close()

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        fonts, held, budget = rae.soundfont_cache_info()
        return {"status": "ok", "version": rae.__version__, "queue_depth": state.pool.queued,
                "in_flight": state.pool.running, "live_streams": state.live_streams,
                "soundfont_cache": {"fonts": fonts, "bytes": held, "budget_bytes": budget}}

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(state.metrics.render(),
                                 media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/v1/soundfonts")
    async def soundfonts() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for fid in state.library.font_ids():
            choice = state.library.font(fid)
            assert choice is not None
            entry: dict[str, Any] = {"id": fid, "default": fid == settings.default_soundfont}
            if choice.arg is None:
                entry["resolves_to"] = os.path.basename(rae.default_soundfont())
            elif choice.arg != "builtin":
                entry["kind"] = Path(choice.arg).suffix[1:].lower()
                entry["size_bytes"] = Path(choice.arg).stat().st_size
            out.append(entry)
        return out

    def font_or_404(font_id: Optional[str]) -> Any:
        choice = state.library.font(font_id)
        if choice is None:
            raise HttpError(404, f"no SoundFont '{font_id}' (see GET /v1/soundfonts)",
                            field="soundfont")
        return choice

    @app.post("/v1/render")
    async def render(
        request: Request,
        lesson: Optional[str] = Query(None, description="a lesson id instead of an upload"),
        soundfont: Optional[str] = Query(None, description="a SoundFont id (GET /v1/soundfonts)"),
        sample_rate: int = Query(44100, ge=22050, le=96000),
        format: OutputFormat = Query("wav16"),
        reverb: ReverbName = Query("none"),
        normalize: str = Query("limit", description="limit, peak, off, or a LUFS target"),
        effects: Optional[str] = Query(None, description="a chain file's TOML text"),
        report: Optional[Literal["json"]] = Query(None),
        waveform: Optional[Literal["json", "dat"]] = Query(None),
        pixels_per_second: int = Query(50, ge=1, le=2000),
    ) -> Response:
        font = font_or_404(soundfont)
        norm = _normalize_arg(normalize)

        async def make(scratch: Scratch) -> Response:
            if lesson is not None:
                found = state.library.lesson_midi(lesson)
                if found is None:
                    raise HttpError(404, f"no lesson '{lesson}' (see GET /v1/lessons)",
                                    field="lesson")
                midi_path = scratch.path / "lesson.mid"
                midi_path.write_bytes(found[0])
                fields: dict[str, str] = {}
            else:
                up = await receive(request, scratch, "midi", settings.max_upload_bytes,
                                   settings.upload_timeout_s)
                assert up.path is not None
                midi_path, fields = up.path, up.fields
            chain_text = fields.get("effects", effects)
            out_path = scratch.path / f"render.{_kind(format)}"
            limit_s = settings.max_audio_s

            def job() -> tuple[dict[str, Any], Optional[Any]]:
                chain = _chain(chain_text, "effects") if chain_text else None
                info = rae.midi_info(str(midi_path))
                duration = float(info.get("duration_s", 0.0))  # type: ignore[arg-type]
                if duration > limit_s:
                    raise rae.LimitError(f"the MIDI file lasts {duration:.1f} s; the limit is "
                                         f"{limit_s:g} s of audio")
                rep = rae.synthesize_midi_detailed(
                    str(midi_path), str(out_path), font.arg,
                    reverb=None if reverb == "none" else reverb, sample_rate=sample_rate,
                    format=format, normalize=norm, threads=settings.render_threads,
                    effects=chain).to_dict()
                peaks = (rae.waveform_peaks(str(out_path), pixels_per_second=pixels_per_second)
                         if waveform else None)
                return rep, peaks

            rep, peaks = await run_engine(request, job, scratch)
            rep["soundfont"] = font.id
            media = MEDIA[_kind(format)]
            if report is None and waveform is None:
                return _stream_file(out_path, media, _report_headers("Render", rep), scratch)
            body: dict[str, Any] = {"report": rep, "content_type": media,
                                    "audio_base64": base64.b64encode(out_path.read_bytes()).decode()}
            if peaks is not None:
                if waveform == "json":
                    body["peaks"] = json.loads(peaks.to_json())
                else:
                    body["peaks_dat_base64"] = base64.b64encode(peaks.to_dat()).decode()
            return JSONResponse(body, headers=_report_headers("Render", rep))

        return await guarded(request, make)

    @app.post("/v1/analyze")
    async def analyze(
        request: Request,
        method: Literal["pyin", "yin"] = Query("pyin"),
        onsets: bool = Query(True),
        dynamics: bool = Query(True),
        tempo: bool = Query(True),
    ) -> Response:
        async def make(scratch: Scratch) -> Response:
            up = await receive(request, scratch, "audio", settings.max_upload_bytes,
                               settings.upload_timeout_s)
            path, limit_s = up.path, settings.max_audio_s

            def job() -> dict[str, object]:
                audio, sr = rae.load_audio(str(path), max_seconds=limit_s)
                return rae.analyze(audio, sr, method=method, onsets=onsets, dynamics=dynamics,
                                   tempo=tempo).to_dict()

            return JSONResponse(await run_engine(request, job, scratch))

        return await guarded(request, make)

    @app.post("/v1/assess")
    async def assess(
        request: Request,
        lesson: str = Query(..., description="the lesson's id (GET /v1/lessons)"),
        level: Literal["beginner", "intermediate", "advanced"] = Query("intermediate"),
        tempo: Optional[float] = Query(None, ge=10, le=1000,
                                       description="the tempo meant, quarter notes per minute"),
    ) -> Response:
        async def make(scratch: Scratch) -> Response:
            midi, _ = lesson_or_404(lesson)
            up = await receive(request, scratch, "audio", settings.max_upload_bytes,
                               settings.upload_timeout_s)
            path, limit_s = up.path, settings.max_audio_s

            def job() -> dict[str, object]:
                with open(str(path), "rb") as f:
                    head = f.read(12)
                if head.startswith(b"MThd") or (head.startswith(b"RIFF") and head[8:12] == b"RMID"):
                    a = rae.assess(str(path), midi, level=level, tempo=tempo)
                else:
                    audio, sr = rae.load_audio(str(path), max_seconds=limit_s)
                    a = rae.assess(audio, midi, sample_rate=sr, level=level, tempo=tempo)
                body = a.to_dict()
                body["take"] = "upload"
                body["lesson"] = lesson
                return body

            return JSONResponse(await run_engine(request, job, scratch))

        return await guarded(request, make)

    @app.post("/v1/fx")
    async def fx(
        request: Request,
        chain: Optional[str] = Query(None, description="a chain file's TOML text "
                                                       "(or the multipart field 'chain')"),
        format: OutputFormat = Query("wav16"),
    ) -> Response:
        async def make(scratch: Scratch) -> Response:
            up = await receive(request, scratch, "audio", settings.max_upload_bytes,
                               settings.upload_timeout_s)
            text = up.fields.get("chain", chain)
            if not text:
                raise HttpError(422, "no effect chain: give 'chain' (TOML [[effect]] tables)",
                                field="chain")
            path, limit_s = up.path, settings.max_audio_s
            kind = _kind(format)
            out_path = scratch.path / f"fx.{kind}"

            def job() -> dict[str, object]:
                effect = _chain(text, "chain")
                return rae.fx_file(str(path), str(out_path), effect, format=format,
                                   max_seconds=limit_s)

            rep = await run_engine(request, job, scratch)
            return _stream_file(out_path, MEDIA[kind], _report_headers("Fx", rep), scratch)

        return await guarded(request, make)

    @app.post("/v1/waveform")
    async def waveform_(
        request: Request,
        format: Literal["dat", "json", "png"] = Query("json"),
        pixels_per_second: Optional[int] = Query(None, ge=1, le=48000),
        width: Optional[int] = Query(None, ge=16, le=20000),
        height: int = Query(250, ge=16, le=4000),
        bits: int = Query(16, description="8 or 16"),
    ) -> Response:
        if bits not in (8, 16):
            raise HttpError(422, f"bits must be 8 or 16, not {bits}", field="bits")

        async def make(scratch: Scratch) -> Response:
            up = await receive(request, scratch, "audio", settings.max_upload_bytes,
                               settings.upload_timeout_s)
            path, limit_s = up.path, settings.max_audio_s

            def job() -> bytes:
                audio, sr = rae.load_audio(str(path), max_seconds=limit_s)
                if format == "png":
                    return rae.render_waveform_png(audio, sr, width=width or 800, height=height)
                peaks = rae.waveform_peaks(
                    audio, sr, bits=bits, width=width,
                    pixels_per_second=None if width else (pixels_per_second or 50))
                return peaks.to_dat() if format == "dat" else peaks.to_json().encode()

            data = await run_engine(request, job, scratch)
            media = {"png": "image/png", "json": "application/json",
                     "dat": "application/octet-stream"}[format]
            return Response(data, media_type=media)

        return await guarded(request, make)

    # Lessons: the MIDI, its render and its peaks, made once per lesson version and SoundFont.
    def lesson_or_404(lesson_id: str) -> tuple[bytes, str]:
        found = state.library.lesson_midi(lesson_id)
        if found is None:
            raise HttpError(404, f"no lesson '{lesson_id}' (see GET /v1/lessons)", field="id")
        return found

    async def lesson_info(request: Request, lesson_id: str) -> dict[str, Any]:
        midi, version = lesson_or_404(lesson_id)
        key = f"{lesson_id}:{version}"
        info = state.lesson_info.get(key)
        if info is None:
            doc = await run_engine(request, lambda: rae.midi_info(midi))
            notes = doc.get("notes", [])
            assert isinstance(notes, list)
            info = {
                "id": lesson_id,
                "duration_s": doc.get("duration_s"),
                "note_count": doc.get("note_count"),
                "notes": [{k: n[k] for k in ("start_s", "duration_s", "key", "velocity",
                                             "channel")} for n in notes],
            }
            state.lesson_info[key] = info
        return info

    async def lesson_file(request: Request, lesson_id: str, what: str) -> Path:
        """The cached render ("audio") or peaks ("json"/"dat") of a lesson, made if missing."""
        midi, version = lesson_or_404(lesson_id)
        font = font_or_404(None)
        font_tag = font.id
        if font.arg not in (None, "builtin"):
            st = Path(font.arg).stat()
            font_tag += f"-{st.st_mtime_ns}-{st.st_size}"
        digest = hashlib.sha256(f"{lesson_id}|{version}|{font_tag}".encode()).hexdigest()[:24]
        audio = state.cache_dir / f"{digest}.wav"
        target = audio if what == "audio" else state.cache_dir / f"{digest}.{what}"
        if target.exists():
            state.metrics.lesson_cache_hits += 1
            return target
        lock = state.cache_locks.setdefault(digest, asyncio.Lock())
        async with lock:
            if target.exists():
                state.metrics.lesson_cache_hits += 1
                return target
            state.metrics.lesson_cache_misses += 1
            threads = settings.render_threads

            def job() -> None:
                # The engine writes atomically: a cache file is whole or absent.
                if not audio.exists():
                    midi_path = state.cache_dir / f"{digest}.mid"
                    tmp_midi = midi_path.with_suffix(f".tmp{os.getpid()}")
                    tmp_midi.write_bytes(midi)
                    os.replace(tmp_midi, midi_path)
                    rae.synthesize_midi(str(midi_path), str(audio), font.arg, threads=threads)
                if what != "audio":
                    peaks = rae.waveform_peaks(str(audio), pixels_per_second=100)
                    tmp = target.with_suffix(f".tmp{os.getpid()}")
                    tmp.write_bytes(peaks.to_dat() if what == "dat" else peaks.to_json().encode())
                    os.replace(tmp, target)

            await run_engine(request, job)
        return target

    @app.get("/v1/lessons")
    async def lessons(request: Request) -> list[dict[str, Any]]:
        out = []
        for lid in state.library.lesson_ids():
            info = await lesson_info(request, lid)
            out.append({"id": lid, "duration_s": info["duration_s"],
                        "note_count": info["note_count"]})
        return out

    @app.get("/v1/lessons/{lesson_id}")
    async def lesson(request: Request, lesson_id: str) -> dict[str, Any]:
        info = await lesson_info(request, lesson_id)
        base = f"/v1/lessons/{lesson_id}"
        return {**info, "soundfont": state.library.default_soundfont,
                "midi_url": f"{base}/midi", "audio_url": f"{base}/audio",
                "peaks_url": f"{base}/peaks"}

    @app.get("/v1/lessons/{lesson_id}/midi")
    async def lesson_midi(lesson_id: str) -> Response:
        return Response(lesson_or_404(lesson_id)[0], media_type="audio/midi")

    @app.get("/v1/lessons/{lesson_id}/audio")
    async def lesson_audio(request: Request, lesson_id: str) -> Response:
        path = await lesson_file(request, lesson_id, "audio")
        return _stream_file(path, "audio/wav", {"Cache-Control": "max-age=3600"}, None)

    @app.get("/v1/lessons/{lesson_id}/peaks")
    async def lesson_peaks(request: Request, lesson_id: str,
                           format: Literal["json", "dat"] = Query("json")) -> Response:
        path = await lesson_file(request, lesson_id, format)
        media = "application/json" if format == "json" else "application/octet-stream"
        return Response(path.read_bytes(), media_type=media)

    live.register(app, state)
    app.mount("/", StaticFiles(directory=STATIC, html=True), name="page")
    return app

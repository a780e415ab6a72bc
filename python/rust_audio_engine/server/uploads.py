"""Request bodies to files in a per-request scratch folder, never anywhere else: a raw body, or
the `file` part of a multipart form (other parts are small text fields), streamed to disk as it
arrives, refused with 413 past the size limit and with 415 when its declared type is not one the
endpoint takes. The scratch folder is removed when the request is over, or, when an engine call
that uses it is still running on its thread (its request was cancelled), as soon as that call
ends."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

MAX_FIELD_BYTES = 64 * 1024


class HttpError(Exception):
    """An error answered as JSON `{"detail": message}` (plus `field` when one is to blame)."""

    def __init__(self, status: int, message: str, field: Optional[str] = None,
                 headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}


class Scratch:
    """A per-request temporary folder."""

    def __init__(self, parent: Optional[Path]) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="rae-req-", dir=parent))
        self._lock = threading.Lock()
        self._pending = 0
        self._closed = False

    def hold(self) -> Callable[[], None]:
        """Keeps the folder for an engine call using it; the call runs what this returns (once)
        when it has ended."""
        with self._lock:
            self._pending += 1
        return self._release

    def _release(self) -> None:
        with self._lock:
            self._pending -= 1
            remove = self._closed and self._pending == 0
        if remove:
            shutil.rmtree(self.path, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            remove = self._pending == 0
        if remove:
            shutil.rmtree(self.path, ignore_errors=True)

    def clean(self, text: str) -> str:
        """`text` (an engine message) without the scratch folder's path."""
        return text.replace(str(self.path) + os.sep, "").replace(str(self.path), "")


@dataclass
class Upload:
    path: Optional[Path] = None
    filename: Optional[str] = None
    content_type: Optional[str] = None
    size: int = 0
    fields: dict[str, str] = field(default_factory=dict)


# Declared types each kind of upload accepts (besides an absent or generic type).
GENERIC = {"", "application/octet-stream", "binary/octet-stream"}
MIDI_TYPES = {"audio/midi", "audio/x-midi", "audio/mid", "audio/sp-midi"}
AUDIO_EXT = {
    "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/wave": ".wav", "audio/vnd.wave": ".wav",
    "audio/flac": ".flac", "audio/x-flac": ".flac", "audio/mpeg": ".mp3", "audio/mp3": ".mp3",
    "audio/ogg": ".ogg", "application/ogg": ".ogg", "audio/opus": ".opus",
    "audio/webm": ".webm", "video/webm": ".webm", "audio/mp4": ".m4a", "video/mp4": ".m4a",
    "audio/x-m4a": ".m4a", "audio/aac": ".m4a",
}
AUDIO_NAME_EXT = {".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".webm", ".m4a", ".mp4",
                  ".dat", ".json"}


def _base_type(value: Optional[str]) -> str:
    if not value:
        return ""
    return parse_options_header(value)[0].decode("latin-1").strip().lower()


def _suffix(kind: str, content_type: str, filename: Optional[str]) -> str:
    """A file extension for the upload (the engine's decoders take it as a hint)."""
    if kind == "midi":
        return ".mid"
    if filename:
        ext = Path(filename).suffix.lower()
        if ext in AUDIO_NAME_EXT:
            return ext
    return AUDIO_EXT.get(content_type, ".bin")


def _check_type(kind: str, content_type: str, what: str) -> None:
    ok = (content_type in GENERIC
          or (kind == "midi" and content_type in MIDI_TYPES)
          or (kind == "audio" and (content_type in AUDIO_EXT or content_type.startswith("audio/"))))
    if not ok:
        takes = "MIDI (audio/midi)" if kind == "midi" else "audio (audio/*, video/webm, video/mp4)"
        raise HttpError(415, f"{what} has type '{content_type}'; this endpoint takes {takes}, "
                             "application/octet-stream, or a multipart form with a 'file' part",
                        field="file")


async def receive(request: Request, scratch: Scratch, kind: str, max_bytes: int,
                  timeout_s: float, required: bool = True) -> Upload:
    """The request's upload (`kind` "midi" or "audio") written into `scratch`, within
    `timeout_s` (408 after it)."""
    try:
        async with asyncio.timeout(timeout_s):
            return await _receive(request, scratch, kind, max_bytes, required)
    except TimeoutError:
        raise HttpError(408, f"the upload was not received within the server's limit of "
                             f"{timeout_s:g} s") from None


async def _receive(request: Request, scratch: Scratch, kind: str, max_bytes: int,
                   required: bool) -> Upload:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes + MAX_FIELD_BYTES:
        raise HttpError(413, f"the upload is {int(length)} bytes; the limit is {max_bytes}")
    ctype = _base_type(request.headers.get("content-type"))
    if ctype == "multipart/form-data":
        up = await _multipart(request, scratch, kind, max_bytes)
    else:
        _check_type(kind, ctype, "the body")
        up = Upload(content_type=ctype)
        up.path = scratch.path / ("upload" + _suffix(kind, ctype, None))
        with open(up.path, "wb") as f:
            async for chunk in request.stream():
                up.size += len(chunk)
                if up.size > max_bytes:
                    raise HttpError(413, f"the upload is over the limit of {max_bytes} bytes")
                f.write(chunk)
        if up.size == 0:
            up.path = None
    if required and up.path is None:
        raise HttpError(422, "no upload: send the file as the body or as the multipart field "
                             "'file'", field="file")
    return up


async def _multipart(request: Request, scratch: Scratch, kind: str, max_bytes: int) -> Upload:
    boundary = parse_options_header(request.headers["content-type"])[1].get(b"boundary")
    if not boundary:
        raise HttpError(400, "multipart body without a boundary")
    up = Upload()
    state: dict[str, object] = {"headers": {}, "name": None, "out": None, "buf": None}
    header_field = bytearray()
    header_value = bytearray()
    errors: list[HttpError] = []

    def on_part_begin() -> None:
        state["headers"] = {}
        state["out"] = None
        state["buf"] = None

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        headers = state["headers"]
        assert isinstance(headers, dict)
        headers[bytes(header_field).decode("latin-1").lower()] = bytes(header_value).decode("latin-1")
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        headers = state["headers"]
        assert isinstance(headers, dict)
        disp, opts = parse_options_header(headers.get("content-disposition", ""))
        name = opts.get(b"name", b"").decode("utf-8", "replace")
        state["name"] = name
        if name == "file":
            if up.path is not None:
                raise HttpError(422, "more than one 'file' part", field="file")
            ctype = _base_type(headers.get("content-type"))
            fname = opts.get(b"filename", b"").decode("utf-8", "replace") or None
            _check_type(kind, ctype, "the 'file' part")
            up.content_type, up.filename = ctype, fname
            up.path = scratch.path / ("upload" + _suffix(kind, ctype, fname))
            state["out"] = open(up.path, "wb")
        else:
            state["buf"] = bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        out, buf = state["out"], state["buf"]
        if out is not None:
            up.size += end - start
            if up.size > max_bytes:
                raise HttpError(413, f"the upload is over the limit of {max_bytes} bytes")
            out.write(data[start:end])  # type: ignore[attr-defined]
        elif isinstance(buf, bytearray):
            buf.extend(data[start:end])
            if len(buf) > MAX_FIELD_BYTES:
                raise HttpError(413, f"form field '{state['name']}' is over {MAX_FIELD_BYTES} bytes",
                                field=str(state["name"]))

    def on_part_end() -> None:
        out, buf = state["out"], state["buf"]
        if out is not None:
            out.close()  # type: ignore[attr-defined]
            state["out"] = None
        elif isinstance(buf, bytearray):
            up.fields[str(state["name"])] = buf.decode("utf-8", "replace")

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    })
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except HttpError:
        raise
    except Exception as e:  # the parser's own errors: a malformed body
        errors.append(HttpError(400, f"malformed multipart body: {e}"))
    finally:
        out = state["out"]
        if out is not None:
            out.close()  # type: ignore[attr-defined]
    if errors:
        raise errors[0]
    if up.path is not None and up.size == 0:
        up.path = None
    return up

"""The service (rust_audio_engine.server) as clients see it: real uvicorn servers on 127.0.0.1,
started as processes (`python -m rust_audio_engine.server` and `rae-server`) on free ports,
driven by httpx and websockets. Inputs: MIDI written by conftest's `_smf`, the test data, and
the Debian SoundFonts `make test` installs."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import httpx
import numpy as np
import pytest
import websockets

import rust_audio_engine as rae
from rust_audio_engine.server.config import ConfigError, load_settings

from conftest import FLUID, TIMGM, _smf, audio_file, need

MELODY_KEYS = [60, 62, 64, 65, 67, 69, 71, 72]
NAMES = ["C4", "D4", "E4", "F4", "G4", "A4", "B4", "C5"]
VENV_BIN = Path(sys.executable).parent


def melody_midi() -> bytes:
    """Eight piano notes, C4 to C5, 0.5 s each with 0.1 s gaps (4.7 s)."""
    return _smf([(i * 480, 400, k) for i, k in enumerate(MELODY_KEYS)])


def dense_midi(seconds: float) -> bytes:
    """Notes every 62.5 ms, each two seconds long (about 32 at once), for `seconds`."""
    count = int(seconds / 0.0625)
    return _smf([(i * 120, 960, 36 + (i * 7) % 48) for i in range(count)], bpm=120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, root: Path, settings: dict[str, Any], console_script: bool = False):
        self.root = root
        self.scratch = root / "scratch"
        self.scratch.mkdir(parents=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/v1/live"
        config = root / "server.toml"
        lines = ["[server]", f'temp_dir = "{self.scratch}"', 'log_level = "warning"']
        for k, v in settings.items():
            lines.append(f"{k} = {json.dumps(v) if not isinstance(v, Path) else json.dumps(str(v))}")
        config.write_text("\n".join(lines) + "\n")
        cmd = ([str(VENV_BIN / "rae-server")] if console_script
               else [sys.executable, "-m", "rust_audio_engine.server"])
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAE_SERVER_")}
        env["RAE_SERVER_PORT"] = str(self.port)  # the environment over the file
        self.log = open(root / "server.log", "wb")
        self.proc = subprocess.Popen(cmd + ["--config", str(config), "--host", "127.0.0.1"],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError("the server did not start: "
                                     + (root / "server.log").read_text())
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.client = httpx.Client(base_url=self.url, timeout=60)

    def health(self) -> dict[str, Any]:
        return dict(self.client.get("/healthz").json())

    def metric(self, name: str) -> float:
        for line in self.client.get("/metrics").text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise AssertionError(f"no metric {name}")

    def idle(self, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            h = self.health()
            if h["in_flight"] == 0 and h["queue_depth"] == 0:
                return
            assert time.monotonic() < deadline, h
            time.sleep(0.05)

    def leftovers(self) -> list[str]:
        """Scratch folders still present. The pool runs an engine call's clean-up before the call
        stops counting as in flight, so once `idle()` has returned there must be none."""
        return [p.name for p in self.scratch.iterdir() if p.name.startswith("rae-req-")]

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(timeout=15)
        self.log.close()


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("server")
    fonts, lessons, outside = root / "fonts", root / "lessons", root / "outside"
    for d in (fonts, lessons, outside):
        d.mkdir()
    shutil.copy(need(TIMGM), fonts / "TimGM6mb.sf2")
    (fonts / "escape.sf2").symlink_to(need(FLUID))          # resolves outside: refused
    (fonts / "notes.txt").write_text("not a font")
    (lessons / "melody.mid").write_bytes(melody_midi())
    (lessons / "long.mid").write_bytes(dense_midi(30.0))    # over the 20 s limit below
    (outside / "secret.mid").write_bytes(melody_midi())
    (lessons / "escape.mid").symlink_to(outside / "secret.mid")
    return {"root": root, "fonts": fonts, "lessons": lessons}


@pytest.fixture(scope="module")
def server(dirs: dict[str, Path]) -> Iterator[Server]:
    """Two workers, a queue of 8, 8 MiB uploads, 20 s of audio, CORS closed."""
    s = Server(dirs["root"] / "main", {
        "soundfont_dir": dirs["fonts"], "lesson_dir": dirs["lessons"], "workers": 2,
        "queue_size": 8, "max_upload_bytes": 8 * 1024 * 1024, "max_audio_s": 20.0,
        "live_max_ahead_s": 1.0})
    try:
        yield s
        s.idle()
        assert s.leftovers() == []
    finally:
        s.stop()


@pytest.fixture(scope="module")
def melody_wav(server: Server) -> tuple[bytes, np.ndarray, int]:
    """The melody rendered by the service through FluidR3_GM (the engine's default font)."""
    r = server.client.post("/v1/render", content=melody_midi(),
                           headers={"content-type": "audio/midi"})
    assert r.status_code == 200, r.text
    audio, sr = rae.load_audio(r.content)
    return r.content, audio, sr


def notes_of(analysis: dict[str, Any]) -> list[str]:
    return [str(n["name"]) for n in analysis["notes"]]


# --- configuration -------------------------------------------------------------------------

def test_settings_toml_then_environment_then_flags(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[server]\nport = 9000\nworkers = 3\ncors_origins = ["http://a.test"]\n'
                   'max_audio_s = 30\n')
    s = load_settings(cfg, environ={"RAE_SERVER_WORKERS": "5", "RAE_SERVER_QUEUE_SIZE": "7"},
                      overrides={"port": 9100, "host": None})
    assert (s.port, s.workers, s.queue_size, s.max_audio_s) == (9100, 5, 7, 30.0)
    assert s.cors_origins == ("http://a.test",) and s.host == "127.0.0.1"
    assert load_settings(environ={"RAE_SERVER_CORS_ORIGINS": "http://x, http://y"}
                         ).cors_origins == ("http://x", "http://y")
    assert load_settings(environ={}).cors_origins == ()          # closed by default
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_settings(environ={"RAE_SERVER_COLOUR": "red"})
    with pytest.raises(ConfigError, match="workers"):
        load_settings(environ={"RAE_SERVER_WORKERS": "many"})
    with pytest.raises(ConfigError, match="workers must be positive"):
        load_settings(environ={"RAE_SERVER_WORKERS": "0"})
    with pytest.raises(ConfigError, match="lesson_dir .* is not a folder"):
        load_settings(environ={"RAE_SERVER_LESSON_DIR": str(tmp_path / "nope")})


def test_cli_help_and_bad_config(tmp_path: Path) -> None:
    out = subprocess.run([str(VENV_BIN / "rae-server"), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--port" in out.stdout and "--config" in out.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nport = 'eighty'\n")
    out = subprocess.run([sys.executable, "-m", "rust_audio_engine.server", "--config", str(bad)],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "port" in out.stderr


# --- discovery, health, metrics ------------------------------------------------------------

def test_healthz_openapi_and_page(server: Server) -> None:
    h = server.health()
    assert h["status"] == "ok" and h["version"] == rae.__version__
    spec = server.client.get("/openapi.json").json()
    for path in ("/v1/render", "/v1/analyze", "/v1/assess", "/v1/fx", "/v1/waveform",
                 "/v1/lessons", "/v1/lessons/{lesson_id}", "/v1/soundfonts", "/healthz", "/metrics"):
        assert path in spec["paths"], path
    page = server.client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/v1/live" in server.client.get("/app.js").text


def test_soundfonts_by_id_without_paths(server: Server, dirs: dict[str, Path]) -> None:
    fonts = server.client.get("/v1/soundfonts").json()
    ids = [f["id"] for f in fonts]
    assert ids == ["builtin", "default", "TimGM6mb.sf2"]  # no symlink escape, no text file
    assert str(dirs["fonts"]) not in json.dumps(fonts)
    assert next(f for f in fonts if f["id"] == "default")["resolves_to"] == FLUID.name


def test_metrics_are_prometheus_text(server: Server, melody_wav: Any) -> None:
    # A request is counted when its response has ended, which may be just after the client has
    # read the last byte: poll briefly.
    deadline = time.monotonic() + 5
    while True:
        text = server.client.get("/metrics").text
        if 'rae_http_requests_total{method="POST",route="/v1/render",status="200"}' in text:
            break
        assert time.monotonic() < deadline, text
        time.sleep(0.05)
    for name in ("rae_queue_depth", "rae_in_flight", "rae_soundfont_cache_fonts",
                 "rae_lesson_cache_hits_total", "rae_rejected_total", "rae_live_streams",
                 "rae_process_resident_bytes", "rae_http_request_duration_seconds",
                 "rae_live_chunk_seconds"):
        assert f"# TYPE {name} " in text, name
    assert 'rae_http_request_duration_seconds_bucket{route="/v1/render",le="+Inf"}' in text
    assert server.metric("rae_soundfont_cache_fonts") >= 1


# --- render --------------------------------------------------------------------------------

def test_render_raw_body_streams_audio_with_report_headers(server: Server, melody_wav: Any
                                                           ) -> None:
    body, audio, sr = melody_wav
    r = server.client.post("/v1/render", content=melody_midi(),
                           headers={"content-type": "application/octet-stream"})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    assert r.content == body                                   # deterministic render
    report = json.loads(r.headers["x-rae-report"])
    assert report["soundfont"] == "default" and "/" not in report["soundfont"]
    assert sr == 44100 and report["sample_rate"] == 44100
    assert abs(audio.shape[1] / sr - report["duration_s"]) < 1e-3
    assert float(r.headers["x-rae-render-peak-dbfs"]) == pytest.approx(report["peak_dbfs"])


def test_render_multipart_options_and_effects(server: Server) -> None:
    files = {"file": ("melody.mid", melody_midi(), "audio/midi")}
    plain = server.client.post("/v1/render", files=files, params={
        "soundfont": "TimGM6mb.sf2", "format": "flac16", "sample_rate": 48000,
        "normalize": "off"})
    assert plain.status_code == 200, plain.text
    assert plain.headers["content-type"] == "audio/flac" and plain.content[:4] == b"fLaC"
    audio, sr = rae.load_audio(plain.content)
    assert sr == 48000 and audio.shape[0] == 2
    quieter = server.client.post("/v1/render", params={
        "soundfont": "TimGM6mb.sf2", "format": "flac16", "sample_rate": 48000,
        "normalize": "off"}, files={**files, "effects": (None, '[[effect]]\ntype = "gain"\n'
                                                              'gain_db = -6.0\n')})
    assert quieter.status_code == 200, quieter.text
    a = json.loads(plain.headers["x-rae-report"])["peak_dbfs"]
    b = json.loads(quieter.headers["x-rae-report"])["peak_dbfs"]
    assert b == pytest.approx(a - 6.0, abs=0.05)
    assert json.loads(plain.headers["x-rae-report"])["soundfont"] == "TimGM6mb.sf2"


def test_render_report_json_with_peaks(server: Server) -> None:
    r = server.client.post("/v1/render", content=melody_midi(),
                           params={"report": "json", "waveform": "json", "reverb": "room",
                                   "pixels_per_second": 20})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    assert doc["report"]["soundfont"] == "default" and doc["content_type"] == "audio/wav"
    audio, sr = rae.load_audio(base64.b64decode(doc["audio_base64"]))
    assert doc["peaks"]["sample_rate"] == sr and doc["peaks"]["samples_per_pixel"] == sr // 20
    assert doc["peaks"]["length"] == pytest.approx(audio.shape[1] / sr * 20, abs=1)
    dat = server.client.post("/v1/render", content=melody_midi(), params={"waveform": "dat"})
    peaks = base64.b64decode(dat.json()["peaks_dat_base64"])
    assert int.from_bytes(peaks[:4], "little") in (1, 2)       # audiowaveform .dat version


def test_render_lesson_by_id(server: Server, melody_wav: Any) -> None:
    r = server.client.post("/v1/render", params={"lesson": "melody"})
    assert r.status_code == 200 and r.content == melody_wav[0]
    assert server.client.post("/v1/render", params={"lesson": "nope"}).status_code == 404


def test_render_errors(server: Server) -> None:
    c = server.client
    bad = c.post("/v1/render", content=b"MThd\x00\x00\x00\x06garbage")
    assert bad.status_code == 400 and "MIDI" in bad.json()["detail"]
    assert str(server.scratch) not in bad.json()["detail"]      # no server paths in messages
    assert c.post("/v1/render", content=b"").status_code == 422
    big = c.post("/v1/render", content=b"MThd" + bytes(9 * 1024 * 1024))
    assert big.status_code == 413
    long = c.post("/v1/render", params={"lesson": "long"})
    assert long.status_code == 413 and "limit is 20" in long.json()["detail"]
    text = c.post("/v1/render", content=b"hello", headers={"content-type": "text/plain"})
    assert text.status_code == 415
    part = c.post("/v1/render", files={"file": ("a.txt", b"hi", "text/plain")})
    assert part.status_code == 415
    for params, field in [({"sample_rate": 1000}, "sample_rate"), ({"format": "mp3"}, "format"),
                          ({"normalize": "loud"}, "normalize"), ({"normalize": "5"}, "normalize"),
                          ({"reverb": "/etc/passwd"}, "reverb"),
                          ({"effects": "[[effect]]\ntype = 'wobble'"}, "effects"),
                          ({"effects": "[[effect]]\ntype = 'convolution'\nir = '/etc/passwd'"},
                           "effects"),
                          ({"effects": "not toml ["}, "effects")]:
        r = c.post("/v1/render", content=melody_midi(), params=params)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["field"] == field, (params, r.json())
    assert c.post("/v1/render", content=melody_midi(),
                  params={"soundfont": "nope.sf2"}).status_code == 404


def test_ids_cannot_escape(server: Server) -> None:
    c = server.client
    for font in ("../TimGM6mb.sf2", "escape.sf2", str(FLUID), "/etc/passwd", "..",
                 "fonts/TimGM6mb.sf2", ".hidden.sf2", "notes.txt", "TimGM6mb.sf2/"):
        r = c.post("/v1/render", content=melody_midi(), params={"soundfont": font})
        assert r.status_code == 404, (font, r.status_code)
    ids = [x["id"] for x in c.get("/v1/lessons").json()]
    assert "escape" not in ids and "secret" not in ids
    for lesson in ("escape", "..%2Foutside%2Fsecret", "%2Fetc%2Fpasswd", "..", "melody.mid"):
        assert c.get(f"/v1/lessons/{lesson}").status_code == 404, lesson
        assert c.get(f"/v1/lessons/{lesson}/midi").status_code == 404, lesson
    assert c.post("/v1/render", params={"lesson": "../outside/secret"}).status_code == 404
    assert c.post("/v1/render", params={"lesson": "escape"}).status_code == 404


# --- lessons -------------------------------------------------------------------------------

def test_lessons_midi_render_and_peaks_cached(server: Server, melody_wav: Any) -> None:
    c = server.client
    listing = {x["id"]: x for x in c.get("/v1/lessons").json()}
    assert set(listing) == {"demo", "melody", "long"}
    assert listing["melody"]["note_count"] == 8
    detail = c.get("/v1/lessons/melody").json()
    assert [n["key"] for n in detail["notes"]] == MELODY_KEYS
    assert detail["notes"][1]["start_s"] == pytest.approx(0.6)
    assert c.get(detail["midi_url"]).content == melody_midi()
    hits = server.metric("rae_lesson_cache_hits_total")
    first = c.get(detail["audio_url"])
    assert first.status_code == 200 and first.content == melody_wav[0]
    second = c.get(detail["audio_url"])
    assert second.content == first.content
    assert server.metric("rae_lesson_cache_hits_total") == hits + 1
    peaks = c.get(detail["peaks_url"]).json()
    assert peaks["sample_rate"] == 44100 and peaks["length"] > 400
    dat = c.get(detail["peaks_url"], params={"format": "dat"})
    assert dat.headers["content-type"] == "application/octet-stream" and len(dat.content) > 20
    demo = c.get("/v1/lessons/demo").json()
    assert demo["note_count"] > 100


# --- analyze, fx, waveform -----------------------------------------------------------------

def test_analyze_finds_the_melody(server: Server, melody_wav: Any) -> None:
    r = server.client.post("/v1/analyze", files={"file": ("take.wav", melody_wav[0],
                                                          "audio/wav")})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert notes_of(doc) == NAMES
    assert {"pitch", "onsets", "dynamics", "tempo"} <= set(doc)
    assert len(doc["onsets"]["times_s"]) == 8
    raw = server.client.post("/v1/analyze", content=melody_wav[0],
                             params={"method": "yin", "tempo": "false"},
                             headers={"content-type": "audio/x-wav"})
    assert raw.status_code == 200 and raw.json()["tempo"] is None
    assert notes_of(raw.json()) == NAMES


@pytest.mark.parametrize("ext,codec,ctype", [("webm", "libopus", "audio/webm"),
                                             ("ogg", "libopus", "audio/ogg"),
                                             ("m4a", "aac", "audio/mp4")])
def test_analyze_browser_recordings(server: Server, melody_wav: Any, tmp_path: Path, ext: str,
                                    codec: str, ctype: str) -> None:
    """What browsers record (encoded by ffmpeg, which `make test` installs) is decoded by the
    engine and gives the melody's notes."""
    wav = tmp_path / "take.wav"
    wav.write_bytes(melody_wav[0])
    out = tmp_path / f"take.{ext}"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-c:a", codec, "-b:a", "96k",
                    str(out)], check=True)
    r = server.client.post("/v1/analyze", files={"file": (out.name, out.read_bytes(), ctype)},
                           params={"tempo": "false"})
    assert r.status_code == 200, r.text
    assert notes_of(r.json()) == NAMES


def test_analyze_errors(server: Server) -> None:
    c = server.client
    r = c.post("/v1/analyze", content=b"RIFF\x10\x00\x00\x00WAVEjunkjunk",
               headers={"content-type": "audio/wav"})
    assert r.status_code == 400 and r.json()["detail"]
    assert c.post("/v1/analyze", content=b"{}", headers={
        "content-type": "application/json"}).status_code == 415
    long = audio_file("melody_mono_30s.wav").read_bytes()         # 30 s: over the 20 s limit
    assert len(long) < 8 * 1024 * 1024
    r = c.post("/v1/analyze", content=long, headers={"content-type": "audio/wav"})
    assert r.status_code == 413 and "20" in r.json()["detail"]
    assert c.post("/v1/analyze", content=b"x", params={"method": "crepe"}).status_code == 422


def test_fx_chain(server: Server, melody_wav: Any) -> None:
    c = server.client
    chain = ('[[effect]]\ntype = "high_pass"\ncutoff_frequency_hz = 80.0\n'
             '[[effect]]\ntype = "gain"\ngain_db = -6.0\n')
    r = c.post("/v1/fx", files={"file": ("take.wav", melody_wav[0], "audio/wav"),
                                "chain": (None, chain)}, params={"format": "flac24"})
    assert r.status_code == 200, r.text
    report = json.loads(r.headers["x-rae-report"])
    assert report["effects"] == ["chain"] and r.content[:4] == b"fLaC"
    audio, _ = rae.load_audio(r.content)
    before = 20 * np.log10(np.abs(melody_wav[1]).max())
    assert 20 * np.log10(np.abs(audio).max()) == pytest.approx(before - 6.0, abs=0.5)
    raw = c.post("/v1/fx", content=melody_wav[0], params={"chain": chain},
                 headers={"content-type": "audio/wav"})
    assert raw.status_code == 200 and raw.headers["content-type"] == "audio/wav"
    missing = c.post("/v1/fx", content=melody_wav[0], headers={"content-type": "audio/wav"})
    assert missing.status_code == 422 and missing.json()["field"] == "chain"
    ir = c.post("/v1/fx", content=melody_wav[0], headers={"content-type": "audio/wav"},
                params={"chain": '[[effect]]\ntype = "convolution"\nir = "../x.wav"\n'})
    assert ir.status_code == 422 and "built-in" in ir.json()["detail"]
    empty = c.post("/v1/fx", content=melody_wav[0], headers={"content-type": "audio/wav"},
                   params={"chain": "# nothing\n"})
    assert empty.status_code == 422
    bad = c.post("/v1/fx", content=b"not audio", params={"chain": chain})
    assert bad.status_code == 400


def test_waveform_formats(server: Server, melody_wav: Any) -> None:
    c = server.client
    post = lambda **p: c.post("/v1/waveform", content=melody_wav[0], params=p,  # noqa: E731
                              headers={"content-type": "audio/wav"})
    js = post(format="json", pixels_per_second=10, bits=8).json()
    assert js["bits"] == 8 and js["samples_per_pixel"] == 4410 and js["length"] == 50
    dat = post(format="dat", width=100).content
    assert int.from_bytes(dat[:4], "little") in (1, 2)
    png = post(format="png", width=300, height=80)
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert post(format="svg").status_code == 422
    assert post(format="png", width=5).status_code == 422
    assert post(format="json", bits=12).json()["field"] == "bits"


def test_one_soundfont_in_memory_under_concurrency(server: Server) -> None:
    before = rae_fonts = server.metric("rae_soundfont_cache_fonts")

    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as ac:
            rs = await asyncio.gather(*[ac.post("/v1/render", content=melody_midi(),
                                                params={"soundfont": "TimGM6mb.sf2"})
                                        for _ in range(10)])
            return [r.status_code for r in rs]

    assert asyncio.run(burst()) == [200] * 10
    after = server.metric("rae_soundfont_cache_fonts")
    assert after <= max(rae_fonts, 1) + 1 and after >= 1, (before, after)
    assert server.health()["soundfont_cache"]["fonts"] == after


# --- live ----------------------------------------------------------------------------------

async def _live(url: str, mono: np.ndarray, sr: int, fmt: str = "f32le", channels: int = 1,
                chunk_s: float = 0.02, speed: float = 1.0, batch: bool = False
                ) -> tuple[list[dict[str, Any]], Any]:
    """Streams `mono` in chunks at `speed` times real time; the events and the close code."""
    events: list[dict[str, Any]] = []
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "start", "sample_rate": sr, "format": fmt,
                                  "channels": channels, "lesson": "melody", "batch": batch}))
        ready = json.loads(await ws.recv())
        assert ready["type"] == "ready" and ready["latency_s"] < 0.05

        async def reader() -> None:
            async for m in ws:
                doc = json.loads(m)
                assert isinstance(doc, list) == (batch and doc != [] and not (
                    isinstance(doc, dict) and doc.get("type") == "end"))
                events.extend(doc if isinstance(doc, list) else [doc])

        rx = asyncio.ensure_future(reader())
        x = np.repeat(mono[None, :], channels, axis=0) if channels > 1 else mono[None, :]
        data = (x.T.astype("<f4") if fmt == "f32le"
                else np.clip(x.T * 32767, -32768, 32767).astype("<i2"))
        n = int(sr * chunk_s)
        t0 = time.monotonic()
        for i in range(0, data.shape[0], n):
            await ws.send(data[i:i + n].tobytes())
            wait = t0 + (i + n) / sr / speed - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        await ws.send(json.dumps({"type": "stop"}))
        await asyncio.wait_for(rx, 30)
        return events, ws.close_code


def test_live_detects_the_melody(server: Server, melody_wav: Any) -> None:
    _, audio, sr = melody_wav
    mono = audio.mean(axis=0)
    events, code = asyncio.run(_live(server.ws_url, mono, sr))
    assert code == 1000 and events[-1]["type"] == "end"
    assert [e["name"] for e in events if e["type"] == "note_end"] == NAMES
    starts = [e for e in events if e["type"] == "note_start"]
    assert [e["midi"] for e in starts] == MELODY_KEYS
    kinds = {e["type"] for e in events}
    assert {"pitch", "onset", "level", "note_start", "note_end"} <= kinds
    times = [e["time_s"] for e in events if e["type"] == "pitch"]
    assert times == sorted(times) and times[-1] == pytest.approx(len(mono) / sr, abs=0.06)
    levels = [e["rms_db"] for e in events if e["type"] == "level" and e["rms_db"] is not None]
    assert max(levels) < 0 and len(levels) > 200                  # one per 20 ms chunk
    # The lesson is followed: every note correct, in order, and the position moves through it.
    verdicts = [e for e in events if e["type"] == "verdict"]
    assert [(v["key"], v["verdict"]) for v in verdicts] == [(k, "correct") for k in MELODY_KEYS]
    assert all(abs(v["deviation_ms"]) < 60 for v in verdicts), verdicts
    assert not [e for e in events if e["type"] == "extra"]
    positions = [e for e in events if e["type"] == "position"]
    lesson_s = [p["lesson_s"] for p in positions]
    assert lesson_s == sorted(lesson_s) and lesson_s[-1] >= 3.5
    assert positions[0]["next"] == [60] and positions[-1]["next"] == []
    assert {p["bar"] for p in positions} >= {1, 2}


def test_live_lesson_verdicts_wrong_and_missed(server: Server) -> None:
    """A take of the lesson with E4 played as F#4 and A4 left out, rendered by the service."""
    keys = [60, 62, 66, 65, 67, None, 71, 72]
    take = _smf([(i * 480, 400, k) for i, k in enumerate(keys) if k is not None])
    r = server.client.post("/v1/render", content=take, headers={"content-type": "audio/midi"})
    assert r.status_code == 200, r.text
    audio, sr = rae.load_audio(r.content)
    events, code = asyncio.run(_live(server.ws_url, audio.mean(axis=0), sr, chunk_s=0.05,
                                     speed=1.15))
    assert code == 1000
    verdicts = {v["note"]: v for v in events if v["type"] == "verdict"}
    assert sorted(verdicts) == list(range(8))
    assert verdicts[2]["verdict"] == "wrong_pitch" and verdicts[2]["played"] == 66
    assert verdicts[5]["verdict"] == "missed" and verdicts[5]["played"] is None
    assert [verdicts[i]["verdict"] for i in (0, 1, 3, 4, 6, 7)] == ["correct"] * 6


def test_live_batch_gives_the_same_events(server: Server, melody_wav: Any) -> None:
    _, audio, sr = melody_wav
    mono = audio.mean(axis=0)
    one, _ = asyncio.run(_live(server.ws_url, mono, sr, chunk_s=0.05, speed=1.15))
    batched, code = asyncio.run(_live(server.ws_url, mono, sr, chunk_s=0.05, speed=1.15,
                                      batch=True))
    assert code == 1000 and batched == one


def test_live_s16le_stereo_gives_the_same_notes(server: Server, melody_wav: Any) -> None:
    _, audio, sr = melody_wav
    events, code = asyncio.run(_live(server.ws_url, audio.mean(axis=0), sr, fmt="s16le",
                                     channels=2, chunk_s=0.05, speed=1.15))
    assert code == 1000
    assert [e["name"] for e in events if e["type"] == "note_end"] == NAMES


def test_live_overrun_is_told_and_disconnected(server: Server, melody_wav: Any) -> None:
    _, audio, sr = melody_wav
    mono = audio.mean(axis=0).astype("<f4")

    async def flood() -> tuple[dict[str, Any], int]:
        async with websockets.connect(server.ws_url) as ws:
            await ws.send(json.dumps({"type": "start", "sample_rate": sr}))
            assert json.loads(await ws.recv())["type"] == "ready"
            n = sr // 20
            try:
                for _ in range(10):                                # 10 x 4.97 s, unpaced
                    for i in range(0, len(mono), n):
                        await ws.send(mono[i:i + n].tobytes())
            except websockets.ConnectionClosed:
                pass
            error = None
            try:
                async for m in ws:
                    e = json.loads(m)
                    if e["type"] == "error":
                        error = e
            except websockets.ConnectionClosed:
                pass
            assert error is not None
            return error, int(ws.close_code or 0)

    error, code = asyncio.run(flood())
    assert error["code"] == "overrun" and "real time" in error["message"] and code == 1008
    assert server.health()["live_streams"] == 0


def test_live_bad_level(server: Server) -> None:
    async def go() -> Any:
        async with websockets.connect(server.ws_url) as ws:
            await ws.send(json.dumps({"type": "start", "sample_rate": 48000, "lesson": "melody",
                                      "level": "virtuoso"}))
            return json.loads(await ws.recv())

    err = asyncio.run(go())
    assert err["type"] == "error" and err["code"] == "bad_start" and err["field"] == "level"


def test_live_bad_start_and_frames(server: Server) -> None:
    async def session(start: Any, frame: bytes = b"") -> tuple[dict[str, Any], int]:
        async with websockets.connect(server.ws_url) as ws:
            await ws.send(start if isinstance(start, (str, bytes)) else json.dumps(start))
            if frame:
                assert json.loads(await ws.recv())["type"] == "ready"
                await ws.send(frame)
            msgs = []
            try:
                async for m in ws:
                    msgs.append(json.loads(m))
            except websockets.ConnectionClosed:
                pass
            return msgs[-1], int(ws.close_code or 0)

    e, code = asyncio.run(session({"type": "start", "format": "f32le"}))
    assert e["type"] == "error" and e["field"] == "sample_rate" and code == 1008
    e, _ = asyncio.run(session({"type": "start", "sample_rate": 48000, "format": "mp3"}))
    assert e["field"] == "format"
    e, _ = asyncio.run(session({"type": "start", "sample_rate": 48000, "lesson": "../x"}))
    assert e["field"] == "lesson"
    e, _ = asyncio.run(session(b"\x00\x01"))
    assert e["code"] == "bad_start"
    e, code = asyncio.run(session({"type": "start", "sample_rate": 48000},
                                  bytes(4 * 48000 // 5)))           # 200 ms
    assert e["code"] == "bad_frame" and code == 1009
    e, code = asyncio.run(session({"type": "start", "sample_rate": 48000}, bytes(7)))
    assert e["code"] == "bad_frame" and code == 1003


# --- load behaviour ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small(dirs: dict[str, Path]) -> Iterator[Server]:
    """One worker, a queue of one, 1 s time limits on requests and uploads, CORS open to one origin, no lesson folder
    and no demo, a 50-event send queue; started by the `rae-server` console script."""
    s = Server(dirs["root"] / "small", {
        "workers": 1, "queue_size": 1, "request_timeout_s": 1.0, "upload_timeout_s": 1.0,
        "max_audio_s": 300.0,
        "cors_origins": ["http://practice.test"], "demo_lesson": False,
        "live_send_queue": 50}, console_script=True)
    try:
        yield s
        s.idle(60)
        assert s.leftovers() == []
    finally:
        s.stop()


def test_cors_closed_by_default(server: Server) -> None:
    pre = server.client.options("/v1/render", headers={
        "Origin": "http://evil.test", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in pre.headers
    get = server.client.get("/v1/lessons", headers={"Origin": "http://evil.test"})
    assert "access-control-allow-origin" not in get.headers


def test_cors_open_from_config_and_no_lessons_without_a_folder(small: Server) -> None:
    pre = small.client.options("/v1/render", headers={
        "Origin": "http://practice.test", "Access-Control-Request-Method": "POST"})
    assert pre.headers["access-control-allow-origin"] == "http://practice.test"
    other = small.client.get("/healthz", headers={"Origin": "http://evil.test"})
    assert "access-control-allow-origin" not in other.headers
    assert small.client.get("/v1/lessons").json() == []
    assert small.client.get("/v1/lessons/demo").status_code == 404


def test_queue_full_503_timeout_504_and_cancel_on_disconnect(small: Server) -> None:
    slow = dense_midi(110.0)                                  # seconds of work at 96 kHz
    params = {"sample_rate": 96000, "reverb": "church"}
    started = small.metric("rae_jobs_started_total")

    async def scenario() -> tuple[int, int, float, str]:
        async with httpx.AsyncClient(base_url=small.url, timeout=60) as ac:
            a = asyncio.ensure_future(ac.post("/v1/render", content=slow, params=params))
            while (await ac.get("/healthz")).json()["in_flight"] == 0:
                await asyncio.sleep(0.02)
            # B waits in the queue; its client gives up, which must cancel it there.
            b_client = httpx.AsyncClient(base_url=small.url, timeout=60)
            b = asyncio.ensure_future(b_client.post("/v1/render", content=slow, params=params))
            while (await ac.get("/healthz")).json()["queue_depth"] == 0:
                await asyncio.sleep(0.02)
            t = time.monotonic()
            c = await ac.post("/v1/render", content=slow, params=params)
            c_s = time.monotonic() - t
            b.cancel()
            await b_client.aclose()
            ra = await a
            return ra.status_code, c.status_code, c_s, c.headers.get("retry-after", "")

    a_status, c_status, c_s, retry_after = asyncio.run(scenario())
    assert c_status == 503 and c_s < 0.5 and int(retry_after) >= 1
    assert a_status == 504                                    # over the 1 s limit
    small.idle(60)
    assert small.metric("rae_jobs_started_total") == started + 1  # B never ran
    assert small.metric("rae_cancelled_total") >= 1
    assert small.metric("rae_rejected_total") >= 1
    assert small.metric("rae_timeouts_total") >= 1
    assert small.client.get("/healthz").json()["status"] == "ok"
    assert small.leftovers() == []


def test_stalled_upload_gets_408_and_leaves_no_files(small: Server) -> None:
    """A client that announces a body and stops sending is answered 408 once the upload time
    limit has passed, and its scratch folder goes."""
    host, port = small.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /v1/analyze HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
                     + b"RIFF" + bytes(60))
        t = time.monotonic()
        answer = b""
        while b"\r\n\r\n" not in answer:
            block = sock.recv(4096)
            if not block:
                break
            answer += block
        waited = time.monotonic() - t
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert 0.8 < waited < 5, waited
    small.idle(60)
    assert small.leftovers() == []


def test_live_slow_reader_is_dropped(melody_wav: Any) -> None:
    """A reader that never reads: over a real socket the kernel's buffers (megabytes on
    loopback) would take minutes to fill, so the stream runs here against a WebSocket whose
    sends never complete, with the service's own stream code and settings."""
    from rust_audio_engine.server import live
    from rust_audio_engine.server.app import State
    from rust_audio_engine.server.config import Settings

    _, audio, sr = melody_wav
    mono = audio.mean(axis=0).astype("<f4")
    frames = [mono[i:i + sr // 50].tobytes() for i in range(0, len(mono), sr // 50)]

    class NeverReads:
        def __init__(self) -> None:
            self.sent = 0
            self.received = 0

        async def receive_text(self) -> str:
            return json.dumps({"type": "start", "sample_rate": sr})

        async def receive(self) -> dict[str, Any]:
            await asyncio.sleep(0.001)
            self.received += 1
            return {"type": "websocket.receive", "bytes": frames[self.received % len(frames)]}

        async def send_text(self, text: str) -> None:
            self.sent += 1
            if self.sent > 3:                     # the client's buffers are full from here
                await asyncio.Event().wait()

    state = State(Settings(live_send_queue=50, live_max_ahead_s=1e6, workers=1))
    ws = NeverReads()

    async def run() -> str:
        with pytest.raises(live.Closing) as info:
            await asyncio.wait_for(live._stream(ws, state), 20)  # type: ignore[arg-type]
        return str(info.value)

    try:
        message = asyncio.run(run())
    finally:
        state.close()
    assert "slow reader" in message
    # It was dropped once 50 events waited, not after the whole take.
    assert ws.received < len(frames)


def test_assess_a_take_against_a_lesson(server: Server) -> None:
    """A MIDI take and a recording of the lesson with E4 played as F#4 and A4 left out."""
    keys = [60, 62, 66, 65, 67, None, 71, 72]
    take = _smf([(i * 480, 400, k) for i, k in enumerate(keys) if k is not None], bpm=90.0)
    r = server.client.post("/v1/render", content=take, headers={"content-type": "audio/midi"})
    assert r.status_code == 200, r.text
    for body, ctype, kind in ((take, "audio/midi", "midi"),
                              (r.content, "audio/wav", "pitch_track")):
        a = server.client.post("/v1/assess?lesson=melody&level=beginner", content=body,
                               headers={"content-type": ctype})
        assert a.status_code == 200, a.text
        got = a.json()
        assert got["take_kind"] == kind and got["lesson"] == "melody"
        assert "/" not in got["take"]                       # no server path leaks
        verdicts = [(n["index"], n["verdict"], n["played_pitch"]) for n in got["notes"]
                    if n["verdict"] != "correct"]
        assert verdicts == [(2, "wrong_pitch", 66), (5, "missed", None)], (kind, verdicts)
        assert got["counts"]["correct"] == 6 and got["counts"]["extra"] == 0
        assert got["tempo_ratio"] == pytest.approx(0.9, abs=0.02)
    bad = server.client.post("/v1/assess?lesson=nope", content=take,
                             headers={"content-type": "audio/midi"})
    assert bad.status_code == 404
    bad = server.client.post("/v1/assess?lesson=melody&level=expert", content=take,
                             headers={"content-type": "audio/midi"})
    assert bad.status_code == 422
    bad = server.client.post("/v1/assess?lesson=long", content=b"RIFF....not audio",
                             headers={"content-type": "audio/wav"})
    assert bad.status_code in (400, 422), bad.text

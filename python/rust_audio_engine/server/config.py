"""The service's settings: defaults, then a TOML file, then `RAE_SERVER_*` environment variables,
then command-line flags, each overriding the one before. Every setting is checked here, once, so
the rest of the service can trust them."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional


class ConfigError(ValueError):
    """A setting that cannot be used; the message names it."""


def _default_workers() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its configuration (see docs/server.md)."""

    host: str = "127.0.0.1"
    port: int = 8000
    # Clients choose SoundFonts and lessons by id among the files of these folders; no folder,
    # no files (the engine's default font and the built-in demo lesson remain).
    soundfont_dir: Optional[Path] = None
    lesson_dir: Optional[Path] = None
    # The SoundFont used when a request names none: an id from soundfont_dir, "builtin", or
    # "default" (the engine's choice: $RAE_SOUNDFONT, the system GM fonts, then the built-in).
    default_soundfont: str = "default"
    # The engine's demo piece offered as lesson "demo".
    demo_lesson: bool = True
    # Rendered lessons and their peaks; None: a folder made at start-up and removed at shutdown.
    cache_dir: Optional[Path] = None
    # Where per-request scratch folders are made; None: the system's temporary folder.
    temp_dir: Optional[Path] = None
    max_upload_bytes: int = 32 * 1024 * 1024
    max_audio_s: float = 600.0
    # Engine calls run on this many threads; requests beyond workers + queue_size get 503.
    workers: int = field(default_factory=_default_workers)
    queue_size: int = 64
    request_timeout_s: float = 120.0
    # The most time a client may take to send its upload (408 after it): a slow or stalled
    # sender cannot hold a connection and a scratch folder open for longer.
    upload_timeout_s: float = 60.0
    # Threads one render may use: 1 keeps concurrent renders from fighting over cores.
    render_threads: int = 1
    cors_origins: tuple[str, ...] = ()
    # Live analysis: streams at once, how far (seconds of audio) a client may run ahead of real
    # time, and how many events may wait for a slow reader before it is dropped.
    live_max_streams: int = 200
    live_max_ahead_s: float = 2.0
    live_send_queue: int = 2000
    live_workers: int = field(default_factory=_default_workers)
    log_level: str = "info"

    def __post_init__(self) -> None:
        def positive(name: str) -> None:
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)!r}")

        for name in ("max_upload_bytes", "max_audio_s", "workers", "request_timeout_s",
                     "upload_timeout_s",
                     "render_threads", "live_max_streams", "live_max_ahead_s",
                     "live_send_queue", "live_workers"):
            positive(name)
        if self.queue_size < 0:
            raise ConfigError(f"queue_size must be 0 or more, not {self.queue_size}")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be 0-65535, not {self.port}")
        for name in ("soundfont_dir", "lesson_dir"):
            d = getattr(self, name)
            if d is not None and not Path(d).is_dir():
                raise ConfigError(f"{name} {d} is not a folder")


_PATHS = {"soundfont_dir", "lesson_dir", "cache_dir", "temp_dir"}
_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    """`value` (from TOML, the environment or a flag) as the type of setting `name`."""
    f = _FIELDS.get(name)
    if f is None:
        raise ConfigError(f"unknown setting '{name}' (known: {', '.join(sorted(_FIELDS))})")
    kind = f.type if isinstance(f.type, str) else str(f.type)
    try:
        if name in _PATHS:
            return None if value in (None, "") else Path(str(value)).expanduser()
        if name == "cors_origins":
            if isinstance(value, str):
                return tuple(o.strip() for o in value.split(",") if o.strip())
            if isinstance(value, (list, tuple)) and all(isinstance(o, str) for o in value):
                return tuple(value)
            raise TypeError("a list of origins or a comma-separated string")
        if kind == "int":
            if isinstance(value, bool):
                raise TypeError("an integer")
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise TypeError("a number")
            return float(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            s = str(value).strip().lower()
            if s in ("1", "true", "yes", "on"):
                return True
            if s in ("0", "false", "no", "off"):
                return False
            raise TypeError("true or false")
        return str(value)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"setting '{name}': {value!r} is not valid ({e})") from None


def load_settings(
    config_file: Optional[Path] = None,
    environ: Optional[Mapping[str, str]] = None,
    overrides: Optional[Mapping[str, Any]] = None,
) -> Settings:
    """Settings from the TOML file (a `[server]` table or top-level keys), then the environment
    (`RAE_SERVER_<NAME>`, e.g. `RAE_SERVER_PORT`; `RAE_SERVER_CONFIG` names the file when
    `config_file` is None), then `overrides` (None values are skipped)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if config_file is None and env.get("RAE_SERVER_CONFIG"):
        config_file = Path(env["RAE_SERVER_CONFIG"])
    if config_file is not None:
        try:
            doc = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        except OSError as e:
            raise ConfigError(f"config file {config_file}: {e.strerror}") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"config file {config_file}: {e}") from None
        table = doc.get("server", doc)
        if not isinstance(table, dict):
            raise ConfigError(f"config file {config_file}: [server] must be a table")
        for k, v in table.items():
            values[k] = _coerce(k, v)
    for k, v in env.items():
        if k.startswith("RAE_SERVER_") and k != "RAE_SERVER_CONFIG":
            values[k[len("RAE_SERVER_"):].lower()] = _coerce(k[len("RAE_SERVER_"):].lower(), v)
    for k, v in (overrides or {}).items():
        if v is not None:
            values[k] = _coerce(k, v)
    return Settings(**values)

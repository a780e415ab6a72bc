"""`rae-server` and `python -m rust_audio_engine.server`: flags over the configuration file and
`RAE_SERVER_*` variables, then uvicorn on the app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rae-server",
        description="rust-audio-engine's HTTP API, live analysis and practice page. Settings come "
                    "from --config (TOML), then RAE_SERVER_* variables, then these flags.")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--config", type=Path, help="a TOML file ([server] table; see docs/server.md)")
    p.add_argument("--soundfont-dir", type=Path, help="SoundFonts clients may choose by name")
    p.add_argument("--lesson-dir", type=Path, help="the lesson library (MIDI files)")
    p.add_argument("--workers", type=int, help="engine threads (default: the core count)")
    p.add_argument("--queue-size", type=int, help="requests that may wait for a worker")
    p.add_argument("--cors-origin", action="append", dest="cors_origins",
                   help="an origin allowed by CORS (repeatable; default none)")
    p.add_argument("--log-level", help="uvicorn's log level (default info)")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        import uvicorn

        from .app import create_app
        from .config import ConfigError, load_settings
    except ImportError as e:
        print(f"rae-server: {e.name} is missing: pip install 'rust_audio_engine[server]'",
              file=sys.stderr)
        return 1
    overrides = {k: v for k, v in vars(args).items() if k != "config"}
    try:
        settings = load_settings(args.config, overrides=overrides)
        app = create_app(settings)
    except (ConfigError, ValueError) as e:
        print(f"rae-server: {e}", file=sys.stderr)
        return 2
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                ws_max_size=4 * 1024 * 1024)
    return 0

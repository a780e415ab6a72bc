"""The HTTP and WebSocket service (the optional extra ``rust_audio_engine[server]``): a FastAPI
app that renders, analyses, processes and draws audio with the engine, analyses live
performances over WebSocket and serves the practice page. Start it with ``rae-server`` or
``python -m rust_audio_engine.server``; see docs/server.md."""

from .app import create_app
from .config import ConfigError, Settings, load_settings
from .main import main

__all__ = ["create_app", "Settings", "load_settings", "ConfigError", "main"]

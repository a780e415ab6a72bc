"""SoundFonts and lessons by id. Clients name them; this module alone turns a name into a path,
and only into a file directly inside its configured folder: an id is a plain file name (letters,
digits, `.`, `_`, `-`; no separator, no leading dot), and the file it names must resolve, after
every symlink, to a regular file in that folder. Anything else is "not found", so a client can
neither read outside the folders nor learn what exists there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import rust_audio_engine as rae

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
SOUNDFONT_SUFFIXES = (".sf2", ".sf3")
LESSON_SUFFIXES = (".mid", ".midi")
BUILTIN_FONTS = ("builtin", "default")
DEMO_LESSON = "demo"


def valid_id(name: str) -> bool:
    return _ID.fullmatch(name) is not None and ".." not in name


def _inside(folder: Path, name: str) -> Optional[Path]:
    """The regular file `name` directly inside `folder`, symlinks resolved, or None."""
    if not valid_id(name):
        return None
    base = folder.resolve()
    candidate = base / name
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if real.parent != base or not real.is_file():
        return None
    return real


@dataclass(frozen=True)
class FontChoice:
    id: str
    # What the engine takes: a path, "builtin", or None (its default search).
    arg: Optional[str]


class Library:
    def __init__(self, soundfont_dir: Optional[Path], lesson_dir: Optional[Path],
                 default_soundfont: str, demo_lesson: bool) -> None:
        self.soundfont_dir = soundfont_dir
        self.lesson_dir = lesson_dir
        self.demo_lesson = demo_lesson
        self.default_soundfont = default_soundfont
        if self.font(default_soundfont) is None:
            raise ValueError(f"default_soundfont '{default_soundfont}' is not 'builtin', "
                             "'default' or a SoundFont file in soundfont_dir")

    # SoundFonts: ids are file names ("FluidR3_GM.sf2"), plus "builtin" and "default".
    def font_ids(self) -> list[str]:
        ids = list(BUILTIN_FONTS)
        if self.soundfont_dir is not None:
            for p in sorted(self.soundfont_dir.iterdir()):
                if p.suffix.lower() in SOUNDFONT_SUFFIXES and _inside(self.soundfont_dir, p.name):
                    ids.append(p.name)
        return ids

    def font(self, font_id: Optional[str]) -> Optional[FontChoice]:
        if font_id is None:
            font_id = self.default_soundfont
        if font_id == "builtin":
            return FontChoice("builtin", "builtin")
        if font_id == "default":
            return FontChoice("default", None)
        if self.soundfont_dir is None or not font_id.lower().endswith(SOUNDFONT_SUFFIXES):
            return None
        path = _inside(self.soundfont_dir, font_id)
        return None if path is None else FontChoice(font_id, str(path))

    # Lessons: ids are file stems ("scale" for scale.mid), plus "demo".
    def lesson_ids(self) -> list[str]:
        ids = [DEMO_LESSON] if self.demo_lesson else []
        if self.lesson_dir is not None:
            for p in sorted(self.lesson_dir.iterdir()):
                if (p.suffix.lower() in LESSON_SUFFIXES and p.stem != DEMO_LESSON
                        and valid_id(p.stem) and _inside(self.lesson_dir, p.name)):
                    ids.append(p.stem)
        return ids

    def lesson_midi(self, lesson_id: str) -> Optional[tuple[bytes, str]]:
        """The lesson's MIDI bytes and a version tag for caches, or None."""
        if lesson_id == DEMO_LESSON:
            return (rae.demo_midi(), f"demo-{rae.__version__}") if self.demo_lesson else None
        if self.lesson_dir is None or not valid_id(lesson_id):
            return None
        for suffix in LESSON_SUFFIXES:
            path = _inside(self.lesson_dir, lesson_id + suffix)
            if path is not None:
                st = path.stat()
                return path.read_bytes(), f"{st.st_mtime_ns}-{st.st_size}"
        return None

"""Assessment of a real recording against its own notes: madmom's `stereo_sample.wav` (a real
piano, 8 notes, `stereo_sample.notes`: onset, MIDI key, duration, velocity) assessed by
`rae assess` against a lesson MIDI file written from those notes. Played as written, every note
must come out correct, with no extra notes (the issue's real-recording check)."""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import rust_audio_engine as rae_py

from run import Case


def _ms(v: object) -> str:
    return f"{v:+.1f} ms" if isinstance(v, (int, float)) else "none"


def run(root: Path, rae: Path) -> list[Case]:
    base = root / "onsets" / "madmom"
    wav, notes_file = base / "stereo_sample.wav", base / "stereo_sample.notes"
    for p in (wav, notes_file):
        if not p.is_file():
            return [Case(f"{p.name} present", False, f"{p} is missing")]
    rows = [line.split() for line in notes_file.read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    notes = [rae_py.TranscribedNote(float(t), float(t) + float(d), int(k), int(v))
             for t, k, d, v in rows]
    with tempfile.TemporaryDirectory() as tmp:
        lesson = Path(tmp) / "stereo_sample.mid"
        rae_py.notes_to_midi(notes, str(lesson))
        proc = subprocess.run([str(rae), "assess", str(wav), str(lesson), "--json", "-"],
                              capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return [Case("rae assess stereo_sample.wav", False, proc.stderr.strip())]
    a = json.loads(proc.stdout)
    cases = [Case(f"note {n['index']} {n['name']} at {n['lesson_s']:.3f} s",
                  n["verdict"] == "correct",
                  f"{n['verdict']}, deviation {_ms(n['deviation_ms'])} ({a['take_kind']})")
             for n in a["notes"]]
    cases.append(Case("every note of the file assessed", len(a["notes"]) == len(rows),
                      f"{len(a['notes'])} of {len(rows)}"))
    cases.append(Case("no extra notes", not a["extra_notes"],
                      ", ".join(f"{x['name']} at {x['played_s']:.2f} s" for x in a["extra_notes"])))
    return cases

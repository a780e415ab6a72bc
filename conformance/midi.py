"""MIDI files that real players play. `midi/jazz-soft/` is a conformance suite whose every file
says in its text events what a player must do ("You must hear a C-Major scale"); `midi/midly/`
holds real files with known faults. Each file is read with `rae info --json` (the engine's parsed
result: notes, registered parameters, texts, warnings) and rendered with `rae render --soundfont
builtin`; what is only observable in audio (a pitch, a glide, silence, loudness) is measured on
the render with the engine's analysis. Broken files must play with one warning per repair, on
the render's stderr too, and `--strict` must refuse them at the first repaired byte. Empty and
non-MIDI files must fail with exit status 1 and a message naming the file.

Files that only say what "your device may" do, or that test a device's sound set (GM2, GS, XG,
Microsoft GS), must parse without warnings, render without error and produce sound. One line per
file; the section passes when every file behaves as stated."""
from __future__ import annotations

import json
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Callable, Optional

import numpy as np

import rust_audio_engine as rae
from run import Case

SR = 22050
C_MAJOR = [60, 62, 64, 65, 67, 69, 71, 72]


class Failed(Exception):
    """An expectation that did not hold."""


def expect(ok: bool, what: str) -> None:
    if not ok:
        raise Failed(what)


class Midi:
    """One file: its `rae info --json` document, and its render (made on first use)."""

    def __init__(self, path: Path, rae_bin: Path, out: Path):
        self.path, self.rae_bin, self.out = path, rae_bin, out
        self.info = self._info()
        self._audio: Optional[np.ndarray] = None
        self.notes = self.info["notes"]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.rae_bin), *args], capture_output=True, text=True, timeout=600)

    def _info(self) -> dict:
        p = self.run("info", "--json", str(self.path))
        expect(p.returncode == 0, f"rae info exited {p.returncode}: {p.stderr.strip()}")
        info = json.loads(p.stdout)
        expect(p.stderr.splitlines() == self.warning_lines(info["warnings"]),
               f"rae info's stderr does not list the warnings: {p.stderr!r}")
        return info

    def warning_lines(self, warnings: list[dict]) -> list[str]:
        return [f"rae: warning: {self.path}: byte {w['offset']}: {w['message']}" for w in warnings]

    @property
    def audio(self) -> np.ndarray:
        """The render (mono), whose stderr must list the same warnings as `rae info`."""
        if self._audio is None:
            wav = self.out / (self.path.stem + ".wav")
            p = self.run("render", str(self.path), "-o", str(wav), "--soundfont", "builtin",
                         "--sample-rate", str(SR), "--quiet")
            expect(p.returncode == 0, f"rae render exited {p.returncode}: {p.stderr.strip()}")
            expect(p.stderr.splitlines() == self.warning_lines(self.info["warnings"]),
                   f"rae render's stderr does not list the warnings: {p.stderr!r}")
            with wave.open(str(wav)) as w:
                frames, sr = w.getnframes(), w.getframerate()
            expect(sr == SR, f"rendered at {sr} Hz")
            # A song without events renders to a file without frames, which is not audio to load.
            self._audio = rae.load_audio(wav)[0].mean(axis=0) if frames else np.zeros(0, np.float32)
        return self._audio

    def rules(self) -> list[str]:
        return [w["rule"] for w in self.info["warnings"]]

    def keys(self, channel: Optional[int] = None, track: Optional[int] = None) -> list[int]:
        return [n["key"] for n in self.notes
                if (channel is None or n["channel"] == channel) and (track is None or n["track"] == track)]

    def window(self, start_s: float, end_s: float) -> np.ndarray:
        return self.audio[int(start_s * SR):int(end_s * SR)]

    def pitch(self, fmin_hz: float = 50.0, fmax_hz: float = 2000.0) -> tuple[np.ndarray, np.ndarray]:
        """Times and MIDI pitches of the voiced frames of the render (pYIN)."""
        track = rae.analyze_pitch(self.audio, SR, fmin_hz=fmin_hz, fmax_hz=fmax_hz)
        voiced = np.asarray(track.voiced) & np.isfinite(track.f0_hz)
        f0 = np.asarray(track.f0_hz)[voiced].astype(float)
        return np.asarray(track.times_s)[voiced], 69 + 12 * np.log2(f0 / 440.0)

    def note_pitches(self, notes: Optional[list[dict]] = None) -> list[float]:
        """The median measured pitch over the middle of each note (NaN when unvoiced)."""
        t, midi = self.pitch()
        out = []
        for n in self.notes if notes is None else notes:
            a, b = n["start_s"] + 0.2 * n["duration_s"], n["start_s"] + 0.8 * n["duration_s"]
            inside = midi[(t >= a) & (t <= b)]
            out.append(float(np.median(inside)) if len(inside) else float("nan"))
        return out


def rms_db(x: np.ndarray) -> float:
    return 10 * np.log10(float(np.mean(np.square(x, dtype=np.float64))) + 1e-20)


def peak_db(x: np.ndarray) -> float:
    return 20 * np.log10(float(np.max(np.abs(x), initial=0.0)) + 1e-20)


# --- what the files say, as checks -------------------------------------------------------------

def sounds(m: Midi) -> str:
    peak = peak_db(m.audio)
    expect(peak > -30, f"the render is silent (peak {peak:.1f} dBFS)")
    return f"{len(m.notes)} notes, {len(m.audio) / SR:.1f} s, peak {peak:.1f} dBFS"


def no_warnings(m: Midi) -> None:
    expect(not m.info["warnings"], f"unexpected warnings: {m.info['warnings']}")


def pitches_are(m: Midi, expected: list[float], notes: Optional[list[dict]] = None,
                tolerance: float = 0.15) -> str:
    measured = m.note_pitches(notes)
    off = [f"{e:g}: {p:.2f}" for e, p in zip(expected, measured) if not abs(p - e) <= tolerance]
    expect(len(measured) == len(expected), f"{len(measured)} notes, expected {len(expected)}")
    expect(not off, f"pitches off by more than {tolerance} semitone: {off}")
    return "heard " + " ".join(f"{p:.2f}" for p in measured)


def one_after_another(notes: list[dict]) -> None:
    for a, b in zip(notes, notes[1:]):
        expect(b["start_s"] >= a["start_s"] + a["duration_s"] - 1e-9,
               f"key {b['key']} at {b['start_s']:.2f} s starts before key {a['key']} ends")


def scale(m: Midi, keys: list[int] = C_MAJOR) -> str:
    """"You must hear a C-Major scale": these keys one after another, heard at these pitches."""
    expect(m.keys() == keys, f"keys {m.keys()}, expected {keys}")
    one_after_another(m.notes)
    return pitches_are(m, keys)


def broken(rules: list[str], then: Callable[[Midi], str] = scale) -> Callable[[Midi], str]:
    """A broken file: played with these warnings; `--strict` refuses it at the first repair
    strict mode does not allow."""
    strict_rules = {"sequential_tracks", "illegal_status", "running_status_after_meta",
                    "truncated_chunk", "truncated_event", "invalid_tempo"}

    def check(m: Midi) -> str:
        expect(m.rules() == rules, f"warnings {m.rules()}, expected {rules}")
        refused = [w for w in m.info["warnings"] if w["rule"] in strict_rules]
        p = m.run("info", "--strict", str(m.path))
        if refused:
            want = f"{m.path}: invalid MIDI at byte {refused[0]['offset']}"
            expect(p.returncode == 1 and want in p.stderr, f"--strict: {p.returncode} {p.stderr!r}")
        else:
            expect(p.returncode == 0, f"--strict refused a file with tolerances only: {p.stderr!r}")
        return f"{len(rules)} warning(s), strict {'refuses' if refused else 'accepts'}; " + then(m)
    return check


def clean(then: Callable[[Midi], str]) -> Callable[[Midi], str]:
    def check(m: Midi) -> str:
        no_warnings(m)
        return then(m)
    return check


def device_specific(m: Midi) -> str:
    """A sound set or a device feature: it must parse, render and sound."""
    no_warnings(m)
    return "device-specific: " + sounds(m)


def no_notes(m: Midi) -> str:
    """A message most devices ignore, in a file without notes: it must read and render."""
    no_warnings(m)
    expect(not m.notes, f"{len(m.notes)} notes")
    m.audio  # renders without error
    return f"no notes; renders {len(m.audio) / SR:.2f} s"


def not_midi(path: Path, rae_bin: Path, out: Path) -> str:
    """Empty and non-MIDI files: exit status 1 from both commands, naming the file and byte."""
    wav = str(out / (path.stem + ".wav"))
    for args in (["info", str(path)], ["render", str(path), "-o", wav, "--soundfont", "builtin"]):
        p = subprocess.run([str(rae_bin), *args], capture_output=True, text=True, timeout=60)
        want = f"rae: error: {path}: invalid MIDI at byte 0"
        expect(p.returncode == 1 and p.stderr.startswith(want), f"{args[0]}: {p.returncode} {p.stderr!r}")
    return f"refused: {p.stderr.strip().split(': ', 2)[-1]}"


def two_scales(m: Midi, together: bool) -> str:
    """Track 1 plays a C major scale on channel 1, track 2 a scale a semitone higher on channel
    2: at the same time (formats 0 and 1) or one after the other (format 2)."""
    one, two = [n for n in m.notes if n["track"] == 0], [n for n in m.notes if n["track"] == 1]
    expect([n["key"] for n in one] == C_MAJOR, f"track 1 keys {[n['key'] for n in one]}")
    expect([n["key"] for n in two] == [61, 63, 65, 66, 68, 70, 72, 73], f"track 2 keys {[n['key'] for n in two]}")
    expect({n["channel"] for n in one} == {0} and {n["channel"] for n in two} == {1}, "channels")
    if together:
        expect([n["start_s"] for n in one] == [n["start_s"] for n in two], "the tracks do not start together")
        return "simultaneous; " + sounds(m)
    one_after_another(one + two)
    return f"sequential (track 2 from {two[0]['start_s']:.2f} s); " + pitches_are(m, C_MAJOR + [61, 63, 65, 66, 68, 70, 72, 73])


def chords(channels: Callable[[list[dict]], bool], what: str) -> Callable[[Midi], str]:
    """"Now you must hear a chord at C5!" ... C6: eight three-note chords on C major roots."""
    def check(m: Midi) -> str:
        no_warnings(m)
        starts = sorted({n["start_s"] for n in m.notes})
        expect(len(starts) == 8, f"{len(starts)} chords")
        for t, root in zip(starts, C_MAJOR):
            chord = [n for n in m.notes if n["start_s"] == t]
            expect(len(chord) == 3 and min(n["key"] for n in chord) == root, f"chord at {t:.2f} s: {chord}")
        expect(channels(m.notes), f"channels and tracks are not as stated ({what})")
        return f"8 chords, {what}; " + sounds(m)
    return check


def gm_percussion(m: Midi) -> str:
    no_warnings(m)
    keys = set(m.keys(channel=9))
    expect(set(m.keys()) == keys, "notes outside channel 10")
    expect(set(range(35, 82)) <= keys, f"GM percussion keys missing: {sorted(set(range(35, 82)) - keys)}")
    return f"keys {min(keys)}-{max(keys)} on channel 10; " + sounds(m)


def gm_sounds(m: Midi) -> str:
    no_warnings(m)
    programs = {p for _, p in m.info["programs"]}
    expect(programs == set(range(128)), f"programs missing: {sorted(set(range(128)) - programs)}")
    return "all 128 programs; " + sounds(m)


def bank_select(m: Midi) -> str:
    """Percussion on channel 1 (bank MSB 120), then melody on channel 10 (MSB 121): the melody
    is heard at its keys, the percussion is not."""
    no_warnings(m)
    drums, melody = m.notes[:4], m.notes[4:]
    expect([n["channel"] for n in drums] == [0] * 4 and [n["channel"] for n in melody] == [9] * 4, "channels")
    heard = pitches_are(m, [60, 64, 67, 72], melody)
    drum_pitches = m.note_pitches(drums)
    tuned = sum(abs(p - n["key"]) < 0.5 for p, n in zip(drum_pitches, drums))
    expect(tuned <= 1, f"channel 1 sounds like a melody: {drum_pitches}")
    return f"channel 1 percussion ({tuned}/4 notes at their key pitch), channel 10 melody: {heard}"


def sections_differ(first: list[dict], second: list[dict], m: Midi, after_s: float) -> float:
    """How much louder (dB) the second group of notes rings `after_s` after its last note-off
    than the first."""
    def ring(group: list[dict]) -> float:
        end = max(n["start_s"] + n["duration_s"] for n in group)
        return rms_db(m.window(end + 0.05, end + after_s))
    return ring(second) - ring(first)


def damper(m: Midi) -> str:
    """"Two sequences must sound different": with the damper held, the notes ring on."""
    no_warnings(m)
    louder = sections_differ(m.notes[:4], m.notes[4:], m, 0.5)
    expect(louder > 6, f"the damper section rings only {louder:.1f} dB louder")
    return f"with the damper the notes ring {louder:.1f} dB louder after their note-offs"


def portamento(m: Midi) -> str:
    """Portamento on, without a portamento time: the device's default time (0 s in GM2, GS and
    XG; measured so on a Roland SC-55) decides whether the sequences differ."""
    no_warnings(m)
    expect(m.keys() == [60, 64, 67, 72] * 2, f"keys {m.keys()}")
    return "device-dependent: portamento on with the default time 0 s; " + sounds(m)


def portamento_control(m: Midi) -> str:
    """"A cool portamento effect": controller 84 makes C5 glide up from C4 over the portamento
    time (controller 5 = 64: 2.06 s)."""
    no_warnings(m)
    t, midi = m.pitch()
    start, end = midi[t < 0.15], midi[(t > 2.2) & (t < 2.4)]
    expect(len(start) and abs(float(np.median(start)) - 48) < 1.0, f"starts at {np.median(start):.2f}")
    expect(len(end) and abs(float(np.median(end)) - 60) < 0.15, f"ends at {np.median(end):.2f}")
    mid = float(np.median(midi[(t > 0.9) & (t < 1.1)]))
    expect(50 < mid < 59, f"at 1 s the glide is at {mid:.2f}")
    return f"glides {np.median(start):.1f} -> {mid:.1f} (1 s) -> {np.median(end):.2f}"


def velocity(m: Midi) -> str:
    """C5 at velocities 1 to 127: each note louder than the one before."""
    no_warnings(m)
    expect([n["velocity"] for n in m.notes] == [1, 16, 32, 48, 64, 80, 96, 112, 127], "velocities")
    levels = [rms_db(m.window(n["start_s"], n["start_s"] + n["duration_s"])) for n in m.notes]
    expect(all(b > a for a, b in zip(levels, levels[1:])), f"levels {levels}")
    return "louder with each velocity: " + " ".join(f"{x:.0f}" for x in levels) + " dB"


def pitch_bend_range(m: Midi) -> str:
    """RPN 0: ±2 (the default), ±½, ±12, ±24, ±36 semitones; each note bends across its range.
    The half semitone is data entry LSB 64, which MIDI 1.0 reads as 64 cents."""
    no_warnings(m)
    ranges = [p["semitones"] for p in m.info["parameters"] if p["parameter"] == "pitch_bend_range"]
    stated = [2, 0.5, 12, 24, 36]
    expect(len(ranges) == 6 and all(abs(r - s) <= 0.15 for r, s in zip(ranges, stated)), f"ranges {ranges}")
    t, midi = m.pitch(fmin_hz=25.0, fmax_hz=3000.0)
    spans = []
    for n, r in zip(m.notes, ranges):
        inside = midi[(t > n["start_s"] + 0.6) & (t < n["start_s"] + n["duration_s"])]
        low, high = np.percentile(inside, [1, 99])
        spans.append((low - 60, high - 60))
        expect(abs(high - 60 - r) < max(0.1, 0.1 * r) and abs(60 - low - r) < max(0.1, 0.1 * r),
               f"range {r}: heard {low - 60:+.2f}..{high - 60:+.2f}")
    return "heard bends " + ", ".join(f"{a:+.2f}..{b:+.2f}" for a, b in spans)


def modulation_depth_range(m: Midi) -> str:
    """RPN 5 (General MIDI 2): half, quarter, whole tone, one and two octaves. This says what
    the file sets; the synthesizer's vibrato depth does not follow it."""
    no_warnings(m)
    depths = [p["semitones"] for p in m.info["parameters"] if p["parameter"] == "modulation_depth_range"]
    expect(depths[:5] == [0.5, 0.25, 2, 12, 24], f"depths {depths}")
    return "ranges " + ", ".join(f"{d:g}" for d in depths[:5]) + " semitones; " + sounds(m)


def quarter_tones(first: float, count: int) -> list[float]:
    return [first + 0.5 * i for i in range(count)]


def silence(m: Midi) -> str:
    """"This test should play nothing for 5 seconds": no notes, and 5 s of silence."""
    no_warnings(m)
    expect(not m.notes, "notes")
    expect(abs(m.info["duration_s"] - 5.0) < 1e-6, f"lasts {m.info['duration_s']} s")
    length = len(m.audio) / SR
    expect(length >= 5.0 - 64 / SR and peak_db(m.audio) < -90, f"{length:.2f} s, peak {peak_db(m.audio):.1f}")
    return f"{length:.2f} s of silence"


def smpte_offset(m: Midi) -> str:
    """"Most players will ignore it": the scale starts at once, not a minute later."""
    expect(m.notes[0]["start_s"] == 0.0, f"starts at {m.notes[0]['start_s']} s")
    return "starts at 0 s; " + scale(m)


def track_length(m: Midi) -> str:
    """"C5 and then the track ends after one half note": the End-of-Track sets the length."""
    no_warnings(m)
    (note,) = m.notes
    end = note["start_s"] + note["duration_s"]
    expect(note["key"] == 60 and abs(m.info["duration_s"] - (end + 1.0)) < 1e-6, f"{note}, {m.info['duration_s']} s")
    length = len(m.audio) / SR
    expect(length >= m.info["duration_s"] - 64 / SR, f"render of {length:.2f} s")
    return f"C5 ends at {end:.2f} s, the track at {m.info['duration_s']:.2f} s; " + pitches_are(m, [60])


def karaoke(m: Midi) -> str:
    """Lyrics in .kar text events (the "Lyrics" track; "@" lines are headers): 26 syllables,
    each shown at most a quarter of a second before the note it is sung on."""
    no_warnings(m)
    words = [t for t in m.info["texts"] if t["kind"] == "text" and t["track"] == 1 and not t["text"].startswith("@")]
    starts = np.array([n["start_s"] for n in m.notes])
    late = [w["text"] for w in words if not np.any((starts >= w["time_s"] - 1e-6) & (starts <= w["time_s"] + 0.25))]
    expect(len(words) == 26 and not late, f"{len(words)} syllables; without a note: {late}")
    return f"{len(words)} syllables on {len(m.notes)} notes; " + sounds(m)


def scale_tuning(m: Midi) -> str:
    """"No tuning. You must hear a regular chromatic scale"; the scale tunings that follow are
    device-specific ("if it works")."""
    no_warnings(m)
    chromatic = list(range(60, 73))
    expect(m.keys()[:13] == chromatic, f"first keys {m.keys()[:13]}")
    return "chromatic scale " + pitches_are(m, chromatic, m.notes[:13]) + "; the tunings are device-specific"


def rmid(m: Midi) -> str:
    no_warnings(m)
    expect(m.info["format"] == 1 and m.info["tempo_changes"] == 121, f"{m.info['tempo_changes']} tempo events")
    return "RMID, 121 tempo events; " + sounds(m)


def time_signatures(m: Midi) -> str:
    no_warnings(m)
    sigs = [f"{s['numerator']}/{s['denominator']}" for s in m.info["time_signatures"]]
    expect(len(sigs) == 7, f"time signatures {sigs}")
    return "time signatures " + " ".join(sigs) + "; " + sounds(m)


def running_status_file(m: Midi) -> str:
    no_warnings(m)
    expect(m.info["note_count"] == 12537, f"{m.info['note_count']} notes")
    return sounds(m)


def sysex_test(m: Midi) -> str:
    """Multi-packet SysEx, a zero-length track and no End-of-Track: read, with the two
    missing End-of-Track events reported."""
    expect(m.rules() == ["missing_end_of_track"] * 2, f"warnings {m.rules()}")
    m.audio  # renders without error
    return "zero-length track and missing End-of-Track reported; renders"


def same_notes_as(other: str) -> Callable[[Midi], str]:
    def check(m: Midi) -> str:
        no_warnings(m)
        twin = Midi(m.path.with_name(other), m.rae_bin, m.out)
        expect(m.notes == twin.notes, f"notes differ from {other}")
        return f"the same {len(m.notes)} notes as {other}; " + sounds(m)
    return check


def tracks_and_channels(notes: list[dict]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for n in notes:
        out.setdefault(n["track"], set()).add(n["channel"])
    return out


def _chords_0(ns: list[dict]) -> bool:
    return tracks_and_channels(ns) == {0: {0, 1, 2}} or len(tracks_and_channels(ns)) == 1 and len(
        {n["channel"] for n in ns}) == 3


def _chords_1(ns: list[dict]) -> bool:
    tc = tracks_and_channels(ns)
    return len(tc) == 3 and all(len(c) == 1 for c in tc.values()) and len(set().union(*tc.values())) == 3


def _chords_2(ns: list[dict]) -> bool:
    tc = tracks_and_channels(ns)
    return sorted(len(c) for c in tc.values()) == [1, 2] and len(set().union(*tc.values())) == 3


def _chords_3(ns: list[dict]) -> bool:
    tc = list(tracks_and_channels(ns).values())
    return len(tc) >= 2 and any(a & b for i, a in enumerate(tc) for b in tc[i + 1:])


ILLEGAL = ["f1-xx", "f2-xx-xx", "f3-xx", "f4", "f5", "f6", "f8", "f9", "fa", "fb", "fc", "fd", "fe"]
NOT_MIDI = "not MIDI"

JAZZ_SOFT: dict[str, object] = {
    "test-2-tracks-type-0.mid": broken(["track_count"], lambda m: two_scales(m, together=True)),
    "test-2-tracks-type-1.mid": clean(lambda m: two_scales(m, together=True)),
    "test-2-tracks-type-2.mid": broken(["sequential_tracks"], lambda m: two_scales(m, together=False)),
    "test-all-gm-percussion.mid": gm_percussion,
    "test-all-gm-sounds.mid": gm_sounds,
    "test-all-gm2-sounds.mid": device_specific,
    "test-all-gs-sounds.mid": device_specific,
    "test-all-microsoft-gs-wavetable-synth-sounds.mid": device_specific,
    "test-all-xg-sounds.mid": device_specific,
    "test-c-major-scale.mid": clean(scale),
    "test-control-00-20-bank-select.mid": bank_select,
    "test-control-40-damper.mid": damper,
    "test-control-41-portamento.mid": portamento,
    "test-control-54-portamento-control.mid": portamento_control,
    "test-control-7c-omni-mode-off.mid": no_notes,
    "test-control-7d-omni-mode-on.mid": no_notes,
    "test-control-7e-mono-mode-on.mid": no_notes,
    "test-control-7f-poly-mode-on.mid": no_notes,
    "test-corrupt-file-extra-byte.mid": broken(["trailing_bytes"]),
    "test-corrupt-file-missing-byte.mid": broken(["truncated_chunk", "truncated_event"]),
    "test-empty-file.mid": NOT_MIDI,
    "test-empty.mid": no_notes,
    "test-gm2-doggy-78-00-38-4c.mid": device_specific,
    "test-gm2-doggy-79-01-7b.mid": device_specific,
    "test-gs-doggy-01-00-7b.mid": device_specific,
    "test-illegal-message-all.mid": broken(["illegal_status"] * 13),
    **{f"test-illegal-message-{x}.mid": broken(["illegal_status"]) for x in ILLEGAL},
    "test-karaoke-kar.mid": karaoke,
    "test-multichannel-chords-0.mid": chords(_chords_0, "three channels in one track"),
    "test-multichannel-chords-1.mid": chords(_chords_1, "three channels in three tracks"),
    "test-multichannel-chords-2.mid": chords(_chords_2, "two channels in one track, one in another"),
    "test-multichannel-chords-3.mid": chords(_chords_3, "two tracks share a channel"),
    "test-non-midi-track.mid": clean(scale),
    "test-not-a-midi-file.mid": NOT_MIDI,
    "test-note-on-velocity.mid": velocity,
    "test-rpn-00-00-pitch-bend-range.mid": pitch_bend_range,
    "test-rpn-00-01-fine-tuning.mid": clean(lambda m: "quarter tones " + pitches_are(m, quarter_tones(64, 25))),
    "test-rpn-00-02-coarse-tuning.mid": clean(lambda m: "C major " + pitches_are(m, C_MAJOR)),
    "test-rpn-00-05-modulation-depth-range.mid": modulation_depth_range,
    "test-running-status-metaevent.mid": broken(["running_status_after_meta"]),
    "test-running-status-sysex.mid": broken(["running_status_after_meta"]),
    "test-silence-all-notes-off.mid": silence,
    "test-silence-end-of-track.mid": silence,
    "test-silence-text-metaevent.mid": silence,
    "test-smpte-offset.mid": clean(smpte_offset),
    "test-sysex-7e-06-01-id-request.mid": no_notes,
    "test-sysex-7e-09-01-gm1-enable.mid": no_notes,
    "test-sysex-7e-09-02-gm-disable.mid": no_notes,
    "test-sysex-7e-09-03-gm2-enable.mid": no_notes,
    "test-sysex-7f-04-03-master-fine-tuning.mid": clean(lambda m: "quarter tones " + pitches_are(m, quarter_tones(59, 5))),
    "test-sysex-7f-04-04-master-coarse-tuning.mid": clean(lambda m: "C major " + pitches_are(m, C_MAJOR)),
    "test-sysex-7x-08-0x-scale-tuning.mid": scale_tuning,
    "test-sysex-gs-40-1x-15-drum-part-change.mid": device_specific,
    "test-sysex-gs-40-1x-4x-scale-tuning.mid": device_specific,
    "test-syx-7e-06-01-id-request.syx": NOT_MIDI,
    "test-track-length.mid": track_length,
    "test-vlq-2-byte.mid": clean(scale),
    "test-vlq-3-byte.mid": clean(scale),
    "test-vlq-4-byte.mid": clean(scale),
    "test-xg-doggy-40-00-30.mid": device_specific,
    "test-xg-doggy-7e-00-00-54.mid": device_specific,
}

MIDLY: dict[str, object] = {
    "Beethoven.rmi": rmid,
    "Clementi.mid": same_notes_as("ClementiRewritten.mid"),
    "ClementiRewritten.mid": clean(sounds),
    "CrabRave.mid": clean(sounds),
    "Levels.mid": clean(sounds),
    "PiDamaged.mid": broken(["track_count", "truncated_chunk", "truncated_event"], sounds),
    "RiverFlowsInYou.mid": time_signatures,
    "Sandstorm.mid": running_status_file,
    "SysExTest.mid": sysex_test,
    "colorlist.txt": NOT_MIDI,
}

# Documentation that ships with the suites, not test files.
NOT_TESTS = {"LICENSE.md", "expected_texts.txt"}


def check(path: Path, expectation: object, rae_bin: Path, out: Path) -> tuple[bool, str]:
    try:
        if expectation == NOT_MIDI:
            return True, not_midi(path, rae_bin, out)
        assert callable(expectation)
        return True, expectation(Midi(path, rae_bin, out))
    except Failed as e:
        return False, str(e)


def run(root: Path, rae_bin: Path) -> list[Case]:
    cases: list[Case] = []
    with tempfile.TemporaryDirectory(prefix="rae-midi-") as tmp:
        out = Path(tmp)
        for suite, table in (("jazz-soft", JAZZ_SOFT), ("midly", MIDLY)):
            folder = root / "midi" / suite
            files = sorted(p.name for p in folder.iterdir() if p.name not in NOT_TESTS) if folder.is_dir() else []
            if not files:
                cases.append(Case(f"{suite}/", False, f"no files in {folder}"))
            for name in sorted(set(files) | set(table)):
                if name not in table:
                    cases.append(Case(f"{suite}/{name}", False, "no expectation written for this file"))
                elif name not in files:
                    cases.append(Case(f"{suite}/{name}", False, "file missing"))
                else:
                    ok, detail = check(folder / name, table[name], rae_bin, out)
                    cases.append(Case(f"{suite}/{name}", ok, detail))
    behaving = sum(c.ok for c in cases)
    print(f"MIDI files behaving as stated: {behaving} out of {len(cases)}")
    return cases

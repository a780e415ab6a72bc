#!/usr/bin/env python3
"""The analysis development set: idiomatic monophonic melodies for GM instruments, written as
MIDI with their truth, rendered by FluidSynth (an independent renderer) through several real
SoundFonts, then put in a room or a hall (pedalboard's Freeverb) with noise at 15-35 dB SNR.

Everything is seeded: the same command writes the same MIDI and truth, and the same audio for
the same FluidSynth, fonts and pedalboard. Not committed: `make devset` regenerates it.

    .venv/bin/python bench/devset.py [--out target/devset] [--fonts fluidr3,musescore,timgm]

Per item it writes NAME.mid, NAME.wav (mono, 44.1 kHz) and NAME.json:
    {"instrument", "family", "program", "font", "room", "snr_db", "sample_rate",
     "notes": [{"onset_s", "offset_s", "sounding_until_s", "midi", "velocity"}],  as played
     "f0": {"hop_s": 0.01, "hz": [...]}}                        truth f0 per 10 ms, 0 = unvoiced
The truth f0 follows the pitch bends written for vibrato and glides, and is voiced from each
note-on to its note-off, or to the moment the note stops sounding if that comes first: a plucked
or struck note can die away before its key is released. "Sounding" is read from FluidSynth's dry
render (before the room and the noise): the last 10 ms frame within the note whose level is
within SOUNDING_DB of the note's loudest frame.
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
import pedalboard as pb
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SR = 44100
HOP_S = 0.01
TPQ = 480
BEND_RANGE = 2.0  # semitones: the GM default, which every font here honours
SOUNDING_DB = 30.0  # a note still sounds while within this many dB of its loudest 10 ms frame

FONTS = {
    "fluidr3": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "musescore": "/usr/share/sounds/sf3/MuseScore_General_Full.sf3",
    "timgm": "/usr/share/sounds/sf2/TimGM6mb.sf2",
}


@dataclass(frozen=True)
class Instrument:
    name: str
    family: str
    program: int
    low: int
    high: int
    vibrato: bool
    # Seconds of the shortest and longest notes this instrument plays idiomatically.
    short: float = 0.12
    long: float = 1.2


INSTRUMENTS = [
    Instrument("flute", "woodwind", 73, 60, 93, True),
    Instrument("clarinet", "woodwind", 71, 50, 86, False),
    Instrument("oboe", "woodwind", 68, 58, 88, True),
    Instrument("bassoon", "woodwind", 70, 34, 70, False),
    Instrument("alto_sax", "woodwind", 65, 49, 80, True),
    Instrument("trumpet", "brass", 56, 54, 82, True),
    Instrument("trombone", "brass", 57, 40, 70, False),
    Instrument("french_horn", "brass", 60, 41, 72, False),
    Instrument("tuba", "brass", 58, 28, 55, False, short=0.2),
    Instrument("violin", "bowed", 40, 55, 93, True),
    Instrument("cello", "bowed", 42, 36, 72, True),
    Instrument("viola", "bowed", 41, 48, 81, True),
    Instrument("nylon_guitar", "guitar", 24, 40, 76, False, long=1.0),
    Instrument("steel_guitar", "guitar", 25, 40, 79, False, long=1.0),
    Instrument("harp", "plucked", 46, 36, 88, False, long=1.0),
    Instrument("pizzicato_strings", "plucked", 45, 43, 84, False, long=0.6),
    Instrument("acoustic_bass", "bass", 32, 28, 55, False, short=0.2),
    Instrument("finger_bass", "bass", 33, 28, 60, False, short=0.15),
    Instrument("choir_aahs", "voice", 52, 48, 79, True, short=0.2),
    Instrument("voice_oohs", "voice", 53, 48, 76, True, short=0.2),
    # GM's drawbar, percussive, rock and (in some fonts) church organs sound a 16' stop: their
    # waveform's period is an octave or two below the note, an ambiguous truth for a pitch
    # tracker. The reed organ and the accordion sound at the written pitch in every font here.
    Instrument("reed_organ", "organ", 20, 36, 84, False),
    Instrument("accordion", "organ", 21, 41, 84, False),
    Instrument("piano", "piano", 0, 33, 96, False, long=1.0),
    Instrument("electric_piano", "piano", 4, 36, 90, False, long=1.0),
]


@dataclass
class Note:
    onset: float
    offset: float
    midi: int
    velocity: int
    vibrato: bool = False
    glide_from: int | None = None  # a legato slide from this key (semitones within the bend range)


def melody(inst: Instrument, rng: np.random.Generator, seconds: float = 24.0) -> list[Note]:
    """Phrases in the idioms melodies use: legato scale runs, staccato, repeated notes, leaps,
    long notes (with vibrato where the instrument has it), short rests between phrases."""
    notes: list[Note] = []
    t = 0.3
    key = int(rng.integers(inst.low + 5, inst.high - 5))
    scale = [0, 2, 4, 5, 7, 9, 11]
    tonic = key - (key % 12)

    def clamp(k: int) -> int:
        return int(min(inst.high, max(inst.low, k)))

    def step(k: int, n: int) -> int:
        # Move n scale steps from k within the scale of the tonic.
        degree = sorted(range(7), key=lambda d: abs((tonic + scale[d]) % 12 - k % 12))[0]
        octave = (k - tonic) // 12
        d = degree + n
        return clamp(tonic + 12 * (octave + d // 7) + scale[d % 7])

    while t < seconds:
        kind = rng.choice(["legato", "staccato", "repeat", "leap", "long", "glide"])
        vel = int(rng.integers(55, 112))
        if kind == "legato":
            dur = float(rng.uniform(0.18, 0.4))
            direction = 1 if rng.random() < 0.5 else -1
            for _ in range(int(rng.integers(4, 9))):
                notes.append(Note(t, t + dur, key, vel))
                t += dur
                key = step(key, direction)
        elif kind == "staccato":
            dur = float(rng.uniform(max(inst.short, 0.1), 0.22))
            gap = float(rng.uniform(0.08, 0.2))
            for _ in range(int(rng.integers(3, 7))):
                key = step(key, int(rng.choice([-2, -1, 1, 2])))
                notes.append(Note(t, t + dur, key, vel))
                t += dur + gap
        elif kind == "repeat":
            dur = float(rng.uniform(max(inst.short, 0.12), 0.3))
            for _ in range(int(rng.integers(3, 6))):
                notes.append(Note(t, t + dur * 0.85, key, vel))
                t += dur
        elif kind == "leap":
            for _ in range(int(rng.integers(2, 5))):
                dur = float(rng.uniform(0.25, 0.6))
                key = clamp(key + int(rng.choice([-12, -9, -7, 7, 9, 12])))
                notes.append(Note(t, t + dur, key, vel))
                t += dur
        elif kind == "long":
            dur = float(rng.uniform(0.8, inst.long + 0.6))
            notes.append(Note(t, t + dur, key, vel, vibrato=inst.vibrato))
            t += dur
        elif inst.family in ("bowed", "voice", "woodwind", "brass"):
            # A glide (portamento) into the next note, within the bend range.
            dur = float(rng.uniform(0.5, 0.9))
            target = clamp(key + int(rng.choice([-2, -1, 1, 2])))
            notes.append(Note(t, t + dur, target, vel, glide_from=key))
            key = target
            t += dur
        t += float(rng.uniform(0.25, 0.6))  # a breath between phrases
    return [n for n in notes if n.offset <= seconds + 2.0]


def bends(note: Note) -> list[tuple[float, float]]:
    """(time, semitones) pitch-bend points of a note: vibrato (5.5 Hz, +-30 cents, growing in
    after 0.25 s) or a 120 ms glide from `glide_from`."""
    pts: list[tuple[float, float]] = []
    if note.vibrato:
        t = note.onset
        while t < note.offset:
            depth = 0.3 * min(1.0, max(0.0, (t - note.onset - 0.25) / 0.3))
            pts.append((t, depth * math.sin(2 * math.pi * 5.5 * (t - note.onset))))
            t += 0.01
    elif note.glide_from is not None:
        span = note.glide_from - note.midi
        for i in range(13):
            pts.append((note.onset + 0.01 * i, span * (1 - i / 12)))
    return pts


def write_midi(notes: list[Note], program: int, path: Path) -> None:
    """One channel (0), tempo 120 (so seconds = beats / 2), the notes and their bends."""
    events: list[tuple[float, int, mido.Message]] = []
    for n in notes:
        for t, semis in bends(n):
            value = int(round(max(-1.0, min(1.0, semis / BEND_RANGE)) * 8191))
            events.append((t, 1, mido.Message("pitchwheel", channel=0, pitch=value)))
        if n.vibrato or n.glide_from is not None:
            events.append((n.offset, 0, mido.Message("pitchwheel", channel=0, pitch=0)))
        events.append((n.onset, 2, mido.Message("note_on", channel=0, note=n.midi, velocity=n.velocity)))
        events.append((n.offset, 0, mido.Message("note_off", channel=0, note=n.midi, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=500_000, time=0))
    track.append(mido.Message("program_change", channel=0, program=program, time=0))
    now = 0
    for t, _, msg in events:
        tick = int(round(t * 2 * TPQ))
        track.append(msg.copy(time=tick - now))
        now = tick
    mid = mido.MidiFile(ticks_per_beat=TPQ)
    mid.tracks.append(track)
    mid.save(str(path))


def sounding_ends(notes: list[Note], dry: np.ndarray, sr: int) -> list[float]:
    """Per note, the end of its last 10 ms frame within SOUNDING_DB of its loudest one in the dry
    render (never after its note-off)."""
    hop = int(round(sr * HOP_S))
    ends = []
    for n in notes:
        a, b = int(n.onset * sr), min(len(dry), int(n.offset * sr))
        seg = dry[a:b]
        frames = len(seg) // hop
        if frames == 0:
            ends.append(n.offset)
            continue
        level = np.sqrt(np.mean(seg[:frames * hop].reshape(frames, hop) ** 2, axis=1) + 1e-20)
        loud = np.nonzero(level >= level.max() * 10 ** (-SOUNDING_DB / 20))[0]
        ends.append(min(n.offset, n.onset + (int(loud[-1]) + 1) * HOP_S))
    return ends


def truth_f0(notes: list[Note], seconds: float, ends: list[float] | None = None) -> list[float]:
    frames = int(seconds / HOP_S) + 1
    f0 = np.zeros(frames)
    for i, n in enumerate(notes):
        pts = bends(n)
        end = n.offset if ends is None else ends[i]
        for k in range(int(math.ceil(n.onset / HOP_S)), min(frames, int(end / HOP_S) + 1)):
            t = k * HOP_S
            semis = 0.0
            if pts:
                before = [s for (pt, s) in pts if pt <= t + 1e-9]
                semis = before[-1] if before else 0.0
            f0[k] = 440.0 * 2 ** ((n.midi + semis - 69) / 12)
    return [round(float(x), 3) for x in f0]


def render(midi: Path, font: str, wav: Path) -> None:
    subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.6", "-r", str(SR),
                    "-F", str(wav), font, str(midi)], check=True, capture_output=True)


def finish(wav: Path, room: str, snr_db: float, rng: np.random.Generator) -> None:
    """Mono mix, the room, the noise, peak-normalised to -3 dBFS."""
    x, sr = sf.read(str(wav), dtype="float32", always_2d=True)
    mono = x.mean(axis=1)
    size, wet = (0.35, 0.18) if room == "room" else (0.85, 0.3)
    verb = pb.Pedalboard([pb.Reverb(room_size=size, damping=0.5, wet_level=wet, dry_level=1.0 - wet, width=0.0)])
    y = verb(mono[np.newaxis, :].astype(np.float32), sr)[0].astype(np.float64)
    power = float(np.mean(y[np.abs(y) > 1e-4] ** 2)) if np.any(np.abs(y) > 1e-4) else 1e-12
    noise = rng.standard_normal(len(y)) * math.sqrt(power / 10 ** (snr_db / 10))
    y = y + noise
    y *= 10 ** (-3 / 20) / max(1e-9, float(np.max(np.abs(y))))
    sf.write(str(wav), y.astype(np.float32), sr, subtype="FLOAT")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "target" / "devset")
    ap.add_argument("--fonts", default="fluidr3,musescore,timgm")
    ap.add_argument("--seconds", type=float, default=24.0)
    args = ap.parse_args()
    fonts = [f for f in args.fonts.split(",") if f]
    for f in fonts:
        if not Path(FONTS[f]).is_file():
            sys.exit(f"{FONTS[f]} is missing: apt-get install fluid-soundfont-gm timgm6mb-soundfont "
                     "musescore-general-soundfont")
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for i, inst in enumerate(INSTRUMENTS):
        for j, font in enumerate(fonts):
            name = f"{inst.name}-{font}"
            rng = np.random.default_rng(1000 * i + j)
            notes = melody(inst, rng, args.seconds)
            room = "room" if (i + j) % 2 == 0 else "hall"
            snr = float(rng.uniform(15.0, 35.0))
            midi = args.out / f"{name}.mid"
            wav = args.out / f"{name}.wav"
            write_midi(notes, inst.program, midi)
            render(midi, FONTS[font], wav)
            dry, _ = sf.read(str(wav), dtype="float64", always_2d=True)
            ends = sounding_ends(notes, dry.mean(axis=1), SR)
            finish(wav, room, snr, rng)
            seconds = sf.info(str(wav)).duration
            truth = {
                "instrument": inst.name, "family": inst.family, "program": inst.program, "font": font,
                "room": room, "snr_db": round(snr, 1), "sample_rate": SR,
                "notes": [{"onset_s": round(n.onset, 4), "offset_s": round(n.offset, 4),
                           "sounding_until_s": round(e, 4), "midi": n.midi, "velocity": n.velocity}
                          for n, e in zip(notes, ends)],
                "f0": {"hop_s": HOP_S, "hz": truth_f0(notes, seconds, ends)},
            }
            (args.out / f"{name}.json").write_text(json.dumps(truth))
            manifest.append(name)
            print(f"{name}: {len(notes)} notes, {seconds:.1f} s, {room}, SNR {snr:.1f} dB", flush=True)
    (args.out / "manifest.json").write_text(json.dumps({"items": manifest}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

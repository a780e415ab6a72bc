#!/usr/bin/env python3
"""Transcription against the `basic-pitch` package (0.4.0, the same model on onnxruntime, at its
default settings), on piano takes rendered by FluidSynth through real SoundFonts, put in a room
or a hall (pedalboard's Freeverb) with noise at 20-35 dB SNR (bench/devset.py's finish()).

Takes: the corpus lessons and piano pieces ($RAE_CORPUS/midi) and the test MIDI files
(tests/data/midi), every channel played on the acoustic grand (program 0), drums dropped, the
first --seconds seconds kept. Truth: the notes of that MIDI file.

Measured, in one run:
  (a) reference mode against the package on the same audio and settings: note F1 taking the
      package's notes as the reference (onset within 50 ms, same pitch; mir_eval);
  (b) speed: seconds per minute of audio, ours (reference mode, from the file: decode, resample,
      model, notes) against the package's predict() (from the file), alternating, medians;
  (c) piano mode and the package against the MIDI truth: note F1, precision, recall;
  (d) the real piano recording $RAE_CONFORMANCE/onsets/madmom/stereo_sample.wav against its
      notes (stereo_sample.notes).

    .venv/bin/python bench/transcribe_vs_basic_pitch.py [--out FILE] [--runs 3] [--seconds 60]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import mido
import mir_eval
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from devset import finish, render  # noqa: E402

import rust_audio_engine as rae  # noqa: E402

FONTS = {
    "fluidr3": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "timgm": "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "musescore": "/usr/share/sounds/sf3/MuseScore_General.sf3",
}
ONSET_TOL = 0.05


def pianoize(src: Path, dst: Path, seconds: float) -> list[tuple[float, float, int]]:
    """`src` with every channel on program 0, drums dropped, notes starting after `seconds`
    dropped; written to `dst`. Returns its notes (start, end, pitch)."""
    mid = mido.MidiFile(str(src))
    out = mido.MidiFile(type=mid.type, ticks_per_beat=mid.ticks_per_beat)
    # Absolute times of every message, through the file's tempo map.
    merged = mido.merge_tracks(mid.tracks)
    tempo, t_s, tick = 500000, 0.0, 0
    cut_tick = None
    for msg in merged:
        t_s += mido.tick2second(msg.time, mid.ticks_per_beat, tempo)
        tick += msg.time
        if msg.type == "set_tempo":
            tempo = msg.tempo
        if cut_tick is None and t_s > seconds:
            cut_tick = tick
    for track in mid.tracks:
        new = mido.MidiTrack()
        tick, carry = 0, 0
        for msg in track:
            tick += msg.time
            carry += msg.time
            drop = False
            if hasattr(msg, "channel") and msg.channel == 9:
                drop = True
            elif msg.type == "program_change":
                msg = msg.copy(program=0)
            elif msg.type == "note_on" and msg.velocity > 0 and cut_tick is not None and tick >= cut_tick:
                drop = True
            if drop:
                continue
            new.append(msg.copy(time=carry))
            carry = 0
        out.tracks.append(new)
    # Channels without a program change play program 0 already.
    out.save(str(dst))
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(str(dst))
    notes = [(n.start, n.end, n.pitch) for inst in pm.instruments if not inst.is_drum for n in inst.notes]
    return sorted(notes)


def f1(ref: list[tuple[float, float, int]], est: list[tuple[float, float, int]]) -> tuple[int, int, int]:
    """(matches, reference count, estimate count) at onset 50 ms, exact pitch."""
    if not ref or not est:
        return 0, len(ref), len(est)

    def arr(ns):
        iv = np.array([[a, max(b, a + 1e-3)] for a, b, _ in ns])
        hz = np.array([440.0 * 2 ** ((p - 69) / 12) for _, _, p in ns])
        return iv, hz

    matching = mir_eval.transcription.match_notes(*arr(ref), *arr(est), onset_tolerance=ONSET_TOL,
                                                  pitch_tolerance=50.0, offset_ratio=None)
    return len(matching), len(ref), len(est)


def prf(counts: list[tuple[int, int, int]]) -> tuple[float, float, float]:
    m = sum(c[0] for c in counts)
    r = sum(c[1] for c in counts)
    e = sum(c[2] for c in counts)
    p = m / e if e else 0.0
    rc = m / r if r else 0.0
    return (2 * p * rc / (p + rc) if p + rc else 0.0), p, rc


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "bench/results/transcribe_vs_basic_pitch.txt"))
    ap.add_argument("--runs", type=int, default=3, help="timing passes over all takes")
    ap.add_argument("--seconds", type=float, default=60.0, help="longest take")
    ap.add_argument("--fonts", default="fluidr3,timgm")
    ap.add_argument("--work", default=str(ROOT / "target/transcribe-bench"))
    args = ap.parse_args()

    import onnxruntime
    from basic_pitch import ICASSP_2022_MODEL_PATH
    from basic_pitch.inference import Model, predict

    onnx_path = Path(ICASSP_2022_MODEL_PATH).parent / "nmp.onnx"
    model = Model(str(onnx_path))

    corpus = Path(os.environ.get("RAE_CORPUS", ROOT.parent / "shared/corpus"))
    sources = sorted((corpus / "midi").glob("lesson_*.mid")) + sorted((corpus / "midi").glob("piano_*.mid"))
    sources += [corpus / "midi/voice_piano_pedal_m21test03.mid"]
    sources += sorted(p for p in (ROOT / "tests/data/midi").glob("*.mid") if p.name not in {s.name for s in sources})
    fonts = [f for f in args.fonts.split(",")]
    for f in fonts:
        if not Path(FONTS[f]).is_file():
            raise SystemExit(f"{FONTS[f]} is not installed")

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(13)
    takes = []  # (name, wav, truth, seconds)
    for src in sources:
        mid = work / f"{src.stem}.mid"
        truth = pianoize(src, mid, args.seconds)
        for f in fonts:
            room = "room" if rng.random() < 0.5 else "hall"
            snr = float(rng.uniform(20, 35))
            wav = work / f"{src.stem}-{f}.wav"
            render(mid, FONTS[f], wav)
            finish(wav, room, snr, rng)
            info = rae.load_audio(str(wav))
            dur = info[0].shape[1] / info[1]
            takes.append((f"{src.stem} / {f} / {room} {snr:.0f} dB", wav, truth, dur))
    total_s = sum(t[3] for t in takes)
    print(f"{len(takes)} takes, {total_s / 60:.1f} min of audio", file=sys.stderr)

    load_before = os.getloadavg()
    rows = []
    vs_pkg, piano, ref_truth, pkg_truth = [], [], [], []
    pkg_notes_all = {}
    for name, wav, truth, dur in takes:
        _, _, ev = predict(str(wav), model)
        pkg = sorted((float(a), float(b), int(p)) for a, b, p, *_ in ev)
        ours_ref = [(n.start, n.end, n.pitch) for n in rae.transcribe(str(wav), mode="reference")]
        ours_piano = [(n.start, n.end, n.pitch) for n in rae.transcribe(str(wav), mode="piano")]
        pkg_notes_all[name] = pkg
        c_vs = f1(pkg, ours_ref)
        c_piano, c_ref, c_pkg = f1(truth, ours_piano), f1(truth, ours_ref), f1(truth, pkg)
        vs_pkg.append(c_vs)
        piano.append(c_piano)
        ref_truth.append(c_ref)
        pkg_truth.append(c_pkg)
        rows.append((name, dur, prf([c_vs])[0], prf([c_piano]), prf([c_pkg]), len(truth)))
        print(f"{name}: ref-vs-pkg {rows[-1][2]:.3f} piano {rows[-1][3][0]:.3f} pkg {rows[-1][4][0]:.3f}",
              file=sys.stderr)

    # Speed: alternate ours and theirs over all takes, `runs` passes.
    ours_t, pkg_t = [], []
    rae.transcribe(str(takes[0][1]), mode="reference")
    predict(str(takes[0][1]), model)
    for _ in range(args.runs):
        a = b = 0.0
        for _, wav, _, _ in takes:
            t0 = time.perf_counter()
            rae.transcribe(str(wav), mode="reference")
            a += time.perf_counter() - t0
            t0 = time.perf_counter()
            predict(str(wav), model)
            b += time.perf_counter() - t0
        ours_t.append(a)
        pkg_t.append(b)
    load_after = os.getloadavg()
    info = rae.transcribe_notes(str(takes[0][1]), mode="reference")[1]

    # The real recording.
    conf = Path(os.environ.get("RAE_CONFORMANCE", ROOT.parent / "shared/conformance"))
    wav = conf / "onsets/madmom/stereo_sample.wav"
    real = []
    for line in (conf / "onsets/madmom/stereo_sample.notes").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            t, p, d, _v = line.split()
            real.append((float(t), float(t) + float(d), int(p)))
    _, _, ev = predict(str(wav), model)
    real_pkg = [(float(a), float(b), int(p)) for a, b, p, *_ in ev]
    real_piano = [(n.start, n.end, n.pitch) for n in rae.transcribe(str(wav), mode="piano")]
    real_ref = [(n.start, n.end, n.pitch) for n in rae.transcribe(str(wav), mode="reference")]

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    per_min = lambda ts: [t / (total_s / 60) for t in ts]  # noqa: E731
    o, t = per_min(ours_t), per_min(pkg_t)
    ratios = [b / a for a, b in zip(ours_t, pkg_t)]
    out = []
    out.append(f"# Transcription vs basic-pitch {__import__('basic_pitch').__version__ if hasattr(__import__('basic_pitch'), '__version__') else '0.4.0'}"
               f" (onnxruntime {onnxruntime.__version__}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    out.append(f"machine: {cpu}, {os.cpu_count()} logical CPUs; load average before "
               f"{' '.join(f'{x:.2f}' for x in load_before)}, after {' '.join(f'{x:.2f}' for x in load_after)}"
               " (shared with another engineer's builds: noisy)")
    out.append(f"ours: rust_audio_engine {rae.__version__} wheel, model {info['model']}, {info['threads']} threads; "
               f"package: predict() at its defaults, onnxruntime CPU provider, default threads")
    out.append(f"takes: {len(takes)} ({total_s / 60:.1f} min): {len(sources)} MIDI files x fonts {', '.join(fonts)}; "
               f"each channel on program 0, drums dropped, first {args.seconds:.0f} s; FluidSynth "
               "(-R 0 -C 0 -g 0.6, 44.1 kHz), then devset.finish(): Freeverb room or hall, noise 20-35 dB SNR, mono, -3 dBFS")
    out.append(f"note F1: mir_eval match_notes, onset within {ONSET_TOL * 1000:.0f} ms, same pitch, offsets ignored; "
               "pooled over all takes (total matches)")
    out.append("")
    f, p, r = prf(vs_pkg)
    out.append(f"(a) reference mode vs the package's notes (package = reference): F1 {f:.4f} (P {p:.4f}, R {r:.4f}); "
               f"per take: median {statistics.median(x[2] for x in rows):.4f}, min {min(x[2] for x in rows):.4f}")
    out.append(f"(b) speed, seconds per minute of audio (median of {args.runs} passes, ranges): "
               f"ours {statistics.median(o):.2f} ({min(o):.2f}-{max(o):.2f}), package {statistics.median(t):.2f} "
               f"({min(t):.2f}-{max(t):.2f}); package / ours {statistics.median(ratios):.2f}x "
               f"({min(ratios):.2f}-{max(ratios):.2f}); ours = {60 / statistics.median(o):.0f}x real time")
    for label, counts in [("piano mode", piano), ("reference mode", ref_truth), ("package", pkg_truth)]:
        f, p, r = prf(counts)
        out.append(f"(c) {label:14s} vs MIDI truth: F1 {f:.3f} (P {p:.3f}, R {r:.3f})")
    out.append("")
    out.append(f"{'take':58s} {'min':>5s} {'ref~pkg':>7s} {'piano F1 (P/R)':>20s} {'package F1 (P/R)':>20s} notes")
    for name, dur, vs, pf, kf, n in rows:
        out.append(f"{name:58s} {dur / 60:5.2f} {vs:7.3f} {pf[0]:8.3f} ({pf[1]:.2f}/{pf[2]:.2f}) "
                   f"{kf[0]:8.3f} ({kf[1]:.2f}/{kf[2]:.2f}) {n}")
    out.append("")
    out.append(f"(d) {wav.name} (a real piano, {len(real)} notes in stereo_sample.notes):")
    for label, est in [("piano mode", real_piano), ("reference mode", real_ref), ("package", real_pkg)]:
        f, p, r = prf([f1(real, est)])
        out.append(f"    {label:14s} F1 {f:.3f} (P {p:.3f}, R {r:.3f}), {len(est)} notes")
    f, p, r = prf([f1(real_pkg, real_ref)])
    out.append(f"    reference mode vs the package: F1 {f:.3f}")
    text = "\n".join(out) + "\n"
    print(text)
    Path(args.out).write_text(text)
    json.dump({name: notes for name, notes in pkg_notes_all.items()}, open(work / "package_notes.json", "w"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

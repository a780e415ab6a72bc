#!/usr/bin/env python3
"""Analysis accuracy on real material, ours against the peers in the same run: pitch (mir_eval
raw pitch accuracy RPA, raw chroma accuracy RCA, voicing recall VR, false alarm VFA, overall
accuracy OA), onsets (F at 50 ms) and notes (F at 50 ms onset and 50 cents pitch), per
instrument family of the development set (`bench/devset.py`) and per conformance set
(`$RAE_CONFORMANCE/pitch`, `onsets`), plus tempo, the streaming analyser against offline, and
the speed of pYIN against librosa's.

Peers: librosa.pyin (same fmin/fmax, a 10 ms hop, a ~93 ms frame), aubio yinfft, librosa and
aubio onsets, and for notes librosa.pyin followed by our note segmentation
(`notes_from_pitch`). librosa.pyin is slow (about a third of real time), so its results are
cached in the dev set folder by file content.

    make devset && .venv/bin/python bench/accuracy.py [--devset target/devset] [--out FILE]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

import mir_eval
import numpy as np

import rust_audio_engine as rae

ROOT = Path(__file__).resolve().parents[1]
CONF = Path(os.environ.get("RAE_CONFORMANCE", ROOT.parent / "shared" / "conformance"))
HOP_S = 0.01
warnings.filterwarnings("ignore")

PITCH_KEYS = ["RPA", "RCA", "VR", "VFA", "OA"]


def pitch_scores(ref_t, ref_f, est_t, est_f) -> dict[str, float]:
    est_f = np.where(np.isfinite(est_f) & (np.asarray(est_f) > 0), est_f, 0.0)
    s = mir_eval.melody.evaluate(np.asarray(ref_t, float), np.asarray(ref_f, float),
                                 np.asarray(est_t, float), np.asarray(est_f, float))
    return {"RPA": s["Raw Pitch Accuracy"], "RCA": s["Raw Chroma Accuracy"], "VR": s["Voicing Recall"],
            "VFA": s["Voicing False Alarm"], "OA": s["Overall Accuracy"]}


def note_f(ref: list[tuple[float, float, float]], est: list[tuple[float, float, float]]) -> float:
    """(onset, offset, hz) lists; F at 50 ms onset tolerance and 50 cents, offsets ignored."""
    if not ref or not est:
        return 0.0 if (ref or est) else 1.0
    ri = np.array([[a, max(b, a + 1e-3)] for a, b, _ in ref])
    ei = np.array([[a, max(b, a + 1e-3)] for a, b, _ in est])
    _, _, f, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ri, np.array([h for _, _, h in ref]), ei, np.array([h for _, _, h in est]),
        onset_tolerance=0.05, pitch_tolerance=50.0, offset_ratio=None)
    return float(f)


def onset_f(ref, est) -> float:
    return float(mir_eval.onset.f_measure(np.asarray(ref, float), np.asarray(est, float), window=0.05)[0])


def hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


class Peers:
    """librosa and aubio, each optional; librosa.pyin cached by audio hash."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        cache.mkdir(parents=True, exist_ok=True)
        try:
            import librosa

            self.librosa = librosa
        except ImportError:
            self.librosa = None
        try:
            import aubio

            self.aubio = aubio
        except ImportError:
            self.aubio = None
        self.pyin_seconds = 0.0
        self.pyin_audio_seconds = 0.0

    def pyin(self, x: np.ndarray, sr: int, fmin: float, fmax: float):
        key = hashlib.sha1(x.tobytes() + f"{sr}/{fmin}/{fmax}".encode()).hexdigest()[:16]
        path = self.cache / f"pyin-{key}.npz"
        if path.exists():
            d = np.load(path)
            return d["t"], d["f0"], d["v"]
        hop = int(round(sr * HOP_S))
        frame = 2048 if sr <= 24000 else 4096
        t0 = time.perf_counter()
        f0, v, _ = self.librosa.pyin(x, sr=sr, fmin=fmin, fmax=fmax, frame_length=frame, hop_length=hop)
        self.pyin_seconds += time.perf_counter() - t0
        self.pyin_audio_seconds += len(x) / sr
        t = self.librosa.times_like(f0, sr=sr, hop_length=hop)
        np.savez(path, t=t, f0=np.nan_to_num(f0), v=v)
        return t, np.nan_to_num(f0), v

    def yinfft(self, x: np.ndarray, sr: int):
        hop = int(round(sr * HOP_S))
        win = 2048 if sr <= 24000 else 4096
        p = self.aubio.pitch("yinfft", win, hop, sr)
        p.set_unit("Hz")
        n = len(x) // hop
        f0 = np.array([p(np.ascontiguousarray(x[i * hop:(i + 1) * hop], dtype=np.float32))[0] for i in range(n)])
        t = np.arange(n) * hop / sr + (hop - win / 2) / sr
        return t, f0

    def onsets_librosa(self, x, sr):
        return self.librosa.onset.onset_detect(y=x, sr=sr, units="time")

    def onsets_aubio(self, x, sr, method="specflux"):
        hop = 256
        o = self.aubio.onset(method, 1024, hop, sr)
        out = []
        x = np.ascontiguousarray(x, dtype=np.float32)
        for i in range(len(x) // hop):
            if o(x[i * hop:(i + 1) * hop]):
                out.append(o.get_last_s())
        return np.array(out)


def evaluate_item(x, sr, ref_t, ref_f, fmin, fmax, peers: Peers, ref_onsets=None, ref_notes=None,
                  timing: dict | None = None) -> dict[str, dict[str, float]]:
    """Scores of every tracker on one recording."""
    out: dict[str, dict[str, float]] = {}
    t0 = time.perf_counter()
    track = rae.analyze_pitch(x, sr, fmin_hz=fmin, fmax_hz=fmax, hop_length=int(round(sr * HOP_S)))
    if timing is not None:
        timing["ours"] = timing.get("ours", 0.0) + time.perf_counter() - t0
        timing["audio"] = timing.get("audio", 0.0) + len(x) / sr
    out["ours pyin"] = pitch_scores(ref_t, ref_f, track.times_s, track.f0_hz)
    # The streaming frame is half the offline one (for latency), but must still hold two periods
    # of fmin.
    need = 2 * (int(np.ceil(sr / fmin)) + 2)
    frame = max(need, track.frame_length // 2)
    frame = int(np.ceil(frame / 256) * 256)
    live = rae.StreamingAnalyzer(sr, fmin_hz=fmin, fmax_hz=fmax, hop_length=int(round(sr * HOP_S)),
                                 frame_length=frame, onsets=False)
    ev = live.process(x) + live.flush()
    pe = [e for e in ev if e["type"] == "pitch"]
    out["ours streaming"] = pitch_scores(ref_t, ref_f, [e["time_s"] for e in pe],
                                         [e["f0_hz"] or 0.0 for e in pe])
    lt = lf = None
    if peers.librosa is not None:
        lt, lf, _ = peers.pyin(x, sr, fmin, fmax)
        out["librosa pyin"] = pitch_scores(ref_t, ref_f, lt, lf)
    if peers.aubio is not None:
        at, af = peers.yinfft(x, sr)
        out["aubio yinfft"] = pitch_scores(ref_t, ref_f, at, af)
    if ref_onsets is not None:
        out["ours pyin"]["onsetF"] = onset_f(ref_onsets, rae.detect_onsets(x, sr).times_s)
        if peers.librosa is not None:
            out["librosa pyin"]["onsetF"] = onset_f(ref_onsets, peers.onsets_librosa(x, sr))
        if peers.aubio is not None:
            out["aubio yinfft"]["onsetF"] = onset_f(ref_onsets, peers.onsets_aubio(x, sr))
    if ref_notes is not None:
        ours = rae.detect_notes(x, sr, fmin_hz=fmin, fmax_hz=fmax, hop_length=int(round(sr * HOP_S)))
        out["ours pyin"]["noteF"] = note_f(ref_notes, [(n.start_s, n.end_s, hz(n.midi + n.cents / 100)) for n in ours])
        if lt is not None:
            other = rae.PitchTrack(lt, lf, sample_rate=sr, hop_length=int(round(sr * HOP_S)))
            theirs = rae.notes_from_pitch(other, x, sr)
            out["librosa pyin"]["noteF"] = note_f(ref_notes,
                                                  [(n.start_s, n.end_s, hz(n.midi + n.cents / 100)) for n in theirs])
    return out


def mono(path: Path) -> tuple[np.ndarray, int]:
    a, sr = rae.load_audio(path)
    return np.ascontiguousarray(a.mean(axis=0), dtype=np.float32), sr


def devset(folder: Path, peers: Peers, timing: dict, fmin: float, fmax: float):
    items = json.loads((folder / "manifest.json").read_text())["items"]
    rows = []
    for name in items:
        truth = json.loads((folder / f"{name}.json").read_text())
        x, sr = mono(folder / f"{name}.wav")
        ref_f = np.array(truth["f0"]["hz"])
        ref_t = np.arange(len(ref_f)) * truth["f0"]["hop_s"]
        notes = truth["notes"]
        onsets = sorted({round(n["onset_s"], 4) for n in notes})
        ref_notes = [(n["onset_s"], n["offset_s"], hz(n["midi"])) for n in notes]
        s = evaluate_item(x, sr, ref_t, ref_f, fmin, fmax, peers, onsets, ref_notes, timing)
        rows.append((truth["family"], truth["instrument"], truth["font"], s))
        print(f"  {name}: ours RPA {s['ours pyin']['RPA']:.3f} onsetF {s['ours pyin']['onsetF']:.3f} "
              f"noteF {s['ours pyin']['noteF']:.3f}"
              + (f" | librosa RPA {s['librosa pyin']['RPA']:.3f}" if "librosa pyin" in s else ""), flush=True)
    return rows


def conformance_sets(peers: Peers):
    """(set name, [scores per file]) for the pitch sets, with their fmin/fmax."""
    sets = []
    fda = CONF / "pitch" / "fda_ue"
    for label, prefix in (("FDA male", "rl"), ("FDA female", "sb")):
        scores = []
        for wav in sorted(fda.glob(f"{prefix}*.wav")):
            ref_f = np.loadtxt(wav.with_suffix(".f0ref"))
            ref_f = ref_f[:, 0] if ref_f.ndim > 1 else ref_f
            ref_t = np.arange(len(ref_f)) * 0.015
            x, sr = mono(wav)
            scores.append(evaluate_item(x, sr, ref_t, ref_f, 50.0, 600.0, peers))
        sets.append((label, scores))
    voc = CONF / "pitch" / "vocadito"
    ref = np.loadtxt(voc / "vocadito_1_f0.csv", delimiter=",")
    x, sr = mono(voc / "vocadito_1.wav")
    notes = {}
    for a in ("A1", "A2"):
        n = np.loadtxt(voc / f"vocadito_1_notes{a}.csv", delimiter=",", ndmin=2)
        notes[a] = [(on, on + dur, f) for on, f, dur in n]
    s = evaluate_item(x, sr, ref[:, 0], ref[:, 1], 60.0, 1000.0, peers, ref_notes=notes["A1"])
    s2 = evaluate_item(x, sr, ref[:, 0], ref[:, 1], 60.0, 1000.0, peers, ref_notes=notes["A2"])
    for k in s:
        if "noteF" in s2.get(k, {}):
            s[k]["noteF A2"] = s2[k]["noteF"]
    sets.append(("vocadito", [s]))
    mdb = next((CONF / "pitch" / "mdb_stem_synth").glob("*.wav"))
    ref = np.loadtxt(mdb.with_suffix(".csv"), delimiter=",")
    x, sr = mono(mdb)
    sets.append(("MDB stem", [evaluate_item(x, sr, ref[:, 0], ref[:, 1], 60.0, 1000.0, peers)]))
    return sets


def mean_scores(scores: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for s in scores:
        for tracker, m in s.items():
            for k, v in m.items():
                out[tracker][k].append(v)
    return {t: {k: float(np.mean(v)) for k, v in m.items()} for t, m in out.items()}


def table(title: str, groups: list[tuple[str, dict[str, dict[str, float]]]], keys: list[str]) -> list[str]:
    trackers = ["ours pyin", "librosa pyin", "aubio yinfft", "ours streaming"]
    lines = ["", title, f"{'set':16} {'tracker':16} " + " ".join(f"{k:>8}" for k in keys)]
    for name, m in groups:
        for t in trackers:
            if t in m:
                lines.append(f"{name:16} {t:16} " + " ".join(
                    f"{m[t][k]:8.3f}" if k in m[t] else f"{'-':>8}" for k in keys))
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devset", type=Path, default=ROOT / "target" / "devset")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "accuracy.txt")
    ap.add_argument("--fmin", type=float, default=40.0)
    ap.add_argument("--fmax", type=float, default=2100.0)
    args = ap.parse_args()
    if not (args.devset / "manifest.json").exists():
        sys.exit(f"no development set at {args.devset}: run `make devset`")
    peers = Peers(args.devset / "peer-cache")
    timing: dict[str, float] = {}
    print("development set")
    rows = devset(args.devset, peers, timing, args.fmin, args.fmax)
    fams: dict[str, list] = defaultdict(list)
    for fam, _, _, s in rows:
        fams[fam].append(s)
    fam_groups = [(f, mean_scores(v)) for f, v in sorted(fams.items())]
    fam_groups.append(("ALL", mean_scores([s for *_, s in rows])))
    print("conformance sets")
    sets = [(n, mean_scores(v)) for n, v in conformance_sets(peers)]

    lines = [f"Analysis accuracy; rust_audio_engine {rae.__version__}; dev set {args.devset} "
             f"({len(rows)} recordings, fmin {args.fmin} / fmax {args.fmax} Hz, 10 ms hop); "
             f"conformance {CONF}"]
    lines += table("Pitch, onsets and notes per instrument family (mean over the family's recordings)",
                   fam_groups, PITCH_KEYS + ["onsetF", "noteF"])
    lines += table("Pitch per conformance set (FDA 50-600 Hz, others 60-1000 Hz); vocadito notes against "
                   "annotators A1 and A2", sets, PITCH_KEYS + ["noteF", "noteF A2"])
    # madmom onsets and the tempo files.
    mm = CONF / "onsets" / "madmom"
    x, sr = mono(mm / "sample.wav")
    ref = np.loadtxt(mm / "sample.onsets", comments="#")
    lines += ["", "Onsets, madmom sample.wav (15 onsets), F at 50 ms",
              f"  ours {onset_f(ref, rae.detect_onsets(x, sr).times_s):.3f}"
              + (f"  librosa {onset_f(ref, peers.onsets_librosa(x, sr)):.3f}" if peers.librosa else "")
              + (f"  aubio {onset_f(ref, peers.onsets_aubio(x, sr)):.3f}" if peers.aubio else "")]
    lines += ["", "Tempo (BPM; within 2% wanted, no octave error)"]
    for path, want in ((CONF / "onsets/tempo/ballroom_waltz_Media-105901.wav", 84.0),
                       (CONF / "onsets/tempo/hainsworth_hains001.flac", 100.16)):
        x, sr = mono(path)
        ours = rae.estimate_tempo(x, sr).bpm
        theirs = float(np.atleast_1d(peers.librosa.beat.beat_track(y=x, sr=sr)[0])[0]) if peers.librosa else float("nan")
        lines.append(f"  {path.name}: expected {want}, ours {ours:.2f} ({(ours / want - 1) * 100:+.1f}%), "
                     f"librosa {theirs:.2f}")
    if peers.pyin_seconds:
        lines += ["", f"Speed: ours pyin {timing['audio'] / timing['ours']:.0f}x real time, librosa pyin "
                      f"{peers.pyin_audio_seconds / peers.pyin_seconds:.1f}x (on the recordings it was not cached "
                      f"for): {(peers.pyin_audio_seconds / peers.pyin_seconds) and (timing['audio'] / timing['ours']) / (peers.pyin_audio_seconds / peers.pyin_seconds):.0f}x"]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

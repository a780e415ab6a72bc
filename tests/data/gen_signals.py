#!/usr/bin/env python3
"""The project's seeded test-signal generator (see tests/data/README.md).

Writes to the folder given as argv[1] (`make testdata`: target/testdata/audio):
  music_stereo_30s.wav     (a) 30 s stereo "piano-like" music, 44.1 kHz, float32
  melody_mono_30s.wav      (b) 30 s mono monophonic melody, 20 dB SNR, float32
  melody_mono_30s_clean.wav    same melody without the noise (secondary onset test)
  melody_f0_10ms.csv       (b) ground truth: time_s,f0_hz (0 = unvoiced), 10 ms grid,
                               value = instantaneous f0 at that time
  melody_onsets.csv/.json  (b) ground-truth note onsets (s)
  melody_notes.json        (b) full note list (start, end, midi, vibrato, timbre)
  ir_stereo_2p5s.wav       (c) 2.5 s stereo IR, exponentially decaying noise, RT60 2 s
Everything is seeded; re-running gives bit-identical files for the same numpy version.
"""
import json
import os
import sys

import numpy as np
import soundfile as sf

SR = 44100
DUR = 30.0
N = int(SR * DUR)
if len(sys.argv) != 2:
    sys.exit("usage: gen_signals.py OUT_DIR")
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)


def midi_to_hz(m):
    return 440.0 * 2.0 ** ((np.asarray(m, dtype=float) - 69.0) / 12.0)


# ---------------------------------------------------------------- (a) music
def gen_music(seed=1):
    rng = np.random.default_rng(seed)
    y = np.zeros((2, N), dtype=np.float64)
    t_cursor = 0.0
    notes = 0
    while True:
        t_cursor += rng.exponential(1.0 / 6.0)          # ~6 note events / s
        if t_cursor > DUR - 0.1:
            break
        n_simul = rng.choice([1, 1, 1, 2, 3])            # sometimes dyads/triads
        base = rng.integers(36, 90)
        for j in range(n_simul):
            midi = int(np.clip(base + [0, 4, 7, 12][j % 4] * (j > 0), 24, 100))
            f0 = float(midi_to_hz(midi))
            vel = rng.uniform(0.15, 0.6)
            B = 1e-4 * 2 ** ((midi - 48) / 12.0) * rng.uniform(0.5, 1.5)  # inharmonicity
            tau0 = float(np.clip(2.5 * np.sqrt(220.0 / f0), 0.25, 5.0))   # s
            start = int(t_cursor * SR)
            L = min(int(5 * tau0 * SR), N - start)
            if L <= 0:
                continue
            t = np.arange(L) / SR
            K = int(min(24, np.floor(15000.0 / f0)))
            sig = np.zeros(L)
            bright = rng.uniform(0.8, 1.6)
            for k in range(1, K + 1):
                fk = k * f0 * np.sqrt(1.0 + B * k * k)
                if fk >= 0.45 * SR:
                    break
                ak = k ** (-bright) * (1.0 + 0.3 * rng.standard_normal()) ** 2
                tauk = tau0 / (1.0 + 0.35 * (k - 1))
                sig += ak * np.exp(-t / tauk) * np.sin(2 * np.pi * fk * t + rng.uniform(0, 2 * np.pi))
            att = min(int(0.003 * SR), L)
            sig[:att] *= np.linspace(0, 1, att)               # 3 ms hammer attack
            pan = rng.uniform(0.15, 0.85)
            g = vel / max(1e-9, np.max(np.abs(sig)))
            y[0, start:start + L] += g * np.cos(pan * np.pi / 2) * sig
            y[1, start:start + L] += g * np.sin(pan * np.pi / 2) * sig
            notes += 1
    y += 10 ** (-50 / 20) * rng.standard_normal(y.shape)   # noise floor ~ -50 dBFS rms
    y *= 10 ** (-1 / 20) / np.max(np.abs(y))                # peak -1 dBFS
    return y.astype(np.float32), notes


# ---------------------------------------------------------------- (b) melody
def gen_melody(seed=2, snr_db=20.0):
    rng = np.random.default_rng(seed)
    y = np.zeros(N, dtype=np.float64)
    f0_inst = np.zeros(N, dtype=np.float64)       # instantaneous f0, 0 = unvoiced
    notes = []
    t = 0.25
    midi = 60
    while True:
        dur = rng.uniform(0.15, 0.8)
        if t + dur > DUR - 0.2:
            break
        # melody-like random walk with frequent leaps, kept in MIDI 40..84
        if rng.random() < 0.25:
            midi = int(rng.integers(40, 85))       # leap anywhere in range
        else:
            midi = int(np.clip(midi + rng.integers(-5, 6), 40, 84))
        vib = rng.random() < 0.35
        vib_rate = rng.uniform(4.5, 6.5) if vib else 0.0
        vib_cents = rng.uniform(20, 60) if vib else 0.0
        timbre = rng.choice(["full", "odd", "weak_fund", "bright", "dark"],
                            p=[0.3, 0.2, 0.15, 0.2, 0.15])
        amp = 10 ** (rng.uniform(-10, 0) / 20)
        s0 = int(round(t * SR))
        L = int(round(dur * SR))
        tt = np.arange(L) / SR
        # vibrato depth ramps in over 150 ms
        cents = vib_cents * np.minimum(1.0, tt / 0.15) * np.sin(2 * np.pi * vib_rate * tt) if vib else 0.0 * tt
        f0 = float(midi_to_hz(midi)) * 2.0 ** (cents / 1200.0)
        phase = 2 * np.pi * np.cumsum(f0) / SR
        K = int(min(20, np.floor(0.45 * SR / (f0.max() * 1.0))))
        if timbre == "bright":
            a = np.arange(1, K + 1, dtype=float) ** -0.7
        elif timbre == "dark":
            a = np.arange(1, K + 1, dtype=float) ** -2.0
        else:
            a = np.arange(1, K + 1, dtype=float) ** -1.2
        if timbre == "odd":
            a[1::2] *= 0.1                         # clarinet-like, weak even harmonics
        if timbre == "weak_fund":
            a[0] = 0.3 * a[1]                     # fundamental 10 dB below 2nd harmonic
        sig = np.zeros(L)
        for k in range(1, K + 1):
            sig += a[k - 1] * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
        env = np.ones(L)
        na, nr = int(0.015 * SR), int(0.03 * SR)
        env[:na] = np.linspace(0, 1, na)
        env[-nr:] *= np.linspace(1, 0, nr)
        env *= np.exp(-tt / rng.uniform(1.0, 4.0))   # gentle decay
        sig *= env * amp / np.max(np.abs(sig))
        y[s0:s0 + L] += sig
        f0_inst[s0:s0 + L] = f0
        notes.append(dict(start=s0 / SR, end=(s0 + L) / SR, midi=midi,
                          f0_hz=float(midi_to_hz(midi)), vibrato=bool(vib),
                          vib_rate_hz=vib_rate, vib_depth_cents=vib_cents,
                          timbre=str(timbre), amp_db=20 * np.log10(amp)))
        t += dur + rng.uniform(0.02, 0.12)          # small gap
    p_sig = np.mean(y ** 2)                           # power over the whole clean signal
    if snr_db is not None:                            # white noise, 20 dB SNR by default
        y = y + rng.standard_normal(N) * np.sqrt(p_sig / 10 ** (snr_db / 10))
    y *= 0.9 / np.max(np.abs(y))
    frame_t = np.arange(int(DUR * 100)) * 0.01
    idx = np.minimum((frame_t * SR).round().astype(int), N - 1)
    f0_gt = f0_inst[idx]
    return y.astype(np.float32), frame_t, f0_gt, notes


# ---------------------------------------------------------------- (c) IR
def gen_ir(seed=3, dur=2.5, rt60=2.0):
    rng = np.random.default_rng(seed)
    L = int(dur * SR)
    t = np.arange(L) / SR
    env = np.exp(-np.log(1000.0) * t / rt60)          # -60 dB at t = rt60
    h = rng.standard_normal((2, L)) * env
    fade = int(0.001 * SR)
    h[:, :fade] *= np.linspace(0, 1, fade)
    h /= np.sqrt(np.sum(h ** 2, axis=1, keepdims=True))  # unit energy per channel
    return h.astype(np.float32)


if __name__ == "__main__":
    music, n_notes = gen_music()
    sf.write(f"{OUT}/music_stereo_30s.wav", music.T, SR, subtype="FLOAT")
    mel, frame_t, f0_gt, notes = gen_melody()
    sf.write(f"{OUT}/melody_mono_30s.wav", mel, SR, subtype="FLOAT")
    mel_clean, *_ = gen_melody(snr_db=None)           # same notes, no noise (secondary test)
    sf.write(f"{OUT}/melody_mono_30s_clean.wav", mel_clean, SR, subtype="FLOAT")
    np.savetxt(f"{OUT}/melody_f0_10ms.csv", np.c_[frame_t, f0_gt], delimiter=",",
               header="time_s,f0_hz", comments="", fmt=["%.2f", "%.4f"])
    onsets = [n["start"] for n in notes]
    np.savetxt(f"{OUT}/melody_onsets.csv", np.array(onsets), header="onset_s",
               comments="", fmt="%.6f")
    with open(f"{OUT}/melody_onsets.json", "w") as f:
        json.dump(onsets, f)
    with open(f"{OUT}/melody_notes.json", "w") as f:
        json.dump(dict(sr=SR, snr_db=20, notes=notes), f, indent=1)
    ir = gen_ir()
    sf.write(f"{OUT}/ir_stereo_2p5s.wav", ir.T, SR, subtype="FLOAT")
    # libsndfile puts a timestamped PEAK chunk in float WAVs, so file md5s change on every
    # run; hash the decoded samples instead.
    import hashlib
    manifest = {}
    for fn in sorted(os.listdir(OUT)):
        if fn.endswith(".wav"):
            d, sr = sf.read(f"{OUT}/{fn}", dtype="float32", always_2d=True)
            manifest[fn] = dict(sr=sr, shape=list(d.shape),
                                samples_sha256=hashlib.sha256(np.ascontiguousarray(d).tobytes()).hexdigest())
    with open(f"{OUT}/manifest.json", "w") as f:
        json.dump(dict(numpy=np.__version__, soundfile=sf.__version__, files=manifest), f, indent=1)
    print(f"music: {n_notes} notes, peak {np.abs(music).max():.3f}")
    print(f"melody: {len(notes)} notes, voiced frames {np.mean(f0_gt > 0):.3f}, "
          f"f0 range {f0_gt[f0_gt > 0].min():.1f}-{f0_gt.max():.1f} Hz")
    print(f"ir: shape {ir.shape}")

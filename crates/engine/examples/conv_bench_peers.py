"""Times the peers on conv_bench's task, for a same-run comparison with it: pedalboard 0.9.x's
Convolution (whole buffer, and fed 512-sample blocks with reset=False) and scipy's fftconvolve and
oaconvolve, on 30 s of stereo music at 44.1 kHz with the 2.5 s stereo IR, best of N runs.

    .venv/bin/pip install pedalboard   # not needed by any test
    .venv/bin/python crates/engine/examples/conv_bench_peers.py ../shared/corpus/audio 5
"""

import sys
import time

import pedalboard
import scipy.signal
from pedalboard import Convolution
from pedalboard.io import AudioFile

corpus = sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/audio"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
with AudioFile(f"{corpus}/music_stereo_30s.wav") as f:
    audio = f.read(f.frames)
    sr = f.samplerate
ir_path = f"{corpus}/ir_stereo_2p5s.wav"
with AudioFile(ir_path) as f:
    ir = f.read(f.frames)


def best(fn):
    b = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        b = min(b, time.perf_counter() - t)
    return b


conv = Convolution(ir_path, mix=1.0)


def stream():
    conv.reset()
    for i in range(0, audio.shape[1], 512):
        conv(audio[:, i : i + 512], sr, reset=False)


print(f"pedalboard {pedalboard.__version__} offline          {best(lambda: conv(audio, sr)):.4f} s")
print(f"pedalboard 512-sample blocks      {best(stream):.4f} s")
print(f"scipy fftconvolve                 {best(lambda: scipy.signal.fftconvolve(audio, ir, axes=1)):.4f} s")
print(f"scipy oaconvolve                  {best(lambda: scipy.signal.oaconvolve(audio, ir, axes=1)):.4f} s")

#!/usr/bin/env python3
"""Seeded generator of small Standard MIDI Files (see tests/data/README.md).

    gen_midi.py OUT_DIR [COUNT]   # writes song_00.mid ... (default 20 files)

Each file is format 0 at 480 ticks per quarter: a tempo, a program change, a melody of 8 to 16
notes on channel 1 and a bass note under each bar, 4 to 8 seconds long. The same seed (the file
index) gives the same bytes on every run and Python version (only `random.Random.randrange` is
used), with no dependency.
"""
from __future__ import annotations

import os
import random
import struct
import sys

PPQ = 480
PROGRAMS = [0, 4, 11, 19, 24, 40, 56, 65, 71, 73]  # piano, e-piano, vibes, organ, guitar, ...


def vlq(n: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def song(index: int) -> bytes:
    rng = random.Random(index)
    bpm = 80 + rng.randrange(0, 80)
    events: list[tuple[int, bytes]] = [
        (0, b"\xff\x51\x03" + (60_000_000 // bpm).to_bytes(3, "big")),
        (0, bytes([0xC0, PROGRAMS[rng.randrange(len(PROGRAMS))]])),
        (0, bytes([0xC1, 32 + rng.randrange(8)])),
    ]
    t = 0
    root = 55 + rng.randrange(12)
    scale = [0, 2, 4, 5, 7, 9, 11, 12]
    for _ in range(8 + rng.randrange(9)):
        length = PPQ // 2 * (1 + rng.randrange(3))
        key = root + scale[rng.randrange(len(scale))]
        velocity = 60 + rng.randrange(60)
        events.append((t, bytes([0x90, key, velocity])))
        events.append((t + length - 20, bytes([0x80, key, 0])))
        if t % (4 * PPQ) < length:
            events.append((t, bytes([0x91, root - 24, 90])))
            events.append((t + 2 * PPQ, bytes([0x81, root - 24, 0])))
        t += length
    end = max(e[0] for e in events)
    events.sort(key=lambda e: (e[0], e[1][0] & 0xF0 != 0x80))  # note-offs first at a tick
    track = bytearray()
    now = 0
    for when, data in events:
        track += vlq(when - now) + data
        now = when
    track += vlq(max(0, end - now)) + b"\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, PPQ)
    return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: gen_midi.py OUT_DIR [COUNT]")
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) == 3 else 20
    os.makedirs(out, exist_ok=True)
    for i in range(count):
        with open(os.path.join(out, f"song_{i:02d}.mid"), "wb") as f:
            f.write(song(i))


if __name__ == "__main__":
    main()

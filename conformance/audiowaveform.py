"""bbc/audiowaveform 1.10.3's golden files: every `.dat`, `.json` and `.txt` case of
`audiowaveform/golden_commands.tsv`, run as `rae waveform` with the same options and compared
byte for byte (error cases: the message). PNG and audio-conversion cases are not run (listed,
not passed), nor the "Opus not supported" alternatives of the Opus cases, since Opus decodes.

A second group checks the broken `.dat` files of audiowaveform's `WaveformBufferTest.cpp`, which
the TSV does not list: each is refused with audiowaveform's words (rae refuses a truncated file
that audiowaveform loads in part, and its minimum zoom is 1, not 2)."""
from __future__ import annotations

import csv
import subprocess
import tempfile
from pathlib import Path

from run import Case

EXT = {"Dat": "dat", "Json": "json", "Txt": "txt"}

# WaveformBufferTest.cpp: file, the text the error must contain, and what differs by design.
LOADER = [
    ("version3.dat", "Cannot load data file version: 3", ""),
    ("sample_rate_too_low.dat", "Invalid sample rate: 0 Hz, minimum 1 Hz", ""),
    ("too_many_channels.dat", "Cannot load data file with 25 channels", ""),
    ("not_enough_channels.dat", "Cannot load data file with 0 channels", ""),
    ("samples_per_pixel_too_low.dat", "Invalid samples per pixel: 0, minimum",
     "audiowaveform's minimum is 2, rae's 1"),
    ("size_mismatch.dat", "Expected 2056 points, read 1800 min and max points",
     "audiowaveform converts the 1800 points present; rae refuses the truncated file"),
    ("zero_length.dat", "Expected 1800 points, read 0 min and max points",
     "audiowaveform converts the 0 points present; rae refuses the truncated file"),
]


def _rae(rae: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(rae), "waveform", *args, "--quiet"], capture_output=True, text=True,
                          timeout=120)


def _expected_error(spec: str) -> tuple[str, str]:
    """("exact" or "ends", text) from the TSV's `stderr == X` or `stderr ends with: X`."""
    if spec.startswith("stderr == "):
        return "exact", spec[len("stderr == "):]
    return "ends", spec[len("stderr ends with: "):]


def _message(stderr: str, input_path: Path) -> str:
    """rae's message without its own prefix (`rae: error: FILE: `, `waveform: `)."""
    text = stderr.strip()
    for prefix in ("rae: error: ", "rae: ", f"{input_path}: ", "waveform: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


def _golden_case(data: Path, out_dir: Path, rae: Path, row: dict[str, str]) -> Case:
    name = row["test"]
    inp = data / row["input(test/data/)"]
    out = out_dir / f"{name}.{EXT[row['output_format']]}"
    proc = _rae(rae, [str(inp), "-o", str(out), *row["extra_args"].split()])
    expect = row["golden_file_or_expected_stderr"]
    if row["should_succeed"] == "true":
        if proc.returncode != 0:
            return Case(name, False, f"failed: {proc.stderr.strip()}")
        got, want = out.read_bytes(), (data / expect).read_bytes()
        if got == want:
            return Case(name, True, f"{expect}: {len(want)} bytes equal")
        first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        return Case(name, False, f"{expect}: {len(got)} vs {len(want)} bytes, first difference at byte {first}")
    kind, text = _expected_error(expect)
    message = _message(proc.stderr, inp)
    ok = proc.returncode != 0 and (message == text if kind == "exact" else message.endswith(text))
    return Case(name, ok, f"exit {proc.returncode}, {proc.stderr.strip()!r}")


def run(root: Path, rae: Path) -> list[Case]:
    base = root / "audiowaveform"
    data = base / "data"
    with open(base / "golden_commands.tsv", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    cases: list[Case] = []
    not_run: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp)
        for row in rows:
            fmt, name = row["output_format"], row["test"]
            if fmt not in EXT:
                not_run.append(f"{name} ({fmt} output)")
            elif name.endswith("IfNotSupported"):
                not_run.append(f"{name} (Opus is supported: its IfSupported case runs)")
            else:
                cases.append(_golden_case(data, out_dir, rae, row))
        goldens = len(cases)
        matched = sum(c.ok for c in cases)
        for file, text, differs in LOADER:
            inp = data / file
            proc = _rae(rae, [str(inp), "-o", str(out_dir / "loader.json")])
            ok = proc.returncode != 0 and text in proc.stderr
            detail = f"{proc.stderr.strip()!r}" + (f" ({differs})" if differs else "")
            cases.append(Case(f"WaveformBufferTest {file}", ok, detail))
    print(f"audiowaveform goldens matched: {matched} out of {goldens} "
          f"(.dat/.json/.txt cases of golden_commands.tsv; {len(not_run)} not run)")
    for n in not_run:
        print(f"not run: {n}")
    return cases

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("RAE_CORPUS", HERE.parents[2] / "shared" / "corpus"))
FLUID = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
TIMGM = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
SF3 = Path("/usr/share/sounds/sf3/MuseScore_General_Lite.sf3")


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available (see README: make test installs it)")
    return path


@pytest.fixture
def corpus_midi() -> Path:
    d = CORPUS / "midi"
    if not d.is_dir():
        pytest.skip(f"corpus not found at {d}; set RAE_CORPUS")
    return d


@pytest.fixture
def fluid() -> Path:
    return need(FLUID)


@pytest.fixture
def sf3() -> Path:
    return need(SF3)

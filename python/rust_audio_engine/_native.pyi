"""Type stubs for the compiled module (checked by mypy.stubtest in `make test`)."""

import os
from typing import Optional, Union, final

import numpy as np
import numpy.typing as npt

_PathLike = Union[str, os.PathLike[str]]
_Normalize = Union[None, str, float]
_FontArg = Union[None, _PathLike, SoundFont]
_MidiArg = Union[_PathLike, bytes]

__version__: str
__all__ = [
    "AudioEngineError",
    "MidiError",
    "SoundFontError",
    "AudioFormatError",
    "LimitError",
    "SoundFont",
    "RenderReport",
    "RenderResult",
    "synthesize_midi",
    "synthesize_midi_detailed",
    "render_midi",
    "render_midi_detailed",
    "midi_info",
    "load_audio",
    "waveform_peaks",
    "render_waveform_png",
    "render_spectrogram_png",
    "Peaks",
    "Onsets",
    "Dynamics",
    "Tempo",
    "detect_onsets",
    "analyze_dynamics",
    "estimate_tempo",
    "PitchTrack",
    "Note",
    "Analysis",
    "StreamingAnalyzer",
    "analyze_pitch",
    "detect_notes",
    "analyze",
    "default_soundfont",
    "soundfont_cache_info",
    "demo_midi",
    "__version__",
]

class AudioEngineError(ValueError): ...
class MidiError(AudioEngineError): ...
class SoundFontError(AudioEngineError): ...
class AudioFormatError(AudioEngineError): ...
class LimitError(AudioEngineError): ...

@final
class SoundFont:
    def __new__(cls, path: _PathLike) -> SoundFont: ...
    @property
    def path(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def presets(self) -> list[tuple[int, int, str]]: ...
    @property
    def sample_count(self) -> int: ...
    @property
    def memory_bytes(self) -> int: ...
    @property
    def load_seconds(self) -> float: ...

@final
class RenderReport:
    @property
    def duration_s(self) -> float: ...
    @property
    def sample_rate(self) -> int: ...
    @property
    def channels(self) -> int: ...
    @property
    def frames(self) -> int: ...
    @property
    def peak_dbfs(self) -> float: ...
    @property
    def backend(self) -> str: ...
    @property
    def gpu_requested(self) -> bool: ...
    @property
    def soundfont(self) -> str: ...
    @property
    def soundfont_load_s(self) -> float: ...
    @property
    def render_s(self) -> float: ...
    @property
    def notes_dropped(self) -> Optional[int]: ...
    @property
    def threads(self) -> int: ...
    @property
    def channel_groups(self) -> int: ...
    @property
    def midi_duration_s(self) -> float: ...
    def to_dict(self) -> dict[str, object]: ...

@final
class RenderResult:
    @property
    def audio(self) -> npt.NDArray[np.float32]: ...
    @property
    def report(self) -> RenderReport: ...

def synthesize_midi(
    midi_path: _PathLike,
    output_path: _PathLike,
    soundfont_path: _FontArg = None,
    use_gpu: bool = False,
    reverb: bool = False,
    *,
    sample_rate: int = 44100,
    format: Optional[str] = None,
    normalize: _Normalize = ...,
    max_tail_s: float = 10.0,
    threads: Optional[int] = None,
    polyphony: int = 256,
) -> float: ...
def synthesize_midi_detailed(
    midi_path: _PathLike,
    output_path: _PathLike,
    soundfont_path: _FontArg = None,
    use_gpu: bool = False,
    reverb: bool = False,
    *,
    sample_rate: int = 44100,
    format: Optional[str] = None,
    normalize: _Normalize = ...,
    max_tail_s: float = 10.0,
    threads: Optional[int] = None,
    polyphony: int = 256,
) -> RenderReport: ...
def render_midi(
    midi: _MidiArg,
    soundfont: _FontArg = None,
    *,
    sample_rate: int = 44100,
    reverb: bool = False,
    normalize: _Normalize = ...,
    max_tail_s: float = 10.0,
    threads: Optional[int] = None,
    polyphony: int = 256,
    use_gpu: bool = False,
) -> npt.NDArray[np.float32]: ...
def render_midi_detailed(
    midi: _MidiArg,
    soundfont: _FontArg = None,
    *,
    sample_rate: int = 44100,
    reverb: bool = False,
    normalize: _Normalize = ...,
    max_tail_s: float = 10.0,
    threads: Optional[int] = None,
    polyphony: int = 256,
    use_gpu: bool = False,
) -> RenderResult: ...
@final
class Peaks:
    @property
    def sample_rate(self) -> int: ...
    @property
    def samples_per_pixel(self) -> int: ...
    @property
    def channels(self) -> int: ...
    @property
    def bits(self) -> int: ...
    @property
    def length(self) -> int: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def min(self) -> npt.NDArray[np.int16]: ...
    @property
    def max(self) -> npt.NDArray[np.int16]: ...
    def to_dat(self) -> bytes: ...
    def to_json(self) -> str: ...
    def to_wavesurfer(self) -> str: ...

def waveform_peaks(
    audio: Union[npt.NDArray[np.float32], _PathLike, bytes],
    sample_rate: Optional[int] = None,
    *,
    samples_per_pixel: Optional[int] = None,
    pixels_per_second: Optional[int] = None,
    width: Optional[int] = None,
    bits: int = 16,
    split_channels: bool = False,
) -> Peaks: ...
def render_waveform_png(
    audio: Union[npt.NDArray[np.float32], _PathLike, bytes],
    sample_rate: Optional[int] = None,
    *,
    width: int = 800,
    height: int = 250,
    split_channels: bool = False,
    waveform_color: str = "3f4d9b",
    background_color: str = "d6d6d6",
    axis_labels: bool = False,
    amplitude_scale: float = 1.0,
) -> bytes: ...
def render_spectrogram_png(
    audio: Union[npt.NDArray[np.float32], _PathLike, bytes],
    sample_rate: Optional[int] = None,
    *,
    width: int = 800,
    height: int = 250,
    log_frequency: bool = False,
    fft_size: int = 2048,
    min_db: float = ...,  # -100.0
    max_db: float = 0.0,
) -> bytes: ...
def midi_info(midi: _MidiArg) -> dict[str, object]: ...
def load_audio(
    audio: Union[_PathLike, bytes], *, max_seconds: float = ...  # 7200 s
) -> tuple[npt.NDArray[np.float32], int]: ...
_AudioArg = Union[npt.NDArray[np.float32], _PathLike, bytes]

@final
class Onsets:
    @property
    def times_s(self) -> npt.NDArray[np.float64]: ...
    @property
    def strengths(self) -> npt.NDArray[np.float32]: ...
    @property
    def method(self) -> str: ...
    @property
    def backtrack(self) -> bool: ...
    def to_dict(self) -> dict[str, object]: ...
    def __len__(self) -> int: ...

@final
class Dynamics:
    @property
    def times_s(self) -> npt.NDArray[np.float64]: ...
    @property
    def rms_db(self) -> npt.NDArray[np.float32]: ...
    @property
    def loudness_times_s(self) -> npt.NDArray[np.float64]: ...
    @property
    def momentary_lufs(self) -> npt.NDArray[np.float32]: ...
    @property
    def short_term_lufs(self) -> npt.NDArray[np.float32]: ...
    @property
    def sample_peak_db(self) -> float: ...
    @property
    def true_peak_db(self) -> float: ...
    @property
    def integrated_lufs(self) -> float: ...
    @property
    def loudness_range_lu(self) -> float: ...
    @property
    def rms_total_db(self) -> float: ...
    @property
    def crest_factor_db(self) -> float: ...
    def to_dict(self) -> dict[str, object]: ...

@final
class Tempo:
    @property
    def bpm(self) -> float: ...
    @property
    def beats_s(self) -> npt.NDArray[np.float64]: ...
    @property
    def confidence(self) -> float: ...
    def to_dict(self) -> dict[str, object]: ...

def detect_onsets(
    audio: _AudioArg,
    sample_rate: Optional[int] = None,
    *,
    method: str = "spectral_flux",
    backtrack: bool = False,
    delta: Optional[float] = None,
    frame_s: float = 0.04644,
    hop_s: float = 0.005,
    min_interval_s: float = 0.03,
) -> Onsets: ...
def analyze_dynamics(
    audio: _AudioArg,
    sample_rate: Optional[int] = None,
    *,
    frame_length: Optional[int] = None,
    hop_length: Optional[int] = None,
) -> Dynamics: ...
def estimate_tempo(
    audio: _AudioArg,
    sample_rate: Optional[int] = None,
    *,
    start_bpm: float = 120.0,
    min_bpm: float = 30.0,
    max_bpm: float = 300.0,
    tightness: float = 100.0,
) -> Tempo: ...
@final
class PitchTrack:
    @property
    def times_s(self) -> npt.NDArray[np.float64]: ...
    @property
    def f0_hz(self) -> npt.NDArray[np.float32]: ...
    @property
    def voiced(self) -> npt.NDArray[np.bool_]: ...
    @property
    def voiced_prob(self) -> npt.NDArray[np.float32]: ...
    @property
    def sample_rate(self) -> int: ...
    @property
    def hop_length(self) -> int: ...
    @property
    def frame_length(self) -> int: ...
    @property
    def method(self) -> str: ...
    def to_dict(self) -> dict[str, object]: ...
    def __len__(self) -> int: ...

@final
class Note:
    @property
    def start_s(self) -> float: ...
    @property
    def end_s(self) -> float: ...
    @property
    def midi(self) -> int: ...
    @property
    def cents(self) -> float: ...
    @property
    def f0_hz(self) -> float: ...
    @property
    def level_db(self) -> float: ...
    @property
    def name(self) -> str: ...
    @property
    def duration_s(self) -> float: ...
    def to_dict(self) -> dict[str, object]: ...

@final
class Analysis:
    @property
    def pitch(self) -> PitchTrack: ...
    @property
    def notes(self) -> list[Note]: ...
    @property
    def onsets(self) -> Optional[Onsets]: ...
    @property
    def dynamics(self) -> Optional[Dynamics]: ...
    @property
    def tempo(self) -> Optional[Tempo]: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def sample_rate(self) -> int: ...
    @property
    def channels(self) -> int: ...
    def to_dict(self) -> dict[str, object]: ...

@final
class StreamingAnalyzer:
    def __new__(
        cls,
        sample_rate: int,
        *,
        fmin_hz: float = ...,
        fmax_hz: float = ...,
        frame_length: Optional[int] = None,
        hop_length: Optional[int] = None,
        lag_frames: int = 4,
        onsets: bool = True,
        min_note_s: float = 0.06,
        split_semitones: float = 0.6,
        split_hold_s: float = 0.05,
    ) -> StreamingAnalyzer: ...
    def process(self, chunk: npt.NDArray[np.float32]) -> list[dict[str, object]]: ...
    def flush(self) -> list[dict[str, object]]: ...
    def reset(self) -> None: ...
    @property
    def latency_s(self) -> float: ...
    @property
    def pitch_latency_s(self) -> float: ...
    @property
    def hop_s(self) -> float: ...
    @property
    def sample_rate(self) -> int: ...

def analyze_pitch(
    audio: _AudioArg,
    sample_rate: Optional[int] = None,
    *,
    method: str = "pyin",
    fmin_hz: float = ...,
    fmax_hz: float = ...,
    frame_length: Optional[int] = None,
    hop_length: Optional[int] = None,
    yin_threshold: float = 0.1,
) -> PitchTrack: ...
def detect_notes(
    audio: _AudioArg,
    sample_rate: Optional[int] = None,
    *,
    method: str = "pyin",
    fmin_hz: float = ...,
    fmax_hz: float = ...,
    frame_length: Optional[int] = None,
    hop_length: Optional[int] = None,
    min_note_s: float = 0.06,
    split_semitones: float = 0.6,
    split_hold_s: float = 0.05,
    split_on_onsets: bool = True,
) -> list[Note]: ...
def analyze(
    audio: _AudioArg,
    sample_rate: Optional[int] = None,
    *,
    method: str = "pyin",
    fmin_hz: float = ...,
    fmax_hz: float = ...,
    frame_length: Optional[int] = None,
    hop_length: Optional[int] = None,
    onsets: bool = True,
    dynamics: bool = True,
    tempo: bool = True,
) -> Analysis: ...
def default_soundfont() -> str: ...
def soundfont_cache_info() -> tuple[int, int, int]: ...
def demo_midi() -> bytes: ...

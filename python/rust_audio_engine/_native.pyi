"""Type stubs for the compiled module (checked by mypy.stubtest in `make test`)."""

import os
from typing import Literal, Optional, Sequence, Union, final

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

_PathLike = Union[str, os.PathLike[str]]
_Normalize = Union[None, str, float]
_FontArg = Union[None, _PathLike, SoundFont]
_MidiArg = Union[_PathLike, bytes]
_Reverb = Union[None, bool, str, os.PathLike[str]]
_Effects = Union[None, Effect, Sequence[Effect]]
_Interpolation = Literal["linear", "cubic", "sinc"]
# Every function that takes audio takes it the same way: a float32 or float64 array (C or
# Fortran order), 1-D for mono or shaped (channels, samples); functions that also read files take
# a path or the file's bytes.
_Samples = Union[npt.NDArray[np.float32], npt.NDArray[np.float64]]
_AudioArg = Union[_Samples, _PathLike, bytes]

__version__: str
__all__ = [
    "AudioEngineError",
    "MidiError",
    "SoundFontError",
    "AudioFormatError",
    "LimitError",
    "ManifestError",
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
    "ScoreFollower",
    "Assessment",
    "assess",
    "analyze_pitch",
    "detect_notes",
    "notes_from_pitch",
    "analyze",
    "default_soundfont",
    "soundfont_cache_info",
    "demo_midi",
    "__version__",
    "Effect",
    "Convolution",
    "Reverb",
    "PeakFilter",
    "LowShelfFilter",
    "HighShelfFilter",
    "LowpassFilter",
    "HighpassFilter",
    "BandpassFilter",
    "NotchFilter",
    "Compressor",
    "Limiter",
    "Gain",
    "LoudnessNormalize",
    "Chain",
    "integrated_loudness",
    "run_batch",
    "read_manifest",
    "chain_from_toml",
    "fx_file",
    "TranscribedNote",
    "transcribe_notes",
    "notes_to_midi",
    "transcription_activations",
]

class AudioEngineError(ValueError): ...
class MidiError(AudioEngineError): ...
class SoundFontError(AudioEngineError): ...
class AudioFormatError(AudioEngineError): ...
class LimitError(AudioEngineError): ...
class ManifestError(AudioEngineError): ...

@final
class SoundFont:
    def __new__(cls, path: _PathLike, preload: bool = False) -> SoundFont: ...
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
    def samples_decoded(self) -> int: ...
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
    def interpolation(self) -> _Interpolation: ...
    @property
    def midi_duration_s(self) -> float: ...
    @property
    def warnings(self) -> list[dict[str, Union[int, str]]]:
        """What the MIDI reader repaired or tolerated: `{"offset": byte, "rule": name,
        "message": text}` in file order (empty for a well-formed file)."""
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
    reverb: _Reverb = ...,
    *,
    sample_rate: int = 44100,
    format: Optional[str] = None,
    normalize: _Normalize = ...,
    max_tail_s: float = 10.0,
    threads: Optional[int] = None,
    polyphony: int = 256,
    interpolation: _Interpolation = "cubic",
    effects: _Effects = None,
    strict: bool = False,
) -> float: ...
def synthesize_midi_detailed(
    midi_path: _PathLike,
    output_path: _PathLike,
    soundfont_path: _FontArg = None,
    use_gpu: bool = False,
    reverb: _Reverb = ...,
    *,
    sample_rate: int = 44100,
    format: Optional[str] = None,
    normalize: _Normalize = ...,
    max_tail_s: float = 10.0,
    threads: Optional[int] = None,
    polyphony: int = 256,
    interpolation: _Interpolation = "cubic",
    effects: _Effects = None,
    strict: bool = False,
) -> RenderReport: ...
def render_midi(
    midi: _MidiArg,
    soundfont: _FontArg = None,
    *,
    sample_rate: int = 44100,
    reverb: _Reverb = ...,
    normalize: _Normalize = ...,
    max_tail_s: float = 10.0,
    threads: Optional[int] = None,
    polyphony: int = 256,
    interpolation: _Interpolation = "cubic",
    use_gpu: bool = False,
    effects: _Effects = None,
    strict: bool = False,
) -> npt.NDArray[np.float32]: ...
def render_midi_detailed(
    midi: _MidiArg,
    soundfont: _FontArg = None,
    *,
    sample_rate: int = 44100,
    reverb: _Reverb = ...,
    normalize: _Normalize = ...,
    max_tail_s: float = 10.0,
    threads: Optional[int] = None,
    polyphony: int = 256,
    interpolation: _Interpolation = "cubic",
    use_gpu: bool = False,
    effects: _Effects = None,
    strict: bool = False,
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
    def to_txt(self) -> str:
        """audiowaveform text: one line of ``min,max`` pairs (one per channel) per pixel."""

def waveform_peaks(
    audio: _AudioArg,
    sample_rate: Optional[int] = None,
    *,
    samples_per_pixel: Optional[int] = None,
    pixels_per_second: Optional[int] = None,
    width: Optional[int] = None,
    bits: Optional[int] = None,
    split_channels: bool = False,
    amplitude_scale: Union[float, Literal["auto"], None] = None,
) -> Peaks:
    """Peaks of audio (an array with ``sample_rate``, a path or bytes), or of an audiowaveform
    ``.dat``/``.json`` path read back (no zoom or ``split_channels`` then). ``bits``: 16 for
    audio, the file's own for peaks, unless given. ``amplitude_scale``: a factor, or ``"auto"``
    to bring the minimum to full scale (audiowaveform's ``--amplitude-scale``)."""
def render_waveform_png(
    audio: _AudioArg,
    sample_rate: Optional[int] = None,
    *,
    width: int = 800,
    height: int = 250,
    split_channels: bool = False,
    waveform_color: str = "3f4d9b",
    background_color: str = "d6d6d6",
    axis_labels: bool = False,
    amplitude_scale: float = 1.0,
    pitch: Optional[PitchTrack] = None,
    pitch_color: str = "e8590c",
) -> bytes:
    """A PNG of the waveform (audiowaveform's look); with ``pitch`` (from
    :func:`analyze_pitch`), its contour is drawn over it on a log-frequency scale."""
def render_spectrogram_png(
    audio: _AudioArg,
    sample_rate: Optional[int] = None,
    *,
    width: int = 800,
    height: int = 250,
    log_frequency: bool = False,
    fft_size: int = 2048,
    min_db: float = ...,  # -100.0
    max_db: float = 0.0,
    use_gpu: bool = False,
) -> bytes: ...
def midi_info(midi: _MidiArg, *, strict: bool = False) -> dict[str, object]:
    """The document `rae info --json` prints: the summary (format, tracks, duration_s,
    note_count, channels, programs, ...), `warnings`, `notes`, `parameters`, `texts` and
    `time_signatures`."""
def load_audio(
    audio: Union[_PathLike, bytes], *, max_seconds: float = ...  # 7200 s
) -> tuple[npt.NDArray[np.float32], int]: ...

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
    def max_momentary_lufs(self) -> float: ...
    @property
    def max_short_term_lufs(self) -> float: ...
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
    def __new__(
        cls,
        times_s: Sequence[float] | npt.NDArray[np.float64],
        f0_hz: Sequence[float] | npt.NDArray[np.floating],
        voiced: Optional[Sequence[bool] | npt.NDArray[np.bool_]] = None,
        voiced_prob: Optional[Sequence[float] | npt.NDArray[np.floating]] = None,
        *,
        sample_rate: int,
        hop_length: int,
        frame_length: Optional[int] = None,
    ) -> PitchTrack: ...
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
    def process(self, chunk: _Samples) -> list[dict[str, object]]: ...
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

@final
class ScoreFollower:
    """Follows a live performance of a lesson: `note` for each note the player starts (a
    StreamingAnalyzer's ``note_start`` events, or note-ons), `advance` with the stream's clock;
    events are ``position``, ``verdict`` and ``extra`` dicts (see the docs)."""

    def __new__(
        cls,
        lesson: Union[_PathLike, bytes],
        *,
        level: str = "intermediate",
        tempo_ratio: float = 1.0,
    ) -> ScoreFollower: ...
    def note(self, time_s: float, key: int) -> list[dict[str, object]]: ...
    def advance(self, time_s: float) -> list[dict[str, object]]: ...
    def finish(self, time_s: float) -> list[dict[str, object]]: ...
    @property
    def note_count(self) -> int: ...

@final
class Assessment:
    """A take assessed against its lesson (see docs/assess.md): per lesson note, extra notes,
    the tempo curve, bars, counts and scores, as ``rae assess --json`` writes them."""

    @property
    def level(self) -> str: ...
    @property
    def take_kind(self) -> str: ...
    @property
    def tempo_ratio(self) -> float: ...
    @property
    def counts(self) -> dict[str, int]: ...
    @property
    def scores(self) -> dict[str, float]: ...
    @property
    def tolerances(self) -> dict[str, float]: ...
    @property
    def notes(self) -> list[dict[str, object]]: ...
    @property
    def extra_notes(self) -> list[dict[str, object]]: ...
    @property
    def tempo_curve(self) -> list[dict[str, float]]: ...
    @property
    def bars(self) -> list[dict[str, object]]: ...
    def summary(self) -> str: ...
    def to_dict(self) -> dict[str, object]: ...
    def to_json(self) -> str: ...

def assess(
    take: _AudioArg,
    lesson: _MidiArg,
    *,
    sample_rate: Optional[int] = None,
    level: str = "intermediate",
    tempo: Optional[float] = None,
    polyphonic: bool = False,
) -> Assessment: ...
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
def notes_from_pitch(
    track: PitchTrack,
    audio: Optional[_AudioArg] = None,
    sample_rate: Optional[int] = None,
    *,
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
@final
class TranscribedNote:
    def __new__(
        cls,
        start: float,
        end: float,
        pitch: int,
        velocity: int = 100,
        pitch_bends: Optional[Sequence[int]] = None,
    ) -> TranscribedNote: ...
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def pitch(self) -> int: ...
    @property
    def velocity(self) -> int: ...
    @property
    def pitch_bends(self) -> list[int]: ...
    def to_dict(self) -> dict[str, object]: ...

def transcribe_notes(
    audio: _AudioArg,
    sample_rate: Optional[int] = None,
    *,
    mode: Literal["piano", "reference"] = "piano",
    threads: Optional[int] = None,
) -> tuple[list[TranscribedNote], dict[str, object]]: ...
def notes_to_midi(notes: Sequence[TranscribedNote], path: _PathLike) -> None: ...
def transcription_activations(
    audio: _AudioArg,
    sample_rate: Optional[int] = None,
    *,
    threads: Optional[int] = None,
) -> tuple[
    npt.NDArray[np.float32],
    npt.NDArray[np.float32],
    npt.NDArray[np.float32],
    npt.NDArray[np.float64],
]: ...
def default_soundfont() -> str: ...
def soundfont_cache_info() -> tuple[int, int, int]: ...
def demo_midi() -> bytes: ...

# Effects take audio as _Samples; a 1-D array is mono and comes back 1-D (always float32).

@disjoint_base
class Effect:
    """Base class of every effect."""
    def __call__(
        self, audio: _Samples, sample_rate: int, reset: bool = True
    ) -> npt.NDArray[np.float32]: ...
    def reset(self) -> None: ...
    def latency_frames(self, sample_rate: int) -> int: ...
    def tail_frames(self, sample_rate: int) -> int: ...
    @property
    def backend(self) -> str: ...

@final
class Convolution(Effect):
    def __new__(
        cls,
        ir: _PathLike = ...,
        mix: float = 1.0,
        pre_delay_ms: float = 0.0,
        trim_tail: bool = False,
        normalize: bool = True,
        block_frames: int = 512,
        use_gpu: bool = False,
    ) -> Convolution: ...
    @property
    def ir(self) -> str: ...
    @property
    def mix(self) -> float: ...
    @property
    def pre_delay_ms(self) -> float: ...
    @property
    def trim_tail(self) -> bool: ...
    @property
    def normalize(self) -> bool: ...
    @property
    def block_frames(self) -> int: ...
    @property
    def use_gpu(self) -> bool: ...

@final
class Reverb(Effect):
    def __new__(
        cls,
        room_size: float = 0.5,
        damping: float = 0.5,
        wet_level: float = 0.33,
        dry_level: float = 0.4,
        width: float = 1.0,
    ) -> Reverb: ...
    @property
    def room_size(self) -> float: ...
    @property
    def damping(self) -> float: ...
    @property
    def wet_level(self) -> float: ...
    @property
    def dry_level(self) -> float: ...
    @property
    def width(self) -> float: ...

@final
class PeakFilter(Effect):
    def __new__(
        cls, cutoff_frequency_hz: float = 440.0, gain_db: float = 0.0, q: float = ...
    ) -> PeakFilter: ...
    @property
    def cutoff_frequency_hz(self) -> float: ...
    @property
    def gain_db(self) -> float: ...
    @property
    def q(self) -> float: ...

@final
class LowShelfFilter(Effect):
    def __new__(
        cls, cutoff_frequency_hz: float = 440.0, gain_db: float = 0.0, q: float = ...
    ) -> LowShelfFilter: ...
    @property
    def cutoff_frequency_hz(self) -> float: ...
    @property
    def gain_db(self) -> float: ...
    @property
    def q(self) -> float: ...

@final
class HighShelfFilter(Effect):
    def __new__(
        cls, cutoff_frequency_hz: float = 440.0, gain_db: float = 0.0, q: float = ...
    ) -> HighShelfFilter: ...
    @property
    def cutoff_frequency_hz(self) -> float: ...
    @property
    def gain_db(self) -> float: ...
    @property
    def q(self) -> float: ...

@final
class LowpassFilter(Effect):
    def __new__(cls, cutoff_frequency_hz: float = ..., q: float = ...) -> LowpassFilter: ...
    @property
    def cutoff_frequency_hz(self) -> float: ...
    @property
    def q(self) -> float: ...

@final
class HighpassFilter(Effect):
    def __new__(cls, cutoff_frequency_hz: float = ..., q: float = ...) -> HighpassFilter: ...
    @property
    def cutoff_frequency_hz(self) -> float: ...
    @property
    def q(self) -> float: ...

@final
class BandpassFilter(Effect):
    def __new__(cls, cutoff_frequency_hz: float = ..., q: float = ...) -> BandpassFilter: ...
    @property
    def cutoff_frequency_hz(self) -> float: ...
    @property
    def q(self) -> float: ...

@final
class NotchFilter(Effect):
    def __new__(cls, cutoff_frequency_hz: float = ..., q: float = ...) -> NotchFilter: ...
    @property
    def cutoff_frequency_hz(self) -> float: ...
    @property
    def q(self) -> float: ...

@final
class Compressor(Effect):
    def __new__(
        cls,
        threshold_db: float = 0.0,
        ratio: float = 1.0,
        attack_ms: float = 1.0,
        release_ms: float = 100.0,
        knee_db: float = 0.0,
        makeup_gain_db: float = 0.0,
    ) -> Compressor: ...
    @property
    def threshold_db(self) -> float: ...
    @property
    def ratio(self) -> float: ...
    @property
    def attack_ms(self) -> float: ...
    @property
    def release_ms(self) -> float: ...
    @property
    def knee_db(self) -> float: ...
    @property
    def makeup_gain_db(self) -> float: ...

@final
class Limiter(Effect):
    def __new__(
        cls, ceiling_db: float = ..., release_ms: float = 100.0, lookahead_ms: float = 2.0
    ) -> Limiter: ...
    @property
    def ceiling_db(self) -> float: ...
    @property
    def release_ms(self) -> float: ...
    @property
    def lookahead_ms(self) -> float: ...

@final
class Gain(Effect):
    def __new__(cls, gain_db: float = 0.0) -> Gain: ...
    @property
    def gain_db(self) -> float: ...

@final
class LoudnessNormalize(Effect):
    def __new__(cls, target_lufs: float = ...) -> LoudnessNormalize: ...
    @property
    def target_lufs(self) -> float: ...

@final
class Chain(Effect):
    def __new__(cls, effects: Optional[Sequence[Effect]] = None) -> Chain: ...
    @property
    def effects(self) -> list[Effect]: ...
    def __len__(self) -> int: ...

def integrated_loudness(audio: _Samples, sample_rate: int) -> float: ...

def run_batch(
    manifest: _PathLike,
    *,
    shard: Optional[tuple[int, int]] = None,
    resume: bool = False,
    results: Optional[_PathLike] = None,
    threads: Optional[int] = None,
    ids: Optional[Sequence[str]] = None,
) -> list[dict[str, object]]: ...
def read_manifest(manifest: _PathLike) -> list[dict[str, object]]: ...
def chain_from_toml(text: str, *, ir_files: bool = True) -> Effect:
    """A chain file's text (TOML ``[[effect]]`` tables) as one effect; ``ir_files=False``
    refuses impulse responses other than the built-in ones."""
def fx_file(
    input_path: _PathLike,
    output_path: _PathLike,
    effects: Union[Effect, Sequence[Effect]],
    *,
    format: Optional[str] = None,
    use_gpu: bool = False,
    max_seconds: float = ...,  # 7200 s
) -> dict[str, object]:
    """``input_path`` through ``effects`` to ``output_path`` (atomic), as ``rae fx``; the report
    as a dict."""

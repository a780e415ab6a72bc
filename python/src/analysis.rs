//! Python bindings for the engine's analysis: pitch, notes, onsets, dynamics, tempo, the
//! all-in-one `analyze` (the engine's analysis operation) and the streaming analyser. Result
//! classes wrap the engine's values; their `to_dict()` is the JSON the CLI writes.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use rust_audio_engine as rae;
use rust_audio_engine::analysis as an;

use crate::convert::{audio_arg, buffer_of, planar, to_py};
use crate::errors::to_py_err;

const FMIN_HZ: f64 = 65.406_395;
const FMAX_HZ: f64 = 2_093.004_5;

/// A pitch track: one entry per frame, frame `i` centred at `i * hop_length / sample_rate`.
#[pyclass(frozen, module = "rust_audio_engine")]
pub(crate) struct PitchTrack {
    pub(crate) inner: an::PitchTrack,
}

#[pymethods]
impl PitchTrack {
    /// A track made elsewhere (another tracker, an annotation), e.g. for `notes_from_pitch`:
    /// frame times (increasing), f0 in Hz (NaN or <= 0 where unvoiced), and optionally the
    /// voicing flags and probabilities. `hop_length`/`frame_length` are in samples at
    /// `sample_rate`. Its `method` is "external".
    #[new]
    #[pyo3(signature = (times_s, f0_hz, voiced=None, voiced_prob=None, *, sample_rate, hop_length,
        frame_length=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        times_s: Vec<f64>,
        f0_hz: Vec<f32>,
        voiced: Option<Vec<bool>>,
        voiced_prob: Option<Vec<f32>>,
        sample_rate: u32,
        hop_length: usize,
        frame_length: Option<usize>,
    ) -> PyResult<Self> {
        let inner = an::PitchTrack::from_parts(
            times_s,
            f0_hz,
            voiced,
            voiced_prob,
            sample_rate,
            hop_length,
            frame_length.unwrap_or(hop_length),
        )
        .map_err(to_py_err)?;
        Ok(Self { inner })
    }

    /// Frame centres in seconds, float64.
    #[getter]
    fn times_s<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.times_s.clone().into_pyarray(py)
    }
    /// f0 in Hz, float32; NaN where unvoiced.
    #[getter]
    fn f0_hz<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        self.inner.f0_hz.clone().into_pyarray(py)
    }
    /// Voicing decision per frame, bool.
    #[getter]
    fn voiced<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<bool>> {
        self.inner.voiced.clone().into_pyarray(py)
    }
    /// Probability that each frame is voiced, float32.
    #[getter]
    fn voiced_prob<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        self.inner.voiced_prob.clone().into_pyarray(py)
    }
    #[getter]
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate
    }
    #[getter]
    fn hop_length(&self) -> usize {
        self.inner.hop_length
    }
    #[getter]
    fn frame_length(&self) -> usize {
        self.inner.frame_length
    }
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method.name()
    }
    /// `{"method", "times_s", "f0_hz", "voiced", "voiced_prob", "sample_rate", "hop_length",
    /// "frame_length"}` with lists (JSON-ready: unvoiced f0 is `None`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }
    fn __len__(&self) -> usize {
        self.inner.len()
    }
    fn __repr__(&self) -> String {
        let voiced = self.inner.voiced.iter().filter(|&&v| v).count();
        format!(
            "PitchTrack(frames={}, voiced={}, method='{}', hop_length={})",
            self.inner.len(),
            voiced,
            self.method(),
            self.inner.hop_length
        )
    }
}

/// One note: start and end (s), MIDI number, median deviation in cents, median f0 and level.
#[pyclass(frozen, module = "rust_audio_engine")]
#[derive(Clone)]
struct Note {
    inner: an::Note,
}

#[pymethods]
impl Note {
    #[getter]
    fn start_s(&self) -> f64 {
        self.inner.start_s
    }
    #[getter]
    fn end_s(&self) -> f64 {
        self.inner.end_s
    }
    #[getter]
    fn midi(&self) -> u8 {
        self.inner.midi
    }
    #[getter]
    fn cents(&self) -> f32 {
        self.inner.cents
    }
    #[getter]
    fn f0_hz(&self) -> f32 {
        self.inner.f0_hz
    }
    #[getter]
    fn level_db(&self) -> f32 {
        self.inner.level_db
    }
    #[getter]
    fn name(&self) -> String {
        self.inner.name()
    }
    #[getter]
    fn duration_s(&self) -> f64 {
        self.inner.duration_s()
    }
    /// The note as a plain dict (`level_db` is `None` for digital silence).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        let n = &self.inner;
        format!(
            "Note({} {:+.0} cents, {:.3}-{:.3} s, {:.1} dB)",
            n.name(),
            n.cents,
            n.start_s,
            n.end_s,
            n.level_db
        )
    }
}

fn notes(notes: &[an::Note]) -> Vec<Note> {
    notes.iter().map(|n| Note { inner: n.clone() }).collect()
}

/// Detected note onsets.
#[pyclass(frozen, module = "rust_audio_engine")]
pub(crate) struct Onsets {
    inner: an::Onsets,
}

#[pymethods]
impl Onsets {
    /// Onset times in seconds, float64.
    #[getter]
    fn times_s<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.times_s.clone().into_pyarray(py)
    }
    /// Detection-function value at each onset (dB), float32.
    #[getter]
    fn strengths<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        self.inner.strengths.clone().into_pyarray(py)
    }
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method.name()
    }
    #[getter]
    fn backtrack(&self) -> bool {
        self.inner.backtrack
    }
    /// `{"method", "backtrack", "times_s": [...], "strengths": [...]}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }
    fn __len__(&self) -> usize {
        self.inner.len()
    }
    fn __repr__(&self) -> String {
        format!(
            "Onsets(count={}, method='{}', backtrack={})",
            self.inner.len(),
            self.method(),
            if self.inner.backtrack {
                "True"
            } else {
                "False"
            }
        )
    }
}

/// Levels and loudness of a signal.
#[pyclass(frozen, module = "rust_audio_engine")]
pub(crate) struct Dynamics {
    inner: an::Dynamics,
}

#[pymethods]
impl Dynamics {
    /// Centre of each RMS frame, seconds.
    #[getter]
    fn times_s<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.times_s.clone().into_pyarray(py)
    }
    /// RMS level per frame, dBFS (floored at -120).
    #[getter]
    fn rms_db<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        self.inner.rms_db.clone().into_pyarray(py)
    }
    /// End of each momentary / short-term window (every 0.1 s), seconds.
    #[getter]
    fn loudness_times_s<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.loudness_times_s.clone().into_pyarray(py)
    }
    /// Momentary (400 ms) loudness, LUFS (floored at -120).
    #[getter]
    fn momentary_lufs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        self.inner.momentary_lufs.clone().into_pyarray(py)
    }
    /// Short-term (3 s) loudness, LUFS (floored at -120).
    #[getter]
    fn short_term_lufs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        self.inner.short_term_lufs.clone().into_pyarray(py)
    }
    #[getter]
    fn sample_peak_db(&self) -> f64 {
        self.inner.sample_peak_db
    }
    #[getter]
    fn true_peak_db(&self) -> f64 {
        self.inner.true_peak_db
    }
    #[getter]
    fn integrated_lufs(&self) -> f64 {
        self.inner.integrated_lufs
    }
    /// Largest momentary (400 ms) loudness, measured every 10 ms, LUFS.
    #[getter]
    fn max_momentary_lufs(&self) -> f64 {
        self.inner.max_momentary_lufs
    }
    /// Largest short-term (3 s) loudness, measured every 10 ms, LUFS.
    #[getter]
    fn max_short_term_lufs(&self) -> f64 {
        self.inner.max_short_term_lufs
    }
    #[getter]
    fn loudness_range_lu(&self) -> f64 {
        self.inner.loudness_range_lu
    }
    #[getter]
    fn rms_total_db(&self) -> f64 {
        self.inner.rms_total_db
    }
    #[getter]
    fn crest_factor_db(&self) -> f64 {
        self.inner.crest_factor_db
    }
    /// Every field, arrays as lists (non-finite values, such as the loudness of silence, as
    /// `None`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        let x = &self.inner;
        format!(
            "Dynamics(integrated_lufs={:.2}, true_peak_db={:.2}, sample_peak_db={:.2}, loudness_range_lu={:.2}, crest_factor_db={:.2})",
            x.integrated_lufs, x.true_peak_db, x.sample_peak_db, x.loudness_range_lu, x.crest_factor_db
        )
    }
}

/// A global tempo and beat times.
#[pyclass(frozen, module = "rust_audio_engine")]
pub(crate) struct Tempo {
    inner: an::Tempo,
}

#[pymethods]
impl Tempo {
    /// Beats per minute (0.0 when there is no pulse).
    #[getter]
    fn bpm(&self) -> f64 {
        self.inner.bpm
    }
    /// Beat times in seconds, float64.
    #[getter]
    fn beats_s<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.beats_s.clone().into_pyarray(py)
    }
    /// Normalised autocorrelation at the beat period, 0..1.
    #[getter]
    fn confidence(&self) -> f64 {
        self.inner.confidence
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        format!(
            "Tempo(bpm={:.2}, beats={}, confidence={:.2})",
            self.inner.bpm,
            self.inner.beats_s.len(),
            self.inner.confidence
        )
    }
}

/// Everything `analyze` measured. `onsets`, `dynamics` and `tempo` are `None` when not asked.
#[pyclass(frozen, module = "rust_audio_engine")]
struct Analysis {
    inner: rae::Analysis,
    #[pyo3(get)]
    pitch: Py<PitchTrack>,
    #[pyo3(get)]
    onsets: Option<Py<Onsets>>,
    #[pyo3(get)]
    dynamics: Option<Py<Dynamics>>,
    #[pyo3(get)]
    tempo: Option<Py<Tempo>>,
}

#[pymethods]
impl Analysis {
    #[getter]
    fn notes(&self) -> Vec<Note> {
        notes(&self.inner.notes)
    }
    #[getter]
    fn duration_s(&self) -> f64 {
        self.inner.duration_s
    }
    #[getter]
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate
    }
    #[getter]
    fn channels(&self) -> usize {
        self.inner.channels
    }
    /// The analysis as nested plain dicts and lists: the JSON document `rae analyze --json`
    /// writes.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        let a = &self.inner;
        format!(
            "Analysis(duration_s={:.2}, notes={}, onsets={}, dynamics={}, tempo={})",
            a.duration_s,
            a.notes.len(),
            a.onsets.is_some(),
            a.dynamics.is_some(),
            a.tempo.is_some()
        )
    }
}

fn pitch_params(
    method: &str,
    fmin_hz: f64,
    fmax_hz: f64,
    frame_length: Option<usize>,
    hop_length: Option<usize>,
    yin_threshold: f64,
) -> PyResult<an::PitchParams> {
    Ok(an::PitchParams {
        method: method.parse().map_err(to_py_err)?,
        fmin_hz,
        fmax_hz,
        frame_length,
        hop_length,
        yin_threshold,
    })
}

/// f0 track of a recording (a float32/float64 array with `sample_rate`, a path, or bytes) by
/// pYIN (default) or YIN. Channels are averaged.
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, method="pyin", fmin_hz=FMIN_HZ, fmax_hz=FMAX_HZ,
    frame_length=None, hop_length=None, yin_threshold=0.1))]
#[allow(clippy::too_many_arguments)]
fn analyze_pitch(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
    method: &str,
    fmin_hz: f64,
    fmax_hz: f64,
    frame_length: Option<usize>,
    hop_length: Option<usize>,
    yin_threshold: f64,
) -> PyResult<PitchTrack> {
    let params = pitch_params(
        method,
        fmin_hz,
        fmax_hz,
        frame_length,
        hop_length,
        yin_threshold,
    )?;
    let buffer = audio_arg(py, audio, sample_rate)?;
    let inner = py
        .detach(|| an::analyze_pitch(&buffer, &params))
        .map_err(to_py_err)?;
    Ok(PitchTrack { inner })
}

/// Notes of a recording: the pitch track cut at voicing gaps and held pitch changes.
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, method="pyin", fmin_hz=FMIN_HZ, fmax_hz=FMAX_HZ,
    frame_length=None, hop_length=None, min_note_s=0.06, split_semitones=0.6, split_hold_s=0.05,
    split_on_onsets=true))]
#[allow(clippy::too_many_arguments)]
fn detect_notes(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
    method: &str,
    fmin_hz: f64,
    fmax_hz: f64,
    frame_length: Option<usize>,
    hop_length: Option<usize>,
    min_note_s: f64,
    split_semitones: f64,
    split_hold_s: f64,
    split_on_onsets: bool,
) -> PyResult<Vec<Note>> {
    let params = pitch_params(method, fmin_hz, fmax_hz, frame_length, hop_length, 0.1)?;
    let np = an::NoteParams {
        min_note_s,
        split_semitones,
        split_hold_s,
        split_on_onsets,
    };
    let buffer = audio_arg(py, audio, sample_rate)?;
    let (_, found) = py
        .detach(|| an::detect_notes(&buffer, &params, &np))
        .map_err(to_py_err)?;
    Ok(notes(&found))
}

/// Notes of a pitch track (ours, or another tracker's as `PitchTrack(...)`), by the same
/// segmentation `detect_notes` uses. With `audio` (the analysed signal, with `sample_rate` for an
/// array), notes get their levels and, with `split_on_onsets`, re-struck notes are split at the
/// onsets found in it.
#[pyfunction]
#[pyo3(signature = (track, audio=None, sample_rate=None, *, min_note_s=0.06, split_semitones=0.6,
    split_hold_s=0.05, split_on_onsets=true))]
#[allow(clippy::too_many_arguments)]
fn notes_from_pitch(
    py: Python<'_>,
    track: &Bound<'_, PitchTrack>,
    audio: Option<&Bound<'_, PyAny>>,
    sample_rate: Option<u32>,
    min_note_s: f64,
    split_semitones: f64,
    split_hold_s: f64,
    split_on_onsets: bool,
) -> PyResult<Vec<Note>> {
    let np = an::NoteParams {
        min_note_s,
        split_semitones,
        split_hold_s,
        split_on_onsets,
    };
    let mono = audio
        .map(|a| audio_arg(py, a, sample_rate))
        .transpose()?
        .map(|b| b.to_mono());
    let track = &track.get().inner;
    let found = py
        .detach(|| an::notes_from_track(track, mono.as_deref(), &np))
        .map_err(to_py_err)?;
    Ok(notes(&found))
}

/// Pitch, notes and (unless turned off) onsets, dynamics and tempo of a recording, decoded
/// once, in one pass.
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, method="pyin", fmin_hz=FMIN_HZ, fmax_hz=FMAX_HZ,
    frame_length=None, hop_length=None, onsets=true, dynamics=true, tempo=true))]
#[allow(clippy::too_many_arguments)]
fn analyze(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
    method: &str,
    fmin_hz: f64,
    fmax_hz: f64,
    frame_length: Option<usize>,
    hop_length: Option<usize>,
    onsets: bool,
    dynamics: bool,
    tempo: bool,
) -> PyResult<Analysis> {
    let opts = rae::AnalyzeOptions {
        pitch: pitch_params(method, fmin_hz, fmax_hz, frame_length, hop_length, 0.1)?,
        onsets: onsets.then(an::OnsetParams::default),
        dynamics: dynamics.then(an::DynamicsParams::default),
        tempo: tempo.then(an::TempoParams::default),
        ..Default::default()
    };
    let buffer = audio_arg(py, audio, sample_rate)?;
    let inner = py
        .detach(|| rae::analyze(&buffer, &opts))
        .map_err(to_py_err)?;
    Ok(Analysis {
        pitch: Py::new(
            py,
            PitchTrack {
                inner: inner.pitch.clone(),
            },
        )?,
        onsets: inner
            .onsets
            .clone()
            .map(|inner| Py::new(py, Onsets { inner }))
            .transpose()?,
        dynamics: inner
            .dynamics
            .clone()
            .map(|inner| Py::new(py, Dynamics { inner }))
            .transpose()?,
        tempo: inner
            .tempo
            .clone()
            .map(|inner| Py::new(py, Tempo { inner }))
            .transpose()?,
        inner,
    })
}

/// Note onsets of a recording (array with `sample_rate`, a path, or bytes).
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, method="spectral_flux", backtrack=false,
    delta=None, frame_s=0.04644, hop_s=0.005, min_interval_s=0.03))]
#[allow(clippy::too_many_arguments)]
fn detect_onsets(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
    method: &str,
    backtrack: bool,
    delta: Option<f32>,
    frame_s: f64,
    hop_s: f64,
    min_interval_s: f64,
) -> PyResult<Onsets> {
    let params = an::OnsetParams {
        method: method.parse().map_err(to_py_err)?,
        backtrack,
        delta,
        frame_s,
        hop_s,
        min_interval_s,
        ..Default::default()
    };
    let buffer = audio_arg(py, audio, sample_rate)?;
    let found = py
        .detach(|| an::detect_onsets(&buffer, &params))
        .map_err(to_py_err)?;
    Ok(Onsets {
        inner: an::Onsets::new(&found, &params),
    })
}

/// RMS envelope, peaks, loudness (LUFS) and crest factor of a recording.
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, frame_length=None, hop_length=None))]
fn analyze_dynamics(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
    frame_length: Option<usize>,
    hop_length: Option<usize>,
) -> PyResult<Dynamics> {
    let buffer = audio_arg(py, audio, sample_rate)?;
    let params = an::DynamicsParams {
        frame_length,
        hop_length,
    };
    let inner = py
        .detach(|| an::analyze_dynamics(&buffer, &params))
        .map_err(to_py_err)?;
    Ok(Dynamics { inner })
}

/// Global tempo (BPM) and beat times of a recording.
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, start_bpm=120.0, min_bpm=30.0, max_bpm=300.0,
    tightness=100.0))]
fn estimate_tempo(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
    start_bpm: f64,
    min_bpm: f64,
    max_bpm: f64,
    tightness: f64,
) -> PyResult<Tempo> {
    let buffer = audio_arg(py, audio, sample_rate)?;
    let params = an::TempoParams {
        start_bpm,
        min_bpm,
        max_bpm,
        tightness,
        ..Default::default()
    };
    let inner = py
        .detach(|| an::estimate_tempo(&buffer, &params))
        .map_err(to_py_err)?;
    Ok(Tempo { inner })
}

/// Live analysis: feed chunks of any size (1-D mono, or 2-D (channels, samples) mixed to mono;
/// float32 or float64) and get events as dicts, in time order, the same whatever the chunking:
/// `{"type": "pitch", "time_s", "f0_hz" (None when unvoiced), "voiced", "voiced_prob"}`,
/// `{"type": "note_start" | "note_end", "time_s", "start_s", "end_s", "midi", "name", "cents",
/// "f0_hz", "level_db"}` and `{"type": "onset", "time_s", "strength"}`.
#[pyclass(module = "rust_audio_engine")]
struct StreamingAnalyzer {
    inner: an::StreamingAnalyzer,
}

#[pymethods]
impl StreamingAnalyzer {
    #[new]
    #[pyo3(signature = (sample_rate, *, fmin_hz=FMIN_HZ, fmax_hz=FMAX_HZ, frame_length=None,
        hop_length=None, lag_frames=4, onsets=true, min_note_s=0.06, split_semitones=0.6,
        split_hold_s=0.05))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        sample_rate: u32,
        fmin_hz: f64,
        fmax_hz: f64,
        frame_length: Option<usize>,
        hop_length: Option<usize>,
        lag_frames: usize,
        onsets: bool,
        min_note_s: f64,
        split_semitones: f64,
        split_hold_s: f64,
    ) -> PyResult<Self> {
        let params = an::StreamingParams {
            fmin_hz,
            fmax_hz,
            frame_length,
            hop_length,
            lag_frames,
            notes: an::NoteParams {
                min_note_s,
                split_semitones,
                split_hold_s,
                split_on_onsets: onsets,
            },
            onsets: onsets.then(an::OnsetParams::default),
        };
        let inner = an::StreamingAnalyzer::new(sample_rate, params).map_err(to_py_err)?;
        Ok(Self { inner })
    }

    /// Feeds the next chunk; returns the events that became known.
    fn process<'py>(
        &mut self,
        py: Python<'py>,
        chunk: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mono = buffer_of(planar(chunk)?, self.inner.sample_rate())?.to_mono();
        let inner = &mut self.inner;
        let events = py.detach(|| inner.process(&mono)).map_err(to_py_err)?;
        to_py(py, &events)
    }

    /// Ends the stream: returns the remaining events and resets for a new stream.
    fn flush<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = &mut self.inner;
        let events = py.detach(|| inner.flush()).map_err(to_py_err)?;
        to_py(py, &events)
    }

    /// Forgets the stream so far.
    fn reset(&mut self) {
        self.inner.reset();
    }

    /// Largest delay from a sample arriving to the pitch or onset event describing it, s.
    #[getter]
    fn latency_s(&self) -> f64 {
        self.inner.latency_s()
    }
    #[getter]
    fn pitch_latency_s(&self) -> f64 {
        self.inner.pitch_latency_s()
    }
    /// Spacing of pitch events, s.
    #[getter]
    fn hop_s(&self) -> f64 {
        self.inner.hop_s()
    }
    #[getter]
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }
    fn __repr__(&self) -> String {
        format!(
            "StreamingAnalyzer(sample_rate={}, latency_s={:.4})",
            self.inner.sample_rate(),
            self.inner.latency_s()
        )
    }
}

/// Adds this module's classes and functions to `_native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PitchTrack>()?;
    m.add_class::<Note>()?;
    m.add_class::<Onsets>()?;
    m.add_class::<Dynamics>()?;
    m.add_class::<Tempo>()?;
    m.add_class::<Analysis>()?;
    m.add_class::<StreamingAnalyzer>()?;
    m.add_function(wrap_pyfunction!(analyze_pitch, m)?)?;
    m.add_function(wrap_pyfunction!(detect_notes, m)?)?;
    m.add_function(wrap_pyfunction!(notes_from_pitch, m)?)?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add_function(wrap_pyfunction!(detect_onsets, m)?)?;
    m.add_function(wrap_pyfunction!(analyze_dynamics, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_tempo, m)?)?;
    Ok(())
}

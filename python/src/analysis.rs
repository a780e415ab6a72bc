//! Python bindings for the engine's analysis module (pitch, notes, the all-in-one `analyze` and
//! the streaming analyser): conversions only.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArrayDyn};
use pyo3::prelude::*;

use crate::analysis_events::{Dynamics, Onsets, Tempo};
use pyo3::types::{PyDict, PyList};
use rust_audio_engine::analysis as an;

use crate::{audio_buffer, to_py_err};

const FMIN_HZ: f64 = 65.406_395;
const FMAX_HZ: f64 = 2_093.004_5;

/// A pitch track: one entry per frame, frame `i` centred at `i * hop_length / sample_rate`.
#[pyclass(frozen, module = "rust_audio_engine")]
pub(crate) struct PitchTrack {
    pub(crate) inner: an::PitchTrack,
    method: &'static str,
}

fn f0_or_none(f: f32) -> Option<f32> {
    f.is_finite().then_some(f)
}

#[pymethods]
impl PitchTrack {
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
        self.method
    }
    /// `{"times_s", "f0_hz", "voiced", "voiced_prob"}` as lists (JSON-ready: unvoiced f0 is
    /// `None`), plus `sample_rate`, `hop_length`, `frame_length` and `method`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("times_s", self.inner.times_s.clone())?;
        let f0: Vec<Option<f32>> = self.inner.f0_hz.iter().map(|&f| f0_or_none(f)).collect();
        d.set_item("f0_hz", f0)?;
        d.set_item("voiced", self.inner.voiced.clone())?;
        d.set_item("voiced_prob", self.inner.voiced_prob.clone())?;
        d.set_item("sample_rate", self.inner.sample_rate)?;
        d.set_item("hop_length", self.inner.hop_length)?;
        d.set_item("frame_length", self.inner.frame_length)?;
        d.set_item("method", self.method)?;
        Ok(d)
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
            self.method,
            self.inner.hop_length
        )
    }
}

/// One note: start and end (s), MIDI number, median deviation in cents, median f0 and level.
#[pyclass(frozen, get_all, module = "rust_audio_engine")]
#[derive(Clone)]
struct Note {
    start_s: f64,
    end_s: f64,
    midi: u8,
    cents: f32,
    f0_hz: f32,
    level_db: f32,
    name: String,
}

impl From<&an::Note> for Note {
    fn from(n: &an::Note) -> Self {
        Note {
            start_s: n.start_s,
            end_s: n.end_s,
            midi: n.midi,
            cents: n.cents,
            f0_hz: n.f0_hz,
            level_db: n.level_db,
            name: n.name(),
        }
    }
}

impl Note {
    fn fill<'py>(&self, d: &Bound<'py, PyDict>) -> PyResult<()> {
        d.set_item("start_s", self.start_s)?;
        d.set_item("end_s", self.end_s)?;
        d.set_item("midi", self.midi)?;
        d.set_item("name", &self.name)?;
        d.set_item("cents", self.cents)?;
        d.set_item("f0_hz", self.f0_hz)?;
        d.set_item(
            "level_db",
            self.level_db.is_finite().then_some(self.level_db),
        )?;
        Ok(())
    }
}

#[pymethods]
impl Note {
    #[getter]
    fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }
    /// The note as a plain dict (`level_db` is `None` for digital silence).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        self.fill(&d)?;
        Ok(d)
    }
    fn __repr__(&self) -> String {
        format!(
            "Note({} {:+.0} cents, {:.3}-{:.3} s, {:.1} dB)",
            self.name, self.cents, self.start_s, self.end_s, self.level_db
        )
    }
}

/// Everything `analyze` measured. `onsets`, `dynamics` and `tempo` are `None` when not asked.
#[pyclass(frozen, module = "rust_audio_engine")]
struct Analysis {
    #[pyo3(get)]
    pitch: Py<PitchTrack>,
    notes: Vec<Note>,
    #[pyo3(get)]
    onsets: Option<Py<PyAny>>,
    #[pyo3(get)]
    dynamics: Option<Py<PyAny>>,
    #[pyo3(get)]
    tempo: Option<Py<PyAny>>,
    #[pyo3(get)]
    duration_s: f64,
    #[pyo3(get)]
    sample_rate: u32,
    #[pyo3(get)]
    channels: usize,
}

#[pymethods]
impl Analysis {
    #[getter]
    fn notes(&self) -> Vec<Note> {
        self.notes.clone()
    }
    /// The analysis as nested plain dicts and lists (JSON-ready).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("duration_s", self.duration_s)?;
        d.set_item("sample_rate", self.sample_rate)?;
        d.set_item("channels", self.channels)?;
        d.set_item("pitch", self.pitch.bind(py).get().to_dict(py)?)?;
        let notes = PyList::empty(py);
        for n in &self.notes {
            notes.append(n.to_dict(py)?)?;
        }
        d.set_item("notes", notes)?;
        for (key, part) in [
            ("onsets", &self.onsets),
            ("dynamics", &self.dynamics),
            ("tempo", &self.tempo),
        ] {
            match part {
                Some(obj) => d.set_item(key, obj.bind(py).call_method0("to_dict")?)?,
                None => d.set_item(key, py.None())?,
            }
        }
        Ok(d)
    }
    fn __repr__(&self) -> String {
        format!(
            "Analysis(duration_s={:.2}, notes={}, onsets={}, dynamics={}, tempo={})",
            self.duration_s,
            self.notes.len(),
            self.onsets.is_some(),
            self.dynamics.is_some(),
            self.tempo.is_some()
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
) -> PyResult<(an::PitchParams, &'static str)> {
    let m: an::PitchMethod = method.parse().map_err(to_py_err)?;
    let name = match m {
        an::PitchMethod::Yin => "yin",
        an::PitchMethod::Pyin => "pyin",
    };
    Ok((
        an::PitchParams {
            method: m,
            fmin_hz,
            fmax_hz,
            frame_length,
            hop_length,
            yin_threshold,
        },
        name,
    ))
}

/// f0 track of a recording (a float32 array with `sample_rate`, a path, or bytes) by pYIN
/// (default) or YIN. Channels are averaged.
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
    let (params, name) = pitch_params(
        method,
        fmin_hz,
        fmax_hz,
        frame_length,
        hop_length,
        yin_threshold,
    )?;
    let buffer = audio_buffer(py, audio, sample_rate)?;
    let inner = py
        .detach(|| an::analyze_pitch(&buffer, &params))
        .map_err(to_py_err)?;
    Ok(PitchTrack {
        inner,
        method: name,
    })
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
    let (params, _) = pitch_params(method, fmin_hz, fmax_hz, frame_length, hop_length, 0.1)?;
    let np = an::NoteParams {
        min_note_s,
        split_semitones,
        split_hold_s,
        split_on_onsets,
    };
    let buffer = audio_buffer(py, audio, sample_rate)?;
    let (_, notes) = py
        .detach(|| an::detect_notes(&buffer, &params, &np))
        .map_err(to_py_err)?;
    Ok(notes.iter().map(Note::from).collect())
}

/// Pitch, notes and (unless turned off) onsets, dynamics and tempo of a recording, decoded
/// once.
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
    let (params, name) = pitch_params(method, fmin_hz, fmax_hz, frame_length, hop_length, 0.1)?;
    let buffer = audio_buffer(py, audio, sample_rate)?;
    let (sr, duration_s, channels) = (
        buffer.sample_rate,
        buffer.duration_s(),
        buffer.channel_count(),
    );
    // Everything from one decode, in one pass without the GIL; the onsets that split notes are
    // the ones reported (both use the default onset parameters).
    let (track, notes, found, dyn_result, tempo_result) = py
        .detach(|| -> rust_audio_engine::Result<_> {
            let note_params = an::NoteParams::default();
            let mono = an::to_mono(&buffer)?;
            let track = an::analyze_pitch_mono(&mono, sr, &params)?;
            let found = if onsets || note_params.split_on_onsets {
                Some(an::detect_onsets(&buffer, &an::OnsetParams::default())?)
            } else {
                None
            };
            let notes = an::notes_with_onsets(
                &track,
                Some(&mono),
                found.as_deref().unwrap_or(&[]),
                &note_params,
            )?;
            let d = dynamics
                .then(|| an::analyze_dynamics(&buffer, &an::DynamicsParams::default()))
                .transpose()?;
            let t = tempo
                .then(|| an::estimate_tempo(&buffer, &an::TempoParams::default()))
                .transpose()?;
            Ok((track, notes, found.filter(|_| onsets), d, t))
        })
        .map_err(to_py_err)?;
    let parts = (
        found
            .map(|o| Py::new(py, Onsets::new(&o, "spectral_flux", false)).map(Py::into_any))
            .transpose()?,
        dyn_result
            .map(|inner| Py::new(py, Dynamics { inner }).map(Py::into_any))
            .transpose()?,
        tempo_result
            .map(|inner| Py::new(py, Tempo { inner }).map(Py::into_any))
            .transpose()?,
    );
    Ok(Analysis {
        pitch: Py::new(
            py,
            PitchTrack {
                inner: track,
                method: name,
            },
        )?,
        notes: notes.iter().map(Note::from).collect(),
        onsets: parts.0,
        dynamics: parts.1,
        tempo: parts.2,
        duration_s,
        sample_rate: sr,
        channels,
    })
}

fn event_dict<'py>(py: Python<'py>, e: &an::Event) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    match e {
        an::Event::Pitch(p) => {
            d.set_item("type", "pitch")?;
            d.set_item("time_s", p.time_s)?;
            d.set_item("f0_hz", f0_or_none(p.f0_hz))?;
            d.set_item("voiced", p.voiced)?;
            d.set_item("voiced_prob", p.voiced_prob)?;
        }
        an::Event::NoteStart(n) | an::Event::NoteEnd(n) => {
            let start = matches!(e, an::Event::NoteStart(_));
            d.set_item("type", if start { "note_start" } else { "note_end" })?;
            d.set_item("time_s", if start { n.start_s } else { n.end_s })?;
            Note::from(n).fill(&d)?;
        }
        an::Event::Onset(o) => {
            d.set_item("type", "onset")?;
            d.set_item("time_s", o.time_s)?;
            d.set_item("strength", o.strength)?;
        }
    }
    Ok(d)
}

/// Live analysis: feed float32 chunks of any size (1-D mono, or 2-D (channels, samples) mixed
/// to mono) and get events as dicts, in time order, the same whatever the chunking:
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
        chunk: PyReadonlyArrayDyn<'py, f32>,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let view = chunk.as_array();
        let mono: Vec<f32> = match view.ndim() {
            1 => view.iter().copied().collect(),
            2 => {
                let channels = view.shape()[0].max(1);
                let frames = view.shape()[1];
                let mut out = vec![0.0f32; frames];
                for row in view.outer_iter() {
                    for (o, x) in out.iter_mut().zip(row.iter()) {
                        *o += x;
                    }
                }
                let scale = 1.0 / channels as f32;
                out.iter_mut().for_each(|o| *o *= scale);
                out
            }
            n => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "chunk must be 1-D (mono) or 2-D (channels, samples), not {n}-D"
                )))
            }
        };
        let inner = &mut self.inner;
        let events = py.detach(|| inner.process(&mono)).map_err(to_py_err)?;
        events.iter().map(|e| event_dict(py, e)).collect()
    }

    /// Ends the stream: returns the remaining events and resets for a new stream.
    fn flush<'py>(&mut self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let inner = &mut self.inner;
        let events = py.detach(|| inner.flush()).map_err(to_py_err)?;
        events.iter().map(|e| event_dict(py, e)).collect()
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
    m.add_class::<Analysis>()?;
    m.add_class::<StreamingAnalyzer>()?;
    m.add_function(wrap_pyfunction!(analyze_pitch, m)?)?;
    m.add_function(wrap_pyfunction!(detect_notes, m)?)?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    Ok(())
}

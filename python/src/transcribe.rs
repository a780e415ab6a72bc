//! Python bindings for transcription (audio to notes): `transcribe_notes` runs the engine's
//! transcription operation with the GIL released and gives the notes and the run's details;
//! `notes_to_midi` writes notes as a MIDI file; `transcription_activations` gives the model's
//! frame-wise output. The Python layer (`_transcribe.py`) wraps them
//! as `transcribe()` returning a `Transcription` list with `.to_midi()`.

use std::path::PathBuf;

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;
use rust_audio_engine as rae;
use rust_audio_engine::transcribe::{Mode, TranscribedNote as Inner, CONTOUR_BINS, KEYS};

use crate::convert::{audio_arg, is_array_like, to_py};
use crate::errors::to_py_err;

/// One transcribed note: start and end in seconds, MIDI pitch, velocity (1-127), and pitch
/// bends per frame in thirds of a semitone (reference mode only; else empty).
#[pyclass(frozen, module = "rust_audio_engine")]
pub(crate) struct TranscribedNote {
    inner: Inner,
}

#[pymethods]
impl TranscribedNote {
    #[new]
    #[pyo3(signature = (start, end, pitch, velocity=100, pitch_bends=None))]
    fn new(
        start: f64,
        end: f64,
        pitch: u8,
        velocity: u8,
        pitch_bends: Option<Vec<i32>>,
    ) -> PyResult<Self> {
        if !(start.is_finite() && end.is_finite() && start >= 0.0 && end > start) {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "a note needs 0 <= start < end (finite seconds), not start={start}, end={end}"
            )));
        }
        if pitch > 127 || !(1..=127).contains(&velocity) {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "pitch must be 0-127 and velocity 1-127, not {pitch} and {velocity}"
            )));
        }
        Ok(Self {
            inner: Inner {
                start_s: start,
                end_s: end,
                pitch,
                velocity,
                pitch_bends: pitch_bends.unwrap_or_default(),
            },
        })
    }
    /// Start in seconds.
    #[getter]
    fn start(&self) -> f64 {
        self.inner.start_s
    }
    /// End in seconds.
    #[getter]
    fn end(&self) -> f64 {
        self.inner.end_s
    }
    /// MIDI note number.
    #[getter]
    fn pitch(&self) -> u8 {
        self.inner.pitch
    }
    #[getter]
    fn velocity(&self) -> u8 {
        self.inner.velocity
    }
    #[getter]
    fn pitch_bends(&self) -> Vec<i32> {
        self.inner.pitch_bends.clone()
    }
    /// The note as the CLI's JSON gives it.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<TranscribedNote>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }
    fn __repr__(&self) -> String {
        format!(
            "TranscribedNote(start={:.3}, end={:.3}, pitch={}, velocity={})",
            self.inner.start_s, self.inner.end_s, self.inner.pitch, self.inner.velocity
        )
    }
}

/// Transcribes a recording (a numpy array with `sample_rate`, a path, or bytes): the notes,
/// sorted by start then pitch, and the run's details (the JSON `rae transcribe --json` writes,
/// without the notes). `mode` is "piano" (default) or "reference" (the basic-pitch package's
/// note creation).
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, mode="piano", threads=None))]
fn transcribe_notes<'py>(
    py: Python<'py>,
    audio: &Bound<'py, PyAny>,
    sample_rate: Option<u32>,
    mode: &str,
    threads: Option<usize>,
) -> PyResult<(Vec<TranscribedNote>, Bound<'py, PyAny>)> {
    let opts = rae::TranscribeOptions {
        mode: Mode::from_name(mode).map_err(to_py_err)?,
        threads,
    };
    let what = if is_array_like(audio) {
        "<array>".to_string()
    } else {
        audio
            .extract::<PathBuf>()
            .map_or_else(|_| "<bytes>".to_string(), |p| p.display().to_string())
    };
    let buffer = audio_arg(py, audio, sample_rate)?;
    let mut t = py
        .detach(|| rae::transcribe_audio(&buffer, &opts, &what))
        .map_err(to_py_err)?;
    let notes = std::mem::take(&mut t.notes)
        .into_iter()
        .map(|inner| TranscribedNote { inner })
        .collect();
    let info = to_py(py, &t)?;
    info.del_item("notes")?;
    Ok((notes, info))
}

/// The model's frame-wise output for a recording: onset, note and contour probabilities as
/// float32 arrays shaped (frames, 88), (frames, 88) and (frames, 264), key 0 being MIDI note
/// 21, and the time of each frame in seconds (float64).
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, threads=None))]
#[allow(clippy::type_complexity)]
fn transcription_activations<'py>(
    py: Python<'py>,
    audio: &Bound<'py, PyAny>,
    sample_rate: Option<u32>,
    threads: Option<usize>,
) -> PyResult<(
    Bound<'py, PyArray2<f32>>,
    Bound<'py, PyArray2<f32>>,
    Bound<'py, PyArray2<f32>>,
    Bound<'py, PyArray1<f64>>,
)> {
    let opts = rae::TranscribeOptions {
        mode: Mode::Piano,
        threads,
    };
    let buffer = audio_arg(py, audio, sample_rate)?;
    let t = py
        .detach(|| rae::transcribe_audio(&buffer, &opts, "<audio>"))
        .map_err(to_py_err)?;
    let a = &t.activations;
    let n = a.len();
    let grid = |rows: Vec<f32>, width: usize| -> PyResult<Bound<'py, PyArray2<f32>>> {
        Array2::from_shape_vec((n, width), rows)
            .map(|arr| arr.into_pyarray(py))
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    };
    let times: Vec<f64> = (0..n).map(|k| a.frame_time(k)).collect();
    Ok((
        grid(a.onsets.concat(), KEYS)?,
        grid(a.frames.concat(), KEYS)?,
        grid(a.contour.concat(), CONTOUR_BINS)?,
        times.into_pyarray(py),
    ))
}

/// Writes notes as a type-0 MIDI file (480 ticks per quarter at 120 BPM, piano), atomically.
#[pyfunction]
fn notes_to_midi(
    py: Python<'_>,
    notes: Vec<PyRef<'_, TranscribedNote>>,
    path: PathBuf,
) -> PyResult<()> {
    let inner: Vec<Inner> = notes.iter().map(|n| n.inner.clone()).collect();
    py.detach(|| rae::io::write_atomic(&path, &rae::transcribe::midi_bytes(&inner)))
        .map_err(to_py_err)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<TranscribedNote>()?;
    m.add_function(wrap_pyfunction!(transcribe_notes, m)?)?;
    m.add_function(wrap_pyfunction!(notes_to_midi, m)?)?;
    m.add_function(wrap_pyfunction!(transcription_activations, m)?)?;
    Ok(())
}

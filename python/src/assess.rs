//! Lesson assessment: `assess(take, lesson)` runs the engine's `ops::assess` with the GIL
//! released and gives an `Assessment` whose parts are plain dicts and lists (the JSON
//! `rae assess --json` writes).

use pyo3::prelude::*;
use rust_audio_engine as rae;
use rust_audio_engine::ops::{looks_like_midi, TakeSource};

use crate::convert::{buffer_of, input_arg, is_array_like, planar, to_py, InputArg};
use crate::errors::to_py_err;

/// The assessment of a take against its lesson. `notes` has one dict per lesson note
/// (`verdict` "correct", "wrong_pitch" or "missed", `played_pitch`, `deviation_ms`, `timing`
/// "clean", "rushed" or "dragged", `duration_ratio`, `velocity_ratio`, `dynamics`, `bar`,
/// `beat`...); `extra_notes`, `tempo_curve` and `bars` are lists of dicts; `counts` and
/// `scores` dicts. `to_dict()` gives the whole, as `rae assess --json` writes it.
#[pyclass(frozen, module = "rust_audio_engine")]
struct Assessment {
    inner: rae::Assessment,
}

#[pymethods]
impl Assessment {
    /// "beginner", "intermediate" or "advanced".
    #[getter]
    fn level(&self) -> &'static str {
        self.inner.level.name()
    }
    /// What the take was read through: "midi", "pitch_track" or "transcription".
    #[getter]
    fn take_kind(&self) -> &'static str {
        self.inner.take_kind
    }
    /// Played tempo over the lesson's, over the whole take.
    #[getter]
    fn tempo_ratio(&self) -> f64 {
        self.inner.tempo_ratio
    }
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.counts)
    }
    /// Notes, timing and dynamics, 0 to 100.
    #[getter]
    fn scores<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.scores)
    }
    #[getter]
    fn tolerances<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.tolerances)
    }
    #[getter]
    fn notes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.notes)
    }
    #[getter]
    fn extra_notes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.extra_notes)
    }
    #[getter]
    fn tempo_curve<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.tempo_curve)
    }
    /// Per bar: notes, correct, wrong_pitch, missed, extra, mean_abs_deviation_ms.
    #[getter]
    fn bars<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.bars)
    }
    /// A few lines for a person, as `rae assess` prints.
    fn summary(&self) -> String {
        self.inner.summary()
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().map_err(to_py_err)
    }
    fn __repr__(&self) -> String {
        let c = &self.inner.counts;
        format!(
            "Assessment(level={}, take_kind={}, correct={}, wrong_pitch={}, missed={}, extra={})",
            self.inner.level.name(),
            self.inner.take_kind,
            c.correct,
            c.wrong_pitch,
            c.missed,
            c.extra
        )
    }
}

/// Assesses a take against its lesson. `take`: a recording (a float numpy array with
/// `sample_rate`, or an audio file's path or bytes) or a MIDI performance (a MIDI file's path or
/// bytes). `lesson`: a MIDI file's path or bytes. `level`: "beginner", "intermediate" or
/// "advanced". `tempo`: the tempo meant, in quarter notes per minute (None: estimated).
/// `polyphonic`: read a recording through the transcription even for a monophonic lesson.
#[pyfunction]
#[pyo3(signature = (take, lesson, *, sample_rate=None, level="intermediate", tempo=None, polyphonic=false))]
fn assess(
    py: Python<'_>,
    take: &Bound<'_, PyAny>,
    lesson: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
    level: &str,
    tempo: Option<f64>,
    polyphonic: bool,
) -> PyResult<Assessment> {
    let opts = rae::AssessOptions {
        level: level.parse().map_err(to_py_err)?,
        tempo,
        polyphonic,
    };
    let lesson = input_arg(lesson)?;
    let lesson_src = match &lesson {
        InputArg::Path(p) => rae::MidiSource::Path(p),
        InputArg::Bytes(b) => rae::MidiSource::Bytes(b),
    };
    let inner = if is_array_like(take) {
        let sr = sample_rate.ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err("sample_rate is required when take is an array")
        })?;
        let audio = buffer_of(planar(take)?, sr)?;
        py.detach(|| rae::ops::assess(TakeSource::Audio(&audio), lesson_src, &opts))
    } else {
        match input_arg(take)? {
            InputArg::Path(p) => {
                py.detach(|| rae::ops::assess(TakeSource::Path(&p), lesson_src, &opts))
            }
            InputArg::Bytes(b) if looks_like_midi(&b) => {
                py.detach(|| rae::ops::assess(TakeSource::MidiBytes(&b), lesson_src, &opts))
            }
            InputArg::Bytes(b) => py.detach(|| {
                let audio = rae::decode_audio(
                    b,
                    std::path::Path::new("<bytes>"),
                    rae::io::DEFAULT_MAX_INPUT_S,
                )?;
                rae::ops::assess(TakeSource::Audio(&audio), lesson_src, &opts)
            }),
        }
    }
    .map_err(to_py_err)?;
    Ok(Assessment { inner })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Assessment>()?;
    m.add_function(wrap_pyfunction!(assess, m)?)?;
    Ok(())
}

//! Live score following: `ScoreFollower`, the engine's `follow::ScoreFollower` with its events as
//! dicts.

use pyo3::prelude::*;
use rust_audio_engine as rae;
use rust_audio_engine::follow::{FollowOptions, ScoreFollower as Inner};

use crate::convert::{input_arg, to_py, InputArg};
use crate::errors::to_py_err;

/// Follows a live performance of a lesson. Feed it the notes the player starts (the
/// `note_start` events of a `StreamingAnalyzer`, or a keyboard's note-ons) with `note`, and the
/// stream's clock with `advance`; each returns events as dicts:
/// `{"type": "position", "time_s", "lesson_s", "bar", "beat", "tempo_ratio", "next", "next_s"}`,
/// `{"type": "verdict", "time_s", "note", "lesson_s", "key", "bar", "verdict" ("correct",
/// "wrong_pitch" or "missed"), "played", "played_s", "deviation_ms", "timing" ("clean", "early",
/// "late" or None)}` and `{"type": "extra", "time_s", "key"}`. `finish` gives the verdicts still
/// open.
#[pyclass(module = "rust_audio_engine")]
struct ScoreFollower {
    inner: Inner,
}

#[pymethods]
impl ScoreFollower {
    /// `lesson`: a MIDI file's path or bytes. `level`: "beginner", "intermediate" or
    /// "advanced" (timing tolerance 150, 100 or 60 ms). `tempo_ratio`: the player's expected
    /// tempo as a ratio of the lesson's (player seconds per lesson second) until measured.
    #[new]
    #[pyo3(signature = (lesson, *, level="intermediate", tempo_ratio=1.0))]
    fn new(
        py: Python<'_>,
        lesson: &Bound<'_, PyAny>,
        level: &str,
        tempo_ratio: f64,
    ) -> PyResult<Self> {
        let opts = FollowOptions {
            tempo_ratio,
            ..FollowOptions::for_level(level).map_err(to_py_err)?
        };
        let lesson = input_arg(lesson)?;
        let source = match &lesson {
            InputArg::Path(p) => rae::MidiSource::Path(p),
            InputArg::Bytes(b) => rae::MidiSource::Bytes(b),
        };
        let inner = py
            .detach(|| Inner::new(&source.parse(&rae::midi::MidiLimits::default())?, opts))
            .map_err(to_py_err)?;
        Ok(Self { inner })
    }

    /// A note the player started at `time_s` (the stream's clock) on MIDI key `key`.
    fn note<'py>(&mut self, py: Python<'py>, time_s: f64, key: u8) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.note(time_s, key))
    }

    /// The stream's clock is at `time_s`: the position, and verdicts on chords left behind.
    fn advance<'py>(&mut self, py: Python<'py>, time_s: f64) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.advance(time_s))
    }

    /// The performance ended at `time_s`: the verdicts of every lesson note still open.
    fn finish<'py>(&mut self, py: Python<'py>, time_s: f64) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.finish(time_s))
    }

    /// Lesson notes followed (drums left out).
    #[getter]
    fn note_count(&self) -> usize {
        self.inner.note_count()
    }

    fn __repr__(&self) -> String {
        format!("ScoreFollower(notes={})", self.inner.note_count())
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ScoreFollower>()?;
    Ok(())
}

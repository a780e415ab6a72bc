//! Python bindings for the engine's analysis module (onsets, dynamics, tempo): conversions only.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rust_audio_engine as rae;
use rust_audio_engine::analysis as an;

use crate::{audio_buffer, to_py_err};

/// Detected note onsets.
#[pyclass(frozen, module = "rust_audio_engine")]
pub(crate) struct Onsets {
    times: Vec<f64>,
    strengths: Vec<f32>,
    method: &'static str,
    backtrack: bool,
}

#[pymethods]
impl Onsets {
    /// Onset times in seconds, float64.
    #[getter]
    fn times_s<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.times.clone().into_pyarray(py)
    }
    /// Detection-function value at each onset (dB), float32.
    #[getter]
    fn strengths<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        self.strengths.clone().into_pyarray(py)
    }
    #[getter]
    fn method(&self) -> &'static str {
        self.method
    }
    #[getter]
    fn backtrack(&self) -> bool {
        self.backtrack
    }
    /// `{"times_s": [...], "strengths": [...], "method": ..., "backtrack": ...}` with lists.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("times_s", self.times.clone())?;
        d.set_item("strengths", self.strengths.clone())?;
        d.set_item("method", self.method)?;
        d.set_item("backtrack", self.backtrack)?;
        Ok(d)
    }
    fn __len__(&self) -> usize {
        self.times.len()
    }
    fn __repr__(&self) -> String {
        format!(
            "Onsets(count={}, method='{}', backtrack={})",
            self.times.len(),
            self.method,
            if self.backtrack { "True" } else { "False" }
        )
    }
}

/// Levels and loudness of a signal.
#[pyclass(frozen, module = "rust_audio_engine")]
pub(crate) struct Dynamics {
    pub(crate) inner: an::Dynamics,
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
    /// Every field, arrays as lists.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let x = &self.inner;
        d.set_item("times_s", x.times_s.clone())?;
        d.set_item("rms_db", x.rms_db.clone())?;
        d.set_item("sample_peak_db", x.sample_peak_db)?;
        d.set_item("true_peak_db", x.true_peak_db)?;
        d.set_item("integrated_lufs", x.integrated_lufs)?;
        d.set_item("loudness_times_s", x.loudness_times_s.clone())?;
        d.set_item("momentary_lufs", x.momentary_lufs.clone())?;
        d.set_item("short_term_lufs", x.short_term_lufs.clone())?;
        d.set_item("loudness_range_lu", x.loudness_range_lu)?;
        d.set_item("rms_total_db", x.rms_total_db)?;
        d.set_item("crest_factor_db", x.crest_factor_db)?;
        Ok(d)
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
    pub(crate) inner: an::Tempo,
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
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("bpm", self.inner.bpm)?;
        d.set_item("beats_s", self.inner.beats_s.clone())?;
        d.set_item("confidence", self.inner.confidence)?;
        Ok(d)
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

fn onset_method(method: &str) -> PyResult<(an::OnsetMethod, &'static str)> {
    match method {
        "spectral_flux" => Ok((an::OnsetMethod::SpectralFlux, "spectral_flux")),
        "energy" => Ok((an::OnsetMethod::Energy, "energy")),
        other => Err(to_py_err(rae::Error::InvalidArgument(format!(
            "method must be 'spectral_flux' or 'energy', not {other:?}"
        )))),
    }
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
    let (m, name) = onset_method(method)?;
    let buffer = audio_buffer(py, audio, sample_rate)?;
    let params = an::OnsetParams {
        method: m,
        backtrack,
        delta,
        frame_s,
        hop_s,
        min_interval_s,
        ..Default::default()
    };
    let onsets = py
        .detach(|| an::detect_onsets(&buffer, &params))
        .map_err(to_py_err)?;
    Ok(Onsets::new(&onsets, name, backtrack))
}

impl Onsets {
    pub(crate) fn new(onsets: &[an::Onset], method: &'static str, backtrack: bool) -> Self {
        Onsets {
            times: onsets.iter().map(|o| o.time_s).collect(),
            strengths: onsets.iter().map(|o| o.strength).collect(),
            method,
            backtrack,
        }
    }
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
    let buffer = audio_buffer(py, audio, sample_rate)?;
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
    let buffer = audio_buffer(py, audio, sample_rate)?;
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

/// Adds this module's classes and functions to `_native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Onsets>()?;
    m.add_class::<Dynamics>()?;
    m.add_class::<Tempo>()?;
    m.add_function(wrap_pyfunction!(detect_onsets, m)?)?;
    m.add_function(wrap_pyfunction!(analyze_dynamics, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_tempo, m)?)?;
    Ok(())
}

//! Python bindings for rendering: loaded SoundFonts, the render functions and their report, and
//! MIDI file information. Each function maps its arguments onto the engine's render operation
//! and runs it with the GIL released.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::PyArray2;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rust_audio_engine as rae;

use crate::convert::{input_arg, to_numpy, to_py, InputArg};
use crate::errors::to_py_err;

/// A SoundFont loaded once and shared: thread-safe, reusable across renders.
#[pyclass(frozen, module = "rust_audio_engine")]
pub(crate) struct SoundFont {
    inner: Arc<rae::LoadedSoundFont>,
}

#[pymethods]
impl SoundFont {
    /// Loads `path` (SF2 or SF3), or the built-in font for `"builtin"`, through the process-wide
    /// cache. A font file's samples are read (SF2) or decoded (SF3) when a render first needs
    /// them; `preload=True` reads them all now, for a server that plays most of the font.
    #[new]
    #[pyo3(signature = (path, preload = false))]
    fn new(py: Python<'_>, path: PathBuf, preload: bool) -> PyResult<Self> {
        let source = rae::SoundFontSource::from_arg(&path.to_string_lossy());
        let inner = py
            .detach(|| {
                let font =
                    rae::load_soundfont(&source, rae::Limits::default().max_soundfont_bytes)?;
                if preload {
                    font.preload_all()?;
                }
                Ok::<_, rae::Error>(font)
            })
            .map_err(to_py_err)?;
        Ok(SoundFont { inner })
    }

    /// The file it came from, or "builtin".
    #[getter]
    fn path(&self) -> String {
        self.inner.label.clone()
    }

    /// "sf2" or "sf3".
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner.kind() {
            rae::SoundFontKind::Sf3 => "sf3",
            _ => "sf2",
        }
    }

    /// The font's own name (INAM).
    #[getter]
    fn name(&self) -> String {
        self.inner.summary.name.clone()
    }

    /// Presets as (bank, program, name) tuples.
    #[getter]
    fn presets(&self) -> Vec<(u16, u16, String)> {
        self.inner
            .summary
            .presets
            .iter()
            .map(|p| (p.bank, p.program, p.name.clone()))
            .collect()
    }

    #[getter]
    fn sample_count(&self) -> usize {
        self.inner.summary.sample_count
    }

    /// Bytes of sample data held in memory: the samples read or decoded so far for a font file,
    /// all of them for the built-in font.
    #[getter]
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }

    /// Samples read (SF2) or decoded (SF3) from the file since the font was loaded (0 for the
    /// built-in font).
    #[getter]
    fn samples_decoded(&self) -> usize {
        self.inner.samples_decoded()
    }

    /// Seconds the first load took.
    #[getter]
    fn load_seconds(&self) -> f64 {
        self.inner.load_seconds
    }

    fn __repr__(&self) -> String {
        format!(
            "SoundFont('{}', kind='{}', presets={})",
            self.inner.label,
            self.kind(),
            self.inner.summary.presets.len()
        )
    }
}

/// What a render did.
#[pyclass(frozen, module = "rust_audio_engine")]
pub(crate) struct RenderReport {
    inner: rae::RenderReport,
}

#[pymethods]
impl RenderReport {
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
    #[getter]
    fn frames(&self) -> usize {
        self.inner.frames
    }
    #[getter]
    fn peak_dbfs(&self) -> f64 {
        self.inner.peak_dbfs
    }
    /// Where the heavy work ran: "cpu", a GPU, or "cpu: <reason>" when a GPU was asked for.
    #[getter]
    fn backend(&self) -> &str {
        &self.inner.backend
    }
    #[getter]
    fn gpu_requested(&self) -> bool {
        self.inner.gpu_requested
    }
    #[getter]
    fn soundfont(&self) -> &str {
        &self.inner.soundfont
    }
    #[getter]
    fn soundfont_load_s(&self) -> f64 {
        self.inner.soundfont_load_s
    }
    #[getter]
    fn render_s(&self) -> f64 {
        self.inner.render_s
    }
    #[getter]
    fn notes_dropped(&self) -> Option<u64> {
        self.inner.notes_dropped
    }
    #[getter]
    fn threads(&self) -> usize {
        self.inner.threads
    }
    #[getter]
    fn channel_groups(&self) -> usize {
        self.inner.channel_groups
    }
    /// "linear", "cubic" or "sinc".
    #[getter]
    fn interpolation(&self) -> &'static str {
        self.inner.interpolation.name()
    }
    #[getter]
    fn midi_duration_s(&self) -> f64 {
        self.inner.midi_duration_s
    }
    /// What the MIDI reader repaired or tolerated: dicts with `offset` (byte), `rule` and
    /// `message`, as in `to_dict()`.
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.warnings)
    }
    /// The report as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        let r = &self.inner;
        format!(
            "RenderReport(duration_s={:.3}, sample_rate={}, peak_dbfs={:.2}, backend='{}', soundfont='{}', render_s={:.3})",
            r.duration_s, r.sample_rate, r.peak_dbfs, r.backend, r.soundfont, r.render_s
        )
    }
}

/// Audio (float32, shape (channels, samples)) with its report.
#[pyclass(frozen, get_all, module = "rust_audio_engine")]
pub(crate) struct RenderResult {
    audio: Py<PyArray2<f32>>,
    report: Py<RenderReport>,
}

/// A SoundFont argument: None (default search), a path, "builtin", or a loaded SoundFont.
fn font_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<rae::SoundFontSource> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(rae::SoundFontSource::Default);
    };
    if let Ok(sf) = obj.cast::<SoundFont>() {
        return Ok(rae::SoundFontSource::Loaded(Arc::clone(&sf.get().inner)));
    }
    let path: PathBuf = obj.extract().map_err(|_| {
        PyTypeError::new_err(
            "soundfont must be None, a path (str or os.PathLike), 'builtin' or a SoundFont",
        )
    })?;
    Ok(rae::SoundFontSource::from_arg(&path.to_string_lossy()))
}

/// `normalize`: "limit" (default: peaks kept at or below -1 dBFS, otherwise untouched), "peak"
/// (peak normalised to -1 dBFS), a number (integrated loudness target in LUFS), or "off". None
/// (handled by the caller through `Option`) is "off".
#[derive(Clone, Copy)]
struct NormalizeArg(rae::Normalize);

impl FromPyObject<'_, '_> for NormalizeArg {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        if let Ok(s) = obj.extract::<String>() {
            return match s.as_str() {
                "limit" | "limiter" => Ok(NormalizeArg(rae::Normalize::default())),
                "peak" => Ok(NormalizeArg(rae::Normalize::Peak { peak_db: -1.0 })),
                "off" | "none" => Ok(NormalizeArg(rae::Normalize::Off)),
                other => Err(PyValueError::new_err(format!(
                    "normalize must be 'limit', 'peak', 'off', None or a LUFS target, not '{other}'"
                ))),
            };
        }
        if let Ok(lufs) = obj.extract::<f64>() {
            return Ok(NormalizeArg(rae::Normalize::Loudness { target_lufs: lufs }));
        }
        Err(PyValueError::new_err(
            "normalize must be 'limit', 'peak', 'off', None or a LUFS target (float)",
        ))
    }
}

const LIMIT: Option<NormalizeArg> = Some(NormalizeArg(rae::Normalize::Limit { ceiling_db: -1.0 }));

/// `reverb`: False/None (off), True (the built-in "hall" convolution), or an impulse response:
/// a built-in name ("room", "hall", "plate", "church") or a file path.
struct ReverbArg(Option<String>);

impl FromPyObject<'_, '_> for ReverbArg {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        if obj.is_none() {
            return Ok(ReverbArg(None));
        }
        if let Ok(on) = obj.extract::<bool>() {
            return Ok(ReverbArg(
                on.then(|| rae::ops::DEFAULT_REVERB_IR.to_string()),
            ));
        }
        if let Ok(p) = obj.extract::<PathBuf>() {
            return Ok(ReverbArg(Some(p.to_string_lossy().into_owned())));
        }
        Err(PyTypeError::new_err(
            "reverb must be a bool, an impulse response name ('room', 'hall', 'plate', 'church') or a path",
        ))
    }
}

const NO_REVERB: ReverbArg = ReverbArg(None);

/// The arguments every render function takes.
struct RenderArgs<'a, 'py> {
    sample_rate: u32,
    reverb: ReverbArg,
    normalize: Option<NormalizeArg>,
    max_tail_s: f64,
    threads: Option<usize>,
    polyphony: usize,
    /// "linear", "cubic" or "sinc".
    interpolation: &'a str,
    use_gpu: bool,
    effects: Option<&'a Bound<'py, PyAny>>,
    strict: bool,
}

impl RenderArgs<'_, '_> {
    fn options(self) -> PyResult<rae::RenderOptions> {
        let defaults = rae::RenderOptions::default();
        Ok(rae::RenderOptions {
            sample_rate: self.sample_rate,
            reverb: self.reverb.0.is_some(),
            reverb_ir: self.reverb.0.unwrap_or(defaults.reverb_ir),
            effects: crate::effects::effects_arg(self.effects)?,
            normalize: self.normalize.map_or(rae::Normalize::Off, |n| n.0),
            max_tail_s: self.max_tail_s,
            threads: self.threads,
            polyphony: self.polyphony,
            interpolation: rae::Interpolation::from_name(self.interpolation).map_err(to_py_err)?,
            use_gpu: self.use_gpu,
            strict: self.strict,
            ..defaults
        })
    }
}

fn midi_source(midi: &InputArg) -> rae::MidiSource<'_> {
    match midi {
        InputArg::Path(p) => rae::MidiSource::Path(p),
        InputArg::Bytes(b) => rae::MidiSource::Bytes(b),
    }
}

fn render_impl(
    py: Python<'_>,
    midi: &Bound<'_, PyAny>,
    soundfont: Option<&Bound<'_, PyAny>>,
    args: RenderArgs<'_, '_>,
) -> PyResult<rae::Rendered> {
    let (midi, font, opts) = (input_arg(midi)?, font_arg(soundfont)?, args.options()?);
    py.detach(|| rae::render(midi_source(&midi), &font, &opts))
        .map_err(to_py_err)
}

/// Renders `midi_path` to `output_path` and returns the output's duration in seconds.
#[pyfunction]
#[pyo3(signature = (midi_path, output_path, soundfont_path=None, use_gpu=false, reverb=NO_REVERB, *,
    sample_rate=44100, format=None, normalize=LIMIT, max_tail_s=10.0, threads=None, polyphony=256,
    interpolation="cubic", effects=None, strict=false))]
#[allow(clippy::too_many_arguments)]
fn synthesize_midi(
    py: Python<'_>,
    midi_path: PathBuf,
    output_path: PathBuf,
    soundfont_path: Option<&Bound<'_, PyAny>>,
    use_gpu: bool,
    reverb: ReverbArg,
    sample_rate: u32,
    format: Option<String>,
    normalize: Option<NormalizeArg>,
    max_tail_s: f64,
    threads: Option<usize>,
    polyphony: usize,
    interpolation: &str,
    effects: Option<&Bound<'_, PyAny>>,
    strict: bool,
) -> PyResult<f64> {
    let report = synthesize_midi_detailed(
        py,
        midi_path,
        output_path,
        soundfont_path,
        use_gpu,
        reverb,
        sample_rate,
        format,
        normalize,
        max_tail_s,
        threads,
        polyphony,
        interpolation,
        effects,
        strict,
    )?;
    Ok(report.inner.duration_s)
}

/// Like `synthesize_midi`, returning the full RenderReport.
#[pyfunction]
#[pyo3(signature = (midi_path, output_path, soundfont_path=None, use_gpu=false, reverb=NO_REVERB, *,
    sample_rate=44100, format=None, normalize=LIMIT, max_tail_s=10.0, threads=None, polyphony=256,
    interpolation="cubic", effects=None, strict=false))]
#[allow(clippy::too_many_arguments)]
fn synthesize_midi_detailed(
    py: Python<'_>,
    midi_path: PathBuf,
    output_path: PathBuf,
    soundfont_path: Option<&Bound<'_, PyAny>>,
    use_gpu: bool,
    reverb: ReverbArg,
    sample_rate: u32,
    format: Option<String>,
    normalize: Option<NormalizeArg>,
    max_tail_s: f64,
    threads: Option<usize>,
    polyphony: usize,
    interpolation: &str,
    effects: Option<&Bound<'_, PyAny>>,
    strict: bool,
) -> PyResult<RenderReport> {
    let font = font_arg(soundfont_path)?;
    let output = rae::RenderOutput {
        path: output_path,
        format: format
            .as_deref()
            .map(rae::OutputFormat::from_name)
            .transpose()
            .map_err(to_py_err)?,
        waveform: None,
    };
    let args = RenderArgs {
        sample_rate,
        reverb,
        normalize,
        max_tail_s,
        threads,
        polyphony,
        interpolation,
        use_gpu,
        effects,
        strict,
    };
    let opts = args.options()?;
    let inner = py
        .detach(|| rae::render_to_file(rae::MidiSource::Path(&midi_path), &font, &opts, &output))
        .map_err(to_py_err)?;
    Ok(RenderReport { inner })
}

/// Renders MIDI (a path or bytes) to a float32 array shaped (channels, samples).
#[pyfunction]
#[pyo3(signature = (midi, soundfont=None, *, sample_rate=44100, reverb=NO_REVERB, normalize=LIMIT,
    max_tail_s=10.0, threads=None, polyphony=256, interpolation="cubic", use_gpu=false,
    effects=None, strict=false))]
#[allow(clippy::too_many_arguments)]
fn render_midi<'py>(
    py: Python<'py>,
    midi: &Bound<'py, PyAny>,
    soundfont: Option<&Bound<'py, PyAny>>,
    sample_rate: u32,
    reverb: ReverbArg,
    normalize: Option<NormalizeArg>,
    max_tail_s: f64,
    threads: Option<usize>,
    polyphony: usize,
    interpolation: &str,
    use_gpu: bool,
    effects: Option<&Bound<'py, PyAny>>,
    strict: bool,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let result = render_midi_detailed(
        py,
        midi,
        soundfont,
        sample_rate,
        reverb,
        normalize,
        max_tail_s,
        threads,
        polyphony,
        interpolation,
        use_gpu,
        effects,
        strict,
    )?;
    Ok(result.audio.into_bound(py))
}

/// Like `render_midi`, returning a RenderResult with `.audio` and `.report`.
#[pyfunction]
#[pyo3(signature = (midi, soundfont=None, *, sample_rate=44100, reverb=NO_REVERB, normalize=LIMIT,
    max_tail_s=10.0, threads=None, polyphony=256, interpolation="cubic", use_gpu=false,
    effects=None, strict=false))]
#[allow(clippy::too_many_arguments)]
fn render_midi_detailed<'py>(
    py: Python<'py>,
    midi: &Bound<'py, PyAny>,
    soundfont: Option<&Bound<'py, PyAny>>,
    sample_rate: u32,
    reverb: ReverbArg,
    normalize: Option<NormalizeArg>,
    max_tail_s: f64,
    threads: Option<usize>,
    polyphony: usize,
    interpolation: &str,
    use_gpu: bool,
    effects: Option<&Bound<'py, PyAny>>,
    strict: bool,
) -> PyResult<RenderResult> {
    let args = RenderArgs {
        sample_rate,
        reverb,
        normalize,
        max_tail_s,
        threads,
        polyphony,
        interpolation,
        use_gpu,
        effects,
        strict,
    };
    let rendered = render_impl(py, midi, soundfont, args)?;
    Ok(RenderResult {
        audio: to_numpy(py, rendered.audio)?.unbind(),
        report: Py::new(
            py,
            RenderReport {
                inner: rendered.report,
            },
        )?,
    })
}

/// Describes a MIDI file (a path or bytes) as a dict: the document `rae info --json` prints.
#[pyfunction]
#[pyo3(signature = (midi, *, strict=false))]
fn midi_info<'py>(
    py: Python<'py>,
    midi: &Bound<'py, PyAny>,
    strict: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let midi = input_arg(midi)?;
    let limits = rae::Limits::default().midi_limits(strict);
    let info = py
        .detach(|| rae::midi_info(midi_source(&midi), &limits))
        .map_err(to_py_err)?;
    to_py(py, &info)
}

/// The SoundFont the default search finds: its path, or "builtin".
#[pyfunction]
fn default_soundfont() -> String {
    match rae::resolve_default() {
        rae::SoundFontSource::Path(p) => p.display().to_string(),
        _ => "builtin".into(),
    }
}

/// (fonts held, bytes held, budget in bytes) of the process-wide SoundFont cache.
#[pyfunction]
fn soundfont_cache_info() -> (usize, usize, usize) {
    let s = rae::cache_stats();
    (s.fonts, s.bytes, s.budget_bytes)
}

/// The demo piece as MIDI bytes.
#[pyfunction]
fn demo_midi<'py>(py: Python<'py>) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &rae::demo::demo_midi())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SoundFont>()?;
    m.add_class::<RenderReport>()?;
    m.add_class::<RenderResult>()?;
    m.add_function(wrap_pyfunction!(synthesize_midi, m)?)?;
    m.add_function(wrap_pyfunction!(synthesize_midi_detailed, m)?)?;
    m.add_function(wrap_pyfunction!(render_midi, m)?)?;
    m.add_function(wrap_pyfunction!(render_midi_detailed, m)?)?;
    m.add_function(wrap_pyfunction!(midi_info, m)?)?;
    m.add_function(wrap_pyfunction!(default_soundfont, m)?)?;
    m.add_function(wrap_pyfunction!(soundfont_cache_info, m)?)?;
    m.add_function(wrap_pyfunction!(demo_midi, m)?)?;
    Ok(())
}

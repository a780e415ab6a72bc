//! Python bindings: conversions and errors only, no DSP. Every call that loads or renders
//! releases the GIL (`Python::detach`) for all of its work.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use rust_audio_engine as rae;

mod analysis;
mod analysis_events;
mod effects;

pyo3::create_exception!(
    rust_audio_engine,
    AudioEngineError,
    PyValueError,
    "Base class of the engine's errors about bad content or arguments."
);
pyo3::create_exception!(
    rust_audio_engine,
    MidiError,
    AudioEngineError,
    "Invalid MIDI data."
);
pyo3::create_exception!(
    rust_audio_engine,
    SoundFontError,
    AudioEngineError,
    "Invalid or unsupported SoundFont."
);
pyo3::create_exception!(
    rust_audio_engine,
    AudioFormatError,
    AudioEngineError,
    "Audio data or an output format that cannot be handled."
);
pyo3::create_exception!(
    rust_audio_engine,
    LimitError,
    AudioEngineError,
    "A limit protecting against hostile input was exceeded."
);

pub(crate) fn to_py_err(e: rae::Error) -> PyErr {
    let msg = e.to_string();
    match e {
        rae::Error::NotFound { path } => PyFileNotFoundError::new_err((
            2,
            "No such file or directory",
            path.display().to_string(),
        )),
        rae::Error::Io { .. } => PyOSError::new_err(msg),
        rae::Error::Midi { .. } => MidiError::new_err(msg),
        rae::Error::SoundFont { .. } => SoundFontError::new_err(msg),
        rae::Error::AudioFormat { .. } => AudioFormatError::new_err(msg),
        rae::Error::Limit { .. } => LimitError::new_err(msg),
        rae::Error::InvalidArgument(_) => PyValueError::new_err(msg),
        _ => AudioEngineError::new_err(msg),
    }
}

/// A SoundFont loaded once and shared: thread-safe, reusable across renders.
#[pyclass(frozen, module = "rust_audio_engine")]
struct SoundFont {
    inner: Arc<rae::LoadedSoundFont>,
}

#[pymethods]
impl SoundFont {
    /// Loads `path` (SF2 or SF3), or the built-in font for `"builtin"`, through the process-wide
    /// cache.
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let source = rae::SoundFontSource::from_arg(&path.to_string_lossy());
        let inner = py
            .detach(|| rae::load_soundfont(&source, rae::Limits::default().max_soundfont_bytes))
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

    /// Bytes of decoded sample data held in memory.
    #[getter]
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
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
#[pyclass(frozen, get_all, module = "rust_audio_engine")]
#[derive(Clone)]
struct RenderReport {
    duration_s: f64,
    sample_rate: u32,
    channels: usize,
    frames: usize,
    peak_dbfs: f64,
    backend: String,
    gpu_requested: bool,
    soundfont: String,
    soundfont_load_s: f64,
    render_s: f64,
    notes_dropped: Option<u64>,
    threads: usize,
    channel_groups: usize,
    midi_duration_s: f64,
}

impl From<&rae::RenderReport> for RenderReport {
    fn from(r: &rae::RenderReport) -> Self {
        RenderReport {
            duration_s: r.duration_s,
            sample_rate: r.sample_rate,
            channels: r.channels,
            frames: r.frames,
            peak_dbfs: r.peak_dbfs,
            backend: r.backend.to_string(),
            gpu_requested: r.gpu_requested,
            soundfont: r.soundfont.clone(),
            soundfont_load_s: r.soundfont_load_s,
            render_s: r.render_s,
            notes_dropped: r.notes_dropped,
            threads: r.threads,
            channel_groups: r.channel_groups,
            midi_duration_s: r.midi_duration_s,
        }
    }
}

#[pymethods]
impl RenderReport {
    /// The report as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("duration_s", self.duration_s)?;
        d.set_item("sample_rate", self.sample_rate)?;
        d.set_item("channels", self.channels)?;
        d.set_item("frames", self.frames)?;
        d.set_item("peak_dbfs", self.peak_dbfs)?;
        d.set_item("backend", &self.backend)?;
        d.set_item("gpu_requested", self.gpu_requested)?;
        d.set_item("soundfont", &self.soundfont)?;
        d.set_item("soundfont_load_s", self.soundfont_load_s)?;
        d.set_item("render_s", self.render_s)?;
        d.set_item("notes_dropped", self.notes_dropped)?;
        d.set_item("threads", self.threads)?;
        d.set_item("channel_groups", self.channel_groups)?;
        d.set_item("midi_duration_s", self.midi_duration_s)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "RenderReport(duration_s={:.3}, sample_rate={}, peak_dbfs={:.2}, backend='{}', soundfont='{}', render_s={:.3})",
            self.duration_s, self.sample_rate, self.peak_dbfs, self.backend, self.soundfont, self.render_s
        )
    }
}

/// Audio (float32, shape (channels, samples)) with its report.
#[pyclass(frozen, get_all, module = "rust_audio_engine")]
struct RenderResult {
    audio: Py<PyArray2<f32>>,
    report: Py<RenderReport>,
}

/// A SoundFont argument: None (default search), a path, "builtin", or a loaded SoundFont.
enum FontArg {
    Source(rae::SoundFontSource),
    Loaded(Arc<rae::LoadedSoundFont>),
}

fn font_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<FontArg> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(FontArg::Source(rae::SoundFontSource::Default));
    };
    if let Ok(sf) = obj.cast::<SoundFont>() {
        return Ok(FontArg::Loaded(Arc::clone(&sf.get().inner)));
    }
    let path: PathBuf = obj.extract().map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(
            "soundfont must be None, a path (str or os.PathLike), 'builtin' or a SoundFont",
        )
    })?;
    Ok(FontArg::Source(rae::SoundFontSource::from_arg(
        &path.to_string_lossy(),
    )))
}

fn load_font(arg: &FontArg, limits: &rae::Limits) -> rae::Result<Arc<rae::LoadedSoundFont>> {
    match arg {
        FontArg::Loaded(f) => Ok(Arc::clone(f)),
        FontArg::Source(s) => rae::load_soundfont(s, limits.max_soundfont_bytes),
    }
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
struct ReverbArg {
    on: bool,
    ir: String,
}

impl FromPyObject<'_, '_> for ReverbArg {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        let hall = || rae::synth::render::DEFAULT_REVERB_IR.to_string();
        if obj.is_none() {
            return Ok(ReverbArg {
                on: false,
                ir: hall(),
            });
        }
        if let Ok(on) = obj.extract::<bool>() {
            return Ok(ReverbArg { on, ir: hall() });
        }
        if let Ok(p) = obj.extract::<PathBuf>() {
            return Ok(ReverbArg {
                on: true,
                ir: p.to_string_lossy().into_owned(),
            });
        }
        Err(pyo3::exceptions::PyTypeError::new_err(
            "reverb must be a bool, an impulse response name ('room', 'hall', 'plate', 'church') or a path",
        ))
    }
}

const NO_REVERB: ReverbArg = ReverbArg {
    on: false,
    ir: String::new(),
};

#[allow(clippy::too_many_arguments)]
fn options(
    sample_rate: u32,
    reverb: ReverbArg,
    normalize: Option<NormalizeArg>,
    max_tail_s: f64,
    threads: Option<usize>,
    polyphony: usize,
    use_gpu: bool,
    effects: Vec<rae::effects::EffectSpec>,
) -> rae::RenderOptions {
    rae::RenderOptions {
        sample_rate,
        reverb: reverb.on,
        reverb_ir: reverb.ir,
        effects,
        normalize: normalize.map_or(rae::Normalize::Off, |n| n.0),
        max_tail_s,
        threads,
        polyphony,
        use_gpu,
        ..Default::default()
    }
}

/// A file given as a path or as bytes (MIDI or audio).
pub(crate) enum InputArg {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

pub(crate) fn input_arg(obj: &Bound<'_, PyAny>) -> PyResult<InputArg> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(InputArg::Bytes(b.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.extract::<Vec<u8>>() {
        if !obj.is_instance_of::<pyo3::types::PyString>() {
            return Ok(InputArg::Bytes(b));
        }
    }
    obj.extract::<PathBuf>().map(InputArg::Path).map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err("expected a path (str or os.PathLike) or bytes")
    })
}

fn render_impl(
    py: Python<'_>,
    midi: InputArg,
    font: FontArg,
    opts: rae::RenderOptions,
) -> PyResult<rae::Rendered> {
    py.detach(|| {
        let font = load_font(&font, &opts.limits)?;
        let src = match &midi {
            InputArg::Path(p) => rae::MidiSource::Path(p),
            InputArg::Bytes(b) => rae::MidiSource::Bytes(b),
        };
        rae::render_with_font(src, &font, &opts)
    })
    .map_err(to_py_err)
}

pub(crate) fn to_numpy<'py>(
    py: Python<'py>,
    audio: rae::AudioBuffer,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let channels = audio.channel_count();
    let frames = audio.frames();
    let flat: Vec<f32> = py.detach(|| audio.channels.concat());
    let arr = Array2::from_shape_vec((channels, frames), flat)
        .map_err(|e| AudioEngineError::new_err(format!("array shape: {e}")))?;
    Ok(arr.into_pyarray(py))
}

/// Renders `midi_path` to `output_path` and returns the output's duration in seconds.
#[pyfunction]
#[pyo3(signature = (midi_path, output_path, soundfont_path=None, use_gpu=false, reverb=NO_REVERB, *,
    sample_rate=44100, format=None, normalize=LIMIT, max_tail_s=10.0, threads=None, polyphony=256,
    effects=None))]
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
    effects: Option<&Bound<'_, PyAny>>,
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
        effects,
    )?;
    Ok(report.duration_s)
}

/// Like `synthesize_midi`, returning the full RenderReport.
#[pyfunction]
#[pyo3(signature = (midi_path, output_path, soundfont_path=None, use_gpu=false, reverb=NO_REVERB, *,
    sample_rate=44100, format=None, normalize=LIMIT, max_tail_s=10.0, threads=None, polyphony=256,
    effects=None))]
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
    effects: Option<&Bound<'_, PyAny>>,
) -> PyResult<RenderReport> {
    let font = font_arg(soundfont_path)?;
    let format = format
        .as_deref()
        .map(rae::OutputFormat::from_name)
        .transpose()
        .map_err(to_py_err)?;
    let opts = options(
        sample_rate,
        reverb,
        normalize,
        max_tail_s,
        threads,
        polyphony,
        use_gpu,
        effects::effects_arg(effects)?,
    );
    let report = py
        .detach(|| -> rae::Result<rae::RenderReport> {
            rae::synth::render::check_output_path(&output_path, &midi_path)?;
            if let FontArg::Source(rae::SoundFontSource::Path(sf)) = &font {
                rae::synth::render::check_output_path(&output_path, sf)?;
            }
            let font = load_font(&font, &opts.limits)?;
            let rendered = rae::render_with_font(rae::MidiSource::Path(&midi_path), &font, &opts)?;
            let format = format.unwrap_or_else(|| rae::OutputFormat::from_path(&output_path));
            rae::write_audio(&output_path, &rendered.audio, format)?;
            Ok(rendered.report)
        })
        .map_err(to_py_err)?;
    Ok(RenderReport::from(&report))
}

/// Renders MIDI (a path or bytes) to a float32 array shaped (channels, samples).
#[pyfunction]
#[pyo3(signature = (midi, soundfont=None, *, sample_rate=44100, reverb=NO_REVERB, normalize=LIMIT,
    max_tail_s=10.0, threads=None, polyphony=256, use_gpu=false, effects=None))]
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
    use_gpu: bool,
    effects: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let opts = options(
        sample_rate,
        reverb,
        normalize,
        max_tail_s,
        threads,
        polyphony,
        use_gpu,
        effects::effects_arg(effects)?,
    );
    let rendered = render_impl(py, input_arg(midi)?, font_arg(soundfont)?, opts)?;
    to_numpy(py, rendered.audio)
}

/// Like `render_midi`, returning a RenderResult with `.audio` and `.report`.
#[pyfunction]
#[pyo3(signature = (midi, soundfont=None, *, sample_rate=44100, reverb=NO_REVERB, normalize=LIMIT,
    max_tail_s=10.0, threads=None, polyphony=256, use_gpu=false, effects=None))]
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
    use_gpu: bool,
    effects: Option<&Bound<'py, PyAny>>,
) -> PyResult<RenderResult> {
    let opts = options(
        sample_rate,
        reverb,
        normalize,
        max_tail_s,
        threads,
        polyphony,
        use_gpu,
        effects::effects_arg(effects)?,
    );
    let rendered = render_impl(py, input_arg(midi)?, font_arg(soundfont)?, opts)?;
    let report = RenderReport::from(&rendered.report);
    Ok(RenderResult {
        audio: to_numpy(py, rendered.audio)?.unbind(),
        report: Py::new(py, report)?,
    })
}

/// Describes a MIDI file (a path or bytes) as a dict.
#[pyfunction]
fn midi_info<'py>(py: Python<'py>, midi: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let midi = input_arg(midi)?;
    let limits = rae::MidiLimits::default();
    let parsed = py
        .detach(|| match &midi {
            InputArg::Path(p) => rae::MidiFile::open(p, &limits),
            InputArg::Bytes(b) => rae::MidiFile::parse(b, std::path::Path::new("<bytes>"), &limits),
        })
        .map_err(to_py_err)?;
    let s = parsed.summary();
    let d = PyDict::new(py);
    d.set_item("format", s.format)?;
    d.set_item("tracks", s.tracks)?;
    d.set_item("ticks_per_quarter", s.ticks_per_quarter)?;
    d.set_item("duration_s", s.duration_s)?;
    d.set_item("note_count", s.note_count)?;
    d.set_item(
        "channels",
        s.channels.iter().map(|&c| u32::from(c)).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "programs",
        s.programs
            .iter()
            .map(|&(c, p)| (u32::from(c), u32::from(p)))
            .collect::<Vec<_>>(),
    )?;
    d.set_item("tempo_changes", s.tempo_changes)?;
    d.set_item("initial_bpm", s.initial_bpm)?;
    d.set_item("track_names", s.track_names)?;
    Ok(d)
}

/// Decodes an audio file (WAV, FLAC, MP3, Ogg Vorbis; a path or bytes) to a float32 array shaped
/// (channels, samples) and its sample rate.
#[pyfunction]
#[pyo3(signature = (audio, *, max_seconds=rae::io::DEFAULT_MAX_INPUT_S))]
fn load_audio<'py>(
    py: Python<'py>,
    audio: &Bound<'py, PyAny>,
    max_seconds: f64,
) -> PyResult<(Bound<'py, PyArray2<f32>>, u32)> {
    let buffer = decode_input(py, input_arg(audio)?, max_seconds)?;
    let sr = buffer.sample_rate;
    Ok((to_numpy(py, buffer)?, sr))
}

/// Decodes an audio file given as a path or bytes, with the GIL released.
pub(crate) fn decode_input(
    py: Python<'_>,
    input: InputArg,
    max_seconds: f64,
) -> PyResult<rae::AudioBuffer> {
    py.detach(|| match input {
        InputArg::Path(p) => rae::read_audio(&p, max_seconds),
        InputArg::Bytes(b) => rae::decode_audio(b, std::path::Path::new("<bytes>"), max_seconds),
    })
    .map_err(to_py_err)
}

/// Waveform peaks (min/max per pixel) for web players.
#[pyclass(frozen, module = "rust_audio_engine")]
struct Peaks {
    inner: rae::waveform::Peaks,
    duration: f64,
}

impl Peaks {
    /// Every `offset`-th value (0 = min, 1 = max) laid out as (channels, length).
    fn column<'py>(&self, py: Python<'py>, offset: usize) -> PyResult<Bound<'py, PyArray2<i16>>> {
        let p = &self.inner;
        let (ch, len) = (p.channels, p.length());
        let mut out = Array2::<i16>::zeros((ch, len));
        for (i, pair) in p.data.chunks_exact(2).enumerate() {
            out[(i % ch.max(1), i / ch.max(1))] = pair[offset];
        }
        Ok(out.into_pyarray(py))
    }
}

#[pymethods]
impl Peaks {
    #[getter]
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate
    }
    #[getter]
    fn samples_per_pixel(&self) -> u32 {
        self.inner.samples_per_pixel
    }
    #[getter]
    fn channels(&self) -> usize {
        self.inner.channels
    }
    #[getter]
    fn bits(&self) -> u32 {
        self.inner.bits.as_u32()
    }
    #[getter]
    fn length(&self) -> usize {
        self.inner.length()
    }
    /// Duration of the audio the peaks describe, in seconds.
    #[getter]
    fn duration_s(&self) -> f64 {
        self.duration
    }
    /// Minimum per pixel, int16 array shaped (channels, length).
    #[getter]
    fn min<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<i16>>> {
        self.column(py, 0)
    }
    /// Maximum per pixel, int16 array shaped (channels, length).
    #[getter]
    fn max<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<i16>>> {
        self.column(py, 1)
    }
    /// audiowaveform binary format (peaks.js `dataUri.arraybuffer`).
    fn to_dat<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_dat())
    }
    /// audiowaveform JSON (peaks.js `dataUri.json`).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }
    /// wavesurfer.js JSON: `{"duration": s, "peaks": [[...], ...]}`.
    fn to_wavesurfer(&self) -> String {
        self.inner.to_wavesurfer_json_with_duration(self.duration)
    }
    fn __repr__(&self) -> String {
        format!(
            "Peaks(length={}, channels={}, samples_per_pixel={}, bits={})",
            self.inner.length(),
            self.inner.channels,
            self.inner.samples_per_pixel,
            self.inner.bits.as_u32()
        )
    }
}

/// Waveform peaks of audio (a float32 array with `sample_rate`, or a file path or bytes).
/// Zoom by `samples_per_pixel` (default 256), `pixels_per_second` or `width`.
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, samples_per_pixel=None, pixels_per_second=None,
    width=None, bits=16, split_channels=false))]
#[allow(clippy::too_many_arguments)]
fn waveform_peaks(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
    samples_per_pixel: Option<u32>,
    pixels_per_second: Option<u32>,
    width: Option<u32>,
    bits: u32,
    split_channels: bool,
) -> PyResult<Peaks> {
    use rae::waveform::{peaks_of, Bits, Zoom};
    let bits = Bits::from_u32(bits).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let zoom = match (samples_per_pixel, pixels_per_second, width) {
        (Some(z), None, None) => Zoom::SamplesPerPixel(z),
        (None, Some(p), None) => Zoom::PixelsPerSecond(p),
        (None, None, Some(w)) => Zoom::Width(w),
        (None, None, None) => Zoom::default(),
        _ => {
            return Err(PyValueError::new_err(
                "give at most one of samples_per_pixel, pixels_per_second and width",
            ))
        }
    };
    let name = std::path::Path::new("<audio>");
    if let Ok(arr) = audio.extract::<numpy::PyReadonlyArrayDyn<'_, f32>>() {
        // C-contiguous arrays (the usual case) are read in place, with the GIL released.
        // `as_slice` also accepts Fortran order, whose memory is not channel after channel.
        let flat = arr.as_slice().ok().filter(|_| arr.is_c_contiguous());
        let planes: Option<Vec<&[f32]>> = match (arr.shape(), flat) {
            ([_], Some(flat)) => Some(vec![flat]),
            ([_, n], Some(flat)) => Some(flat.chunks_exact((*n).max(1)).collect()),
            _ => None,
        };
        if let (Some(planes), Some(sr)) = (planes, sample_rate) {
            let peaks = py
                .detach(|| {
                    rae::waveform::peaks_of_planar(&planes, sr, zoom, bits, split_channels, name)
                })
                .map_err(to_py_err)?;
            let frames = planes.first().map_or(0, |p| p.len());
            return Ok(Peaks {
                inner: peaks,
                duration: frames as f64 / f64::from(sr.max(1)),
            });
        }
    }
    if audio
        .extract::<numpy::PyReadonlyArrayDyn<'_, f32>>()
        .is_ok()
    {
        // Other float32 arrays (Fortran order, strided, no sample_rate) take the copying path.
        let buffer = audio_buffer(py, audio, sample_rate)?;
        let peaks = py
            .detach(|| peaks_of(&buffer, zoom, bits, split_channels, name))
            .map_err(to_py_err)?;
        return Ok(Peaks {
            inner: peaks,
            duration: buffer.duration_s(),
        });
    }
    // Files and bytes are decoded in a stream straight into the peaks: constant memory.
    let input = input_arg(audio).map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(
            "audio must be a float32 numpy array, a path (str or os.PathLike) or bytes",
        )
    })?;
    let max_s = rae::io::DEFAULT_MAX_INPUT_S;
    let (peaks, duration) = py
        .detach(|| match input {
            InputArg::Path(p) => {
                rae::waveform::peaks_of_file(&p, zoom, bits, split_channels, max_s, &mut |_| {})
            }
            InputArg::Bytes(b) => rae::waveform::peaks_of_encoded(
                b.into(),
                std::path::Path::new("<bytes>"),
                zoom,
                bits,
                split_channels,
                max_s,
                &mut |_| {},
            ),
        })
        .map_err(to_py_err)?;
    Ok(Peaks {
        inner: peaks,
        duration,
    })
}

/// Audio for the picture functions: a float32 array (copied) with its rate, or a path or bytes.
pub(crate) fn audio_buffer(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
) -> PyResult<rae::AudioBuffer> {
    if let Ok(arr) = audio.extract::<numpy::PyReadonlyArrayDyn<'_, f32>>() {
        let sr = sample_rate.ok_or_else(|| {
            PyValueError::new_err("sample_rate is required when audio is an array")
        })?;
        let view = arr.as_array();
        let channels: Vec<Vec<f32>> = match view.ndim() {
            1 => vec![view.iter().copied().collect()],
            2 => view
                .outer_iter()
                .map(|c| c.iter().copied().collect())
                .collect(),
            n => {
                return Err(PyValueError::new_err(format!(
                    "audio must be 1-D (mono) or 2-D (channels, samples), not {n}-D"
                )))
            }
        };
        return Ok(rae::AudioBuffer {
            channels,
            sample_rate: sr,
        });
    }
    let input = input_arg(audio).map_err(|_| {
        pyo3::exceptions::PyTypeError::new_err(
            "audio must be a float32 numpy array, a path (str or os.PathLike) or bytes",
        )
    })?;
    decode_input(py, input, rae::io::DEFAULT_MAX_INPUT_S)
}

/// A PNG picture of the waveform (audiowaveform's default look), as bytes; with `pitch` (a
/// `PitchTrack`), its contour is drawn over the waveform on a log-frequency scale.
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, width=800, height=250, split_channels=false,
    waveform_color="3f4d9b", background_color="d6d6d6", axis_labels=false, amplitude_scale=1.0,
    pitch=None, pitch_color="e8590c"))]
#[allow(clippy::too_many_arguments)]
fn render_waveform_png<'py>(
    py: Python<'py>,
    audio: &Bound<'py, PyAny>,
    sample_rate: Option<u32>,
    width: u32,
    height: u32,
    split_channels: bool,
    waveform_color: &str,
    background_color: &str,
    axis_labels: bool,
    amplitude_scale: f32,
    pitch: Option<Bound<'py, analysis::PitchTrack>>,
    pitch_color: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    use rae::waveform::png::{
        parse_color, render_waveform_png as render, PitchContour, WaveformImageOptions,
    };
    let pitch_color = parse_color(pitch_color).map_err(PyValueError::new_err)?;
    let pitch_contour = pitch.and_then(|t| PitchContour::from_track(&t.get().inner, pitch_color));
    let opts = WaveformImageOptions {
        width,
        height,
        waveform_color: parse_color(waveform_color).map_err(PyValueError::new_err)?,
        background: parse_color(background_color).map_err(PyValueError::new_err)?,
        with_axis_labels: axis_labels,
        amplitude_scale,
        pitch_contour,
        ..Default::default()
    };
    let buffer = audio_buffer(py, audio, sample_rate)?;
    let png = py
        .detach(|| -> rae::Result<Vec<u8>> {
            let name = std::path::Path::new("<audio>");
            let peaks = rae::waveform::peaks_of(
                &buffer,
                rae::waveform::Zoom::Width(width),
                rae::waveform::Bits::Sixteen,
                split_channels,
                name,
            )?;
            render(&peaks, &opts)
        })
        .map_err(to_py_err)?;
    Ok(PyBytes::new(py, &png))
}

/// A PNG spectrogram (magma colours, low frequencies at the bottom), as bytes.
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, width=800, height=250, log_frequency=false,
    fft_size=2048, min_db=-100.0, max_db=0.0))]
#[allow(clippy::too_many_arguments)]
fn render_spectrogram_png<'py>(
    py: Python<'py>,
    audio: &Bound<'py, PyAny>,
    sample_rate: Option<u32>,
    width: u32,
    height: u32,
    log_frequency: bool,
    fft_size: usize,
    min_db: f32,
    max_db: f32,
) -> PyResult<Bound<'py, PyBytes>> {
    use rae::waveform::spectrogram::{render_spectrogram_png as render, SpectrogramOptions};
    let opts = SpectrogramOptions {
        width,
        height,
        log_frequency,
        fft_size,
        min_db,
        max_db,
        ..Default::default()
    };
    let buffer = audio_buffer(py, audio, sample_rate)?;
    let png = py.detach(|| render(&buffer, &opts)).map_err(to_py_err)?;
    Ok(PyBytes::new(py, &png))
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

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("AudioEngineError", py.get_type::<AudioEngineError>())?;
    m.add("MidiError", py.get_type::<MidiError>())?;
    m.add("SoundFontError", py.get_type::<SoundFontError>())?;
    m.add("AudioFormatError", py.get_type::<AudioFormatError>())?;
    m.add("LimitError", py.get_type::<LimitError>())?;
    m.add_class::<SoundFont>()?;
    m.add_class::<RenderReport>()?;
    m.add_class::<RenderResult>()?;
    m.add_function(wrap_pyfunction!(synthesize_midi, m)?)?;
    m.add_function(wrap_pyfunction!(synthesize_midi_detailed, m)?)?;
    m.add_function(wrap_pyfunction!(render_midi, m)?)?;
    m.add_function(wrap_pyfunction!(render_midi_detailed, m)?)?;
    m.add_function(wrap_pyfunction!(midi_info, m)?)?;
    m.add_function(wrap_pyfunction!(load_audio, m)?)?;
    m.add_function(wrap_pyfunction!(waveform_peaks, m)?)?;
    m.add_function(wrap_pyfunction!(render_waveform_png, m)?)?;
    m.add_function(wrap_pyfunction!(render_spectrogram_png, m)?)?;
    m.add_class::<Peaks>()?;
    m.add_function(wrap_pyfunction!(default_soundfont, m)?)?;
    m.add_function(wrap_pyfunction!(soundfont_cache_info, m)?)?;
    m.add_function(wrap_pyfunction!(demo_midi, m)?)?;
    effects::register(m)?;
    analysis::register(m)?;
    analysis_events::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

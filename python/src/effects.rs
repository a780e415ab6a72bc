//! Python bindings for the engine's effects. Every effect class is made from its `EffectSpec`
//! (the engine's description of an effect as data) by one macro: its constructor's parameters,
//! its read-only attributes and its repr all come from one list. Instances extend the base class
//! `Effect`, which holds two copies of the engine effect: a template, copied for each
//! whole-buffer call (`reset=True`), so calls from many threads run in parallel, and the
//! streaming state (`reset=False`), behind a mutex so concurrent chunked calls are serialised
//! rather than corrupting each other.

use std::path::PathBuf;
use std::sync::Mutex;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::PyClassInitializer;
use rae::effects::{
    BoxedEffect, CompressorParams, ConvolutionSpec, EffectSpec, Eq, FilterBand, FilterType,
    LimiterParams, ReverbParams,
};
use rust_audio_engine as rae;

use crate::convert::{buffer_of, planar, to_numpy_like, to_py};
use crate::errors::to_py_err;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock is turned into an error by catch_panics; the state is then
    // reset before reuse.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Base class of every effect: call it as `effect(audio, sample_rate, reset=True)`.
#[pyclass(subclass, frozen, module = "rust_audio_engine")]
pub(crate) struct Effect {
    /// Copied for each whole-buffer call; kept up to date with what those calls cached (e.g. a
    /// convolution's transformed impulse response).
    template: Mutex<BoxedEffect>,
    streaming: Mutex<BoxedEffect>,
    spec: EffectSpec,
    repr: String,
}

impl Effect {
    fn new(effect: BoxedEffect, spec: EffectSpec, repr: String) -> Self {
        Effect {
            template: Mutex::new(effect.clone()),
            streaming: Mutex::new(effect),
            spec,
            repr,
        }
    }

    /// The engine effect `spec` describes (built with the GIL released: it may read a file).
    fn from_spec(py: Python<'_>, spec: EffectSpec, repr: String) -> PyResult<Self> {
        let effect = py.detach(|| spec.build()).map_err(to_py_err)?;
        Ok(Self::new(effect, spec, repr))
    }

    fn boxed(&self) -> BoxedEffect {
        lock(&self.template).clone()
    }
}

#[pymethods]
impl Effect {
    /// Processes `audio` (float32 or float64, (channels, samples); 1-D is mono and gives 1-D
    /// back) at `sample_rate`. `reset=True` (the default) processes it as a whole signal: latency
    /// removed, the effect's tail appended (a reverb's decay); the object's state is not used, so
    /// many threads may call at once. `reset=False` streams: the output has the input's length,
    /// delayed by `latency_frames(sample_rate)`, and state carries over to the next call.
    #[pyo3(signature = (audio, sample_rate, reset=true))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        audio: &Bound<'py, PyAny>,
        sample_rate: u32,
        reset: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let input = planar(audio)?;
        let one_d = input.one_d;
        let buffer = buffer_of(input, sample_rate)?;
        let out = py
            .detach(|| {
                rae::catch_panics(|| {
                    if reset {
                        let mut effect = self.boxed();
                        let out = rae::effects::process_owned(effect.as_effect_mut(), buffer)?;
                        // Keep what the call prepared (coefficients, transformed IRs) for the next.
                        *lock(&self.template) = effect;
                        Ok(out)
                    } else {
                        let mut channels = buffer.into_channels();
                        let mut effect = lock(&self.streaming);
                        let r = effect.process(&mut channels, sample_rate);
                        if r.is_err() {
                            effect.reset();
                        }
                        r?;
                        rae::AudioBuffer::new(channels, sample_rate)
                    }
                })
            })
            .map_err(to_py_err)?;
        to_numpy_like(py, out, one_d)
    }

    /// Clears the streaming state (as if newly made).
    fn reset(&self) {
        lock(&self.streaming).reset();
    }

    /// Frames by which streaming (`reset=False`) output lags its input.
    fn latency_frames(&self, sample_rate: u32) -> usize {
        lock(&self.template).latency_frames(sample_rate)
    }

    /// Where whole-buffer calls run their heavy compute: "cpu", "gpu: <adapter> (<api>)", or
    /// "cpu: <reason>" when the GPU was asked for and the CPU ran.
    #[getter]
    fn backend(&self) -> String {
        lock(&self.template)
            .backend()
            .unwrap_or_else(|| "cpu".into())
    }

    /// Frames whole-buffer output adds after the input (the reverb tail).
    fn tail_frames(&self, sample_rate: u32) -> usize {
        lock(&self.template).tail_frames(sample_rate)
    }

    fn __repr__(&self) -> String {
        self.repr.clone()
    }
}

/// A parameter as Python shows it in a repr.
trait PyRepr {
    fn py_repr(&self) -> String;
}

impl PyRepr for f32 {
    fn py_repr(&self) -> String {
        format!("{self:?}")
    }
}

impl PyRepr for bool {
    fn py_repr(&self) -> String {
        (if *self { "True" } else { "False" }).into()
    }
}

impl PyRepr for usize {
    fn py_repr(&self) -> String {
        self.to_string()
    }
}

/// A path parameter, given as `str` or `os.PathLike` and kept (and shown) as text.
#[derive(Clone)]
struct PathText(String);

impl From<&str> for PathText {
    fn from(s: &str) -> Self {
        PathText(s.into())
    }
}

impl FromPyObject<'_, '_> for PathText {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        let p: std::path::PathBuf = obj.extract()?;
        Ok(PathText(p.to_string_lossy().into_owned()))
    }
}

impl<'py> IntoPyObject<'py> for PathText {
    type Target = pyo3::types::PyString;
    type Output = Bound<'py, Self::Target>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        Ok(pyo3::types::PyString::new(py, &self.0))
    }
}

impl PyRepr for PathText {
    fn py_repr(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// An effect class from its parameter list (name, type, `[default]`) and the `EffectSpec` those
/// parameters make (an expression over them, returning `PyResult<EffectSpec>`). Defaults are
/// token lists, not expressions, so that the Python signature shows them.
macro_rules! effect_class {
    ($(#[doc = $doc:literal])* $class:ident { $($name:ident : $ty:ty = [$($default:tt)+]),* $(,)? }
     => $spec:expr) => {
        $(#[doc = $doc])*
        #[pyclass(extends = Effect, frozen, module = "rust_audio_engine")]
        struct $class {
            $(#[pyo3(get)] $name: $ty,)*
        }

        #[pymethods]
        impl $class {
            #[new]
            #[pyo3(signature = ($($name = $($default)+),*))]
            // The parameters are the effect's, one Python keyword each.
            #[allow(clippy::too_many_arguments)]
            fn new(py: Python<'_>, $($name: $ty),*) -> PyResult<PyClassInitializer<Self>> {
                let spec: PyResult<EffectSpec> = $spec;
                let params: Vec<String> =
                    vec![$(format!("{}={}", stringify!($name), $name.py_repr())),*];
                let repr = format!("{}({})", stringify!($class), params.join(", "));
                let base = Effect::from_spec(py, spec?, repr)?;
                Ok(PyClassInitializer::from(base).add_subclass($class { $($name),* }))
            }
        }
    };
}

effect_class!(
    /// Convolution reverb with a built-in impulse response ("room", "hall", "plate", "church")
    /// or an IR file (WAV/FLAC, any rate, mono or stereo).
    Convolution {
        ir: PathText = ["hall".into()],
        mix: f32 = [1.0],
        pre_delay_ms: f32 = [0.0],
        trim_tail: bool = [false],
        normalize: bool = [true],
        block_frames: usize = [512],
        use_gpu: bool = [false],
    } => Ok(EffectSpec::Convolution(ConvolutionSpec {
        ir: ir.0.clone(),
        mix,
        pre_delay_ms,
        trim_tail,
        normalize,
        block_frames,
        use_gpu,
    }))
);

effect_class!(
    /// Freeverb algorithmic reverb (pedalboard's parameters and defaults).
    Reverb {
        room_size: f32 = [0.5],
        damping: f32 = [0.5],
        wet_level: f32 = [0.33],
        dry_level: f32 = [0.4],
        width: f32 = [1.0],
    } => Ok(EffectSpec::Reverb(ReverbParams { room_size, damping, wet_level, dry_level, width }))
);

fn band(t: FilterType, cutoff_frequency_hz: f32, gain_db: f32, q: f32) -> PyResult<EffectSpec> {
    FilterBand::new(t, cutoff_frequency_hz, gain_db, q)
        .map(EffectSpec::Filter)
        .map_err(to_py_err)
}

const Q: f32 = std::f32::consts::FRAC_1_SQRT_2;

effect_class!(
    /// RBJ cookbook peaking EQ: boost or cut gain_db around cutoff_frequency_hz.
    PeakFilter { cutoff_frequency_hz: f32 = [440.0], gain_db: f32 = [0.0], q: f32 = [Q] }
        => band(FilterType::Peak, cutoff_frequency_hz, gain_db, q)
);
effect_class!(
    /// RBJ cookbook low shelf: gain_db below cutoff_frequency_hz.
    LowShelfFilter { cutoff_frequency_hz: f32 = [440.0], gain_db: f32 = [0.0], q: f32 = [Q] }
        => band(FilterType::LowShelf, cutoff_frequency_hz, gain_db, q)
);
effect_class!(
    /// RBJ cookbook high shelf: gain_db above cutoff_frequency_hz.
    HighShelfFilter { cutoff_frequency_hz: f32 = [440.0], gain_db: f32 = [0.0], q: f32 = [Q] }
        => band(FilterType::HighShelf, cutoff_frequency_hz, gain_db, q)
);
effect_class!(
    /// RBJ cookbook second-order low-pass (12 dB/octave).
    LowpassFilter { cutoff_frequency_hz: f32 = [50.0], q: f32 = [Q] }
        => band(FilterType::LowPass, cutoff_frequency_hz, 0.0, q)
);
effect_class!(
    /// RBJ cookbook second-order high-pass (12 dB/octave).
    HighpassFilter { cutoff_frequency_hz: f32 = [50.0], q: f32 = [Q] }
        => band(FilterType::HighPass, cutoff_frequency_hz, 0.0, q)
);
effect_class!(
    /// RBJ cookbook band-pass (0 dB at the centre frequency).
    BandpassFilter { cutoff_frequency_hz: f32 = [440.0], q: f32 = [Q] }
        => band(FilterType::BandPass, cutoff_frequency_hz, 0.0, q)
);
effect_class!(
    /// RBJ cookbook notch at cutoff_frequency_hz.
    NotchFilter { cutoff_frequency_hz: f32 = [440.0], q: f32 = [Q] }
        => band(FilterType::Notch, cutoff_frequency_hz, 0.0, q)
);

effect_class!(
    /// Feed-forward compressor with a soft knee (pedalboard's defaults).
    Compressor {
        threshold_db: f32 = [0.0],
        ratio: f32 = [1.0],
        attack_ms: f32 = [1.0],
        release_ms: f32 = [100.0],
        knee_db: f32 = [0.0],
        makeup_gain_db: f32 = [0.0],
    } => Ok(EffectSpec::Compressor(CompressorParams {
        threshold_db, ratio, attack_ms, release_ms, knee_db, makeup_gain_db,
    }))
);

effect_class!(
    /// Look-ahead limiter holding the true (4x oversampled) peak at or below ceiling_db.
    Limiter { ceiling_db: f32 = [-1.0], release_ms: f32 = [100.0], lookahead_ms: f32 = [2.0] }
        => Ok(EffectSpec::Limiter(LimiterParams { ceiling_db, release_ms, lookahead_ms }))
);

effect_class!(
    /// A fixed gain in dB.
    Gain { gain_db: f32 = [0.0] } => Ok(EffectSpec::Gain { gain_db })
);

effect_class!(
    /// Scales the whole signal to an integrated loudness (ITU-R BS.1770-4). Whole buffers only:
    /// `reset=False` raises, since loudness needs the whole signal.
    LoudnessNormalize { target_lufs: f32 = [-14.0] } => Ok(EffectSpec::LoudnessNormalize { target_lufs })
);

/// Effects applied in order; itself an effect (and may be nested).
#[pyclass(extends = Effect, frozen, module = "rust_audio_engine")]
pub(crate) struct Chain {
    effects: Vec<Py<Effect>>,
}

#[pymethods]
impl Chain {
    #[new]
    #[pyo3(signature = (effects=None))]
    fn new(effects: Option<&Bound<'_, PyAny>>) -> PyResult<PyClassInitializer<Self>> {
        let mut items: Vec<Py<Effect>> = Vec::new();
        if let Some(effects) = effects {
            for item in effects.try_iter()? {
                let item = item?;
                let e = item.cast::<Effect>().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "Chain takes effects (Reverb, PeakFilter, Compressor, ...), not {}",
                        item.get_type()
                            .name()
                            .map_or_else(|_| "?".into(), |n| n.to_string())
                    ))
                })?;
                items.push(e.clone().unbind());
            }
        }
        let mut chain = rae::Chain::default();
        let mut specs = Vec::new();
        let mut reprs = Vec::new();
        // Consecutive filters become one multi-band Eq: the same cascade, run in one pass over
        // cache-sized blocks instead of one pass over the whole signal per filter.
        let mut bands: Vec<FilterBand> = Vec::new();
        let flush = |bands: &mut Vec<FilterBand>, chain: &mut rae::Chain| -> PyResult<()> {
            if !bands.is_empty() {
                let eq = Eq::new(std::mem::take(bands)).map_err(to_py_err)?;
                chain.push(Box::new(eq));
            }
            Ok(())
        };
        for e in &items {
            let e = e.get();
            match &e.spec {
                EffectSpec::Filter(b) => bands.push(*b),
                EffectSpec::Eq(b) => bands.extend_from_slice(b),
                _ => {
                    flush(&mut bands, &mut chain)?;
                    chain.push(e.boxed());
                }
            }
            specs.push(e.spec.clone());
            reprs.push(e.repr.clone());
        }
        flush(&mut bands, &mut chain)?;
        let repr = format!("Chain([{}])", reprs.join(", "));
        let base = Effect::new(Box::new(chain), EffectSpec::Chain(specs), repr);
        Ok(PyClassInitializer::from(base).add_subclass(Chain { effects: items }))
    }

    /// The effects, in order.
    #[getter]
    fn effects<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.effects.iter().map(|e| e.clone_ref(py)))
    }

    fn __len__(&self) -> usize {
        self.effects.len()
    }
}

/// The specs of an `effects=` argument: None, an effect, or a list of effects.
pub(crate) fn effects_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<EffectSpec>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(e) = obj.cast::<Effect>() {
        return Ok(vec![e.get().spec.clone()]);
    }
    let wrong = || PyTypeError::new_err("effects must be an effect, a Chain or a list of effects");
    let mut specs = Vec::new();
    for item in obj.try_iter().map_err(|_| wrong())? {
        specs.push(
            item?
                .cast::<Effect>()
                .map_err(|_| wrong())?
                .get()
                .spec
                .clone(),
        );
    }
    Ok(specs)
}

/// A chain of effects from the text of a chain file (TOML `[[effect]]` tables, see
/// docs/effects.md), as one effect. A relative impulse response path is taken relative to the
/// working directory. `ir_files=False` refuses any impulse response that is not a built-in one
/// (room, hall, plate, church): what a service that takes chains from its clients needs, since a
/// chain naming a file would let a client read the server's files.
#[pyfunction]
#[pyo3(signature = (text, *, ir_files=true))]
fn chain_from_toml(py: Python<'_>, text: &str, ir_files: bool) -> PyResult<Py<Effect>> {
    let spec = rae::ChainSpec::from_toml_str(text, None).map_err(to_py_err)?;
    if !ir_files {
        refuse_ir_files(&spec.effects)?;
    }
    let repr = format!("chain_from_toml(<{} effects>)", spec.effects.len());
    let effect = Effect::from_spec(py, EffectSpec::Chain(spec.effects), repr)?;
    Py::new(py, effect)
}

fn refuse_ir_files(specs: &[EffectSpec]) -> PyResult<()> {
    for s in specs {
        match s {
            EffectSpec::Convolution(c)
                if !rae::effects::ImpulseResponse::BUILTIN_NAMES.contains(&c.ir.as_str()) =>
            {
                return Err(PyValueError::new_err(format!(
                    "convolution ir '{}' is not a built-in impulse response ({}); files are not \
                     accepted here",
                    c.ir,
                    rae::effects::ImpulseResponse::BUILTIN_NAMES.join(", ")
                )));
            }
            EffectSpec::Chain(inner) => refuse_ir_files(inner)?,
            _ => {}
        }
    }
    Ok(())
}

/// The audio file `input_path` through `effects` (an effect, a Chain or a list) to
/// `output_path`, written atomically: what `rae fx` does. The input is decoded whole (at most
/// `max_seconds` of audio, else `LimitError`) and processed as one signal (latency removed,
/// tails kept); `format` is wav16, wav24, wav32f, flac16 or flac24 (default: from the output's
/// extension). Returns the report as a dict: `effects`, `duration_s`, `sample_rate`,
/// `channels`, `peak_dbfs`, `process_s`, `backend`.
#[pyfunction]
#[pyo3(signature = (input_path, output_path, effects, *, format=None, use_gpu=false,
    max_seconds=rae::io::DEFAULT_MAX_INPUT_S))]
fn fx_file<'py>(
    py: Python<'py>,
    input_path: PathBuf,
    output_path: PathBuf,
    effects: &Bound<'py, PyAny>,
    format: Option<&str>,
    use_gpu: bool,
    max_seconds: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let spec = rae::ChainSpec {
        effects: effects_arg(Some(effects))?,
    };
    let format = format
        .map(rae::OutputFormat::from_name)
        .transpose()
        .map_err(to_py_err)?
        .unwrap_or_else(|| rae::OutputFormat::from_path(&output_path));
    let report = py
        .detach(|| {
            rae::io::check_output_path(&output_path, &input_path)?;
            spec.build()?;
            let audio = rae::read_audio(&input_path, max_seconds)?;
            let (out, report) = rae::ops::process_on(&audio, &spec, use_gpu)?;
            rae::write_audio(&output_path, &out, format)?;
            Ok(report)
        })
        .map_err(to_py_err)?;
    to_py(py, &report)
}

/// Integrated loudness (ITU-R BS.1770-4, gated) in LUFS; -inf for audio too quiet or short to
/// measure.
#[pyfunction]
fn integrated_loudness(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: u32,
) -> PyResult<f64> {
    let audio = buffer_of(planar(audio)?, sample_rate)?;
    py.detach(|| {
        if audio.channel_count() == 0 || audio.frames() == 0 {
            return Ok(f64::NEG_INFINITY);
        }
        Ok(rae::gain::integrated_loudness(&audio)?.unwrap_or(f64::NEG_INFINITY))
    })
    .map_err(to_py_err)
}

/// Adds this module's classes and functions to `_native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Effect>()?;
    m.add_class::<Convolution>()?;
    m.add_class::<Reverb>()?;
    m.add_class::<PeakFilter>()?;
    m.add_class::<LowShelfFilter>()?;
    m.add_class::<HighShelfFilter>()?;
    m.add_class::<LowpassFilter>()?;
    m.add_class::<HighpassFilter>()?;
    m.add_class::<BandpassFilter>()?;
    m.add_class::<NotchFilter>()?;
    m.add_class::<Compressor>()?;
    m.add_class::<Limiter>()?;
    m.add_class::<Gain>()?;
    m.add_class::<LoudnessNormalize>()?;
    m.add_class::<Chain>()?;
    m.add_function(wrap_pyfunction!(integrated_loudness, m)?)?;
    m.add_function(wrap_pyfunction!(chain_from_toml, m)?)?;
    m.add_function(wrap_pyfunction!(fx_file, m)?)?;
    Ok(())
}

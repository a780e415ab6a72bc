//! Python bindings for the engine's effects module: conversions only. Every effect class extends
//! the base class `Effect`, which holds two copies of the engine effect: a template, copied for
//! each whole-buffer call (`reset=True`), so calls from many threads run in parallel, and the
//! streaming state (`reset=False`), behind a mutex so concurrent chunked calls are serialised
//! rather than corrupting each other.

use std::sync::Mutex;

use numpy::ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::PyClassInitializer;
use rae::effects::{
    BoxedEffect, Chain as RaeChain, Compressor as RaeCompressor, CompressorParams,
    Convolution as RaeConvolution, ConvolutionParams, EffectSpec, Eq, FilterBand, FilterType,
    Gain as RaeGain, Limiter as RaeLimiter, LimiterParams,
    LoudnessNormalize as RaeLoudnessNormalize, Reverb as RaeReverb, ReverbParams,
};
use rust_audio_engine as rae;

use crate::to_py_err;

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

    fn boxed(&self) -> BoxedEffect {
        lock(&self.template).clone()
    }
}

/// Audio from Python: planar channels and whether the input was 1-D.
fn channels_of(audio: &Bound<'_, PyAny>) -> PyResult<(Vec<Vec<f32>>, bool)> {
    let arr: PyReadonlyArrayDyn<'_, f32> = match audio.extract() {
        Ok(a) => a,
        Err(_) => {
            // Other float arrays (and lists) are converted, as numpy.asarray(audio, float32).
            let np = audio.py().import("numpy")?;
            let converted = np
                .call_method1("asarray", (audio, np.getattr("float32")?))
                .map_err(|_| {
                    PyTypeError::new_err("audio must be a numpy array of float32 samples")
                })?;
            converted.extract().map_err(|_| {
                PyTypeError::new_err("audio must be a numpy array of float32 samples")
            })?
        }
    };
    let view = arr.as_array();
    match view.ndim() {
        1 => Ok((vec![view.iter().copied().collect()], true)),
        2 => {
            let shape = arr.shape();
            if shape[0] > 64 && shape[1] <= 64 {
                return Err(PyValueError::new_err(format!(
                    "audio shaped {shape:?} looks like (samples, channels); effects take \
                     (channels, samples): pass audio.T"
                )));
            }
            let flat = arr.as_slice().ok().filter(|_| arr.is_c_contiguous());
            let channels = match flat {
                Some(flat) => flat
                    .chunks_exact(shape[1].max(1))
                    .take(shape[0])
                    .map(<[f32]>::to_vec)
                    .collect(),
                None => view
                    .outer_iter()
                    .map(|c| c.iter().copied().collect())
                    .collect(),
            };
            let mut channels: Vec<Vec<f32>> = channels;
            // chunks_exact yields nothing for zero-length channels.
            channels.resize(shape[0], Vec::new());
            Ok((channels, false))
        }
        n => Err(PyValueError::new_err(format!(
            "audio must be 1-D (mono) or 2-D (channels, samples), not {n}-D"
        ))),
    }
}

fn to_array<'py>(
    py: Python<'py>,
    channels: Vec<Vec<f32>>,
    one_d: bool,
) -> PyResult<Bound<'py, PyAny>> {
    if one_d {
        let mono = channels.into_iter().next().unwrap_or_default();
        return Ok(Array1::from_vec(mono).into_pyarray(py).into_any());
    }
    let n = channels.len();
    let frames = channels.first().map_or(0, Vec::len);
    let flat: Vec<f32> = py.detach(|| channels.concat());
    let arr = Array2::from_shape_vec((n, frames), flat)
        .map_err(|e| PyValueError::new_err(format!("array shape: {e}")))?;
    Ok(arr.into_pyarray(py).into_any())
}

#[pymethods]
impl Effect {
    /// Processes `audio` (float32, (channels, samples); 1-D is mono and gives 1-D back) at
    /// `sample_rate`. `reset=True` (the default) processes it as a whole signal: latency removed,
    /// the effect's tail appended (a reverb's decay); the object's state is not used, so many
    /// threads may call at once. `reset=False` streams: the output has the input's length,
    /// delayed by `latency_frames(sample_rate)`, and state carries over to the next call.
    #[pyo3(signature = (audio, sample_rate, reset=true))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        audio: &Bound<'py, PyAny>,
        sample_rate: u32,
        reset: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (channels, one_d) = channels_of(audio)?;
        let out = py
            .detach(|| {
                rae::synth::render::catch_panics(|| {
                    if reset {
                        let mut effect = self.boxed();
                        let out = rae::effects::process_owned(
                            effect.as_effect_mut(),
                            rae::AudioBuffer {
                                channels,
                                sample_rate,
                            },
                        )?;
                        // Keep what the call prepared (coefficients, transformed IRs) for the next.
                        *lock(&self.template) = effect;
                        Ok(out.channels)
                    } else {
                        let mut channels = channels;
                        let mut effect = lock(&self.streaming);
                        let r = effect.process(&mut channels, sample_rate);
                        if r.is_err() {
                            effect.reset();
                        }
                        r.map(|()| channels)
                    }
                })
            })
            .map_err(to_py_err)?;
        to_array(py, out, one_d)
    }

    /// Clears the streaming state (as if newly made).
    fn reset(&self) {
        lock(&self.streaming).reset();
    }

    /// Frames by which streaming (`reset=False`) output lags its input.
    fn latency_frames(&self, sample_rate: u32) -> usize {
        lock(&self.template).latency_frames(sample_rate)
    }

    /// Frames whole-buffer output adds after the input (the reverb tail).
    fn tail_frames(&self, sample_rate: u32) -> usize {
        lock(&self.template).tail_frames(sample_rate)
    }

    fn __repr__(&self) -> String {
        self.repr.clone()
    }
}

/// A subclass instance over its `Effect` base.
macro_rules! init {
    ($sub:expr, $base:expr $(,)?) => {
        PyClassInitializer::from($base).add_subclass($sub)
    };
}

fn base(effect: rae::Result<BoxedEffect>, spec: EffectSpec, repr: String) -> PyResult<Effect> {
    Ok(Effect::new(effect.map_err(to_py_err)?, spec, repr))
}

/// Convolution reverb with a built-in impulse response ("room", "hall", "plate", "church") or
/// an IR file (WAV/FLAC, any rate, mono or stereo).
#[pyclass(extends = Effect, frozen, module = "rust_audio_engine")]
struct Convolution {
    #[pyo3(get)]
    ir: String,
    #[pyo3(get)]
    mix: f32,
    #[pyo3(get)]
    pre_delay_ms: f32,
    #[pyo3(get)]
    trim_tail: bool,
    #[pyo3(get)]
    normalize: bool,
    #[pyo3(get)]
    block_frames: usize,
}

#[pymethods]
impl Convolution {
    #[new]
    #[pyo3(signature = (ir="hall".into(), mix=1.0, pre_delay_ms=0.0, trim_tail=false, normalize=true, block_frames=512))]
    fn new(
        py: Python<'_>,
        ir: std::path::PathBuf,
        mix: f32,
        pre_delay_ms: f32,
        trim_tail: bool,
        normalize: bool,
        block_frames: usize,
    ) -> PyResult<PyClassInitializer<Self>> {
        let ir = ir.to_string_lossy().into_owned();
        let params = ConvolutionParams {
            mix,
            pre_delay_ms,
            trim_tail,
            normalize,
            block_frames,
        };
        let effect = py.detach(|| RaeConvolution::new(&ir, params.clone()));
        let spec = EffectSpec::Convolution(rae::effects::spec::ConvolutionSpec {
            ir: ir.clone(),
            mix,
            pre_delay_ms,
            trim_tail,
            normalize,
        });
        let repr = format!(
            "Convolution(ir={ir:?}, mix={mix:?}, pre_delay_ms={pre_delay_ms:?}, trim_tail={}, normalize={})",
            py_bool(trim_tail),
            py_bool(normalize)
        );
        let base = base(effect.map(|e| Box::new(e) as BoxedEffect), spec, repr)?;
        Ok(init!(
            Convolution {
                ir,
                mix,
                pre_delay_ms,
                trim_tail,
                normalize,
                block_frames,
            },
            base,
        ))
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// Freeverb algorithmic reverb (pedalboard's parameters and defaults).
#[pyclass(extends = Effect, frozen, module = "rust_audio_engine")]
struct Reverb {
    #[pyo3(get)]
    room_size: f32,
    #[pyo3(get)]
    damping: f32,
    #[pyo3(get)]
    wet_level: f32,
    #[pyo3(get)]
    dry_level: f32,
    #[pyo3(get)]
    width: f32,
}

#[pymethods]
impl Reverb {
    #[new]
    #[pyo3(signature = (room_size=0.5, damping=0.5, wet_level=0.33, dry_level=0.4, width=1.0))]
    fn new(
        room_size: f32,
        damping: f32,
        wet_level: f32,
        dry_level: f32,
        width: f32,
    ) -> PyResult<PyClassInitializer<Self>> {
        let p = ReverbParams {
            room_size,
            damping,
            wet_level,
            dry_level,
            width,
        };
        let repr = format!(
            "Reverb(room_size={room_size:?}, damping={damping:?}, wet_level={wet_level:?}, dry_level={dry_level:?}, width={width:?})"
        );
        let base = base(
            RaeReverb::new(p).map(|e| Box::new(e) as BoxedEffect),
            EffectSpec::Reverb(p),
            repr,
        )?;
        Ok(init!(
            Reverb {
                room_size,
                damping,
                wet_level,
                dry_level,
                width,
            },
            base,
        ))
    }
}

fn filter_base(
    class: &str,
    t: FilterType,
    cutoff_frequency_hz: f32,
    gain_db: f32,
    q: f32,
) -> PyResult<Effect> {
    let band = FilterBand::new(t, cutoff_frequency_hz, gain_db, q).map_err(to_py_err)?;
    let repr = if t.uses_gain() {
        format!(
            "{class}(cutoff_frequency_hz={cutoff_frequency_hz:?}, gain_db={gain_db:?}, q={q:?})"
        )
    } else {
        format!("{class}(cutoff_frequency_hz={cutoff_frequency_hz:?}, q={q:?})")
    };
    base(
        Eq::new(vec![band]).map(|e| Box::new(e) as BoxedEffect),
        EffectSpec::Filter(band),
        repr,
    )
}

macro_rules! gain_filter {
    ($name:ident, $kind:expr, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(extends = Effect, frozen, module = "rust_audio_engine")]
        struct $name {
            #[pyo3(get)]
            cutoff_frequency_hz: f32,
            #[pyo3(get)]
            gain_db: f32,
            #[pyo3(get)]
            q: f32,
        }

        #[pymethods]
        impl $name {
            #[new]
            #[pyo3(signature = (cutoff_frequency_hz=440.0, gain_db=0.0, q=std::f32::consts::FRAC_1_SQRT_2))]
            fn new(cutoff_frequency_hz: f32, gain_db: f32, q: f32) -> PyResult<PyClassInitializer<Self>> {
                let base = filter_base(stringify!($name), $kind, cutoff_frequency_hz, gain_db, q)?;
                Ok(init!(
                    $name {
                        cutoff_frequency_hz,
                        gain_db,
                        q,
                    },
                    base,
                ))
            }
        }
    };
}

macro_rules! plain_filter {
    ($name:ident, $kind:expr, $default_hz:expr, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(extends = Effect, frozen, module = "rust_audio_engine")]
        struct $name {
            #[pyo3(get)]
            cutoff_frequency_hz: f32,
            #[pyo3(get)]
            q: f32,
        }

        #[pymethods]
        impl $name {
            #[new]
            #[pyo3(signature = (cutoff_frequency_hz=$default_hz, q=std::f32::consts::FRAC_1_SQRT_2))]
            fn new(cutoff_frequency_hz: f32, q: f32) -> PyResult<PyClassInitializer<Self>> {
                let base = filter_base(stringify!($name), $kind, cutoff_frequency_hz, 0.0, q)?;
                Ok(init!(
                    $name {
                        cutoff_frequency_hz,
                        q,
                    },
                    base,
                ))
            }
        }
    };
}

gain_filter!(
    PeakFilter,
    FilterType::Peak,
    "RBJ cookbook peaking EQ: boost or cut gain_db around cutoff_frequency_hz."
);
gain_filter!(
    LowShelfFilter,
    FilterType::LowShelf,
    "RBJ cookbook low shelf: gain_db below cutoff_frequency_hz."
);
gain_filter!(
    HighShelfFilter,
    FilterType::HighShelf,
    "RBJ cookbook high shelf: gain_db above cutoff_frequency_hz."
);
plain_filter!(
    LowpassFilter,
    FilterType::LowPass,
    50.0,
    "RBJ cookbook second-order low-pass (12 dB/octave)."
);
plain_filter!(
    HighpassFilter,
    FilterType::HighPass,
    50.0,
    "RBJ cookbook second-order high-pass (12 dB/octave)."
);
plain_filter!(
    BandpassFilter,
    FilterType::BandPass,
    440.0,
    "RBJ cookbook band-pass (0 dB at the centre frequency)."
);
plain_filter!(
    NotchFilter,
    FilterType::Notch,
    440.0,
    "RBJ cookbook notch at cutoff_frequency_hz."
);

/// Feed-forward compressor with a soft knee (pedalboard's defaults).
#[pyclass(extends = Effect, frozen, module = "rust_audio_engine")]
struct Compressor {
    #[pyo3(get)]
    threshold_db: f32,
    #[pyo3(get)]
    ratio: f32,
    #[pyo3(get)]
    attack_ms: f32,
    #[pyo3(get)]
    release_ms: f32,
    #[pyo3(get)]
    knee_db: f32,
    #[pyo3(get)]
    makeup_gain_db: f32,
}

#[pymethods]
impl Compressor {
    #[new]
    #[pyo3(signature = (threshold_db=0.0, ratio=1.0, attack_ms=1.0, release_ms=100.0, knee_db=0.0, makeup_gain_db=0.0))]
    fn new(
        threshold_db: f32,
        ratio: f32,
        attack_ms: f32,
        release_ms: f32,
        knee_db: f32,
        makeup_gain_db: f32,
    ) -> PyResult<PyClassInitializer<Self>> {
        let p = CompressorParams {
            threshold_db,
            ratio,
            attack_ms,
            release_ms,
            knee_db,
            makeup_gain_db,
        };
        let repr = format!(
            "Compressor(threshold_db={threshold_db:?}, ratio={ratio:?}, attack_ms={attack_ms:?}, release_ms={release_ms:?}, knee_db={knee_db:?}, makeup_gain_db={makeup_gain_db:?})"
        );
        let base = base(
            RaeCompressor::new(p).map(|e| Box::new(e) as BoxedEffect),
            EffectSpec::Compressor(p),
            repr,
        )?;
        Ok(init!(
            Compressor {
                threshold_db,
                ratio,
                attack_ms,
                release_ms,
                knee_db,
                makeup_gain_db,
            },
            base,
        ))
    }
}

/// Look-ahead limiter holding the true (4x oversampled) peak at or below ceiling_db.
#[pyclass(extends = Effect, frozen, module = "rust_audio_engine")]
struct Limiter {
    #[pyo3(get)]
    ceiling_db: f32,
    #[pyo3(get)]
    release_ms: f32,
    #[pyo3(get)]
    lookahead_ms: f32,
}

#[pymethods]
impl Limiter {
    #[new]
    #[pyo3(signature = (ceiling_db=-1.0, release_ms=100.0, lookahead_ms=2.0))]
    fn new(
        ceiling_db: f32,
        release_ms: f32,
        lookahead_ms: f32,
    ) -> PyResult<PyClassInitializer<Self>> {
        let p = LimiterParams {
            ceiling_db,
            release_ms,
            lookahead_ms,
        };
        let repr = format!(
            "Limiter(ceiling_db={ceiling_db:?}, release_ms={release_ms:?}, lookahead_ms={lookahead_ms:?})"
        );
        let base = base(
            RaeLimiter::new(p).map(|e| Box::new(e) as BoxedEffect),
            EffectSpec::Limiter(p),
            repr,
        )?;
        Ok(init!(
            Limiter {
                ceiling_db,
                release_ms,
                lookahead_ms,
            },
            base,
        ))
    }
}

/// A fixed gain in dB.
#[pyclass(extends = Effect, frozen, module = "rust_audio_engine")]
struct Gain {
    #[pyo3(get)]
    gain_db: f32,
}

#[pymethods]
impl Gain {
    #[new]
    #[pyo3(signature = (gain_db=0.0))]
    fn new(gain_db: f32) -> PyResult<PyClassInitializer<Self>> {
        let base = base(
            RaeGain::new(gain_db).map(|e| Box::new(e) as BoxedEffect),
            EffectSpec::Gain { gain_db },
            format!("Gain(gain_db={gain_db:?})"),
        )?;
        Ok(init!(Gain { gain_db }, base))
    }
}

/// Scales the whole signal to an integrated loudness (ITU-R BS.1770-4). Whole buffers only:
/// `reset=False` raises, since loudness needs the whole signal.
#[pyclass(extends = Effect, frozen, module = "rust_audio_engine")]
struct LoudnessNormalize {
    #[pyo3(get)]
    target_lufs: f32,
}

#[pymethods]
impl LoudnessNormalize {
    #[new]
    #[pyo3(signature = (target_lufs=-14.0))]
    fn new(target_lufs: f32) -> PyResult<PyClassInitializer<Self>> {
        let base = base(
            RaeLoudnessNormalize::new(target_lufs).map(|e| Box::new(e) as BoxedEffect),
            EffectSpec::LoudnessNormalize { target_lufs },
            format!("LoudnessNormalize(target_lufs={target_lufs:?})"),
        )?;
        Ok(init!(LoudnessNormalize { target_lufs }, base))
    }
}

/// Effects applied in order; itself an effect (and may be nested).
#[pyclass(extends = Effect, frozen, module = "rust_audio_engine")]
pub(crate) struct Chain {
    effects: Vec<Py<Effect>>,
}

#[pymethods]
impl Chain {
    #[new]
    #[pyo3(signature = (effects=None))]
    fn new(
        py: Python<'_>,
        effects: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyClassInitializer<Self>> {
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
        let mut chain = RaeChain::default();
        let mut specs = Vec::new();
        let mut reprs = Vec::new();
        // Consecutive filters become one multi-band Eq: the same cascade, run in one pass over
        // cache-sized blocks instead of one pass over the whole signal per filter.
        let mut bands: Vec<FilterBand> = Vec::new();
        let flush = |bands: &mut Vec<FilterBand>, chain: &mut RaeChain| -> PyResult<()> {
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
        let _ = py;
        Ok(init!(Chain { effects: items }, base))
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
    let mut specs = Vec::new();
    for item in obj.try_iter().map_err(|_| {
        PyTypeError::new_err("effects must be an effect, a Chain or a list of effects")
    })? {
        let item = item?;
        let e = item.cast::<Effect>().map_err(|_| {
            PyTypeError::new_err("effects must be an effect, a Chain or a list of effects")
        })?;
        specs.push(e.get().spec.clone());
    }
    Ok(specs)
}

/// Integrated loudness (ITU-R BS.1770-4, gated) in LUFS; -inf for audio too quiet or short to
/// measure.
#[pyfunction]
fn integrated_loudness(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: u32,
) -> PyResult<f64> {
    let (channels, _) = channels_of(audio)?;
    py.detach(|| {
        let audio = rae::AudioBuffer {
            channels,
            sample_rate,
        };
        rae::effects::check_finite(&audio, "integrated_loudness")?;
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
    Ok(())
}

//! Conversions between Python and the engine, in one place with one set of rules.
//!
//! Audio arrays: float32 or float64 numpy arrays (other array-likes such as lists are read as
//! float32), in C or Fortran order; 1-D is mono; 2-D is `(channels, samples)`, and an array that
//! looks like `(samples, channels)` is refused with a hint to pass `audio.T`. Every sample must be
//! finite, except for waveform peaks, which read NaN as 0 as they do when streaming a file. Files come as a path or as bytes. Results the engine serialises become plain dicts and
//! lists through the same JSON document the CLI writes (non-finite numbers are `None`).

use std::path::{Path, PathBuf};

use numpy::ndarray::{Array1, Array2, ArrayViewD};
use numpy::{IntoPyArray, PyArray2, PyArrayDyn, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use rust_audio_engine as rae;
use serde::Serialize;

use crate::errors::{to_py_err, AudioEngineError};

/// A file given as a path or as bytes (MIDI or audio).
pub(crate) enum InputArg {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

pub(crate) fn input_arg(obj: &Bound<'_, PyAny>) -> PyResult<InputArg> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(InputArg::Bytes(b.as_bytes().to_vec()));
    }
    if !obj.is_instance_of::<PyString>() {
        if let Ok(b) = obj.extract::<Vec<u8>>() {
            return Ok(InputArg::Bytes(b));
        }
    }
    obj.extract::<PathBuf>()
        .map(InputArg::Path)
        .map_err(|_| PyTypeError::new_err("expected a path (str or os.PathLike) or bytes"))
}

/// Decodes an audio file given as a path or bytes, with the GIL released.
pub(crate) fn decode_input(
    py: Python<'_>,
    input: InputArg,
    max_seconds: f64,
) -> PyResult<rae::AudioBuffer> {
    py.detach(|| match input {
        InputArg::Path(p) => rae::read_audio(&p, max_seconds),
        InputArg::Bytes(b) => rae::decode_audio(b, Path::new("<bytes>"), max_seconds),
    })
    .map_err(to_py_err)
}

/// Samples of a float array as planar channels.
pub(crate) struct Planar {
    pub(crate) channels: Vec<Vec<f32>>,
    /// The array was 1-D (mono): results go back 1-D.
    pub(crate) one_d: bool,
}

fn check_layout(shape: &[usize]) -> PyResult<()> {
    match shape {
        [_] => Ok(()),
        [channels, samples] if *channels > 64 && *samples <= 64 => {
            Err(PyValueError::new_err(format!(
                "audio shaped {shape:?} looks like (samples, channels); pass (channels, samples): \
                 did you mean audio.T?"
            )))
        }
        [_, _] => Ok(()),
        _ => Err(PyValueError::new_err(format!(
            "audio must be 1-D (mono) or 2-D (channels, samples), not {}-D",
            shape.len()
        ))),
    }
}

fn planes_of<T: Copy>(view: ArrayViewD<'_, T>, to_f32: impl Fn(T) -> f32) -> Vec<Vec<f32>> {
    if view.ndim() == 1 {
        return vec![view.iter().map(|&x| to_f32(x)).collect()];
    }
    view.outer_iter()
        .map(|c| c.iter().map(|&x| to_f32(x)).collect())
        .collect()
}

/// The samples of a float32 or float64 array (other array-likes through `numpy.asarray`).
pub(crate) fn planar(obj: &Bound<'_, PyAny>) -> PyResult<Planar> {
    if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'_, f32>>() {
        check_layout(a.shape())?;
        let channels = match (a.shape(), a.as_slice().ok().filter(|_| a.is_c_contiguous())) {
            // C order is channel after channel in memory: copy whole planes.
            ([_], Some(flat)) => vec![flat.to_vec()],
            (&[c, n], Some(flat)) => {
                let mut planes: Vec<Vec<f32>> = flat
                    .chunks_exact(n.max(1))
                    .take(c)
                    .map(<[f32]>::to_vec)
                    .collect();
                planes.resize(c, Vec::new());
                planes
            }
            _ => planes_of(a.as_array(), |x| x),
        };
        return Ok(Planar {
            channels,
            one_d: a.ndim() == 1,
        });
    }
    if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<'_, f64>>() {
        check_layout(a.shape())?;
        return Ok(Planar {
            channels: planes_of(a.as_array(), |x| x as f32),
            one_d: a.ndim() == 1,
        });
    }
    let np = obj.py().import("numpy")?;
    if obj.is_instance(&np.getattr("ndarray")?)? {
        let dtype = obj.getattr("dtype")?.str()?.to_string();
        return Err(PyTypeError::new_err(format!(
            "audio must be a float32 or float64 array, not {dtype} (scale integer samples to \
             -1..1 first, e.g. x.astype(np.float32) / 32768)"
        )));
    }
    let converted = np
        .call_method1("asarray", (obj, np.getattr("float32")?))
        .map_err(|_| PyTypeError::new_err("audio must be a float32 or float64 numpy array"))?;
    let a: PyReadonlyArrayDyn<'_, f32> = converted.extract()?;
    check_layout(a.shape())?;
    Ok(Planar {
        channels: planes_of(a.as_array(), |x| x),
        one_d: a.ndim() == 1,
    })
}

/// An engine buffer of an audio array at `sample_rate`, its invariants checked.
pub(crate) fn buffer_of(planar: Planar, sample_rate: u32) -> PyResult<rae::AudioBuffer> {
    rae::AudioBuffer::checked(planar.channels, sample_rate, "audio").map_err(to_py_err)
}

/// Audio given as an array (with `sample_rate`), a path or bytes, as an engine buffer.
pub(crate) fn audio_arg(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
) -> PyResult<rae::AudioBuffer> {
    if is_array_like(audio) {
        let sr = sample_rate.ok_or_else(|| {
            PyValueError::new_err("sample_rate is required when audio is an array")
        })?;
        return buffer_of(planar(audio)?, sr);
    }
    let input = input_arg(audio).map_err(|_| {
        PyTypeError::new_err(
            "audio must be a float32 or float64 numpy array, a path (str or os.PathLike) or bytes",
        )
    })?;
    decode_input(py, input, rae::io::DEFAULT_MAX_INPUT_S)
}

/// An array or a list of samples, as opposed to a path or bytes.
pub(crate) fn is_array_like(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyArrayDyn<f32>>()
        || obj.is_instance_of::<PyArrayDyn<f64>>()
        || obj.hasattr("__array__").unwrap_or(false)
        || obj.is_instance_of::<pyo3::types::PyList>()
}

/// A float32 array shaped `(channels, samples)`.
pub(crate) fn to_numpy<'py>(
    py: Python<'py>,
    audio: rae::AudioBuffer,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let channels = audio.channel_count();
    let frames = audio.frames();
    let flat: Vec<f32> = py.detach(|| audio.into_channels().concat());
    let arr = Array2::from_shape_vec((channels, frames), flat)
        .map_err(|e| AudioEngineError::new_err(format!("array shape: {e}")))?;
    Ok(arr.into_pyarray(py))
}

/// Channels back as the caller gave them: 1-D for mono input, else `(channels, samples)`.
pub(crate) fn to_numpy_like<'py>(
    py: Python<'py>,
    audio: rae::AudioBuffer,
    one_d: bool,
) -> PyResult<Bound<'py, PyAny>> {
    if one_d {
        let mono = audio.into_channels().into_iter().next().unwrap_or_default();
        return Ok(Array1::from_vec(mono).into_pyarray(py).into_any());
    }
    Ok(to_numpy(py, audio)?.into_any())
}

/// A serialisable engine result as plain Python dicts and lists: the JSON document the CLI
/// writes, loaded.
pub(crate) fn to_py<'py>(
    py: Python<'py>,
    value: &(impl Serialize + Sync),
) -> PyResult<Bound<'py, PyAny>> {
    let text = py
        .detach(|| serde_json::to_string(value))
        .map_err(|e| AudioEngineError::new_err(format!("result to JSON: {e}")))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// Decodes an audio file (WAV, FLAC, MP3, Ogg Vorbis; a path or bytes) to a float32 array shaped
/// (channels, samples) and its sample rate.
#[pyfunction]
#[pyo3(signature = (audio, *, max_seconds=rae::io::DEFAULT_MAX_INPUT_S))]
pub(crate) fn load_audio<'py>(
    py: Python<'py>,
    audio: &Bound<'py, PyAny>,
    max_seconds: f64,
) -> PyResult<(Bound<'py, PyArray2<f32>>, u32)> {
    let buffer = decode_input(py, input_arg(audio)?, max_seconds)?;
    let sr = buffer.sample_rate();
    Ok((to_numpy(py, buffer)?, sr))
}

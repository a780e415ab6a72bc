//! Python bindings for waveforms: peaks for web players, waveform pictures and spectrograms,
//! through the engine's waveform operation.

use std::path::Path;

use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rae::waveform::{AmplitudeScale, Bits, Format, PeaksFile, WaveformOptions, Zoom};
use rust_audio_engine as rae;

use crate::analysis::PitchTrack;
use crate::convert::{audio_arg, buffer_of, input_arg, is_array_like, planar, InputArg};
use crate::errors::to_py_err;

/// Waveform peaks (min/max per pixel) for web players.
#[pyclass(frozen, module = "rust_audio_engine")]
struct Peaks {
    inner: rae::waveform::Peaks,
    duration: f64,
}

impl Peaks {
    /// Every `offset`-th value (0 = min, 1 = max) laid out as (channels, length).
    fn column<'py>(&self, py: Python<'py>, offset: usize) -> Bound<'py, PyArray2<i16>> {
        let p = &self.inner;
        let (ch, len) = (p.channels, p.length());
        let mut out = Array2::<i16>::zeros((ch, len));
        for (i, pair) in p.data.chunks_exact(2).enumerate() {
            out[(i % ch.max(1), i / ch.max(1))] = pair[offset];
        }
        out.into_pyarray(py)
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
    fn min<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<i16>> {
        self.column(py, 0)
    }
    /// Maximum per pixel, int16 array shaped (channels, length).
    #[getter]
    fn max<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<i16>> {
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
    /// audiowaveform text: one line of `min,max` pairs (one per channel) per pixel.
    fn to_txt(&self) -> String {
        self.inner.to_txt()
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

/// Peaks of a C-ordered float32 array read in place (the usual case, and the fastest); `None`
/// for any other array, which takes the converter's copy. Samples are not checked for NaN: peaks
/// read a NaN as 0, exactly as they do when streaming a file, and a separate pass would cost
/// about a fifth of the computation.
fn peaks_in_place(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: u32,
    zoom: Zoom,
    bits: Bits,
    split_channels: bool,
) -> PyResult<Option<Peaks>> {
    let Ok(arr) = audio.extract::<PyReadonlyArrayDyn<'_, f32>>() else {
        return Ok(None);
    };
    let Some(flat) = arr.as_slice().ok().filter(|_| arr.is_c_contiguous()) else {
        return Ok(None);
    };
    let planes: Vec<&[f32]> = match arr.shape() {
        [_] => vec![flat],
        // The converter words the errors for every other shape.
        &[c, n] if !(c > 64 && n <= 64) => flat.chunks_exact(n.max(1)).take(c).collect(),
        _ => return Ok(None),
    };
    let name = Path::new("<audio>");
    let peaks = py
        .detach(|| {
            rae::waveform::peaks_of_planar(&planes, sample_rate, zoom, bits, split_channels, name)
        })
        .map_err(to_py_err)?;
    let frames = planes.first().map_or(0, |p| p.len());
    Ok(Some(Peaks {
        inner: peaks,
        duration: frames as f64 / f64::from(sample_rate.max(1)),
    }))
}

/// `auto` or a number.
fn amplitude_arg(obj: &Bound<'_, PyAny>) -> PyResult<AmplitudeScale> {
    if let Ok(f) = obj.extract::<f64>() {
        return AmplitudeScale::parse(&f.to_string()).map_err(to_py_err);
    }
    let text: String = obj
        .extract()
        .map_err(|_| PyTypeError::new_err("amplitude_scale must be a number or \"auto\""))?;
    AmplitudeScale::parse(&text).map_err(to_py_err)
}

/// Peaks with the amplitude scale and resolution asked for.
fn adjusted(peaks: Peaks, scale: AmplitudeScale, bits: Option<Bits>) -> PyResult<Peaks> {
    let bits = bits.unwrap_or(peaks.inner.bits);
    let inner = peaks
        .inner
        .adjusted(scale, bits)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(Peaks {
        inner,
        duration: peaks.duration,
    })
}

/// Waveform peaks of audio (a float32/float64 array with `sample_rate`, or a file path or
/// bytes), or of an audiowaveform `.dat`/`.json` file read back. Zoom by `samples_per_pixel`
/// (default 256), `pixels_per_second` or `width`.
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, samples_per_pixel=None, pixels_per_second=None,
    width=None, bits=None, split_channels=false, amplitude_scale=None))]
#[allow(clippy::too_many_arguments)]
fn waveform_peaks(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
    samples_per_pixel: Option<u32>,
    pixels_per_second: Option<u32>,
    width: Option<u32>,
    bits: Option<u32>,
    split_channels: bool,
    amplitude_scale: Option<&Bound<'_, PyAny>>,
) -> PyResult<Peaks> {
    let bits = bits
        .map(Bits::from_u32)
        .transpose()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let scale = amplitude_scale
        .map(amplitude_arg)
        .transpose()?
        .unwrap_or_default();
    let zoom =
        Zoom::from_options(samples_per_pixel, pixels_per_second, width).map_err(to_py_err)?;
    if !is_array_like(audio) {
        if let Ok(InputArg::Path(p)) = input_arg(audio) {
            if PeaksFile::of_input(&p).is_some() {
                if zoom.is_some() || split_channels {
                    return Err(PyValueError::new_err(
                        "zoom and split_channels need audio; peaks files are read as they are",
                    ));
                }
                let inner = py
                    .detach(|| rae::waveform::read_peaks(&p, "peaks"))
                    .map_err(to_py_err)?;
                let duration = inner.duration_s();
                return adjusted(Peaks { inner, duration }, scale, bits);
            }
        }
    }
    let peaks = audio_peaks(
        py,
        audio,
        sample_rate,
        zoom.unwrap_or_default(),
        split_channels,
    )?;
    adjusted(peaks, scale, Some(bits.unwrap_or(Bits::Sixteen)))
}

/// 16-bit peaks of audio: an array, a file or bytes.
fn audio_peaks(
    py: Python<'_>,
    audio: &Bound<'_, PyAny>,
    sample_rate: Option<u32>,
    zoom: Zoom,
    split_channels: bool,
) -> PyResult<Peaks> {
    let bits = Bits::Sixteen;
    if is_array_like(audio) {
        let sr = sample_rate.ok_or_else(|| {
            PyValueError::new_err("sample_rate is required when audio is an array")
        })?;
        if let Some(p) = peaks_in_place(py, audio, sr, zoom, bits, split_channels)? {
            return Ok(p);
        }
        let buffer = buffer_of(planar(audio)?, sr)?;
        let name = Path::new("<audio>");
        let peaks = py
            .detach(|| rae::waveform::peaks_of(&buffer, zoom, bits, split_channels, name))
            .map_err(to_py_err)?;
        return Ok(Peaks {
            inner: peaks,
            duration: buffer.duration_s(),
        });
    }
    // Files and bytes are decoded in a stream straight into the peaks: constant memory.
    let input = input_arg(audio).map_err(|_| {
        PyTypeError::new_err(
            "audio must be a float32 or float64 numpy array, a path (str or os.PathLike) or bytes",
        )
    })?;
    let max_s = rae::io::DEFAULT_MAX_INPUT_S;
    let (inner, duration) = py
        .detach(|| match input {
            InputArg::Path(p) => {
                rae::waveform::peaks_of_file(&p, zoom, bits, split_channels, max_s, &mut |_| {})
            }
            InputArg::Bytes(b) => rae::waveform::peaks_of_encoded(
                b.into(),
                Path::new("<bytes>"),
                zoom,
                bits,
                split_channels,
                max_s,
                &mut |_| {},
            ),
        })
        .map_err(to_py_err)?;
    Ok(Peaks { inner, duration })
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
    pitch: Option<Bound<'py, PitchTrack>>,
    pitch_color: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    use rae::waveform::png::parse_color;
    let mut opts = WaveformOptions::new(Format::Png);
    opts.split_channels = split_channels;
    opts.image.width = width;
    opts.image.height = height;
    opts.image.waveform_color = parse_color(waveform_color).map_err(to_py_err)?;
    opts.image.background = parse_color(background_color).map_err(to_py_err)?;
    opts.image.with_axis_labels = axis_labels;
    opts.image.amplitude_scale = amplitude_scale;
    let color = parse_color(pitch_color).map_err(to_py_err)?;
    opts.image.pitch_contour = pitch.and_then(|t| rae::ops::contour_of(&t.get().inner, color));
    let buffer = audio_arg(py, audio, sample_rate)?;
    let png = py
        .detach(|| rae::waveform::encode_buffer(&buffer, &opts, Path::new("<audio>")))
        .map_err(to_py_err)?;
    Ok(PyBytes::new(py, &png.bytes))
}

/// A PNG spectrogram (magma colours, low frequencies at the bottom), as bytes.
#[pyfunction]
#[pyo3(signature = (audio, sample_rate=None, *, width=800, height=250, log_frequency=false,
    fft_size=2048, min_db=-100.0, max_db=0.0, use_gpu=false))]
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
    use_gpu: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut opts = WaveformOptions::new(Format::Spectrogram);
    opts.spectrogram.use_gpu = use_gpu;
    opts.spectrogram.width = width;
    opts.spectrogram.height = height;
    opts.spectrogram.log_frequency = log_frequency;
    opts.spectrogram.fft_size = fft_size;
    opts.spectrogram.min_db = min_db;
    opts.spectrogram.max_db = max_db;
    let buffer = audio_arg(py, audio, sample_rate)?;
    let png = py
        .detach(|| rae::waveform::encode_buffer(&buffer, &opts, Path::new("<audio>")))
        .map_err(to_py_err)?;
    Ok(PyBytes::new(py, &png.bytes))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Peaks>()?;
    m.add_function(wrap_pyfunction!(waveform_peaks, m)?)?;
    m.add_function(wrap_pyfunction!(render_waveform_png, m)?)?;
    m.add_function(wrap_pyfunction!(render_spectrogram_png, m)?)?;
    Ok(())
}

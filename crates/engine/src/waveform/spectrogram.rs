//! Spectrogram images: short-time Fourier magnitudes of an [`AudioBuffer`] as a PNG, time left to
//! right, frequency bottom (low) to top (high), level in a built-in approximation of
//! matplotlib's perceptually uniform "magma" colour map.
//!
//! ```
//! use rust_audio_engine::waveform::spectrogram::{render_spectrogram_png, SpectrogramOptions};
//! use rust_audio_engine::AudioBuffer;
//! let audio = AudioBuffer::silence(2, 44_100, 44_100);
//! let opts = SpectrogramOptions { log_frequency: true, ..Default::default() };
//! let png: Vec<u8> = render_spectrogram_png(&audio, &opts)?;
//! assert_eq!(&png[1..4], b"PNG");
//! # Ok::<(), rust_audio_engine::Error>(())
//! ```

use super::png::{check_dimensions, encode_rgba, Canvas};
use crate::audio::AudioBuffer;
use crate::compute::{self, Backend};
use crate::{Error, Result};

/// Smallest accepted FFT size.
pub const MIN_FFT_SIZE: usize = 16;
/// Largest accepted FFT size.
pub const MAX_FFT_SIZE: usize = 1 << 16;

/// How to draw a spectrogram.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrogramOptions {
    /// Image width in pixels: one FFT frame per column (default 800, as the waveform image).
    pub width: u32,
    /// Image height in pixels: one frequency per row (default 250).
    pub height: u32,
    /// FFT length in samples, Hann-windowed (default 2048; 16 to 65536).
    pub fft_size: usize,
    /// Rows spaced logarithmically from `min_frequency_hz` to Nyquist instead of linearly from
    /// 0 Hz (default false).
    pub log_frequency: bool,
    /// Level drawn in the darkest colour, and everything below it (default -100 dBFS).
    pub min_db: f32,
    /// Level drawn in the brightest colour, and everything above it (default 0 dBFS).
    pub max_db: f32,
    /// Lowest frequency of the log scale (default 20 Hz; ignored for the linear scale).
    pub min_frequency_hz: f32,
    /// Compute the spectra on the GPU when one is available (see `compute::select`; default
    /// false).
    pub use_gpu: bool,
}

impl Default for SpectrogramOptions {
    fn default() -> Self {
        Self {
            width: 800,
            height: 250,
            fft_size: 2048,
            log_frequency: false,
            min_db: -100.0,
            max_db: 0.0,
            min_frequency_hz: 20.0,
            use_gpu: false,
        }
    }
}

/// The frequency shown at the centre of image row `row` (0 = top) for audio at `sample_rate`.
///
/// Row centres are spread evenly over the scale: with `h` rows, the row `r` rows from the bottom
/// sits at fraction `(r + 0.5) / h` of the way from 0 Hz (linear) or `min_frequency_hz` (log) to
/// Nyquist.
pub fn frequency_of_row(row: u32, sample_rate: u32, opts: &SpectrogramOptions) -> f64 {
    let h = f64::from(opts.height.max(1));
    let from_bottom = f64::from(opts.height.saturating_sub(1).saturating_sub(row));
    scale_frequency((from_bottom + 0.5) / h, sample_rate, opts)
}

/// The frequency at fraction `frac` (0 = bottom, 1 = top) of the image height.
fn scale_frequency(frac: f64, sample_rate: u32, opts: &SpectrogramOptions) -> f64 {
    let nyquist = f64::from(sample_rate) / 2.0;
    if opts.log_frequency {
        let lo = f64::from(opts.min_frequency_hz);
        lo * (nyquist / lo).powf(frac)
    } else {
        frac * nyquist
    }
}

/// The row (0 = top) whose centre frequency is nearest `freq_hz` on the scale, the inverse of
/// [`frequency_of_row`]; `None` if `freq_hz` is off the scale.
pub fn row_of_frequency(freq_hz: f64, sample_rate: u32, opts: &SpectrogramOptions) -> Option<u32> {
    let nyquist = f64::from(sample_rate) / 2.0;
    let frac = if opts.log_frequency {
        let lo = f64::from(opts.min_frequency_hz);
        if freq_hz <= 0.0 || lo <= 0.0 {
            return None;
        }
        (freq_hz / lo).ln() / (nyquist / lo).ln()
    } else {
        freq_hz / nyquist
    };
    if !(0.0..=1.0).contains(&frac) {
        return None;
    }
    let h = f64::from(opts.height);
    let from_bottom = (frac * h - 0.5).round().clamp(0.0, h - 1.0);
    Some((h - 1.0 - from_bottom) as u32)
}

/// Draws the spectrogram of `audio` (channels mixed to mono) as an RGBA PNG.
///
/// Column `x` is the Hann-windowed FFT of `fft_size` samples centred on frame
/// `(x + 0.5) * frames / width` (zero-padded at the ends), so the columns are evenly spaced with
/// a hop of `frames / width`. Magnitudes are scaled so that a full-scale sine reads 0 dBFS; each
/// row's level is interpolated linearly between the two FFT bins around its frequency
/// ([`frequency_of_row`]) and coloured from `min_db` (dark) to `max_db` (bright).
pub fn render_spectrogram_png(audio: &AudioBuffer, opts: &SpectrogramOptions) -> Result<Vec<u8>> {
    render_spectrogram(audio, opts).map(|r| r.0)
}

/// [`render_spectrogram_png`] and where its spectra ran (a backend name, as in reports).
pub fn render_spectrogram(
    audio: &AudioBuffer,
    opts: &SpectrogramOptions,
) -> Result<(Vec<u8>, String)> {
    let selected = compute::select(opts.use_gpu);
    let png = render_spectrogram_png_on(audio, opts, selected.backend.as_ref())?;
    Ok((png, selected.report()))
}

/// [`render_spectrogram_png`] with the spectra computed on `backend`.
pub fn render_spectrogram_png_on(
    audio: &AudioBuffer,
    opts: &SpectrogramOptions,
    backend: &dyn Backend,
) -> Result<Vec<u8>> {
    check_options(audio.sample_rate(), opts)?;
    let n = opts.fft_size;
    let sr = audio.sample_rate();

    // Mono mix.
    let frames = audio.frames();
    let chans = audio.channel_count().max(1) as f32;
    let mono: Vec<f32> = (0..frames)
        .map(|i| {
            audio
                .channels()
                .iter()
                .map(|c| c.get(i).copied().unwrap_or(0.0))
                .sum::<f32>()
                / chans
        })
        .collect();

    // Hann window and the gain that makes a full-scale sine 0 dB.
    let window: Vec<f32> = (0..n)
        .map(|i| {
            let phase = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            (0.5 - 0.5 * phase.cos()) as f32
        })
        .collect();
    let norm = 2.0
        / window
            .iter()
            .map(|&w| f64::from(w))
            .sum::<f64>()
            .max(f64::MIN_POSITIVE);

    // Each row: the bin below its centre frequency, the weight of the bin above, and the bins
    // inside the row's frequency span (empty when the span is narrower than a bin).
    let bins = n / 2 + 1;
    let last_bin = (bins - 1) as f64;
    let hz_to_bin = |f: f64| (f * n as f64 / f64::from(sr)).clamp(0.0, last_bin);
    let h = f64::from(opts.height);
    let rows: Vec<RowBins> = (0..opts.height)
        .map(|r| {
            let from_bottom = h - 1.0 - f64::from(r);
            let pos = hz_to_bin(frequency_of_row(r, sr, opts));
            let below = pos.floor() as usize;
            let low_edge = hz_to_bin(scale_frequency(from_bottom / h, sr, opts));
            let high_edge = hz_to_bin(scale_frequency((from_bottom + 1.0) / h, sr, opts));
            RowBins {
                below,
                weight: pos - below as f64,
                span: low_edge.ceil() as usize..high_edge.floor() as usize + 1,
            }
        })
        .collect();

    let mut mags = vec![0.0f64; bins];
    let mut img = Canvas::new(opts.width, opts.height, colour(0.0));
    let (min_db, range_db) = (f64::from(opts.min_db), f64::from(opts.max_db - opts.min_db));

    // Columns go to the backend in batches: few round trips, bounded memory.
    let batch = (BATCH_SAMPLES / n).clamp(1, opts.width as usize);
    let mut input = Vec::with_capacity(batch * n);
    let mut spectra = Vec::with_capacity(batch * bins);
    for first in (0..opts.width).step_by(batch) {
        let last = (first + batch as u32).min(opts.width);
        input.clear();
        for x in first..last {
            let centre = ((f64::from(x) + 0.5) * frames as f64 / f64::from(opts.width)) as i64;
            let start = centre - (n / 2) as i64;
            input.extend(window.iter().enumerate().map(|(k, w)| {
                let s = usize::try_from(start + k as i64)
                    .ok()
                    .and_then(|i| mono.get(i))
                    .copied()
                    .unwrap_or(0.0);
                s * w
            }));
        }
        spectra.clear();
        spectra.resize((last - first) as usize * bins, 0.0);
        backend.spectrum_magnitudes(&input, n, &mut spectra)?;
        for (x, column) in (first..last).zip(spectra.chunks_exact(bins)) {
            draw_column(
                &mut img, x, column, &mut mags, norm, &rows, min_db, range_db,
            );
        }
    }
    encode_rgba(opts.width, opts.height, &img.pixels)
}

/// Samples per backend batch: 4 MiB of input.
const BATCH_SAMPLES: usize = 1 << 20;

/// Colours image column `x` from one frame's spectrum magnitudes.
#[allow(clippy::too_many_arguments)]
fn draw_column(
    img: &mut Canvas,
    x: u32,
    spectrum: &[f32],
    mags: &mut [f64],
    norm: f64,
    rows: &[RowBins],
    min_db: f64,
    range_db: f64,
) {
    for (m, &c) in mags.iter_mut().zip(spectrum) {
        *m = f64::from(c) * norm;
    }
    for (y, row) in rows.iter().enumerate() {
        let lo = mags.get(row.below).copied().unwrap_or(0.0);
        let hi = mags.get(row.below + 1).copied().unwrap_or(lo);
        let mut mag = lo + (hi - lo) * row.weight;
        // A row wider than a bin shows the loudest bin in it, so no tone is skipped.
        for i in row.span.clone() {
            mag = mag.max(mags.get(i).copied().unwrap_or(0.0));
        }
        let db = 20.0 * mag.max(1e-30).log10();
        img.set(x, y as u32, colour(((db - min_db) / range_db) as f32));
    }
}

/// Where an image row reads the spectrum.
struct RowBins {
    below: usize,
    weight: f64,
    span: std::ops::Range<usize>,
}

fn check_options(sample_rate: u32, opts: &SpectrogramOptions) -> Result<()> {
    check_dimensions(opts.width, opts.height)?;
    let bad = |m: String| Err(Error::InvalidArgument(m));
    if sample_rate == 0 {
        return bad("spectrogram: sample rate must be at least 1 Hz".into());
    }
    if !(MIN_FFT_SIZE..=MAX_FFT_SIZE).contains(&opts.fft_size) {
        return bad(format!(
            "spectrogram: FFT size {} must be {MIN_FFT_SIZE} to {MAX_FFT_SIZE}",
            opts.fft_size
        ));
    }
    if !(opts.min_db.is_finite() && opts.max_db.is_finite() && opts.min_db < opts.max_db) {
        return bad(format!(
            "spectrogram: dB range {}..{} must be finite and increasing",
            opts.min_db, opts.max_db
        ));
    }
    let nyquist = sample_rate as f32 / 2.0;
    if opts.log_frequency
        && !(opts.min_frequency_hz.is_finite()
            && opts.min_frequency_hz > 0.0
            && opts.min_frequency_hz < nyquist)
    {
        return bad(format!(
            "spectrogram: minimum frequency {} Hz must be above 0 and below Nyquist ({nyquist} Hz)",
            opts.min_frequency_hz
        ));
    }
    Ok(())
}

/// Nine stops of matplotlib's "magma" (at 0, 1/8, ..., 1), black-purple to pale yellow; its
/// lightness increases monotonically.
const MAGMA: [[u8; 3]; 9] = [
    [0x00, 0x00, 0x04],
    [0x1c, 0x10, 0x44],
    [0x4f, 0x12, 0x7b],
    [0x81, 0x25, 0x81],
    [0xb5, 0x36, 0x7a],
    [0xe5, 0x50, 0x64],
    [0xfb, 0x87, 0x61],
    [0xfe, 0xc2, 0x87],
    [0xfc, 0xfd, 0xbf],
];

/// Opaque colour for level `t` in 0..=1 (clamped; NaN is 0).
fn colour(t: f32) -> [u8; 4] {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (MAGMA.len() - 1) as f32;
    let i = (pos.floor() as usize).min(MAGMA.len() - 2);
    let f = pos - i as f32;
    let (a, b) = (MAGMA[i], MAGMA[i + 1]);
    let mix = |k: usize| (f32::from(a[k]) + (f32::from(b[k]) - f32::from(a[k])) * f).round() as u8;
    [mix(0), mix(1), mix(2), 0xFF]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::waveform::png::decode_rgba;

    fn sine(freq: f64, amp: f32, secs: f64, sr: u32, channels: usize) -> AudioBuffer {
        let n = (secs * f64::from(sr)) as usize;
        let wave: Vec<f32> = (0..n)
            .map(|i| {
                amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(sr)).sin() as f32
            })
            .collect();
        AudioBuffer::new(vec![wave; channels], sr).unwrap()
    }

    fn luma(p: &[u8]) -> f64 {
        0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2])
    }

    fn brightest_row(rgba: &[u8], w: u32, h: u32, x: u32) -> u32 {
        let mut best = (0, f64::MIN);
        for y in 0..h {
            let i = ((y * w + x) * 4) as usize;
            let l = luma(&rgba[i..i + 4]);
            if l > best.1 {
                best = (y, l);
            }
        }
        best.0
    }

    #[test]
    fn colour_map_is_monotonic_in_lightness() {
        let mut last = -1.0;
        for k in 0..=100 {
            let l = luma(&colour(k as f32 / 100.0));
            assert!(l > last, "{k}: {l} after {last}");
            last = l;
        }
        assert_eq!(colour(f32::NAN), colour(0.0));
        assert_eq!(colour(7.0), [0xfc, 0xfd, 0xbf, 0xff]);
    }

    #[test]
    fn row_frequency_mapping_round_trips() {
        for log_frequency in [false, true] {
            let o = SpectrogramOptions {
                log_frequency,
                ..Default::default()
            };
            for r in 0..o.height {
                let f = frequency_of_row(r, 48_000, &o);
                assert_eq!(row_of_frequency(f, 48_000, &o), Some(r));
            }
            assert!(frequency_of_row(0, 48_000, &o) > frequency_of_row(249, 48_000, &o));
            assert_eq!(row_of_frequency(30_000.0, 48_000, &o), None);
        }
    }

    #[test]
    fn sine_is_brightest_at_its_row() {
        for (sr, log_frequency, fft_size) in [
            (44_100, false, 2048),
            (44_100, true, 2048),
            (48_000, true, 4096),
            (22_050, false, 1024),
        ] {
            let audio = sine(1000.0, 0.5, 2.0, sr, 2);
            let o = SpectrogramOptions {
                width: 120,
                height: 250,
                fft_size,
                log_frequency,
                ..Default::default()
            };
            let (w, h, rgba) = decode_rgba(&render_spectrogram_png(&audio, &o).unwrap());
            assert_eq!((w, h), (120, 250));
            let expected = row_of_frequency(1000.0, sr, &o).unwrap();
            for x in [10, 60, 110] {
                let got = brightest_row(&rgba, w, h, x);
                assert!(
                    got.abs_diff(expected) <= 2,
                    "sr {sr} log {log_frequency} col {x}: row {got}, expected {expected}"
                );
                // A 0.5 sine reads about -6 dB: near the top of the -100..0 range.
                let i = ((got * w + x) * 4) as usize;
                let l = luma(&rgba[i..i + 4]);
                assert!(l > luma(&colour(0.9)) && l < luma(&colour(0.97)), "{l}");
                // Far from 1 kHz (the top row, near Nyquist) the level is at the floor.
                let top = (x * 4) as usize;
                assert!(luma(&rgba[top..top + 4]) < luma(&colour(0.05)));
            }
        }
    }

    #[test]
    fn silence_and_empty_audio_are_darkest() {
        let o = SpectrogramOptions {
            width: 40,
            height: 30,
            ..Default::default()
        };
        for audio in [
            AudioBuffer::silence(1, 10_000, 44_100),
            AudioBuffer::silence(2, 0, 44_100),
        ] {
            let (w, h, rgba) = decode_rgba(&render_spectrogram_png(&audio, &o).unwrap());
            assert_eq!((w, h), (40, 30));
            assert!(rgba.chunks(4).all(|p| p == colour(0.0)));
        }
    }

    #[test]
    fn bad_options_are_errors() {
        let audio = sine(1000.0, 0.5, 0.1, 44_100, 1);
        let cases = [
            SpectrogramOptions {
                width: 0,
                ..Default::default()
            },
            SpectrogramOptions {
                height: 0,
                ..Default::default()
            },
            SpectrogramOptions {
                fft_size: 8,
                ..Default::default()
            },
            SpectrogramOptions {
                fft_size: 1 << 20,
                ..Default::default()
            },
            SpectrogramOptions {
                min_db: 0.0,
                max_db: -10.0,
                ..Default::default()
            },
            SpectrogramOptions {
                min_db: f32::NAN,
                ..Default::default()
            },
            SpectrogramOptions {
                log_frequency: true,
                min_frequency_hz: 0.0,
                ..Default::default()
            },
            SpectrogramOptions {
                log_frequency: true,
                min_frequency_hz: 30_000.0,
                ..Default::default()
            },
        ];
        for o in &cases {
            let e = render_spectrogram_png(&audio, o).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument(_)), "{o:?}: {e}");
        }
    }
}

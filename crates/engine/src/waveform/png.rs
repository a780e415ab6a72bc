//! Waveform images: [`Peaks`] drawn as a PNG the way audiowaveform's `GdImageRenderer` draws them
//! (one vertical min-to-max line per pixel column), with audiowaveform's default size and
//! colours.
//!
//! ```
//! use rust_audio_engine::waveform::png::{render_waveform_png, WaveformImageOptions};
//! use rust_audio_engine::waveform::{Bits, Peaks};
//! let peaks = Peaks {
//!     sample_rate: 44_100,
//!     samples_per_pixel: 256,
//!     channels: 1,
//!     bits: Bits::Sixteen,
//!     data: vec![-16_000, 16_000, -8_000, 8_000],
//! };
//! let png: Vec<u8> = render_waveform_png(&peaks, &WaveformImageOptions::default())?;
//! assert_eq!(&png[1..4], b"PNG");
//! # Ok::<(), rust_audio_engine::Error>(())
//! ```

use super::Peaks;
use crate::{Error, Result};

/// Largest accepted image width or height, in pixels.
pub const MAX_IMAGE_DIMENSION: u32 = 32_768;

/// Largest accepted image area (width × height), in pixels (256 MiB of RGBA).
pub const MAX_IMAGE_PIXELS: u64 = 1 << 26;

/// How to draw a waveform image.
///
/// The defaults are audiowaveform's: an 800×250 image in its default "audacity" colour scheme
/// (`src/WaveformColors.cpp`: border `000000`, background `D6D6D6`, waveform `3F4D9B`, axis
/// labels `000000`). One difference: audiowaveform draws axis labels unless given
/// `--no-axis-labels`; here they are off by default.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveformImageOptions {
    /// Image width in pixels (audiowaveform `--width`, default 800).
    pub width: u32,
    /// Image height in pixels (audiowaveform `--height`, default 250).
    pub height: u32,
    /// RGBA background (`--background-color`, default `D6D6D6FF`).
    pub background: [u8; 4],
    /// RGBA waveform (`--waveform-color`, default `3F4D9BFF`).
    pub waveform_color: [u8; 4],
    /// RGBA time labels (`--axis-label-color`, default `000000FF`).
    pub axis_label_color: [u8; 4],
    /// RGBA border and tick marks (`--border-color`, default `000000FF`).
    pub border_color: [u8; 4],
    /// Draws a 1-pixel border, tick marks every 1, 2, 5, 10, 20 or 30 seconds (then minutes,
    /// then hours: the smallest step at least 60 pixels apart) at the top and bottom, and `m:ss`
    /// labels above the bottom ticks, as audiowaveform does.
    pub with_axis_labels: bool,
    /// Multiplies every value before drawing (`--amplitude-scale`, default 1.0); values beyond
    /// full scale are clipped to the band.
    pub amplitude_scale: f32,
    /// A pitch contour drawn over the waveform (from an analysis), or none.
    pub pitch_contour: Option<PitchContour>,
}

/// A pitch contour to draw over a waveform picture: voiced frames joined by a 2-pixel line on a
/// log-frequency scale, `fmin_hz` at the bottom of the picture and `fmax_hz` at the top.
#[derive(Debug, Clone, PartialEq)]
pub struct PitchContour {
    /// Frame times in seconds.
    pub times_s: Vec<f64>,
    /// f0 per frame in Hz; NaN, zero or negative where unvoiced (nothing is drawn there).
    pub f0_hz: Vec<f32>,
    pub fmin_hz: f32,
    pub fmax_hz: f32,
    /// RGBA line colour.
    pub color: [u8; 4],
}

impl PitchContour {
    /// The default line colour: an orange that stands out on audiowaveform's blue and grey.
    pub const DEFAULT_COLOR: [u8; 4] = [0xE8, 0x59, 0x0C, 0xFF];

    /// A contour through `f0_hz` (NaN where unvoiced) at `times_s`, its scale fitted to the
    /// voiced range with half an octave to spare on each side (so a steady note sits
    /// mid-height). `None` when no frame is voiced.
    pub fn fit(times_s: Vec<f64>, f0_hz: Vec<f32>, color: [u8; 4]) -> Option<Self> {
        let voiced = f0_hz.iter().copied().filter(|f| f.is_finite() && *f > 0.0);
        let (lo, hi) = voiced.fold((f32::INFINITY, 0.0f32), |(lo, hi), f| {
            (lo.min(f), hi.max(f))
        });
        if hi <= 0.0 {
            return None;
        }
        Some(PitchContour {
            times_s,
            f0_hz,
            fmin_hz: lo / std::f32::consts::SQRT_2,
            fmax_hz: hi * std::f32::consts::SQRT_2,
            color,
        })
    }
}

impl Default for WaveformImageOptions {
    fn default() -> Self {
        Self {
            width: 800,
            height: 250,
            background: [0xD6, 0xD6, 0xD6, 0xFF],
            waveform_color: [0x3F, 0x4D, 0x9B, 0xFF],
            axis_label_color: [0x00, 0x00, 0x00, 0xFF],
            border_color: [0x00, 0x00, 0x00, 0xFF],
            with_axis_labels: false,
            amplitude_scale: 1.0,
            pitch_contour: None,
        }
    }
}

/// Parses a colour in audiowaveform's format: `rrggbb` or `rrggbbaa` hex digits (a leading `#`
/// is tolerated). Without an alpha byte the colour is opaque.
pub fn parse_color(s: &str) -> Result<[u8; 4]> {
    let hex = s.strip_prefix('#').unwrap_or(s);
    if !(hex.len() == 6 || hex.len() == 8) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::InvalidArgument(format!(
            "invalid colour \"{s}\": expected rrggbb or rrggbbaa hex digits"
        )));
    }
    let mut rgba = [0xFF; 4];
    for (i, out) in rgba.iter_mut().enumerate().take(hex.len() / 2) {
        *out = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|e| Error::InvalidArgument(format!("invalid colour \"{s}\": {e}")))?;
    }
    Ok(rgba)
}

/// Draws `peaks` as an RGBA PNG.
///
/// Pixel column `x` shows peak pixels `x * length / width .. (x + 1) * length / width` (at least
/// one): the lowest minimum and highest maximum over them, so the whole of `peaks` fills the
/// width whatever its length. Each channel of split peaks gets an equal horizontal band, first
/// channel on top. A value `v` is drawn at `centre - v / full_scale * band_height / 2`.
pub fn render_waveform_png(peaks: &Peaks, opts: &WaveformImageOptions) -> Result<Vec<u8>> {
    check_dimensions(opts.width, opts.height)?;
    peaks
        .validate()
        .map_err(|e| Error::InvalidArgument(format!("waveform peaks: {e}")))?;
    if !opts.amplitude_scale.is_finite() || opts.amplitude_scale < 0.0 {
        return Err(Error::InvalidArgument(format!(
            "amplitude scale {} must be finite and not negative",
            opts.amplitude_scale
        )));
    }
    let mut img = Canvas::new(opts.width, opts.height, opts.background);

    // With axis labels, the waveform is drawn inside the 1-pixel border.
    let inset = u32::from(opts.with_axis_labels);
    let (x0, x1) = (inset, opts.width.saturating_sub(inset));
    let (y0, y1) = (inset, opts.height.saturating_sub(inset));
    if opts.with_axis_labels {
        img.rect_outline(opts.border_color);
    }

    let len = peaks.length();
    let cols = u64::from(x1.saturating_sub(x0));
    let channels = peaks.channels;
    let full = f64::from(peaks.bits.full_scale());
    let scale = f64::from(opts.amplitude_scale);
    let area_h = f64::from(y1.saturating_sub(y0));
    if len > 0 && cols > 0 && area_h > 0.0 {
        for col in 0..cols {
            let start = (col * len as u64 / cols) as usize;
            let end = (((col + 1) * len as u64 / cols) as usize)
                .max(start + 1)
                .min(len);
            let x = x0 + col as u32;
            for ch in 0..channels {
                let (mut lo, mut hi) = (i16::MAX, i16::MIN);
                for i in start..end {
                    lo = lo.min(peaks.min(ch, i).unwrap_or(0));
                    hi = hi.max(peaks.max(ch, i).unwrap_or(0));
                }
                if lo > hi {
                    continue;
                }
                let band_top = f64::from(y0) + area_h * ch as f64 / channels as f64;
                let band_h = area_h / channels as f64;
                let top_px = band_top.floor() as u32;
                let bottom_px = ((band_top + band_h).floor() as u32).max(top_px + 1);
                let row = |v: i16| -> u32 {
                    let a = (f64::from(v) / full * scale).clamp(-1.0, 1.0);
                    let y = (band_top + (1.0 - a) * band_h / 2.0).floor() as u32;
                    y.clamp(top_px, bottom_px - 1)
                };
                img.vline(x, row(hi), row(lo), opts.waveform_color);
            }
        }
    }

    if let Some(contour) = &opts.pitch_contour {
        draw_pitch_contour(&mut img, contour, peaks.duration_s(), (x0, x1), (y0, y1))?;
    }

    if opts.with_axis_labels && len > 0 {
        draw_time_axis(&mut img, peaks, opts, x0, cols);
    }
    encode_rgba(opts.width, opts.height, &img.pixels)
}

/// Joins consecutive voiced frames of `contour` with a 2-pixel line inside the drawing area.
fn draw_pitch_contour(
    img: &mut Canvas,
    contour: &PitchContour,
    duration_s: f64,
    (x0, x1): (u32, u32),
    (y0, y1): (u32, u32),
) -> Result<()> {
    let (lo, hi) = (f64::from(contour.fmin_hz), f64::from(contour.fmax_hz));
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
        return Err(Error::InvalidArgument(format!(
            "pitch contour: fmin_hz ({lo}) and fmax_hz ({hi}) must be positive with fmin < fmax"
        )));
    }
    if contour.times_s.len() != contour.f0_hz.len() {
        return Err(Error::InvalidArgument(
            "pitch contour: times_s and f0_hz differ in length".into(),
        ));
    }
    if duration_s <= 0.0 || x1 <= x0 || y1 <= y0 {
        return Ok(());
    }
    let w = f64::from(x1 - x0);
    let h = f64::from(y1 - y0 - 1);
    let span = (hi / lo).ln();
    let point = |t: f64, f: f32| -> Option<(f64, f64)> {
        let f = f64::from(f);
        (t.is_finite() && f.is_finite() && f > 0.0).then(|| {
            let x = f64::from(x0) + (t / duration_s * w).clamp(0.0, w - 1.0);
            let a = ((f / lo).ln() / span).clamp(0.0, 1.0);
            (x, f64::from(y0) + (1.0 - a) * h)
        })
    };
    let mut prev: Option<(f64, f64)> = None;
    for (&t, &f) in contour.times_s.iter().zip(&contour.f0_hz) {
        let here = point(t, f);
        if let Some((xa, ya)) = here {
            let (xs, ys) = prev.unwrap_or((xa, ya));
            let steps = (xa - xs).abs().max((ya - ys).abs()).ceil().max(1.0) as usize;
            for k in 0..=steps {
                let u = k as f64 / steps as f64;
                let x = (xs + (xa - xs) * u).round() as u32;
                let y = (ys + (ya - ys) * u).round() as u32;
                img.set(x, y, contour.color);
                img.set(x, y + 1, contour.color);
            }
        }
        prev = here;
    }
    Ok(())
}

/// Tick marks and labels, following audiowaveform's `drawTimeAxisLabels`.
fn draw_time_axis(
    img: &mut Canvas,
    peaks: &Peaks,
    opts: &WaveformImageOptions,
    x0: u32,
    cols: u64,
) {
    const MARKER_HEIGHT: u32 = 10;
    const MIN_SPACING: f64 = 60.0;
    let duration = peaks.duration_s();
    if duration <= 0.0 || cols == 0 {
        return;
    }
    let px_per_sec = cols as f64 / duration;
    let mut base = 1u64;
    let steps = [1u64, 2, 5, 10, 20, 30];
    let mut idx = 0;
    let interval = loop {
        let secs = base * steps[idx];
        if secs as f64 * px_per_sec >= MIN_SPACING || base > 3600 * 24 * 365 {
            break secs;
        }
        idx += 1;
        if idx == steps.len() {
            idx = 0;
            base *= 60;
        }
    };
    let h = opts.height;
    let mut secs = 0u64;
    loop {
        let x = f64::from(x0) + secs as f64 * px_per_sec;
        if x >= f64::from(opts.width) {
            break;
        }
        let x = x as u32;
        img.vline(x, 0, MARKER_HEIGHT.min(h - 1), opts.border_color);
        img.vline(
            x,
            (h - 1).saturating_sub(MARKER_HEIGHT),
            h - 1,
            opts.border_color,
        );
        let label = time_label(secs);
        let label_w = font::text_width(&label) as i64;
        let label_x = i64::from(x) - label_w / 2 + 1;
        let label_y = i64::from(h) - 1 - i64::from(MARKER_HEIGHT) - 1 - font::HEIGHT as i64;
        // audiowaveform skips labels that would start left of the image; this also skips those
        // that would run off its right edge rather than cutting them.
        if label_x >= 0 && label_x + label_w <= i64::from(opts.width) {
            font::draw(img, label_x, label_y, &label, opts.axis_label_color);
        }
        secs += interval;
    }
}

/// `m:ss`, or `h:mm:ss` from an hour on (audiowaveform's `TimeUtil::secondsToString`).
fn time_label(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// Rejects zero or oversized image dimensions.
pub(crate) fn check_dimensions(width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::InvalidArgument(format!(
            "image size {width}x{height}: width and height must be at least 1"
        )));
    }
    if width > MAX_IMAGE_DIMENSION
        || height > MAX_IMAGE_DIMENSION
        || u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS
    {
        return Err(Error::InvalidArgument(format!(
            "image size {width}x{height} is too large (at most {MAX_IMAGE_DIMENSION} per side \
             and {MAX_IMAGE_PIXELS} pixels)"
        )));
    }
    Ok(())
}

/// Encodes 8-bit RGBA pixels (row-major, top row first) as a PNG.
pub(crate) fn encode_rgba(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>> {
    let err = |e: ::png::EncodingError| Error::Internal(format!("PNG encoding failed: {e}"));
    let mut out = Vec::new();
    let mut enc = ::png::Encoder::new(&mut out, width, height);
    enc.set_color(::png::ColorType::Rgba);
    enc.set_depth(::png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(err)?;
    writer.write_image_data(rgba).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

/// An RGBA pixel buffer. Drawing replaces pixels (no blending), as audiowaveform does when any
/// colour has alpha.
pub(crate) struct Canvas {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) pixels: Vec<u8>,
}

impl Canvas {
    pub(crate) fn new(width: u32, height: u32, fill: [u8; 4]) -> Self {
        let n = width as usize * height as usize;
        let mut pixels = Vec::with_capacity(n * 4);
        for _ in 0..n {
            pixels.extend_from_slice(&fill);
        }
        Self {
            width,
            height,
            pixels,
        }
    }

    pub(crate) fn set(&mut self, x: u32, y: u32, c: [u8; 4]) {
        if x < self.width && y < self.height {
            let i = (y as usize * self.width as usize + x as usize) * 4;
            if let Some(p) = self.pixels.get_mut(i..i + 4) {
                p.copy_from_slice(&c);
            }
        }
    }

    /// Vertical line from row `y_a` to row `y_b` inclusive (either order).
    fn vline(&mut self, x: u32, y_a: u32, y_b: u32, c: [u8; 4]) {
        for y in y_a.min(y_b)..=y_a.max(y_b) {
            self.set(x, y, c);
        }
    }

    fn rect_outline(&mut self, c: [u8; 4]) {
        let (w, h) = (self.width, self.height);
        for x in 0..w {
            self.set(x, 0, c);
            self.set(x, h - 1, c);
        }
        for y in 0..h {
            self.set(0, y, c);
            self.set(w - 1, y, c);
        }
    }
}

/// A tiny built-in bitmap font for time labels: digits and `:`, 3×5 glyphs drawn at 2× scale.
mod font {
    use super::Canvas;

    const SCALE: u32 = 2;
    pub(super) const HEIGHT: u32 = 5 * SCALE;
    const ADVANCE: u32 = 4 * SCALE;

    /// Rows of 3 bits, most significant bit on the left.
    fn glyph(c: char) -> Option<[u8; 5]> {
        Some(match c {
            '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
            '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
            '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
            '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
            '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
            '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
            '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
            '7' => [0b111, 0b001, 0b010, 0b010, 0b010],
            '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
            '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
            ':' => [0b000, 0b010, 0b000, 0b010, 0b000],
            _ => return None,
        })
    }

    pub(super) fn text_width(s: &str) -> u32 {
        (s.chars().count() as u32 * ADVANCE).saturating_sub(SCALE)
    }

    pub(super) fn draw(img: &mut Canvas, x: i64, y: i64, s: &str, c: [u8; 4]) {
        for (i, ch) in s.chars().enumerate() {
            let Some(rows) = glyph(ch) else { continue };
            let gx = x + i as i64 * i64::from(ADVANCE);
            for (r, bits) in rows.iter().enumerate() {
                for col in 0..3u32 {
                    if bits & (0b100 >> col) == 0 {
                        continue;
                    }
                    for dy in 0..SCALE {
                        for dx in 0..SCALE {
                            let px = gx + i64::from(col * SCALE + dx);
                            let py = y + r as i64 * i64::from(SCALE) + i64::from(dy);
                            if let (Ok(px), Ok(py)) = (u32::try_from(px), u32::try_from(py)) {
                                img.set(px, py, c);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Decodes a PNG from this module into `(width, height, rgba)` (tests only).
#[cfg(test)]
pub(crate) fn decode_rgba(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, ::png::ColorType::Rgba);
    assert_eq!(info.bit_depth, ::png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::AudioBuffer;
    use crate::waveform::{Bits, Peaks};

    fn px(rgba: &[u8], w: u32, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * w + x) * 4) as usize;
        [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]]
    }

    fn square(frames: usize, channels: usize) -> AudioBuffer {
        let wave: Vec<f32> = (0..frames)
            .map(|i| if (i / 50) % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        AudioBuffer::new(vec![wave; channels], 44_100).unwrap()
    }

    fn rows_with(rgba: &[u8], w: u32, h: u32, x: u32, c: [u8; 4]) -> Vec<u32> {
        (0..h).filter(|&y| px(rgba, w, x, y) == c).collect()
    }

    /// A pitch contour from a real analysis: 220 Hz for a second, then 440 Hz. The first note
    /// is drawn lower than the second, an octave apart on the log scale, and nothing is drawn
    /// during the silence between them.
    #[test]
    fn pitch_contour_follows_the_notes() {
        let sr = 44_100u32;
        let tone = |f: f64, secs: f64| -> Vec<f32> {
            (0..(secs * f64::from(sr)) as usize)
                .map(|i| {
                    (0.5 * (std::f64::consts::TAU * f * i as f64 / f64::from(sr)).sin()) as f32
                })
                .collect()
        };
        let mut x = tone(220.0, 1.0);
        x.extend(vec![0.0; sr as usize / 2]);
        x.extend(tone(440.0, 1.0));
        let audio = AudioBuffer::new(vec![x], sr).unwrap();
        let track =
            crate::analysis::analyze_pitch(&audio, &crate::analysis::PitchParams::default())
                .unwrap();
        let contour =
            PitchContour::fit(track.times_s, track.f0_hz, PitchContour::DEFAULT_COLOR).unwrap();
        let (w, h) = (500u32, 200u32);
        let peaks = crate::waveform::peaks_of(
            &audio,
            crate::waveform::Zoom::Width(w),
            Bits::Sixteen,
            false,
            std::path::Path::new("t"),
        )
        .unwrap();
        let o = WaveformImageOptions {
            width: w,
            height: h,
            pitch_contour: Some(contour),
            ..Default::default()
        };
        let (_, _, rgba) = decode_rgba(&render_waveform_png(&peaks, &o).unwrap());
        let c = PitchContour::DEFAULT_COLOR;
        // 2.5 s over 500 px: the first note spans x 0..200, the silence 200..300.
        let low = rows_with(&rgba, w, h, 100, c);
        let high = rows_with(&rgba, w, h, 400, c);
        assert!(!low.is_empty() && !high.is_empty(), "{low:?} {high:?}");
        assert!(rows_with(&rgba, w, h, 250, c).is_empty());
        // fmin = 220/sqrt 2 and fmax = 440*sqrt 2: the notes sit at 1/4 and 3/4 of the scale.
        let (yl, yh) = (f64::from(low[0]), f64::from(high[0]));
        let expect = |a: f64| (1.0 - a) * f64::from(h - 1);
        assert!((yl - expect(0.25)).abs() <= 2.0, "220 Hz at row {yl}");
        assert!((yh - expect(0.75)).abs() <= 2.0, "440 Hz at row {yh}");
    }

    #[test]
    fn pitch_contour_with_a_bad_scale_is_an_error() {
        let peaks = crate::waveform::peaks_of(
            &square(1000, 1),
            crate::waveform::Zoom::Width(100),
            Bits::Sixteen,
            false,
            std::path::Path::new("t"),
        )
        .unwrap();
        let o = WaveformImageOptions {
            pitch_contour: Some(PitchContour {
                times_s: vec![0.0],
                f0_hz: vec![100.0],
                fmin_hz: 200.0,
                fmax_hz: 100.0,
                color: PitchContour::DEFAULT_COLOR,
            }),
            ..Default::default()
        };
        assert!(render_waveform_png(&peaks, &o).is_err());
    }

    #[test]
    fn defaults_are_audiowaveforms() {
        let o = WaveformImageOptions::default();
        assert_eq!((o.width, o.height), (800, 250));
        assert_eq!(o.background, parse_color("d6d6d6").unwrap());
        assert_eq!(o.waveform_color, parse_color("3f4d9b").unwrap());
        assert_eq!(o.border_color, parse_color("000000").unwrap());
        assert!(!o.with_axis_labels);
        assert_eq!(o.amplitude_scale, 1.0);
    }

    #[test]
    fn parse_color_formats() {
        assert_eq!(parse_color("ff8000").unwrap(), [255, 128, 0, 255]);
        assert_eq!(parse_color("FF800080").unwrap(), [255, 128, 0, 128]);
        assert_eq!(parse_color("#3a79a8").unwrap(), [0x3a, 0x79, 0xa8, 255]);
        for bad in [
            "",
            "fff",
            "ff800",
            "ff80000",
            "ff8000801",
            "gg0000",
            "+f8000",
            "ff 000",
            "é0000",
        ] {
            assert!(parse_color(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn square_wave_fills_top_to_bottom() {
        let peaks = Peaks::from_buffer(&square(44_100, 1), 256, Bits::Sixteen, false).unwrap();
        let o = WaveformImageOptions::default();
        let png = render_waveform_png(&peaks, &o).unwrap();
        let (w, h, rgba) = decode_rgba(&png);
        assert_eq!((w, h), (800, 250));
        for (x, y) in [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)] {
            // Corners: the wave reaches them, so check just inside the other colour instead.
            let c = px(&rgba, w, x, y);
            assert!(c == o.background || c == o.waveform_color);
        }
        for x in [0, 100, 400, 799] {
            let rows = rows_with(&rgba, w, h, x, o.waveform_color);
            assert_eq!(rows.len(), h as usize, "column {x}: {rows:?}");
        }
        // Half amplitude scale: a line from a quarter to three quarters of the height.
        let half = WaveformImageOptions {
            amplitude_scale: 0.5,
            ..o.clone()
        };
        let (w, h, rgba) = decode_rgba(&render_waveform_png(&peaks, &half).unwrap());
        let rows = rows_with(&rgba, w, h, 400, o.waveform_color);
        assert!((61..=63).contains(&rows[0]), "{rows:?}");
        assert!((186..=188).contains(rows.last().unwrap()), "{rows:?}");
        assert_eq!(px(&rgba, w, 0, 0), o.background);
        assert_eq!(px(&rgba, w, w - 1, h - 1), o.background);
    }

    #[test]
    fn short_burst_leaves_background_corners() {
        // A square wave in the middle fifth only, silence elsewhere.
        let mut audio = square(50_000, 1);
        for (i, x) in audio.channels_mut()[0].iter_mut().enumerate() {
            if !(20_000..30_000).contains(&i) {
                *x = 0.0;
            }
        }
        let peaks = Peaks::from_buffer(&audio, 100, Bits::Eight, false).unwrap();
        let o = WaveformImageOptions {
            width: 500,
            height: 101,
            ..Default::default()
        };
        let (w, h, rgba) = decode_rgba(&render_waveform_png(&peaks, &o).unwrap());
        assert_eq!((w, h), (500, 101));
        for (x, y) in [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)] {
            assert_eq!(px(&rgba, w, x, y), o.background);
        }
        assert_eq!(rows_with(&rgba, w, h, 250, o.waveform_color).len(), 101);
        assert_eq!(rows_with(&rgba, w, h, 10, o.waveform_color), vec![50]);
    }

    #[test]
    fn silence_draws_only_the_centre_line() {
        let audio = AudioBuffer::silence(1, 44_100, 44_100);
        let peaks = Peaks::from_buffer(&audio, 256, Bits::Sixteen, false).unwrap();
        let o = WaveformImageOptions::default();
        let (w, h, rgba) = decode_rgba(&render_waveform_png(&peaks, &o).unwrap());
        for x in 0..w {
            assert_eq!(
                rows_with(&rgba, w, h, x, o.waveform_color),
                vec![125],
                "col {x}"
            );
        }
    }

    #[test]
    fn split_stereo_draws_two_bands() {
        // Left full-scale square, right at 0.5: two bands of 100 rows each.
        let mut audio = square(20_000, 2);
        audio.channels_mut()[1].iter_mut().for_each(|x| *x *= 0.5);
        let peaks = Peaks::from_buffer(&audio, 64, Bits::Sixteen, true).unwrap();
        assert_eq!(peaks.channels, 2);
        let o = WaveformImageOptions {
            width: 300,
            height: 200,
            ..Default::default()
        };
        let (w, h, rgba) = decode_rgba(&render_waveform_png(&peaks, &o).unwrap());
        let rows = rows_with(&rgba, w, h, 150, o.waveform_color);
        let top: Vec<u32> = rows.iter().copied().filter(|&y| y < 100).collect();
        let bottom: Vec<u32> = rows.iter().copied().filter(|&y| y >= 100).collect();
        assert_eq!(top, (0..100).collect::<Vec<_>>());
        assert_eq!(bottom.first(), Some(&125));
        assert!((174..=175).contains(bottom.last().unwrap()), "{bottom:?}");
        assert_eq!(bottom.len(), (bottom.last().unwrap() - 124) as usize);
        // Background between the bottom band's line and the band edges.
        assert_eq!(px(&rgba, w, 150, 110), o.background);
        assert_eq!(px(&rgba, w, 150, 190), o.background);
    }

    #[test]
    fn resampling_keeps_extremes() {
        // 1000 pixels of silence with one full-scale spike, drawn 10 columns wide.
        let mut data = vec![0i16; 2000];
        data[2 * 537] = -32768;
        data[2 * 537 + 1] = 32767;
        let peaks = Peaks {
            sample_rate: 1000,
            samples_per_pixel: 10,
            channels: 1,
            bits: Bits::Sixteen,
            data,
        };
        let o = WaveformImageOptions {
            width: 10,
            height: 20,
            ..Default::default()
        };
        let (w, h, rgba) = decode_rgba(&render_waveform_png(&peaks, &o).unwrap());
        for x in 0..w {
            let n = rows_with(&rgba, w, h, x, o.waveform_color).len();
            assert_eq!(n, if x == 5 { 20 } else { 1 }, "col {x}");
        }
        // Fewer peaks than columns stretches them.
        let short = Peaks {
            data: vec![-32768, 32767, 0, 0],
            ..peaks
        };
        let (w, h, rgba) = decode_rgba(&render_waveform_png(&short, &o).unwrap());
        for x in 0..w {
            let n = rows_with(&rgba, w, h, x, o.waveform_color).len();
            assert_eq!(n, if x < 5 { 20 } else { 1 }, "col {x}");
        }
    }

    #[test]
    fn axis_labels_draw_border_and_ticks() {
        let peaks = Peaks::from_buffer(
            &AudioBuffer::silence(1, 441_000, 44_100),
            256,
            Bits::Sixteen,
            false,
        )
        .unwrap();
        let o = WaveformImageOptions {
            with_axis_labels: true,
            ..Default::default()
        };
        let (w, h, rgba) = decode_rgba(&render_waveform_png(&peaks, &o).unwrap());
        for (x, y) in [
            (0, 0),
            (w - 1, 0),
            (0, h - 1),
            (w - 1, h - 1),
            (400, 0),
            (0, 125),
        ] {
            assert_eq!(px(&rgba, w, x, y), o.border_color);
        }
        // 10 s in 798 columns: 1-second ticks (~80 px) at the top, 10 px long.
        let tick_x = 1 + (798.0 * 3.0 / (1723.0 * 256.0 / 44_100.0)) as u32;
        assert_eq!(px(&rgba, w, tick_x, 10), o.border_color);
        assert_eq!(px(&rgba, w, tick_x, 11), o.background);
        assert_eq!(px(&rgba, w, tick_x, h - 11), o.border_color);
        assert_eq!(px(&rgba, w, tick_x + 20, 5), o.background);
        // Some label pixels above the bottom ticks.
        let label_rows = (h - 22)..(h - 11);
        let n = label_rows
            .flat_map(|y| (tick_x - 12..tick_x + 12).map(move |x| (x, y)))
            .filter(|&(x, y)| px(&rgba, w, x, y) == o.axis_label_color)
            .count();
        assert!(n > 10, "{n} label pixels");
        assert_eq!(time_label(65), "1:05");
        assert_eq!(time_label(3725), "1:02:05");
    }

    #[test]
    fn bad_arguments_are_errors() {
        let peaks = Peaks::from_buffer(&square(1000, 1), 256, Bits::Sixteen, false).unwrap();
        for (w, h) in [(0, 250), (800, 0), (0, 0), (40_000, 10), (20_000, 20_000)] {
            let o = WaveformImageOptions {
                width: w,
                height: h,
                ..Default::default()
            };
            let e = render_waveform_png(&peaks, &o).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument(_)), "{w}x{h}: {e}");
        }
        let bad = Peaks {
            data: vec![1, 2, 3],
            ..peaks.clone()
        };
        let e = render_waveform_png(&bad, &WaveformImageOptions::default()).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
        let o = WaveformImageOptions {
            amplitude_scale: f32::NAN,
            ..Default::default()
        };
        assert!(matches!(
            render_waveform_png(&peaks, &o),
            Err(Error::InvalidArgument(_))
        ));
        // Empty peaks: just the background.
        let empty = Peaks {
            data: vec![],
            ..peaks
        };
        let (w, h, rgba) =
            decode_rgba(&render_waveform_png(&empty, &WaveformImageOptions::default()).unwrap());
        assert_eq!((w, h), (800, 250));
        assert!(rgba.chunks(4).all(|p| p == [0xD6, 0xD6, 0xD6, 0xFF]));
    }
}

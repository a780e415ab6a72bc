// Fork: the oscillator's interpolation kernels. Positions are upstream's 40.24 fixed-point
// numbers; the kernels read a run of output samples whose taps all lie inside the sample data
// (the oscillator checks that before calling them and handles the edges of loops and samples
// itself), so their loops have no per-sample branches.

use std::sync::OnceLock;

/// How the oscillator reads a sample between its stored points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Interpolation {
    /// Two points, a straight line, in upstream rustysynth's fixed-point arithmetic: with
    /// modulators off the output is identical to rustysynth 1.3.8.
    #[default]
    Linear,
    /// Four points, the cubic (Catmull-Rom) polynomial of FluidSynth's default 4th-order
    /// interpolation, evaluated at the exact position (FluidSynth rounds the position to 1/256
    /// of a sample).
    Cubic,
    /// Sixteen points, a Kaiser-windowed sinc (beta 10) normalised to unit gain at 0 Hz: for
    /// offline quality. Its coefficients come from a table of 256 fractions, interpolated
    /// between them. (FluidSynth's highest order reads 7 points, a Hann-windowed sinc, which
    /// aliases more than the cubic on samples whose content lies well below their Nyquist
    /// frequency.)
    Sinc,
}

pub(crate) const FRAC_BITS: i32 = 24;
pub(crate) const FRAC_UNIT: i64 = 1_i64 << FRAC_BITS;
const FRAC_MASK: i64 = FRAC_UNIT - 1;
/// From a 24-bit fraction to [0, 1).
const FRAC_TO_F32: f32 = 1_f32 / FRAC_UNIT as f32;
/// From 16-bit sample values to [-1, 1).
const SAMPLE_TO_F32: f32 = 1_f32 / 32768_f32;

/// The most points a kernel reads.
pub(crate) const MAX_TAPS: usize = 16;

/// A kernel reading `index - BEFORE ..= index + AFTER` around a position whose integer part is
/// `index`.
pub(crate) trait Kernel {
    const BEFORE: i64;
    const AFTER: i64;

    /// Renders `out` from `pos` on, `step` apart; the caller guarantees that every tap of every
    /// output lies inside `data` (the kernel clamps, so a broken promise reads wrong points but
    /// never panics). Returns the position after the run.
    fn run(data: &[i16], out: &mut [f32], pos: i64, step: i64) -> i64;

    /// One output from taps gathered by the caller: `taps[k]` is the point at
    /// `index - BEFORE + k`, as a 16-bit sample value (the taps past `BEFORE + AFTER` are
    /// unused).
    fn point(taps: &[f32; MAX_TAPS], pos: i64) -> f32;
}

pub(crate) struct Cubic;

// The Catmull-Rom weights of the points x0..x3 around a position t in [0, 1) from x1, as
// polynomials in t (FluidSynth's table: c0 = -t/2 + t^2 - t^3/2, c1 = 1 - 5t^2/2 + 3t^3/2,
// c2 = t/2 + 2t^2 - 3t^3/2, c3 = -t^2/2 + t^3/2), with the 16-bit sample scale folded in.
// Computed for the four points side by side, then one dot product: the compiler turns this into
// a few vector operations per output, and the loop over outputs into four outputs at a time.
const CUBIC_T3: [f32; 4] = [
    -0.5 * SAMPLE_TO_F32,
    1.5 * SAMPLE_TO_F32,
    -1.5 * SAMPLE_TO_F32,
    0.5 * SAMPLE_TO_F32,
];
const CUBIC_T2: [f32; 4] = [
    SAMPLE_TO_F32,
    -2.5 * SAMPLE_TO_F32,
    2.0 * SAMPLE_TO_F32,
    -0.5 * SAMPLE_TO_F32,
];
const CUBIC_T1: [f32; 4] = [-0.5 * SAMPLE_TO_F32, 0.0, 0.5 * SAMPLE_TO_F32, 0.0];
const CUBIC_T0: [f32; 4] = [0.0, SAMPLE_TO_F32, 0.0, 0.0];

impl Cubic {
    #[inline(always)]
    fn eval(x: [f32; 4], pos: i64) -> f32 {
        let t = (pos & FRAC_MASK) as i32 as f32 * FRAC_TO_F32;
        let mut p = [0_f32; 4];
        for k in 0..4 {
            let c = ((CUBIC_T3[k] * t + CUBIC_T2[k]) * t + CUBIC_T1[k]) * t + CUBIC_T0[k];
            p[k] = c * x[k];
        }
        (p[0] + p[1]) + (p[2] + p[3])
    }
}

impl Kernel for Cubic {
    const BEFORE: i64 = 1;
    const AFTER: i64 = 2;

    // Kept out of line: inlined into the oscillator, the loop is no longer vectorised (four
    // outputs at a time), which costs half again as many instructions.
    #[inline(never)]
    fn run(data: &[i16], out: &mut [f32], mut pos: i64, step: i64) -> i64 {
        let Some(max_first) = data.len().checked_sub(4) else {
            out.fill(0_f32);
            return pos + step * out.len() as i64;
        };
        for y in out.iter_mut() {
            // The clamp changes nothing when the caller keeps its promise; with it the window
            // is always inside `data`.
            let first = ((pos >> FRAC_BITS) as usize).wrapping_sub(1).min(max_first);
            let Some(w) = data.get(first..first + 4) else {
                *y = 0_f32;
                pos += step;
                continue;
            };
            *y = Cubic::eval([w[0] as f32, w[1] as f32, w[2] as f32, w[3] as f32], pos);
            pos += step;
        }
        pos
    }

    fn point(taps: &[f32; MAX_TAPS], pos: i64) -> f32 {
        Cubic::eval([taps[0], taps[1], taps[2], taps[3]], pos)
    }
}

pub(crate) struct Sinc;

/// Points the sinc kernel reads: `index - 7 ..= index + 8`.
const SINC_TAPS: usize = 16;
const SINC_HALF_WIDTH: f64 = 8.0;
/// Kaiser window shape: spurious components stay below -90 dB of a sine anywhere up to 0.4 of
/// the sample's rate, with 0.5 dB of loss at that frequency.
const KAISER_BETA: f64 = 10.0;
/// Rows of the sinc table: the fraction's top bits pick a row, the rest interpolates to the next
/// (at 256 rows the spurious components are the same as with exact coefficients).
const ROW_BITS: i32 = 8;
const ROWS: usize = 1 << ROW_BITS;
const ROW_SHIFT: i32 = FRAC_BITS - ROW_BITS;
const ROW_FRAC_MASK: i64 = (1_i64 << ROW_SHIFT) - 1;
const ROW_FRAC_TO_F32: f32 = 1_f32 / (1_i64 << ROW_SHIFT) as f32;

/// One row: the coefficients of the taps at the row's fraction, and their change to the next
/// row.
#[derive(Debug, Clone, Copy)]
struct Row {
    coefficient: [f32; SINC_TAPS],
    slope: [f32; SINC_TAPS],
}

fn sinc_table() -> &'static [Row; ROWS] {
    static TABLE: OnceLock<Box<[Row; ROWS]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // Normalised to unit gain at 0 Hz for every fraction, so a constant stays constant.
        let at = |fraction: f64| -> [f64; SINC_TAPS] {
            let mut c = [0_f64; SINC_TAPS];
            for (k, c) in c.iter_mut().enumerate() {
                *c = windowed_sinc(k as f64 - (Sinc::BEFORE as f64) - fraction);
            }
            let sum: f64 = c.iter().sum();
            c.map(|v| v / sum)
        };
        let mut rows = Box::new(
            [Row {
                coefficient: [0_f32; SINC_TAPS],
                slope: [0_f32; SINC_TAPS],
            }; ROWS],
        );
        for (r, row) in rows.iter_mut().enumerate() {
            let here = at(r as f64 / ROWS as f64);
            let next = at((r + 1) as f64 / ROWS as f64);
            for k in 0..SINC_TAPS {
                row.coefficient[k] = here[k] as f32;
                row.slope[k] = (next[k] - here[k]) as f32;
            }
        }
        rows
    })
}

/// sinc(x) under a Kaiser window that reaches zero [`SINC_HALF_WIDTH`] points away.
fn windowed_sinc(x: f64) -> f64 {
    let u = x / SINC_HALF_WIDTH;
    if u.abs() >= 1.0 {
        return 0.0;
    }
    let window = bessel_i0(KAISER_BETA * (1.0 - u * u).sqrt()) / bessel_i0(KAISER_BETA);
    let px = std::f64::consts::PI * x;
    if px.abs() < 1e-12 {
        window
    } else {
        window * px.sin() / px
    }
}

/// The modified Bessel function of the first kind, order 0, by its power series (converges
/// to f64 precision in under 40 terms for the arguments used here, up to 10).
fn bessel_i0(x: f64) -> f64 {
    let q = 0.25 * x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..60 {
        term *= q / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// Points converted to floats at once for a run of sinc outputs.
const SINC_SPAN: usize = 256;

impl Sinc {
    #[inline(always)]
    fn eval(table: &[Row; ROWS], x: &[f32], pos: i64) -> f32 {
        let row = &table[((pos & FRAC_MASK) >> ROW_SHIFT) as usize & (ROWS - 1)];
        let f = (pos & ROW_FRAC_MASK) as i32 as f32 * ROW_FRAC_TO_F32;
        // Four sums of every fourth product, side by side: four-wide vector operations.
        let mut sum = [0_f32; 4];
        for ((c, s), x) in row
            .coefficient
            .chunks_exact(4)
            .zip(row.slope.chunks_exact(4))
            .zip(x.chunks_exact(4))
        {
            for l in 0..4 {
                sum[l] += (c[l] + s[l] * f) * x[l];
            }
        }
        SAMPLE_TO_F32 * ((sum[0] + sum[2]) + (sum[1] + sum[3]))
    }
}

impl Kernel for Sinc {
    const BEFORE: i64 = 7;
    const AFTER: i64 = 8;

    // The points a stretch of outputs reads are converted to floats once, in one vectorised
    // pass, instead of 16 times each (once per output that reads them). Out of line, as the
    // cubic's.
    #[inline(never)]
    fn run(data: &[i16], out: &mut [f32], mut pos: i64, step: i64) -> i64 {
        let table = sinc_table();
        let mut points = [0_f32; SINC_SPAN];
        // Outputs per stretch: their points fit in `points` (at least one output).
        let per_stretch = if step <= 0 {
            out.len()
        } else {
            (((SINC_SPAN - SINC_TAPS - 1) as i64 * FRAC_UNIT / step) as usize).max(1)
        };
        for stretch in out.chunks_mut(per_stretch) {
            let first = ((pos >> FRAC_BITS) - Sinc::BEFORE).max(0) as usize;
            let last = (pos + step * (stretch.len() as i64 - 1)) >> FRAC_BITS;
            let end = ((last + Sinc::AFTER + 1) as usize)
                .min(data.len())
                .min(first + SINC_SPAN);
            let window = data.get(first..end).unwrap_or(&[]);
            for (x, &w) in points.iter_mut().zip(window) {
                *x = w as f32;
            }
            let available = window.len().saturating_sub(SINC_TAPS);
            for y in stretch.iter_mut() {
                // Past the converted points only if the caller broke its promise.
                let at = (((pos >> FRAC_BITS) - Sinc::BEFORE) as usize)
                    .wrapping_sub(first)
                    .min(available);
                *y = match points.get(at..at + SINC_TAPS) {
                    Some(x) => Sinc::eval(table, x, pos),
                    None => 0_f32,
                };
                pos += step;
            }
        }
        pos
    }

    fn point(taps: &[f32; MAX_TAPS], pos: i64) -> f32 {
        Sinc::eval(sinc_table(), &taps[..SINC_TAPS], pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cubic_passes_through_the_points() {
        let mut taps = [0_f32; MAX_TAPS];
        taps[..4].copy_from_slice(&[1.0, -7.0, 300.0, 12.0]);
        assert_eq!(Cubic::point(&taps, 0), -7.0 / 32768.0);
        let near_one = Cubic::point(&taps, FRAC_UNIT - 1);
        assert!((near_one - 300.0 / 32768.0).abs() < 1e-5);
    }

    #[test]
    fn sinc_rows_have_unit_gain_and_hit_the_points() {
        for row in sinc_table().iter() {
            let sum: f32 = row.coefficient.iter().sum();
            assert!((sum - 1.0).abs() < 1e-6, "{sum}");
        }
        let first = &sinc_table()[0].coefficient;
        for (k, c) in first.iter().enumerate() {
            let want = if k == Sinc::BEFORE as usize { 1.0 } else { 0.0 };
            assert!((c - want).abs() < 1e-6, "{k}: {c}");
        }
    }

    #[test]
    fn bessel_i0_matches_known_values() {
        assert_eq!(bessel_i0(0.0), 1.0);
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008_4).abs() < 1e-14);
        assert!((bessel_i0(10.0) - 2_815.716_628_466_254).abs() < 1e-9);
    }

    #[test]
    fn kernels_follow_a_slow_sine() {
        let data: Vec<i16> = (0..256)
            .map(|i| (10000.0 * (i as f64 * 0.05).sin()).round() as i16)
            .collect();
        let step = FRAC_UNIT * 3 / 7;
        let pos = 20 * FRAC_UNIT + 12345;
        let mut cubic = [0_f32; 200];
        let mut sinc = [0_f32; 200];
        Cubic::run(&data, &mut cubic, pos, step);
        Sinc::run(&data, &mut sinc, pos, step);
        for (j, (c, s)) in cubic.iter().zip(&sinc).enumerate() {
            let p = (pos + j as i64 * step) as f64 / FRAC_UNIT as f64;
            let want = (10000.0 * (p * 0.05).sin() / 32768.0) as f32;
            assert!((c - want).abs() < 2e-5, "cubic at {p}: {c} vs {want}");
            assert!((s - want).abs() < 2e-5, "sinc at {p}: {s} vs {want}");
        }
    }
}

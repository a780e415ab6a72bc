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
    /// Seven points, the Hann-windowed sinc of FluidSynth's 7th-order interpolation, each set of
    /// coefficients normalised to unit gain at 0 Hz, with the position resolved to 1/256 of a
    /// sample and the coefficients interpolated between those (FluidSynth rounds to 1/256).
    Sinc7,
}

pub(crate) const FRAC_BITS: i32 = 24;
pub(crate) const FRAC_UNIT: i64 = 1_i64 << FRAC_BITS;
const FRAC_MASK: i64 = FRAC_UNIT - 1;
/// From a 24-bit fraction to [0, 1).
const FRAC_TO_F32: f32 = 1_f32 / FRAC_UNIT as f32;
/// From 16-bit sample values to [-1, 1).
const SAMPLE_TO_F32: f32 = 1_f32 / 32768_f32;

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
    /// `index - BEFORE + k`, as a 16-bit sample value.
    fn point(taps: &[f32; 8], pos: i64) -> f32;
}

pub(crate) struct Cubic;

impl Cubic {
    // Catmull-Rom through x1 (t = 0) and x2 (t = 1), in Horner form: the same polynomial as
    // FluidSynth's coefficient table (c0 = -t/2 + t^2 - t^3/2, c1 = 1 - 5t^2/2 + 3t^3/2, ...).
    #[inline(always)]
    fn eval(x0: f32, x1: f32, x2: f32, x3: f32, t: f32) -> f32 {
        let a = x2 - x0;
        let b = 2_f32 * x0 - 5_f32 * x1 + 4_f32 * x2 - x3;
        let c = 3_f32 * (x1 - x2) + x3 - x0;
        x1 + 0.5_f32 * t * (a + t * (b + t * c))
    }
}

impl Kernel for Cubic {
    const BEFORE: i64 = 1;
    const AFTER: i64 = 2;

    #[inline(always)]
    fn run(data: &[i16], out: &mut [f32], mut pos: i64, step: i64) -> i64 {
        let Some(max_first) = data.len().checked_sub(4) else {
            out.fill(0_f32);
            return pos + step * out.len() as i64;
        };
        for y in out.iter_mut() {
            // The clamp changes nothing when the caller keeps its promise; it lets the compiler
            // drop the bounds checks.
            let first = ((pos >> FRAC_BITS) as usize).wrapping_sub(1).min(max_first);
            let w = &data[first..first + 4];
            let t = (pos & FRAC_MASK) as i32 as f32 * FRAC_TO_F32;
            let v = Cubic::eval(w[0] as f32, w[1] as f32, w[2] as f32, w[3] as f32, t);
            *y = SAMPLE_TO_F32 * v;
            pos += step;
        }
        pos
    }

    fn point(taps: &[f32; 8], pos: i64) -> f32 {
        let t = (pos & FRAC_MASK) as i32 as f32 * FRAC_TO_F32;
        SAMPLE_TO_F32 * Cubic::eval(taps[0], taps[1], taps[2], taps[3], t)
    }
}

pub(crate) struct Sinc7;

/// Rows of the sinc table: the fraction's top bits pick a row, the rest interpolates to the next.
const ROW_BITS: i32 = 8;
const ROWS: usize = 1 << ROW_BITS;
const ROW_SHIFT: i32 = FRAC_BITS - ROW_BITS;
const ROW_FRAC_MASK: i64 = (1_i64 << ROW_SHIFT) - 1;
const ROW_FRAC_TO_F32: f32 = 1_f32 / (1_i64 << ROW_SHIFT) as f32;

/// One row: the coefficients of the 8 taps `index - 3 ..= index + 4` at the row's fraction, and
/// their change to the next row. Seven taps are used; the window is zero 3.5 points from the
/// position, so the eighth weighs nothing (the first one at fractions from 1/2 on, the last
/// one below).
#[derive(Debug, Clone, Copy)]
struct Row {
    coefficient: [f32; 8],
    slope: [f32; 8],
}

fn sinc_table() -> &'static [Row; ROWS] {
    static TABLE: OnceLock<Box<[Row; ROWS]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let at = |fraction: f64| -> [f64; 8] {
            let mut c = [0_f64; 8];
            for (k, c) in c.iter_mut().enumerate() {
                let x = k as f64 - 3.0 - fraction;
                *c = windowed_sinc(x);
            }
            let sum: f64 = c.iter().sum();
            c.map(|v| v / sum)
        };
        let mut rows = Box::new(
            [Row {
                coefficient: [0_f32; 8],
                slope: [0_f32; 8],
            }; ROWS],
        );
        for (r, row) in rows.iter_mut().enumerate() {
            let here = at(r as f64 / ROWS as f64);
            let next = at((r + 1) as f64 / ROWS as f64);
            for k in 0..8 {
                row.coefficient[k] = here[k] as f32;
                row.slope[k] = (next[k] - here[k]) as f32;
            }
        }
        rows
    })
}

/// FluidSynth's 7-point kernel: sinc with a Hann window reaching zero 3.5 points away.
fn windowed_sinc(x: f64) -> f64 {
    const HALF_WIDTH: f64 = 3.5;
    if x.abs() >= HALF_WIDTH {
        return 0.0;
    }
    let window = 0.5 * (1.0 + (std::f64::consts::PI * x / HALF_WIDTH).cos());
    if x.abs() < 1e-9 {
        window
    } else {
        let px = std::f64::consts::PI * x;
        window * px.sin() / px
    }
}

impl Sinc7 {
    #[inline(always)]
    fn eval(table: &[Row; ROWS], x: &[f32; 8], pos: i64) -> f32 {
        let row = &table[((pos & FRAC_MASK) >> ROW_SHIFT) as usize & (ROWS - 1)];
        let f = (pos & ROW_FRAC_MASK) as i32 as f32 * ROW_FRAC_TO_F32;
        let mut p = [0_f32; 8];
        for k in 0..8 {
            p[k] = (row.coefficient[k] + row.slope[k] * f) * x[k];
        }
        // Pairwise, so the sum vectorises.
        let q = [p[0] + p[4], p[1] + p[5], p[2] + p[6], p[3] + p[7]];
        SAMPLE_TO_F32 * ((q[0] + q[2]) + (q[1] + q[3]))
    }
}

impl Kernel for Sinc7 {
    const BEFORE: i64 = 3;
    const AFTER: i64 = 4;

    #[inline(always)]
    fn run(data: &[i16], out: &mut [f32], mut pos: i64, step: i64) -> i64 {
        let Some(max_first) = data.len().checked_sub(8) else {
            out.fill(0_f32);
            return pos + step * out.len() as i64;
        };
        let table = sinc_table();
        for y in out.iter_mut() {
            let first = ((pos >> FRAC_BITS) as usize).wrapping_sub(3).min(max_first);
            let w = &data[first..first + 8];
            let mut x = [0_f32; 8];
            for (x, &w) in x.iter_mut().zip(w) {
                *x = w as f32;
            }
            *y = Sinc7::eval(table, &x, pos);
            pos += step;
        }
        pos
    }

    fn point(taps: &[f32; 8], pos: i64) -> f32 {
        Sinc7::eval(sinc_table(), taps, pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cubic_passes_through_the_points() {
        let taps = [1_f32, -7.0, 300.0, 12.0, 0.0, 0.0, 0.0, 0.0];
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
        assert!((first[3] - 1.0).abs() < 1e-6);
        for (k, c) in first.iter().enumerate() {
            if k != 3 {
                assert!(c.abs() < 1e-6, "{k}: {c}");
            }
        }
    }

    #[test]
    fn kernels_read_a_line_as_a_line() {
        let data: Vec<i16> = (0..64).map(|i| i * 100).collect();
        let step = FRAC_UNIT * 3 / 7;
        let pos = 5 * FRAC_UNIT + 12345;
        let mut cubic = [0_f32; 40];
        let mut sinc = [0_f32; 40];
        Cubic::run(&data, &mut cubic, pos, step);
        Sinc7::run(&data, &mut sinc, pos, step);
        for (j, (c, s)) in cubic.iter().zip(&sinc).enumerate() {
            let p = (pos + j as i64 * step) as f64 / FRAC_UNIT as f64;
            let want = (p * 100.0 / 32768.0) as f32;
            assert!((c - want).abs() < 1e-5, "cubic at {p}: {c} vs {want}");
            assert!((s - want).abs() < 2e-4, "sinc at {p}: {s} vs {want}");
        }
    }
}

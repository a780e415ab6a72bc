use std::f32::consts;

use crate::synthesizer_settings::SynthesizerSettings;

#[derive(Debug)]
#[non_exhaustive]
pub(crate) struct BiQuadFilter {
    sample_rate: i32,
    // Fork: cutoff from which a flat-resonance filter is skipped (infinite if disabled).
    open_cutoff: f32,

    active: bool,

    a0: f32,
    a1: f32,
    a2: f32,
    a3: f32,
    a4: f32,

    x1: f32,
    x2: f32,
    y1: f32,
    y2: f32,

    // Fork: parameters of the last set_low_pass_filter call.
    last_cutoff: f32,
    last_resonance: f32,
}

impl BiQuadFilter {
    const RESONANCE_PEAK_OFFSET: f32 = 1_f32 - 1_f32 / core::f32::consts::SQRT_2;

    pub(crate) fn new(settings: &SynthesizerSettings) -> Self {
        Self {
            sample_rate: settings.sample_rate,
            open_cutoff: if settings.skip_open_filter {
                (0.45_f32 * settings.sample_rate as f32).min(19_900_f32)
            } else {
                f32::INFINITY
            },
            active: false,
            a0: 0_f32,
            a1: 0_f32,
            a2: 0_f32,
            a3: 0_f32,
            a4: 0_f32,
            x1: 0_f32,
            x2: 0_f32,
            y1: 0_f32,
            y2: 0_f32,
            last_cutoff: f32::NAN,
            last_resonance: f32::NAN,
        }
    }

    pub(crate) fn clear_buffer(&mut self) {
        self.x1 = 0_f32;
        self.x2 = 0_f32;
        self.y1 = 0_f32;
        self.y2 = 0_f32;
    }

    pub(crate) fn set_low_pass_filter(&mut self, cutoff_frequency: f32, resonance: f32) {
        // Fork: the coefficients only depend on these two values.
        if cutoff_frequency == self.last_cutoff && resonance == self.last_resonance {
            return;
        }
        self.last_cutoff = cutoff_frequency;
        self.last_resonance = resonance;

        let fully_open = cutoff_frequency >= self.open_cutoff && resonance <= 1_f32;
        if cutoff_frequency < 0.499_f32 * self.sample_rate as f32 && !fully_open {
            self.active = true;

            // This equation gives the Q value which makes the desired resonance peak.
            // The error of the resultant peak height is less than 3%.
            let q = resonance
                - BiQuadFilter::RESONANCE_PEAK_OFFSET / (1_f32 + 6_f32 * (resonance - 1_f32));

            let w = 2_f32 * consts::PI * cutoff_frequency / self.sample_rate as f32;
            let cosw = w.cos();
            let alpha = w.sin() / (2_f32 * q);

            let b0 = (1_f32 - cosw) / 2_f32;
            let b1 = 1_f32 - cosw;
            let b2 = (1_f32 - cosw) / 2_f32;
            let a0 = 1_f32 + alpha;
            let a1 = -2_f32 * cosw;
            let a2 = 1_f32 - alpha;

            self.set_coefficients(a0, a1, a2, b0, b1, b2);
        } else {
            self.active = false;
        }
    }

    pub(crate) fn process(&mut self, block: &mut [f32]) {
        let block_length = block.len();

        if self.active {
            for input in block.iter_mut().take(block_length) {
                let output = self.a0 * *input + self.a1 * self.x1 + self.a2 * self.x2
                    - self.a3 * self.y1
                    - self.a4 * self.y2;

                self.x2 = self.x1;
                self.x1 = *input;
                self.y2 = self.y1;
                self.y1 = output;

                *input = output;
            }
        } else {
            self.x2 = block[block_length - 2];
            self.x1 = block[block_length - 1];
            self.y2 = self.x2;
            self.y1 = self.x1;
        }
    }

    pub(crate) fn is_active(&self) -> bool {
        self.active
    }

    /// Fork: processes several active filters (each with its own block) at once.
    ///
    /// The filter is split, bit-exactly, into its feed-forward part
    /// `f = a0*x + a1*x1 + a2*x2` (vectorised along time, per voice) and the
    /// recursion `y = f - a3*y1 - a4*y2`, which is latency-bound; running the
    /// recursions of several voices interleaved hides that latency. Upstream
    /// evaluates the same expression left to right, so the result is identical.
    /// `scratch` must hold at least `LANES * block length` samples.
    pub(crate) fn process_lanes<'b>(
        batch: &mut [(&'b mut BiQuadFilter, &'b mut [f32])],
        scratch: &mut [f32],
    ) {
        let mut rest = batch;
        while !rest.is_empty() {
            rest = match rest.len() {
                n if n >= 16 => Self::process_n::<16>(rest, scratch),
                n if n >= 8 => Self::process_n::<8>(rest, scratch),
                n if n >= 4 => Self::process_n::<4>(rest, scratch),
                n if n >= 2 => Self::process_n::<2>(rest, scratch),
                _ => Self::process_n::<1>(rest, scratch),
            };
        }
    }

    pub(crate) const LANES: usize = 16;

    fn process_n<'a, 'b, const N: usize>(
        batch: &'a mut [(&'b mut BiQuadFilter, &'b mut [f32])],
        scratch: &mut [f32],
    ) -> &'a mut [(&'b mut BiQuadFilter, &'b mut [f32])] {
        let (lanes, rest) = batch.split_at_mut(N);
        let len = lanes.iter().map(|(_, b)| b.len()).min().unwrap_or(0);
        if len < 2 || scratch.len() < N * len {
            for (filter, block) in lanes.iter_mut() {
                filter.process(block);
            }
            return rest;
        }

        // Feed-forward part, per voice, into scratch (interleaved: scratch[t * N + l]).
        let scratch = &mut scratch[..N * len];
        let mut a3 = [0_f32; N];
        let mut a4 = [0_f32; N];
        let mut y1 = [0_f32; N];
        let mut y2 = [0_f32; N];
        for (l, (filter, block)) in lanes.iter_mut().enumerate() {
            let x = &block[..len];
            let (a0, a1, a2) = (filter.a0, filter.a1, filter.a2);
            scratch[l] = a0 * x[0] + a1 * filter.x1 + a2 * filter.x2;
            scratch[N + l] = a0 * x[1] + a1 * x[0] + a2 * filter.x1;
            for (((f, &x0), &xm1), &xm2) in scratch[2 * N..]
                .chunks_exact_mut(N)
                .zip(&x[2..])
                .zip(&x[1..len - 1])
                .zip(&x[..len - 2])
            {
                f[l] = a0 * x0 + a1 * xm1 + a2 * xm2;
            }
            filter.x1 = x[len - 1];
            filter.x2 = x[len - 2];
            a3[l] = filter.a3;
            a4[l] = filter.a4;
            y1[l] = filter.y1;
            y2[l] = filter.y2;
        }

        // Recursive part, N voices side by side (vectorisable across voices).
        for v in scratch.chunks_exact_mut(N) {
            for l in 0..N {
                let output = v[l] - a3[l] * y1[l] - a4[l] * y2[l];
                y2[l] = y1[l];
                y1[l] = output;
                v[l] = output;
            }
        }

        for (l, (filter, block)) in lanes.iter_mut().enumerate() {
            for (y, v) in block[..len].iter_mut().zip(scratch.chunks_exact(N)) {
                *y = v[l];
            }
            filter.y1 = y1[l];
            filter.y2 = y2[l];
        }
        rest
    }

    fn set_coefficients(&mut self, a0: f32, a1: f32, a2: f32, b0: f32, b1: f32, b2: f32) {
        self.a0 = b0 / a0;
        self.a1 = b1 / a0;
        self.a2 = b2 / a0;
        self.a3 = a1 / a0;
        self.a4 = a2 / a0;
    }
}

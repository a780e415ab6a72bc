use crate::interpolation::{self, Cubic, Interpolation, Kernel, Sinc, MAX_TAPS};
use crate::loop_mode::LoopMode;
use crate::synthesizer_settings::SynthesizerSettings;

// In this class, fixed-point numbers are used for speed-up.
// A fixed-point number is expressed by Int64, whose lower 24 bits represent the fraction part,
// and the rest represent the integer part.
// For clarity, fixed-point number variables have a suffix "_fp".

#[derive(Debug)]
#[non_exhaustive]
pub(crate) struct Oscillator {
    synthesizer_sample_rate: i32,

    loop_mode: LoopMode,
    sample_sample_rate: i32,
    start: i32,
    end: i32,
    start_loop: i32,
    end_loop: i32,
    root_key: i32,

    tune: f32,
    pitch_change_scale: f32,
    sample_rate_ratio: f32,

    looping: bool,
    // Fork: the position has wrapped around the loop at least once, so the points before the
    // loop start are the loop's end for the kernels that read behind the position.
    looped: bool,
    interpolation: Interpolation,

    position_fp: i64,

    // Fork: cache of the last pitch change and the resulting ratio (powf is
    // only evaluated when the pitch actually changes).
    cached_pitch_change: f32,
    cached_pitch_ratio: f32,
}

impl Oscillator {
    const FRAC_BITS: i32 = interpolation::FRAC_BITS;
    const FRAC_UNIT: i64 = interpolation::FRAC_UNIT;
    const MAX_STEP_FP: i64 = 1_i64 << 54;
    const FP_TO_SAMPLE: f32 = 1_f32 / (32768 * Oscillator::FRAC_UNIT) as f32;

    pub(crate) fn new(settings: &SynthesizerSettings) -> Self {
        Self {
            synthesizer_sample_rate: settings.sample_rate,
            loop_mode: LoopMode::NoLoop,
            sample_sample_rate: 0,
            start: 0,
            end: 0,
            start_loop: 0,
            end_loop: 0,
            root_key: 0,
            tune: 0_f32,
            pitch_change_scale: 0_f32,
            sample_rate_ratio: 0_f32,
            looping: false,
            looped: false,
            interpolation: settings.interpolation,
            position_fp: 0,
            cached_pitch_change: f32::NAN,
            cached_pitch_ratio: 0_f32,
        }
    }

    // One argument per SoundFont sample parameter, from its only caller
    // (`RegionEx::start_oscillator`); a parameter struct would be built there
    // only to be unpacked here.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start(
        &mut self,
        loop_mode: LoopMode,
        sample_rate: i32,
        start: i32,
        end: i32,
        start_loop: i32,
        end_loop: i32,
        root_key: i32,
        coarse_tune: i32,
        fine_tune: i32,
        scale_tuning: i32,
    ) {
        self.loop_mode = loop_mode;
        self.sample_sample_rate = sample_rate;
        self.start = start;
        self.end = end;
        self.start_loop = start_loop;
        self.end_loop = end_loop;
        self.root_key = root_key;

        self.tune = coarse_tune as f32 + 0.01_f32 * fine_tune as f32;
        self.pitch_change_scale = 0.01_f32 * scale_tuning as f32;
        self.sample_rate_ratio = sample_rate as f32 / self.synthesizer_sample_rate as f32;
        // Looping is disabled when the loop range is invalid (start >= end),
        // so the region plays once instead of reading past the loop.
        self.looping = self.loop_mode != LoopMode::NoLoop && self.start_loop < self.end_loop;
        self.looped = false;
        self.position_fp = (start as i64) << Oscillator::FRAC_BITS;
        self.cached_pitch_change = f32::NAN;
    }

    pub(crate) fn release(&mut self) {
        if self.loop_mode == LoopMode::LoopUntilNoteOff {
            self.looping = false;
        }
    }

    pub(crate) fn process(&mut self, data: &[i16], block: &mut [f32], pitch: f32) -> bool {
        let pitch_change = self.pitch_change_scale * (pitch - self.root_key as f32) + self.tune;
        if pitch_change != self.cached_pitch_change {
            self.cached_pitch_change = pitch_change;
            self.cached_pitch_ratio = self.sample_rate_ratio * 2_f32.powf(pitch_change / 12_f32);
        }
        let pitch_ratio = self.cached_pitch_ratio;
        self.fill_block(data, block, pitch_ratio as f64)
    }

    fn fill_block(&mut self, data: &[i16], block: &mut [f32], pitch_ratio: f64) -> bool {
        // Fork: the step is bounded (2^30 sample points per output sample, far beyond any real
        // font) so that the 40.24 position cannot overflow whatever the tuning and pitch bend;
        // a negative or NaN ratio (a negative sample rate) holds the position.
        let pitch_ratio_fp =
            ((Oscillator::FRAC_UNIT as f64 * pitch_ratio) as i64).clamp(0, Oscillator::MAX_STEP_FP);

        match self.interpolation {
            Interpolation::Linear if self.looping => {
                self.fill_block_continuous(data, block, pitch_ratio_fp)
            }
            Interpolation::Linear => self.fill_block_no_loop(data, block, pitch_ratio_fp),
            Interpolation::Cubic => self.fill_block_with::<Cubic>(data, block, pitch_ratio_fp),
            Interpolation::Sinc => self.fill_block_with::<Sinc>(data, block, pitch_ratio_fp),
        }
    }

    // Fork: number of samples (at most `max`) that can be produced from `pos`
    // with step `step` while the interpolation index stays below `limit_fp`.
    fn fast_run(pos: i64, step: i64, limit_fp: i64, max: usize) -> usize {
        if pos < 0 || pos >= limit_fp {
            0
        } else if step <= 0 {
            max
        } else {
            let k = (limit_fp - 1 - pos) / step + 1;
            if k >= max as i64 {
                max
            } else {
                k as usize
            }
        }
    }

    // Fork: the inner interpolation loop without per-sample branches; the
    // caller guarantees that every (index, index + 1) pair is inside `data`.
    // The arithmetic is upstream's.
    #[inline(always)]
    fn interpolate_run(data: &[i16], out: &mut [f32], mut pos: i64, step: i64) -> i64 {
        if data.len() < 2 {
            out.fill(0_f32);
            return pos + step * out.len() as i64;
        }
        // The clamp never changes an index of a fast run (the caller guarantees
        // that index + 1 < data.len()); it only lets the compiler drop the
        // per-sample bounds checks.
        let max_index = data.len() - 2;
        for sample in out.iter_mut() {
            let index = ((pos >> Oscillator::FRAC_BITS) as usize).min(max_index);
            let x1 = data[index] as i64;
            let x2 = data[index + 1] as i64;
            let a_fp = pos & (Oscillator::FRAC_UNIT - 1);
            *sample = Oscillator::FP_TO_SAMPLE
                * ((x1 << Oscillator::FRAC_BITS) + a_fp * (x2 - x1)) as f32;
            pos += step;
        }
        pos
    }

    fn fill_block_no_loop(&mut self, data: &[i16], block: &mut [f32], pitch_ratio_fp: i64) -> bool {
        let end = self.end.max(0) as i64;
        // Indices below `limit` have both interpolation points inside `data`.
        let limit = end.min(data.len() as i64 - 1).max(0);
        let limit_fp = limit << Oscillator::FRAC_BITS;
        let mut pos = self.position_fp;
        let mut t = 0;
        while t < block.len() {
            let k = Oscillator::fast_run(pos, pitch_ratio_fp, limit_fp, block.len() - t);
            if k > 0 {
                pos = Oscillator::interpolate_run(data, &mut block[t..t + k], pos, pitch_ratio_fp);
                t += k;
                continue;
            }

            // Past the end of the sample (or an invalid position).
            let index = pos >> Oscillator::FRAC_BITS;
            if index >= end || index < 0 {
                return self.stop(block, t, pos);
            }
            // Only reachable with a sample end at the very end of the data.
            pos = Oscillator::interpolate_run(data, &mut block[t..t + 1], pos, pitch_ratio_fp);
            t += 1;
        }
        self.position_fp = pos;

        true
    }

    fn fill_block_continuous(
        &mut self,
        data: &[i16],
        block: &mut [f32],
        pitch_ratio_fp: i64,
    ) -> bool {
        let end_loop_fp = (self.end_loop as i64) << Oscillator::FRAC_BITS;
        let loop_length = (self.end_loop - self.start_loop) as i64;
        let loop_length_fp = loop_length << Oscillator::FRAC_BITS;
        // Indices below `limit` neither wrap around the loop end nor leave `data`.
        let limit = (self.end_loop as i64 - 1).min(data.len() as i64 - 1).max(0);
        let limit_fp = limit << Oscillator::FRAC_BITS;

        let mut pos = self.position_fp;
        let mut t = 0;
        while t < block.len() {
            // Fork: wrap by the whole number of loop lengths passed, so loops shorter than
            // one step (high notes on tiny loops) stay inside the loop instead of drifting
            // past it. For the usual case (less than one loop past the end) this is exactly
            // upstream's single subtraction.
            if pos >= end_loop_fp && loop_length_fp > 0 {
                pos = end_loop_fp - loop_length_fp + (pos - end_loop_fp) % loop_length_fp;
            }

            let k = Oscillator::fast_run(pos, pitch_ratio_fp, limit_fp, block.len() - t);
            if k > 0 {
                pos = Oscillator::interpolate_run(data, &mut block[t..t + k], pos, pitch_ratio_fp);
                t += k;
                continue;
            }

            // Upstream's per-sample path (loop end wrap-around), with safe reads.
            let index1 = (pos >> Oscillator::FRAC_BITS) as usize;
            let mut index2 = index1.wrapping_add(1);
            if index2 >= self.end_loop as usize {
                index2 = index2.wrapping_sub(loop_length as usize);
            }
            let x1 = data.get(index1).copied().unwrap_or(0) as i64;
            let x2 = data.get(index2).copied().unwrap_or(0) as i64;
            let a_fp = pos & (Oscillator::FRAC_UNIT - 1);
            block[t] = Oscillator::FP_TO_SAMPLE
                * ((x1 << Oscillator::FRAC_BITS) + a_fp * (x2 - x1)) as f32;
            pos += pitch_ratio_fp;
            t += 1;
        }
        self.position_fp = pos;

        true
    }

    // Fork: the kernels that read more than the next point (cubic, sinc). Runs whose taps all
    // lie inside the sample (or inside the loop once it plays) go to the kernel's branch-free
    // loop; the few outputs near the edges gather their taps one by one, wrapped around the loop
    // or held at the sample's first and last points (as FluidSynth does).
    fn fill_block_with<K: Kernel>(&mut self, data: &[i16], block: &mut [f32], step: i64) -> bool {
        let mut pos = self.position_fp;
        let mut t = 0;
        while t < block.len() {
            if self.looping {
                pos = self.wrap(pos);
            } else if pos < 0 || pos >> Oscillator::FRAC_BITS >= self.end as i64 {
                // Past the end of the sample (or an invalid position).
                return self.stop(block, t, pos);
            }

            let (low, high) = self.direct_range();
            let first = low + K::BEFORE;
            let limit = (high - K::AFTER).min(data.len() as i64 - K::AFTER);
            let k = if pos >> Oscillator::FRAC_BITS >= first {
                let limit_fp = limit.max(0) << Oscillator::FRAC_BITS;
                Oscillator::fast_run(pos, step, limit_fp, block.len() - t)
            } else {
                0
            };
            if k > 0 {
                pos = K::run(data, &mut block[t..t + k], pos, step);
                t += k;
                continue;
            }

            let index = pos >> Oscillator::FRAC_BITS;
            let mut taps = [0_f32; MAX_TAPS];
            let count = (K::BEFORE + K::AFTER + 1) as usize;
            for (j, tap) in taps.iter_mut().take(count).enumerate() {
                let at = self.tap_index(index - K::BEFORE + j as i64, low, high);
                *tap = data.get(at).copied().unwrap_or(0) as f32;
            }
            block[t] = K::point(&taps, pos);
            pos += step;
            t += 1;
        }
        self.position_fp = pos;

        true
    }

    // The sample has ended at `pos`, `t` outputs into the block: the rest of the block is
    // silence, and the voice stops (false) when the block holds nothing of it.
    fn stop(&mut self, block: &mut [f32], t: usize, pos: i64) -> bool {
        self.position_fp = pos;
        block[t..].fill(0_f32);
        t > 0
    }

    // Wraps a position at or past the loop end back into the loop (by whole loop lengths, so
    // loops shorter than one step stay inside the loop).
    fn wrap(&mut self, pos: i64) -> i64 {
        let end_loop_fp = (self.end_loop as i64) << Oscillator::FRAC_BITS;
        let loop_length_fp = ((self.end_loop - self.start_loop) as i64) << Oscillator::FRAC_BITS;
        if pos >= end_loop_fp && loop_length_fp > 0 {
            self.looped = true;
            end_loop_fp - loop_length_fp + (pos - end_loop_fp) % loop_length_fp
        } else {
            pos
        }
    }

    // The indices [low, high) read as they are: from the sample start (the loop start once the
    // loop has played) to the sample end (the loop end while looping).
    fn direct_range(&self) -> (i64, i64) {
        let low = if self.looped {
            self.start_loop
        } else {
            self.start
        };
        let high = if self.looping {
            self.end_loop
        } else {
            self.end
        };
        (low as i64, high as i64)
    }

    // Where the point at `index` is read from, for an index outside the direct range: wrapped
    // into the loop when the loop plays (or played, for points before it), otherwise the first
    // or last point of the sample repeated.
    fn tap_index(&self, index: i64, low: i64, high: i64) -> usize {
        let loop_start = self.start_loop as i64;
        let loop_length = (self.end_loop - self.start_loop) as i64;
        let index = if index < low {
            if self.looped && loop_length > 0 {
                self.end_loop as i64 - 1 - (loop_start - 1 - index) % loop_length
            } else {
                low
            }
        } else if index >= high {
            if self.looping && loop_length > 0 {
                loop_start + (index - high) % loop_length
            } else {
                high - 1
            }
        } else {
            index
        };
        index.max(0) as usize
    }
}

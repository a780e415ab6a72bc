//! Streaming min/max computation, bit-exact with audiowaveform's `WaveformGenerator`.

use super::{Bits, Peaks, WaveformError, MAX_CHANNELS};
use crate::io::Samples;

/// Frames per block when merging channels (bounds the scratch buffer whatever the zoom).
const MERGE_BLOCK: usize = 1024;
/// Independent accumulators in the min/max loop, so the compiler can keep them in SIMD lanes.
const LANES: usize = 16;
/// The stereo merge needs more registers per lane; 8 keeps its accumulators out of memory.
const STEREO_LANES: usize = 8;

/// audiowaveform's float-to-16-bit conversion: `static_cast<short>(x * 32767)` (truncation
/// toward zero). Rust's `as` also saturates out-of-range values and maps NaN to 0, where C++
/// would be undefined.
#[inline(always)]
fn to_i16(x: f32) -> i16 {
    (x * 32767.0) as i16
}

/// libsndfile's conversion of lossy decoder output to 16 bits, `lrintf(x * 32767)`: rounded to
/// nearest, ties to even; saturated (and NaN as 0) where C would overflow.
fn libsndfile_i16(x: f32) -> i16 {
    (x * 32767.0).round_ties_even() as i16
}

/// libmad's conversion as audiowaveform does it: clipped to ±32767 at full scale, else the
/// fixed-point value shifted down to 16 bits, i.e. `x * 32768` rounded down.
fn libmad_i16(x: f32) -> i16 {
    if x >= 1.0 {
        i16::MAX
    } else if x <= -1.0 {
        -i16::MAX
    } else {
        (x * 32768.0).floor() as i16
    }
}

/// Min and max of the 16-bit conversions of `seg`; `(i16::MAX, i16::MIN)` when empty.
///
/// The conversion is monotonic, so the extremes are found on the floats (plain compares the
/// compiler turns into SIMD min/max) and converted once. NaN never wins a compare; since the
/// conversion maps NaN to 0, a NaN in `seg` folds a 0 into the result, keeping this bit-exact
/// with converting every sample first.
fn min_max_f32(seg: &[f32]) -> (i16, i16) {
    let mut mn = [f32::INFINITY; LANES];
    let mut mx = [f32::NEG_INFINITY; LANES];
    let mut nan = [false; LANES];
    let mut blocks = seg.chunks_exact(LANES);
    for block in &mut blocks {
        for i in 0..LANES {
            let x = block[i];
            mn[i] = if x < mn[i] { x } else { mn[i] };
            mx[i] = if x > mx[i] { x } else { mx[i] };
            nan[i] |= x.is_nan();
        }
    }
    let mut lo = i16::MAX;
    let mut hi = i16::MIN;
    let mut any_nan = nan.iter().any(|&n| n);
    for &x in blocks.remainder() {
        any_nan |= x.is_nan();
        if !x.is_nan() {
            lo = lo.min(to_i16(x));
            hi = hi.max(to_i16(x));
        }
    }
    for i in 0..LANES {
        if mn[i] <= mx[i] {
            lo = lo.min(to_i16(mn[i]));
            hi = hi.max(to_i16(mx[i]));
        }
    }
    if any_nan {
        lo = lo.min(0);
        hi = hi.max(0);
    }
    (lo, hi)
}

/// Min and max of a block of per-frame channel sums (integers held exactly in f32, never NaN).
fn min_max_sums(seg: &[f32]) -> (i32, i32) {
    let mut mn = [f32::INFINITY; LANES];
    let mut mx = [f32::NEG_INFINITY; LANES];
    let mut blocks = seg.chunks_exact(LANES);
    for block in &mut blocks {
        for i in 0..LANES {
            mn[i] = if block[i] < mn[i] { block[i] } else { mn[i] };
            mx[i] = if block[i] > mx[i] { block[i] } else { mx[i] };
        }
    }
    let mut lo = f32::INFINITY;
    let mut hi = f32::NEG_INFINITY;
    for &v in blocks.remainder().iter().chain(&mn) {
        lo = lo.min(v);
    }
    for &v in blocks.remainder().iter().chain(&mx) {
        hi = hi.max(v);
    }
    (lo as i32, hi as i32)
}

/// `to_i16(x)` computed in f32 without a float-to-int conversion: Rust's saturating `as` is
/// not vectorised on x86 (each lane becomes a scalar `cvttss2si` with NaN and range fix-ups),
/// while this is nine plain SSE2 lane operations. NaN becomes 0 and out-of-range values saturate,
/// exactly as `to_i16`; truncation toward zero is the magnitude rounded with the 2^23 trick,
/// minus one where that rounded up, with the sign put back (a test checks every 16-bit
/// boundary).
#[inline(always)]
fn to_i16_f32(x: f32) -> f32 {
    const ROUND: f32 = 8_388_608.0; // 2^23: adding it leaves no fraction bits
    let y = x * 32767.0;
    #[allow(clippy::eq_op)] // the NaN test
    let y = if y == y { y } else { 0.0 };
    let y = if y < -32768.0 { -32768.0 } else { y };
    let y = if y > 32767.0 { 32767.0 } else { y };
    let a = y.abs();
    let r = (a + ROUND) - ROUND;
    let t = r - if r > a { 1.0 } else { 0.0 };
    // `t` is not negative: or-ing in the sign bit of `y` is `copysign` without its masking.
    f32::from_bits(t.to_bits() | (y.to_bits() & 0x8000_0000))
}

/// Smallest and largest per-frame sum of the 16-bit values of `left` and `right`, or `None` when
/// empty.
///
/// Everything stays in f32 lanes (the sum of two 16-bit values is exact in f32), with
/// independent accumulators, so it vectorises on the SSE2 baseline every x86-64 wheel targets,
/// which has no packed i32 min/max either.
fn stereo_sum_range<T: PeakSample>(left: &[T], right: &[T]) -> Option<(i32, i32)> {
    if left.is_empty() {
        return None;
    }
    let mut mn = [f32::INFINITY; STEREO_LANES];
    let mut mx = [f32::NEG_INFINITY; STEREO_LANES];
    let mut lc = left.chunks_exact(STEREO_LANES);
    let mut rc = right.chunks_exact(STEREO_LANES);
    for (l, r) in (&mut lc).zip(&mut rc) {
        for i in 0..STEREO_LANES {
            let s = l[i].lane() + r[i].lane();
            mn[i] = if s < mn[i] { s } else { mn[i] };
            mx[i] = if s > mx[i] { s } else { mx[i] };
        }
    }
    let mut lo = i32::MAX;
    let mut hi = i32::MIN;
    for (&a, &b) in lc.remainder().iter().zip(rc.remainder()) {
        let s = i32::from(a.value()) + i32::from(b.value());
        lo = lo.min(s);
        hi = hi.max(s);
    }
    for i in 0..STEREO_LANES {
        if mn[i] <= mx[i] {
            lo = lo.min(mn[i] as i32);
            hi = hi.max(mx[i] as i32);
        }
    }
    Some((lo, hi))
}

/// A sample type the builder takes: f32 (converted as audiowaveform converts float input) or
/// i16 (integer PCM, used as it is, as audiowaveform does).
trait PeakSample: Copy {
    /// Min and max of the 16-bit values of `seg`; `(i16::MAX, i16::MIN)` when empty.
    fn extremes(seg: &[Self]) -> (i16, i16);
    /// The 16-bit value, held exactly in an f32 lane.
    fn lane(self) -> f32;
    /// The 16-bit value.
    fn value(self) -> i16;
}

impl PeakSample for f32 {
    fn extremes(seg: &[f32]) -> (i16, i16) {
        min_max_f32(seg)
    }
    #[inline(always)]
    fn lane(self) -> f32 {
        to_i16_f32(self)
    }
    #[inline(always)]
    fn value(self) -> i16 {
        to_i16(self)
    }
}

impl PeakSample for i16 {
    fn extremes(seg: &[i16]) -> (i16, i16) {
        // Independent lanes, so the compiler uses packed 16-bit min/max.
        let mut mn = [i16::MAX; LANES];
        let mut mx = [i16::MIN; LANES];
        let mut blocks = seg.chunks_exact(LANES);
        for block in &mut blocks {
            for i in 0..LANES {
                mn[i] = mn[i].min(block[i]);
                mx[i] = mx[i].max(block[i]);
            }
        }
        for &x in blocks.remainder() {
            mn[0] = mn[0].min(x);
            mx[0] = mx[0].max(x);
        }
        (
            mn.iter().copied().fold(i16::MAX, i16::min),
            mx.iter().copied().fold(i16::MIN, i16::max),
        )
    }
    #[inline(always)]
    fn lane(self) -> f32 {
        f32::from(self)
    }
    #[inline(always)]
    fn value(self) -> i16 {
        self
    }
}

/// `samples_per_pixel` for a zoom given in pixels per second: `sample_rate / pixels_per_second`
/// with integer division, as audiowaveform's `--pixels-per-second` does.
pub fn samples_per_pixel_for_pixels_per_second(
    sample_rate: u32,
    pixels_per_second: u32,
) -> Result<u32, WaveformError> {
    if pixels_per_second == 0 {
        return Err(WaveformError::InvalidSamplesPerPixel(0));
    }
    match sample_rate / pixels_per_second {
        0 => Err(WaveformError::InvalidSamplesPerPixel(0)),
        spp => Ok(spp),
    }
}

/// `samples_per_pixel` so that `frames` samples fit in at most `width` pixels:
/// `ceil(frames / width)`, as audiowaveform's `PixelScaleFactor` computes it (at least 1).
pub fn samples_per_pixel_for_width(frames: u64, width: u32) -> Result<u32, WaveformError> {
    if width == 0 {
        return Err(WaveformError::InvalidSamplesPerPixel(0));
    }
    let spp = frames.div_ceil(u64::from(width)).max(1);
    u32::try_from(spp).map_err(|_| WaveformError::InvalidSamplesPerPixel(spp as i64))
}

/// Streaming peaks computation: push planar chunks of any size, then [`finish`](Self::finish).
///
/// Memory is constant in the input length (the output grows by one min/max pair per channel per
/// `samples_per_pixel` frames), and the result does not depend on how the input is chunked.
#[derive(Debug, Clone)]
pub struct PeaksBuilder {
    sample_rate: u32,
    in_channels: usize,
    samples_per_pixel: u32,
    bits: Bits,
    out_channels: usize,
    cur_min: Vec<i32>,
    cur_max: Vec<i32>,
    count: u32,
    frames: u64,
    data: Vec<i16>,
    scratch: Vec<f32>,
    /// Lossy decoder output converted to 16 bits, reused from chunk to chunk.
    converted: Vec<Vec<i16>>,
}

impl PeaksBuilder {
    /// A builder for `channels` input channels. With `split_channels` false the channels are
    /// merged into one waveform channel (audiowaveform's default); with true each input channel
    /// gets its own (audiowaveform `--split-channels`).
    pub fn new(
        sample_rate: u32,
        channels: usize,
        samples_per_pixel: u32,
        bits: Bits,
        split_channels: bool,
    ) -> Result<Self, WaveformError> {
        if sample_rate == 0 {
            return Err(WaveformError::InvalidSampleRate(0));
        }
        if channels == 0 || channels > MAX_CHANNELS {
            return Err(WaveformError::InvalidChannels(channels as i64));
        }
        if samples_per_pixel == 0 {
            return Err(WaveformError::InvalidSamplesPerPixel(0));
        }
        let out_channels = if split_channels { channels } else { 1 };
        let scratch_len = if split_channels || channels == 1 {
            0
        } else {
            MERGE_BLOCK.min(samples_per_pixel as usize)
        };
        Ok(Self {
            sample_rate,
            in_channels: channels,
            samples_per_pixel,
            bits,
            out_channels,
            cur_min: vec![i32::from(i16::MAX); out_channels],
            cur_max: vec![i32::from(i16::MIN); out_channels],
            count: 0,
            frames: 0,
            data: Vec::new(),
            scratch: vec![0.0; scratch_len],
            converted: Vec::new(),
        })
    }

    /// Frames pushed so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Exact duration of the audio pushed so far, in seconds.
    pub fn duration_s(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate)
    }

    /// Output channel count (1 when merging).
    pub fn output_channels(&self) -> usize {
        self.out_channels
    }

    /// Feeds one chunk of planar audio: one slice per input channel, all the same length.
    pub fn push(&mut self, chunk: &[&[f32]]) -> Result<(), WaveformError> {
        self.push_any(chunk)
    }

    /// Feeds one chunk of 16-bit integer PCM, used as it is (audiowaveform reads integer files
    /// as shorts): exact, where the f32 path would round each value toward zero by one step.
    pub fn push_i16(&mut self, chunk: &[&[i16]]) -> Result<(), WaveformError> {
        self.push_any(chunk)
    }

    /// Feeds a decoded chunk the way audiowaveform reads its kind of file: integer PCM as it
    /// is, float PCM truncated (`(short)(x * 32767)`), MP3 as libmad's 16 bits (`x * 32768`
    /// rounded down, clipped to ±32767) and other lossy decoders' output rounded to nearest
    /// (libsndfile's `lrintf(x * 32767)` for Vorbis and Opus).
    pub fn push_samples(&mut self, chunk: Samples<'_>) -> Result<(), WaveformError> {
        match chunk {
            Samples::I16(planes) => self.push_any(planes),
            Samples::F32(planes) => self.push_any(planes),
            Samples::Lossy(planes) => self.push_converted(planes, libsndfile_i16),
            Samples::Mp3(planes) => self.push_converted(planes, libmad_i16),
        }
    }

    /// Feeds f32 planes converted to 16 bits by `convert`.
    fn push_converted(
        &mut self,
        planes: &[&[f32]],
        convert: fn(f32) -> i16,
    ) -> Result<(), WaveformError> {
        let mut converted = std::mem::take(&mut self.converted);
        converted.resize(planes.len(), Vec::new());
        for (c, p) in converted.iter_mut().zip(planes) {
            c.clear();
            c.extend(p.iter().map(|&x| convert(x)));
        }
        let views: Vec<&[i16]> = converted.iter().map(Vec::as_slice).collect();
        let pushed = self.push_any(&views);
        self.converted = converted;
        pushed
    }

    fn push_any<T: PeakSample>(&mut self, chunk: &[&[T]]) -> Result<(), WaveformError> {
        if chunk.len() != self.in_channels {
            return Err(WaveformError::ChannelMismatch {
                expected: self.in_channels,
                got: chunk.len(),
            });
        }
        let n = chunk.first().map_or(0, |c| c.len());
        if let Some(bad) = chunk.iter().find(|c| c.len() != n) {
            return Err(WaveformError::RaggedChunk {
                first: n,
                other: bad.len(),
            });
        }
        let mut pos = 0;
        while pos < n {
            let room = (self.samples_per_pixel - self.count) as usize;
            let take = room.min(n - pos);
            self.accumulate(chunk, pos, pos + take);
            pos += take;
            self.count += take as u32;
            if self.count == self.samples_per_pixel {
                self.emit();
            }
        }
        self.frames += n as u64;
        Ok(())
    }

    /// Folds frames `start..end` (all within one pixel) into the running min/max.
    fn accumulate<T: PeakSample>(&mut self, chunk: &[&[T]], start: usize, end: usize) {
        if self.out_channels == self.in_channels {
            // Split channels, or mono input: min/max per channel straight from the samples.
            for (c, samples) in chunk.iter().enumerate() {
                let (lo, hi) = T::extremes(&samples[start..end]);
                self.cur_min[c] = self.cur_min[c].min(i32::from(lo));
                self.cur_max[c] = self.cur_max[c].max(i32::from(hi));
            }
            return;
        }
        // Merge: per frame, the sum of the 16-bit samples divided (truncating toward zero) by
        // the channel count, exactly as audiowaveform's WaveformGenerator::process.
        let channels = self.in_channels as i32;
        if let [left, right] = chunk {
            // Stereo, the common case: see `stereo_sum_range`.
            if let Some((lo, hi)) = stereo_sum_range(&left[start..end], &right[start..end]) {
                // trunc(sum / 2) is monotonic in the sum, so the extremes of the per-frame
                // averages are the averages of the extreme sums.
                self.cur_min[0] = self.cur_min[0].min(lo / 2);
                self.cur_max[0] = self.cur_max[0].max(hi / 2);
            }
            return;
        }
        // More channels: sums in a scratch block, then the same monotonic argument.
        let mut s = start;
        while s < end {
            let e = end.min(s + self.scratch.len());
            let acc = &mut self.scratch[..e - s];
            for (a, &x) in acc.iter_mut().zip(&chunk[0][s..e]) {
                *a = x.lane();
            }
            for samples in &chunk[1..] {
                for (a, &x) in acc.iter_mut().zip(&samples[s..e]) {
                    *a += x.lane();
                }
            }
            let (lo, hi) = min_max_sums(acc);
            self.cur_min[0] = self.cur_min[0].min(lo / channels);
            self.cur_max[0] = self.cur_max[0].max(hi / channels);
            s = e;
        }
    }

    /// Appends the current pixel and resets the running min/max.
    fn emit(&mut self) {
        for c in 0..self.out_channels {
            // The merged average of 16-bit samples always fits; clamp like audiowaveform anyway.
            let lo = self.cur_min[c].clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
            let hi = self.cur_max[c].clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
            match self.bits {
                Bits::Sixteen => self.data.extend_from_slice(&[lo, hi]),
                // audiowaveform: static_cast<int8_t>(sample / 256), C++ truncating division.
                Bits::Eight => self.data.extend_from_slice(&[lo / 256, hi / 256]),
            }
            self.cur_min[c] = i32::from(i16::MAX);
            self.cur_max[c] = i32::from(i16::MIN);
        }
        self.count = 0;
    }

    /// The peaks, including a final partial pixel if any frames are pending (as audiowaveform's
    /// `WaveformGenerator::done`).
    pub fn finish(mut self) -> Peaks {
        if self.count > 0 {
            self.emit();
        }
        Peaks {
            sample_rate: self.sample_rate,
            samples_per_pixel: self.samples_per_pixel,
            channels: self.out_channels,
            bits: self.bits,
            data: self.data,
        }
    }
}

/// Several zoom levels in one pass over the audio: one [`PeaksBuilder`] per `samples_per_pixel`.
#[derive(Debug, Clone)]
pub struct MultiPeaksBuilder {
    builders: Vec<PeaksBuilder>,
}

impl MultiPeaksBuilder {
    /// One builder per entry of `samples_per_pixel`, all with the same other settings.
    pub fn new(
        sample_rate: u32,
        channels: usize,
        samples_per_pixel: &[u32],
        bits: Bits,
        split_channels: bool,
    ) -> Result<Self, WaveformError> {
        let builders = samples_per_pixel
            .iter()
            .map(|&spp| PeaksBuilder::new(sample_rate, channels, spp, bits, split_channels))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { builders })
    }

    /// Feeds one chunk of planar audio to every zoom level.
    pub fn push(&mut self, chunk: &[&[f32]]) -> Result<(), WaveformError> {
        self.builders.iter_mut().try_for_each(|b| b.push(chunk))
    }

    /// Peaks per zoom level, in the order given to [`new`](Self::new).
    pub fn finish(self) -> Vec<Peaks> {
        self.builders
            .into_iter()
            .map(PeaksBuilder::finish)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(x: f32) {
        let want = f32::from(to_i16(x));
        let got = to_i16_f32(x);
        assert!(
            got == want,
            "x = {x:e} ({:#010x}): {got} vs {want}",
            x.to_bits()
        );
    }

    #[test]
    fn float_truncation_equals_the_integer_conversion() {
        // Around every value whose product with 32767 lands on or next to a 16-bit boundary,
        // a few floats either side (where rounding and truncation differ), past both ends.
        for k in -32_800i32..=32_800 {
            let mut x = k as f32 / 32767.0;
            for _ in 0..4 {
                x = x.next_down();
            }
            for _ in 0..9 {
                check(x);
                check(x + 0.5 / 32767.0);
                x = x.next_up();
            }
        }
        for x in [
            0.0,
            -0.0,
            f32::NAN,
            -f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            1e-40,
            -1e-40,
            1.0,
            -1.0,
            1e10,
            -1e10,
        ] {
            check(x);
        }
        // And a dense sweep of ordinary samples.
        let mut s = 1u32;
        for _ in 0..2_000_000 {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            check(f32::from_bits(s));
            check((s >> 8) as f32 / (1u32 << 24) as f32 * 2.2 - 1.1);
        }
    }
}

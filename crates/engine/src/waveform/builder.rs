//! Streaming min/max computation, bit-exact with audiowaveform's `WaveformGenerator`.

use super::{Bits, Peaks, WaveformError, MAX_CHANNELS};

/// Frames per block when merging channels (bounds the scratch buffer whatever the zoom).
const MERGE_BLOCK: usize = 1024;
/// Independent accumulators in the min/max loop, so the compiler can keep them in SIMD lanes.
const LANES: usize = 16;

/// audiowaveform's float-to-16-bit conversion: `static_cast<short>(x * 32767)` (truncation
/// toward zero). Rust's `as` also saturates out-of-range values and maps NaN to 0, where C++
/// would be undefined.
#[inline(always)]
fn to_i16(x: f32) -> i16 {
    (x * 32767.0) as i16
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

/// Min and max of a block of merged (already averaged) samples.
fn min_max_i32(seg: &[i32]) -> (i32, i32) {
    let mut mn = [i32::MAX; LANES];
    let mut mx = [i32::MIN; LANES];
    let mut blocks = seg.chunks_exact(LANES);
    for block in &mut blocks {
        for i in 0..LANES {
            mn[i] = mn[i].min(block[i]);
            mx[i] = mx[i].max(block[i]);
        }
    }
    let mut lo = i32::MAX;
    let mut hi = i32::MIN;
    for &v in blocks.remainder() {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    for i in 0..LANES {
        lo = lo.min(mn[i]);
        hi = hi.max(mx[i]);
    }
    (lo, hi)
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
    scratch: Vec<i32>,
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
            scratch: vec![0; scratch_len],
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
    fn accumulate(&mut self, chunk: &[&[f32]], start: usize, end: usize) {
        if self.out_channels == self.in_channels {
            // Split channels, or mono input: min/max per channel straight from the floats.
            for (c, samples) in chunk.iter().enumerate() {
                let (lo, hi) = min_max_f32(&samples[start..end]);
                self.cur_min[c] = self.cur_min[c].min(i32::from(lo));
                self.cur_max[c] = self.cur_max[c].max(i32::from(hi));
            }
            return;
        }
        // Merge: per frame, the sum of the 16-bit samples divided (truncating toward zero) by
        // the channel count, exactly as audiowaveform's WaveformGenerator::process.
        let channels = self.in_channels as i32;
        if let [left, right] = chunk {
            // Stereo, the common case: one fused pass the compiler vectorises.
            let (mut lo, mut hi) = (i32::MAX, i32::MIN);
            // Same values as `to_i16` (NaN gives 0, out-of-range saturates), written as a
            // clamp and an i32 conversion, which vectorise.
            let q = |x: f32| (x * 32767.0).clamp(-32768.0, 32767.0) as i32;
            for (&a, &b) in left[start..end].iter().zip(&right[start..end]) {
                let v = (q(a) + q(b)) / 2;
                lo = lo.min(v);
                hi = hi.max(v);
            }
            self.cur_min[0] = self.cur_min[0].min(lo);
            self.cur_max[0] = self.cur_max[0].max(hi);
            return;
        }
        let mut s = start;
        while s < end {
            let e = end.min(s + self.scratch.len());
            let acc = &mut self.scratch[..e - s];
            for (a, &x) in acc.iter_mut().zip(&chunk[0][s..e]) {
                *a = i32::from(to_i16(x));
            }
            for samples in &chunk[1..] {
                for (a, &x) in acc.iter_mut().zip(&samples[s..e]) {
                    *a += i32::from(to_i16(x));
                }
            }
            acc.iter_mut().for_each(|a| *a /= channels);
            let (lo, hi) = min_max_i32(acc);
            self.cur_min[0] = self.cur_min[0].min(lo);
            self.cur_max[0] = self.cur_max[0].max(hi);
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

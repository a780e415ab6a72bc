//! The streaming engine behind [`super::Convolution`] (offline convolution goes through the
//! compute backend): non-uniformly partitioned convolution (a head of `block`-sized partitions, then larger partitions for the
//! tail, each computed once its input is complete and before its output is due), whose latency is
//! one block. Spectra are kept as split real/imaginary arrays so the multiply-accumulate loops
//! vectorise.

use std::sync::Arc;

use realfft::num_complex::Complex;

use crate::compute::fft::{fft_cost, fft_err, fft_pair, spectrum, FftPair, Scratch, Split};
use crate::Result;

/// `h` delayed by `delay` frames, frames `start..start + len` (zeros outside).
fn delayed_segment(h: &[f32], delay: usize, start: usize, len: usize) -> Vec<f32> {
    (start..start + len)
        .map(|i| {
            i.checked_sub(delay)
                .and_then(|j| h.get(j))
                .copied()
                .unwrap_or(0.0)
        })
        .collect()
}

/// `acc += x * h`, bin by bin, on split spectra. Plain indexed loops over equal-length slices
/// so the compiler vectorises them.
#[inline]
fn complex_mac(acc_re: &mut [f32], acc_im: &mut [f32], x: &Split, h: &Split) {
    let n = acc_re.len();
    let (acc_im, xr, xi, hr, hi) = (
        &mut acc_im[..n],
        &x.re[..n],
        &x.im[..n],
        &h.re[..n],
        &h.im[..n],
    );
    for i in 0..n {
        acc_re[i] += xr[i] * hr[i] - xi[i] * hi[i];
        acc_im[i] += xr[i] * hi[i] + xi[i] * hr[i];
    }
}

// ---------------------------------------------------------------------------------------------
// Streaming non-uniform partitioned convolution

/// One uniform stage of the partition: `k` partitions of `p` frames covering filter frames
/// `offset..offset + k * p`. A stage runs every `p` frames on the last `2p` input frames and
/// yields output frames `t - p + offset .. t + offset`, due no earlier than `t - block + ...`,
/// which `offset >= p - block` guarantees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StageLayout {
    pub p: usize,
    pub offset: usize,
    pub k: usize,
}

/// Cost per frame (arbitrary units, same as [`fft_cost`]) of running a layout.
fn layout_cost(stages: &[StageLayout]) -> f64 {
    stages
        .iter()
        .map(|s| {
            let bins = (s.p + 1) as f64;
            (2.0 * fft_cost(2 * s.p) + 4.0 * s.k as f64 * bins + 2000.0) / s.p as f64
        })
        .sum()
}

/// The layout covering `m` filter frames whose partition sizes start at `block` and grow by
/// `ratio` up to `block * cap`, each stage holding just enough partitions for the next to meet
/// its deadline.
fn stage_layout(m: usize, block: usize, ratio: usize, cap: usize) -> Vec<StageLayout> {
    let max_p = block * cap;
    let mut stages = Vec::new();
    let mut covered = 0;
    let mut p = block;
    while covered < m {
        let next_p = (p * ratio).min(max_p);
        let rest = (m - covered).div_ceil(p);
        let k = if next_p > p {
            // Enough partitions that the next stage may start (offset >= next_p - block).
            (next_p - block)
                .saturating_sub(covered)
                .div_ceil(p)
                .clamp(1, rest)
        } else {
            rest
        };
        stages.push(StageLayout {
            p,
            offset: covered,
            k,
        });
        covered += k * p;
        p = next_p;
    }
    stages
}

/// Stage layouts for a filter of `m` frames at block size `block`: a head of block-sized
/// partitions, then stages whose partition size grows by `ratio` up to a cap; the cheapest by
/// the cost model wins.
pub(crate) fn plan_stages(m: usize, block: usize) -> Vec<StageLayout> {
    let mut best: Option<(f64, Vec<StageLayout>)> = None;
    for ratio in [2usize, 4, 8, 16, 32, 64] {
        for cap in [1usize, 4, 8, 16, 32, 64, 128] {
            let stages = stage_layout(m, block, ratio, cap);
            let cost = layout_cost(&stages);
            if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                best = Some((cost, stages));
            }
        }
    }
    best.map(|b| b.1).unwrap_or_default()
}

#[derive(Clone, Debug)]
struct StageFilter {
    layout: StageLayout,
    fft: FftPair,
    /// `parts[ir_channel][k]`, with `None` for an all-zero partition (skipped).
    parts: Vec<Vec<Option<Split>>>,
}

/// The prepared filter of the streaming engine (shared by clones through `Arc`).
#[derive(Debug)]
pub(crate) struct StreamFilter {
    block: usize,
    stages: Vec<StageFilter>,
    /// Ring sizes (multiples of the block) of the input history and the output accumulator.
    hist_len: usize,
    acc_len: usize,
}

impl StreamFilter {
    /// `ir` delayed by `delay` frames and scaled by `gain`, partitioned for `block`.
    pub(crate) fn new(ir: &[Vec<f32>], delay: usize, gain: f32, block: usize) -> Result<Self> {
        let m = ir.first().map_or(0, Vec::len) + delay;
        Self::with_layout(ir, delay, gain, block, plan_stages(m, block))
    }

    pub(crate) fn with_layout(
        ir: &[Vec<f32>],
        delay: usize,
        gain: f32,
        block: usize,
        layouts: Vec<StageLayout>,
    ) -> Result<Self> {
        let mut stages = Vec::with_capacity(layouts.len());
        let mut max_p = block;
        let mut reach = block;
        for layout in layouts {
            let fft = fft_pair(2 * layout.p);
            let mut s = Scratch::new(&fft);
            let g = gain / (2 * layout.p) as f32;
            let mut parts = Vec::with_capacity(ir.len());
            for h in ir {
                let mut v = Vec::with_capacity(layout.k);
                for k in 0..layout.k {
                    let seg = delayed_segment(h, delay, layout.offset + k * layout.p, layout.p);
                    v.push(if seg.iter().all(|&x| x == 0.0) {
                        None
                    } else {
                        Some(spectrum(&fft, &seg, g, &mut s)?)
                    });
                }
                parts.push(v);
            }
            max_p = max_p.max(layout.p);
            reach = reach.max(layout.offset + layout.p + block);
            stages.push(StageFilter { layout, fft, parts });
        }
        Ok(Self {
            block,
            stages,
            hist_len: 2 * max_p,
            acc_len: (reach + block).div_ceil(block) * block,
        })
    }

    pub(crate) fn layouts(&self) -> Vec<StageLayout> {
        self.stages.iter().map(|s| s.layout.clone()).collect()
    }
}

#[derive(Clone, Debug)]
struct StageState {
    /// Frequency-domain delay line: the last `k` input spectra, newest at `pos`.
    fdl: Vec<Split>,
    pos: usize,
}

/// Per-channel streaming state.
#[derive(Clone, Debug)]
struct ChannelState {
    hist: Vec<f32>,
    acc: Vec<f32>,
    stages: Vec<StageState>,
    scratch: Vec<Scratch>,
    acc_re: Vec<f32>,
    acc_im: Vec<f32>,
}

impl ChannelState {
    fn new(filter: &StreamFilter) -> Self {
        let max_bins = filter
            .stages
            .iter()
            .map(|s| s.layout.p + 1)
            .max()
            .unwrap_or(1);
        Self {
            hist: vec![0.0; filter.hist_len],
            acc: vec![0.0; filter.acc_len],
            stages: filter
                .stages
                .iter()
                .map(|s| StageState {
                    fdl: vec![Split::zeros(s.layout.p + 1); s.layout.k],
                    pos: 0,
                })
                .collect(),
            scratch: filter.stages.iter().map(|s| Scratch::new(&s.fft)).collect(),
            acc_re: vec![0.0; max_bins],
            acc_im: vec![0.0; max_bins],
        }
    }

    fn reset(&mut self) {
        self.hist.fill(0.0);
        self.acc.fill(0.0);
        for s in &mut self.stages {
            for x in &mut s.fdl {
                x.re.fill(0.0);
                x.im.fill(0.0);
            }
            s.pos = 0;
        }
    }

    /// Pushes one block of input (frames `t0 .. t0 + block`) through IR channel `ic` and writes
    /// the wet output of that block to `y`.
    fn push(
        &mut self,
        f: &StreamFilter,
        ic: usize,
        t0: usize,
        x: &[f32],
        y: &mut [f32],
    ) -> Result<()> {
        let b = f.block;
        let t = t0 + b;
        let (hl, al) = (f.hist_len, f.acc_len);
        let h0 = t0 % hl;
        // Ring lengths and every partition are multiples of the block: a block never wraps.
        self.hist[h0..h0 + b].copy_from_slice(&x[..b]);
        for ((stage, st), s) in f.stages.iter().zip(&mut self.stages).zip(&mut self.scratch) {
            let p = stage.layout.p;
            if !t.is_multiple_of(p) {
                continue;
            }
            let parts = &stage.parts[ic % stage.parts.len()];
            if parts.iter().all(Option::is_none) {
                continue;
            }
            // The last 2p input frames, oldest first.
            let w0 = (t + hl - 2 * p) % hl;
            let first = (hl - w0).min(2 * p);
            s.time[..first].copy_from_slice(&self.hist[w0..w0 + first]);
            s.time[first..].copy_from_slice(&self.hist[..2 * p - first]);
            stage
                .fft
                .fwd
                .process_with_scratch(&mut s.time, &mut s.freq, &mut s.scratch)
                .map_err(fft_err)?;
            let k = stage.layout.k;
            st.pos = (st.pos + 1) % k;
            let slot = &mut st.fdl[st.pos];
            for ((re, im), c) in slot.re.iter_mut().zip(&mut slot.im).zip(&s.freq) {
                *re = c.re;
                *im = c.im;
            }
            let bins = p + 1;
            let (acc_re, acc_im) = (&mut self.acc_re[..bins], &mut self.acc_im[..bins]);
            acc_re.fill(0.0);
            acc_im.fill(0.0);
            for (j, part) in parts.iter().enumerate() {
                if let Some(hpart) = part {
                    let xi = (st.pos + k - j) % k;
                    complex_mac(acc_re, acc_im, &st.fdl[xi], hpart);
                }
            }
            for ((c, &re), &im) in s.freq.iter_mut().zip(acc_re.iter()).zip(acc_im.iter()) {
                *c = Complex::new(re, im);
            }
            s.freq[0].im = 0.0;
            s.freq[p].im = 0.0;
            stage
                .fft
                .inv
                .process_with_scratch(&mut s.freq, &mut s.time, &mut s.scratch)
                .map_err(fft_err)?;
            // Valid overlap-save output: the second half, for frames t - p + offset ...
            let o0 = (t - p + stage.layout.offset) % al;
            let first = (al - o0).min(p);
            for (a, &v) in self.acc[o0..o0 + first].iter_mut().zip(&s.time[p..]) {
                *a += v;
            }
            for (a, &v) in self.acc[..p - first].iter_mut().zip(&s.time[p + first..]) {
                *a += v;
            }
        }
        let e0 = t0 % al;
        y[..b].copy_from_slice(&self.acc[e0..e0 + b]);
        self.acc[e0..e0 + b].fill(0.0);
        Ok(())
    }
}

/// The streaming engine: after block `j` (frames `j*block .. (j+1)*block`) is pushed, the wet
/// output of those same frames is ready, so counting the block being filled the latency is one
/// block.
#[derive(Clone, Debug)]
pub(crate) struct StreamEngine {
    filter: Arc<StreamFilter>,
    channels: Vec<ChannelState>,
    /// Frames pushed so far (a multiple of the block).
    t: usize,
}

impl StreamEngine {
    pub(crate) fn new(filter: Arc<StreamFilter>, channels: usize) -> Self {
        let states = (0..channels).map(|_| ChannelState::new(&filter)).collect();
        Self {
            filter,
            channels: states,
            t: 0,
        }
    }

    pub(crate) fn filter(&self) -> Arc<StreamFilter> {
        self.filter.clone()
    }

    pub(crate) fn channel_count(&self) -> usize {
        self.channels.len()
    }

    pub(crate) fn reset(&mut self) {
        for c in &mut self.channels {
            c.reset();
        }
        self.t = 0;
    }

    /// Pushes one block per channel (`input[c].len() == block`) and writes the wet output of
    /// that block into `out[c]`. Channels run one after the other on the caller's thread: on a
    /// busy 2-core machine, handing the blocks where a large partition is due to a second thread
    /// measured slower (the thread waits to be scheduled) than doing them here.
    pub(crate) fn push_block(&mut self, input: &[Vec<f32>], out: &mut [Vec<f32>]) -> Result<()> {
        let f = &*self.filter;
        for (ci, ((state, x), y)) in self
            .channels
            .iter_mut()
            .zip(input)
            .zip(out.iter_mut())
            .enumerate()
        {
            state.push(f, ci, self.t, x, y)?;
        }
        self.t += f.block;
        Ok(())
    }
}

/// One stage layout of the streaming engine on a one-channel filter, made by [`layout_trial`].
#[doc(hidden)]
#[derive(Debug)]
pub struct LayoutTrial {
    /// (partition frames, partitions) per stage.
    pub stages: Vec<(usize, usize)>,
    /// The cost model's estimate per frame (arbitrary units).
    pub model_cost: f64,
    engine: StreamEngine,
    out: Vec<Vec<f32>>,
}

impl LayoutTrial {
    /// Resets the engine and streams `x` through it block by block (a partial last block is
    /// left out).
    pub fn run(&mut self, x: &[f32]) -> Result<()> {
        self.engine.reset();
        for chunk in x.chunks_exact(self.engine.filter.block) {
            self.engine.push_block(&[chunk.to_vec()], &mut self.out)?;
        }
        Ok(())
    }
}

/// For timing experiments (`examples/partition_layouts.rs`), not a supported API: the
/// streaming engine for the filter `h` at block size `block`, with the layout the engine plans
/// (`growth` is `None`) or the one whose partitions grow by `ratio` up to `block * cap`
/// (`Some((ratio, cap))`).
#[doc(hidden)]
pub fn layout_trial(
    h: &[f32],
    block: usize,
    growth: Option<(usize, usize)>,
) -> Result<LayoutTrial> {
    let in_range = |v: usize| (1..=1024).contains(&v);
    let growth_ok = growth.is_none_or(|(ratio, cap)| in_range(ratio) && in_range(cap));
    if block == 0 || h.is_empty() || !growth_ok {
        return Err(crate::Error::InvalidArgument(format!(
            "layout trial: needs a filter, a block of at least 1 frame and growth within 1..=1024 \
             (got {} frames, block {block}, growth {growth:?})",
            h.len()
        )));
    }
    let layout = match growth {
        None => plan_stages(h.len(), block),
        Some((ratio, cap)) => stage_layout(h.len(), block, ratio, cap),
    };
    let stages = layout.iter().map(|s| (s.p, s.k)).collect();
    let model_cost = layout_cost(&layout);
    let filter = StreamFilter::with_layout(&[h.to_vec()], 0, 1.0, block, layout)?;
    Ok(LayoutTrial {
        stages,
        model_cost,
        engine: StreamEngine::new(Arc::new(filter), 1),
        out: vec![vec![0.0; block]],
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn layouts_cover_the_filter_and_respect_the_deadline() {
        for block in [32, 256, 512, 4096] {
            for m in [1, 100, 511, 512, 513, 5000, 110_250, 1_000_000] {
                let stages = plan_stages(m, block);
                let mut covered = 0;
                for s in &stages {
                    assert_eq!(s.offset, covered);
                    assert!(s.offset + block >= s.p, "{s:?} misses its deadline");
                    assert_eq!(s.p % block, 0);
                    covered += s.p * s.k;
                }
                assert!(covered >= m && covered - m < stages.last().unwrap().p);
            }
        }
    }
}

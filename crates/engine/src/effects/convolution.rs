//! [`Convolution`]: convolution reverb with an impulse response from a file, a built-in name or
//! memory, resolved at whatever sample rate the signal has. Whole buffers go through FFT
//! overlap-add ([`Effect::process_buffer`]); streaming ([`Effect::process`]) goes through a
//! non-uniformly partitioned convolution with one block of latency. Both give the same result.
//!
//! Channel `i` of the signal is convolved with IR channel `i % ir_channels`: a mono IR serves
//! every channel, a stereo IR on stereo audio works channel-wise (as pedalboard and JUCE do), and
//! a stereo IR on mono audio uses its first (left) channel, as JUCE does.

use std::sync::Arc;

use super::ir::IrSource;
use super::partitioned::{StreamEngine, StreamFilter};
use super::{check_finite, check_shape, Effect, ImpulseResponse};
use crate::compute::{self, Backend, FilterKernel};
use crate::{AudioBuffer, Error, Result};

/// Longest accepted pre-delay, milliseconds.
pub const MAX_PRE_DELAY_MS: f32 = 5000.0;

/// Settings of a [`Convolution`].
#[derive(Clone, Debug, PartialEq)]
pub struct ConvolutionParams {
    /// Wet fraction, 0..=1: output = (1 - mix) * dry + mix * wet. Default 1.0 (wet only; the
    /// built-in IRs and most measured IRs contain the direct sound).
    pub mix: f32,
    /// Delay of the wet signal, milliseconds (0..=5000), rounded to whole frames. Default 0.
    pub pre_delay_ms: f32,
    /// Whole-buffer output the same length as the input (pedalboard's behaviour) instead of
    /// longer by the reverb tail. Default false.
    pub trim_tail: bool,
    /// Scale the IR by one gain for all its channels (keeping their balance) so that its loudest
    /// channel has unit energy (sum of squares 1): broadband audio then comes out of the wet path
    /// at about its input loudness, whatever the IR's recorded level, length or sample rate.
    /// (JUCE, hence pedalboard, uses the same rule with a further 0.125, i.e. -18 dB.)
    /// Default true.
    pub normalize: bool,
    /// Streaming partition size and latency, frames: a power of two within 32..=16384.
    /// Default 512.
    pub block_frames: usize,
}

impl Default for ConvolutionParams {
    fn default() -> Self {
        Self {
            mix: 1.0,
            pre_delay_ms: 0.0,
            trim_tail: false,
            normalize: true,
            block_frames: 512,
        }
    }
}

impl ConvolutionParams {
    /// Checks every field's range.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.mix) {
            return Err(Error::InvalidArgument(format!(
                "convolution: mix must be within 0..=1, got {}",
                self.mix
            )));
        }
        if !(0.0..=MAX_PRE_DELAY_MS).contains(&self.pre_delay_ms) {
            return Err(Error::InvalidArgument(format!(
                "convolution: pre_delay_ms must be within 0..={MAX_PRE_DELAY_MS}, got {}",
                self.pre_delay_ms
            )));
        }
        if !self.block_frames.is_power_of_two() || !(32..=16384).contains(&self.block_frames) {
            return Err(Error::InvalidArgument(format!(
                "convolution: block_frames must be a power of two within 32..=16384, got {}",
                self.block_frames
            )));
        }
        Ok(())
    }

    /// The pre-delay in frames at `sample_rate`.
    pub fn pre_delay_frames(&self, sample_rate: u32) -> usize {
        (f64::from(self.pre_delay_ms) * f64::from(sample_rate) / 1000.0).round() as usize
    }
}

/// State for streaming at one sample rate and channel count.
#[derive(Clone, Debug)]
struct Streaming {
    sample_rate: u32,
    engine: StreamEngine,
    /// The block being filled, the finished output of the previous block, and the wet output.
    input: Vec<Vec<f32>>,
    ready: Vec<Vec<f32>>,
    wet: Vec<Vec<f32>>,
    fill: usize,
}

/// Convolution reverb. Holds the IR *source* (built-in name, file or in-memory IR) and resolves
/// it per sample rate, so one `Convolution` works at any rate (re-preparing when it changes).
#[derive(Clone)]
pub struct Convolution {
    source: IrSource,
    params: ConvolutionParams,
    streaming: Option<Streaming>,
    /// Where whole-buffer convolution runs (the CPU unless set).
    backend: Arc<dyn Backend>,
    /// The offline filter last used: (sample rate, FFT size, filter).
    offline: Option<(u32, usize, Arc<dyn FilterKernel>)>,
}

impl Convolution {
    /// A built-in IR name (see [`ImpulseResponse::BUILTIN_NAMES`]) or a path to an IR file.
    /// A missing file is [`Error::NotFound`], an unknown name [`Error::InvalidArgument`]
    /// listing the built-in names; the file is read now.
    pub fn new(ir: &str, params: ConvolutionParams) -> Result<Self> {
        params.validate()?;
        Ok(Self {
            source: IrSource::parse(ir)?,
            params,
            streaming: None,
            backend: compute::cpu(),
            offline: None,
        })
    }

    /// An in-memory IR (resampled as needed to each signal's rate).
    pub fn from_ir(ir: ImpulseResponse, params: ConvolutionParams) -> Result<Self> {
        params.validate()?;
        ir.validate()?;
        Ok(Self {
            source: IrSource::Memory(Arc::new(ir)),
            params,
            streaming: None,
            backend: compute::cpu(),
            offline: None,
        })
    }

    /// Runs whole-buffer convolution on `backend` (streaming stays on the CPU: its blocks are
    /// too small to pay for a round trip).
    pub fn with_backend(mut self, backend: Arc<dyn Backend>) -> Self {
        self.backend = backend;
        self.offline = None;
        self
    }

    /// Runs whole-buffer convolution on the GPU when `use_gpu` and one is available (see
    /// [`compute::select`]); [`Effect::backend`] then says what ran.
    pub fn with_gpu(self, use_gpu: bool) -> Self {
        self.with_backend(compute::select(use_gpu).backend)
    }

    pub fn params(&self) -> &ConvolutionParams {
        &self.params
    }

    /// The streaming partition prepared by the last [`Effect::process`] call, as
    /// `(partition_frames, first_ir_frame, partitions)` per stage (for reports and benchmarks).
    pub fn streaming_partitions(&self) -> Vec<(usize, usize, usize)> {
        self.streaming.as_ref().map_or_else(Vec::new, |s| {
            s.engine
                .filter()
                .layouts()
                .into_iter()
                .map(|l| (l.p, l.offset, l.k))
                .collect()
        })
    }

    /// The FFT size the last whole-buffer call used, if any.
    pub fn offline_fft_frames(&self) -> Option<usize> {
        self.offline.as_ref().map(|o| o.2.fft_n())
    }

    /// The IR at `sample_rate` and the gain applied to the wet path (normalisation and mix).
    fn ir_and_gain(&self, sample_rate: u32) -> Result<(Arc<ImpulseResponse>, f32)> {
        let ir = self.source.at_rate(sample_rate)?;
        let norm = if self.params.normalize {
            ir.normalization_gain()
        } else {
            1.0
        };
        Ok((ir, norm * self.params.mix))
    }

    fn prepare_streaming(&mut self, channels: usize, sample_rate: u32) -> Result<()> {
        let b = self.params.block_frames;
        if let Some(s) = &mut self.streaming {
            if s.sample_rate == sample_rate {
                if s.engine.channel_count() != channels {
                    s.engine = StreamEngine::new(s.engine.filter(), channels);
                    s.input = vec![vec![0.0; b]; channels];
                    s.ready = vec![vec![0.0; b]; channels];
                    s.wet = vec![vec![0.0; b]; channels];
                    s.fill = 0;
                }
                return Ok(());
            }
        }
        let (ir, gain) = self.ir_and_gain(sample_rate)?;
        let delay = self.params.pre_delay_frames(sample_rate);
        let filter = Arc::new(StreamFilter::new(&ir.channels, delay, gain, b)?);
        self.streaming = Some(Streaming {
            sample_rate,
            engine: StreamEngine::new(filter, channels),
            input: vec![vec![0.0; b]; channels],
            ready: vec![vec![0.0; b]; channels],
            wet: vec![vec![0.0; b]; channels],
            fill: 0,
        });
        Ok(())
    }
}

impl std::fmt::Debug for Convolution {
    // Short: the IR and its spectra would fill pages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Convolution")
            .field("ir", &self.source.describe())
            .field("params", &self.params)
            .field(
                "streaming_rate",
                &self.streaming.as_ref().map(|s| s.sample_rate),
            )
            .finish()
    }
}

fn worker_threads() -> usize {
    crate::threads::available().min(8)
}

impl Effect for Convolution {
    fn name(&self) -> &'static str {
        "convolution"
    }

    fn backend(&self) -> Option<String> {
        Some(self.backend.name())
    }

    fn process(&mut self, channels: &mut [Vec<f32>], sample_rate: u32) -> Result<()> {
        let frames = check_shape(channels, self.name())?;
        check_finite(channels, self.name())?;
        if channels.is_empty() {
            return Ok(());
        }
        self.prepare_streaming(channels.len(), sample_rate)?;
        let dry = 1.0 - self.params.mix;
        let b = self.params.block_frames;
        let Some(s) = &mut self.streaming else {
            return Err(Error::Internal(
                "convolution: streaming state missing".into(),
            ));
        };
        let mut pos = 0;
        while pos < frames {
            let take = (b - s.fill).min(frames - pos);
            let range = s.fill..s.fill + take;
            for ((c, input), ready) in channels.iter_mut().zip(&mut s.input).zip(&s.ready) {
                input[range.clone()].copy_from_slice(&c[pos..pos + take]);
                c[pos..pos + take].copy_from_slice(&ready[range.clone()]);
            }
            s.fill += take;
            pos += take;
            if s.fill == b {
                s.engine.push_block(&s.input, &mut s.wet)?;
                for ((ready, wet), input) in s.ready.iter_mut().zip(&s.wet).zip(&s.input) {
                    for ((r, &w), &x) in ready.iter_mut().zip(wet).zip(input) {
                        *r = w + dry * x;
                    }
                }
                s.fill = 0;
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        if let Some(s) = &mut self.streaming {
            s.engine.reset();
            for v in s.input.iter_mut().chain(&mut s.ready).chain(&mut s.wet) {
                v.fill(0.0);
            }
            s.fill = 0;
        }
    }

    fn latency_frames(&self, _sample_rate: u32) -> usize {
        self.params.block_frames
    }

    fn tail_frames(&self, sample_rate: u32) -> usize {
        if self.params.trim_tail {
            0
        } else {
            self.source.frames_at(sample_rate).saturating_sub(1)
                + self.params.pre_delay_frames(sample_rate)
        }
    }

    /// Offline FFT overlap-add over the whole buffer (threads over channels and segments).
    fn process_buffer(&mut self, audio: &AudioBuffer) -> Result<AudioBuffer> {
        let n = audio.frames();
        self.reset();
        let sr = audio.sample_rate();
        let tail = self.tail_frames(sr);
        let out_len = n + tail;
        let delay = self.params.pre_delay_frames(sr);
        let dry = 1.0 - self.params.mix;
        if n == 0 || audio.channels().is_empty() {
            return Ok(AudioBuffer::silence(audio.channel_count(), out_len, sr));
        }
        let (ir, gain) = self.ir_and_gain(sr)?;
        let m = ir.frames();
        let fft_n = self.backend.offline_fft_size(n, m);
        let filter = match &self.offline {
            Some((r, f, filter)) if *r == sr && *f == fft_n => filter.clone(),
            _ => {
                let filter = self.backend.filter_kernel(&ir.channels, gain, fft_n)?;
                self.offline = Some((sr, fft_n, filter.clone()));
                filter
            }
        };
        let threads = if n * m > 1 << 26 { worker_threads() } else { 1 };
        let wet = filter.convolve(audio.channels(), threads)?;
        let channels = audio
            .channels()
            .iter()
            .zip(wet)
            .map(|(x, w)| {
                if delay == 0 && dry == 0.0 {
                    let mut w = w;
                    w.resize(out_len, 0.0);
                    return w;
                }
                let mut out = vec![0.0; out_len];
                if delay < out_len {
                    for (o, &v) in out[delay..].iter_mut().zip(&w) {
                        *o = v;
                    }
                }
                if dry != 0.0 {
                    for (o, &v) in out.iter_mut().zip(x) {
                        *o += dry * v;
                    }
                }
                out
            })
            .collect();
        Ok(AudioBuffer::from_trusted(channels, sr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const _: () = {
        const fn send_sync<T: Send + Sync>() {}
        send_sync::<Convolution>();
        send_sync::<ImpulseResponse>();
    };

    #[test]
    fn params_are_checked() {
        let bad = [
            ConvolutionParams {
                mix: 1.5,
                ..Default::default()
            },
            ConvolutionParams {
                mix: f32::NAN,
                ..Default::default()
            },
            ConvolutionParams {
                pre_delay_ms: -1.0,
                ..Default::default()
            },
            ConvolutionParams {
                block_frames: 500,
                ..Default::default()
            },
        ];
        for p in bad {
            let e = Convolution::new("room", p).unwrap_err();
            assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
        }
    }
}

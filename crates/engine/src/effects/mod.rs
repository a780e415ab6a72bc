//! Effects: convolution reverb with file and built-in impulse responses, algorithmic
//! reverb, RBJ biquad EQ, compressor, true-peak limiter, gain and loudness normalisation, and a
//! `Chain` of effects that is itself an effect. Every effect processes planar `f32` audio of any
//! channel count and sample rate, keeps its state between chunks, and is `Send + Sync`.
//!
//! Two ways to run an effect, as in pedalboard:
//! - **Streaming** ([`Effect::process`]): a chunk of any length in, the same number of frames out,
//!   state kept between calls. Output is delayed by [`Effect::latency_frames`] (a look-ahead
//!   limiter's look-ahead, a partitioned convolution's block). Feeding the chunks of a signal
//!   followed by `latency_frames() + tail_frames()` frames of silence gives the whole-buffer
//!   result delayed by `latency_frames()` (within 1e-6).
//! - **Whole buffer** ([`Effect::process_buffer`]): resets the state, processes everything and
//!   returns the output aligned with the input (latency removed) followed by the effect's tail
//!   (`tail_frames()`, e.g. the impulse response's length for a convolution). Effects may
//!   override it with a faster offline method (FFT overlap-add for convolution).

mod builtin_ir;
pub mod chain;
pub mod convolution;
pub mod dynamics;
pub mod eq;
pub mod ir;
mod partitioned;
pub mod reverb;
pub mod spec;

pub use chain::Chain;
pub use convolution::{Convolution, ConvolutionParams};
pub use dynamics::{Compressor, CompressorParams, Gain, Limiter, LimiterParams, LoudnessNormalize};
pub use eq::{Eq, FilterBand, FilterType};
pub use ir::ImpulseResponse;
/// The streaming convolution's stage layouts, for `examples/partition_layouts.rs` only.
#[doc(hidden)]
pub use partitioned::{layout_trial, LayoutTrial};
pub use reverb::{Reverb, ReverbParams};
pub use spec::{ChainSpec, ConvolutionSpec, EffectSpec};

pub(crate) use crate::audio::{check_finite, check_shape};
use crate::{AudioBuffer, Error, Result};

/// An [`Effect`] that can be copied behind a `Box`: what a [`Chain`] holds. Every `Clone` effect
/// is one, through the blanket implementation. A copy carries the original's state; call
/// [`Effect::reset`] on it for a fresh effect.
pub trait CloneEffect: Effect {
    /// A boxed copy.
    fn clone_box(&self) -> BoxedEffect;
    /// The same object as a plain [`Effect`] (what trait upcasting does on newer compilers).
    fn as_effect_mut(&mut self) -> &mut dyn Effect;
}

impl<T: Effect + Clone + 'static> CloneEffect for T {
    fn clone_box(&self) -> BoxedEffect {
        Box::new(self.clone())
    }
    fn as_effect_mut(&mut self) -> &mut dyn Effect {
        self
    }
}

/// A boxed, clonable effect.
pub type BoxedEffect = Box<dyn CloneEffect>;

impl Clone for BoxedEffect {
    fn clone(&self) -> Self {
        self.as_ref().clone_box()
    }
}

/// Refuses a parameter outside `lo..=hi` (or not finite) with a message naming the effect, the
/// parameter and its range.
pub(crate) fn check_param(effect: &str, name: &str, value: f32, lo: f32, hi: f32) -> Result<()> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{effect}: {name} = {value} is outside its range {lo}..={hi}"
        )))
    }
}

/// Refuses a zero sample rate (every effect derives its coefficients from it).
pub(crate) fn check_rate(effect: &str, sample_rate: u32) -> Result<()> {
    if sample_rate == 0 {
        return Err(Error::InvalidArgument(format!(
            "{effect}: sample_rate must be at least 1 Hz"
        )));
    }
    Ok(())
}

/// An audio effect. Implementations keep per-channel state sized on first use and re-prepare
/// (resetting state) when the channel count or sample rate changes.
pub trait Effect: Send + Sync {
    /// A short name for messages and reports, e.g. `"compressor"`.
    fn name(&self) -> &'static str;

    /// Processes one chunk in place (every channel has the same length; any length, including
    /// zero). State is kept for the next call.
    fn process(&mut self, channels: &mut [Vec<f32>], sample_rate: u32) -> Result<()>;

    /// Clears all state (delay lines, envelopes, filter memories), as if newly made.
    fn reset(&mut self);

    /// Frames by which streaming output lags its input at `sample_rate`.
    fn latency_frames(&self, sample_rate: u32) -> usize {
        let _ = sample_rate;
        0
    }

    /// Frames of output that follow the end of the input (a reverb's decay), at `sample_rate`.
    /// Whole-buffer processing appends this many frames.
    fn tail_frames(&self, sample_rate: u32) -> usize {
        let _ = sample_rate;
        0
    }

    /// Where this effect's heavy compute ran, for reports: `None` for effects that always run
    /// on the CPU, else the backend's name (see [`crate::compute::Backend::name`]).
    fn backend(&self) -> Option<String> {
        None
    }

    /// Whether [`Effect::process_buffer`] is the default (streaming over the input plus silence),
    /// so that with no latency and no tail it equals resetting and streaming the buffer in place.
    /// Effects that override `process_buffer` must leave this `false` (the default).
    fn in_place_whole_buffer(&self) -> bool {
        false
    }

    /// Whole-buffer processing: resets, processes `audio` and returns it aligned with the
    /// input, longer by `tail_frames()`. The default runs the streaming path on the input
    /// followed by silence and drops the first `latency_frames()` frames.
    fn process_buffer(&mut self, audio: &AudioBuffer) -> Result<AudioBuffer> {
        self.reset();
        let sr = audio.sample_rate();
        let latency = self.latency_frames(sr);
        let tail = self.tail_frames(sr);
        let frames = audio.frames();
        let mut channels: Vec<Vec<f32>> = audio
            .channels()
            .iter()
            .map(|c| {
                let mut v = Vec::with_capacity(frames + latency + tail);
                v.extend_from_slice(c);
                v.resize(frames + latency + tail, 0.0);
                v
            })
            .collect();
        self.process(&mut channels, sr)?;
        for c in &mut channels {
            c.drain(..latency.min(c.len()));
        }
        Ok(AudioBuffer::from_trusted(channels, sr))
    }
}

/// Whole-buffer processing of a buffer the caller owns: the same result as
/// [`Effect::process_buffer`], without a copy for effects that have no latency and no tail and
/// keep the default whole-buffer method (filters, compressor, gain), and as one chain. Used by
/// the Python bindings and [`Chain`].
pub fn process_owned(effect: &mut dyn Effect, mut audio: AudioBuffer) -> Result<AudioBuffer> {
    let sr = audio.sample_rate();
    if effect.in_place_whole_buffer()
        && effect.latency_frames(sr) == 0
        && effect.tail_frames(sr) == 0
    {
        effect.reset();
        effect.process(audio.channels_mut(), sr)?;
        return Ok(audio);
    }
    effect.process_buffer(&audio)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-sample delay: the smallest effect with latency, to test the default
    /// whole-buffer method.
    struct Delay1 {
        last: Vec<f32>,
    }

    impl Effect for Delay1 {
        fn name(&self) -> &'static str {
            "delay1"
        }
        fn process(&mut self, channels: &mut [Vec<f32>], _sr: u32) -> Result<()> {
            self.last.resize(channels.len(), 0.0);
            for (c, last) in channels.iter_mut().zip(&mut self.last) {
                for x in c.iter_mut() {
                    std::mem::swap(x, last);
                }
            }
            Ok(())
        }
        fn reset(&mut self) {
            self.last.clear();
        }
        fn latency_frames(&self, _sr: u32) -> usize {
            1
        }
    }

    #[test]
    fn whole_buffer_removes_latency() {
        let mut d = Delay1 { last: vec![] };
        let audio =
            AudioBuffer::new(vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]], 48_000).unwrap();
        let out = d.process_buffer(&audio).unwrap();
        assert_eq!(out, audio);
    }
}

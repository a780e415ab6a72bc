//! [`Chain`]: effects run in order, itself an effect. Streaming passes each chunk through every
//! effect in turn, so latencies add up; whole-buffer processing runs each effect's own
//! whole-buffer method in turn on the input padded by the summed tails (so a convolution uses
//! its FFT path, and each effect's latency is removed), so tails add up too. Because every effect leaves silence from
//! a reset state unchanged, the two agree: the chained streaming output is the whole-buffer
//! output delayed by the summed latency.

use super::{check_finite, BoxedEffect, Effect};

use crate::{AudioBuffer, Result};

/// An ordered list of effects.
#[derive(Clone, Default)]
pub struct Chain {
    effects: Vec<BoxedEffect>,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.effects.iter().map(|e| e.name()))
            .finish()
    }
}

impl Chain {
    pub fn new(effects: Vec<BoxedEffect>) -> Self {
        Chain { effects }
    }

    /// Appends an effect.
    pub fn push(&mut self, effect: BoxedEffect) {
        self.effects.push(effect);
    }

    pub fn effects(&self) -> &[BoxedEffect] {
        &self.effects
    }

    pub fn len(&self) -> usize {
        self.effects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.effects.is_empty()
    }
}

impl Effect for Chain {
    fn name(&self) -> &'static str {
        "chain"
    }

    fn process(&mut self, channels: &mut [Vec<f32>], sample_rate: u32) -> Result<()> {
        check_finite(channels, "chain")?;
        for e in &mut self.effects {
            e.process(channels, sample_rate)?;
        }
        Ok(())
    }

    fn reset(&mut self) {
        for e in &mut self.effects {
            e.reset();
        }
    }

    fn backend(&self) -> Option<String> {
        let mut names: Vec<String> = Vec::new();
        for n in self.effects.iter().filter_map(|e| e.backend()) {
            if !names.contains(&n) {
                names.push(n);
            }
        }
        (!names.is_empty()).then(|| names.join("; "))
    }

    fn latency_frames(&self, sample_rate: u32) -> usize {
        self.effects
            .iter()
            .map(|e| e.latency_frames(sample_rate))
            .sum()
    }

    fn tail_frames(&self, sample_rate: u32) -> usize {
        self.effects
            .iter()
            .map(|e| e.tail_frames(sample_rate))
            .sum()
    }

    fn process_buffer(&mut self, audio: &AudioBuffer) -> Result<AudioBuffer> {
        // Every effect sees the input followed by room for all the tails, so what one effect
        // lets ring on after the input (a filter's ring, which it does not count as a tail) still
        // reaches the next one, exactly as when streaming.
        let frames = audio.frames() + self.tail_frames(audio.sample_rate());
        let mut out = audio.clone();
        for c in out.channels_mut() {
            c.resize(frames, 0.0);
        }
        for e in &mut self.effects {
            out = super::process_owned(e.as_effect_mut(), out)?;
            for c in out.channels_mut() {
                c.truncate(frames);
            }
        }
        Ok(out)
    }
}

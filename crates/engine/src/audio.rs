//! [`AudioBuffer`]: planar `f32` channels plus their sample rate, the one currency between the
//! engine's parts.

/// Planar audio: one `Vec<f32>` per channel, all the same length.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioBuffer {
    pub channels: Vec<Vec<f32>>,
    pub sample_rate: u32,
}

impl AudioBuffer {
    /// A silent buffer.
    pub fn new(channels: usize, frames: usize, sample_rate: u32) -> Self {
        Self {
            channels: vec![vec![0.0; frames]; channels],
            sample_rate,
        }
    }

    /// Number of frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Number of channels.
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate.max(1))
    }

    /// Largest absolute sample value.
    pub fn peak(&self) -> f32 {
        self.channels
            .iter()
            .flat_map(|c| c.iter())
            .fold(0.0f32, |m, &x| m.max(x.abs()))
    }

    /// Peak level in dBFS (`-inf` for silence).
    pub fn peak_dbfs(&self) -> f64 {
        20.0 * f64::from(self.peak()).log10()
    }

    /// Multiplies every sample by `gain`.
    pub fn apply_gain(&mut self, gain: f32) {
        for c in &mut self.channels {
            for x in c.iter_mut() {
                *x *= gain;
            }
        }
    }
}

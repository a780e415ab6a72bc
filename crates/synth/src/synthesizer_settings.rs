use crate::error::SynthesizerError;
use crate::interpolation::Interpolation;

/// Specifies a set of parameters for synthesis.
#[derive(Debug)]
#[non_exhaustive]
pub struct SynthesizerSettings {
    /// The sample rate for synthesis.
    pub sample_rate: i32,
    /// The block size for rendering waveform.
    pub block_size: usize,
    /// The number of maximum polyphony.
    pub maximum_polyphony: usize,
    /// The value indicating whether reverb and chorus are enabled.
    pub enable_reverb_and_chorus: bool,
    /// Fork addition (default `false`): skip a voice's low-pass filter while
    /// it is fully open, i.e. the cutoff is at least `min(0.45 * sample_rate,
    /// 19 900 Hz)` (the SoundFont maximum 13 500 cents is 19 912 Hz) and the
    /// resonance is flat (Q <= 0 dB). Upstream still filters such voices, which
    /// slightly darkens and phase-shifts them. Skipping saves only a few percent
    /// now that the filters are batched (0-6 % with FluidR3_GM), and the output
    /// then differs from upstream rustysynth by about -28 dB (RMS of the
    /// difference relative to the signal). With `false` (default) the output is
    /// identical to upstream.
    pub skip_open_filter: bool,
    /// Fork addition (default `true`): apply the SoundFont's modulators (pmod /
    /// imod chunks and the SF2 default modulators) whose sources are known at
    /// note-on: note-on velocity and key number, acting on any generator read
    /// when a voice starts (filter cutoff / Q, attenuation, pan, envelope
    /// times, LFOs, effect sends, tuning...). Controller-driven modulators are
    /// not applied (rustysynth's own fixed handling of modulation wheel,
    /// volume, expression, pan, sends and pitch bend is kept). The default
    /// velocity -> filter cutoff modulator is not applied, as in FluidSynth.
    /// With `false` the output is identical to upstream rustysynth 1.3.8.
    pub enable_modulators: bool,
    /// Fork addition (default [`Interpolation::Linear`], upstream's): how samples are read
    /// between their points. [`Interpolation::Cubic`] and [`Interpolation::Sinc`] alias less
    /// when samples play above their root pitch and cost more.
    pub interpolation: Interpolation,
}

impl SynthesizerSettings {
    const DEFAULT_BLOCK_SIZE: usize = 64;
    const DEFAULT_MAXIMUM_POLYPHONY: usize = 64;
    const DEFAULT_ENABLE_REVERB_AND_CHORUS: bool = true;

    /// Initializes a new instance of synthesizer settings.
    ///
    /// # Arguments
    ///
    /// * `sample_rate` - The sample rate for synthesis.
    pub fn new(sample_rate: i32) -> Self {
        Self {
            sample_rate,
            block_size: SynthesizerSettings::DEFAULT_BLOCK_SIZE,
            maximum_polyphony: SynthesizerSettings::DEFAULT_MAXIMUM_POLYPHONY,
            enable_reverb_and_chorus: SynthesizerSettings::DEFAULT_ENABLE_REVERB_AND_CHORUS,
            skip_open_filter: false,
            enable_modulators: true,
            interpolation: Interpolation::Linear,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), SynthesizerError> {
        SynthesizerSettings::check_sample_rate(self.sample_rate)?;
        SynthesizerSettings::check_block_size(self.block_size)?;
        SynthesizerSettings::check_maximum_polyphony(self.maximum_polyphony)?;

        Ok(())
    }

    fn check_sample_rate(value: i32) -> Result<(), SynthesizerError> {
        if !(16_000..=192_000).contains(&value) {
            return Err(SynthesizerError::SampleRateOutOfRange(value));
        }

        Ok(())
    }

    fn check_block_size(value: usize) -> Result<(), SynthesizerError> {
        if !(8..=1024).contains(&value) {
            return Err(SynthesizerError::BlockSizeOutOfRange(value));
        }

        Ok(())
    }

    fn check_maximum_polyphony(value: usize) -> Result<(), SynthesizerError> {
        if !(8..=256).contains(&value) {
            return Err(SynthesizerError::MaximumPolyphonyOutOfRange(value));
        }

        Ok(())
    }
}

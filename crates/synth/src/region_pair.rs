use crate::generator_type::GeneratorType;
use crate::instrument_region::InstrumentRegion;
use crate::loop_mode::LoopMode;
use crate::modulator::{self, Modulator, DEFAULT_VELOCITY_TO_ATTENUATION};
use crate::preset_region::PresetRegion;
use crate::soundfont_math::SoundFontMath;

#[non_exhaustive]
pub(crate) struct RegionPair<'a> {
    pub(crate) preset: &'a PresetRegion,
    pub(crate) instrument: &'a InstrumentRegion,
    // Fork: note-on modulator contributions per generator (generator units),
    // and the scale of rustysynth's built-in velocity -> attenuation curve
    // (the SF2 default modulator's amount / 960).
    mods: [f32; GeneratorType::COUNT],
    velocity_attenuation_scale: f32,
}

impl<'a> RegionPair<'a> {
    pub(crate) fn new(preset: &'a PresetRegion, instrument: &'a InstrumentRegion) -> Self {
        Self {
            preset,
            instrument,
            mods: [0_f32; GeneratorType::COUNT],
            velocity_attenuation_scale: 1_f32,
        }
    }

    /// Fork: evaluates the note-on modulators of the instrument and preset
    /// regions (see `modulator.rs`). Preset modulators identical to an
    /// instrument one add their amount to it (SF2.04 9.5.1).
    pub(crate) fn apply_modulators(&mut self, key: i32, velocity: i32) {
        let inst = &self.instrument.modulators;
        let preset = &self.preset.modulators;
        for m in inst.iter() {
            let mut amount = m.amount as f32;
            for p in preset.iter().filter(|p| p.is_identical(m)) {
                amount += p.amount as f32;
            }
            self.add_modulator(m, amount, key, velocity);
        }
        for p in preset.iter() {
            if !inst.iter().any(|m| m.is_identical(p)) {
                self.add_modulator(p, p.amount as f32, key, velocity);
            }
        }
    }

    fn add_modulator(&mut self, m: &Modulator, amount: f32, key: i32, velocity: i32) {
        if m.is_identical(&DEFAULT_VELOCITY_TO_ATTENUATION) {
            // Built into Voice::start with rustysynth's own (equal) curve.
            self.velocity_attenuation_scale =
                amount / DEFAULT_VELOCITY_TO_ATTENUATION.amount as f32;
        } else if m.is_note_on() {
            self.mods[m.destination as usize] += m.value(amount, key, velocity);
        }
    }

    fn gs(&self, i: usize) -> i32 {
        self.preset.gs[i] as i32 + self.instrument.gs[i] as i32
    }

    // Fork: generator sum plus the note-on modulators (clamped to the SF2
    // range when a modulator changed it); exactly `gs(i) as f32` otherwise.
    fn gsf(&self, i: usize) -> f32 {
        let m = self.mods[i];
        if m == 0_f32 {
            self.gs(i) as f32
        } else {
            modulator::clamp_modulated(i, self.gs(i) as f32 + m)
        }
    }

    fn gsi(&self, i: usize) -> i32 {
        if self.mods[i] == 0_f32 {
            self.gs(i)
        } else {
            self.gsf(i).round() as i32
        }
    }

    /// Fork: modulator contribution to the initial attenuation, in dB (not
    /// subject to the 0.4 factor applied to the generator, as in FluidSynth).
    pub(crate) fn get_modulator_attenuation(&self) -> f32 {
        0.1_f32 * self.mods[GeneratorType::INITIAL_ATTENUATION as usize]
    }

    /// Fork: scale of the built-in velocity -> attenuation curve.
    pub(crate) fn get_velocity_attenuation_scale(&self) -> f32 {
        self.velocity_attenuation_scale
    }

    pub(crate) fn get_sample_start(&self) -> i32 {
        self.instrument.get_sample_start()
    }

    pub(crate) fn get_sample_end(&self) -> i32 {
        self.instrument.get_sample_end()
    }

    pub(crate) fn get_sample_start_loop(&self) -> i32 {
        self.instrument.get_sample_start_loop()
    }

    pub(crate) fn get_sample_end_loop(&self) -> i32 {
        self.instrument.get_sample_end_loop()
    }

    pub(crate) fn get_modulation_lfo_to_pitch(&self) -> i32 {
        self.gsi(GeneratorType::MODULATION_LFO_TO_PITCH as usize)
    }

    pub(crate) fn get_vibrato_lfo_to_pitch(&self) -> i32 {
        self.gsi(GeneratorType::VIBRATO_LFO_TO_PITCH as usize)
    }

    pub(crate) fn get_modulation_envelope_to_pitch(&self) -> i32 {
        self.gsi(GeneratorType::MODULATION_ENVELOPE_TO_PITCH as usize)
    }

    pub(crate) fn get_initial_filter_cutoff_frequency(&self) -> f32 {
        SoundFontMath::cents_to_hertz(
            self.gsf(GeneratorType::INITIAL_FILTER_CUTOFF_FREQUENCY as usize),
        )
    }

    pub(crate) fn get_initial_filter_q(&self) -> f32 {
        0.1_f32 * self.gsf(GeneratorType::INITIAL_FILTER_Q as usize)
    }

    pub(crate) fn get_modulation_lfo_to_filter_cutoff_frequency(&self) -> i32 {
        self.gsi(GeneratorType::MODULATION_LFO_TO_FILTER_CUTOFF_FREQUENCY as usize)
    }

    pub(crate) fn get_modulation_envelope_to_filter_cutoff_frequency(&self) -> i32 {
        self.gsi(GeneratorType::MODULATION_ENVELOPE_TO_FILTER_CUTOFF_FREQUENCY as usize)
    }

    pub(crate) fn get_modulation_lfo_to_volume(&self) -> f32 {
        0.1_f32 * self.gsf(GeneratorType::MODULATION_LFO_TO_VOLUME as usize)
    }

    pub(crate) fn get_chorus_effects_send(&self) -> f32 {
        0.1_f32 * self.gsf(GeneratorType::CHORUS_EFFECTS_SEND as usize)
    }

    pub(crate) fn get_reverb_effects_send(&self) -> f32 {
        0.1_f32 * self.gsf(GeneratorType::REVERB_EFFECTS_SEND as usize)
    }

    pub(crate) fn get_pan(&self) -> f32 {
        0.1_f32 * self.gsf(GeneratorType::PAN as usize)
    }

    pub(crate) fn get_delay_modulation_lfo(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(self.gsf(GeneratorType::DELAY_MODULATION_LFO as usize))
    }

    pub(crate) fn get_frequency_modulation_lfo(&self) -> f32 {
        SoundFontMath::cents_to_hertz(self.gsf(GeneratorType::FREQUENCY_MODULATION_LFO as usize))
    }

    pub(crate) fn get_delay_vibrato_lfo(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(self.gsf(GeneratorType::DELAY_VIBRATO_LFO as usize))
    }

    pub(crate) fn get_frequency_vibrato_lfo(&self) -> f32 {
        SoundFontMath::cents_to_hertz(self.gsf(GeneratorType::FREQUENCY_VIBRATO_LFO as usize))
    }

    pub(crate) fn get_delay_modulation_envelope(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(
            self.gsf(GeneratorType::DELAY_MODULATION_ENVELOPE as usize),
        )
    }

    pub(crate) fn get_attack_modulation_envelope(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(
            self.gsf(GeneratorType::ATTACK_MODULATION_ENVELOPE as usize),
        )
    }

    pub(crate) fn get_hold_modulation_envelope(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(
            self.gsf(GeneratorType::HOLD_MODULATION_ENVELOPE as usize),
        )
    }

    pub(crate) fn get_decay_modulation_envelope(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(
            self.gsf(GeneratorType::DECAY_MODULATION_ENVELOPE as usize),
        )
    }

    pub(crate) fn get_sustain_modulation_envelope(&self) -> f32 {
        0.1_f32 * self.gsf(GeneratorType::SUSTAIN_MODULATION_ENVELOPE as usize)
    }

    pub(crate) fn get_release_modulation_envelope(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(
            self.gsf(GeneratorType::RELEASE_MODULATION_ENVELOPE as usize),
        )
    }

    pub(crate) fn get_key_number_to_modulation_envelope_hold(&self) -> i32 {
        self.gsi(GeneratorType::KEY_NUMBER_TO_MODULATION_ENVELOPE_HOLD as usize)
    }

    pub(crate) fn get_key_number_to_modulation_envelope_decay(&self) -> i32 {
        self.gsi(GeneratorType::KEY_NUMBER_TO_MODULATION_ENVELOPE_DECAY as usize)
    }

    pub(crate) fn get_delay_volume_envelope(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(self.gsf(GeneratorType::DELAY_VOLUME_ENVELOPE as usize))
    }

    pub(crate) fn get_attack_volume_envelope(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(
            self.gsf(GeneratorType::ATTACK_VOLUME_ENVELOPE as usize),
        )
    }

    pub(crate) fn get_hold_volume_envelope(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(self.gsf(GeneratorType::HOLD_VOLUME_ENVELOPE as usize))
    }

    pub(crate) fn get_decay_volume_envelope(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(self.gsf(GeneratorType::DECAY_VOLUME_ENVELOPE as usize))
    }

    pub(crate) fn get_sustain_volume_envelope(&self) -> f32 {
        0.1_f32 * self.gsf(GeneratorType::SUSTAIN_VOLUME_ENVELOPE as usize)
    }

    pub(crate) fn get_release_volume_envelope(&self) -> f32 {
        SoundFontMath::timecents_to_seconds(
            self.gsf(GeneratorType::RELEASE_VOLUME_ENVELOPE as usize),
        )
    }

    pub(crate) fn get_key_number_to_volume_envelope_hold(&self) -> i32 {
        self.gsi(GeneratorType::KEY_NUMBER_TO_VOLUME_ENVELOPE_HOLD as usize)
    }

    pub(crate) fn get_key_number_to_volume_envelope_decay(&self) -> i32 {
        self.gsi(GeneratorType::KEY_NUMBER_TO_VOLUME_ENVELOPE_DECAY as usize)
    }

    pub(crate) fn get_initial_attenuation(&self) -> f32 {
        0.1_f32 * self.gs(GeneratorType::INITIAL_ATTENUATION as usize) as f32
    }

    pub(crate) fn get_coarse_tune(&self) -> i32 {
        self.gsi(GeneratorType::COARSE_TUNE as usize)
    }

    pub(crate) fn get_fine_tune(&self) -> i32 {
        self.gsi(GeneratorType::FINE_TUNE as usize) + self.instrument.sample_pitch_correction
    }

    pub(crate) fn get_sample_modes(&self) -> LoopMode {
        self.instrument.get_sample_modes()
    }

    pub(crate) fn get_scale_tuning(&self) -> i32 {
        self.gsi(GeneratorType::SCALE_TUNING as usize)
    }

    pub(crate) fn get_exclusive_class(&self) -> i32 {
        self.instrument.get_exclusive_class()
    }

    pub(crate) fn get_root_key(&self) -> i32 {
        self.instrument.get_root_key()
    }
}

//! Fork addition: SoundFont modulators (SF2.04 section 8.2 / 9.5), evaluated at
//! note-on.
//!
//! Only modulators whose sources are known when a note starts are applied:
//! the primary source and the amount source must each be "no controller",
//! note-on velocity or note-on key number (general controllers 0, 2, 3). Their
//! contributions are added to the generator values once, when the voice starts,
//! so the per-sample voice loop is unchanged. Modulators driven by MIDI
//! controllers, pitch wheel or pressure are parsed but not applied: rustysynth
//! keeps its own fixed handling of modulation wheel, volume, expression, pan,
//! reverb / chorus sends and pitch bend (the SF2 default modulators for those).
//!
//! Source curves and normalisation follow FluidSynth (value / 128, its concave
//! and convex tables), so that fonts voiced on FluidSynth sound the same.
//!
//! Default modulators (SF2.04 section 8.4): only the two note-on ones matter
//! here.
//! * Velocity -> initial attenuation (960 cB, negative unipolar concave):
//!   rustysynth already applies exactly this curve (40 log10(vel / 127) dB),
//!   so it is kept built in; when a font replaces this default (instrument
//!   level) or adds to it (preset level), the built-in curve is scaled by the
//!   resulting amount / 960.
//! * Velocity -> filter cutoff (-2400 cents): not applied, like FluidSynth,
//!   which hard-wires this default modulator to 0 (fonts voiced for it, e.g.
//!   FluidR3_GM and MuseScore General, also cancel it explicitly). A font's own
//!   velocity -> cutoff modulators are applied normally.

use std::io::Read;

use crate::binary_reader::BinaryReader;
use crate::error::SoundFontError;
use crate::generator_type::GeneratorType;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) struct Modulator {
    pub(crate) source: u16,
    pub(crate) destination: u16,
    pub(crate) amount: i16,
    pub(crate) amount_source: u16,
    pub(crate) transform: u16,
}

/// The default velocity -> initial attenuation modulator (SF2.04 8.4.1).
pub(crate) const DEFAULT_VELOCITY_TO_ATTENUATION: Modulator = Modulator {
    source: 0x0502,
    destination: GeneratorType::INITIAL_ATTENUATION,
    amount: 960,
    amount_source: 0,
    transform: 0,
};

const SOURCE_NONE: u16 = 0;
const SOURCE_VELOCITY: u16 = 2;
const SOURCE_KEY: u16 = 3;

impl Modulator {
    fn new<R: Read>(reader: &mut R) -> Result<Self, SoundFontError> {
        let source = BinaryReader::read_u16(reader)?;
        let destination = BinaryReader::read_u16(reader)?;
        let amount = BinaryReader::read_i16(reader)?;
        let amount_source = BinaryReader::read_u16(reader)?;
        let transform = BinaryReader::read_u16(reader)?;
        Ok(Self {
            source,
            destination,
            amount,
            amount_source,
            transform,
        })
    }

    /// Reads a pmod / imod chunk. Upstream skips these chunks, so a malformed
    /// one is not an error: its modulators are ignored (empty list).
    pub(crate) fn read_from_chunk<R: Read>(
        reader: &mut R,
        size: usize,
    ) -> Result<Vec<Modulator>, SoundFontError> {
        if !size.is_multiple_of(10) {
            BinaryReader::discard_data(reader, size)?;
            return Ok(Vec::new());
        }
        let count = size / 10;
        let mut modulators = Vec::with_capacity(count);
        for _ in 0..count {
            modulators.push(Modulator::new(reader)?);
        }
        // The last one is the terminator.
        modulators.pop();
        Ok(modulators)
    }

    /// SF2.04 9.5.1: modulators are identical when source, destination, amount
    /// source and transform are equal (the amount is not compared).
    pub(crate) fn is_identical(&self, other: &Modulator) -> bool {
        self.source == other.source
            && self.destination == other.destination
            && self.amount_source == other.amount_source
            && self.transform == other.transform
    }

    /// Merges the modulators of a global and a local zone: a local modulator
    /// supersedes an identical global one; duplicates within a zone keep the
    /// first.
    pub(crate) fn merge_zone(global: &[Modulator], local: &[Modulator]) -> Vec<Modulator> {
        let mut list: Vec<Modulator> = Vec::with_capacity(global.len() + local.len());
        for m in local {
            if !list.iter().any(|x| x.is_identical(m)) {
                list.push(*m);
            }
        }
        for m in global {
            if !list.iter().any(|x| x.is_identical(m)) {
                list.push(*m);
            }
        }
        list
    }

    /// True when this modulator can act at note-on (see the module docs).
    pub(crate) fn is_note_on(&self) -> bool {
        let dest_ok = (self.destination as usize) < GeneratorType::COUNT;
        let transform_ok = self.transform == 0 || self.transform == 2;
        let src = |op: u16| {
            op & 0x80 == 0 && matches!(op & 0x7F, SOURCE_NONE | SOURCE_VELOCITY | SOURCE_KEY)
        };
        // FluidSynth: a primary source of "no controller" gives 0.
        dest_ok
            && transform_ok
            && op_index(self.source) != SOURCE_NONE
            && src(self.source)
            && src(self.amount_source)
    }

    /// The modulator's contribution (in the destination generator's units) for
    /// the given key and velocity, with the given total amount. Only valid when
    /// `is_note_on()`.
    pub(crate) fn value(&self, amount: f32, key: i32, velocity: i32) -> f32 {
        let v1 = source_value(self.source, key, velocity);
        if v1 == 0_f32 {
            return 0_f32;
        }
        let v2 = if op_index(self.amount_source) == SOURCE_NONE {
            1_f32
        } else {
            source_value(self.amount_source, key, velocity)
        };
        let value = amount * v1 * v2;
        if self.transform == 2 {
            value.abs()
        } else {
            value
        }
    }
}

fn op_index(op: u16) -> u16 {
    op & 0x7F
}

/// FluidSynth's concave curve for 0..=127 (table of 128 entries).
fn concave(x: f32) -> f32 {
    if x < 0_f32 {
        return 0_f32;
    }
    let n = x as i32;
    if n >= 127 {
        return 1_f32;
    }
    if n == 0 {
        return 0_f32;
    }
    let i = (127 - n) as f32;
    -(400_f32 / 960_f32) * (i / 127_f32).log10()
}

/// FluidSynth's convex curve for 0..=127 (table of 128 entries).
fn convex(x: f32) -> f32 {
    if x < 0_f32 {
        return 0_f32;
    }
    let n = x as i32;
    if n >= 127 {
        return 1_f32;
    }
    if n == 0 {
        return 0_f32;
    }
    1_f32 + (400_f32 / 960_f32) * (n as f32 / 127_f32).log10()
}

/// Maps a note-on source (velocity or key, 0..=127) through the SF2 source
/// type (linear / concave / convex / switch), polarity and direction.
fn source_value(op: u16, key: i32, velocity: i32) -> f32 {
    let raw = match op_index(op) {
        SOURCE_VELOCITY => velocity,
        SOURCE_KEY => key,
        _ => return 0_f32,
    };
    let x = raw.clamp(0, 127) as f32 / 128_f32;
    let negative = op & 0x0100 != 0;
    let bipolar = op & 0x0200 != 0;
    let curve = op >> 10;
    let (curve_fn, is_switch): (fn(f32) -> f32, bool) = match curve {
        0 => (|v| v / 127_f32, false),
        1 => (concave, false),
        2 => (convex, false),
        3 => (|v| v, true),
        _ => return 0_f32,
    };
    if is_switch {
        let on = x >= 0.5_f32;
        return match (bipolar, negative) {
            (false, false) => f32::from(u8::from(on)),
            (false, true) => f32::from(u8::from(!on)),
            (true, false) => {
                if on {
                    1_f32
                } else {
                    -1_f32
                }
            }
            (true, true) => {
                if on {
                    -1_f32
                } else {
                    1_f32
                }
            }
        };
    }
    if curve == 0 {
        // Linear, exactly as FluidSynth (no table).
        return match (bipolar, negative) {
            (false, false) => x,
            (false, true) => 1_f32 - x,
            (true, false) => -1_f32 + 2_f32 * x,
            (true, true) => 1_f32 - 2_f32 * x,
        };
    }
    match (bipolar, negative) {
        (false, false) => curve_fn(127_f32 * x),
        (false, true) => curve_fn(127_f32 * (1_f32 - x)),
        (true, false) => {
            if x > 0.5_f32 {
                curve_fn(254_f32 * (x - 0.5_f32))
            } else {
                -curve_fn(254_f32 * (0.5_f32 - x))
            }
        }
        (true, true) => {
            if x > 0.5_f32 {
                -curve_fn(254_f32 * (x - 0.5_f32))
            } else {
                curve_fn(254_f32 * (0.5_f32 - x))
            }
        }
    }
}

/// SF2.04 8.1.3 ranges, applied to a generator sum only when a modulator
/// changed it.
pub(crate) fn clamp_modulated(dest: usize, value: f32) -> f32 {
    let (lo, hi) = match dest as u16 {
        GeneratorType::MODULATION_LFO_TO_PITCH
        | GeneratorType::VIBRATO_LFO_TO_PITCH
        | GeneratorType::MODULATION_ENVELOPE_TO_PITCH
        | GeneratorType::MODULATION_LFO_TO_FILTER_CUTOFF_FREQUENCY
        | GeneratorType::MODULATION_ENVELOPE_TO_FILTER_CUTOFF_FREQUENCY => (-12000, 12000),
        GeneratorType::INITIAL_FILTER_CUTOFF_FREQUENCY => (1500, 13500),
        GeneratorType::INITIAL_FILTER_Q => (0, 960),
        GeneratorType::MODULATION_LFO_TO_VOLUME => (-960, 960),
        GeneratorType::CHORUS_EFFECTS_SEND | GeneratorType::REVERB_EFFECTS_SEND => (0, 1000),
        GeneratorType::PAN => (-500, 500),
        GeneratorType::DELAY_MODULATION_LFO
        | GeneratorType::DELAY_VIBRATO_LFO
        | GeneratorType::DELAY_MODULATION_ENVELOPE
        | GeneratorType::HOLD_MODULATION_ENVELOPE
        | GeneratorType::DELAY_VOLUME_ENVELOPE
        | GeneratorType::HOLD_VOLUME_ENVELOPE => (-12000, 5000),
        GeneratorType::FREQUENCY_MODULATION_LFO | GeneratorType::FREQUENCY_VIBRATO_LFO => {
            (-16000, 4500)
        }
        GeneratorType::ATTACK_MODULATION_ENVELOPE
        | GeneratorType::DECAY_MODULATION_ENVELOPE
        | GeneratorType::RELEASE_MODULATION_ENVELOPE
        | GeneratorType::ATTACK_VOLUME_ENVELOPE
        | GeneratorType::DECAY_VOLUME_ENVELOPE
        | GeneratorType::RELEASE_VOLUME_ENVELOPE => (-12000, 8000),
        GeneratorType::SUSTAIN_MODULATION_ENVELOPE => (0, 1000),
        GeneratorType::SUSTAIN_VOLUME_ENVELOPE => (0, 1440),
        GeneratorType::KEY_NUMBER_TO_MODULATION_ENVELOPE_HOLD
        | GeneratorType::KEY_NUMBER_TO_MODULATION_ENVELOPE_DECAY
        | GeneratorType::KEY_NUMBER_TO_VOLUME_ENVELOPE_HOLD
        | GeneratorType::KEY_NUMBER_TO_VOLUME_ENVELOPE_DECAY => (-1200, 1200),
        GeneratorType::COARSE_TUNE => (-120, 120),
        GeneratorType::FINE_TUNE => (-99, 99),
        GeneratorType::SCALE_TUNING => (0, 1200),
        _ => return value,
    };
    value.clamp(lo as f32, hi as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_match_fluidsynth_shape() {
        // Negative unipolar concave velocity: 0 at 127, ~1 at 1.
        assert_eq!(source_value(0x0502, 60, 127), 0_f32);
        assert!(source_value(0x0502, 60, 1) > 0.85);
        // Default velocity -> attenuation equals rustysynth's 40 log10(v/127) dB
        // (960 cB * concave), up to FluidSynth's /128 quantisation.
        let cb = 960_f32 * source_value(0x0502, 60, 64);
        let rusty = -2_f32 * 20_f32 * (64_f32 / 127_f32).log10() * 10_f32;
        assert!((cb - rusty).abs() < 15_f32, "{cb} vs {rusty}");
        // Linear positive / negative, bipolar key.
        assert_eq!(source_value(0x0002, 0, 64), 0.5);
        assert_eq!(source_value(0x0102, 0, 64), 0.5);
        assert_eq!(source_value(0x0203, 64, 0), 0_f32);
        // Switch.
        assert_eq!(source_value(0x0C02, 0, 63), 0_f32);
        assert_eq!(source_value(0x0C02, 0, 64), 1_f32);
        assert_eq!(source_value(0x0D02, 0, 63), 1_f32);
        // Convex positive is above linear.
        assert!(source_value(0x0802, 0, 64) > 0.5);
    }

    #[test]
    fn note_on_filter() {
        let m = |source, amount_source| Modulator {
            source,
            destination: 8,
            amount: 100,
            amount_source,
            transform: 0,
        };
        assert!(m(0x0002, 0).is_note_on());
        assert!(m(0x0203, 0x0002).is_note_on());
        assert!(!m(0x0000, 0x0002).is_note_on());
        assert!(!m(0x0081, 0).is_note_on()); // CC1
        assert!(!m(0x020E, 0).is_note_on()); // pitch wheel
        assert!(!m(0x0002, 0x0081).is_note_on());
    }
}

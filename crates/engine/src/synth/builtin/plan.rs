//! Turns the recipes into the font's records: the samples to synthesise, in a fixed order, and
//! the instruments and presets that play them.

use super::drums::Drum;
use super::piano::{piano_release, piano_roots, PIANO_VEL};
use super::recipes::{
    Amount, DrumSource, Family, Inst, InstrumentRecipe, Layout, Param, Program, Vibrato, DRUM_KEYS,
    INSTRUMENTS, PROGRAMS,
};
use super::render::Spec;
use super::tones::{mallet_roots, pluck_roots, tone_roots, Tone};
use crate::synth::soundfont::hydra::{name, op, Generator, Instrument, Preset, Zone};

pub(super) struct Plan {
    /// The samples, in the order the font stores them.
    pub(super) specs: Vec<Spec>,
    pub(super) instruments: Vec<Instrument>,
    pub(super) presets: Vec<Preset>,
}

impl Plan {
    pub(super) fn build() -> Plan {
        let samples = Samples::plan();
        let mut instruments: Vec<Instrument> =
            INSTRUMENTS.iter().map(|r| r.instrument(&samples)).collect();
        instruments.push(drum_kit(&samples));
        let mut presets: Vec<Preset> = (0u16..).zip(&PROGRAMS).map(|(n, p)| p.preset(n)).collect();
        presets.push(preset(
            "Standard",
            128,
            0,
            vec![zone(vec![instrument(Inst::Drums)])],
        ));
        Plan {
            specs: samples.specs,
            instruments,
            presets,
        }
    }
}

/// The generator that plays `inst`: its index among the instruments (the drum kit is last).
fn instrument(inst: Inst) -> Generator {
    let index = INSTRUMENTS
        .iter()
        .position(|r| r.inst == inst)
        .unwrap_or(INSTRUMENTS.len());
    gv(op::INSTRUMENT, i32::try_from(index).unwrap_or(0))
}

/// A generator with a signed value (clamped to i16).
fn gv(oper: u16, value: i32) -> Generator {
    let v = value.clamp(i32::from(i16::MIN), i32::from(i16::MAX));
    Generator::signed(oper, v as i16)
}

/// Seconds to timecents.
fn tc(seconds: f64) -> i32 {
    (1200.0 * seconds.max(1e-4).log2())
        .round()
        .clamp(-12000.0, 8000.0) as i32
}

/// Hertz to absolute cents (filter cutoff, LFO frequency).
fn abs_cents(hz: f64) -> i32 {
    (1200.0 * (hz / 8.176).log2()).round() as i32
}

/// Decibels to an initialAttenuation value. Like FluidSynth and the EMU hardware, rustysynth
/// applies 40% of the nominal centibels, so 1 dB of real attenuation needs 25 units.
fn atten(db: f64) -> i32 {
    (db * 25.0).round() as i32
}

impl Param {
    fn generator(&self) -> Generator {
        let value = match self.amount {
            Amount::Raw(v) => v,
            Amount::Seconds(s) => tc(s),
            Amount::Decibels(d) => atten(d),
            Amount::Hertz(f) => abs_cents(f),
            Amount::HertzShift { from, to } => abs_cents(to) - abs_cents(from),
        };
        gv(self.oper, value)
    }
}

impl Vibrato {
    fn generators(&self) -> [Generator; 3] {
        [
            gv(op::DELAY_VIB_LFO, tc(self.delay)),
            gv(op::FREQ_VIB_LFO, abs_cents(self.rate)),
            gv(op::VIB_LFO_TO_PITCH, self.cents),
        ]
    }
}

/// A zone, its generators in the order the specification requires: keyRange first, velRange
/// second, the terminal generator (instrument, sampleID) last.
fn zone(mut generators: Vec<Generator>) -> Zone {
    let rank = |g: &Generator| match g.oper {
        op::KEY_RANGE => 0,
        op::VEL_RANGE => 1,
        op::INSTRUMENT | op::SAMPLE_ID => 3,
        _ => 2,
    };
    generators.sort_by_key(rank); // stable: keeps the given order otherwise
    Zone {
        generators,
        modulators: Vec::new(),
    }
}

fn sample_id(id: usize) -> Generator {
    gv(op::SAMPLE_ID, i32::try_from(id).unwrap_or(0))
}

/// The samples to synthesise, and which of them each family uses.
struct Samples {
    specs: Vec<Spec>,
    sets: Vec<SampleSet>,
    drums: Vec<(Drum, usize)>,
}

/// The samples of one family: its roots and, per root, the sample of each layer (the piano has
/// three velocity layers, the other families one).
struct SampleSet {
    family: Family,
    roots: Vec<u8>,
    ids: Vec<Vec<usize>>,
}

/// The families in the order the font stores their samples (the drums come last).
const FAMILIES: [Family; 12] = [
    Family::Piano,
    Family::Mallet,
    Family::Guitar,
    Family::Bass,
    Family::Tone(Tone::Organ),
    Family::Tone(Tone::Strings),
    Family::Tone(Tone::Brass),
    Family::Tone(Tone::Reed),
    Family::Tone(Tone::Pipe),
    Family::Tone(Tone::Lead),
    Family::Tone(Tone::Pad),
    Family::Noise,
];

impl Family {
    fn roots(self) -> Vec<u8> {
        match self {
            Family::Piano => piano_roots().collect(),
            Family::Mallet => mallet_roots().collect(),
            Family::Guitar => pluck_roots(false).collect(),
            Family::Bass => pluck_roots(true).collect(),
            Family::Tone(_) => tone_roots().collect(),
            Family::Noise => vec![60],
        }
    }

    /// The samples of one root, a sample per layer.
    fn specs(self, root: u8) -> Vec<Spec> {
        match self {
            Family::Piano => (0..3).map(|layer| Spec::Piano { root, layer }).collect(),
            Family::Mallet => vec![Spec::Mallet { root }],
            Family::Guitar => vec![Spec::Pluck { root, bass: false }],
            Family::Bass => vec![Spec::Pluck { root, bass: true }],
            Family::Tone(kind) => vec![Spec::Tone { root, kind }],
            Family::Noise => vec![Spec::Noise],
        }
    }
}

impl Samples {
    fn plan() -> Samples {
        let mut specs = Vec::new();
        let mut add = |s: Spec| {
            specs.push(s);
            specs.len() - 1
        };
        let sets = FAMILIES
            .iter()
            .map(|&family| {
                let roots = family.roots();
                let ids = roots
                    .iter()
                    .map(|&root| family.specs(root).into_iter().map(&mut add).collect())
                    .collect();
                SampleSet { family, roots, ids }
            })
            .collect();
        let drums = Drum::ALL.iter().map(|&d| (d, add(Spec::Drum(d)))).collect();
        Samples { specs, sets, drums }
    }

    /// The roots of a family and, per root, its samples.
    fn set(&self, family: Family) -> (&[u8], &[Vec<usize>]) {
        self.sets
            .iter()
            .find(|set| set.family == family)
            .map_or((&[], &[]), |set| (&set.roots, &set.ids))
    }
}

/// Sample index for a SF2 sampleID generator.
fn first(ids: &[usize]) -> usize {
    ids.first().copied().unwrap_or(0)
}

/// Key ranges for samples rooted at `roots` (sorted): each covers the keys nearest to it,
/// biased so pitch shifts stay small; the ends extend to 0 and 127.
fn key_ranges(roots: &[u8], below: u8) -> Vec<(u8, u8)> {
    let mut out = Vec::with_capacity(roots.len());
    for (i, &r) in roots.iter().enumerate() {
        let lo = if i == 0 { 0 } else { r.saturating_sub(below) };
        let hi = match roots.get(i + 1) {
            Some(&next) => next.saturating_sub(below + 1),
            None => 127,
        };
        out.push((lo, hi));
    }
    out
}

impl InstrumentRecipe {
    fn instrument(&self, samples: &Samples) -> Instrument {
        let mut global: Vec<Generator> = self.global.iter().map(Param::generator).collect();
        global.extend(self.vibrato.iter().flat_map(Vibrato::generators));
        let mut zones = Vec::new();
        if !global.is_empty() {
            zones.push(zone(global));
        }
        match self.layout {
            Layout::Layered(layers) => zones.extend(piano_zones(samples, layers)),
            Layout::Single | Layout::Pair { .. } => {
                let (roots, ids) = samples.set(self.samples);
                for (&(lo, hi), layers) in key_ranges(roots, 3).iter().zip(ids) {
                    let id = first(layers);
                    let keys = Generator::range(op::KEY_RANGE, lo, hi);
                    match self.layout {
                        Layout::Pair { cents, pan } => {
                            for sign in [-1, 1] {
                                zones.push(zone(vec![
                                    keys,
                                    gv(op::FINE_TUNE, sign * cents),
                                    gv(op::PAN, sign * pan),
                                    sample_id(id),
                                ]));
                            }
                        }
                        _ => zones.push(zone(vec![keys, sample_id(id)])),
                    }
                }
            }
        }
        Instrument {
            name: name(self.name),
            zones,
        }
    }
}

/// One zone per piano root and velocity layer.
fn piano_zones(samples: &Samples, layers: [usize; 3]) -> Vec<Zone> {
    let mut zones = Vec::new();
    let (roots, ids) = samples.set(Family::Piano);
    for ((&(lo, hi), ids), &root) in key_ranges(roots, 2).iter().zip(ids).zip(roots) {
        for (&(vlo, vhi), &layer) in PIANO_VEL.iter().zip(&layers) {
            zones.push(zone(vec![
                Generator::range(op::KEY_RANGE, lo, hi),
                Generator::range(op::VEL_RANGE, vlo, vhi),
                gv(op::RELEASE_VOL_ENV, tc(piano_release(root))),
                sample_id(ids.get(layer).copied().unwrap_or(0)),
            ]));
        }
    }
    zones
}

fn drum_kit(samples: &Samples) -> Instrument {
    let zones = DRUM_KEYS
        .iter()
        .map(|d| {
            let (id, looped) = match d.sample {
                DrumSource::Drum(x) => (
                    samples
                        .drums
                        .iter()
                        .find(|(k, _)| *k == x)
                        .map_or(0, |(_, id)| *id),
                    false,
                ),
                DrumSource::Pipe(root) => {
                    let (roots, ids) = samples.set(Family::Tone(Tone::Pipe));
                    let id = roots
                        .iter()
                        .position(|&r| r == root)
                        .and_then(|i| ids.get(i))
                        .map_or(0, |layers| first(layers));
                    (id, true)
                }
            };
            let mut z = vec![
                Generator::range(op::KEY_RANGE, d.key, d.key),
                gv(op::OVERRIDING_ROOT_KEY, i32::from(d.key)),
                gv(op::COARSE_TUNE, d.cents.div_euclid(100)),
                gv(op::FINE_TUNE, d.cents.rem_euclid(100)),
                gv(op::INITIAL_ATTENUATION, atten(d.db)),
                gv(op::RELEASE_VOL_ENV, tc(if looped { 0.1 } else { 1.5 })),
            ];
            if looped {
                z.push(gv(op::SAMPLE_MODES, 1));
            }
            if let Some(decay) = d.decay {
                z.push(gv(op::DECAY_VOL_ENV, tc(decay)));
                z.push(gv(op::SUSTAIN_VOL_ENV, 1000));
            }
            if d.class != 0 {
                z.push(gv(op::EXCLUSIVE_CLASS, d.class));
            }
            if d.pan != 0 {
                z.push(gv(op::PAN, d.pan));
            }
            if d.pitch_env != 0 {
                z.push(gv(op::MOD_ENV_TO_PITCH, d.pitch_env));
                z.push(gv(op::DECAY_MOD_ENV, tc(0.25)));
                z.push(gv(op::SUSTAIN_MOD_ENV, 1000));
            }
            z.push(sample_id(id));
            zone(z)
        })
        .collect();
    Instrument {
        name: name("Standard Kit"),
        zones,
    }
}

fn preset(preset_name: &str, bank: u16, program: u16, zones: Vec<Zone>) -> Preset {
    Preset {
        name: name(preset_name),
        program,
        bank,
        library: 0,
        genre: 0,
        morphology: 0,
        zones,
    }
}

impl Program {
    fn preset(&self, program: u16) -> Preset {
        let instrument = instrument(self.inst);
        let zones = match self.pair {
            Some(pair) => [-1, 1]
                .iter()
                .map(|&s| {
                    zone(vec![
                        gv(op::FINE_TUNE, pair.cents * s),
                        gv(op::PAN, pair.pan * s),
                        gv(op::INITIAL_ATTENUATION, atten(pair.db)),
                        instrument,
                    ])
                })
                .collect(),
            None => {
                let mut z: Vec<Generator> = self.params.iter().map(Param::generator).collect();
                z.push(instrument);
                vec![zone(z)]
            }
        };
        preset(self.name, 0, program, zones)
    }
}

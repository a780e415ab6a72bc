//! The built-in font's recipes, as data: its instruments (which samples, how they are spread
//! over the keyboard, their generators), the 128 General MIDI programs (each an instrument and
//! preset-level generators that make it a variant; preset generators add to the instrument's),
//! and the drum kit's keys. `plan.rs` turns them into SoundFont records.

use super::drums::Drum;
use super::tones::Tone;
use crate::synth::soundfont::hydra::op::*;

/// A generator amount, in the unit a recipe is written in.
#[derive(Clone, Copy, Debug)]
pub(super) enum Amount {
    /// The generator's own unit.
    Raw(i32),
    /// Seconds (as timecents).
    Seconds(f64),
    /// Decibels of initial attenuation.
    Decibels(f64),
    /// Hertz (as absolute cents).
    Hertz(f64),
    /// A frequency change, from one frequency in hertz to another (cents).
    HertzShift { from: f64, to: f64 },
}

/// One generator of a recipe.
#[derive(Clone, Copy, Debug)]
pub(super) struct Param {
    pub(super) oper: u16,
    pub(super) amount: Amount,
}

const fn raw(oper: u16, value: i32) -> Param {
    Param {
        oper,
        amount: Amount::Raw(value),
    }
}

const fn secs(oper: u16, seconds: f64) -> Param {
    Param {
        oper,
        amount: Amount::Seconds(seconds),
    }
}

const fn hz(oper: u16, hertz: f64) -> Param {
    Param {
        oper,
        amount: Amount::Hertz(hertz),
    }
}

/// Initial attenuation.
const fn db(decibels: f64) -> Param {
    Param {
        oper: INITIAL_ATTENUATION,
        amount: Amount::Decibels(decibels),
    }
}

const LOOPED: Param = raw(SAMPLE_MODES, 1);

/// The instruments programs play.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Inst {
    Piano,
    PianoBright,
    Mallet,
    Organ,
    Guitar,
    Bass,
    Strings,
    Ensemble,
    Brass,
    Reed,
    Pipe,
    Lead,
    Pad,
    Fx,
    Ethnic,
    Percussive,
    Noise,
    /// The drum kit, from [`DRUM_KEYS`].
    Drums,
}

/// A set of samples, one per root key, that instruments spread over the keyboard.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Family {
    /// Three velocity layers per root.
    Piano,
    Mallet,
    Guitar,
    Bass,
    Tone(Tone),
    Noise,
}

/// How an instrument's zones cover the keyboard.
#[derive(Clone, Copy, Debug)]
pub(super) enum Layout {
    /// One zone per root and velocity layer; the soft, medium and loud velocity ranges play
    /// these piano layers. Each zone sets the damper release for its root.
    Layered([usize; 3]),
    /// One zone per root.
    Single,
    /// Two zones per root, detuned by -+`cents` and panned -+`pan`.
    Pair { cents: i32, pan: i32 },
}

/// A vibrato LFO.
#[derive(Clone, Copy, Debug)]
pub(super) struct Vibrato {
    pub(super) delay: f64,
    pub(super) rate: f64,
    pub(super) cents: i32,
}

pub(super) struct InstrumentRecipe {
    pub(super) inst: Inst,
    pub(super) name: &'static str,
    pub(super) samples: Family,
    pub(super) layout: Layout,
    /// The global zone (none when empty).
    pub(super) global: &'static [Param],
    /// Added at the end of the global zone.
    pub(super) vibrato: Option<Vibrato>,
}

const fn vibrato(delay: f64, rate: f64, cents: i32) -> Option<Vibrato> {
    Some(Vibrato { delay, rate, cents })
}

const fn pair(cents: i32, pan: i32) -> Layout {
    Layout::Pair { cents, pan }
}

/// Every instrument but the drum kit, in the order the font stores them (the kit comes last).
pub(super) const INSTRUMENTS: [InstrumentRecipe; 17] = [
    InstrumentRecipe {
        inst: Inst::Piano,
        name: "Piano",
        samples: Family::Piano,
        layout: Layout::Layered([0, 1, 2]),
        global: &[],
        vibrato: None,
    },
    InstrumentRecipe {
        inst: Inst::PianoBright,
        name: "Piano Bright",
        samples: Family::Piano,
        layout: Layout::Layered([1, 2, 2]),
        global: &[],
        vibrato: None,
    },
    InstrumentRecipe {
        inst: Inst::Mallet,
        name: "Mallet",
        samples: Family::Mallet,
        layout: Layout::Single,
        global: &[
            LOOPED,
            secs(DECAY_VOL_ENV, 4.0),
            raw(SUSTAIN_VOL_ENV, 1000),
            raw(KEYNUM_TO_VOL_ENV_DECAY, 30),
            secs(RELEASE_VOL_ENV, 0.9),
            db(2.0),
        ],
        vibrato: None,
    },
    InstrumentRecipe {
        inst: Inst::Organ,
        name: "Organ",
        samples: Family::Tone(Tone::Organ),
        layout: Layout::Single,
        global: &[
            LOOPED,
            secs(ATTACK_VOL_ENV, 0.006),
            secs(RELEASE_VOL_ENV, 0.08),
            raw(CHORUS_EFFECTS_SEND, 200),
            db(3.0),
        ],
        vibrato: vibrato(0.0, 6.2, 4),
    },
    InstrumentRecipe {
        inst: Inst::Guitar,
        name: "Guitar",
        samples: Family::Guitar,
        layout: Layout::Single,
        global: &pluck(0.4, 5.0, 0.3, 2.0),
        vibrato: None,
    },
    InstrumentRecipe {
        inst: Inst::Bass,
        name: "Bass",
        samples: Family::Bass,
        layout: Layout::Single,
        global: &pluck(0.5, 6.0, 0.2, 3.0),
        vibrato: None,
    },
    InstrumentRecipe {
        inst: Inst::Strings,
        name: "Strings",
        samples: Family::Tone(Tone::Strings),
        layout: pair(6, 250),
        global: &[
            LOOPED,
            secs(ATTACK_VOL_ENV, 0.12),
            secs(RELEASE_VOL_ENV, 0.35),
            raw(CHORUS_EFFECTS_SEND, 250),
            db(5.0),
        ],
        vibrato: vibrato(0.25, 5.3, 12),
    },
    InstrumentRecipe {
        inst: Inst::Ensemble,
        name: "Ensemble",
        samples: Family::Tone(Tone::Strings),
        layout: pair(9, 350),
        global: &[
            LOOPED,
            secs(ATTACK_VOL_ENV, 0.3),
            secs(RELEASE_VOL_ENV, 0.5),
            raw(CHORUS_EFFECTS_SEND, 400),
            db(5.0),
        ],
        vibrato: vibrato(0.3, 5.0, 10),
    },
    InstrumentRecipe {
        inst: Inst::Brass,
        name: "Brass",
        samples: Family::Tone(Tone::Brass),
        layout: Layout::Single,
        global: &[
            LOOPED,
            secs(ATTACK_VOL_ENV, 0.03),
            secs(RELEASE_VOL_ENV, 0.15),
            hz(INITIAL_FILTER_FC, 1400.0),
            raw(MOD_ENV_TO_FILTER_FC, 3000),
            secs(ATTACK_MOD_ENV, 0.05),
            secs(DECAY_MOD_ENV, 0.6),
            raw(SUSTAIN_MOD_ENV, 400),
            secs(RELEASE_MOD_ENV, 0.15),
            db(3.0),
        ],
        vibrato: vibrato(0.4, 5.0, 10),
    },
    InstrumentRecipe {
        inst: Inst::Reed,
        name: "Reed",
        samples: Family::Tone(Tone::Reed),
        layout: Layout::Single,
        global: &[
            LOOPED,
            secs(ATTACK_VOL_ENV, 0.025),
            secs(RELEASE_VOL_ENV, 0.1),
            db(3.0),
        ],
        vibrato: vibrato(0.35, 5.0, 10),
    },
    InstrumentRecipe {
        inst: Inst::Pipe,
        name: "Pipe",
        samples: Family::Tone(Tone::Pipe),
        layout: Layout::Single,
        global: &[
            LOOPED,
            secs(ATTACK_VOL_ENV, 0.05),
            secs(RELEASE_VOL_ENV, 0.12),
            db(3.0),
        ],
        vibrato: vibrato(0.3, 5.0, 8),
    },
    InstrumentRecipe {
        inst: Inst::Lead,
        name: "Lead",
        samples: Family::Tone(Tone::Lead),
        layout: pair(7, 200),
        global: &[
            LOOPED,
            secs(ATTACK_VOL_ENV, 0.004),
            secs(RELEASE_VOL_ENV, 0.12),
            db(7.0),
        ],
        vibrato: vibrato(0.5, 5.5, 12),
    },
    InstrumentRecipe {
        inst: Inst::Pad,
        name: "Pad",
        samples: Family::Tone(Tone::Pad),
        layout: pair(10, 400),
        global: &[
            LOOPED,
            secs(ATTACK_VOL_ENV, 0.5),
            secs(RELEASE_VOL_ENV, 1.2),
            raw(CHORUS_EFFECTS_SEND, 500),
            db(5.0),
        ],
        vibrato: None,
    },
    InstrumentRecipe {
        inst: Inst::Fx,
        name: "FX",
        samples: Family::Tone(Tone::Pad),
        layout: pair(10, 400),
        global: &[
            LOOPED,
            secs(ATTACK_VOL_ENV, 0.8),
            secs(RELEASE_VOL_ENV, 1.8),
            raw(CHORUS_EFFECTS_SEND, 600),
            hz(INITIAL_FILTER_FC, 2500.0),
            raw(MOD_LFO_TO_FILTER_FC, 2400),
            hz(FREQ_MOD_LFO, 0.25),
            db(4.0),
        ],
        vibrato: None,
    },
    InstrumentRecipe {
        inst: Inst::Ethnic,
        name: "Ethnic",
        samples: Family::Guitar,
        layout: Layout::Single,
        global: &pluck(0.3, 3.0, 0.3, 2.0),
        vibrato: None,
    },
    InstrumentRecipe {
        inst: Inst::Percussive,
        name: "Percussive",
        samples: Family::Mallet,
        layout: Layout::Single,
        global: &[
            LOOPED,
            secs(DECAY_VOL_ENV, 1.2),
            raw(SUSTAIN_VOL_ENV, 1000),
            secs(RELEASE_VOL_ENV, 0.3),
            db(2.0),
        ],
        vibrato: None,
    },
    InstrumentRecipe {
        inst: Inst::Noise,
        name: "Noise",
        samples: Family::Noise,
        layout: Layout::Single,
        global: &[
            LOOPED,
            secs(ATTACK_VOL_ENV, 0.05),
            secs(RELEASE_VOL_ENV, 0.4),
            db(6.0),
        ],
        vibrato: None,
    },
];

/// A plucked string's envelope: it holds, then decays to silence (faster up the keyboard).
const fn pluck(hold: f64, decay: f64, release: f64, decibels: f64) -> [Param; 7] {
    [
        LOOPED,
        secs(HOLD_VOL_ENV, hold),
        secs(DECAY_VOL_ENV, decay),
        raw(SUSTAIN_VOL_ENV, 1000),
        raw(KEYNUM_TO_VOL_ENV_DECAY, 20),
        secs(RELEASE_VOL_ENV, release),
        db(decibels),
    ]
}

/// A General MIDI program: its instrument and the preset-level generators that make it a
/// variant.
pub(super) struct Program {
    pub(super) name: &'static str,
    pub(super) inst: Inst,
    pub(super) params: &'static [Param],
    /// Two zones instead of one (honky-tonk).
    pub(super) pair: Option<PresetPair>,
}

/// Two preset zones detuned by -+`cents`, panned -+`pan`, each attenuated by `db`.
#[derive(Clone, Copy, Debug)]
pub(super) struct PresetPair {
    pub(super) cents: i32,
    pub(super) pan: i32,
    pub(super) db: f64,
}

const fn p(name: &'static str, inst: Inst, params: &'static [Param]) -> Program {
    Program {
        name,
        inst,
        params,
        pair: None,
    }
}

/// The 128 General MIDI programs of bank 0, in program order.
pub(super) const PROGRAMS: [Program; 128] = {
    use Inst::*;
    [
        p("Acoustic Grand Piano", Piano, &[]),
        p("Bright Piano", PianoBright, &[]),
        p(
            "Electric Grand Piano",
            PianoBright,
            &[raw(CHORUS_EFFECTS_SEND, 300)],
        ),
        Program {
            name: "Honky-tonk Piano",
            inst: Piano,
            params: &[],
            pair: Some(PresetPair {
                cents: 9,
                pan: 150,
                db: 3.0,
            }),
        },
        p(
            "Electric Piano 1",
            Piano,
            &[raw(INITIAL_FILTER_FC, -4200), raw(CHORUS_EFFECTS_SEND, 500)],
        ),
        p(
            "Electric Piano 2",
            PianoBright,
            &[raw(INITIAL_FILTER_FC, -3000), raw(CHORUS_EFFECTS_SEND, 600)],
        ),
        p("Harpsichord", PianoBright, &[raw(RELEASE_VOL_ENV, -600)]),
        p(
            "Clavinet",
            PianoBright,
            &[raw(INITIAL_FILTER_FC, -1800), raw(RELEASE_VOL_ENV, -1200)],
        ),
        p("Celesta", Mallet, &[]),
        p("Glockenspiel", Mallet, &[]),
        p("Music Box", Mallet, &[]),
        p("Vibraphone", Mallet, &[]),
        p("Marimba", Mallet, &[raw(DECAY_VOL_ENV, -1800)]),
        p("Xylophone", Mallet, &[raw(DECAY_VOL_ENV, -1800)]),
        p(
            "Tubular Bells",
            Mallet,
            &[raw(DECAY_VOL_ENV, 600), raw(COARSE_TUNE, -12)],
        ),
        p("Dulcimer", Mallet, &[raw(DECAY_VOL_ENV, -1200)]),
        p("Drawbar Organ", Organ, &[]),
        p("Percussive Organ", Organ, &[]),
        p("Rock Organ", Organ, &[]),
        p("Church Organ", Organ, &[raw(REVERB_EFFECTS_SEND, 400)]),
        p("Reed Organ", Organ, &[]),
        p("Accordion", Organ, &[]),
        p("Harmonica", Organ, &[raw(INITIAL_FILTER_FC, -3600)]),
        p("Tango Accordion", Organ, &[]),
        p("Nylon Guitar", Guitar, &[raw(INITIAL_FILTER_FC, -2400)]),
        p("Steel Guitar", Guitar, &[]),
        p("Jazz Guitar", Guitar, &[raw(INITIAL_FILTER_FC, -3000)]),
        p("Clean Guitar", Guitar, &[]),
        p(
            "Muted Guitar",
            Guitar,
            &[raw(DECAY_VOL_ENV, -3000), raw(HOLD_VOL_ENV, -2400)],
        ),
        p("Overdriven Guitar", Guitar, &[]),
        p("Distortion Guitar", Guitar, &[]),
        p("Guitar Harmonics", Guitar, &[raw(COARSE_TUNE, 12)]),
        p("Acoustic Bass", Bass, &[]),
        p("Finger Bass", Bass, &[]),
        p("Pick Bass", Bass, &[]),
        p("Fretless Bass", Bass, &[raw(INITIAL_FILTER_FC, -2400)]),
        p("Slap Bass 1", Bass, &[]),
        p("Slap Bass 2", Bass, &[]),
        p("Synth Bass 1", Bass, &[]),
        p("Synth Bass 2", Bass, &[]),
        p("Violin", Strings, &[]),
        p("Viola", Strings, &[]),
        p("Cello", Strings, &[]),
        p("Contrabass", Strings, &[]),
        p(
            "Tremolo Strings",
            Strings,
            &[raw(MOD_LFO_TO_VOLUME, 60), hz(FREQ_MOD_LFO, 7.0), db(6.0)],
        ),
        p("Pizzicato Strings", Strings, &PLUCKED_STRINGS),
        p("Orchestral Harp", Strings, &PLUCKED_STRINGS),
        p(
            "Timpani",
            Strings,
            &[
                raw(ATTACK_VOL_ENV, -4000),
                raw(DECAY_VOL_ENV, 12000),
                raw(SUSTAIN_VOL_ENV, 1000),
                raw(INITIAL_FILTER_FC, -4000),
            ],
        ),
        p("String Ensemble 1", Ensemble, &[]),
        p("String Ensemble 2", Ensemble, &[]),
        p("Synth Strings 1", Ensemble, &[]),
        p("Synth Strings 2", Ensemble, &[]),
        p("Choir Aahs", Ensemble, &[raw(INITIAL_FILTER_FC, -2000)]),
        p("Voice Oohs", Ensemble, &[raw(INITIAL_FILTER_FC, -2000)]),
        p("Synth Voice", Ensemble, &[raw(INITIAL_FILTER_FC, -2000)]),
        p(
            "Orchestra Hit",
            Ensemble,
            &[
                raw(ATTACK_VOL_ENV, -6000),
                raw(DECAY_VOL_ENV, 10000),
                raw(SUSTAIN_VOL_ENV, 1000),
            ],
        ),
        p("Trumpet", Brass, &[]),
        p("Trombone", Brass, &[]),
        p("Tuba", Brass, &[]),
        p("Muted Trumpet", Brass, &[raw(INITIAL_FILTER_FC, -1200)]),
        p("French Horn", Brass, &[]),
        p("Brass Section", Brass, &[]),
        p("Synth Brass 1", Brass, &[]),
        p("Synth Brass 2", Brass, &[]),
        p("Soprano Sax", Reed, &[]),
        p("Alto Sax", Reed, &[]),
        p("Tenor Sax", Reed, &[]),
        p("Baritone Sax", Reed, &[]),
        p("Oboe", Reed, &[]),
        p("English Horn", Reed, &[]),
        p("Bassoon", Reed, &[]),
        p("Clarinet", Reed, &[]),
        p("Piccolo", Pipe, &[]),
        p("Flute", Pipe, &[]),
        p("Recorder", Pipe, &[]),
        p("Pan Flute", Pipe, &[]),
        p("Blown Bottle", Pipe, &[]),
        p("Shakuhachi", Pipe, &[]),
        p("Whistle", Pipe, &[]),
        p("Ocarina", Pipe, &[]),
        p("Lead 1 (square)", Lead, &[]),
        p("Lead 2 (sawtooth)", Lead, &[]),
        p("Lead 3 (calliope)", Lead, &[]),
        p("Lead 4 (chiff)", Lead, &[]),
        p("Lead 5 (charang)", Lead, &[]),
        p("Lead 6 (voice)", Lead, &[]),
        p("Lead 7 (fifths)", Lead, &[]),
        p("Lead 8 (bass+lead)", Lead, &[]),
        p("Pad 1 (new age)", Pad, &[]),
        p("Pad 2 (warm)", Pad, &[]),
        p("Pad 3 (polysynth)", Pad, &[]),
        p("Pad 4 (choir)", Pad, &[]),
        p("Pad 5 (bowed)", Pad, &[]),
        p("Pad 6 (metallic)", Pad, &[]),
        p("Pad 7 (halo)", Pad, &[]),
        p("Pad 8 (sweep)", Pad, &[]),
        p("FX 1 (rain)", Fx, &[]),
        p("FX 2 (soundtrack)", Fx, &[]),
        p("FX 3 (crystal)", Fx, &[]),
        p("FX 4 (atmosphere)", Fx, &[]),
        p("FX 5 (brightness)", Fx, &[]),
        p("FX 6 (goblins)", Fx, &[]),
        p("FX 7 (echoes)", Fx, &[]),
        p("FX 8 (sci-fi)", Fx, &[]),
        p("Sitar", Ethnic, &[]),
        p("Banjo", Ethnic, &[]),
        p("Shamisen", Ethnic, &[]),
        p("Koto", Ethnic, &[]),
        p("Kalimba", Mallet, &[raw(DECAY_VOL_ENV, -1800)]),
        p("Bag pipe", Reed, &[]),
        p("Fiddle", Strings, &[]),
        p("Shanai", Reed, &[]),
        p("Tinkle Bell", Percussive, &[]),
        p("Agogo", Percussive, &[]),
        p("Steel Drums", Percussive, &[]),
        p("Woodblock", Percussive, &[]),
        p("Taiko Drum", Percussive, &[raw(COARSE_TUNE, -12)]),
        p("Melodic Tom", Percussive, &[raw(COARSE_TUNE, -12)]),
        p("Synth Drum", Percussive, &[raw(COARSE_TUNE, -12)]),
        p("Reverse Cymbal", Percussive, &[]),
        p("Guitar Fret Noise", Noise, &[]),
        p("Breath Noise", Noise, &[raw(INITIAL_FILTER_FC, -2400)]),
        p(
            "Seashore",
            Noise,
            &[raw(MOD_LFO_TO_VOLUME, 120), hz(FREQ_MOD_LFO, 0.15), db(9.0)],
        ),
        p(
            "Bird Tweet",
            Pipe,
            &[
                raw(COARSE_TUNE, 24),
                Param {
                    oper: FREQ_VIB_LFO,
                    amount: Amount::HertzShift {
                        from: 5.0,
                        to: 12.0,
                    },
                },
                raw(VIB_LFO_TO_PITCH, 150),
                raw(DELAY_VIB_LFO, -4000),
            ],
        ),
        p(
            "Telephone Ring",
            Lead,
            &[
                raw(COARSE_TUNE, 24),
                raw(MOD_LFO_TO_VOLUME, 120),
                hz(FREQ_MOD_LFO, 16.0),
                db(9.0),
            ],
        ),
        p(
            "Helicopter",
            Noise,
            &[
                raw(MOD_LFO_TO_VOLUME, 120),
                hz(FREQ_MOD_LFO, 12.0),
                db(9.0),
                raw(COARSE_TUNE, -24),
            ],
        ),
        p("Applause", Noise, &[]),
        p(
            "Gunshot",
            Noise,
            &[
                raw(DECAY_VOL_ENV, 9000),
                raw(SUSTAIN_VOL_ENV, 1000),
                raw(COARSE_TUNE, -12),
            ],
        ),
    ]
};

/// Pizzicato and harp: the bowed strings' samples, plucked (fast attack, long decay).
const PLUCKED_STRINGS: [Param; 4] = [
    raw(ATTACK_VOL_ENV, -3000),
    raw(DECAY_VOL_ENV, 11000),
    raw(SUSTAIN_VOL_ENV, 1000),
    raw(RELEASE_VOL_ENV, 1000),
];

/// What a drum key plays.
#[derive(Clone, Copy, Debug)]
pub(super) enum DrumSource {
    Drum(Drum),
    /// The looped pipe sample with this root (whistles).
    Pipe(u8),
}

/// One key of the drum kit.
#[derive(Clone, Copy, Debug)]
pub(super) struct DrumKey {
    pub(super) key: u8,
    pub(super) sample: DrumSource,
    /// Tuning relative to the sample's natural pitch.
    pub(super) cents: i32,
    /// Attenuation.
    pub(super) db: f64,
    /// A decay (seconds) for keys the envelope cuts short.
    pub(super) decay: Option<f64>,
    /// Exclusive class: a key cuts off the others of its class (0: none).
    pub(super) class: i32,
    /// -500 (left) to 500 (right).
    pub(super) pan: i32,
    /// Pitch sweep of the modulation envelope, in cents.
    pub(super) pitch_env: i32,
}

const fn key(key: u8, drum: Drum, cents: i32, db: f64) -> DrumKey {
    DrumKey {
        key,
        sample: DrumSource::Drum(drum),
        cents,
        db,
        decay: None,
        class: 0,
        pan: 0,
        pitch_env: 0,
    }
}

/// A key that plays the looped pipe sample rooted at `root`.
const fn whistle(key: u8, root: u8, cents: i32, db: f64) -> DrumKey {
    DrumKey {
        key,
        sample: DrumSource::Pipe(root),
        cents,
        db,
        decay: None,
        class: 0,
        pan: 0,
        pitch_env: 0,
    }
}

impl DrumKey {
    const fn decay(self, seconds: f64) -> Self {
        DrumKey {
            decay: Some(seconds),
            ..self
        }
    }

    const fn class(self, class: i32) -> Self {
        DrumKey { class, ..self }
    }

    const fn pan(self, pan: i32) -> Self {
        DrumKey { pan, ..self }
    }

    const fn pitch_env(self, cents: i32) -> Self {
        DrumKey {
            pitch_env: cents,
            ..self
        }
    }
}

/// The drum kit: General MIDI keys 35-81. Hi-hats (class 1) cut each other, as do the
/// whistles, guiros, cuicas and triangles.
pub(super) const DRUM_KEYS: [DrumKey; 47] = {
    use Drum::*;
    [
        key(35, Kick, -200, 2.0),
        key(36, Kick, 0, 2.0),
        key(37, SideStick, 0, 4.0),
        key(38, Snare, 0, 1.0),
        key(39, Clap, 0, 2.0),
        key(40, Snare, 300, 1.0),
        key(41, Tom, -500, 2.5).pan(200),
        key(42, HiHat, 0, 3.0).decay(0.25).class(1).pan(-250),
        key(43, Tom, -200, 2.5).pan(200),
        key(44, HiHat, -100, 4.0).decay(0.4).class(1).pan(-250),
        key(45, Tom, 100, 2.5),
        key(46, HiHat, 0, 6.0).class(1).pan(-250),
        key(47, Tom, 400, 2.5),
        key(48, Tom, 600, 2.5).pan(-200),
        key(49, Crash, 0, 4.0),
        key(50, Tom, 900, 2.5).pan(-200),
        key(51, Ride, 0, 5.0).pan(250),
        key(52, Crash, -300, 5.0),
        key(53, Ride, 500, 4.0).pan(250),
        key(54, Tambourine, 0, 6.0),
        key(55, Crash, 500, 5.0).decay(1.2),
        key(56, Cowbell, 0, 5.0),
        key(57, Crash, 200, 4.0),
        key(58, Guiro, -500, 5.0),
        key(59, Ride, -100, 5.0).pan(250),
        key(60, Tom, 2200, 3.0).pan(300),
        key(61, Tom, 1700, 3.0).pan(300),
        key(62, Tom, 1400, 3.0).decay(0.15).pan(300),
        key(63, Tom, 1400, 3.0).pan(300),
        key(64, Tom, 900, 3.0).pan(300),
        key(65, Tom, 1600, 3.0).pan(300),
        key(66, Tom, 1200, 3.0).pan(300),
        key(67, Cowbell, 700, 6.0).pan(300),
        key(68, Cowbell, 200, 6.0).pan(300),
        key(69, Shaker, 0, 6.0).pan(300),
        key(70, Shaker, 500, 6.0).pan(300),
        whistle(71, 96, 300, 6.0).decay(0.2).class(2),
        whistle(72, 96, 300, 6.0).decay(0.7).class(2),
        key(73, Guiro, 0, 2.0).decay(0.2).class(3).pan(-300),
        key(74, Guiro, 0, 5.0).class(3).pan(-300),
        key(75, Wood, 1600, 5.0).pan(-300),
        key(76, Wood, 500, 5.0).pan(-300),
        key(77, Wood, 0, 5.0).pan(-300),
        key(78, Tom, 2400, 4.0)
            .decay(0.2)
            .class(4)
            .pitch_env(500)
            .pan(-300),
        key(79, Tom, 2000, 4.0).class(4).pitch_env(-500).pan(-300),
        key(80, Triangle, 0, 8.0).decay(0.2).class(5).pan(-300),
        key(81, Triangle, 0, 8.0).class(5).pan(-300),
    ]
};

//! Helpers shared by the engine's integration tests: a seeded generator for noise and random
//! chunkings, test tones, one-sample SoundFonts, and the lookups of the shared corpus and the
//! system SoundFonts.

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use rust_audio_engine::synth::soundfont::hydra::{
    name, op, Generator, Instrument, Modulator, Preset, SampleHeader, Zone, SAMPLE_TYPE_MONO,
};
use rust_audio_engine::synth::soundfont::writer::{write_sf2, SampleData, Sf2, GUARD_POINTS};
use rust_audio_engine::{AudioBuffer, SoundFontSource};

/// xorshift64*: reproducible noise and chunk sizes without a dependency.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (a zero seed, which xorshift cannot leave, becomes 1).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1), on a 2^-24 grid (exact in `f32`).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [-1, 1).
    pub fn signed(&mut self) -> f32 {
        self.uniform() * 2.0 - 1.0
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Approximately standard normal: the sum of 12 uniforms, less 6.
    pub fn gauss(&mut self) -> f32 {
        (0..12).map(|_| self.uniform()).sum::<f32>() - 6.0
    }

    /// `channels` planar channels of `frames` samples of white noise in [-amp, amp).
    pub fn signal(&mut self, channels: usize, frames: usize, amp: f32) -> Vec<Vec<f32>> {
        (0..channels)
            .map(|_| (0..frames).map(|_| amp * self.signed()).collect())
            .collect()
    }
}

/// `n` samples of white noise in [-1, 1), the same for the same `seed`.
pub fn noise(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.signed()).collect()
}

/// A one-channel buffer.
pub fn mono(samples: Vec<f32>, sr: u32) -> AudioBuffer {
    AudioBuffer::new(vec![samples], sr).unwrap()
}

/// Equal-tempered frequency of a MIDI note (A4 = 69 = 440 Hz).
pub fn midi_hz(midi: u8) -> f64 {
    440.0 * 2f64.powf((f64::from(midi) - 69.0) / 12.0)
}

/// The interval from `reference` to `f`, in cents.
pub fn cents(f: f64, reference: f64) -> f64 {
    1200.0 * (f / reference).log2()
}

/// A piano-like tone at `f0` struck `strikes` times, every `strike_s` seconds without a gap
/// (3 ms attack, 150 ms decay, five harmonics falling as 1/k), then 200 ms of silence: the
/// pitch never stops, only the onsets separate the notes.
pub fn struck_tone(f0: f64, sr: u32, strikes: usize, strike_s: f64) -> Vec<f32> {
    let strike = (strike_s * f64::from(sr)) as usize;
    let mut x = Vec::with_capacity(strikes * strike + sr as usize / 5);
    for _ in 0..strikes {
        for i in 0..strike {
            let t = i as f64 / f64::from(sr);
            let env = (t / 0.003).min(1.0) * (-t / 0.15).exp();
            let s: f64 = (1..6)
                .map(|k| (2.0 * PI * f0 * f64::from(k) * t).sin() / f64::from(k))
                .sum();
            x.push((0.4 * env * s) as f32);
        }
    }
    x.extend(vec![0.0f32; sr as usize / 5]);
    x
}

/// The test data: `$RAE_TESTDATA`, by default `target/testdata` in the workspace (`make testdata`
/// fills it: see tests/data/README.md).
pub fn testdata_root() -> PathBuf {
    std::env::var_os("RAE_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/testdata"))
}

/// `sub` of the test data. Missing data fails the test: it never passes without its input.
fn testdata_dir(sub: &str) -> PathBuf {
    let dir = testdata_root().join(sub);
    assert!(
        dir.is_dir(),
        "test data {} is missing: run `make testdata` (or set RAE_TESTDATA)",
        dir.display()
    );
    dir
}

/// The generated test audio and its truth files.
pub fn testdata_audio() -> PathBuf {
    testdata_dir("audio")
}

/// The test MIDI files.
pub fn testdata_midi() -> PathBuf {
    testdata_dir("midi")
}

/// The test MIDI files in name order.
pub fn testdata_midis() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(testdata_midi())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mid"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "too few test MIDI files: {files:?}");
    files
}

/// Debian's SoundFonts: `fluid-soundfont-gm`, `timgm6mb-soundfont`,
/// `musescore-general-soundfont-small` and `fluidr3mono-gm-soundfont`, which `make test`
/// installs.
pub const FLUID: &str = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
pub const TIMGM: &str = "/usr/share/sounds/sf2/TimGM6mb.sf2";
pub const SF3: &str = "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3";
pub const FLUID_MONO: &str = "/usr/share/sounds/sf3/FluidR3Mono_GM.sf3";

/// The SoundFont at `path` (or the built-in one for `"builtin"`). A font that is not installed
/// fails the test.
pub fn font(path: &str) -> SoundFontSource {
    if path == "builtin" {
        return SoundFontSource::Builtin;
    }
    assert!(
        Path::new(path).is_file(),
        "{path} is not installed: run `make test`, or apt-get install fluid-soundfont-gm \
         timgm6mb-soundfont musescore-general-soundfont-small fluidr3mono-gm-soundfont"
    );
    SoundFontSource::Path(path.into())
}

/// Beginner piano lessons written by these tests (the kind of MIDI the app plays): a C major
/// scale up and down in quarter notes at 100 BPM, and a right-hand melody over left-hand chords
/// on every beat at 84 BPM. `(name, SMF bytes, BPM)`.
pub fn lesson_midis() -> Vec<(&'static str, Vec<u8>, f64)> {
    use rust_audio_engine::demo::{write_smf, Note};
    let q = 480u32;
    let note = |start: u32, length: u32, key: u8, velocity: u8| Note {
        start,
        length,
        channel: 0,
        key,
        velocity,
    };
    let scale = [60u8, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60];
    let up_and_down: Vec<Note> = scale
        .iter()
        .cycle()
        .take(3 * scale.len())
        .enumerate()
        .map(|(i, &k)| note(i as u32 * q, q * 9 / 10, k, 80))
        .collect();
    let melody = [
        64u8, 67, 72, 71, 69, 67, 65, 64, 62, 64, 65, 67, 64, 62, 60, 60,
    ];
    let chords = [[48u8, 52, 55], [53, 57, 60], [55, 59, 62], [48, 52, 55]];
    let mut with_chords = Vec::new();
    for bar in 0..8u32 {
        for beat in 0..4u32 {
            let i = (bar * 4 + beat) as usize;
            let t = (bar * 4 + beat) * q;
            with_chords.push(note(t, q * 9 / 10, melody[i % melody.len()], 90));
            if beat % 2 == 0 {
                for &k in &chords[(bar as usize) % chords.len()] {
                    with_chords.push(note(t, 2 * q - 20, k, 60));
                }
            }
        }
    }
    vec![
        (
            "lesson: scale up and down",
            write_smf(480, 100.0, &[(0, 0)], &up_and_down, &[]),
            100.0,
        ),
        (
            "lesson: melody over chords",
            write_smf(480, 84.0, &[(0, 0)], &with_chords, &[]),
            84.0,
        ),
    ]
}

/// A SoundFont of one preset (0:0) -> one instrument -> one mono sample, as the synthesizer
/// tests build them with the engine's SF2 writer.
pub struct OneSampleFont {
    /// The font's, preset's, instrument's and sample's name.
    pub name: &'static str,
    /// The sample's points (the writer's guard points are added after them).
    pub points: Vec<i16>,
    pub sample_rate: u32,
    pub root_key: u8,
    /// Loop start and end; `None` plays the sample once.
    pub loop_points: Option<(u32, u32)>,
    /// Instrument generators besides the sample mode and the sample ID.
    pub generators: Vec<Generator>,
    pub instrument_modulators: Vec<Modulator>,
    pub preset_modulators: Vec<Modulator>,
}

impl OneSampleFont {
    /// The font as SF2 bytes.
    pub fn sf2(self) -> Vec<u8> {
        let len = self.points.len() as u32;
        let mut points = self.points;
        points.resize(points.len() + GUARD_POINTS, 0);
        let (loop_start, loop_end) = self.loop_points.unwrap_or((0, len));
        let mut generators = self.generators;
        generators.push(Generator::new(
            op::SAMPLE_MODES,
            u16::from(self.loop_points.is_some()),
        ));
        generators.push(Generator::new(op::SAMPLE_ID, 0));
        let font = Sf2 {
            info: vec![(*b"ifil", &[2, 0, 4, 0]), (*b"INAM", self.name.as_bytes())],
            presets: vec![Preset {
                name: name(self.name),
                program: 0,
                bank: 0,
                library: 0,
                genre: 0,
                morphology: 0,
                zones: vec![Zone {
                    generators: vec![Generator::new(op::INSTRUMENT, 0)],
                    modulators: self.preset_modulators,
                }],
            }],
            instruments: vec![Instrument {
                name: name(self.name),
                zones: vec![Zone {
                    generators,
                    modulators: self.instrument_modulators,
                }],
            }],
            samples: vec![SampleHeader {
                name: name(self.name),
                start: 0,
                end: len,
                loop_start,
                loop_end,
                sample_rate: self.sample_rate,
                original_pitch: self.root_key,
                pitch_correction: 0,
                link: 0,
                sample_type: SAMPLE_TYPE_MONO,
            }],
            sample_data: SampleData::from_points(points),
        };
        write_sf2(&font).expect("the test font is valid")
    }
}

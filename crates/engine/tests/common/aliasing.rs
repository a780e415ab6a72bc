//! Aliasing of the sample interpolation, measured on a pure tone: a SoundFont whose only sample
//! is a sine (looped over whole periods, so the loop adds nothing), played above its root key.
//! The output should be one sine; everything else in its spectrum comes from the interpolation
//! kernel (images of the sine folded back below Nyquist). FluidSynth renders the same font and
//! note for comparison. Shared by the test `synth_interpolation.rs` and the example
//! `aliasing.rs`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use realfft::RealFftPlanner;
use rust_audio_engine::demo::{write_smf, Note};
use rust_audio_engine::{
    load_soundfont_bytes, read_audio, render, Interpolation, MidiSource, Normalize, RenderOptions,
    SoundFontSource,
};

use crate::common::OneSampleFont;

pub const SAMPLE_RATE: u32 = 44100;
/// The root key of the sine sample.
pub const ROOT_KEY: u8 = 60;
/// How long each note is held, and where the analysed stretch starts (after the attack).
pub const NOTE_S: f64 = 1.5;
const ANALYSIS_START_S: f64 = 0.25;
/// Analysed samples: 0.74 s at 44.1 kHz.
const FFT_LEN: usize = 1 << 15;
/// Kaiser window shape: side lobes below -200 dB, so the tone's own leakage stays far under
/// anything measured; its main lobe reaches about 9 bins from the peak.
const WINDOW_BETA: f64 = 28.0;
/// Bins on each side of the peak counted as the tone.
const TONE_BINS: usize = 16;

/// A tone: a stored sine of `period` points (at 44.1 kHz) played `semitones` above its root.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub period: usize,
    pub semitones: u8,
}

impl Case {
    /// The frequency of the stored sine.
    pub fn sample_hz(&self) -> f64 {
        f64::from(SAMPLE_RATE) / self.period as f64
    }

    /// The frequency played.
    pub fn output_hz(&self) -> f64 {
        self.sample_hz() * 2f64.powf(f64::from(self.semitones) / 12.0)
    }
}

/// The cases measured: the sine's frequency is a fraction of its sample rate (1/100 to 1/8) and
/// the note lies 7 to 40 semitones above the root (a fifth to over three octaves), the played
/// tone staying below 15 kHz.
pub const CASES: [Case; 5] = [
    Case {
        period: 100,
        semitones: 40,
    },
    Case {
        period: 32,
        semitones: 31,
    },
    Case {
        period: 32,
        semitones: 40,
    },
    Case {
        period: 16,
        semitones: 19,
    },
    Case {
        period: 8,
        semitones: 7,
    },
];

/// One preset (0:0) -> one instrument -> one looped sine of `period` points at 44.1 kHz, root
/// key [`ROOT_KEY`], at full scale (so 16-bit rounding leaves a floor near -98 dB). The loop holds whole periods, so looping adds nothing; the
/// points before and after it hold the sine inverted, which a correct reading never plays once
/// the loop has started (the period before the loop plays once, at the attack).
pub fn sine_sf2(period: usize) -> Vec<u8> {
    let periods = 4096 / period;
    let len = period * periods;
    let (loop_start, loop_end) = (period, len - period);
    let points: Vec<i16> = (0..len)
        .map(|i| {
            let phase = 2.0 * std::f64::consts::PI * i as f64 / period as f64;
            let sign = if (loop_start..loop_end).contains(&i) {
                1.0
            } else {
                -1.0
            };
            (sign * 32000.0 * phase.sin()).round() as i16
        })
        .collect();
    one_sample_sf2(points, Some((loop_start as u32, loop_end as u32)))
}

/// One preset (0:0) -> one instrument -> one sample of `points` at 44.1 kHz, root key
/// [`ROOT_KEY`], looped over `loop_points` when given.
pub fn one_sample_sf2(points: Vec<i16>, loop_points: Option<(u32, u32)>) -> Vec<u8> {
    OneSampleFont {
        name: "Tone",
        points,
        sample_rate: SAMPLE_RATE,
        root_key: ROOT_KEY,
        loop_points,
        generators: Vec::new(),
        instrument_modulators: Vec::new(),
        preset_modulators: Vec::new(),
    }
    .sf2()
}

/// A MIDI file holding `key` for [`NOTE_S`] seconds on channel 0 (program 0).
pub fn one_note_midi(key: u8) -> Vec<u8> {
    // 120 BPM at 480 ticks per quarter: 960 ticks per second.
    let note = Note {
        start: 0,
        length: (NOTE_S * 960.0) as u32,
        channel: 0,
        key,
        velocity: 127,
    };
    write_smf(480, 120.0, &[(0, 0)], &[note], &[])
}

/// The left channel of `case` rendered by the engine with `interpolation`, no gain stage.
pub fn render_case(case: Case, interpolation: Interpolation) -> Vec<f32> {
    render_note(
        &sine_sf2(case.period),
        ROOT_KEY + case.semitones,
        interpolation,
    )
}

/// The left channel of `key` played with the font `sf2` by the engine, no gain stage.
pub fn render_note(sf2: &[u8], key: u8, interpolation: Interpolation) -> Vec<f32> {
    let font = load_soundfont_bytes(sf2, "test font").expect("the test font loads");
    let opts = RenderOptions {
        interpolation,
        normalize: Normalize::Off,
        max_tail_s: 0.0,
        ..Default::default()
    };
    let midi = one_note_midi(key);
    let rendered = render(
        MidiSource::Bytes(&midi),
        &SoundFontSource::Loaded(Arc::new(font)),
        &opts,
    )
    .expect("the note renders");
    rendered.audio.channels()[0].clone()
}

/// The left channel of `case` rendered by FluidSynth (the `fluidsynth` command, Debian package
/// fluidsynth) with its interpolation `number` (1 linear, 4 its default 4th order, 7), reverb and
/// chorus off, as 32-bit float, in `dir`.
pub fn fluidsynth_render(dir: &Path, case: Case, number: u8) -> Vec<f32> {
    let font = dir.join(format!("sine{}.sf2", case.period));
    std::fs::write(&font, sine_sf2(case.period)).expect("the font is written");
    let midi = dir.join("note.mid");
    std::fs::write(&midi, one_note_midi(ROOT_KEY + case.semitones)).expect("the MIDI is written");
    let config = dir.join("interp.txt");
    std::fs::write(&config, format!("interp {number}\n")).expect("the config is written");
    let out = dir.join("fluidsynth.wav");
    let status = Command::new("fluidsynth")
        .args(["-ni", "-q", "-R", "0", "-C", "0", "-O", "float", "-r"])
        .arg(SAMPLE_RATE.to_string())
        .arg("-f")
        .arg(&config)
        .arg("-F")
        .arg(&out)
        .arg(&font)
        .arg(&midi)
        // It warns that the font has no drum kit.
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("cannot run fluidsynth ({e}): apt-get install fluidsynth"));
    assert!(status.success(), "fluidsynth failed: {status}");
    let audio = read_audio(&out, 60.0).expect("fluidsynth's output reads");
    audio.channels()[0].clone()
}

/// What the spectrum of a played tone holds besides the tone.
#[derive(Debug, Clone, Copy)]
pub struct Spurs {
    /// All components outside the tone, relative to it, in dB.
    pub total_db: f64,
    /// The strongest single component outside the tone, relative to it, in dB.
    pub worst_db: f64,
    /// The frequency of the tone found, in Hz.
    pub tone_hz: f64,
}

/// Measures `audio` (at [`SAMPLE_RATE`]) from 0.25 s on, under a Kaiser window.
pub fn spurs(audio: &[f32]) -> Spurs {
    let start = (ANALYSIS_START_S * f64::from(SAMPLE_RATE)) as usize;
    assert!(
        audio.len() >= start + FFT_LEN,
        "render too short: {} samples",
        audio.len()
    );
    let norm = bessel_i0(WINDOW_BETA);
    let mut frame: Vec<f64> = (0..FFT_LEN)
        .map(|i| {
            let u = 2.0 * i as f64 / (FFT_LEN - 1) as f64 - 1.0;
            let w = bessel_i0(WINDOW_BETA * (1.0 - u * u).max(0.0).sqrt()) / norm;
            w * f64::from(audio[start + i])
        })
        .collect();
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(FFT_LEN);
    let mut spectrum = fft.make_output_vec();
    fft.process(&mut frame, &mut spectrum)
        .expect("the FFT lengths match");
    let power: Vec<f64> = spectrum.iter().map(|c| c.norm_sqr()).collect();
    let peak = (1..power.len())
        .max_by(|&i, &j| power[i].total_cmp(&power[j]))
        .unwrap_or(1);
    let tone = peak.saturating_sub(TONE_BINS)..(peak + TONE_BINS + 1).min(power.len());
    let tone_power: f64 = power[tone.clone()].iter().sum();
    let outside = || {
        power
            .iter()
            .enumerate()
            .filter(|(i, _)| !tone.contains(i))
            .map(|(_, p)| *p)
    };
    let rest: f64 = outside().sum();
    let worst = outside().fold(0.0, f64::max);
    Spurs {
        total_db: 10.0 * (rest / tone_power).log10(),
        worst_db: 10.0 * (worst / power[peak]).log10(),
        tone_hz: peak as f64 * f64::from(SAMPLE_RATE) / FFT_LEN as f64,
    }
}

/// The modified Bessel function of the first kind, order 0, by its power series.
fn bessel_i0(x: f64) -> f64 {
    let q = 0.25 * x * x;
    let (mut term, mut sum) = (1.0, 1.0);
    for k in 1..200 {
        term *= q / f64::from(k * k);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

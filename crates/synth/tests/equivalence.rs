//! Equivalence tests of the fork.
//!
//! They need a General MIDI SoundFont and a MIDI file: FluidR3_GM from the
//! Debian package fluid-soundfont-gm (which `make test` installs) and the
//! repository's `tests/data/midi/gm_meltysynth_demo.mid`, overridable with the
//! `RAE_SYNTH_SF2` and `RAE_SYNTH_MIDI` environment variables. A missing file
//! fails the tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

const SAMPLE_RATE: i32 = 44100;

fn input(var: &str, default: &str) -> PathBuf {
    let path = PathBuf::from(std::env::var(var).unwrap_or_else(|_| default.to_string()));
    assert!(path.is_file(), "{} not found (set {var})", path.display());
    path
}

fn inputs() -> (PathBuf, PathBuf) {
    (
        input("RAE_SYNTH_SF2", "/usr/share/sounds/sf2/FluidR3_GM.sf2"),
        input(
            "RAE_SYNTH_MIDI",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/data/midi/gm_meltysynth_demo.mid"
            ),
        ),
    )
}

fn fork_sequencer(sf2: &PathBuf, midi: &PathBuf) -> rae_synth::MidiFileSequencer {
    fork_sequencer_with(sf2, midi, false, true)
}

fn fork_sequencer_with(
    sf2: &PathBuf,
    midi: &PathBuf,
    skip_open_filter: bool,
    enable_modulators: bool,
) -> rae_synth::MidiFileSequencer {
    let sound_font = Arc::new(rae_synth::SoundFont::new(&mut File::open(sf2).unwrap()).unwrap());
    let midi = Arc::new(rae_synth::MidiFile::new(&mut File::open(midi).unwrap()).unwrap());
    let mut settings = rae_synth::SynthesizerSettings::new(SAMPLE_RATE);
    settings.maximum_polyphony = 256;
    settings.enable_reverb_and_chorus = true;
    settings.skip_open_filter = skip_open_filter;
    settings.enable_modulators = enable_modulators;
    settings.interpolation = rae_synth::Interpolation::Linear;
    let synthesizer = rae_synth::Synthesizer::new(&sound_font, &settings).unwrap();
    let mut sequencer = rae_synth::MidiFileSequencer::new(synthesizer);
    sequencer.play(&midi, false);
    sequencer
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

/// render_split + Effects reproduce render() exactly (all 16 channels, one synthesizer).
#[test]
fn split_rendering_matches_render() {
    let (sf2, midi) = inputs();
    let frames = SAMPLE_RATE as usize * 12;

    let mut reference = fork_sequencer(&sf2, &midi);
    let mut ref_left = vec![0_f32; frames];
    let mut ref_right = vec![0_f32; frames];
    // Odd chunk sizes exercise the partial-block paths.
    let mut done = 0;
    for chunk in [1000, 37, 64, 4096].iter().cycle() {
        if done >= frames {
            break;
        }
        let end = (done + chunk).min(frames);
        reference.render(&mut ref_left[done..end], &mut ref_right[done..end]);
        done = end;
    }

    let mut split = fork_sequencer(&sf2, &midi);
    let settings = rae_synth::SynthesizerSettings::new(SAMPLE_RATE);
    let mut effects = rae_synth::Effects::new(&settings).unwrap();
    effects.set_master_volume(split.get_synthesizer().get_master_volume());
    let mut left = vec![0_f32; frames];
    let mut right = vec![0_f32; frames];
    let mut reverb = vec![0_f32; frames];
    let mut chorus_left = vec![0_f32; frames];
    let mut chorus_right = vec![0_f32; frames];
    let mut done = 0;
    for chunk in [333, 64, 1, 2048].iter().cycle() {
        if done >= frames {
            break;
        }
        let end = (done + chunk).min(frames);
        split.render_split(
            &mut left[done..end],
            &mut right[done..end],
            &mut reverb[done..end],
            &mut chorus_left[done..end],
            &mut chorus_right[done..end],
        );
        effects.process(
            &reverb[done..end],
            &chorus_left[done..end],
            &chorus_right[done..end],
            &mut left[done..end],
            &mut right[done..end],
        );
        done = end;
    }

    let max_diff = ref_left
        .iter()
        .zip(&left)
        .chain(ref_right.iter().zip(&right))
        .map(|(a, b)| (a - b).abs())
        .fold(0_f32, f32::max);
    eprintln!(
        "split vs render: max abs diff {max_diff:e}, rms {:e}",
        rms(&ref_left)
    );
    assert!(rms(&ref_left) > 1e-3, "reference is silent");
    assert_eq!(max_diff, 0.0);
}

/// Two synthesizers rendering disjoint channel groups into one shared Effects
/// give (nearly) the same result as one synthesizer (only summation order differs).
#[test]
fn two_channel_groups_share_effects() {
    let (sf2, _midi) = inputs();
    let sound_font = Arc::new(rae_synth::SoundFont::new(&mut File::open(&sf2).unwrap()).unwrap());
    let mut settings = rae_synth::SynthesizerSettings::new(SAMPLE_RATE);
    settings.maximum_polyphony = 256;
    let mut whole = rae_synth::Synthesizer::new(&sound_font, &settings).unwrap();
    let mut low = rae_synth::Synthesizer::new(&sound_font, &settings).unwrap();
    let mut high = rae_synth::Synthesizer::new(&sound_font, &settings).unwrap();
    let mut effects = rae_synth::Effects::new(&settings).unwrap();

    let notes = [
        (0, 48, 100, 0x00),
        (3, 60, 90, 40),
        (9, 36, 120, 0),
        (12, 67, 80, 0x28),
    ];
    for &(ch, key, vel, patch) in &notes {
        for s in [&mut whole, if ch < 8 { &mut low } else { &mut high }] {
            s.process_midi_message(ch, 0xC0, patch, 0);
            s.process_midi_message(ch, 0xB0, 0x5B, 100);
            s.process_midi_message(ch, 0xB0, 0x5D, 80);
            s.note_on(ch, key, vel);
        }
    }
    let frames = 44100;
    let mut ref_left = vec![0_f32; frames];
    let mut ref_right = vec![0_f32; frames];
    whole.render(&mut ref_left, &mut ref_right);

    let mut bufs = vec![vec![0_f32; frames]; 5];
    for s in [&mut low, &mut high] {
        let [l, r, rv, cl, cr] = &mut bufs[..] else {
            unreachable!()
        };
        s.render_split(l, r, rv, cl, cr);
    }
    let [l, r, rv, cl, cr] = &mut bufs[..] else {
        unreachable!()
    };
    effects.process(rv, cl, cr, l, r);
    let max_diff = ref_left
        .iter()
        .zip(l.iter())
        .chain(ref_right.iter().zip(r.iter()))
        .map(|(a, b)| (a - b).abs())
        .fold(0_f32, f32::max);
    eprintln!("two groups vs one: max abs diff {max_diff:e}");
    assert!(rms(&ref_left) > 1e-3);
    assert!(max_diff < 1e-5, "max abs diff {max_diff}");
    assert_eq!(whole.stolen_voice_count(), 0);
    assert!(whole.active_voice_count() > 0);
}

/// How the fork is driven against upstream.
#[derive(Debug, Clone, Copy)]
struct ForkConfig {
    skip_open_filter: bool,
    enable_modulators: bool,
    /// As the engine renders: the synthesizer's own effects off, `render_split` into dry and
    /// effect-send buffers, and one shared `Effects` on the sends (else `render`).
    split: bool,
}

/// The fork as the engine configures it (`crates/engine/src/synth/render.rs`): block 64,
/// polyphony 256, modulators on, open filters filtered, split rendering with shared effects;
/// with upstream's linear interpolation.
const SHIPPED: ForkConfig = ForkConfig {
    skip_open_filter: false,
    enable_modulators: true,
    split: true,
};

/// Renders the whole MIDI file and 2 s after it with upstream rustysynth 1.3.8 (reverb and chorus
/// on, polyphony 256) and with the fork at linear interpolation; returns the largest absolute
/// difference of a sample and the RMS of the difference relative to upstream's, in dB.
fn fork_vs_upstream(sf2: &PathBuf, midi: &PathBuf, config: ForkConfig) -> (f32, f64) {
    let sound_font = Arc::new(rustysynth::SoundFont::new(&mut File::open(sf2).unwrap()).unwrap());
    let midi_file = Arc::new(rustysynth::MidiFile::new(&mut File::open(midi).unwrap()).unwrap());
    let frames = ((midi_file.get_length() + 2.0) * SAMPLE_RATE as f64) as usize;
    let mut settings = rustysynth::SynthesizerSettings::new(SAMPLE_RATE);
    settings.maximum_polyphony = 256;
    settings.enable_reverb_and_chorus = true;
    let synthesizer = rustysynth::Synthesizer::new(&sound_font, &settings).unwrap();
    let mut upstream = rustysynth::MidiFileSequencer::new(synthesizer);
    upstream.play(&midi_file, false);
    let mut up_left = vec![0_f32; frames];
    let mut up_right = vec![0_f32; frames];
    upstream.render(&mut up_left, &mut up_right);

    let mut fork =
        fork_sequencer_with(sf2, midi, config.skip_open_filter, config.enable_modulators);
    assert_eq!(
        fork.get_synthesizer().get_block_size(),
        64,
        "the engine renders in blocks of 64"
    );
    let mut left = vec![0_f32; frames];
    let mut right = vec![0_f32; frames];
    if config.split {
        let mut effects =
            rae_synth::Effects::new(&rae_synth::SynthesizerSettings::new(SAMPLE_RATE)).unwrap();
        let mut sends = vec![vec![0_f32; frames]; 3];
        let [reverb, chorus_left, chorus_right] = &mut sends[..] else {
            unreachable!()
        };
        fork.render_split(&mut left, &mut right, reverb, chorus_left, chorus_right);
        effects.process(reverb, chorus_left, chorus_right, &mut left, &mut right);
    } else {
        fork.render(&mut left, &mut right);
    }

    let diff: Vec<f32> = up_left
        .iter()
        .zip(&left)
        .chain(up_right.iter().zip(&right))
        .map(|(a, b)| a - b)
        .collect();
    let max_diff = diff.iter().fold(0_f32, |m, d| m.max(d.abs()));
    let signal: Vec<f32> = up_left.iter().chain(&up_right).copied().collect();
    assert!(rms(&signal) > 1e-3, "upstream output is silent");
    let ratio_db = 20.0 * (rms(&diff) / rms(&signal)).log10();
    eprintln!(
        "fork ({config:?}) vs upstream over {:.1} s: max abs diff {max_diff:e}, difference {ratio_db:.1} dB",
        frames as f64 / SAMPLE_RATE as f64
    );
    (max_diff, ratio_db)
}

/// In the configuration the engine ships, apart from the interpolation (linear here, the
/// engine's default is cubic), the fork renders exactly what upstream rustysynth 1.3.8 renders
/// for this file and font: not one sample differs. Modulators can make a difference only where a
/// font's note-on modulators change a voice (in FluidR3_GM, its two brass instruments);
/// `modulators_off_is_identical_to_upstream` covers every font.
#[test]
fn shipped_configuration_at_linear_is_identical_to_upstream() {
    let (sf2, midi) = inputs();
    let (max_diff, _) = fork_vs_upstream(&sf2, &midi, SHIPPED);
    assert_eq!(max_diff, 0.0);
}

/// Without modulators (upstream ignores them), and rendering with `render` as upstream does,
/// the output is identical whatever the font.
#[test]
fn modulators_off_is_identical_to_upstream() {
    let (sf2, midi) = inputs();
    let config = ForkConfig {
        enable_modulators: false,
        split: false,
        ..SHIPPED
    };
    let (max_diff, _) = fork_vs_upstream(&sf2, &midi, config);
    assert_eq!(max_diff, 0.0);
}

/// With the opt-in `skip_open_filter` the difference is the (small) effect of
/// upstream's always-on filter; it must stay clearly below the signal.
#[test]
fn skip_open_filter_stays_close_to_upstream() {
    let (sf2, midi) = inputs();
    let config = ForkConfig {
        skip_open_filter: true,
        ..SHIPPED
    };
    let (_, ratio_db) = fork_vs_upstream(&sf2, &midi, config);
    assert!(ratio_db < -20.0, "difference is {ratio_db:.1} dB");
}

#[test]
fn no_panic_on_mismatched_lengths_and_bad_speed() {
    let (sf2, midi) = inputs();
    let mut sequencer = fork_sequencer(&sf2, &midi);
    sequencer.set_speed(-1.0);
    sequencer.set_speed(f64::NAN);
    assert_eq!(sequencer.get_speed(), 0.0);
    sequencer.set_speed(1.0);
    let mut left = vec![0_f32; 1000];
    let mut right = vec![0_f32; 500];
    sequencer.render(&mut left, &mut right);
    let mut a = vec![0_f32; 10];
    let mut b = vec![0_f32; 300];
    let mut c = vec![0_f32; 300];
    let mut d = vec![0_f32; 0];
    let mut e = vec![0_f32; 300];
    sequencer.render_split(&mut a, &mut b, &mut c, &mut d, &mut e);
}

#[test]
fn voice_statistics() {
    let (sf2, _midi) = inputs();
    let sound_font = Arc::new(rae_synth::SoundFont::new(&mut File::open(&sf2).unwrap()).unwrap());
    let mut settings = rae_synth::SynthesizerSettings::new(SAMPLE_RATE);
    settings.maximum_polyphony = 8;
    let mut synth = rae_synth::Synthesizer::new(&sound_font, &settings).unwrap();
    let mut left = vec![0_f32; 512];
    let mut right = vec![0_f32; 512];

    // Exclusive class reuse (closed / open hi-hat) is not stealing.
    synth.note_on(9, 42, 100);
    synth.note_on(9, 46, 100);
    synth.render(&mut left, &mut right);
    assert_eq!(synth.stolen_voice_count(), 0);
    let before = synth.active_voice_count();
    assert!(before >= 1);

    // Organ notes sustain; 8 voices are exceeded quickly.
    synth.process_midi_message(0, 0xC0, 19, 0);
    for key in 60..72 {
        synth.note_on(0, key, 100);
    }
    synth.render(&mut left, &mut right);
    assert_eq!(synth.active_voice_count(), 8);
    assert!(synth.stolen_voice_count() > 0);
    synth.note_off_all(true);
    synth.render(&mut left, &mut right);
    assert_eq!(synth.active_voice_count(), 0);
}

/// Two sequencers with complementary channel masks rendering with
/// render_split into one shared Effects reproduce a single sequencer's render
/// (up to summation order).
#[test]
fn channel_masks_with_shared_effects() {
    let (sf2, midi) = inputs();
    let frames = SAMPLE_RATE as usize * 10;

    let mut whole = fork_sequencer(&sf2, &midi);
    let mut ref_left = vec![0_f32; frames];
    let mut ref_right = vec![0_f32; frames];
    whole.render(&mut ref_left, &mut ref_right);

    let mut even = fork_sequencer(&sf2, &midi);
    even.set_channel_mask(0x5555);
    let mut odd = fork_sequencer(&sf2, &midi);
    odd.set_channel_mask(0xAAAA);
    let mut effects =
        rae_synth::Effects::new(&rae_synth::SynthesizerSettings::new(SAMPLE_RATE)).unwrap();
    let mut bufs = vec![vec![0_f32; frames]; 5];
    for s in [&mut even, &mut odd] {
        let [l, r, rv, cl, cr] = &mut bufs[..] else {
            unreachable!()
        };
        s.render_split(l, r, rv, cl, cr);
    }
    let [l, r, rv, cl, cr] = &mut bufs[..] else {
        unreachable!()
    };
    effects.process(rv, cl, cr, l, r);

    let diff: Vec<f32> = ref_left
        .iter()
        .zip(l.iter())
        .chain(ref_right.iter().zip(r.iter()))
        .map(|(a, b)| a - b)
        .collect();
    let max_diff = diff.iter().fold(0_f32, |m, d| m.max(d.abs()));
    eprintln!("channel groups vs whole: max abs diff {max_diff:e}");
    assert!(rms(&ref_left) > 1e-3);
    assert!(max_diff < 1e-4, "max abs diff {max_diff}");
}

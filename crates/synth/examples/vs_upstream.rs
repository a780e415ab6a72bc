//! Times the fork against upstream rustysynth 1.3.8 on the same MIDI file and SoundFont, both at
//! linear interpolation (upstream's only kind), in one thread: each renders the whole file and
//! 2 s after it with reverb and chorus, polyphony 256, blocks of 64, the font loaded once
//! beforehand. The runs alternate (upstream, fork, upstream, ...); it prints the median time of
//! each and their range over the runs, the ratio of the medians, and whether the outputs are
//! identical (they are: see `tests/equivalence.rs`). The fork's cubic and sinc kernels are timed
//! the same way, for their cost.
//!
//!     cargo run --release -p rae-synth --example vs_upstream -- [RUNS] [MIDI] [SF2]
//!
//! Defaults: 7 runs, `tests/data/midi/gm_meltysynth_demo.mid`, FluidR3_GM. With `RAE_ONLY` set
//! to `upstream`, `linear`, `cubic` or `sinc`, only that renderer runs (once per run), for
//! instruction counts under `valgrind --tool=callgrind`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // an example stops on bad input by design

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

const SAMPLE_RATE: i32 = 44100;

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().map_or(7, |a| a.parse().expect("RUNS is a number"));
    let midi = args.next().map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/data/midi/gm_meltysynth_demo.mid")
        },
        PathBuf::from,
    );
    let sf2 = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "/usr/share/sounds/sf2/FluidR3_GM.sf2".into()),
    );

    let up_font =
        Arc::new(rustysynth::SoundFont::new(&mut File::open(&sf2).expect("the SF2 opens")).unwrap());
    let up_midi = Arc::new(rustysynth::MidiFile::new(&mut File::open(&midi).unwrap()).unwrap());
    let fork_font = Arc::new(rae_synth::SoundFont::new(&mut File::open(&sf2).unwrap()).unwrap());
    let fork_midi = Arc::new(rae_synth::MidiFile::new(&mut File::open(&midi).unwrap()).unwrap());
    let seconds = up_midi.get_length() + 2.0;
    let frames = (seconds * f64::from(SAMPLE_RATE)) as usize;

    let upstream = || {
        let mut settings = rustysynth::SynthesizerSettings::new(SAMPLE_RATE);
        settings.maximum_polyphony = 256;
        let synth = rustysynth::Synthesizer::new(&up_font, &settings).unwrap();
        let mut sequencer = rustysynth::MidiFileSequencer::new(synth);
        sequencer.play(&up_midi, false);
        let mut left = vec![0_f32; frames];
        let mut right = vec![0_f32; frames];
        sequencer.render(&mut left, &mut right);
        (left, right)
    };
    let fork = |interpolation| {
        let mut settings = rae_synth::SynthesizerSettings::new(SAMPLE_RATE);
        settings.maximum_polyphony = 256;
        settings.interpolation = interpolation;
        let synth = rae_synth::Synthesizer::new(&fork_font, &settings).unwrap();
        let mut sequencer = rae_synth::MidiFileSequencer::new(synth);
        sequencer.play(&fork_midi, false);
        let mut left = vec![0_f32; frames];
        let mut right = vec![0_f32; frames];
        sequencer.render(&mut left, &mut right);
        (left, right)
    };

    let only = std::env::var("RAE_ONLY").ok();
    if let Some(only) = &only {
        let out = match only.as_str() {
            "upstream" => upstream(),
            "linear" => fork(rae_synth::Interpolation::Linear),
            "cubic" => fork(rae_synth::Interpolation::Cubic),
            "sinc" => fork(rae_synth::Interpolation::Sinc),
            other => panic!("RAE_ONLY={other}: expected upstream, linear, cubic or sinc"),
        };
        println!("{only}: {} frames rendered", out.0.len());
        return;
    }

    let kernels = [
        ("fork, linear", rae_synth::Interpolation::Linear),
        ("fork, cubic", rae_synth::Interpolation::Cubic),
        ("fork, sinc", rae_synth::Interpolation::Sinc),
    ];
    let mut up_times = Vec::new();
    let mut fork_times = vec![Vec::new(); kernels.len()];
    let mut identical = true;
    for _ in 0..runs {
        let start = Instant::now();
        let reference = upstream();
        up_times.push(start.elapsed().as_secs_f64());
        for (times, &(_, kernel)) in fork_times.iter_mut().zip(&kernels) {
            let start = Instant::now();
            let out = fork(kernel);
            times.push(start.elapsed().as_secs_f64());
            if kernel == rae_synth::Interpolation::Linear {
                identical &= out == reference;
            }
        }
    }

    println!(
        "{} with {}: {seconds:.1} s of audio, {runs} runs, one thread",
        midi.display(),
        sf2.display()
    );
    let (up_median, up_low, up_high) = summary(&up_times);
    println!(
        "  {:<22} {up_median:7.3} s  [{up_low:.3} - {up_high:.3}]  {:6.1}x real time",
        "rustysynth 1.3.8",
        seconds / up_median
    );
    for ((name, _), times) in kernels.iter().zip(&fork_times) {
        let (median, low, high) = summary(times);
        println!(
            "  {name:<22} {median:7.3} s  [{low:.3} - {high:.3}]  {:6.1}x real time, {:.2}x upstream",
            seconds / median,
            up_median / median
        );
    }
    println!("  fork at linear identical to upstream: {identical}");
}

/// Median, lowest and highest of `times`.
fn summary(times: &[f64]) -> (f64, f64, f64) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    };
    (median, sorted[0], sorted[n - 1])
}

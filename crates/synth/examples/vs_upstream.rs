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
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

const SAMPLE_RATE: i32 = 44100;

type Stereo = (Vec<f32>, Vec<f32>);

/// The inputs, loaded once: each side's font and MIDI file, and the frames to render.
struct Inputs {
    up_font: Arc<rustysynth::SoundFont>,
    up_midi: Arc<rustysynth::MidiFile>,
    fork_font: Arc<rae_synth::SoundFont>,
    fork_midi: Arc<rae_synth::MidiFile>,
    frames: usize,
}

impl Inputs {
    fn load(midi: &Path, sf2: &Path) -> Self {
        let open = |path: &Path| File::open(path).expect("the input opens");
        let up_midi = Arc::new(rustysynth::MidiFile::new(&mut open(midi)).unwrap());
        let seconds = up_midi.get_length() + 2.0;
        Self {
            up_font: Arc::new(rustysynth::SoundFont::new(&mut open(sf2)).unwrap()),
            up_midi,
            fork_font: Arc::new(rae_synth::SoundFont::new(&mut open(sf2)).unwrap()),
            fork_midi: Arc::new(rae_synth::MidiFile::new(&mut open(midi)).unwrap()),
            frames: (seconds * f64::from(SAMPLE_RATE)) as usize,
        }
    }

    fn seconds(&self) -> f64 {
        self.frames as f64 / f64::from(SAMPLE_RATE)
    }

    fn upstream(&self) -> Stereo {
        let mut settings = rustysynth::SynthesizerSettings::new(SAMPLE_RATE);
        settings.maximum_polyphony = 256;
        let synth = rustysynth::Synthesizer::new(&self.up_font, &settings).unwrap();
        let mut sequencer = rustysynth::MidiFileSequencer::new(synth);
        sequencer.play(&self.up_midi, false);
        let mut out = (vec![0_f32; self.frames], vec![0_f32; self.frames]);
        sequencer.render(&mut out.0, &mut out.1);
        out
    }

    fn fork(&self, interpolation: rae_synth::Interpolation) -> Stereo {
        let mut settings = rae_synth::SynthesizerSettings::new(SAMPLE_RATE);
        settings.maximum_polyphony = 256;
        settings.interpolation = interpolation;
        let synth = rae_synth::Synthesizer::new(&self.fork_font, &settings).unwrap();
        let mut sequencer = rae_synth::MidiFileSequencer::new(synth);
        sequencer.play(&self.fork_midi, false);
        let mut out = (vec![0_f32; self.frames], vec![0_f32; self.frames]);
        sequencer.render(&mut out.0, &mut out.1);
        out
    }
}

const KERNELS: [(&str, rae_synth::Interpolation); 3] = [
    ("fork, linear", rae_synth::Interpolation::Linear),
    ("fork, cubic", rae_synth::Interpolation::Cubic),
    ("fork, sinc", rae_synth::Interpolation::Sinc),
];

fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args
        .next()
        .map_or(7, |a| a.parse().expect("RUNS is a number"));
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
    let inputs = Inputs::load(&midi, &sf2);

    if let Ok(only) = std::env::var("RAE_ONLY") {
        let out = match only.as_str() {
            "upstream" => inputs.upstream(),
            "linear" => inputs.fork(rae_synth::Interpolation::Linear),
            "cubic" => inputs.fork(rae_synth::Interpolation::Cubic),
            "sinc" => inputs.fork(rae_synth::Interpolation::Sinc),
            other => panic!("RAE_ONLY={other}: expected upstream, linear, cubic or sinc"),
        };
        println!("{only}: {} frames rendered", out.0.len());
        return;
    }

    let (up_times, fork_times, identical) = time_all(&inputs, runs);
    let seconds = inputs.seconds();
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
    for ((name, _), times) in KERNELS.iter().zip(&fork_times) {
        let (median, low, high) = summary(times);
        println!(
            "  {name:<22} {median:7.3} s  [{low:.3} - {high:.3}]  {:6.1}x real time, {:.2}x upstream",
            seconds / median,
            up_median / median
        );
    }
    println!("  fork at linear identical to upstream: {identical}");
}

/// `runs` timings of upstream and of each of the fork's kernels, alternating, and whether the
/// fork at linear rendered what upstream rendered every time.
fn time_all(inputs: &Inputs, runs: usize) -> (Vec<f64>, Vec<Vec<f64>>, bool) {
    let mut up_times = Vec::new();
    let mut fork_times = vec![Vec::new(); KERNELS.len()];
    let mut identical = true;
    for _ in 0..runs {
        let start = Instant::now();
        let reference = inputs.upstream();
        up_times.push(start.elapsed().as_secs_f64());
        for (times, &(_, kernel)) in fork_times.iter_mut().zip(&KERNELS) {
            let start = Instant::now();
            let out = inputs.fork(kernel);
            times.push(start.elapsed().as_secs_f64());
            if kernel == rae_synth::Interpolation::Linear {
                identical &= out == reference;
            }
        }
    }
    (up_times, fork_times, identical)
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

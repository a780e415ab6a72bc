//! Prints how much each interpolation aliases on a sine played far above its root key (the
//! measurement of `tests/synth_interpolation.rs`), ours beside FluidSynth's when the
//! `fluidsynth` command is installed (`interp 1`, `4` and `7`, reverb and chorus off, 32-bit
//! float output, the same font and MIDI file).
//!
//!     cargo run --release -p rust-audio-engine --example aliasing
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Shared with the test, which uses more of it.
#[allow(dead_code)]
#[path = "../tests/common/aliasing.rs"]
mod aliasing;
#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;

use aliasing::{fluidsynth_render, render_case, spurs, Case, CASES};
use rust_audio_engine::Interpolation;

/// FluidSynth's interpolation numbers and names.
const FLUID_INTERP: [(u8, &str); 3] = [(1, "linear"), (4, "4th order"), (7, "7th order")];

fn main() {
    let fluidsynth = Command::new("fluidsynth").arg("--version").output().is_ok();
    let dir = tempfile::tempdir().expect("a temporary directory");
    println!(
        "Components beside the tone, relative to it (all of them / the strongest), in dB;\n\
         a looped full-scale 16-bit sine at 44.1 kHz played above its root key; the floor is\n\
         the same sine at its root key (its 16-bit rounding).\n"
    );
    for case in CASES {
        println!(
            "{:.0} Hz sine, +{} semitones ({:.0} Hz), floor {:.1} dB",
            case.sample_hz(),
            case.semitones,
            case.output_hz(),
            spurs(&render_case(
                Case {
                    semitones: 0,
                    ..case
                },
                Interpolation::Linear
            ))
            .total_db
        );
        for (name, kernel) in Interpolation::NAMES {
            let s = spurs(&render_case(case, kernel));
            println!(
                "  rae {name:<10} ({:2} points) {:7.1} / {:7.1}",
                kernel.points(),
                s.total_db,
                s.worst_db
            );
        }
        if fluidsynth {
            for (number, name) in FLUID_INTERP {
                let s = spurs(&fluidsynth_render(dir.path(), case, number));
                println!(
                    "  fluidsynth {name:<10} (interp {number}) {:7.1} / {:7.1}",
                    s.total_db, s.worst_db
                );
            }
        }
    }
    if !fluidsynth {
        println!("\n(fluidsynth is not installed: apt-get install fluidsynth for its figures)");
    }
}

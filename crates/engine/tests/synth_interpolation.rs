//! The synthesizer's sample interpolation (`RenderOptions::interpolation`): how much each kernel
//! aliases on a sine played far above its root key, and that every kernel reads loops and sample
//! ends without a glitch. The fonts are built in memory with the engine's SF2 writer
//! (`common/aliasing.rs`, which `cargo run --release --example aliasing` also uses to print the
//! figures beside FluidSynth's).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/aliasing.rs"]
mod aliasing;
mod common;

use aliasing::{
    fluidsynth_render, one_sample_sf2, render_case, render_note, spurs, Case, Spurs, CASES,
    ROOT_KEY,
};
use rust_audio_engine::Interpolation;

/// Cubic and sinc leave far less beside the tone than linear, in every case; sinc least, unless
/// both reach the floor that rounding the stored sine to 16 bits leaves (measured at the root
/// key, where every kernel reads the stored points as they are).
#[test]
fn cubic_and_sinc_alias_far_less_than_linear() {
    for case in CASES {
        let at_root = Case {
            semitones: 0,
            ..case
        };
        let floor = spurs(&render_case(at_root, Interpolation::Linear)).total_db;
        let measure = |kernel| {
            let s: Spurs = spurs(&render_case(case, kernel));
            let bin_hz = 44100.0 / 32768.0;
            assert!(
                (s.tone_hz - case.output_hz()).abs() < 2.0 * bin_hz,
                "{kernel}: tone at {} Hz, expected {}",
                s.tone_hz,
                case.output_hz()
            );
            s
        };
        let linear = measure(Interpolation::Linear);
        let cubic = measure(Interpolation::Cubic);
        let sinc = measure(Interpolation::Sinc);
        eprintln!(
            "{:5.0} Hz sine +{:2} semitones ({:5.0} Hz): beside the tone linear {:6.1} dB, \
             cubic {:6.1} dB, sinc {:6.1} dB (strongest: {:6.1} / {:6.1} / {:6.1} dB; \
             16-bit floor {floor:6.1} dB)",
            case.sample_hz(),
            case.semitones,
            case.output_hz(),
            linear.total_db,
            cubic.total_db,
            sinc.total_db,
            linear.worst_db,
            cubic.worst_db,
            sinc.worst_db
        );
        assert!(
            cubic.total_db < linear.total_db - 10.0,
            "cubic {} dB vs linear {} dB",
            cubic.total_db,
            linear.total_db
        );
        assert!(
            sinc.total_db < linear.total_db - 15.0,
            "sinc {} dB vs linear {} dB",
            sinc.total_db,
            linear.total_db
        );
        assert!(
            sinc.total_db < cubic.total_db.max(floor + 3.0),
            "sinc {} dB vs cubic {} dB (floor {floor} dB)",
            sinc.total_db,
            cubic.total_db
        );
    }
}

/// Our cubic aliases no more than FluidSynth's default 4th-order interpolation (the same
/// polynomial; FluidSynth rounds the position to 1/256 of a point, which leaves up to 16 dB more
/// beside low tones), and our linear as much as FluidSynth's `interp 1`.
#[test]
fn cubic_aliases_no_more_than_fluidsynths_default() {
    let dir = tempfile::tempdir().unwrap();
    for case in CASES {
        let cubic = spurs(&render_case(case, Interpolation::Cubic)).total_db;
        let fluid4 = spurs(&fluidsynth_render(dir.path(), case, 4)).total_db;
        let linear = spurs(&render_case(case, Interpolation::Linear)).total_db;
        let fluid1 = spurs(&fluidsynth_render(dir.path(), case, 1)).total_db;
        eprintln!(
            "{:5.0} Hz +{:2}: cubic {cubic:6.1} dB, FluidSynth 4th order {fluid4:6.1} dB; \
             linear {linear:6.1} dB, FluidSynth linear {fluid1:6.1} dB",
            case.sample_hz(),
            case.semitones
        );
        assert!(
            cubic < fluid4 + 0.5,
            "cubic {cubic} dB, FluidSynth {fluid4} dB"
        );
        assert!(
            (linear - fluid1).abs() < 1.0,
            "linear {linear} dB, FluidSynth {fluid1} dB"
        );
    }
}

/// A constant sample stays constant through every kernel up to its last point, played at a pitch
/// that reads between the points: the kernels hold the last point beyond the sample's end
/// instead of reading what follows it in the font (here, a loud square wave).
#[test]
fn sample_ends_read_no_neighbouring_data() {
    let level = 12000_i16;
    let len = 3000;
    let mut points = vec![level; len];
    // Stored after the sample's end: what a kernel reading past the end would pick up.
    points.extend((0..64).map(|i| if i % 2 == 0 { 30000 } else { -30000 }));
    let sf2 = one_sample_sf2(points, None);
    // Shrink the sample to its constant part, leaving the square wave after its end.
    let sf2 = with_sample_end(sf2, len as u32);
    for kernel in [Interpolation::Cubic, Interpolation::Sinc] {
        let out = render_note(&sf2, ROOT_KEY + 5, kernel);
        // The sample lasts len / 2^(5/12) outputs; the attack is over after 300. The last two
        // outputs before the end are left out for the voice filter's delay.
        let outputs = (len as f64 / 2f64.powf(5.0 / 12.0)).floor() as usize;
        let steady = &out[300..outputs - 2];
        let (lo, hi) = steady
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        assert!(
            (hi - lo) <= 1e-4 * hi.abs(),
            "{kernel}: a constant sample rendered between {lo} and {hi}"
        );
    }
}

/// Rewrites the end of the only sample header of a font from `one_sample_sf2`.
fn with_sample_end(mut sf2: Vec<u8>, end: u32) -> Vec<u8> {
    let at = sf2
        .windows(4)
        .position(|w| w == b"shdr")
        .expect("the font has sample headers");
    // shdr: id, size, then 46-byte records: name (20), start (4), end (4), ...
    let record = at + 8;
    sf2[record + 24..record + 28].copy_from_slice(&end.to_le_bytes());
    sf2
}

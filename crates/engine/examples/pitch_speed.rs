//! Development aid: times pitch tracking on a file (`pitch_speed IN.wav [yin|pyin] [frame] [hop]`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // an example stops on bad input by design
use rust_audio_engine::analysis::{analyze_pitch, PitchParams};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let audio = rust_audio_engine::read_audio(args[1].as_ref(), 3600.0).unwrap();
    let p = PitchParams {
        method: args[2].parse().unwrap(),
        frame_length: Some(args[3].parse().unwrap()),
        hop_length: Some(args[4].parse().unwrap()),
        ..Default::default()
    };
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t0 = std::time::Instant::now();
        let t = analyze_pitch(&audio, &p).unwrap();
        best = best.min(t0.elapsed().as_secs_f64());
        assert!(!t.is_empty());
    }
    println!("{best:.4} s");
}

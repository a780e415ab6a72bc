//! Development aid: prints a pitch track as CSV (time_s,f0_hz,voiced,voiced_prob).
//! `cargo run --profile ci -p rust-audio-engine --example pitch_dump -- IN.wav [yin|pyin] [hop]`
#![allow(clippy::unwrap_used, clippy::expect_used)]
use rust_audio_engine::analysis::{analyze_pitch, PitchParams};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let audio = rust_audio_engine::read_audio(args[1].as_ref(), 3600.0).unwrap();
    let mut p = PitchParams::default();
    if let Some(m) = args.get(2) {
        p.method = m.parse().unwrap();
    }
    if let Some(h) = args.get(3) {
        p.hop_length = Some(h.parse().unwrap());
    }
    if let Some(f) = args.get(4) {
        p.frame_length = Some(f.parse().unwrap());
    }
    let t0 = std::time::Instant::now();
    let track = analyze_pitch(&audio, &p).unwrap();
    eprintln!(
        "{} frames in {:.3} s",
        track.len(),
        t0.elapsed().as_secs_f64()
    );
    println!("time_s,f0_hz,voiced,voiced_prob");
    for i in 0..track.len() {
        println!(
            "{:.5},{},{},{}",
            track.times_s[i], track.f0_hz[i], track.voiced[i] as u8, track.voiced_prob[i]
        );
    }
}

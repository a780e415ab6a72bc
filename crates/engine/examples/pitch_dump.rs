//! Development aid: prints a pitch track as CSV (time_s,f0_hz,voiced,voiced_prob).
//! `cargo run --profile ci -p rust-audio-engine --example pitch_dump -- IN.wav [yin|pyin] [hop]`
#![allow(clippy::unwrap_used, clippy::expect_used)] // an example stops on bad input by design
use rust_audio_engine::analysis::{analyze_pitch, PitchParams};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let audio = rust_audio_engine::read_audio(args[1].as_ref(), 3600.0).unwrap();
    if args.get(2).map(String::as_str) == Some("stream") {
        use rust_audio_engine::analysis::{Event, StreamingAnalyzer, StreamingParams};
        let mono = audio.to_mono();
        let mut a =
            StreamingAnalyzer::new(audio.sample_rate(), StreamingParams::default()).unwrap();
        let t0 = std::time::Instant::now();
        let mut events = Vec::new();
        for c in mono.chunks(512) {
            events.extend(a.process(c).unwrap());
        }
        events.extend(a.flush().unwrap());
        let el = t0.elapsed().as_secs_f64();
        eprintln!(
            "stream: {:.4} ms per 10 ms of audio",
            el * 1000.0 / (mono.len() as f64 / f64::from(audio.sample_rate()) * 100.0)
        );
        println!("time_s,f0_hz,voiced,voiced_prob");
        for e in events {
            if let Event::Pitch(p) = e {
                println!(
                    "{:.5},{},{},{}",
                    p.time_s, p.f0_hz, p.voiced as u8, p.voiced_prob
                );
            }
        }
        return;
    }
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

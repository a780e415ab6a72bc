//! Draws the spectrogram image of an audio file (log-frequency axis), by default the corpus
//! music.
//!
//! cargo run --profile ci -p rust-audio-engine --example spectrogram_png -- [IN] [OUT.png]
//!
//! IN defaults to `$RAE_CORPUS/audio/music_stereo_30s.wav`, OUT.png to `spectrogram.png`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // an example stops on bad input by design

use std::path::PathBuf;

use rust_audio_engine::waveform::spectrogram::{render_spectrogram_png, SpectrogramOptions};

fn input() -> PathBuf {
    if let Some(p) = std::env::args_os().nth(1) {
        return p.into();
    }
    let corpus = std::env::var_os("RAE_CORPUS")
        .expect("usage: spectrogram_png [IN] [OUT.png] (without IN, set RAE_CORPUS)");
    PathBuf::from(corpus).join("audio/music_stereo_30s.wav")
}

fn main() {
    let path = input();
    let out = std::env::args_os()
        .nth(2)
        .map_or_else(|| PathBuf::from("spectrogram.png"), PathBuf::from);
    let audio = rust_audio_engine::read_audio(&path, 600.0).unwrap();
    let o = SpectrogramOptions {
        log_frequency: true,
        ..Default::default()
    };
    std::fs::write(&out, render_spectrogram_png(&audio, &o).unwrap()).unwrap();
    println!("{}", out.display());
}

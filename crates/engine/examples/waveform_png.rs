//! Draws the waveform image of an audio file (800 pixels wide, with axis labels), by default
//! the corpus music.
//!
//! cargo run --profile ci -p rust-audio-engine --example waveform_png -- [IN] [OUT.png]
//!
//! IN defaults to `$RAE_CORPUS/audio/music_stereo_30s.wav`, OUT.png to `waveform.png`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // an example stops on bad input by design

use std::path::PathBuf;

use rust_audio_engine::waveform::png::{render_waveform_png, WaveformImageOptions};
use rust_audio_engine::waveform::{peaks_of, Bits, Zoom};

fn input() -> PathBuf {
    if let Some(p) = std::env::args_os().nth(1) {
        return p.into();
    }
    let corpus = std::env::var_os("RAE_CORPUS")
        .expect("usage: waveform_png [IN] [OUT.png] (without IN, set RAE_CORPUS)");
    PathBuf::from(corpus).join("audio/music_stereo_30s.wav")
}

fn main() {
    let path = input();
    let out = std::env::args_os()
        .nth(2)
        .map_or_else(|| PathBuf::from("waveform.png"), PathBuf::from);
    let audio = rust_audio_engine::read_audio(&path, 600.0).unwrap();
    let peaks = peaks_of(&audio, Zoom::Width(800), Bits::Sixteen, false, &path).unwrap();
    let o = WaveformImageOptions {
        with_axis_labels: true,
        ..Default::default()
    };
    std::fs::write(&out, render_waveform_png(&peaks, &o).unwrap()).unwrap();
    println!("{}", out.display());
}

//! What browsers record (Ogg/Opus, WebM/Opus, MP4/AAC) and the other lossy formats (MP3, Ogg
//! Vorbis), decoded from real files that ffmpeg encodes at test time from a seeded signal: each
//! must come out at the right rate and length, with the encoder's priming removed (the signal
//! starts where it started) and the right content (a tone's frequency and level).
//! `make test` installs ffmpeg (Debian's package); without it these tests fail.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: failures should panic loudly

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Rng;
use rust_audio_engine::io::{read_audio, stream_audio, DEFAULT_MAX_INPUT_S};
use rust_audio_engine::waveform::{peaks_of_file, Bits, Zoom};
use rust_audio_engine::{write_audio, AudioBuffer, OutputFormat};

const SR: u32 = 48_000;
/// Half a second of noise (for alignment), then 2.5 s of a 1 kHz tone at 0.5 (for content).
const NOISE: usize = SR as usize / 2;
const FRAMES: usize = 3 * SR as usize;
const TONE_HZ: f64 = 1000.0;

/// The seeded test signal, stereo (the right channel a little quieter).
fn signal() -> AudioBuffer {
    let mut rng = Rng::new(7);
    let left: Vec<f32> = (0..FRAMES)
        .map(|i| {
            if i < NOISE {
                0.3 * rng.signed()
            } else {
                let t = i as f64 / f64::from(SR);
                (0.5 * (2.0 * std::f64::consts::PI * TONE_HZ * t).sin()) as f32
            }
        })
        .collect();
    let right = left.iter().map(|x| 0.8 * x).collect();
    AudioBuffer::new(vec![left, right], SR).unwrap()
}

/// `signal()` encoded by ffmpeg with `args` into `dir/name`.
fn encoded(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let wav = dir.join("source.wav");
    if !wav.exists() {
        write_audio(&wav, &signal(), OutputFormat::Wav32Float).unwrap();
    }
    let out = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&wav)
        .args(args)
        .arg(&out)
        .status()
        .expect("ffmpeg not found: `make test` installs it (APT_PACKAGES in the Makefile)");
    assert!(status.success(), "ffmpeg failed to write {name}");
    out
}

/// The lag (decoded minus original, in frames) that best lines up the noise burst.
fn lag(original: &[f32], decoded: &[f32]) -> i64 {
    let span = 2000..NOISE - 2000;
    (-1500i64..=1500)
        .max_by(|&a, &b| {
            let score = |l: i64| -> f64 {
                span.clone()
                    .map(|i| {
                        let j = (i as i64 + l) as usize;
                        f64::from(original[i]) * f64::from(decoded.get(j).copied().unwrap_or(0.0))
                    })
                    .sum()
            };
            score(a).total_cmp(&score(b))
        })
        .unwrap()
}

/// Frequency (from zero crossings) and RMS level of the tone part of `x`.
fn tone(x: &[f32]) -> (f64, f64) {
    let part = &x[NOISE + SR as usize / 10..FRAMES - SR as usize / 10];
    let crossings = part
        .windows(2)
        .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
        .count();
    let seconds = part.len() as f64 / f64::from(SR);
    let rms = (part.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / part.len() as f64).sqrt();
    (crossings as f64 / 2.0 / seconds, rms)
}

/// Decodes `path` and checks rate, channels, length (`extra` frames of end padding allowed),
/// alignment and content.
fn check(path: &Path, extra: usize) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let original = signal();
    let a = read_audio(path, DEFAULT_MAX_INPUT_S).unwrap();
    assert_eq!(a.sample_rate(), SR, "{name}");
    assert_eq!(a.channel_count(), 2, "{name}");
    assert!(
        (FRAMES..=FRAMES + extra).contains(&a.frames()),
        "{name}: {} frames, expected {FRAMES} to {}",
        a.frames(),
        FRAMES + extra
    );
    let l = lag(&original.channels()[0], &a.channels()[0]);
    assert!(l.abs() <= 1, "{name}: the signal is shifted by {l} frames");
    for (c, want_rms) in [(0, 0.5 / 2f64.sqrt()), (1, 0.4 / 2f64.sqrt())] {
        let (hz, rms) = tone(&a.channels()[c]);
        assert!((hz - TONE_HZ).abs() < 2.0, "{name} ch{c}: {hz:.1} Hz");
        assert!(
            (rms / want_rms - 1.0).abs() < 0.05,
            "{name} ch{c}: rms {rms:.4}, expected {want_rms:.4}"
        );
    }
    // The streaming path (waveform peaks) sees the same frames.
    let mut progress = |_: Option<f64>| {};
    let (peaks, duration) = peaks_of_file(
        path,
        Zoom::SamplesPerPixel(256),
        Bits::Sixteen,
        false,
        DEFAULT_MAX_INPUT_S,
        &mut progress,
    )
    .unwrap();
    assert_eq!(peaks.length(), a.frames().div_ceil(256), "{name}");
    assert!((duration - a.duration_s()).abs() < 1e-9, "{name}");
    assert_frames_hint(path, a.frames());
}

/// The frame count a stream declares up front (for progress) is absent or close to the frames
/// decoded: never a duration in another unit (Matroska's is in milliseconds).
fn assert_frames_hint(path: &Path, frames: usize) {
    let info = stream_audio(path, DEFAULT_MAX_INPUT_S, &mut |_, _| Ok(())).unwrap();
    if let Some(hint) = info.frames_hint {
        assert!(
            hint.abs_diff(frames as u64) <= 2 * 1152,
            "{}: frames hint {hint}, decoded {frames}",
            path.display()
        );
    }
}

#[test]
fn ogg_opus_as_firefox_records() {
    let dir = tempfile::tempdir().unwrap();
    // The Ogg pre-skip and the last page's granule position trim it exactly.
    check(
        &encoded(
            dir.path(),
            "take.opus",
            &["-c:a", "libopus", "-b:a", "128k"],
        ),
        0,
    );
}

#[test]
fn webm_opus_as_chrome_records() {
    let dir = tempfile::tempdir().unwrap();
    // The pre-skip is removed; symphonia does not read Matroska's DiscardPadding, so up to one
    // 20 ms Opus frame of end padding remains.
    let webm = encoded(
        dir.path(),
        "take.webm",
        &["-c:a", "libopus", "-b:a", "128k"],
    );
    check(&webm, 960);
}

#[test]
fn mp4_aac_as_safari_records() {
    let dir = tempfile::tempdir().unwrap();
    // The edit list drops ffmpeg's 1024 frames of priming and the padding after the signal.
    let m4a = encoded(dir.path(), "take.m4a", &["-c:a", "aac", "-b:a", "192k"]);
    check(&m4a, 0);
}

#[test]
fn mp3_loses_its_encoder_delay() {
    let dir = tempfile::tempdir().unwrap();
    // The LAME tag's delay is removed; its padding (under two frames) is kept.
    let mp3 = encoded(
        dir.path(),
        "take.mp3",
        &["-c:a", "libmp3lame", "-b:a", "192k"],
    );
    check(&mp3, 2 * 1152);
}

#[test]
fn ogg_vorbis_is_trimmed_by_its_granule_positions() {
    let dir = tempfile::tempdir().unwrap();
    let ogg = encoded(dir.path(), "take.ogg", &["-c:a", "libvorbis", "-q:a", "6"]);
    check(&ogg, 0);
}

#[test]
fn opus_recorded_at_16_khz_decodes_at_16_khz() {
    let dir = tempfile::tempdir().unwrap();
    let path = encoded(
        dir.path(),
        "speech.opus",
        &["-ar", "16000", "-c:a", "libopus", "-b:a", "64k"],
    );
    let a = read_audio(&path, DEFAULT_MAX_INPUT_S).unwrap();
    assert_eq!(a.sample_rate(), 16_000);
    let want = FRAMES / 3;
    assert!(
        a.frames().abs_diff(want) <= 40,
        "{} frames at 16 kHz, expected about {want}",
        a.frames()
    );
    assert_frames_hint(&path, a.frames());
}

#[test]
fn webm_opus_recorded_at_16_khz_decodes_at_16_khz() {
    let dir = tempfile::tempdir().unwrap();
    let path = encoded(
        dir.path(),
        "speech.webm",
        &["-ar", "16000", "-c:a", "libopus", "-b:a", "64k"],
    );
    let a = read_audio(&path, DEFAULT_MAX_INPUT_S).unwrap();
    assert_eq!(a.sample_rate(), 16_000);
    let want = FRAMES / 3;
    assert!(
        a.frames().abs_diff(want) <= 400,
        "{} frames at 16 kHz, expected about {want}",
        a.frames()
    );
    assert_frames_hint(&path, a.frames());
}

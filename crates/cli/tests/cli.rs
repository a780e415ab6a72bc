//! The `rae` binary as a user runs it: exit codes, outputs, messages.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: failures should panic loudly

use std::path::Path;
use std::process::{Command, Output};

fn rae(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rae"))
        .args(args)
        .env_remove("RAE_SOUNDFONT")
        .output()
        .expect("run rae")
}

fn write_demo(dir: &Path, name: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, rust_audio_engine::demo::demo_midi()).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn render_one_file_with_builtin_font() {
    let dir = tempfile::tempdir().unwrap();
    let midi = write_demo(dir.path(), "a.mid");
    let out = dir.path().join("a.wav");
    let o = rae(&[
        "render",
        &midi,
        "-o",
        out.to_str().unwrap(),
        "--soundfont",
        "builtin",
        "--format",
        "wav24",
        "--sample-rate",
        "48000",
        "--gpu",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("backend cpu"), "{stdout}");
    let r = hound::WavReader::open(&out).unwrap();
    assert_eq!(r.spec().bits_per_sample, 24);
    assert_eq!(r.spec().sample_rate, 48000);
}

#[test]
fn render_many_files_into_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    write_demo(&inputs, "one.mid");
    write_demo(&inputs, "two.midi");
    let third = write_demo(dir.path(), "three.mid");
    let outdir = dir.path().join("out");
    let o = rae(&[
        "render",
        inputs.to_str().unwrap(),
        &third,
        "-o",
        outdir.to_str().unwrap(),
        "--soundfont",
        "builtin",
        "--format",
        "flac16",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty());
    for name in ["one.flac", "two.flac", "three.flac"] {
        let bytes = std::fs::read(outdir.join(name)).unwrap();
        assert_eq!(&bytes[..4], b"fLaC", "{name}");
    }
}

#[test]
fn exit_codes_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.wav");
    // Usage errors: 2.
    assert_eq!(rae(&["render"]).status.code(), Some(2));
    assert_eq!(rae(&["bogus"]).status.code(), Some(2));
    let midi = write_demo(dir.path(), "d.mid");
    let o = rae(&[
        "render",
        &midi,
        "-o",
        out.to_str().unwrap(),
        "--format",
        "mp3",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown output format"));
    // Failures: 1, with the file named.
    let missing = dir.path().join("missing.mid");
    let o = rae(&[
        "render",
        missing.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--soundfont",
        "builtin",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.mid"));
    let bad = dir.path().join("bad.mid");
    std::fs::write(
        &bad,
        b"MThd\0\0\0\x06\0\x01\0\x01\x01\xe0MTrk\0\0\0\x10\0\x90",
    )
    .unwrap();
    // Truncated: refused in strict mode (by default it plays what is there, with warnings).
    let o = rae(&[
        "render",
        bad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--soundfont",
        "builtin",
        "--strict",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.mid") && err.contains("byte 18"), "{err}");
    assert!(!out.exists());
}

/// A C major fragment whose running status continues after a text event, and which has an
/// illegal 0xF4 byte: returns the file and the byte offsets of the two repairs.
fn write_broken(dir: &Path) -> (String, [u64; 2]) {
    let mut track = vec![0x00, 0x90, 60, 100, 0x60, 60, 0];
    track.extend_from_slice(&[0x00, 0xFF, 0x01, 0x01, b'x']);
    track.extend_from_slice(&[0x00, 64, 100, 0x60, 64, 0, 0x00, 0xF4]);
    track.extend_from_slice(&[
        0x00, 0x90, 67, 100, 0x60, 0x80, 67, 0, 0x00, 0xFF, 0x2F, 0x00,
    ]);
    let mut b = b"MThd\0\0\0\x06\0\0\0\x01\0\x60MTrk".to_vec();
    b.extend_from_slice(&(track.len() as u32).to_be_bytes());
    b.extend_from_slice(&track);
    let p = dir.join("broken.mid");
    std::fs::write(&p, b).unwrap();
    (p.to_string_lossy().into_owned(), [22 + 13, 22 + 19])
}

#[test]
fn broken_midi_plays_with_warnings_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let (midi, [running, illegal]) = write_broken(dir.path());
    let out = dir.path().join("b.wav");
    let out = out.to_str().unwrap();
    let o = rae(&[
        "render",
        &midi,
        "-o",
        out,
        "--soundfont",
        "builtin",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert_eq!(
        lines[0],
        format!(
            "rae: warning: {midi}: byte {running}: running status 0x90 continues after a meta event, which cancels it"
        )
    );
    assert!(
        lines[1].starts_with(&format!(
            "rae: warning: {midi}: byte {illegal}: status byte 0xF4"
        )),
        "{err}"
    );
    let frames = hound::WavReader::open(out).unwrap().duration();
    assert!(frames >= 44100 * 3 / 2, "{frames} frames");
    // Strict mode refuses the file at the first repair and writes nothing.
    std::fs::remove_file(out).unwrap();
    let o = rae(&[
        "render",
        &midi,
        "-o",
        out,
        "--soundfont",
        "builtin",
        "--strict",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.trim(),
        format!(
            "rae: error: {midi}: invalid MIDI at byte {running}: data byte without a status byte"
        )
    );
    assert!(!Path::new(out).exists());
}

#[test]
fn info_json_is_the_midi_document() {
    let dir = tempfile::tempdir().unwrap();
    let (midi, [running, illegal]) = write_broken(dir.path());
    let o = rae(&["info", &midi, "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["file"], midi.as_str());
    assert_eq!(doc["note_count"], 3);
    let keys: Vec<u64> = doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["key"].as_u64().unwrap())
        .collect();
    assert_eq!(keys, vec![60, 64, 67]);
    assert_eq!(doc["notes"][0]["duration_s"], 0.5);
    assert_eq!(doc["warnings"][0]["offset"], running);
    assert_eq!(doc["warnings"][1]["offset"], illegal);
    assert_eq!(doc["warnings"][1]["rule"], "illegal_status");
    assert_eq!(doc["texts"][0]["text"], "x");
    assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 2);
    let o = rae(&["info", &midi, "--strict"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("byte {running}")));
    // Empty and non-MIDI files are typed errors naming the file and the byte.
    for (name, bytes) in [("empty.mid", &b""[..]), ("text.mid", b"not a midi file")] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let o = rae(&["info", p.to_str().unwrap(), "--json"]);
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.starts_with(&format!(
                "rae: error: {}: invalid MIDI at byte 0",
                p.display()
            )),
            "{err}"
        );
        assert!(o.stdout.is_empty());
    }
    // --json describes MIDI files only.
    assert_eq!(rae(&["info", "builtin", "--json"]).status.code(), Some(2));
}

#[test]
fn info_describes_midi_and_soundfonts() {
    let dir = tempfile::tempdir().unwrap();
    let midi = write_demo(dir.path(), "d.mid");
    let o = rae(&["info", &midi]);
    assert!(o.status.success());
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("format: 0") && s.contains("notes:") && s.contains("duration: 33.33 s"),
        "{s}"
    );
    let o = rae(&["info", "builtin"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("Acoustic Grand Piano") && s.contains("kind: Sf2"),
        "{s}"
    );
    // From musescore-general-soundfont-small, which `make test` installs.
    let o = rae(&["info", "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("kind: Sf3"));
}

#[test]
fn sf3_renders_the_same_preloaded() {
    // From musescore-general-soundfont-small, which `make test` installs.
    let sf3 = "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3";
    let dir = tempfile::tempdir().unwrap();
    let midi = write_demo(dir.path(), "d.mid");
    let mut outputs = Vec::new();
    for (name, preload) in [
        ("on_demand.wav", None),
        ("preloaded.wav", Some("--preload")),
    ] {
        let out = dir.path().join(name);
        let mut args = vec![
            "render",
            &midi,
            "-o",
            out.to_str().unwrap(),
            "--soundfont",
            sf3,
        ];
        args.extend(preload);
        let o = rae(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        outputs.push(std::fs::read(&out).unwrap());
    }
    assert!(outputs[0] == outputs[1], "--preload changed the render");
}

#[test]
fn demo_writes_midi_and_audio() {
    let dir = tempfile::tempdir().unwrap();
    let o = rae(&["demo", "-o", dir.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.path().join("demo.mid").exists());
    let r = hound::WavReader::open(dir.path().join("demo.wav")).unwrap();
    assert!(r.duration() > 44100 * 30);
    assert!(String::from_utf8_lossy(&o.stdout).contains("soundfont"));
}

#[test]
fn waveform_writes_audiowaveform_and_wavesurfer_files() {
    let dir = tempfile::tempdir().unwrap();
    let midi = write_demo(dir.path(), "d.mid");
    let wav = dir.path().join("d.wav");
    let o = rae(&[
        "render",
        &midi,
        "-o",
        wav.to_str().unwrap(),
        "--soundfont",
        "builtin",
    ]);
    assert!(o.status.success());
    let frames = hound::WavReader::open(&wav).unwrap().duration();

    let dat = dir.path().join("d.dat");
    let o = rae(&[
        "waveform",
        wav.to_str().unwrap(),
        "-o",
        dat.to_str().unwrap(),
        "-z",
        "512",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let b = std::fs::read(&dat).unwrap();
    let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    assert_eq!(word(0), 1, "version 1 for one (merged) channel");
    assert_eq!(word(4), 0, "16-bit");
    assert_eq!(word(8), 44100);
    assert_eq!(word(12), 512);
    assert_eq!(word(16), frames.div_ceil(512));
    assert_eq!(b.len(), 20 + 4 * frames.div_ceil(512) as usize);

    let ws = dir.path().join("d.peaks");
    let o = rae(&[
        "waveform",
        wav.to_str().unwrap(),
        "-o",
        ws.to_str().unwrap(),
        "--output-format",
        "wavesurfer",
        "--width",
        "400",
        "--split-channels",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&ws).unwrap();
    assert!(text.starts_with("{\"duration\":"), "{}", &text[..40]);
    assert_eq!(text.matches('[').count(), 3, "two channel arrays");

    let png = dir.path().join("d.png");
    let o = rae(&[
        "waveform",
        wav.to_str().unwrap(),
        "-o",
        png.to_str().unwrap(),
        "--width",
        "640",
        "--height",
        "120",
        "--with-axis-labels",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let b = std::fs::read(&png).unwrap();
    assert_eq!(&b[1..4], b"PNG");
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    assert_eq!((be(16), be(20)), (640, 120), "IHDR width and height");
    let spec = dir.path().join("s.png");
    let o = rae(&[
        "waveform",
        wav.to_str().unwrap(),
        "-o",
        spec.to_str().unwrap(),
        "--output-format",
        "spectrogram",
        "--log-frequency",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(&std::fs::read(&spec).unwrap()[1..4], b"PNG");

    let o = rae(&["waveform", wav.to_str().unwrap(), "-o", "x.svg"]);
    assert_eq!(o.status.code(), Some(2));
    // audiowaveform text, and peaks converted back and forth.
    let txt = dir.path().join("d.txt");
    let o = rae(&[
        "waveform",
        dat.to_str().unwrap(),
        "-o",
        txt.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&txt).unwrap();
    assert_eq!(text.lines().count() as u32, frames.div_ceil(512));
    let json = dir.path().join("d.json");
    let back = dir.path().join("back.dat");
    for (from, to) in [(&dat, &json), (&json, &back)] {
        let o = rae(&[
            "waveform",
            from.to_str().unwrap(),
            "-o",
            to.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(std::fs::read(&back).unwrap(), std::fs::read(&dat).unwrap());
    let o = rae(&["waveform", txt.to_str().unwrap(), "-o", "y.dat"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("Can't generate dat format output from txt format input"));
    let o = rae(&[
        "waveform",
        dat.to_str().unwrap(),
        "-o",
        "y.json",
        "-z",
        "64",
    ]);
    assert_eq!(o.status.code(), Some(2), "zoom needs audio");
    let o = rae(&[
        "waveform",
        wav.to_str().unwrap(),
        "-o",
        "x.png",
        "--waveform-color",
        "blue",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// `rae waveform` streams the decode into the peaks; its files must be byte-equal to the peaks of
/// the whole decoded file (16-bit renders as their integer values, MP3 as libmad's), for WAV,
/// FLAC and MP3.
#[test]
fn waveform_stream_equals_whole_decode() {
    use rust_audio_engine::io::Samples;
    use rust_audio_engine::waveform::{Bits, PeaksBuilder};
    let dir = tempfile::tempdir().unwrap();
    let midi = write_demo(dir.path(), "d.mid");
    let mut inputs = Vec::new();
    for name in ["d.wav", "d.flac"] {
        let out = dir.path().join(name);
        let o = rae(&[
            "render",
            &midi,
            "-o",
            out.to_str().unwrap(),
            "--soundfont",
            "builtin",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        inputs.push(out);
    }
    inputs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/data/tone_stereo.mp3"));
    for input in &inputs {
        let audio = rust_audio_engine::read_audio(input, 7200.0).unwrap();
        for (ext, extra) in [
            ("dat", vec!["-z", "300"]),
            ("json", vec!["-b", "8", "--split-channels"]),
        ] {
            let out = dir.path().join(format!("w.{ext}"));
            let mut args = vec![
                "waveform",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ];
            args.extend(extra.iter().copied());
            let o = rae(&args);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            assert!(
                o.stderr.is_empty(),
                "no progress bar when stderr is not a terminal"
            );
            let (spp, bits, split) = if ext == "dat" {
                (300, Bits::Sixteen, false)
            } else {
                (256, Bits::Eight, true)
            };
            let planes: Vec<&[f32]> = audio.channels().iter().map(Vec::as_slice).collect();
            let ints: Vec<Vec<i16>> = planes
                .iter()
                .map(|p| p.iter().map(|&x| (x * 32768.0) as i16).collect())
                .collect();
            let int_planes: Vec<&[i16]> = ints.iter().map(Vec::as_slice).collect();
            let samples = if input.extension().is_some_and(|e| e == "mp3") {
                Samples::Mp3(&planes)
            } else {
                Samples::I16(&int_planes)
            };
            let channels = audio.channel_count();
            let mut b = PeaksBuilder::new(audio.sample_rate(), channels, spp, bits, split).unwrap();
            b.push_samples(samples).unwrap();
            let want = b.finish();
            let want = if ext == "dat" {
                want.to_dat()
            } else {
                want.to_json().into_bytes()
            };
            assert_eq!(
                std::fs::read(&out).unwrap(),
                want,
                "{} {ext}",
                input.display()
            );
        }
    }
}

#[test]
fn render_writes_the_waveform_beside_the_audio() {
    let dir = tempfile::tempdir().unwrap();
    let midi = write_demo(dir.path(), "d.mid");
    let wav = dir.path().join("d.wav");
    let json = dir.path().join("d.json");
    let o = rae(&[
        "render",
        &midi,
        "-o",
        wav.to_str().unwrap(),
        "--soundfont",
        "builtin",
        "--waveform",
        json.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let frames = hound::WavReader::open(&wav).unwrap().duration();
    let text = std::fs::read_to_string(&json).unwrap();
    let expected = format!(
        "{{\"version\":2,\"channels\":1,\"sample_rate\":44100,\"samples_per_pixel\":256,\"bits\":16,\"length\":{},\"data\":[",
        frames.div_ceil(256)
    );
    assert!(
        text.starts_with(&expected),
        "{}",
        &text[..120.min(text.len())]
    );
    // The peaks of the 16-bit file as written: what `rae waveform` gives for it.
    let again = dir.path().join("again.json");
    let o = rae(&[
        "waveform",
        wav.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&again).unwrap(), text);
    let o = rae(&[
        "render",
        &midi,
        "-o",
        wav.to_str().unwrap(),
        "--soundfont",
        "builtin",
        "--waveform",
        "w.txt",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// A mono WAV of C4, E4, G4 (harmonic tones, 0.4 s each with 0.1 s gaps) at 44.1 kHz.
fn write_melody(dir: &Path) -> String {
    let p = dir.join("melody.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 44100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&p, spec).unwrap();
    for midi in [60.0f64, 64.0, 67.0] {
        let f0 = 440.0 * 2f64.powf((midi - 69.0) / 12.0);
        for i in 0..22050usize {
            let t = i as f64 / 44100.0;
            let on = i < 17640;
            let s = if on {
                0.3 * ((2.0 * std::f64::consts::PI * f0 * t).sin()
                    + 0.4 * (4.0 * std::f64::consts::PI * f0 * t).sin())
            } else {
                0.0
            };
            w.write_sample((s * 32767.0) as i16).unwrap();
        }
    }
    w.finalize().unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn analyze_prints_a_summary_and_writes_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let wav = write_melody(dir.path());
    let o = rae(&["analyze", &wav]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("notes: 3"), "{out}");
    for name in ["C4", "E4", "G4"] {
        assert!(out.contains(name), "{out}");
    }

    let json = dir.path().join("a.json");
    let o = rae(&[
        "analyze",
        &wav,
        "--json",
        json.to_str().unwrap(),
        "--pitch",
        "yin",
        "--onsets",
        "--tempo",
        "--dynamics",
        "--hop-ms",
        "10",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = parse_json(&json);
    assert_eq!(v["pitch"]["method"], "yin");
    assert_eq!(v["pitch"]["hop_length"], 441);
    let midis: Vec<u64> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["midi"].as_u64().unwrap())
        .collect();
    assert_eq!(midis, [60, 64, 67]);
    assert!(v["onsets"]["times_s"].as_array().unwrap().len() >= 3);
    assert!(v["tempo"]["bpm"].is_number());
    assert!(v["dynamics"]["integrated_lufs"].as_f64().unwrap() < 0.0);

    let csv = dir.path().join("csv");
    let o = rae(&[
        "analyze",
        &wav,
        "--csv",
        csv.to_str().unwrap(),
        "--onsets",
        "--tempo",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let notes = std::fs::read_to_string(csv.join("notes.csv")).unwrap();
    assert_eq!(notes.lines().count(), 4, "{notes}");
    assert!(notes.lines().nth(1).unwrap().contains(",60,C4,"), "{notes}");
    assert!(std::fs::read_to_string(csv.join("pitch.csv"))
        .unwrap()
        .starts_with("time_s,f0_hz,voiced,voiced_prob\n"));
    let onsets = std::fs::read_to_string(csv.join("onsets.csv")).unwrap();
    assert!(onsets.lines().count() >= 4, "{onsets}");
    assert!(csv.join("beats.csv").exists());
}

/// Parses a JSON file the CLI wrote, with the whole document checked (nothing may follow it).
fn parse_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}: {text:.200}", path.display()))
}

/// Every JSON document the CLI writes parses, whatever the options: analysis with each part on
/// or off, audiowaveform and wavesurfer peaks, and a render's waveform.
#[test]
fn every_json_the_cli_writes_parses() {
    let dir = tempfile::tempdir().unwrap();
    let wav = write_melody(dir.path());
    let parts = ["--onsets", "--tempo", "--dynamics"];
    for mask in 0..8u32 {
        let json = dir.path().join(format!("a{mask}.json"));
        let mut args = vec!["analyze", &wav, "--json", json.to_str().unwrap()];
        for (i, p) in parts.iter().enumerate() {
            if mask & (1 << i) != 0 {
                args.push(p);
            }
        }
        let o = rae(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v = parse_json(&json);
        for (i, key) in ["onsets", "tempo", "dynamics"].iter().enumerate() {
            assert_eq!(
                !v[key].is_null(),
                mask & (1 << i) != 0,
                "{key} with {args:?}"
            );
        }
        assert_eq!(v["notes"].as_array().unwrap().len(), 3);
        assert_eq!(v["file"].as_str(), Some(wav.as_str()));
    }
    for (name, extra) in [
        ("w.json", vec![]),
        ("w8.json", vec!["-b", "8", "--split-channels"]),
        ("ws.txt", vec!["--output-format", "wavesurfer"]),
    ] {
        let out = dir.path().join(name);
        let mut args = vec!["waveform", &wav, "-o", out.to_str().unwrap()];
        args.extend(extra.iter().copied());
        let o = rae(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v = parse_json(&out);
        assert!(v.get("data").or(v.get("peaks")).is_some(), "{name}");
    }
    let midi = write_demo(dir.path(), "d.mid");
    let (audio, peaks) = (dir.path().join("d.wav"), dir.path().join("d.json"));
    let o = rae(&[
        "render",
        &midi,
        "-o",
        audio.to_str().unwrap(),
        "--soundfont",
        "builtin",
        "--waveform",
        peaks.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(parse_json(&peaks)["version"], 2);
}

#[test]
fn analyze_refuses_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let wav = write_melody(dir.path());
    let o = rae(&["analyze", &wav, "--pitch", "crepe"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("yin"));
    let o = rae(&["analyze", &wav, "--json", "a.json", "--csv", "d"]);
    assert_eq!(o.status.code(), Some(2));
    let o = rae(&["analyze", &wav, "--hop-ms", "-3"]);
    assert_eq!(o.status.code(), Some(2));
    let o = rae(&["analyze", dir.path().join("missing.wav").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
}

/// A 2-second stereo WAV: a 440 Hz tone with a loud middle second.
fn write_tone(path: &Path) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44100,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..88_200 {
        let amp = if (44_100..66_150).contains(&i) {
            0.99
        } else {
            0.2
        };
        let x = amp * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 44_100.0).sin();
        w.write_sample(x).unwrap();
        w.write_sample(-x).unwrap();
    }
    w.finalize().unwrap();
}

fn wav_frames_and_peak(path: &Path) -> (u32, f32) {
    let mut r = hound::WavReader::open(path).unwrap();
    let frames = r.duration();
    let peak = match r.spec().sample_format {
        hound::SampleFormat::Float => r
            .samples::<f32>()
            .map(|s| s.unwrap().abs())
            .fold(0.0, f32::max),
        hound::SampleFormat::Int => r
            .samples::<i32>()
            .map(|s| s.unwrap().unsigned_abs() as f32 / 32768.0)
            .fold(0.0, f32::max),
    };
    (frames, peak)
}

#[test]
fn fx_applies_eq_compressor_reverb_and_limiter() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    write_tone(&input);
    let out = dir.path().join("out.wav");
    let o = rae(&[
        "fx",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--eq",
        "high_pass:80",
        "--eq",
        "peak:1000:3:0.7",
        "--compress",
        "-18:4:10:100",
        "--limit",
        "-3",
        "--format",
        "wav32f",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("high_pass -> peak -> compressor -> limiter"),
        "{stdout}"
    );
    let (frames, peak) = wav_frames_and_peak(&out);
    assert_eq!(frames, 88_200, "no reverb: same length");
    assert!(peak <= 10f32.powf(-3.0 / 20.0) + 1e-6, "{peak}");

    // The reverb keeps its tail; a chain file gives the same effects as options.
    let wet = dir.path().join("wet.wav");
    let o = rae(&[
        "fx",
        input.to_str().unwrap(),
        "-o",
        wet.to_str().unwrap(),
        "--reverb",
        "room",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty());
    assert!(wav_frames_and_peak(&wet).0 > 88_200 + 4410);
    let toml = dir.path().join("chain.toml");
    std::fs::write(
        &toml,
        "[[effect]]\ntype = \"high_pass\"\ncutoff_frequency_hz = 80\n\n\
         [[effect]]\ntype = \"peak\"\ncutoff_frequency_hz = 1000\ngain_db = 3\nq = 0.7\n\n\
         [[effect]]\ntype = \"compressor\"\nthreshold_db = -18\nratio = 4\nattack_ms = 10\n\n\
         [[effect]]\ntype = \"limiter\"\nceiling_db = -3\n",
    )
    .unwrap();
    let via_chain = dir.path().join("chain.wav");
    let o = rae(&[
        "fx",
        input.to_str().unwrap(),
        "-o",
        via_chain.to_str().unwrap(),
        "--chain",
        toml.to_str().unwrap(),
        "--format",
        "wav32f",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(&via_chain).unwrap(),
        std::fs::read(&out).unwrap()
    );

    // Loudness normalisation hits its target.
    let loud = dir.path().join("loud.wav");
    let o = rae(&[
        "fx",
        input.to_str().unwrap(),
        "-o",
        loud.to_str().unwrap(),
        "--normalize-lufs",
        "-20",
        "--format",
        "wav32f",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let audio = rust_audio_engine::read_audio(&loud, 60.0).unwrap();
    let lufs = rust_audio_engine::gain::integrated_loudness(&audio)
        .unwrap()
        .unwrap();
    assert!((lufs + 20.0).abs() < 0.05, "{lufs}");
}

#[test]
fn fx_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    write_tone(&input);
    let out = dir.path().join("out.wav");
    let (i, o) = (input.to_str().unwrap(), out.to_str().unwrap());
    let run = |extra: &[&str]| {
        let mut args = vec!["fx", i, "-o", o];
        args.extend_from_slice(extra);
        rae(&args)
    };
    // Usage: 2 (no effect, bad specs, bad parameters).
    for bad in [
        &[][..],
        &["--eq", "wobble:100"],
        &["--eq", "peak"],
        &["--compress", "-18:0.5"],
        &["--limit", "3"],
        &["--reverb", "cathedral"],
    ] {
        let r = run(bad);
        assert_eq!(
            r.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
    let r = run(&["--eq", "peak:loud"]);
    assert!(String::from_utf8_lossy(&r.stderr).contains("cutoff_frequency_hz"));
    // Bad content or missing files: 1.
    let r = run(&["--reverb", "/nonexistent/ir.wav"]);
    assert_eq!(r.status.code(), Some(1));
    let toml = dir.path().join("bad.toml");
    std::fs::write(&toml, "[[effect]]\ntype = \"wah\"\n").unwrap();
    let r = run(&["--chain", toml.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&r.stderr).contains("wah"));
    let missing = dir.path().join("missing.wav");
    let r = rae(&["fx", missing.to_str().unwrap(), "-o", o, "--limit", "-1"]);
    assert_eq!(r.status.code(), Some(1));
    assert!(!out.exists());
}

#[test]
fn render_takes_the_effect_options() {
    let dir = tempfile::tempdir().unwrap();
    let midi = write_demo(dir.path(), "a.mid");
    let dry = dir.path().join("dry.wav");
    let wet = dir.path().join("wet.wav");
    let o = rae(&[
        "render",
        &midi,
        "-o",
        dry.to_str().unwrap(),
        "--soundfont",
        "builtin",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // `--reverb` right before the input still finds the input.
    let o = rae(&[
        "render",
        "--reverb",
        &midi,
        "-o",
        wet.to_str().unwrap(),
        "--soundfont",
        "builtin",
        "--eq",
        "high_shelf:6000:-3",
        "--compress",
        "-20:3",
        "--limit",
        "-2",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (dry_frames, _) = wav_frames_and_peak(&dry);
    let (wet_frames, wet_peak) = wav_frames_and_peak(&wet);
    assert!(wet_frames >= dry_frames);
    assert!(
        wet_peak <= 10f32.powf(-2.0 / 20.0) + 1.0 / 32768.0,
        "{wet_peak}"
    );
    assert_ne!(std::fs::read(&dry).unwrap(), std::fs::read(&wet).unwrap());
    let o = rae(&[
        "render",
        &midi,
        "-o",
        wet.to_str().unwrap(),
        "--soundfont",
        "builtin",
        "--reverb=cathedral",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn waveform_picture_with_a_pitch_contour() {
    let dir = tempfile::tempdir().unwrap();
    let wav = write_melody(dir.path());
    let plain = dir.path().join("plain.png");
    let drawn = dir.path().join("drawn.png");
    let o = rae(&["waveform", &wav, "-o", plain.to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
    let o = rae(&[
        "waveform",
        &wav,
        "-o",
        drawn.to_str().unwrap(),
        "--pitch-contour",
        "--pitch-color",
        "ff0000",
    ]);
    assert!(o.status.success(), "{o:?}");
    assert_ne!(
        std::fs::read(&plain).unwrap(),
        std::fs::read(&drawn).unwrap()
    );
    // The contour needs a picture.
    let dat = dir.path().join("x.dat");
    let o = rae(&[
        "waveform",
        &wav,
        "-o",
        dat.to_str().unwrap(),
        "--pitch-contour",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!dat.exists());
}

/// `rae` with extra environment variables.
fn rae_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rae"));
    c.args(args).env_remove("RAE_SOUNDFONT");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run rae")
}

fn write_noise_wav(path: &Path) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let mut s: u32 = 1;
    for _ in 0..2 * 22_050 {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        w.write_sample(((s >> 16) as i16) / 4).unwrap();
    }
    w.finalize().unwrap();
}

/// The summary lines of `rae fx --gpu` and `rae waveform --gpu` name the backend that ran, under
/// every GPU setting: off, a missing Vulkan driver, and force (where an adapter exists).
#[test]
fn gpu_flags_report_the_backend_that_ran() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    write_noise_wav(&input);
    let input = input.to_str().unwrap();
    let out = dir.path().join("out.wav");
    let png = dir.path().join("s.png");
    let fx = [
        "fx",
        input,
        "-o",
        out.to_str().unwrap(),
        "--reverb",
        "room",
        "--gpu",
    ];
    let wf = [
        "waveform",
        input,
        "-o",
        png.to_str().unwrap(),
        "--output-format",
        "spectrogram",
        "--gpu",
    ];
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[("RAE_GPU", "off")], "backend cpu: RAE_GPU=off"),
        (
            &[("RAE_GPU", "force"), ("VK_ICD_FILENAMES", "/nonexistent")],
            "backend cpu: no adapter",
        ),
        (&[("RAE_GPU", "bogus")], "backend cpu: RAE_GPU=bogus is not"),
    ];
    for (env, want) in cases {
        for args in [&fx[..], &wf[..]] {
            let o = rae_env(args, env);
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(
                o.status.success(),
                "{env:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(text.contains(want), "{env:?} {}: {text}", args[0]);
        }
    }
    // Without --gpu: the CPU, plainly.
    let o = rae_env(&fx[..6], &[("RAE_GPU", "force")]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("backend cpu\n"));
    // Forced onto whatever adapter exists: the GPU, or (outside CI) a stated reason.
    let gpu = rae_env(&["gpu"], &[("RAE_GPU", "force")]);
    let listing = String::from_utf8_lossy(&gpu.stdout).into_owned();
    let have_gpu = listing.contains("--gpu runs on: gpu: ");
    if std::env::var_os("CI").is_some() {
        assert!(
            have_gpu,
            "CI is set and no GPU adapter was found: {listing}"
        );
    }
    for args in [&fx[..], &wf[..]] {
        let o = rae_env(args, &[("RAE_GPU", "force")]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success());
        assert_eq!(text.contains("backend gpu: "), have_gpu, "{text}");
    }
}

#[test]
fn gpu_lists_adapters_and_the_choice() {
    let o = rae_env(&["gpu"], &[("RAE_GPU", "off")]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("RAE_GPU: off") && text.contains("--gpu runs on: cpu: RAE_GPU=off"),
        "{text}"
    );
    let o = rae_env(
        &["gpu", "--json"],
        &[("RAE_GPU", "force"), ("VK_ICD_FILENAMES", "/nonexistent")],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["backend"], "cpu: no adapter");
    assert_eq!(v["adapters"].as_array().map(Vec::len), Some(0));
}

#[test]
fn transcribe_writes_midi_and_json_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let wav = write_melody(dir.path());
    let mid = dir.path().join("take.mid");
    let json = dir.path().join("take.json");
    for mode in ["piano", "reference"] {
        let o = rae(&[
            "transcribe",
            &wav,
            "-o",
            mid.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
            "--mode",
            mode,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v = parse_json(&json);
        assert_eq!(v["mode"], mode);
        let pitches: Vec<u64> = v["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["pitch"].as_u64().unwrap())
            .collect();
        for p in [60, 64, 67] {
            assert!(pitches.contains(&p), "{mode}: {pitches:?}");
        }
        let m = rust_audio_engine::MidiFile::parse(
            &std::fs::read(&mid).unwrap(),
            &mid,
            &rust_audio_engine::MidiLimits::default(),
        )
        .unwrap();
        assert_eq!(m.notes().len(), pitches.len());
    }
    // JSON on stdout.
    let o = rae(&[
        "transcribe",
        &wav,
        "-o",
        mid.to_str().unwrap(),
        "--json",
        "-",
    ]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["notes"].as_array().is_some_and(|n| !n.is_empty()));
    // Bad mode: usage error. Missing input: failure, nothing written.
    let o = rae(&[
        "transcribe",
        &wav,
        "-o",
        mid.to_str().unwrap(),
        "--mode",
        "guitar",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("transcription mode"));
    let out = dir.path().join("none.mid");
    let o = rae(&["transcribe", "missing.wav", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.wav"));
    assert!(!out.exists());
    let o = rae(&["transcribe", "--help"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("reference"));
}

/// A lesson of a right-hand melody over left-hand chords at 90 BPM, and a take of it with the
/// fifth melody note a semitone high and the ninth left out.
fn lesson_and_take(dir: &Path) -> (String, String) {
    use rust_audio_engine::demo::{write_smf, Note};
    let note = |beat: u32, key: u8, len: u32| Note {
        start: beat * 480,
        length: len,
        channel: 0,
        key,
        velocity: 80,
    };
    let melody = [
        64u8, 65, 67, 72, 71, 69, 67, 65, 64, 62, 60, 62, 64, 62, 60, 60,
    ];
    let mut lesson = Vec::new();
    for (i, &k) in melody.iter().enumerate() {
        lesson.push(note(i as u32, k, 430));
        if i % 4 == 0 {
            for c in [48u8, 52, 55] {
                lesson.push(note(i as u32, c, 1800));
            }
        }
    }
    let take: Vec<Note> = lesson
        .iter()
        .filter(|n| !(n.key == 64 && n.start == 8 * 480))
        .map(|n| Note {
            key: if n.key == 71 && n.start == 4 * 480 {
                72
            } else {
                n.key
            },
            ..*n
        })
        .collect();
    let l = dir.join("lesson.mid");
    let t = dir.join("take.mid");
    std::fs::write(&l, write_smf(480, 90.0, &[(0, 0)], &lesson, &[])).unwrap();
    // The take a little slower than the lesson.
    std::fs::write(&t, write_smf(480, 80.0, &[(0, 0)], &take, &[])).unwrap();
    (
        l.to_string_lossy().into_owned(),
        t.to_string_lossy().into_owned(),
    )
}

#[test]
fn assess_finds_a_wrong_and_a_missed_note_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (lesson, take) = lesson_and_take(dir.path());
    let json = dir.path().join("a.json");
    let o = rae(&["assess", &take, &lesson, "--json", json.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(summary.contains("played C5"), "{summary}");
    let v = parse_json(&json);
    assert_eq!(v["take_kind"], "midi");
    assert_eq!(v["counts"]["lesson_notes"], 28);
    assert_eq!(v["counts"]["wrong_pitch"], 1);
    assert_eq!(v["counts"]["missed"], 1);
    assert_eq!(v["counts"]["extra"], 0);
    assert_eq!(v["counts"]["correct"], 26);
    let notes = v["notes"].as_array().unwrap();
    let wrong = notes
        .iter()
        .find(|n| n["verdict"] == "wrong_pitch")
        .unwrap();
    assert_eq!(
        (wrong["pitch"].as_u64(), wrong["played_pitch"].as_u64()),
        (Some(71), Some(72))
    );
    assert_eq!(wrong["bar"], 2);
    let missed = notes.iter().find(|n| n["verdict"] == "missed").unwrap();
    assert_eq!(
        (missed["pitch"].as_u64(), missed["bar"].as_u64()),
        (Some(64), Some(3))
    );
    // 80 BPM against 90: the tempo is measured, and no note is rushed or dragged after it.
    let ratio = v["tempo_ratio"].as_f64().unwrap();
    assert!((ratio - 80.0 / 90.0).abs() < 0.01, "{ratio}");
    assert_eq!(v["counts"]["rushed"], 0);
    assert_eq!(v["counts"]["dragged"], 0);
    // Bad level: usage error; a lesson that is not MIDI: failure naming it; nothing written.
    let out = dir.path().join("none.json");
    let o = rae(&[
        "assess",
        &take,
        &lesson,
        "--level",
        "expert",
        "--json",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("level"));
    let o = rae(&[
        "assess",
        &take,
        &json.to_string_lossy(),
        "--json",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("a.json"));
    assert!(!out.exists());
}

#[test]
fn assess_a_recording_of_the_lesson_through_the_transcription() {
    let dir = tempfile::tempdir().unwrap();
    let (lesson, _) = lesson_and_take(dir.path());
    let wav = dir.path().join("take.wav");
    let o = rae(&[
        "render",
        &lesson,
        "-o",
        wav.to_str().unwrap(),
        "--soundfont",
        "builtin",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = rae(&["assess", wav.to_str().unwrap(), &lesson, "--json", "-"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["take_kind"], "transcription");
    let c = &v["counts"];
    // The lesson played as written: nearly every note heard correct, few extras.
    assert!(c["correct"].as_u64().unwrap() >= 25, "{c}");
    assert!(c["extra"].as_u64().unwrap() <= 2, "{c}");
}

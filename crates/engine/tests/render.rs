//! Integration tests of MIDI rendering against real files: the corpus in `$RAE_CORPUS` (default
//! `../shared/corpus` beside the checkout) and the Debian SoundFonts. Tests that need a missing
//! file say so and pass without checking (there is nothing to check them against).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: failures should panic loudly

use std::path::Path;

use rust_audio_engine::{
    demo, io, render, render_to_file, Error, MidiSource, Normalize, OutputFormat, RenderOptions,
    RenderOutput, SoundFontSource,
};

mod common;
use common::{
    cents, font, midi_hz, testdata_audio, testdata_midi, testdata_midis, Rng, FLUID, SF3, TIMGM,
};

fn wav_bytes(audio: &rust_audio_engine::AudioBuffer) -> Vec<u8> {
    io::encode(audio, OutputFormat::Wav16, Path::new("t.wav")).unwrap()
}

fn check_corpus_with(font_path: &str) {
    let sf = font(font_path);
    for midi in testdata_midis() {
        let opts = RenderOptions {
            reverb: true,
            ..Default::default()
        };
        let r = render(MidiSource::Path(&midi), &sf, &opts)
            .unwrap_or_else(|e| panic!("{} with {font_path}: {e}", midi.display()));
        let a = &r.audio;
        assert_eq!(a.channel_count(), 2);
        assert!(a.frames() > 0);
        // Length equals the reported duration, to the sample.
        assert_eq!(r.report.frames, a.frames());
        assert_eq!(
            (r.report.duration_s * f64::from(r.report.sample_rate)).round() as usize,
            a.frames()
        );
        // The song is not cut: at least as long as its last event, at most the tail cap beyond.
        assert!(r.report.duration_s + 0.01 >= r.report.midi_duration_s);
        assert!(r.report.duration_s <= r.report.midi_duration_s + 10.0 + 0.01);
        // Never clips: peaks at or below the -1 dBFS safety ceiling, and audible.
        let peak = a.peak();
        assert!(a.channels().iter().flatten().all(|x| x.is_finite()));
        assert!(peak <= 0.8913, "{}: peak {peak}", midi.display());
        assert!(
            peak > 0.01,
            "{}: nearly silent, peak {peak}",
            midi.display()
        );
        assert!((r.report.peak_dbfs - a.peak_dbfs()).abs() < 1e-9);
        eprintln!(
            "{:40} {font_path}: {:.2} s, peak {:.2} dBFS",
            midi.file_name().unwrap().to_string_lossy(),
            r.report.duration_s,
            r.report.peak_dbfs
        );
    }
}

#[test]
fn corpus_renders_with_fluidr3() {
    check_corpus_with(FLUID);
}

#[test]
fn corpus_renders_with_timgm6mb() {
    check_corpus_with(TIMGM);
}

#[test]
fn corpus_renders_with_sf3() {
    check_corpus_with(SF3);
}

#[test]
fn corpus_renders_with_builtin() {
    check_corpus_with("builtin");
}

#[test]
fn renders_are_deterministic_across_runs_and_thread_counts() {
    let sf = font(FLUID);
    let dir = testdata_midi();
    for name in ["gm_meltysynth_demo.mid", "piano_prokofiev_etude_op2no1.mid"] {
        let midi = dir.join(name);
        let mut outputs = Vec::new();
        // The convolution reverb and the synthesizer's own reverb/chorus (its own job) both on.
        for threads in [1, 2, 2] {
            let opts = RenderOptions {
                reverb: true,
                synth_effects: true,
                threads: Some(threads),
                ..Default::default()
            };
            let r = render(MidiSource::Path(&midi), &sf, &opts).unwrap();
            assert!(
                r.report.channel_groups > 1,
                "{name} should split into channel groups"
            );
            outputs.push(wav_bytes(&r.audio));
        }
        assert!(
            outputs[0] == outputs[1],
            "{name}: 1 thread and 2 threads differ"
        );
        assert!(outputs[1] == outputs[2], "{name}: two renders differ");
    }
}

/// Frequency of the strongest component near `guess_hz`, by a Hann-windowed DFT scanned in
/// 0.05 Hz steps with parabolic refinement.
fn fundamental(x: &[f32], sr: f64, guess_hz: f64) -> f64 {
    let n = x.len();
    let w: Vec<f64> = (0..n)
        .map(|i| {
            let h = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
            h * f64::from(x[i])
        })
        .collect();
    let mag = |f: f64| {
        let (mut re, mut im) = (0.0, 0.0);
        let step = 2.0 * std::f64::consts::PI * f / sr;
        for (i, v) in w.iter().enumerate() {
            let ph = step * i as f64;
            re += v * ph.cos();
            im -= v * ph.sin();
        }
        (re * re + im * im).sqrt()
    };
    let step = 0.05;
    let freqs: Vec<f64> = (0..=400)
        .map(|k| guess_hz * 0.96 + k as f64 * step * guess_hz / 261.63)
        .collect();
    let mags: Vec<f64> = freqs.iter().map(|&f| mag(f)).collect();
    let k = (1..mags.len() - 1)
        .max_by(|&a, &b| mags[a].partial_cmp(&mags[b]).unwrap())
        .unwrap();
    let (a, b, c) = (mags[k - 1], mags[k], mags[k + 1]);
    let delta = 0.5 * (a - c) / (a - 2.0 * b + c);
    freqs[k] + delta * (freqs[k + 1] - freqs[k])
}

#[test]
fn builtin_piano_middle_c_is_in_tune() {
    let notes: Vec<demo::Note> = vec![demo::Note {
        start: 0,
        length: 960,
        channel: 0,
        key: 60,
        velocity: 90,
    }];
    let midi = demo::write_smf(480, 120.0, &[(0, 0)], &notes, &[]);
    let r = render(
        MidiSource::Bytes(&midi),
        &SoundFontSource::Builtin,
        &RenderOptions::default(),
    )
    .unwrap();
    let sr = f64::from(r.report.sample_rate);
    let start = (0.1 * sr) as usize;
    let seg = &r.audio.channels()[0][start..start + sr as usize];
    let f = fundamental(seg, sr, 261.63);
    let c = cents(f, midi_hz(60));
    eprintln!("builtin middle C: {f:.3} Hz ({c:+.2} cents)");
    assert!(c.abs() < 5.0, "middle C at {f} Hz is {c} cents off");
}

#[test]
fn errors_name_the_file_and_leave_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wav");
    std::fs::write(&out, b"keep me").unwrap();
    let opts = RenderOptions::default();
    let sf = SoundFontSource::Builtin;

    let missing = dir.path().join("missing.mid");
    match render_to_file(
        MidiSource::Path(&missing),
        &sf,
        &opts,
        &RenderOutput::to(&out),
    ) {
        Err(Error::NotFound { path }) => assert_eq!(path, missing),
        other => panic!("expected NotFound, got {other:?}"),
    }

    let not_midi = dir.path().join("notes.mid");
    std::fs::write(&not_midi, b"this is a text file, not MIDI").unwrap();
    let err = render_to_file(
        MidiSource::Path(&not_midi),
        &sf,
        &opts,
        &RenderOutput::to(&out),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Midi { offset: 0, .. }), "{err}");
    assert!(err.to_string().contains("notes.mid"), "{err}");

    let mut truncated = demo::demo_midi();
    truncated.truncate(truncated.len() / 2);
    let trunc = dir.path().join("trunc.mid");
    std::fs::write(&trunc, &truncated).unwrap();
    // A truncated file is refused in strict mode; by default what is there plays.
    let strict = RenderOptions {
        strict: true,
        ..RenderOptions::default()
    };
    let err = render_to_file(
        MidiSource::Path(&trunc),
        &sf,
        &strict,
        &RenderOutput::to(&out),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Midi { .. }), "{err}");
    assert!(err.to_string().contains("trunc.mid") && err.to_string().contains("byte"));

    let bad_sf = dir.path().join("bad.sf2");
    std::fs::write(&bad_sf, b"RIFF\x10\x00\x00\x00sfbkLIST").unwrap();
    let good = dir.path().join("good.mid");
    std::fs::write(&good, demo::demo_midi()).unwrap();
    let err = render_to_file(
        MidiSource::Path(&good),
        &SoundFontSource::Path(bad_sf.clone()),
        &opts,
        &RenderOutput::to(&out),
    )
    .unwrap_err();
    assert!(matches!(err, Error::SoundFont { .. }), "{err}");
    assert!(err.to_string().contains("bad.sf2"), "{err}");

    // The output may not be the input.
    let err = render_to_file(
        MidiSource::Path(&good),
        &sf,
        &opts,
        &RenderOutput::to(&good),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");

    // Every failure above left the existing output untouched and no temporary file behind.
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".part")), "{names:?}");
}

#[test]
fn output_formats_and_rates() {
    let dir = tempfile::tempdir().unwrap();
    let midi = dir.path().join("demo.mid");
    std::fs::write(&midi, demo::demo_midi()).unwrap();
    for (sr, fmt, ext) in [
        (22050, OutputFormat::Wav24, "wav"),
        (48000, OutputFormat::Wav32Float, "wav"),
        (96000, OutputFormat::Flac24, "flac"),
        (44100, OutputFormat::Flac16, "flac"),
    ] {
        let out = dir.path().join(format!("o{sr}.{ext}"));
        let opts = RenderOptions {
            sample_rate: sr,
            max_tail_s: 1.0,
            ..Default::default()
        };
        let output = RenderOutput {
            path: out.clone(),
            format: Some(fmt),
            waveform: None,
        };
        let rep = render_to_file(
            MidiSource::Path(&midi),
            &SoundFontSource::Builtin,
            &opts,
            &output,
        )
        .unwrap();
        assert_eq!(rep.sample_rate, sr);
        if ext == "wav" {
            let r = hound::WavReader::open(&out).unwrap();
            assert_eq!(r.spec().sample_rate, sr);
            assert_eq!(r.duration() as usize, rep.frames);
        } else {
            let r = claxon::FlacReader::open(&out).unwrap();
            assert_eq!(r.streaminfo().sample_rate, sr);
            assert_eq!(r.streaminfo().samples, Some(rep.frames as u64));
        }
    }
    let err = render(
        MidiSource::Path(&midi),
        &SoundFontSource::Builtin,
        &RenderOptions {
            sample_rate: 8000,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
}

#[test]
fn loudness_and_peak_normalisation() {
    let midi = demo::demo_midi();
    let lufs = render(
        MidiSource::Bytes(&midi),
        &SoundFontSource::Builtin,
        &RenderOptions {
            normalize: Normalize::Loudness { target_lufs: -20.0 },
            ..Default::default()
        },
    )
    .unwrap();
    let measured = rust_audio_engine::gain::integrated_loudness(&lufs.audio)
        .unwrap()
        .unwrap();
    assert!((measured + 20.0).abs() < 0.5, "{measured} LUFS");
    let peak = render(
        MidiSource::Bytes(&midi),
        &SoundFontSource::Builtin,
        &RenderOptions {
            normalize: Normalize::Peak { peak_db: -3.0 },
            ..Default::default()
        },
    )
    .unwrap();
    assert!((peak.report.peak_dbfs + 3.0).abs() < 0.01);
}

#[test]
fn tail_rings_out_and_is_capped() {
    // One note released at 0.5 s: the output runs past 0.5 s (release + decay) but stops once
    // silent, well before the 10 s cap; with a 0.2 s cap it stops at 0.7 s.
    let notes = vec![demo::Note {
        start: 0,
        length: 480,
        channel: 0,
        key: 60,
        velocity: 100,
    }];
    let midi = demo::write_smf(480, 120.0, &[(0, 0)], &notes, &[]);
    let free = render(
        MidiSource::Bytes(&midi),
        &SoundFontSource::Builtin,
        &RenderOptions::default(),
    )
    .unwrap();
    assert!(free.report.duration_s > 0.55 && free.report.duration_s < 10.0);
    let capped = render(
        MidiSource::Bytes(&midi),
        &SoundFontSource::Builtin,
        &RenderOptions {
            max_tail_s: 0.2,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(capped.report.duration_s <= 0.7 + 1e-9);
}

/// Truncated and bit-flipped variants of every corpus MIDI give an error or a valid render,
/// never a panic or a hang.
#[test]
fn corrupted_corpus_midi_never_panics() {
    let mut rng = Rng::new(0x2545_F491_4F6C_DD1D);
    let opts = RenderOptions {
        sample_rate: 22050,
        max_tail_s: 1.0,
        ..Default::default()
    };
    let mut rendered = 0;
    for midi in testdata_midis() {
        let bytes = std::fs::read(&midi).unwrap();
        for v in 0..60 {
            let mut b = bytes.clone();
            if v % 2 == 0 {
                b.truncate(rng.below(b.len()));
            } else {
                for _ in 0..1 + v % 5 {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
            }
            match rust_audio_engine::MidiFile::parse(&b, &midi, &Default::default()) {
                Ok(m) if v % 10 == 1 && m.duration_s < 200.0 => {
                    let r = render(MidiSource::Bytes(&b), &SoundFontSource::Builtin, &opts);
                    if let Ok(r) = r {
                        assert!(r.audio.peak() <= 0.8913);
                        rendered += 1;
                    }
                }
                _ => {}
            }
        }
    }
    eprintln!("rendered {rendered} corrupted variants");
}

#[test]
fn dropped_notes_are_counted() {
    // A 12-note cluster: 8 voices cannot hold it, 256 can; 4 is refused.
    let notes: Vec<demo::Note> = (0..12)
        .map(|k| demo::Note {
            start: k * 40,
            length: 960,
            channel: 0,
            key: 48 + k as u8,
            velocity: 90,
        })
        .collect();
    let midi = demo::write_smf(480, 120.0, &[(0, 0)], &notes, &[]);
    let count = |polyphony: usize| {
        let opts = RenderOptions {
            polyphony,
            max_tail_s: 0.5,
            ..Default::default()
        };
        render(MidiSource::Bytes(&midi), &SoundFontSource::Builtin, &opts)
            .unwrap()
            .report
            .notes_dropped
    };
    assert_eq!(count(256), Some(0));
    assert!(count(8).unwrap() >= 4, "{:?}", count(8));
    let err = render(
        MidiSource::Bytes(&midi),
        &SoundFontSource::Builtin,
        &RenderOptions {
            polyphony: 4,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
}

/// MuseScore's SF3 piano opens its filter and sets its level through velocity modulators; a
/// synthesizer that ignores them plays it muffled about 26 dB too quietly (FluidSynth honours them).
#[test]
fn sf3_piano_is_bright_and_loud_enough() {
    let sf = font(SF3);
    let notes = vec![demo::Note {
        start: 0,
        length: 720,
        channel: 0,
        key: 60,
        velocity: 100,
    }];
    let midi = demo::write_smf(480, 120.0, &[(0, 0)], &notes, &[]);
    let opts = RenderOptions {
        normalize: Normalize::Off,
        max_tail_s: 0.5,
        ..Default::default()
    };
    let r = render(MidiSource::Bytes(&midi), &sf, &opts).unwrap();
    let peak_db = r.report.peak_dbfs;
    // Spectral centroid of 0.1 s .. 0.6 s by a direct DFT on 20 Hz bins up to 5 kHz.
    let sr = f64::from(r.report.sample_rate);
    let x = &r.audio.channels()[0][(0.1 * sr) as usize..(0.6 * sr) as usize];
    let (mut num, mut den) = (0.0, 0.0);
    for k in 1..250 {
        let f = 20.0 * f64::from(k);
        let step = 2.0 * std::f64::consts::PI * f / sr;
        let (mut re, mut im) = (0.0, 0.0);
        for (i, v) in x.iter().enumerate() {
            re += f64::from(*v) * (step * i as f64).cos();
            im += f64::from(*v) * (step * i as f64).sin();
        }
        let m = (re * re + im * im).sqrt();
        num += f * m;
        den += m;
    }
    let centroid = num / den;
    eprintln!("SF3 piano middle C v100: peak {peak_db:.1} dBFS, centroid {centroid:.0} Hz");
    assert!(peak_db > -35.0, "peak {peak_db} dBFS");
    assert!(centroid > 550.0, "centroid {centroid} Hz");
}

/// The corpus audio decodes to exactly the samples its manifest describes (sha256 of the
/// interleaved float32 samples, as soundfile decodes them).
#[test]
fn corpus_audio_decodes_exactly() {
    use sha2::{Digest, Sha256};
    let dir = testdata_audio();
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    for name in [
        "music_stereo_30s.wav",
        "melody_mono_30s.wav",
        "ir_stereo_2p5s.wav",
    ] {
        let a = rust_audio_engine::read_audio(&dir.join(name), 3600.0).unwrap();
        let mut h = Sha256::new();
        for i in 0..a.frames() {
            for c in a.channels() {
                h.update(c[i].to_le_bytes());
            }
        }
        let digest: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let entry = &manifest[manifest.find(name).unwrap()..];
        let expected = entry.split("samples_sha256\": \"").nth(1).unwrap();
        assert_eq!(&expected[..64], digest, "{name}");
        assert_eq!(a.sample_rate(), 44100);
    }
}

#[test]
fn reverb_is_the_hall_convolution_and_effects_apply() {
    use rust_audio_engine::effects::EffectSpec;
    // One staccato chord (0.25 s at 120 BPM, 480 ticks per quarter) that ends the file.
    let track: Vec<u8> = vec![
        0x00, 0x90, 60, 100, 0x00, 0x90, 64, 100, 0x00, 0x90, 67, 100, // notes on
        0x81, 0x70, 0x80, 60, 0, 0x00, 0x80, 64, 0, 0x00, 0x80, 67, 0, // off after 240 ticks
        0x00, 0xFF, 0x2F, 0x00,
    ];
    let mut midi = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xE0MTrk".to_vec();
    midi.extend_from_slice(&(track.len() as u32).to_be_bytes());
    midi.extend_from_slice(&track);
    // A tail cap long enough that neither render is cut by it.
    let render_with = |opts: RenderOptions| {
        let opts = RenderOptions {
            max_tail_s: 60.0,
            ..opts
        };
        render(MidiSource::Bytes(&midi), &SoundFontSource::Builtin, &opts).unwrap()
    };
    let dry = render_with(RenderOptions {
        normalize: rust_audio_engine::Normalize::Off,
        ..Default::default()
    });
    let wet = render_with(RenderOptions {
        reverb: true,
        normalize: rust_audio_engine::Normalize::Off,
        ..Default::default()
    });
    // The hall's tail rings on after the dry render has ended.
    assert!(
        wet.audio.frames() > dry.audio.frames() + 22_050,
        "{} vs {}",
        wet.audio.frames(),
        dry.audio.frames()
    );
    // Wetter: the dry signal and the reverb's differ by more than a level change.
    let n = dry.audio.frames();
    let corr = {
        let (a, b) = (&dry.audio.channels()[0][..n], &wet.audio.channels()[0][..n]);
        let ab: f64 = a.iter().zip(b).map(|(x, y)| f64::from(x * y)).sum();
        let aa: f64 = a.iter().map(|x| f64::from(x * x)).sum();
        let bb: f64 = b.iter().map(|x| f64::from(x * x)).sum();
        ab / (aa * bb).sqrt()
    };
    assert!(
        corr < 0.99,
        "reverb output too similar to the dry one: {corr}"
    );
    // Another IR by name, and an effects chain before the gain stage.
    let church = render_with(RenderOptions {
        reverb: true,
        reverb_ir: "church".into(),
        normalize: rust_audio_engine::Normalize::Off,
        effects: vec![EffectSpec::Gain { gain_db: -20.0 }],
        ..Default::default()
    });
    assert!(church.audio.peak() < wet.audio.peak() * 0.3);
    assert_eq!(church.report.frames, church.audio.frames());
    // A bad IR or parameter fails before rendering, naming the problem.
    let e = render(
        MidiSource::Bytes(&midi),
        &SoundFontSource::Builtin,
        &RenderOptions {
            reverb: true,
            reverb_ir: "cathedral-nope".into(),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("cathedral-nope"), "{e}");
}

//! Golden, round-trip and streaming tests for waveform peaks.

use super::*;

/// 10 samples whose 16-bit conversions are hand-checked below.
const TEN: [f32; 10] = [0.0, 0.5, -0.5, 0.25, 1.0, -1.0, 0.1, -0.1, 0.75, -0.25];
// to_i16 = trunc(x * 32767): 0, 16383, -16383, 8191, 32767, -32767, 3276, -3276, 24575, -8191
// spp 4 -> pixels [0..4) [4..8) [8..10): (-16383,16383) (-32767,32767) (-8191,24575)

fn build(chans: &[&[f32]], spp: u32, bits: Bits, split: bool) -> Peaks {
    let mut b = PeaksBuilder::new(8000, chans.len(), spp, bits, split).unwrap();
    b.push(chans).unwrap();
    b.finish()
}

fn header(version: i32, flags: u32, rate: i32, spp: i32, len: u32) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&version.to_le_bytes());
    v.extend_from_slice(&flags.to_le_bytes());
    v.extend_from_slice(&rate.to_le_bytes());
    v.extend_from_slice(&spp.to_le_bytes());
    v.extend_from_slice(&len.to_le_bytes());
    v
}

/// Deterministic noise in -1.2..1.2 (so some samples saturate).
fn noise(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 8) as f32 / (1u32 << 24) as f32 * 2.4 - 1.2
        })
        .collect()
}

#[test]
fn golden_mono_16bit_values_and_partial_last_pixel() {
    let p = build(&[&TEN], 4, Bits::Sixteen, false);
    assert_eq!(p.channels, 1);
    assert_eq!(p.length(), 3);
    assert_eq!(p.data, vec![-16383, 16383, -32767, 32767, -8191, 24575]);
    assert_eq!((p.min(0, 2), p.max(0, 2)), (Some(-8191), Some(24575)));
    assert_eq!(p.max(0, 3), None);
    assert_eq!(p.max(1, 0), None);
}

#[test]
fn golden_mono_8bit_truncates_toward_zero() {
    let p = build(&[&TEN], 4, Bits::Eight, false);
    // -16383/256 = -63.99 -> -63; -8191/256 = -31.99 -> -31; 24575/256 = 95.99 -> 95
    assert_eq!(p.data, vec![-63, 63, -127, 127, -31, 95]);
}

#[test]
fn golden_dat_v1_16bit() {
    let p = build(&[&TEN], 4, Bits::Sixteen, false);
    let mut want = vec![
        1, 0, 0, 0, // version 1
        0, 0, 0, 0, // flags: 16-bit
        0x40, 0x1f, 0, 0, // sample rate 8000
        4, 0, 0, 0, // samples per pixel
        3, 0, 0, 0, // length
    ];
    want.extend_from_slice(&[0x01, 0xc0, 0xff, 0x3f]); // -16383, 16383
    want.extend_from_slice(&[0x01, 0x80, 0xff, 0x7f]); // -32767, 32767
    want.extend_from_slice(&[0x01, 0xe0, 0xff, 0x5f]); // -8191, 24575
    assert_eq!(p.to_dat(), want);
}

#[test]
fn golden_dat_v1_8bit() {
    let p = build(&[&TEN], 4, Bits::Eight, false);
    let mut want = header(1, 1, 8000, 4, 3);
    want.extend_from_slice(&[0xc1, 0x3f, 0x81, 0x7f, 0xe1, 0x5f]);
    assert_eq!(p.to_dat(), want);
}

#[test]
fn golden_dat_v2_split_stereo_16_and_8bit() {
    let right = [0.25f32; 10]; // 8191 everywhere; 8191/256 = 31
    let p = build(&[&TEN, &right], 4, Bits::Sixteen, true);
    assert_eq!(p.channels, 2);
    assert_eq!(
        p.data,
        vec![-16383, 16383, 8191, 8191, -32767, 32767, 8191, 8191, -8191, 24575, 8191, 8191]
    );
    let mut want = header(2, 0, 8000, 4, 3);
    want.extend_from_slice(&2i32.to_le_bytes());
    for v in &p.data {
        want.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(p.to_dat(), want);
    assert_eq!(&want[20..24], &[2, 0, 0, 0]);
    assert_eq!(&want[24..28], &[0x01, 0xc0, 0xff, 0x3f]);

    let p8 = build(&[&TEN, &right], 4, Bits::Eight, true);
    let mut want8 = header(2, 1, 8000, 4, 3);
    want8.extend_from_slice(&[2, 0, 0, 0]);
    want8.extend_from_slice(&[0xc1, 0x3f, 31, 31, 0x81, 0x7f, 31, 31, 0xe1, 0x5f, 31, 31]);
    assert_eq!(p8.to_dat(), want8);
}

#[test]
fn golden_merged_stereo_sums_and_truncating_divides() {
    let silent = [0.0f32; 10];
    let p = build(&[&TEN, &silent], 4, Bits::Sixteen, false);
    // (x + 0) / 2 truncated toward zero: -16383/2 = -8191 (not -8192), 3276/2 = 1638
    assert_eq!(p.channels, 1);
    assert_eq!(p.data, vec![-8191, 8191, -16383, 16383, -4095, 12287]);
    // Per-frame averaging, not average of per-channel extremes: opposite channels cancel.
    let neg: Vec<f32> = TEN.iter().map(|x| -x).collect();
    let p = build(&[&TEN, &neg], 4, Bits::Sixteen, false);
    assert_eq!(p.data, vec![0; 6]);
}

#[test]
fn golden_audiowaveform_json() {
    let p = build(&[&TEN], 4, Bits::Sixteen, false);
    assert_eq!(
        p.to_json(),
        "{\"version\":2,\"channels\":1,\"sample_rate\":8000,\"samples_per_pixel\":4,\"bits\":16,\"length\":3,\"data\":[-16383,16383,-32767,32767,-8191,24575]}\n"
    );
    let p8 = build(&[&TEN, &[0.25; 10]], 4, Bits::Eight, true);
    assert_eq!(
        p8.to_json(),
        "{\"version\":2,\"channels\":2,\"sample_rate\":8000,\"samples_per_pixel\":4,\"bits\":8,\"length\":3,\"data\":[-63,63,31,31,-127,127,31,31,-31,95,31,31]}\n"
    );
}

#[test]
fn golden_wavesurfer_json() {
    let p = build(&[&TEN], 4, Bits::Sixteen, false);
    // ties pick max; 16383/32767 = 0.49998 -> 0.5000; 24575/32767 -> 0.7500
    assert_eq!(
        p.to_wavesurfer_json(),
        "{\"duration\":0.001500,\"peaks\":[[0.5000,1.0000,0.7500]]}"
    );
    assert_eq!(
        p.to_wavesurfer_json_with_duration(10.0 / 8000.0),
        "{\"duration\":0.001250,\"peaks\":[[0.5000,1.0000,0.7500]]}"
    );
    // Signed extreme of larger magnitude; -32768 clamps to -1; tiny values never print "-0".
    let hand = Peaks {
        sample_rate: 1,
        samples_per_pixel: 2,
        channels: 2,
        bits: Bits::Sixteen,
        data: vec![-100, 50, -32768, 0, -1, 0, 0, 0],
    };
    assert_eq!(
        hand.to_wavesurfer_json(),
        "{\"duration\":4.000000,\"peaks\":[[-0.0031,0.0000],[-1.0000,0.0000]]}"
    );
    let p8 = build(&[&TEN], 4, Bits::Eight, false);
    // 8-bit scales by 127: 63/127 = 0.4961, 95/127 = 0.7480
    assert_eq!(
        p8.to_wavesurfer_json(),
        "{\"duration\":0.001500,\"peaks\":[[0.4961,1.0000,0.7480]]}"
    );
}

#[test]
fn dat_round_trips() {
    let l = noise(5000, 1);
    let r = noise(5000, 2);
    for bits in [Bits::Eight, Bits::Sixteen] {
        for split in [false, true] {
            let p = build(&[&l, &r], 64, bits, split);
            assert_eq!(Peaks::from_dat(&p.to_dat()).unwrap(), p);
            assert_eq!(Peaks::from_json(&p.to_json()).unwrap(), p);
            p.validate().unwrap();
        }
    }
    let empty = build(&[&[]], 64, Bits::Sixteen, false);
    assert_eq!(empty.length(), 0);
    assert_eq!(empty.to_dat().len(), 20);
    assert_eq!(Peaks::from_dat(&empty.to_dat()).unwrap(), empty);
    assert_eq!(Peaks::from_json(&empty.to_json()).unwrap(), empty);
}

#[test]
fn chunk_size_independence() {
    let l = noise(10_007, 3);
    let r = noise(10_007, 4);
    for spp in [1, 2, 37, 256, 5000, 20_000] {
        for split in [false, true] {
            let whole = build(&[&l, &r], spp, Bits::Sixteen, split);
            for sizes in [
                vec![1],
                vec![3],
                vec![37],
                vec![100, 1, 4096, 7],
                vec![10_007],
            ] {
                let mut b = PeaksBuilder::new(8000, 2, spp, Bits::Sixteen, split).unwrap();
                let mut pos = 0;
                let mut k = 0;
                while pos < l.len() {
                    let end = (pos + sizes[k % sizes.len()]).min(l.len());
                    b.push(&[&l[pos..end], &r[pos..end]]).unwrap();
                    b.push(&[&[], &[]]).unwrap(); // empty chunks are harmless
                    pos = end;
                    k += 1;
                }
                assert_eq!(b.frames(), 10_007);
                assert_eq!(b.finish(), whole, "spp {spp} split {split} sizes {sizes:?}");
            }
        }
    }
}

/// Reference implementation: a literal transcription of audiowaveform's per-frame loop.
#[test]
fn matches_literal_audiowaveform_loop() {
    // Stereo (its own fast path) and three channels (the general one), with NaN and
    // out-of-range samples mixed in.
    for nch in [2usize, 3, 5, 24] {
        let mut chans: Vec<Vec<f32>> = (0..nch).map(|c| noise(3001, 5 + c as u32)).collect();
        chans[0][17] = f32::NAN;
        chans[nch - 1][1234] = 3.5;
        chans[0][2000] = -7.0;
        let refs: Vec<&[f32]> = chans.iter().map(Vec::as_slice).collect();
        for split in [false, true] {
            let spp = 100usize;
            let out = if split { nch } else { 1 };
            let mut want = Vec::new();
            let (mut mn, mut mx, mut count) = (vec![32767i32; out], vec![-32768i32; out], 0);
            for i in 0..3001 {
                let s: Vec<i32> = chans
                    .iter()
                    .map(|c| (c[i] * 32767.0) as i16 as i32)
                    .collect();
                if split {
                    for c in 0..nch {
                        mn[c] = mn[c].min(s[c]);
                        mx[c] = mx[c].max(s[c]);
                    }
                } else {
                    let m = (s.iter().sum::<i32>() / nch as i32).clamp(-32768, 32767);
                    mn[0] = mn[0].min(m);
                    mx[0] = mx[0].max(m);
                }
                count += 1;
                if count == spp || i == 3000 {
                    for c in 0..out {
                        want.push(mn[c] as i16);
                        want.push(mx[c] as i16);
                        mn[c] = 32767;
                        mx[c] = -32768;
                    }
                    count = 0;
                }
            }
            let p = build(&refs, spp as u32, Bits::Sixteen, split);
            assert_eq!(p.data, want, "{nch} channels, split {split}");
        }
    }
}

#[test]
fn sine_half_amplitude_scaling() {
    // 441 Hz at 44.1 kHz: period 100 samples, peaks land exactly on samples.
    let sine: Vec<f32> = (0..44_100)
        .map(|i| (0.5 * (2.0 * std::f64::consts::PI * 441.0 * i as f64 / 44_100.0).sin()) as f32)
        .collect();
    let p16 = Peaks::from_buffer(
        &AudioBuffer::new(vec![sine.clone(), sine.clone()], 44_100).unwrap(),
        256,
        Bits::Sixteen,
        false,
    )
    .unwrap();
    assert_eq!(p16.length(), 173); // 44100 / 256 = 172.27 -> 173 with the partial pixel
                                   // Every full pixel spans more than a period; the last holds 68 samples and misses a crest.
    for i in 0..172 {
        assert_eq!(p16.max(0, i), Some(16383), "pixel {i}");
        assert_eq!(p16.min(0, i), Some(-16383), "pixel {i}");
    }
    let p8 = build(&[&sine], 256, Bits::Eight, true);
    assert!(p8.data[..344].chunks(2).all(|mm| mm == [-63, 63]));
    assert!(p16.max(0, 172) < Some(16383));
}

#[test]
fn split_and_merged_channel_counts() {
    let c = noise(1000, 8);
    let six: Vec<&[f32]> = vec![&c; 6];
    let merged = build(&six, 100, Bits::Sixteen, false);
    let split = build(&six, 100, Bits::Sixteen, true);
    assert_eq!(
        (merged.channels, merged.length(), merged.data.len()),
        (1, 10, 20)
    );
    assert_eq!(
        (split.channels, split.length(), split.data.len()),
        (6, 10, 120)
    );
    assert_eq!(merged.to_dat()[0], 1);
    assert_eq!(split.to_dat()[0], 2);
    // Identical channels: merging is the identity and every split channel equals it.
    for i in 0..10 {
        for ch in 0..6 {
            assert_eq!(split.min(ch, i), merged.min(0, i));
            assert_eq!(split.max(ch, i), merged.max(0, i));
        }
    }
}

#[test]
fn out_of_range_and_nan_input() {
    let p = build(&[&[2.0, -2.0, f32::NAN, 0.0]], 2, Bits::Sixteen, false);
    assert_eq!(p.data, vec![-32768, 32767, 0, 0]);
    // NaN inside a full SIMD block (split path) folds in a 0, like a per-sample conversion.
    let mut block = vec![0.5f32; 40];
    block[5] = f32::NAN;
    let p = build(&[&block], 40, Bits::Sixteen, false);
    assert_eq!(p.data, vec![0, 16383]);
    let p = build(&[&block, &block], 40, Bits::Sixteen, false); // merged path
    assert_eq!(p.data, vec![0, 16383]);
}

#[test]
fn multi_zoom_equals_separate_builders() {
    let l = noise(9000, 9);
    let r = noise(9000, 10);
    let mut m = MultiPeaksBuilder::new(8000, 2, &[64, 256, 1000], Bits::Eight, false).unwrap();
    for (a, b) in l.chunks(777).zip(r.chunks(777)) {
        m.push(&[a, b]).unwrap();
    }
    let got = m.finish();
    assert_eq!(got.len(), 3);
    for (p, spp) in got.iter().zip([64, 256, 1000]) {
        assert_eq!(*p, build(&[&l, &r], spp, Bits::Eight, false));
    }
}

#[test]
fn zoom_helpers() {
    assert_eq!(
        samples_per_pixel_for_pixels_per_second(44_100, 100),
        Ok(441)
    );
    assert_eq!(
        samples_per_pixel_for_pixels_per_second(44_100, 1000),
        Ok(44)
    );
    assert!(samples_per_pixel_for_pixels_per_second(44_100, 0).is_err());
    assert!(samples_per_pixel_for_pixels_per_second(100, 1000).is_err());
    assert_eq!(samples_per_pixel_for_width(10, 3), Ok(4));
    assert_eq!(samples_per_pixel_for_width(1_323_000, 1000), Ok(1323));
    assert_eq!(samples_per_pixel_for_width(0, 1000), Ok(1));
    assert!(samples_per_pixel_for_width(10, 0).is_err());
    // The width helper's zoom never yields more pixels than asked for.
    let spp = samples_per_pixel_for_width(10_007, 800).unwrap();
    assert!(build(&[&noise(10_007, 1)], spp, Bits::Sixteen, false).length() <= 800);
}

#[test]
fn builder_rejects_bad_input() {
    assert!(PeaksBuilder::new(0, 1, 256, Bits::Sixteen, false).is_err());
    assert!(PeaksBuilder::new(8000, 0, 256, Bits::Sixteen, false).is_err());
    assert!(PeaksBuilder::new(8000, 1, 0, Bits::Sixteen, false).is_err());
    let mut b = PeaksBuilder::new(8000, 2, 4, Bits::Sixteen, false).unwrap();
    assert_eq!(
        b.push(&[&[0.0]]),
        Err(WaveformError::ChannelMismatch {
            expected: 2,
            got: 1
        })
    );
    assert_eq!(
        b.push(&[&[0.0, 0.0], &[0.0]]),
        Err(WaveformError::RaggedChunk { first: 2, other: 1 })
    );
}

#[test]
fn truncated_and_malformed_dat_errors() {
    let right = [0.25f32; 10];
    for p in [
        build(&[&TEN], 4, Bits::Sixteen, false),
        build(&[&TEN], 4, Bits::Eight, false),
        build(&[&TEN, &right], 4, Bits::Sixteen, true),
    ] {
        let dat = p.to_dat();
        let header_len = if p.channels == 1 { 20 } else { 24 };
        let point = 2 * p.channels * if p.bits == Bits::Eight { 1 } else { 2 };
        for cut in 0..dat.len() {
            match Peaks::from_dat(&dat[..cut]) {
                Err(WaveformError::Truncated { have, .. }) => {
                    assert!(cut < header_len);
                    assert_eq!(have, cut as u64)
                }
                // audiowaveform's words: the points declared and the whole ones present.
                Err(WaveformError::MissingPoints { expected, read }) => {
                    assert!(cut >= header_len);
                    assert_eq!(expected, p.length() as u64);
                    assert_eq!(read, ((cut - header_len) / point) as u64);
                }
                other => panic!("cut {cut}: {other:?}"),
            }
        }
        let mut long = dat.clone();
        long.push(0);
        assert_eq!(Peaks::from_dat(&long), Err(WaveformError::TrailingBytes(1)));
    }
    let mut bad = header(3, 0, 8000, 4, 0);
    assert_eq!(
        Peaks::from_dat(&bad),
        Err(WaveformError::UnsupportedVersion(3))
    );
    bad = header(1, 0, 0, 4, 0);
    assert_eq!(
        Peaks::from_dat(&bad),
        Err(WaveformError::InvalidSampleRate(0))
    );
    bad = header(1, 0, 8000, -1, 0);
    assert_eq!(
        Peaks::from_dat(&bad),
        Err(WaveformError::InvalidSamplesPerPixel(-1))
    );
    bad = header(2, 0, 8000, 4, 0);
    bad.extend_from_slice(&0i32.to_le_bytes());
    assert_eq!(Peaks::from_dat(&bad), Err(WaveformError::DataChannels(0)));
    // A huge declared length is reported as missing points, not allocated.
    bad = header(1, 0, 8000, 4, u32::MAX);
    assert!(matches!(
        Peaks::from_dat(&bad),
        Err(WaveformError::MissingPoints { read: 0, .. })
    ));
}

#[test]
fn json_parsing_variants_and_errors() {
    // audiowaveform's documented example (version 2, whitespace, 2 channels, 8-bit).
    let doc = r#"{
      "version": 2,
      "channels": 2,
      "sample_rate": 48000,
      "samples_per_pixel": 512,
      "bits": 8,
      "length": 3,
      "data": [-65,63,-66,64,-40,41,-39,45,-55,43,-55,44]
    }"#;
    let p = Peaks::from_json(doc).unwrap();
    assert_eq!((p.channels, p.length(), p.sample_rate), (2, 3, 48_000));
    assert_eq!((p.min(1, 2), p.max(1, 2)), (Some(-55), Some(44)));
    // Version 1 (older audiowaveform): no version/channels keys; other key order; extra keys.
    let v1 = r#"{"data":[-1,1],"length":1,"bits":16,"samples_per_pixel":256,"sample_rate":44100,"x":{"y":[1,"]"]}}"#;
    let p1 = Peaks::from_json(v1).unwrap();
    assert_eq!((p1.channels, p1.data.clone()), (1, vec![-1, 1]));

    let err = |s: &str| Peaks::from_json(s).unwrap_err();
    assert_eq!(
        err(r#"{"sample_rate":1,"samples_per_pixel":2,"bits":16,"length":2,"data":[1,2]}"#),
        WaveformError::DataLength {
            expected: 4,
            got: 2
        }
    );
    assert_eq!(
        err(r#"{"sample_rate":1,"samples_per_pixel":2,"bits":16,"data":[]}"#),
        WaveformError::MissingKey("length")
    );
    assert_eq!(
        err(r#"{"sample_rate":1,"samples_per_pixel":2,"bits":8,"length":1,"data":[-129,0]}"#),
        WaveformError::ValueOutOfRange {
            index: 0,
            value: -129,
            bits: 8
        }
    );
    assert_eq!(
        err(r#"{"sample_rate":1,"samples_per_pixel":2,"bits":12,"length":0,"data":[]}"#),
        WaveformError::InvalidBits(12)
    );
    assert!(matches!(err(r#"{"bits":1.5}"#), WaveformError::Json { .. }));
    assert!(matches!(err(r#"{"bits":16"#), WaveformError::Json { .. }));
    assert!(matches!(err("[]"), WaveformError::Json { offset: 0, .. }));
    assert!(matches!(err("{} x"), WaveformError::Json { offset: 3, .. }));
}

/// Streamed decode + peaks must give the same bytes as decoding the whole file first and
/// converting each codec's samples as audiowaveform reads them, for every codec and every zoom
/// kind (a width decodes twice).
#[test]
fn streamed_file_peaks_equal_whole_decode() {
    use crate::io::{encode, OutputFormat, Samples};
    use std::path::{Path, PathBuf};
    let dir = tempfile::tempdir().unwrap();
    let frames = 44_100 * 3 + 77;
    let audio = AudioBuffer::new(vec![noise(frames, 3), noise(frames, 4)], 44_100).unwrap();
    // How each file's samples reach the peaks (see `PeaksBuilder::push_samples`).
    #[derive(Clone, Copy)]
    enum Kind {
        Int,
        Float,
        Mp3,
        Lossy,
    }
    let mut files: Vec<(PathBuf, Kind)> = Vec::new();
    for (fmt, name, kind) in [
        (OutputFormat::Wav16, "n16.wav", Kind::Int),
        (OutputFormat::Wav24, "n24.wav", Kind::Int),
        (OutputFormat::Wav32Float, "nf.wav", Kind::Float),
        (OutputFormat::Flac16, "n16.flac", Kind::Int),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, encode(&audio, fmt, Path::new(name)).unwrap()).unwrap();
        files.push((p, kind));
    }
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    files.push((Path::new(data).join("tone_stereo.mp3"), Kind::Mp3));
    files.push((Path::new(data).join("tone_stereo.ogg"), Kind::Lossy));
    for (path, kind) in &files {
        let whole = crate::io::read_audio(path, 60.0).unwrap();
        assert!(whole.frames() > 40_000, "{}", path.display());
        let planes: Vec<&[f32]> = whole.channels().iter().map(Vec::as_slice).collect();
        // Integer PCM decodes to x / 2^(bits-1): its top 16 bits are x * 32768 rounded down.
        let ints: Vec<Vec<i16>> = planes
            .iter()
            .map(|p| p.iter().map(|&x| (x * 32768.0).floor() as i16).collect())
            .collect();
        let int_planes: Vec<&[i16]> = ints.iter().map(Vec::as_slice).collect();
        let samples = match kind {
            Kind::Int => Samples::I16(&int_planes),
            Kind::Float => Samples::F32(&planes),
            Kind::Mp3 => Samples::Mp3(&planes),
            Kind::Lossy => Samples::Lossy(&planes),
        };
        for (zoom, bits, split) in [
            (Zoom::default(), Bits::Sixteen, false),
            (Zoom::SamplesPerPixel(1000), Bits::Eight, true),
            (Zoom::PixelsPerSecond(30), Bits::Sixteen, false),
            (Zoom::Width(777), Bits::Eight, false),
        ] {
            let sr = whole.sample_rate();
            let spp = zoom.samples_per_pixel(sr, whole.frames() as u64).unwrap();
            let mut b = PeaksBuilder::new(sr, whole.channel_count(), spp, bits, split).unwrap();
            b.push_samples(samples).unwrap();
            let want = b.finish();
            let mut last = None;
            let (got, duration_s) =
                peaks_of_file(path, zoom, bits, split, 60.0, &mut |f| last = f).unwrap();
            let what = format!("{} {zoom:?} {bits:?} split={split}", path.display());
            assert_eq!(got.to_dat(), want.to_dat(), "{what}");
            assert_eq!(got.to_json(), want.to_json(), "{what}");
            assert_eq!(duration_s, whole.duration_s(), "{what}");
            let bytes: std::sync::Arc<[u8]> = std::fs::read(path).unwrap().into();
            let (from_bytes, _) =
                peaks_of_encoded(bytes, path, zoom, bits, split, 60.0, &mut |_| {}).unwrap();
            assert_eq!(from_bytes, want, "{what}");
            if path.extension().is_some_and(|e| e == "wav" || e == "flac") {
                assert_eq!(last, Some(1.0), "{what}: progress must end at 1");
            }
        }
    }
}

#[test]
fn streamed_decode_limits_and_errors() {
    use crate::io::{encode, stream_audio, OutputFormat};
    use std::path::Path;
    let dir = tempfile::tempdir().unwrap();
    let audio = AudioBuffer::new(vec![noise(48_000 * 3, 9)], 48_000).unwrap();
    let p = dir.path().join("three.wav");
    std::fs::write(&p, encode(&audio, OutputFormat::Wav16, &p).unwrap()).unwrap();
    // Chunks concatenated are the whole decode; the info is right.
    let mut joined = Vec::new();
    let info = stream_audio(&p, 10.0, &mut |info, chunk| {
        assert_eq!(chunk.len(), 1);
        assert_eq!(info.sample_rate, 48_000);
        joined.extend_from_slice(chunk[0]);
        assert_eq!(info.frames, joined.len() as u64);
        Ok(())
    })
    .unwrap();
    assert_eq!(info.frames, 48_000 * 3);
    assert_eq!(info.frames_hint, Some(48_000 * 3));
    assert_eq!(
        joined,
        crate::io::read_audio(&p, 10.0).unwrap().channels()[0]
    );
    // Too long: the typed limit error, from the streaming path too.
    let e = peaks_of_file(&p, Zoom::default(), Bits::Sixteen, false, 1.0, &mut |_| {}).unwrap_err();
    assert!(matches!(e, crate::Error::Limit { .. }), "{e}");
    // The callback's error stops decoding and comes back unchanged.
    let mut calls = 0;
    let e = stream_audio(&p, 10.0, &mut |_, _| {
        calls += 1;
        Err(crate::Error::InvalidArgument("stop".into()))
    })
    .unwrap_err();
    assert_eq!(calls, 1);
    assert!(matches!(e, crate::Error::InvalidArgument(ref m) if m == "stop"));
    // Not audio, missing: the same errors as read_audio.
    let junk = dir.path().join("junk.wav");
    std::fs::write(&junk, b"not audio at all").unwrap();
    let e = peaks_of_file(
        &junk,
        Zoom::default(),
        Bits::Sixteen,
        false,
        10.0,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(e, crate::Error::AudioFormat { .. }), "{e}");
    let e = peaks_of_file(
        Path::new("/nonexistent/a.wav"),
        Zoom::default(),
        Bits::Sixteen,
        false,
        10.0,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(e, crate::Error::NotFound { .. }), "{e}");
    // Truncated files never panic on the streaming path either.
    let bytes = encode(&audio, OutputFormat::Flac16, Path::new("t.flac")).unwrap();
    for n in (0..bytes.len()).step_by(4099) {
        let cut: std::sync::Arc<[u8]> = bytes[..n].into();
        let _ = peaks_of_encoded(
            cut,
            Path::new("t.flac"),
            Zoom::default(),
            Bits::Sixteen,
            false,
            10.0,
            &mut |_| {},
        );
    }
}

/// 16-bit PCM reaches the peaks as its integer values: every one of the 65,536, where decoding to
/// f32 (x / 32768) and converting back as float input (x * 32767, truncated) would put 65,535 of
/// them one step toward zero.
#[test]
fn sixteen_bit_pcm_peaks_are_its_integer_values() {
    use crate::io::{encode, OutputFormat};
    let dir = tempfile::tempdir().unwrap();
    let all: Vec<f32> = (i16::MIN..=i16::MAX)
        .map(|v| f32::from(v) / 32768.0)
        .collect();
    let audio = AudioBuffer::new(vec![all], 8_000).unwrap();
    for (fmt, name) in [
        (OutputFormat::Wav16, "all.wav"),
        (OutputFormat::Flac16, "all.flac"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, encode(&audio, fmt, &p).unwrap()).unwrap();
        let zoom = Zoom::SamplesPerPixel(1);
        let (peaks, _) = peaks_of_file(&p, zoom, Bits::Sixteen, false, 60.0, &mut |_| {}).unwrap();
        let values: Vec<i16> = (i16::MIN..=i16::MAX).collect();
        assert_eq!(peaks.length(), 65_536, "{name}");
        let mins: Vec<i16> = peaks.data.chunks_exact(2).map(|p| p[0]).collect();
        let maxs: Vec<i16> = peaks.data.chunks_exact(2).map(|p| p[1]).collect();
        assert_eq!(mins, values, "{name}");
        assert_eq!(maxs, values, "{name}");
        // The same audio given as floats keeps float input's arithmetic.
        let as_float = peaks_of(&audio, zoom, Bits::Sixteen, false, &p).unwrap();
        let off = as_float
            .data
            .iter()
            .zip(&peaks.data)
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(off, 2 * 65_535, "{name}");
    }
}

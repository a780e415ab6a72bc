#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::hydra::{name, op, Generator, Instrument, Preset, SampleHeader, Zone};
use super::riff::parse_layout;
use super::writer::{write_sf2, SampleData, Sf2, GUARD_POINTS as GUARD};
use super::*;
// The fork the engine plays with.
use rae_synth as rs;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

/// A generator in the tests' shorthand: (operator, amount).
type Gen = (u16, u16);

fn zone(gens: &[Gen]) -> Zone {
    Zone {
        generators: gens.iter().map(|&(o, a)| Generator::new(o, a)).collect(),
        modulators: Vec::new(),
    }
}

fn preset(preset_name: &str, program: u16, zones: Vec<Zone>) -> Preset {
    Preset {
        name: name(preset_name),
        program,
        bank: 0,
        library: 0,
        genre: 0,
        morphology: 0,
        zones,
    }
}

const FLUID: &str = "/usr/share/sounds/sf2/FluidR3_GM.sf2";
const TIM: &str = "/usr/share/sounds/sf2/TimGM6mb.sf2";
const MUSE_LITE: &str = "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3";

/// A Debian SoundFont that `make test` installs; a missing one fails the test.
fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
        panic!(
            "cannot read {path}: {e} (make test installs fluid-soundfont-gm, timgm6mb-soundfont \
             and musescore-general-soundfont-small)"
        )
    })
}

fn load(bytes: &[u8]) -> Result<Arc<rs::SoundFont>, String> {
    rs::SoundFont::from_bytes(bytes)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// Plays `notes` on each (bank, program) with the pitch bent up by 24 semitones on channel 1,
/// and returns the stereo output.
fn play(
    font: &Arc<rs::SoundFont>,
    rate: i32,
    patches: &[(u16, u16)],
    notes: &[i32],
    seconds: f64,
) -> (Vec<f32>, Vec<f32>) {
    let settings = rs::SynthesizerSettings::new(rate);
    let mut synth = rs::Synthesizer::new(font, &settings).unwrap();
    for (n, (bank, program)) in patches.iter().enumerate() {
        let ch = (n % 16) as i32;
        synth.process_midi_message(ch, 0xB0, 0x00, i32::from(*bank));
        synth.process_midi_message(ch, 0xC0, i32::from(*program), 0);
        if n % 2 == 1 {
            // Bend range 24 semitones, bent all the way up.
            synth.process_midi_message(ch, 0xB0, 0x65, 0);
            synth.process_midi_message(ch, 0xB0, 0x64, 0);
            synth.process_midi_message(ch, 0xB0, 0x06, 24);
            synth.process_midi_message(ch, 0xE0, 127, 127);
        }
        for &key in notes {
            synth.note_on(ch, key, 100);
        }
    }
    let frames = (f64::from(rate) * seconds) as usize;
    let mut left = vec![0f32; frames];
    let mut right = vec![0f32; frames];
    synth.render(&mut left, &mut right);
    (left, right)
}

fn peak(left: &[f32], right: &[f32]) -> f32 {
    left.iter().chain(right).fold(0f32, |m, x| m.max(x.abs()))
}

#[test]
fn real_sf2_fonts_prepare_load_and_play() {
    for path in [TIM, FLUID] {
        let bytes = read(path);
        let start = Instant::now();
        let (sf2, summary) = prepare(&bytes).unwrap();
        let took = start.elapsed();
        // Real fonts need no repair: prepare hands back the file's own bytes.
        assert!(matches!(sf2, Cow::Borrowed(_)), "{path} was rewritten");
        eprintln!(
            "{path}: {} presets, {} samples, {} bytes of PCM, {}, prepared in {took:?}",
            summary.presets.len(),
            summary.sample_count,
            summary.sample_data_bytes,
            if matches!(sf2, Cow::Borrowed(_)) {
                "unchanged"
            } else {
                "repaired"
            }
        );
        assert_eq!(summary.kind, SoundFontKind::Sf2);
        assert!(summary.presets.len() > 100);
        assert!(summary
            .presets
            .windows(2)
            .all(|w| (w[0].bank, w[0].program) <= (w[1].bank, w[1].program)));
        let font = load(&sf2).unwrap();
        assert_eq!(font.get_presets().len(), summary.presets.len());
        // The slice parser reads what the stream parser reads.
        let streamed = rs::SoundFont::new(&mut Cursor::new(&sf2[..])).unwrap();
        assert_eq!(streamed.get_wave_data(), font.get_wave_data());
        assert_eq!(
            streamed.get_sample_headers().len(),
            font.get_sample_headers().len()
        );
        let (l, r) = play(
            &font,
            22050,
            &[(0, 0), (0, 81), (128, 0)],
            &[36, 60, 127],
            0.2,
        );
        assert!(l.iter().chain(&r).all(|x| x.is_finite()));
        assert!(peak(&l, &r) > 1e-3);
        // Preparing the prepared font changes nothing.
        let (again, _) = prepare(&sf2).unwrap();
        assert!(matches!(again, Cow::Borrowed(_)));
    }
}

#[test]
fn sf3_converts_loads_and_renders() {
    let bytes = read(MUSE_LITE);
    let start = Instant::now();
    let (sf2, summary) = prepare(&bytes).unwrap();
    eprintln!(
        "{MUSE_LITE}: prepared in {:?}: {} presets, {} samples, {} bytes of PCM from {} \
         bytes of SF3",
        start.elapsed(),
        summary.presets.len(),
        summary.sample_count,
        summary.sample_data_bytes,
        bytes.len()
    );
    assert_eq!(summary.kind, SoundFontKind::Sf3);
    assert!(summary.name.starts_with("MuseScore_General_Lite"));
    assert!(summary.sample_data_bytes > bytes.len());
    let font = load(&sf2).unwrap();
    assert!(font
        .get_sample_headers()
        .iter()
        .all(|s| s.get_sample_type() & 0x10 == 0 && s.get_start() < s.get_end()));

    // Piano, strings, a drum kit: each renders a sensible note.
    for patch in [(0u16, 0u16), (0, 48), (128, 0)] {
        let (l, r) = play(&font, 44100, &[patch], &[60], 0.5);
        let p = peak(&l, &r);
        eprintln!("  patch {patch:?}: peak {p:.3}");
        assert!(l.iter().chain(&r).all(|x| x.is_finite()));
        // MuseScore's piano leans on velocity-to-filter modulators rustysynth ignores, which
        // leaves it at a 300 Hz cutoff and quiet (about -47 dBFS): still clearly audible.
        assert!(p > 1e-3, "patch {patch:?} is silent (peak {p})");
        assert!(p < 0.9, "patch {patch:?} is near clipping (peak {p})");
    }
    // The loops of a converted sample sit inside it (relative SF3 loop points).
    let piano = font
        .get_sample_headers()
        .iter()
        .find(|s| s.get_end_loop() > s.get_start_loop() + 8)
        .unwrap();
    assert!(piano.get_start() <= piano.get_start_loop());
    assert!(piano.get_end_loop() <= piano.get_end());
}

/// xorshift64*: deterministic variants without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Byte ranges of the pdta sub-chunks of a clean SF2.
fn pdta_chunks(bytes: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let layout = parse_layout(bytes).unwrap();
    let base = bytes.as_ptr() as usize;
    layout
        .pdta
        .iter()
        .map(|c| (c.id, c.at, c.data.as_ptr() as usize - base + c.data.len()))
        .collect()
}

/// Runs prepare, then loads and plays what it accepts; returns a description of a panic.
fn exercise(variant: &[u8]) -> Result<bool, String> {
    let prepared = catch_unwind(|| prepare(variant)).map_err(|_| "prepare panicked".to_string())?;
    let Ok((sf2, summary)) = prepared else {
        return Ok(false);
    };
    let font = match catch_unwind(AssertUnwindSafe(|| load(&sf2))) {
        Err(_) => return Err("rustysynth panicked loading the prepared font".into()),
        Ok(Err(e)) => return Err(format!("rustysynth refused the prepared font: {e}")),
        Ok(Ok(font)) => font,
    };
    let n = summary.presets.len();
    let patches: Vec<(u16, u16)> = [0, n / 3, n / 2, n.saturating_sub(1)]
        .iter()
        .filter_map(|&i| summary.presets.get(i))
        .map(|p| (p.bank, p.program))
        .collect();
    let (l, r) = catch_unwind(AssertUnwindSafe(|| {
        play(&font, 22050, &patches, &[0, 40, 64, 100, 127], 0.1)
    }))
    .map_err(|_| "rustysynth panicked rendering the prepared font".to_string())?;
    if !l.iter().chain(&r).all(|x| x.is_finite()) {
        return Err("rustysynth rendered non-finite samples".into());
    }
    Ok(true)
}

#[test]
fn damaged_fonts_never_panic() {
    let bytes = read(TIM);
    let start = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let chunks = pdta_chunks(&bytes);
    let pdta_start = chunks.iter().map(|c| c.1).min().unwrap();
    let mut variants: Vec<(String, Vec<u8>)> = Vec::new();

    // Truncations: at every chunk boundary (and one byte either side), and at random.
    let mut cuts: Vec<usize> = vec![0, 4, 8, 11, 12, 20, 100, 112, 500];
    for (_, at, end) in &chunks {
        cuts.extend([at - 1, *at, at + 4, at + 8, at + 9, end - 1]);
    }
    for _ in 0..40 {
        cuts.push(rng.below(bytes.len()));
    }
    for cut in cuts {
        variants.push((format!("truncated at {cut}"), bytes[..cut].to_vec()));
    }
    // Bit flips, mostly in the pdta chunks, some in the headers.
    for n in 0..320 {
        let mut v = bytes.clone();
        let mut what = String::new();
        for _ in 0..1 + rng.below(3) {
            let at = match n % 8 {
                0 => rng.below(pdta_start), // anywhere before pdta: RIFF, INFO, sdta headers
                1 => bytes.len() - 1 - rng.below(bytes.len() - pdta_start),
                _ => {
                    let (_, from, to) = chunks[rng.below(chunks.len())];
                    from + rng.below(to - from)
                }
            };
            let value = match rng.below(4) {
                0 => v[at] ^ (1 << rng.below(8)),
                1 => 0xFF,
                2 => 0,
                _ => rng.next() as u8,
            };
            what.push_str(&format!(" [{at}]={value:#04x}"));
            v[at] = value;
        }
        variants.push((format!("flipped{what}"), v));
    }

    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for (name, v) in &variants {
        match exercise(v) {
            Ok(true) => accepted += 1,
            Ok(false) => rejected += 1,
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    eprintln!(
        "{} variants: {accepted} accepted and played, {rejected} rejected, in {:?}",
        variants.len(),
        start.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A small SF3: the first four Ogg Vorbis samples of MuseScore_General_Lite, each in its own
/// looping zone of one instrument.
fn mini_sf3() -> Vec<u8> {
    let bytes = read(MUSE_LITE);
    let layout = parse_layout(&bytes).unwrap();
    let hydra = hydra::parse_hydra(&layout).unwrap();
    let picked: Vec<SampleHeader> = hydra.samples[..4].to_vec();
    let first = picked[0].start as usize;
    let last = picked[3].end as usize;
    let ogg = layout.smpl[first..last].to_vec();
    let samples: Vec<SampleHeader> = picked
        .iter()
        .map(|s| SampleHeader {
            start: s.start - first as u32,
            end: s.end - first as u32,
            ..*s
        })
        .collect();
    let zones = (0..4u16)
        .map(|n| {
            zone(&[
                (op::KEY_RANGE, (30 * n) | (30 * n + 29) << 8),
                (op::SAMPLE_MODES, 1),
                (op::SAMPLE_ID, n),
            ])
        })
        .collect();
    let font = Sf2 {
        info: vec![(*b"ifil", &[3, 0, 1, 0])],
        presets: vec![preset("Blocks", 0, vec![zone(&[(op::INSTRUMENT, 0)])])],
        instruments: vec![Instrument {
            name: name("Blocks"),
            zones,
        }],
        samples,
        sample_data: SampleData {
            stored: &ogg,
            ..Default::default()
        },
    };
    write_sf2(&font).unwrap()
}

/// Loads a variant as the engine does (SF3 samples decoded when a render needs them) and plays
/// every zone of the mini font: loading or rendering may fail, but must not panic or produce
/// non-finite samples.
fn exercise_on_demand(variant: &[u8]) -> Result<(), String> {
    use crate::demo::{write_smf, Note};
    let notes: Vec<Note> = [15u8, 45, 75, 105]
        .iter()
        .map(|&key| Note {
            start: 0,
            length: 240,
            channel: 0,
            key,
            velocity: 100,
        })
        .collect();
    let smf = write_smf(480, 240.0, &[(0, 0)], &notes, &[]);
    let played = catch_unwind(|| -> Option<bool> {
        let font = crate::synth::font::load_soundfont_bytes(variant, "variant.sf3").ok()?;
        let midi =
            crate::midi::MidiFile::parse(&smf, std::path::Path::new("n.mid"), &Default::default())
                .ok()?;
        let opts = crate::ops::RenderOptions {
            sample_rate: 22050,
            max_tail_s: 0.1,
            ..Default::default()
        };
        let audio = crate::ops::render_midi(&midi, &font, &opts).ok()?.audio;
        Some(audio.channels().iter().flatten().all(|x| x.is_finite()))
    })
    .map_err(|_| "loading or rendering panicked".to_string())?;
    match played {
        Some(false) => Err("non-finite samples".into()),
        _ => Ok(()),
    }
}

/// Lays `variant` out from a file without reading its sample data into memory, as the engine
/// loads a SF3 file: a font laid out so must be the one its bytes give. `Ok(false)` when the
/// file is left to be read whole (which the engine then does).
fn from_file_as_from_bytes(variant: &[u8]) -> Result<bool, String> {
    let mut file = tempfile::tempfile().map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut file, variant).map_err(|e| e.to_string())?;
    let Some((font, summary)) = prepare_lazily_from_file(&mut file) else {
        return Ok(false);
    };
    match prepare_lazily(variant) {
        Ok((Prepared::Sf3(bytes), s))
            if s == summary
                && bytes.hydra == font.hydra
                && bytes.points == font.points
                && bytes.samples == font.samples
                && bytes.smpl == font.smpl =>
        {
            Ok(true)
        }
        Ok(_) => Err("laid out from the file, it differs from the font its bytes give".into()),
        Err(e) => Err(format!(
            "laid out from the file, but its bytes are refused: {e}"
        )),
    }
}

#[test]
fn damaged_sf3_never_panics() {
    let bytes = mini_sf3();
    let (sf2, summary) = prepare(&bytes).unwrap();
    assert_eq!(summary.kind, SoundFontKind::Sf3);
    let font = load(&sf2).unwrap();
    let (l, r) = play(&font, 44100, &[(0, 0)], &[15, 45, 75, 105], 0.3);
    assert!(peak(&l, &r) > 0.01);
    assert_eq!(from_file_as_from_bytes(&bytes), Ok(true));

    let start = Instant::now();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let smpl_at = bytes.windows(4).position(|w| w == b"smpl").unwrap() + 8;
    let pdta_at = bytes.windows(4).position(|w| w == b"pdta").unwrap();
    let mut failures = Vec::new();
    let (mut accepted, mut rejected, mut from_file) = (0, 0, 0);
    for n in 0..160 {
        let mut v = bytes.clone();
        let name = if n % 5 == 0 {
            let cut = rng.below(v.len());
            v.truncate(cut);
            format!("truncated at {cut}")
        } else {
            // Mostly the Ogg data (pages, headers, packets), some the hydra.
            let at = if n % 5 < 4 {
                smpl_at + rng.below(pdta_at - smpl_at)
            } else {
                pdta_at + rng.below(v.len() - pdta_at)
            };
            v[at] ^= 1 << rng.below(8);
            format!("flipped bit at {at}")
        };
        match exercise(&v) {
            Ok(true) => accepted += 1,
            Ok(false) => rejected += 1,
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        if let Err(e) = exercise_on_demand(&v) {
            failures.push(format!("{name}, decoded on demand: {e}"));
        }
        match from_file_as_from_bytes(&v) {
            Ok(laid_out) => from_file += usize::from(laid_out),
            Err(e) => failures.push(format!("{name}, from a file: {e}")),
        }
    }
    eprintln!(
        "160 SF3 variants: {accepted} accepted and played, {rejected} rejected, {from_file} laid \
         out from a file without their samples, in {:?}",
        start.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// --- Small handmade fonts ------------------------------------------------------------

fn sample(sample_name: &str, start: u32, end: u32, loop_start: u32, loop_end: u32) -> SampleHeader {
    SampleHeader {
        name: name(sample_name),
        start,
        end,
        loop_start,
        loop_end,
        sample_rate: 44100,
        original_pitch: 60,
        pitch_correction: 0,
        link: 0,
        sample_type: 1,
    }
}

/// One preset, one instrument, one zone playing sample 0 with the given generators.
fn tiny_font(pcm: Vec<i16>, samples: Vec<SampleHeader>, gens: Vec<Gen>) -> Vec<u8> {
    tiny_font_with(pcm, samples, Vec::new(), gens)
}

fn tiny_font_with(
    pcm: Vec<i16>,
    samples: Vec<SampleHeader>,
    preset_gens: Vec<Gen>,
    gens: Vec<Gen>,
) -> Vec<u8> {
    write_tiny(&tiny_model(pcm, samples, preset_gens, gens))
}

fn write_tiny(font: &Sf2) -> Vec<u8> {
    write_sf2(font).unwrap()
}

fn tiny_model(
    pcm: Vec<i16>,
    samples: Vec<SampleHeader>,
    preset_gens: Vec<Gen>,
    gens: Vec<Gen>,
) -> Sf2<'static> {
    let mut preset_gens = preset_gens;
    preset_gens.push((op::INSTRUMENT, 0));
    let mut inst_gens = gens;
    if !inst_gens.iter().any(|g| g.0 == op::SAMPLE_ID) {
        inst_gens.push((op::SAMPLE_ID, 0));
    }
    Sf2 {
        info: vec![(*b"INAM", b"Tiny\0\0".as_slice())],
        presets: vec![preset("Test", 0, vec![zone(&preset_gens)])],
        instruments: vec![Instrument {
            name: name("Test"),
            zones: vec![zone(&inst_gens)],
        }],
        samples,
        sample_data: SampleData::from_points(pcm),
    }
}

fn saw(n: usize) -> Vec<i16> {
    (0..n).map(|i| ((i % 50) as i16 - 25) * 1000).collect()
}

#[test]
fn clean_font_is_borrowed() {
    let mut pcm = saw(1000);
    pcm.extend([0; GUARD]);
    let gens = vec![(op::KEY_RANGE, 48 | 72 << 8), (op::SAMPLE_MODES, 1)];
    let bytes = tiny_font(pcm, vec![sample("Saw", 0, 1000, 100, 900)], gens);
    let (sf2, summary) = prepare(&bytes).unwrap();
    assert!(matches!(sf2, Cow::Borrowed(_)));
    assert_eq!(summary.name, "Tiny");
    assert_eq!(
        summary.presets,
        vec![PresetSummary {
            bank: 0,
            program: 0,
            name: "Test".into()
        }]
    );
    assert_eq!(summary.sample_count, 1);
    assert_eq!(summary.sample_data_bytes, 2 * 1046);
}

#[test]
fn short_loops_play_without_repair() {
    // A 4-point loop near the end of the data, played far above its root key with the pitch
    // bent up 24 semitones: about 385 sample points per output sample, so every step passes
    // the loop many times. Upstream rustysynth walks out of such a loop and off the end of
    // the buffer (a panic); the fork wraps by whole loop lengths. prepare leaves it alone.
    let pcm = saw(1000);
    let bytes = tiny_font(pcm, vec![sample("Saw", 0, 999, 995, 999)], vec![(54, 1)]);
    let (sf2, _) = prepare(&bytes).unwrap();
    assert!(matches!(sf2, Cow::Borrowed(_)));
    let font = load(&sf2).unwrap();
    let s = &font.get_sample_headers()[0];
    assert_eq!((s.get_start_loop(), s.get_end_loop()), (995, 999));
    for rate in [22050, 44100, 96000] {
        let (l, r) = catch_unwind(|| play(&font, rate, &[(0, 0), (0, 0)], &[0, 60, 127], 0.5))
            .expect("the fork must not panic on a loop shorter than the pitch step");
        assert!(l.iter().chain(&r).all(|x| x.is_finite()));
        // The loop holds points of about 0.65 full scale: the held note is clearly audible,
        // to the end of the rendering.
        let tail = l.len() - l.len() / 5;
        assert!(peak(&l[tail..], &r[tail..]) > 1e-2, "rate {rate}");
    }

    // The same loop ending exactly at the end of the data gets the guard points.
    let bytes = tiny_font(
        saw(999),
        vec![sample("Saw", 0, 999, 995, 999)],
        vec![(54, 1)],
    );
    let (sf2, summary) = prepare(&bytes).unwrap();
    assert_eq!(summary.sample_data_bytes, 2 * (999 + GUARD));
    let font = load(&sf2).unwrap();
    let (l, r) = play(&font, 22050, &[(0, 0), (0, 0)], &[0, 60, 127], 0.3);
    assert!(l.iter().chain(&r).all(|x| x.is_finite()));
    assert!(peak(&l, &r) > 1e-2);
}

#[test]
fn sloppy_loops_are_repaired() {
    let mut pcm = saw(1000);
    pcm.extend([0; GUARD]);
    // Loop end past the data, loop start negative as i32: both reset to the sample bounds.
    let bytes = tiny_font(
        pcm,
        vec![sample("Saw", 0, 1000, u32::MAX, 5000)],
        vec![(op::KEY_RANGE, 48 | 72 << 8), (op::SAMPLE_MODES, 1)],
    );
    let (sf2, _) = prepare(&bytes).unwrap();
    assert!(matches!(sf2, Cow::Owned(_)));
    let font = load(&sf2).unwrap();
    let s = &font.get_sample_headers()[0];
    assert_eq!((s.get_start_loop(), s.get_end_loop()), (0, 1000));
    play(&font, 22050, &[(0, 0)], &[60], 0.1);

    // A short loop outside its sample but inside the data is left alone, and plays.
    let bytes = tiny_font(
        saw(2000),
        vec![sample("Saw", 0, 1000, 1500, 1504)],
        vec![(op::SAMPLE_MODES, 1)],
    );
    let (sf2, _) = prepare(&bytes).unwrap();
    assert!(matches!(sf2, Cow::Borrowed(_)));
    let font = load(&sf2).unwrap();
    let region = &font.get_instruments()[0].get_regions()[0];
    assert_eq!(region.get_sample_modes(), rs::LoopMode::Continuous);
    let (l, r) = play(&font, 22050, &[(0, 0), (0, 0)], &[127], 0.1);
    assert!(l.iter().chain(&r).all(|x| x.is_finite()));

    // A sample ending exactly at the end of the data gets guard points.
    let bytes = tiny_font(saw(1000), vec![sample("Saw", 0, 1000, 100, 900)], vec![]);
    let (sf2, summary) = prepare(&bytes).unwrap();
    assert_eq!(summary.sample_data_bytes, 2 * (1000 + GUARD));
    load(&sf2).unwrap();
}

#[test]
fn unstable_filter_and_infinite_gain_are_repaired() {
    let mut pcm = saw(1000);
    pcm.extend([0; GUARD]);
    let keys = (op::KEY_RANGE, 48 | 72 << 8);
    let render = |bytes: &[u8]| {
        let font = load(bytes).unwrap();
        let (l, r) = play(&font, 44100, &[(0, 0)], &[60], 0.5);
        l.iter().chain(&r).all(|x| x.is_finite())
    };
    // A preset offset of -4 dB on an instrument resonance of +2.8 dB sums to -1.2 dB, where
    // rustysynth's filter has a negative Q. A cutoff of about 2 kHz is inside the audio band.
    let bytes = tiny_font_with(
        pcm.clone(),
        vec![sample("Saw", 0, 1000, 100, 900)],
        vec![(op::INITIAL_FILTER_Q, (-40i16) as u16)],
        vec![
            keys,
            (op::SAMPLE_MODES, 1),
            (8, 7000),
            (op::INITIAL_FILTER_Q, 28),
        ],
    );
    eprintln!(
        "unprepared resonance renders finite samples: {}",
        render(&bytes)
    );
    let (sf2, _) = prepare(&bytes).unwrap();
    assert!(matches!(sf2, Cow::Owned(_)));
    assert!(render(&sf2));

    // modLfoToVolume at +3276.7 dB makes an infinite gain.
    let bytes = tiny_font(
        pcm,
        vec![sample("Saw", 0, 1000, 100, 900)],
        vec![keys, (op::SAMPLE_MODES, 1), (op::MOD_LFO_TO_VOLUME, 32767)],
    );
    eprintln!(
        "unprepared tremolo renders finite samples: {}",
        render(&bytes)
    );
    let (sf2, _) = prepare(&bytes).unwrap();
    assert!(render(&sf2));
}

#[test]
fn empty_presets_and_instruments_get_an_empty_zone() {
    let mut pcm = saw(1000);
    pcm.extend([0; GUARD]);
    let keys = (op::KEY_RANGE, 48 | 72 << 8);
    let mut model = tiny_model(
        pcm,
        vec![sample("Saw", 0, 1000, 100, 900)],
        vec![],
        vec![keys],
    );
    model.presets.push(preset("Test", 1, Vec::new()));
    model.instruments.push(Instrument {
        name: name("Nothing"),
        zones: Vec::new(),
    });
    let bytes = write_tiny(&model);
    assert!(load(&bytes).is_err(), "rustysynth refuses zoneless presets");
    let (sf2, summary) = prepare(&bytes).unwrap();
    assert_eq!(summary.presets.len(), 2);
    let font = load(&sf2).unwrap();
    play(&font, 22050, &[(0, 0), (0, 1)], &[60], 0.1);

    // An unused instrument whose zone is broken loses the zone; a used one is an error.
    model.presets.pop();
    model.instruments[1].zones.push(zone(&[(op::SAMPLE_ID, 9)]));
    let bytes = write_tiny(&model);
    let (sf2, _) = prepare(&bytes).unwrap();
    assert!(load(&sf2).unwrap().get_instruments()[1]
        .get_regions()
        .is_empty());
    model.presets[0].zones[0] = zone(&[(op::INSTRUMENT, 1)]);
    let e = prepare(&write_tiny(&model)).unwrap_err();
    assert!(matches!(
        e,
        SoundFontError::BadZone {
            instrument: 1,
            zone: 0,
            problem: ZoneProblem::MissingSample {
                sample: 9,
                count: 1
            },
            ..
        }
    ));
    let e = e.to_string();
    assert_eq!(
        e,
        "instrument 1 'Nothing' zone 0: refers to sample 9 but the font has 1 samples"
    );
}

#[test]
fn bad_fonts_are_rejected_with_a_reason() {
    let mut pcm = saw(1000);
    pcm.extend([0; GUARD]);
    let good = tiny_font(pcm.clone(), vec![sample("Saw", 0, 1000, 100, 900)], vec![]);
    let err = |bytes: &[u8]| {
        prepare(bytes)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };

    assert!(err(b"RIFX").contains("too short"));
    assert!(err(&good[..good.len() - 10]).contains("runs past the end of the file"));
    let mut v = good.clone();
    v[8..12].copy_from_slice(b"WAVE");
    assert!(err(&v).contains("'WAVE'"));

    let e = err(&tiny_font(
        pcm.clone(),
        vec![sample("Piano C4", 0, 5000, 100, 900)],
        vec![],
    ));
    assert!(
        e.contains("sample 0 'Piano C4' end 5000 is past the end of the sample data"),
        "{e}"
    );
    let e = err(&tiny_font(
        pcm.clone(),
        vec![sample("Empty", 10, 10, 10, 10)],
        vec![],
    ));
    assert!(e.contains("sample 0 'Empty' is empty"), "{e}");
    let e = err(&tiny_font(
        pcm.clone(),
        vec![sample("Saw", 0, 1000, 100, 900)],
        vec![(op::SAMPLE_ID, 7)],
    ));
    assert!(
        e.contains("refers to sample 7 but the font has 1 samples"),
        "{e}"
    );
    let e = err(&tiny_font(
        pcm.clone(),
        vec![sample("Saw", 0, 1000, 100, 900)],
        vec![(op::END_ADDRS_COARSE_OFFSET, 1)],
    ));
    assert!(e.contains("address offsets"), "{e}");

    // Hydra records: a pbag size that is not a multiple of 4, a decreasing bag index.
    let chunks = pdta_chunks(&good);
    let (_, pbag_at, _) = *chunks.iter().find(|c| &c.0 == b"pbag").unwrap();
    let mut v = good.clone();
    v[pbag_at + 4] += 1;
    let e = err(&v);
    assert!(
        e.contains("runs past") || e.contains("not a multiple of 4"),
        "{e}"
    );
    let (_, inst_at, _) = *chunks.iter().find(|c| &c.0 == b"inst").unwrap();
    let mut v = good.clone();
    v[inst_at + 8 + 20] = 5; // first instrument starts at bag 5
    let e = err(&v);
    assert!(e.contains("bag indices must not decrease"), "{e}");
    let (_, phdr_at, _) = *chunks.iter().find(|c| &c.0 == b"phdr").unwrap();
    let mut v = good.clone();
    v[phdr_at + 4..phdr_at + 8].copy_from_slice(&38u32.to_le_bytes());
    assert!(err(&v).contains("runs past") || err(&v).contains("no presets"));
}

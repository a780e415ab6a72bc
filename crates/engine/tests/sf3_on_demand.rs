//! SF3 samples decoded on demand, against the same font decoded whole: renders are identical
//! sample for sample; each sample is decoded once however many renders ask for it at the same
//! time; a sample that cannot be decoded fails the renders that play it, with a message naming
//! the font and the sample, and nothing else; the cache's budget bounds what a font keeps.
//! Inputs: Debian's MuseScore_General_Lite.sf3, FluidR3Mono_GM.sf3 and TimGM6mb.sf2 (`make
//! test` installs them), the MIDI files in tests/data, and songs written here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: failures should panic loudly

use std::sync::{Arc, Barrier, Mutex};

use rust_audio_engine::synth::soundfont::{prepare, prepare_lazily, Prepared};
use rust_audio_engine::{
    cache_stats, clear_cache, load_soundfont, load_soundfont_bytes, render, set_cache_budget,
    LoadedSoundFont, MidiSource, RenderOptions, SoundFontKind, SoundFontSource,
};

mod common;
use common::{font, lesson_midis, testdata_midis, FLUID_MONO, SF3, TIMGM};

/// Serialises the tests that load fonts through the process-wide cache or change its budget.
static CACHE: Mutex<()> = Mutex::new(());

fn cache_lock() -> std::sync::MutexGuard<'static, ()> {
    CACHE.lock().unwrap_or_else(|p| p.into_inner())
}

fn read(path: &str) -> Vec<u8> {
    font(path); // fails with the package to install when it is missing
    std::fs::read(path).unwrap()
}

/// A type-0 Standard MIDI File, 480 ticks per quarter note at 120 BPM, from (tick, message).
fn smf(mut events: Vec<(u32, Vec<u8>)>) -> Vec<u8> {
    events.sort_by_key(|(tick, _)| *tick);
    let end = events.last().map_or(0, |e| e.0);
    events.push((end, vec![0xFF, 0x2F, 0]));
    let mut track = Vec::new();
    let mut last = 0;
    for (tick, message) in events {
        let mut delta = tick - last;
        last = tick;
        let mut bytes = vec![(delta & 0x7F) as u8];
        delta >>= 7;
        while delta > 0 {
            bytes.insert(0, 0x80 | (delta & 0x7F) as u8);
            delta >>= 7;
        }
        track.extend(bytes);
        track.extend(message);
    }
    let mut out = b"MThd\0\0\0\x06\0\0\0\x01\x01\xE0MTrk".to_vec();
    out.extend((track.len() as u32).to_be_bytes());
    out.extend(track);
    out
}

/// A song that moves around the font: piano at three velocities over the keyboard, then a
/// program change to strings, a bank select to a variation, a bank with no presets (the
/// synthesizer falls back to bank 0), drums on channel 10 switching kits mid-song, then General
/// MIDI 2's rhythm bank on a melodic channel and its melody bank on channel 10.
fn program_changes() -> Vec<u8> {
    let mut ev: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut note = |tick: u32, channel: u8, key: u8, velocity: u8| {
        ev.push((tick, vec![0x90 | channel, key, velocity]));
        ev.push((tick + 200, vec![0x80 | channel, key, 0]));
    };
    for (i, key) in (21u8..=108).step_by(7).enumerate() {
        let t = i as u32 * 120;
        note(t, 0, key, [20, 70, 127][i % 3]);
        note(t, 9, 35 + (i as u8 % 12), 100);
    }
    for (i, key) in [48u8, 60, 72].into_iter().enumerate() {
        note(3000 + i as u32 * 240, 0, key, 90);
        note(5000 + i as u32 * 240, 0, key, 90);
        note(7000 + i as u32 * 240, 1, key, 90);
        note(7000 + i as u32 * 240, 9, 38 + i as u8, 90);
    }
    // General MIDI 2: the rhythm bank on channel 3 (the room kit) and the melody bank on 10.
    for (i, key) in [36u8, 40, 42, 49].into_iter().enumerate() {
        note(9000 + i as u32 * 240, 2, key, 100);
        note(9000 + i as u32 * 240, 9, key + 24, 100);
    }
    ev.push((2900, vec![0xC0, 48])); // strings
    ev.push((4900, vec![0xB0, 0, 8])); // bank 8: a variation, where the font has one
    ev.push((4900, vec![0xC0, 4]));
    ev.push((6900, vec![0xB0 | 1, 0, 100])); // bank 100 has nothing: program 33 of bank 0
    ev.push((6900, vec![0xC0 | 1, 33]));
    ev.push((6900, vec![0xC0 | 9, 25])); // another drum kit
    ev.push((8900, vec![0xB0 | 2, 0, 120])); // GM2 rhythm bank: kit 8 (room)
    ev.push((8900, vec![0xC0 | 2, 8]));
    ev.push((8900, vec![0xB0 | 9, 0, 121])); // GM2 melody bank: program 11 (vibraphone)
    ev.push((8900, vec![0xC0 | 9, 11]));
    smf(ev)
}

fn render_with(
    font: &Arc<LoadedSoundFont>,
    midi: &[u8],
) -> rust_audio_engine::Result<Vec<Vec<f32>>> {
    let source = SoundFontSource::Loaded(Arc::clone(font));
    let r = render(MidiSource::Bytes(midi), &source, &RenderOptions::default())?;
    Ok(r.audio.channels().to_vec())
}

fn songs() -> Vec<(String, Vec<u8>)> {
    let mut songs: Vec<(String, Vec<u8>)> = testdata_midis()
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    songs.extend(
        lesson_midis()
            .into_iter()
            .map(|(n, m, _)| (n.to_string(), m)),
    );
    songs.push(("program and bank changes".into(), program_changes()));
    songs
}

#[test]
fn on_demand_renders_equal_the_whole_font() {
    let bytes = read(SF3);
    let preloaded = Arc::new(load_soundfont_bytes(&bytes, SF3).unwrap());
    preloaded.preload_all().unwrap();
    let all = preloaded.summary.sample_count;
    let whole = preloaded.summary.sample_data_bytes;
    assert!(preloaded.memory_bytes() <= whole && preloaded.memory_bytes() > whole / 2);
    // The font converted whole to SF2 bytes, as the engine loaded SF3 fonts before.
    let (sf2, _) = prepare(&bytes).unwrap();
    let converted = Arc::new(load_soundfont_bytes(&sf2, "converted").unwrap());
    assert_eq!(converted.kind(), SoundFontKind::Sf2);
    for (name, midi) in songs() {
        // A fresh font for each song: every sample it plays must be found from its notes.
        let fresh = Arc::new(load_soundfont_bytes(&bytes, SF3).unwrap());
        assert_eq!((fresh.samples_decoded(), fresh.memory_bytes()), (0, 0));
        let on_demand = render_with(&fresh, &midi).unwrap();
        let decoded = fresh.samples_decoded();
        eprintln!(
            "{name}: {decoded} of {all} samples decoded, {} MB",
            fresh.memory_bytes() / 1_000_000
        );
        assert!(
            decoded > 0 && decoded < all / 2,
            "{name}: {decoded} samples decoded"
        );
        assert!(
            on_demand == render_with(&preloaded, &midi).unwrap(),
            "{name}: on demand differs from preloaded"
        );
        assert!(
            on_demand == render_with(&converted, &midi).unwrap(),
            "{name}: on demand differs from the SF2 conversion"
        );
        // A second render of the same song decodes nothing more.
        assert!(on_demand == render_with(&fresh, &midi).unwrap());
        assert_eq!(fresh.samples_decoded(), decoded);
    }
}

#[test]
fn a_file_loads_as_its_bytes_do() {
    // From a file, the font is read without its samples and measured through a small buffer.
    let _cache = cache_lock();
    let bytes = read(SF3);
    let from_bytes = Arc::new(load_soundfont_bytes(&bytes, SF3).unwrap());
    let from_file = load_soundfont(&font(SF3), u64::MAX).unwrap();
    assert_eq!(from_file.summary, from_bytes.summary);
    let song = program_changes();
    assert!(render_with(&from_file, &song).unwrap() == render_with(&from_bytes, &song).unwrap());
}

#[test]
fn concurrent_renders_decode_each_sample_once() {
    let bytes = read(SF3);
    let (_, lesson, _) = lesson_midis().swap_remove(1);
    let reference = Arc::new(load_soundfont_bytes(&bytes, SF3).unwrap());
    let expected = render_with(&reference, &lesson).unwrap();
    let once = reference.samples_decoded();
    assert!(once > 0);

    let shared = Arc::new(load_soundfont_bytes(&bytes, SF3).unwrap());
    let threads = 8;
    let start = Barrier::new(threads);
    let outputs: Vec<Vec<Vec<f32>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    render_with(&shared, &lesson).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(outputs.iter().all(|o| *o == expected));
    assert_eq!(
        shared.samples_decoded(),
        once,
        "{threads} renders decoded samples more than once"
    );
    assert_eq!(shared.memory_bytes(), reference.memory_bytes());
}

/// The samples that middle C at velocity 100 plays on the piano (preset 0:0), as the
/// synthesizer chooses them.
fn piano_c4_samples(bytes: &[u8]) -> Vec<usize> {
    let (Prepared::Sf3(sf3), _) = prepare_lazily(bytes).unwrap() else {
        panic!("not a SF3 font");
    };
    let hydra = rae_synth::SoundFont::without_wave_data(&sf3.hydra, sf3.points).unwrap();
    let piano = hydra
        .get_presets()
        .iter()
        .find(|p| p.get_bank_number() == 0 && p.get_patch_number() == 0)
        .unwrap();
    let mut samples = Vec::new();
    for region in piano.get_regions().iter().filter(|r| r.contains(60, 100)) {
        let instrument = &hydra.get_instruments()[region.get_instrument_id()];
        for zone in instrument
            .get_regions()
            .iter()
            .filter(|z| z.contains(60, 100))
        {
            samples.push(zone.get_sample_id());
        }
    }
    samples
}

#[test]
fn a_damaged_sample_fails_only_the_renders_that_play_it() {
    let _cache = cache_lock();
    let mut bytes = read(SF3);
    let sample = piano_c4_samples(&bytes)[0];
    // Break the Vorbis identification header of the sample's stream (its first packet, after
    // the first page's header). The page headers, which give the sample's length, stay intact:
    // the font loads, and the decoder finds the damage.
    let (Prepared::Sf3(sf3), _) = prepare_lazily(&bytes).unwrap() else {
        panic!("not a SF3 font");
    };
    let stream = sf3.smpl.start + sf3.samples[sample].bytes.start;
    let header = 27 + usize::from(bytes[stream + 26]);
    assert_eq!(&bytes[stream + header + 1..stream + header + 7], b"vorbis");
    bytes[stream + header + 1..stream + header + 7].copy_from_slice(b"broken");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.sf3");
    std::fs::write(&path, &bytes).unwrap();
    let damaged = load_soundfont(&SoundFontSource::Path(path.clone()), u64::MAX).unwrap();

    let c4 = smf(vec![(0, vec![0x90, 60, 100]), (480, vec![0x80, 60, 0])]);
    let strings = smf(vec![
        (0, vec![0xC0, 48]),
        (0, vec![0x90, 60, 100]),
        (480, vec![0x80, 60, 0]),
    ]);
    for _ in 0..2 {
        let held = damaged.memory_bytes();
        let e = render_with(&damaged, &c4).unwrap_err().to_string();
        eprintln!("{e}");
        let name = path.canonicalize().unwrap();
        assert!(e.contains(&name.display().to_string()), "{e}");
        assert!(e.contains(&format!("sample {sample} '")), "{e}");
        assert!(e.contains("Ogg Vorbis"), "{e}");
        assert_eq!(
            damaged.memory_bytes(),
            held,
            "a failed render changed the font"
        );
        // Other instruments still play.
        let audio = render_with(&damaged, &strings).unwrap();
        assert!(audio[0].iter().any(|x| x.abs() > 1e-3));
        assert!(damaged.memory_bytes() > 0);
    }
    // So does the same note through an intact copy of the font.
    let intact = Arc::new(load_soundfont_bytes(&read(SF3), SF3).unwrap());
    render_with(&intact, &c4).unwrap();
}

#[test]
fn the_cache_budget_bounds_what_a_font_keeps() {
    let _cache = cache_lock();
    let budget = cache_stats().budget_bytes;
    let (_, piano, _) = lesson_midis().swap_remove(0);
    let strings = smf(vec![
        (0, vec![0xC0, 48]),
        (0, vec![0x90, 48, 90]),
        (0, vec![0x90, 79, 90]),
        (960, vec![0x80, 48, 0]),
        (960, vec![0x80, 79, 0]),
    ]);
    let bytes = read(SF3);
    let alone = |midi: &[u8]| {
        let f = Arc::new(load_soundfont_bytes(&bytes, SF3).unwrap());
        render_with(&f, midi).unwrap();
        f.memory_bytes()
    };
    let (piano_bytes, strings_bytes) = (alone(&piano), alone(&strings));
    let guard = 2 * 46; // the guard points in front of the first sample

    // Within the budget, a font keeps what earlier renders decoded.
    set_cache_budget(1 << 40);
    let f = Arc::new(load_soundfont_bytes(&bytes, SF3).unwrap());
    render_with(&f, &piano).unwrap();
    render_with(&f, &strings).unwrap();
    assert_eq!(f.memory_bytes(), piano_bytes + strings_bytes - guard);

    // Beyond it, only what the render in hand needs (held even when it alone is too much).
    set_cache_budget(piano_bytes.max(strings_bytes));
    let f = Arc::new(load_soundfont_bytes(&bytes, SF3).unwrap());
    render_with(&f, &piano).unwrap();
    let decoded = f.samples_decoded();
    render_with(&f, &strings).unwrap();
    assert_eq!(f.memory_bytes(), strings_bytes);
    render_with(&f, &piano).unwrap();
    assert_eq!(f.memory_bytes(), piano_bytes);
    assert!(
        f.samples_decoded() > 2 * decoded,
        "the piano was not decoded again"
    );

    // A cached font that grows pushes the least recently used fonts out of the cache.
    clear_cache();
    set_cache_budget(1 << 40);
    let tim = load_soundfont(&font(TIMGM), u64::MAX).unwrap();
    // A SF2 file is read on demand too: read all of it, so that it holds its samples.
    tim.preload_all().unwrap();
    assert!(tim.memory_bytes() > 0);
    let sf3 = load_soundfont(&font(SF3), u64::MAX).unwrap();
    assert_eq!(cache_stats().fonts, 2);
    set_cache_budget(tim.memory_bytes() + 1);
    render_with(&sf3, &piano).unwrap();
    let stats = cache_stats();
    assert_eq!((stats.fonts, stats.bytes), (1, piano_bytes));
    set_cache_budget(budget);
    clear_cache();
}

#[test]
fn fluidr3_mono_sf3_loads_and_plays() {
    let _cache = cache_lock();
    // Its `smpl` chunk has an odd length and no RIFF pad byte after it.
    let bytes = read(FLUID_MONO);
    let smpl = bytes.windows(4).position(|w| w == b"smpl").unwrap();
    let size = u32::from_le_bytes(bytes[smpl + 4..smpl + 8].try_into().unwrap()) as usize;
    assert_eq!(size % 2, 1);
    assert_eq!(&bytes[smpl + 8 + size..smpl + 8 + size + 4], b"LIST");
    let f = load_soundfont(&font(FLUID_MONO), u64::MAX).unwrap();
    assert_eq!(f.kind(), SoundFontKind::Sf3);
    assert!(f.summary.presets.len() > 100);
    for (name, midi) in lesson_midis()
        .into_iter()
        .map(|(n, m, _)| (n.to_string(), m))
        .chain([("program and bank changes".to_string(), program_changes())])
    {
        let audio = render_with(&f, &midi).unwrap();
        let peak = audio.iter().flatten().fold(0f32, |m, x| m.max(x.abs()));
        assert!(peak > 0.01 && peak <= 0.8913, "{name}: peak {peak}");
    }
    assert!(f.samples_decoded() > 0 && f.samples_decoded() < f.summary.sample_count);
}

//! SF2 samples read from the file on demand, against the same font held whole in memory:
//! renders are identical sample for sample, a render reads only the samples its notes reach
//! (and holds only those in memory), a second render reads nothing more, a preload reads every
//! sample a preset plays, and a file rewritten since it was loaded is refused with a message.
//! Inputs: Debian's FluidR3_GM.sf2 and TimGM6mb.sf2 (`make test` installs them), the MIDI files
//! in tests/data and the lessons written by `common`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: failures should panic loudly

use std::sync::{Arc, Mutex};

use rust_audio_engine::{
    clear_cache, load_soundfont, load_soundfont_bytes, render, LoadedSoundFont, MidiSource,
    RenderOptions, SoundFontKind, SoundFontSource,
};

mod common;
use common::{font, lesson_midis, testdata_midis, FLUID, TIMGM};

/// Serialises the tests that load fonts through the process-wide cache.
static CACHE: Mutex<()> = Mutex::new(());

fn cache_lock() -> std::sync::MutexGuard<'static, ()> {
    CACHE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The font loaded from its file afresh (not from the cache): lazily, as the engine loads files.
fn lazy(path: &str) -> Arc<LoadedSoundFont> {
    font(path); // fails with the package to install when it is missing
    clear_cache();
    load_soundfont(&SoundFontSource::Path(path.into()), u64::MAX).unwrap()
}

/// The font held whole in memory, as the engine loads a font given as bytes.
fn whole(path: &str) -> Arc<LoadedSoundFont> {
    font(path);
    Arc::new(load_soundfont_bytes(&std::fs::read(path).unwrap(), path).unwrap())
}

fn render_with(font: &Arc<LoadedSoundFont>, midi: &[u8]) -> Vec<Vec<f32>> {
    let source = SoundFontSource::Loaded(Arc::clone(font));
    let options = RenderOptions {
        synth_effects: true,
        ..RenderOptions::default()
    };
    let r = render(MidiSource::Bytes(midi), &source, &options).unwrap();
    r.audio.channels().to_vec()
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
    songs
}

#[test]
fn lazily_read_renders_equal_the_whole_font() {
    let _cache = cache_lock();
    for path in [FLUID, TIMGM] {
        let resident = whole(path);
        let all_bytes = resident.memory_bytes();
        assert_eq!(resident.samples_decoded(), 0);
        for (name, midi) in songs() {
            // A fresh font for each song: every sample it plays must be found from its notes.
            let fresh = lazy(path);
            assert_eq!(fresh.kind(), SoundFontKind::Sf2);
            assert_eq!((fresh.samples_decoded(), fresh.memory_bytes()), (0, 0));
            let on_demand = render_with(&fresh, &midi);
            let read = fresh.samples_decoded();
            let held = fresh.memory_bytes();
            eprintln!(
                "{path} {name}: {read} of {} samples read, {} of {} MB held",
                fresh.summary.sample_count,
                held / 1_000_000,
                all_bytes / 1_000_000
            );
            assert!(read > 0 && held > 0, "{name}: nothing read");
            assert!(held < all_bytes, "{name}: the whole font was read");
            assert!(
                on_demand == render_with(&resident, &midi),
                "{path} {name}: read on demand differs from the whole font"
            );
            // A second render of the same song reads nothing more.
            assert!(on_demand == render_with(&fresh, &midi));
            assert_eq!(fresh.samples_decoded(), read);
        }
    }
}

#[test]
fn a_lesson_reads_a_small_part_of_a_large_font() {
    let _cache = cache_lock();
    let fresh = lazy(FLUID);
    let whole_bytes = fresh.summary.sample_data_bytes;
    let (name, midi, _) = lesson_midis().into_iter().next().unwrap();
    render_with(&fresh, &midi);
    // A piano lesson plays one preset of the 189 in FluidR3_GM (141 MB of samples).
    assert!(
        fresh.memory_bytes() * 4 < whole_bytes,
        "{name}: {} of {whole_bytes} bytes held",
        fresh.memory_bytes()
    );
}

#[test]
fn a_preload_reads_every_sample_a_preset_plays() {
    let _cache = cache_lock();
    let fresh = lazy(TIMGM);
    fresh.preload_all().unwrap();
    let read = fresh.samples_decoded();
    assert!(read > 0 && read <= fresh.summary.sample_count);
    // Nothing a song plays is read again afterwards.
    for (_, midi) in songs() {
        render_with(&fresh, &midi);
    }
    assert_eq!(fresh.samples_decoded(), read);
    // Every sample point the headers address that a preset plays is held, at most all of them.
    assert!(fresh.memory_bytes() <= fresh.summary.sample_data_bytes + 4096);
    assert!(fresh.memory_bytes() * 2 > fresh.summary.sample_data_bytes);
}

#[test]
fn a_font_rewritten_after_loading_is_refused_by_name() {
    let _cache = cache_lock();
    font(TIMGM);
    let dir = std::env::temp_dir().join(format!("rae-sf2-lazy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("copy.sf2");
    let bytes = std::fs::read(TIMGM).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    clear_cache();
    let loaded = load_soundfont(&SoundFontSource::Path(path.clone()), u64::MAX).unwrap();
    // Rewritten in place with a different size: the samples at the recorded places are gone.
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let (_, midi, _) = lesson_midis().into_iter().next().unwrap();
    let source = SoundFontSource::Loaded(Arc::clone(&loaded));
    let err = render(MidiSource::Bytes(&midi), &source, &RenderOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("copy.sf2") && message.contains("changed since it was loaded"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

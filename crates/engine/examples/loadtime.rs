//! Load-time stages of a SoundFont: `loadtime FONT`.
//!
//! Prints the stages of the two load paths, five times each: reading the file whole
//! (`fs::read`), `soundfont::prepare`, and parsing it (`SoundFont::from_bytes`); and the split read
//! `font.rs` uses for plain SF2 files (sample data converted while reading), `prepare`, and
//! `SoundFont::from_split`. Then the engine's own `load_soundfont` (cold cache) and
//! `load_soundfont_bytes`.
use std::borrow::Cow;
use std::path::PathBuf;
use std::time::Instant;

use rust_audio_engine::synth::soundfont::prepare;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(p) = std::env::args().nth(1) else {
        eprintln!("usage: loadtime FONT");
        std::process::exit(2);
    };
    let path = PathBuf::from(&p);
    for _ in 0..5 {
        let t = Instant::now();
        let b = std::fs::read(&p)?;
        let t1 = t.elapsed().as_secs_f64();
        let (sf2, _s) = prepare(&b)?;
        let t2 = t.elapsed().as_secs_f64();
        let owned = matches!(sf2, Cow::Owned(_));
        let f = rae_synth::SoundFont::from_bytes(&sf2)?;
        let t3 = t.elapsed().as_secs_f64();
        println!(
            "whole: read {t1:.3} prepare {:.3} (owned {owned}) parse {:.3} total {t3:.3} ({} samples)",
            t2 - t1,
            t3 - t2,
            f.get_wave_data().len()
        );
    }
    for _ in 0..5 {
        let t = Instant::now();
        let Some(split) = rae_synth::SplitSoundFontFile::read(&path)? else {
            println!("split: not a plain SF2, read whole");
            break;
        };
        let t1 = t.elapsed().as_secs_f64();
        let (bytes, wave) = split.into_parts();
        let (sf2, _s) = prepare(&bytes)?;
        let t2 = t.elapsed().as_secs_f64();
        let owned = matches!(sf2, Cow::Owned(_));
        let f = rae_synth::SoundFont::from_split(&sf2, wave)?;
        let t3 = t.elapsed().as_secs_f64();
        println!(
            "split: read+convert {t1:.3} prepare {:.3} (owned {owned}) parse {:.3} total {t3:.3} ({} samples)",
            t2 - t1,
            t3 - t2,
            f.get_wave_data().len()
        );
    }
    let source = rust_audio_engine::SoundFontSource::Path(path);
    let loaded = rust_audio_engine::load_soundfont(&source, u64::MAX)?;
    println!("load_soundfont (cold): {:.3}", loaded.load_seconds);
    let b = std::fs::read(&p)?;
    let loaded = rust_audio_engine::load_soundfont_bytes(&b, &p)?;
    println!("load_soundfont_bytes: {:.3}", loaded.load_seconds);
    Ok(())
}

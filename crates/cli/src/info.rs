//! `rae info`: a SoundFont's presets, or a MIDI file's summary (or, with `--json`, the engine's
//! whole MIDI document: summary, warnings, notes, parameters, texts, time signatures).

use std::path::{Path, PathBuf};

use clap::Args;
use rust_audio_engine as rae;

use crate::{warn, Failure};

#[derive(Args)]
pub(crate) struct InfoArgs {
    /// A .mid/.midi/.rmi or .sf2/.sf3 file, or "builtin".
    file: PathBuf,
    /// MIDI: print the whole description as one JSON document on stdout (summary, the reader's
    /// warnings, notes, registered parameters, texts, time signatures).
    #[arg(long)]
    json: bool,
    /// MIDI: refuse a file that needs a repair to be read, as `rae render --strict` does.
    #[arg(long)]
    strict: bool,
}

pub(crate) fn run(args: &InfoArgs) -> Result<(), Failure> {
    let file = &args.file;
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if ext == "sf2" || ext == "sf3" || file.as_os_str() == "builtin" {
        if args.json || args.strict {
            return Err(Failure::Usage(
                "--json and --strict describe MIDI files, not SoundFonts".into(),
            ));
        }
        return soundfont(file);
    }
    let limits = rae::Limits::default().midi_limits(args.strict);
    let info = rae::midi_info(rae::MidiSource::Path(file), &limits)?;
    warn(file, &info.warnings);
    if args.json {
        println!("{}", info.to_json()?);
    } else {
        print_midi(&info);
    }
    Ok(())
}

fn soundfont(file: &Path) -> Result<(), Failure> {
    let font = rae::load_soundfont(
        &rae::SoundFontSource::from_arg(&file.to_string_lossy()),
        rae::Limits::default().max_soundfont_bytes,
    )?;
    let s = &font.summary;
    println!("SoundFont: {}", font.label);
    println!("  kind: {:?}", s.kind);
    println!("  name: {}", s.name);
    if let Some(p) = &font.path {
        if let Ok(m) = std::fs::metadata(p) {
            println!("  file size: {} bytes", m.len());
        }
    }
    println!(
        "  samples: {} ({} bytes of PCM)",
        s.sample_count, s.sample_data_bytes
    );
    println!("  presets: {}", s.presets.len());
    for p in &s.presets {
        println!("    {:3}:{:3}  {}", p.bank, p.program, p.name);
    }
    println!("  load time: {:.3} s", font.load_seconds);
    Ok(())
}

fn print_midi(info: &rae::MidiInfo) {
    let s = &info.summary;
    println!("MIDI file: {}", info.file);
    println!("  format: {}", s.format);
    println!("  tracks: {}", s.tracks);
    match s.ticks_per_quarter {
        Some(t) => println!("  division: {t} ticks per quarter note"),
        None => println!("  division: SMPTE"),
    }
    println!("  duration: {:.2} s", s.duration_s);
    println!("  notes: {}", s.note_count);
    println!(
        "  initial tempo: {:.1} BPM ({} tempo events)",
        s.initial_bpm, s.tempo_changes
    );
    let chans: Vec<String> = s.channels.iter().map(|c| (c + 1).to_string()).collect();
    println!("  channels with notes (1-16): {}", chans.join(", "));
    let progs: Vec<String> = s
        .programs
        .iter()
        .map(|(c, p)| format!("ch{}:{}", c + 1, p))
        .collect();
    println!(
        "  programs: {}",
        if progs.is_empty() {
            "none".into()
        } else {
            progs.join(", ")
        }
    );
    if !s.track_names.is_empty() {
        println!("  track names: {}", s.track_names.join(" | "));
    }
    if !info.warnings.is_empty() {
        println!("  warnings: {} (on stderr)", info.warnings.len());
    }
}

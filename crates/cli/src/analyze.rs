//! `rae analyze`: pitch, notes, and optionally onsets, tempo and dynamics of a recording, as
//! JSON, as CSV files, or as a short summary for a person.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::ProgressStyle;
use rust_audio_engine as rae;
use rust_audio_engine::analysis as an;

use crate::Failure;

#[derive(Args)]
pub(crate) struct AnalyzeArgs {
    /// Audio file (WAV, FLAC, MP3, OGG).
    input: PathBuf,
    /// Write everything as one JSON document to this file.
    #[arg(long, value_name = "OUT.json", conflicts_with = "csv")]
    json: Option<PathBuf>,
    /// Write pitch.csv, notes.csv (and onsets.csv, beats.csv, dynamics.csv) into this directory.
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Pitch tracker: pyin (default; smoother, with voicing) or yin (faster).
    #[arg(long, value_name = "yin|pyin", default_value = "pyin")]
    pitch: String,
    /// Pitch hop in milliseconds (default: 10).
    #[arg(long, value_name = "MS")]
    hop_ms: Option<f64>,
    /// Also detect note onsets.
    #[arg(long)]
    onsets: bool,
    /// Also estimate the tempo and beat times.
    #[arg(long)]
    tempo: bool,
    /// Also measure levels: loudness (LUFS), loudness range, peaks, crest factor.
    #[arg(long)]
    dynamics: bool,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

/// Files longer than this get a progress bar.
const PROGRESS_MIN_S: f64 = 20.0;

struct Results {
    audio_s: f64,
    sample_rate: u32,
    channels: usize,
    track: an::PitchTrack,
    method: &'static str,
    notes: Vec<an::Note>,
    onsets: Option<Vec<an::Onset>>,
    tempo: Option<an::Tempo>,
    dynamics: Option<an::Dynamics>,
}

pub(crate) fn run(args: &AnalyzeArgs) -> Result<(), Failure> {
    let method: an::PitchMethod = args.pitch.parse()?;
    let audio = rae::read_audio(&args.input, rae::io::DEFAULT_MAX_INPUT_S)?;
    let mono = an::to_mono(&audio)?;
    let sr = audio.sample_rate;
    let hop_length = match args.hop_ms {
        Some(ms) if ms.is_finite() && ms > 0.0 => {
            Some(((ms / 1000.0 * f64::from(sr)).round() as usize).max(1))
        }
        Some(ms) => {
            return Err(Failure::Usage(format!(
                "--hop-ms must be a positive number of milliseconds, not {ms}"
            )))
        }
        None => None,
    };
    let params = an::PitchParams {
        method,
        hop_length,
        ..Default::default()
    };
    let long = audio.duration_s() >= PROGRESS_MIN_S;
    let bar = crate::progress_bar(None, args.quiet || !long);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg}")
    {
        bar.set_style(style);
    }
    bar.set_message("pitch");
    let pitch_share = if args.onsets || args.tempo {
        700.0
    } else {
        950.0
    };
    let progress = {
        let bar = bar.clone();
        rae::Progress::new(move |f| bar.set_position((f * pitch_share) as u64))
    };
    let track = an::analyze_pitch_mono_progress(&mono, sr, &params, &progress)?;
    bar.set_message("notes");
    let notes = an::notes_from_track(&track, Some(&mono), &an::NoteParams::default())?;
    let onsets = if args.onsets {
        bar.set_message("onsets");
        bar.set_position(pitch_share as u64);
        Some(an::detect_onsets(&audio, &an::OnsetParams::default())?)
    } else {
        None
    };
    let tempo = if args.tempo {
        bar.set_message("tempo");
        bar.set_position(850);
        Some(an::estimate_tempo(&audio, &an::TempoParams::default())?)
    } else {
        None
    };
    let dynamics = if args.dynamics {
        bar.set_message("dynamics");
        bar.set_position(950);
        Some(an::analyze_dynamics(
            &audio,
            &an::DynamicsParams::default(),
        )?)
    } else {
        None
    };
    bar.finish_and_clear();
    let r = Results {
        audio_s: audio.duration_s(),
        sample_rate: sr,
        channels: audio.channel_count(),
        track,
        method: match method {
            an::PitchMethod::Yin => "yin",
            an::PitchMethod::Pyin => "pyin",
        },
        notes,
        onsets,
        tempo,
        dynamics,
    };
    if let Some(path) = &args.json {
        write_file(path, json(&args.input, &r).as_bytes())?;
    } else if let Some(dir) = &args.csv {
        write_csv(dir, &r)?;
    } else {
        print!("{}", summary(&args.input, &r));
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes).map_err(|e| Failure::Engine(rae::Error::io(path, e)))
}

/// A JSON number, or `null` for NaN and infinities (JSON has neither).
fn num(x: f64) -> String {
    if x.is_finite() {
        let s = format!("{x}");
        s
    } else {
        "null".into()
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    let parts: Vec<String> = items.iter().map(f).collect();
    format!("[{}]", parts.join(","))
}

fn note_json(n: &an::Note) -> String {
    format!(
        "{{\"start_s\":{},\"end_s\":{},\"midi\":{},\"name\":{},\"cents\":{},\"f0_hz\":{},\"level_db\":{}}}",
        num(n.start_s),
        num(n.end_s),
        n.midi,
        json_string(&n.name()),
        num(f64::from(n.cents)),
        num(f64::from(n.f0_hz)),
        num(f64::from(n.level_db))
    )
}

fn json(input: &Path, r: &Results) -> String {
    let t = &r.track;
    let mut s = format!(
        "{{\"file\":{},\"duration_s\":{},\"sample_rate\":{},\"channels\":{},",
        json_string(&input.display().to_string()),
        num(r.audio_s),
        r.sample_rate,
        r.channels
    );
    let _ = write!(
        s,
        "\"pitch\":{{\"method\":\"{}\",\"frame_length\":{},\"hop_length\":{},\"times_s\":{},\"f0_hz\":{},\"voiced\":{},\"voiced_prob\":{}}},",
        r.method,
        t.frame_length,
        t.hop_length,
        list(&t.times_s, |&x| num(x)),
        list(&t.f0_hz, |&x| num(f64::from(x))),
        list(&t.voiced, |v| v.to_string()),
        list(&t.voiced_prob, |&x| num(f64::from(x)))
    );
    let _ = write!(s, "\"notes\":{}", list(&r.notes, note_json));
    if let Some(onsets) = &r.onsets {
        let _ = write!(
            s,
            ",\"onsets\":{}",
            list(onsets, |o| format!(
                "{{\"time_s\":{},\"strength\":{}}}",
                num(o.time_s),
                num(f64::from(o.strength))
            ))
        );
    }
    if let Some(tempo) = &r.tempo {
        let _ = write!(
            s,
            ",\"tempo\":{{\"bpm\":{},\"confidence\":{},\"beats_s\":{}}}",
            num(tempo.bpm),
            num(tempo.confidence),
            list(&tempo.beats_s, |&x| num(x))
        );
    }
    if let Some(d) = &r.dynamics {
        let _ = write!(
            s,
            ",\"dynamics\":{{\"integrated_lufs\":{},\"loudness_range_lu\":{},\"sample_peak_db\":{},\"true_peak_db\":{},\"rms_total_db\":{},\"crest_factor_db\":{}}}",
            num(d.integrated_lufs),
            num(d.loudness_range_lu),
            num(d.sample_peak_db),
            num(d.true_peak_db),
            num(d.rms_total_db),
            num(d.crest_factor_db)
        );
    }
    s.push_str("}\n");
    if let Some(d) = &r.dynamics {
        let _ = writeln!(
            s,
            "dynamics: {:.1} LUFS integrated, range {:.1} LU, true peak {:.1} dBTP, crest {:.1} dB",
            d.integrated_lufs, d.loudness_range_lu, d.true_peak_db, d.crest_factor_db
        );
    }
    s
}

fn write_csv(dir: &Path, r: &Results) -> Result<(), Failure> {
    std::fs::create_dir_all(dir).map_err(|e| Failure::Engine(rae::Error::io(dir, e)))?;
    let t = &r.track;
    let mut pitch = String::from("time_s,f0_hz,voiced,voiced_prob\n");
    for i in 0..t.len() {
        let f0 = if t.f0_hz[i].is_finite() {
            t.f0_hz[i].to_string()
        } else {
            String::new()
        };
        let _ = writeln!(
            pitch,
            "{:.6},{},{},{}",
            t.times_s[i],
            f0,
            u8::from(t.voiced[i]),
            t.voiced_prob[i]
        );
    }
    write_file(&dir.join("pitch.csv"), pitch.as_bytes())?;
    let mut notes = String::from("start_s,end_s,midi,name,cents,f0_hz,level_db\n");
    for n in &r.notes {
        let _ = writeln!(
            notes,
            "{:.6},{:.6},{},{},{:.1},{:.3},{:.2}",
            n.start_s,
            n.end_s,
            n.midi,
            n.name(),
            n.cents,
            n.f0_hz,
            n.level_db
        );
    }
    write_file(&dir.join("notes.csv"), notes.as_bytes())?;
    if let Some(onsets) = &r.onsets {
        let mut s = String::from("time_s,strength\n");
        for o in onsets {
            let _ = writeln!(s, "{:.6},{}", o.time_s, o.strength);
        }
        write_file(&dir.join("onsets.csv"), s.as_bytes())?;
    }
    if let Some(tempo) = &r.tempo {
        let mut s = format!(
            "# bpm={:.2} confidence={:.3}\nbeat_s\n",
            tempo.bpm, tempo.confidence
        );
        for b in &tempo.beats_s {
            let _ = writeln!(s, "{b:.6}");
        }
        write_file(&dir.join("beats.csv"), s.as_bytes())?;
    }
    if let Some(d) = &r.dynamics {
        let s = format!(
            "integrated_lufs,loudness_range_lu,sample_peak_db,true_peak_db,rms_total_db,crest_factor_db\n{},{},{},{},{},{}\n",
            d.integrated_lufs, d.loudness_range_lu, d.sample_peak_db, d.true_peak_db, d.rms_total_db, d.crest_factor_db
        );
        write_file(&dir.join("dynamics.csv"), s.as_bytes())?;
    }
    Ok(())
}

fn summary(input: &Path, r: &Results) -> String {
    let t = &r.track;
    let voiced = t.voiced.iter().filter(|&&v| v).count();
    let mut s = format!(
        "{}: {:.1} s, {} Hz, {} channel(s)\n",
        input.display(),
        r.audio_s,
        r.sample_rate,
        r.channels
    );
    let _ = writeln!(
        s,
        "pitch ({}): {} frames, {:.0}% voiced",
        r.method,
        t.len(),
        100.0 * voiced as f64 / t.len().max(1) as f64
    );
    let _ = writeln!(s, "notes: {}", r.notes.len());
    for n in r.notes.iter().take(12) {
        let _ = writeln!(
            s,
            "  {:>7.3}-{:<7.3} s  {:<4} {:+4.0} cents  {:6.1} dB",
            n.start_s,
            n.end_s,
            n.name(),
            n.cents,
            n.level_db
        );
    }
    if r.notes.len() > 12 {
        let _ = writeln!(
            s,
            "  ... ({} more; use --json or --csv)",
            r.notes.len() - 12
        );
    }
    if let Some(o) = &r.onsets {
        let _ = writeln!(s, "onsets: {}", o.len());
    }
    if let Some(tempo) = &r.tempo {
        let _ = writeln!(
            s,
            "tempo: {:.1} BPM ({} beats, confidence {:.2})",
            tempo.bpm,
            tempo.beats_s.len(),
            tempo.confidence
        );
    }
    if let Some(d) = &r.dynamics {
        let _ = writeln!(
            s,
            "dynamics: {:.1} LUFS integrated, range {:.1} LU, true peak {:.1} dBTP, crest {:.1} dB",
            d.integrated_lufs, d.loudness_range_lu, d.true_peak_db, d.crest_factor_db
        );
    }
    s
}

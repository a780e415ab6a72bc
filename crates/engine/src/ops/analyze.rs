//! The analysis operation: pitch, notes and (each when asked) onsets, dynamics and tempo of a
//! recording, from one decode in one pass. The onsets that split re-struck notes are the ones
//! reported. Its result serialises to the JSON the CLI writes and Python's `to_dict()` returns,
//! and gives the CLI's CSV tables.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::analysis::{
    analyze_dynamics, analyze_pitch_mono_progress, detect_onsets, estimate_tempo,
    notes_with_onsets, Dynamics, DynamicsParams, Note, NoteParams, OnsetParams, Onsets,
    PitchParams, PitchTrack, Tempo, TempoParams,
};
use crate::audio::AudioBuffer;
use crate::error::{catch_panics, Result};
use crate::io::{read_audio, DEFAULT_MAX_INPUT_S};
use crate::progress::Progress;

/// What to measure. The defaults measure everything at each part's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzeOptions {
    pub pitch: PitchParams,
    pub notes: NoteParams,
    /// Onsets to report, detected with these parameters (and then also the ones that split
    /// notes). `None` reports none; notes still split on onsets found at the defaults when
    /// `notes.split_on_onsets` is set.
    pub onsets: Option<OnsetParams>,
    pub dynamics: Option<DynamicsParams>,
    pub tempo: Option<TempoParams>,
    /// Fraction done, 0 to 1.
    pub progress: Progress,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        Self {
            pitch: PitchParams::default(),
            notes: NoteParams::default(),
            onsets: Some(OnsetParams::default()),
            dynamics: Some(DynamicsParams::default()),
            tempo: Some(TempoParams::default()),
            progress: Progress::default(),
        }
    }
}

/// Everything an analysis measured. Parts not asked for are `None` (`null` in JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The file analysed, when it came from one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub duration_s: f64,
    pub sample_rate: u32,
    pub channels: usize,
    pub pitch: PitchTrack,
    pub notes: Vec<Note>,
    pub onsets: Option<Onsets>,
    pub dynamics: Option<Dynamics>,
    pub tempo: Option<Tempo>,
}

/// Analyses `audio`.
pub fn analyze(audio: &AudioBuffer, opts: &AnalyzeOptions) -> Result<Analysis> {
    catch_panics(|| {
        let progress = &opts.progress;
        let sr = audio.sample_rate();
        let mono = audio.to_mono();
        let pitch_share = if opts.onsets.is_some() || opts.tempo.is_some() {
            0.7
        } else {
            0.95
        };
        let pitch =
            analyze_pitch_mono_progress(&mono, sr, &opts.pitch, &progress.span(0.0, pitch_share))?;
        let onset_params = opts
            .onsets
            .clone()
            .or_else(|| opts.notes.split_on_onsets.then(OnsetParams::default));
        let found = match &onset_params {
            Some(p) => detect_onsets(audio, p)?,
            None => Vec::new(),
        };
        progress.report(0.8);
        let notes = notes_with_onsets(&pitch, Some(&mono), &found, &opts.notes)?;
        let onsets = opts.onsets.as_ref().map(|p| Onsets::new(&found, p));
        let tempo = opts
            .tempo
            .as_ref()
            .map(|p| estimate_tempo(audio, p))
            .transpose()?;
        progress.report(0.9);
        let dynamics = opts
            .dynamics
            .as_ref()
            .map(|p| analyze_dynamics(audio, p))
            .transpose()?;
        progress.report(1.0);
        Ok(Analysis {
            file: None,
            duration_s: audio.duration_s(),
            sample_rate: sr,
            channels: audio.channel_count(),
            pitch,
            notes,
            onsets,
            dynamics,
            tempo,
        })
    })
}

/// Decodes and analyses an audio file.
pub fn analyze_file(path: &Path, opts: &AnalyzeOptions) -> Result<Analysis> {
    let audio = read_audio(path, DEFAULT_MAX_INPUT_S)?;
    let mut analysis = analyze(&audio, opts)?;
    analysis.file = Some(path.display().to_string());
    Ok(analysis)
}

impl Analysis {
    /// The analysis as one JSON document (non-finite numbers are `null`).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| crate::Error::Internal(format!("analysis to JSON: {e}")))
    }

    /// The analysis as CSV tables, one per part measured: `(file name, contents)`. Unvoiced f0
    /// is an empty cell.
    pub fn csv_tables(&self) -> Vec<(&'static str, String)> {
        let mut tables = Vec::new();
        let t = &self.pitch;
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
        tables.push(("pitch.csv", pitch));
        let mut notes = String::from("start_s,end_s,midi,name,cents,f0_hz,level_db\n");
        for n in &self.notes {
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
        tables.push(("notes.csv", notes));
        if let Some(o) = &self.onsets {
            let mut s = String::from("time_s,strength\n");
            for (t, st) in o.times_s.iter().zip(&o.strengths) {
                let _ = writeln!(s, "{t:.6},{st}");
            }
            tables.push(("onsets.csv", s));
        }
        if let Some(tempo) = &self.tempo {
            let mut s = format!(
                "# bpm={:.2} confidence={:.3}\nbeat_s\n",
                tempo.bpm, tempo.confidence
            );
            for b in &tempo.beats_s {
                let _ = writeln!(s, "{b:.6}");
            }
            tables.push(("beats.csv", s));
        }
        if let Some(d) = &self.dynamics {
            let s = format!(
                "integrated_lufs,loudness_range_lu,sample_peak_db,true_peak_db,rms_total_db,crest_factor_db\n{},{},{},{},{},{}\n",
                d.integrated_lufs, d.loudness_range_lu, d.sample_peak_db, d.true_peak_db, d.rms_total_db, d.crest_factor_db
            );
            tables.push(("dynamics.csv", s));
        }
        tables
    }

    /// A few lines for a person: durations, voicing, the first notes, and each part measured.
    pub fn summary(&self) -> String {
        let t = &self.pitch;
        let voiced = t.voiced.iter().filter(|&&v| v).count();
        let mut s = format!(
            "{}: {:.1} s, {} Hz, {} channel(s)\n",
            self.file.as_deref().unwrap_or("<audio>"),
            self.duration_s,
            self.sample_rate,
            self.channels
        );
        let _ = writeln!(
            s,
            "pitch ({}): {} frames, {:.0}% voiced",
            t.method.name(),
            t.len(),
            100.0 * voiced as f64 / t.len().max(1) as f64
        );
        let _ = writeln!(s, "notes: {}", self.notes.len());
        for n in self.notes.iter().take(12) {
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
        if self.notes.len() > 12 {
            let _ = writeln!(s, "  ... ({} more)", self.notes.len() - 12);
        }
        if let Some(o) = &self.onsets {
            let _ = writeln!(s, "onsets: {}", o.len());
        }
        if let Some(tempo) = &self.tempo {
            let _ = writeln!(
                s,
                "tempo: {:.1} BPM ({} beats, confidence {:.2})",
                tempo.bpm,
                tempo.beats_s.len(),
                tempo.confidence
            );
        }
        if let Some(d) = &self.dynamics {
            let _ = writeln!(
                s,
                "dynamics: {:.1} LUFS integrated, range {:.1} LU, true peak {:.1} dBTP, crest {:.1} dB",
                d.integrated_lufs, d.loudness_range_lu, d.true_peak_db, d.crest_factor_db
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(sr: u32, seconds: f64) -> AudioBuffer {
        let x: Vec<f32> = (0..(seconds * f64::from(sr)) as usize)
            .map(|i| {
                (0.3 * (std::f64::consts::TAU * 220.0 * i as f64 / f64::from(sr)).sin()) as f32
            })
            .collect();
        AudioBuffer::new(vec![x.clone(), x], sr).unwrap()
    }

    #[test]
    fn one_document_with_every_part() {
        let a = analyze(&tone(22_050, 1.0), &AnalyzeOptions::default()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&a.to_json().unwrap()).unwrap();
        for key in [
            "duration_s",
            "sample_rate",
            "channels",
            "pitch",
            "notes",
            "onsets",
            "dynamics",
            "tempo",
        ] {
            assert!(v.get(key).is_some(), "{key} missing");
        }
        assert!(v.get("file").is_none());
        assert_eq!(v["pitch"]["method"], "pyin");
        assert_eq!(v["notes"][0]["name"], "A3");
        assert_eq!(v["onsets"]["method"], "spectral_flux");
        let names: Vec<&str> = a.csv_tables().iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "pitch.csv",
                "notes.csv",
                "onsets.csv",
                "beats.csv",
                "dynamics.csv"
            ]
        );
    }

    #[test]
    fn parts_not_asked_are_null() {
        let opts = AnalyzeOptions {
            onsets: None,
            dynamics: None,
            tempo: None,
            ..Default::default()
        };
        let a = analyze(&tone(22_050, 0.5), &opts).unwrap();
        let v: serde_json::Value = serde_json::from_str(&a.to_json().unwrap()).unwrap();
        assert!(v["onsets"].is_null() && v["dynamics"].is_null() && v["tempo"].is_null());
        assert_eq!(a.csv_tables().len(), 2);
    }
}

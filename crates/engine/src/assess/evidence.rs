//! What a take shows: the notes it played and, for audio, how strongly the signal supports a
//! pitch over a span of time or an onset near an instant. The assessment reads a take only
//! through [`NoteEvidence`], so a new source of evidence (the polyphonic transcription's onset and
//! frame activations, 88 keys at about 86 frames a second, [`ActivationEvidence`]) plugs in by
//! implementing it.

use serde::Serialize;

use crate::analysis::{Note, Onset, PitchTrack};
use crate::midi::MidiNote;
use crate::transcribe::{Activations, TranscribedNote, KEYS, MIDI_OFFSET};

/// One note the player played, in the take's own time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformedNote {
    /// Onset in seconds from the start of the take.
    pub onset_s: f64,
    pub duration_s: f64,
    /// MIDI note number.
    pub pitch: u8,
    /// MIDI velocity (1-127). For audio an estimate from the note's level relative to the
    /// take's median level (see [`velocity_from_level`]).
    pub velocity: f32,
}

/// The evidence an assessment reads from a take.
///
/// - [`notes`](Self::notes): the notes found, sorted by onset (then pitch).
/// - [`support`](Self::support): how strongly `pitch` sounds over `t0..t1`, 0 to 1 (for MIDI the
///   share of the span a key of that pitch is held; for a pitch track the share of frames whose
///   f0 is within half a semitone of it).
/// - [`onset_support`](Self::onset_support): the onset of `pitch` nearest to `t` within `tol`
///   seconds, with its strength 0 to 1, or `None`.
/// - [`kind`](Self::kind): what the evidence is, for reports.
/// - [`acoustic`](Self::acoustic): whether the evidence comes from sound (where a note can be a
///   harmonic of another, and a weak one an artefact) rather than from key presses.
///
/// Implemented for MIDI takes ([`MidiEvidence`]), the monophonic pitch track
/// ([`PitchTrackEvidence`]) and the polyphonic transcription's activations
/// ([`ActivationEvidence`]).
pub trait NoteEvidence {
    fn notes(&self) -> &[PerformedNote];
    fn support(&self, pitch: u8, t0: f64, t1: f64) -> f32;
    fn onset_support(&self, pitch: u8, t: f64, tol: f64) -> Option<(f64, f32)>;
    fn acoustic(&self) -> bool;
    /// What the evidence is, for reports: `"midi"`, `"pitch_track"` or `"transcription"`.
    fn kind(&self) -> &'static str;
}

fn sort_notes(notes: &mut [PerformedNote]) {
    notes.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s).then(a.pitch.cmp(&b.pitch)));
}

/// A MIDI performance: every key press is a note, and evidence is exact.
#[derive(Debug, Clone)]
pub struct MidiEvidence {
    notes: Vec<PerformedNote>,
}

impl MidiEvidence {
    /// The notes of a MIDI take (all channels; drum channel 10 ignored).
    pub fn new(notes: &[MidiNote]) -> Self {
        let mut notes: Vec<PerformedNote> = notes
            .iter()
            .filter(|n| n.channel & 15 != 9)
            .map(|n| PerformedNote {
                onset_s: n.start_s,
                duration_s: n.duration_s.max(0.0),
                pitch: n.key,
                velocity: f32::from(n.velocity),
            })
            .collect();
        sort_notes(&mut notes);
        Self { notes }
    }

    /// Evidence from notes already in hand (tests, other sources of key presses).
    pub fn from_notes(mut notes: Vec<PerformedNote>) -> Self {
        notes.retain(|n| n.onset_s.is_finite() && n.duration_s.is_finite());
        sort_notes(&mut notes);
        Self { notes }
    }
}

impl NoteEvidence for MidiEvidence {
    fn notes(&self) -> &[PerformedNote] {
        &self.notes
    }

    fn support(&self, pitch: u8, t0: f64, t1: f64) -> f32 {
        let span = t1 - t0;
        if span <= 0.0 {
            return 0.0;
        }
        let held: f64 = self
            .notes
            .iter()
            .filter(|n| n.pitch == pitch)
            .map(|n| ((n.onset_s + n.duration_s).min(t1) - n.onset_s.max(t0)).max(0.0))
            .sum();
        (held / span).min(1.0) as f32
    }

    fn onset_support(&self, pitch: u8, t: f64, tol: f64) -> Option<(f64, f32)> {
        self.notes
            .iter()
            .filter(|n| n.pitch == pitch && (n.onset_s - t).abs() <= tol)
            .min_by(|a, b| (a.onset_s - t).abs().total_cmp(&(b.onset_s - t).abs()))
            .map(|n| (n.onset_s, 1.0))
    }

    fn acoustic(&self) -> bool {
        false
    }

    fn kind(&self) -> &'static str {
        "midi"
    }
}

/// A velocity for a level: 64 at the take's median level, rising and falling by a factor of ten
/// for each 40 dB (the usual MIDI velocity-to-amplitude curve), within 1..=127.
pub fn velocity_from_level(level_db: f32, median_db: f32) -> f32 {
    (64.0 * 10f32.powf((level_db - median_db) / 40.0)).clamp(1.0, 127.0)
}

/// A monophonic recording: the pYIN pitch track, the notes cut from it and the onsets found.
#[derive(Debug, Clone)]
pub struct PitchTrackEvidence {
    notes: Vec<PerformedNote>,
    times_s: Vec<f64>,
    /// Fractional MIDI number per frame, NaN where unvoiced.
    midi: Vec<f32>,
    onsets: Vec<f64>,
}

impl PitchTrackEvidence {
    pub fn new(track: &PitchTrack, notes: &[Note], onsets: &[Onset]) -> Self {
        let mut levels: Vec<f32> = notes
            .iter()
            .map(|n| n.level_db)
            .filter(|l| l.is_finite())
            .collect();
        levels.sort_by(f32::total_cmp);
        let median = levels.get(levels.len() / 2).copied().unwrap_or(-20.0);
        let mut performed: Vec<PerformedNote> = notes
            .iter()
            .map(|n| PerformedNote {
                onset_s: n.start_s,
                duration_s: n.duration_s().max(0.0),
                pitch: n.midi,
                velocity: if n.level_db.is_finite() {
                    velocity_from_level(n.level_db, median)
                } else {
                    64.0
                },
            })
            .collect();
        sort_notes(&mut performed);
        let midi = track
            .f0_hz
            .iter()
            .zip(&track.voiced)
            .map(|(&f, &v)| {
                if v && f.is_finite() && f > 0.0 {
                    69.0 + 12.0 * (f / 440.0).log2()
                } else {
                    f32::NAN
                }
            })
            .collect();
        let mut onsets: Vec<f64> = onsets.iter().map(|o| o.time_s).collect();
        onsets.sort_by(f64::total_cmp);
        Self {
            notes: performed,
            times_s: track.times_s.clone(),
            midi,
            onsets,
        }
    }
}

impl NoteEvidence for PitchTrackEvidence {
    fn notes(&self) -> &[PerformedNote] {
        &self.notes
    }

    fn support(&self, pitch: u8, t0: f64, t1: f64) -> f32 {
        let lo = self.times_s.partition_point(|&t| t < t0);
        let hi = self.times_s.partition_point(|&t| t <= t1);
        if hi <= lo {
            return 0.0;
        }
        let p = f32::from(pitch);
        let near = self.midi[lo..hi]
            .iter()
            .filter(|m| (*m - p).abs() <= 0.5)
            .count();
        near as f32 / (hi - lo) as f32
    }

    fn onset_support(&self, pitch: u8, t: f64, tol: f64) -> Option<(f64, f32)> {
        let lo = self.onsets.partition_point(|&o| o < t - tol);
        let hi = self.onsets.partition_point(|&o| o <= t + tol);
        self.onsets[lo..hi]
            .iter()
            .map(|&o| (o, self.support(pitch, o + 0.02, o + 0.12)))
            .filter(|&(_, s)| s >= 0.5)
            .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
    }

    fn acoustic(&self) -> bool {
        true
    }

    fn kind(&self) -> &'static str {
        "pitch_track"
    }
}

/// Smallest note activation at which a key counts as sounding (the transcription's frame
/// threshold).
const ACT_FRAME: f32 = 0.3;
/// Smallest onset activation peak that counts as a strike of a key.
const ACT_ONSET: f32 = 0.3;

/// A polyphonic recording: the transcription's notes, checked against the model's onset and
/// note activations (88 keys at about 86 frames a second).
#[derive(Debug, Clone)]
pub struct ActivationEvidence {
    notes: Vec<PerformedNote>,
    acts: Activations,
}

impl ActivationEvidence {
    /// Evidence from a transcription's notes and the activations they were made from. Velocities
    /// come from each note's peak onset activation relative to the take's median (a harder
    /// strike gives a stronger onset), on the scale of [`velocity_from_level`].
    pub fn new(notes: &[TranscribedNote], acts: Activations) -> Self {
        let strength = |n: &TranscribedNote| -> f32 {
            let key = usize::from(n.pitch.saturating_sub(MIDI_OFFSET));
            if key >= KEYS || acts.is_empty() {
                return f32::NAN;
            }
            let k = acts.frame_at(n.start_s);
            let lo = k.saturating_sub(2);
            let hi = (k + 3).min(acts.len());
            let peak = acts.onsets[lo..hi]
                .iter()
                .map(|f| f[key])
                .fold(0.0f32, f32::max);
            // Onset activation in dB, as a level.
            20.0 * peak.max(1e-3).log10()
        };
        let levels: Vec<f32> = notes.iter().map(strength).collect();
        let mut sorted: Vec<f32> = levels.iter().copied().filter(|l| l.is_finite()).collect();
        sorted.sort_by(f32::total_cmp);
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or(-6.0);
        let mut performed: Vec<PerformedNote> = notes
            .iter()
            .zip(&levels)
            .map(|(n, &l)| PerformedNote {
                onset_s: n.start_s,
                duration_s: (n.end_s - n.start_s).max(0.0),
                pitch: n.pitch,
                velocity: if l.is_finite() {
                    velocity_from_level(l, median)
                } else {
                    64.0
                },
            })
            .collect();
        sort_notes(&mut performed);
        Self {
            notes: performed,
            acts,
        }
    }

    fn key(pitch: u8) -> Option<usize> {
        let k = usize::from(pitch.checked_sub(MIDI_OFFSET)?);
        (k < KEYS).then_some(k)
    }

    /// Frames whose times lie within `t0..=t1`.
    fn frames(&self, t0: f64, t1: f64) -> std::ops::Range<usize> {
        if self.acts.is_empty() || t1 < 0.0 {
            return 0..0;
        }
        let lo = self.acts.frame_at(t0.max(0.0));
        let hi = self.acts.frame_at(t1) + 1;
        let lo = if self.acts.frame_time(lo) < t0 {
            lo + 1
        } else {
            lo
        };
        lo..hi.max(lo)
    }
}

impl NoteEvidence for ActivationEvidence {
    fn notes(&self) -> &[PerformedNote] {
        &self.notes
    }

    fn support(&self, pitch: u8, t0: f64, t1: f64) -> f32 {
        let Some(key) = Self::key(pitch) else {
            return 0.0;
        };
        let r = self.frames(t0, t1);
        if r.is_empty() {
            return 0.0;
        }
        let len = r.len();
        let on = self.acts.frames[r]
            .iter()
            .filter(|f| f[key] >= ACT_FRAME)
            .count();
        on as f32 / len as f32
    }

    fn onset_support(&self, pitch: u8, t: f64, tol: f64) -> Option<(f64, f32)> {
        let key = Self::key(pitch)?;
        let on = &self.acts.onsets;
        self.frames(t - tol, t + tol)
            .filter(|&k| {
                let v = on[k][key];
                let before = if k == 0 { 0.0 } else { on[k - 1][key] };
                let after = on.get(k + 1).map_or(0.0, |f| f[key]);
                v >= ACT_ONSET && v > before && v >= after
            })
            .map(|k| (self.acts.frame_time(k), on[k][key]))
            .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
    }

    fn acoustic(&self) -> bool {
        true
    }

    fn kind(&self) -> &'static str {
        "transcription"
    }
}

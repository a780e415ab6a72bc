//! Notes: a pitch track cut into the unit a teacher talks about (start, end, MIDI number, how
//! many cents sharp or flat, how loud). The segmenter reads one frame at a time with constant
//! memory, so the offline [`detect_notes`] and the streaming analyser share it.
//!
//! A note ends at a voicing gap or where the pitch moves more than `split_semitones` away from
//! the note's median and stays there, consistently, for `split_hold_s`; vibrato and scoops
//! shorter than that stay inside the note. Notes shorter than `min_note_s` are dropped.

use super::pitch::{analyze_pitch_mono, PitchParams, PitchTrack};
use crate::{AudioBuffer, Error, Result};

/// Note segmentation parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteParams {
    /// Shortest note kept (default 60 ms).
    pub min_note_s: f64,
    /// A pitch change larger than this (default 0.6 semitone) ...
    pub split_semitones: f64,
    /// ... held at least this long (default 50 ms) starts a new note.
    pub split_hold_s: f64,
    /// Also start a new note at an onset inside a note (a re-struck or re-tongued note of the
    /// same pitch), when the note has lasted `min_note_s` (default true).
    pub split_on_onsets: bool,
}

impl Default for NoteParams {
    fn default() -> Self {
        Self {
            min_note_s: 0.06,
            split_semitones: 0.6,
            split_hold_s: 0.05,
            split_on_onsets: true,
        }
    }
}

impl NoteParams {
    pub(crate) fn check(&self) -> Result<()> {
        let ok = |v: f64, lo: f64, hi: f64| v.is_finite() && (lo..=hi).contains(&v);
        if !ok(self.min_note_s, 0.0, 10.0) {
            return Err(Error::InvalidArgument(format!(
                "min_note_s must be within 0..=10 s, not {}",
                self.min_note_s
            )));
        }
        if !ok(self.split_semitones, 0.1, 12.0) {
            return Err(Error::InvalidArgument(format!(
                "split_semitones must be within 0.1..=12, not {}",
                self.split_semitones
            )));
        }
        if !ok(self.split_hold_s, 0.0, 1.0) {
            return Err(Error::InvalidArgument(format!(
                "split_hold_s must be within 0..=1 s, not {}",
                self.split_hold_s
            )));
        }
        Ok(())
    }
}

/// One note. Serialised with its `name` as well.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub start_s: f64,
    pub end_s: f64,
    /// Nearest MIDI note number to the median pitch (60 = middle C).
    pub midi: u8,
    /// Median deviation from `midi` in cents (-50..50; positive = sharp).
    pub cents: f32,
    /// Median f0 in Hz.
    pub f0_hz: f32,
    /// Mean level over the note in dBFS (RMS of the mono mix).
    pub level_db: f32,
}

impl Note {
    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }

    /// The note name in scientific pitch notation, e.g. `"C4"`, `"F#5"`.
    pub fn name(&self) -> String {
        const NAMES: [&str; 12] = [
            "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
        ];
        format!(
            "{}{}",
            NAMES[usize::from(self.midi % 12)],
            i32::from(self.midi) / 12 - 1
        )
    }
}

impl serde::Serialize for Note {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Note", 7)?;
        st.serialize_field("start_s", &self.start_s)?;
        st.serialize_field("end_s", &self.end_s)?;
        st.serialize_field("midi", &self.midi)?;
        st.serialize_field("name", &self.name())?;
        st.serialize_field("cents", &self.cents)?;
        st.serialize_field("f0_hz", &self.f0_hz)?;
        st.serialize_field("level_db", &self.level_db)?;
        st.end()
    }
}

/// What the segmenter reports as frames go by.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NoteEvent {
    /// A note has lasted `min_note_s`: its start and the pitch so far.
    Start(Note),
    /// A note has ended (only notes that were started).
    End(Note),
}

const CENTS_MIN_HZ: f64 = 8.175_798_9; // MIDI 0

/// Pitch histogram in cents above MIDI 0, 1-cent bins over the searched range.
#[derive(Debug, Clone)]
struct Histogram {
    lo: usize,
    counts: Vec<u32>,
    total: u32,
}

impl Histogram {
    fn new(fmin_hz: f64, fmax_hz: f64) -> Self {
        let lo = cents_of(fmin_hz).floor().max(0.0) as usize;
        let hi = cents_of(fmax_hz).ceil().max(0.0) as usize + 1;
        Self {
            lo,
            counts: vec![0; hi.saturating_sub(lo).max(1)],
            total: 0,
        }
    }
    fn index(&self, c: f64) -> usize {
        (c.round().max(0.0) as usize)
            .saturating_sub(self.lo)
            .min(self.counts.len() - 1)
    }
    fn add(&mut self, c: f64) {
        let i = self.index(c);
        self.counts[i] += 1;
        self.total += 1;
    }
    fn remove(&mut self, c: f64) {
        let i = self.index(c);
        if self.counts[i] > 0 {
            self.counts[i] -= 1;
            self.total -= 1;
        }
    }
    fn clear(&mut self) {
        if self.total > 0 {
            self.counts.fill(0);
            self.total = 0;
        }
    }
    /// Median in cents above MIDI 0 (the mean of the two middle values for an even count).
    fn median(&self) -> f64 {
        if self.total == 0 {
            return f64::NAN;
        }
        let (a, b) = ((self.total - 1) / 2, self.total / 2);
        let (mut va, mut vb) = (None, None);
        let mut seen = 0u32;
        for (i, &n) in self.counts.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let next = seen + n;
            if va.is_none() && a < next {
                va = Some(i);
            }
            if b < next {
                vb = Some(i);
                break;
            }
            seen = next;
        }
        let (va, vb) = (va.unwrap_or(0), vb.unwrap_or(0));
        (va + vb) as f64 / 2.0 + self.lo as f64
    }
}

fn cents_of(f0_hz: f64) -> f64 {
    1200.0 * (f0_hz / CENTS_MIN_HZ).log2()
}

/// A frame waiting to see whether a pitch change holds.
#[derive(Debug, Clone, Copy)]
struct Pending {
    time_s: f64,
    cents: f64,
    power: f64,
}

/// The note being built.
#[derive(Debug, Clone)]
struct Current {
    start_s: f64,
    last_s: f64,
    power_sum: f64,
    frames: usize,
    started: bool,
}

/// Frame-by-frame note segmentation with constant memory.
#[derive(Debug, Clone)]
pub(crate) struct NoteSegmenter {
    params: NoteParams,
    half_hop_s: f64,
    hist: Histogram,
    cur: Option<Current>,
    /// Frames that deviate from the note's median (at most `split_hold_s / hop + 1`).
    run: Vec<Pending>,
    max_run: usize,
    /// An onset waiting for the first frame at or after it.
    onset: Option<f64>,
}

impl NoteSegmenter {
    pub(crate) fn new(params: &NoteParams, hop_s: f64, fmin_hz: f64, fmax_hz: f64) -> Result<Self> {
        params.check()?;
        let max_run = (params.split_hold_s / hop_s).ceil() as usize + 1;
        Ok(Self {
            params: params.clone(),
            half_hop_s: hop_s / 2.0,
            hist: Histogram::new(fmin_hz, fmax_hz),
            cur: None,
            run: Vec::with_capacity(max_run),
            max_run,
            onset: None,
        })
    }

    fn note(&self, cur: &Current, end_s: f64) -> Note {
        let c = self.hist.median();
        let midi_f = c / 100.0;
        let midi = midi_f.round().clamp(0.0, 127.0);
        let mean_power = cur.power_sum / cur.frames.max(1) as f64;
        Note {
            start_s: cur.start_s,
            end_s,
            midi: midi as u8,
            cents: ((midi_f - midi) * 100.0) as f32,
            f0_hz: (CENTS_MIN_HZ * 2f64.powf(c / 1200.0)) as f32,
            level_db: (10.0 * mean_power.max(1e-20).log10()) as f32,
        }
    }

    /// Closes the current note (if any) at `end_s`.
    fn close(&mut self, end_s: f64, out: &mut Vec<NoteEvent>) {
        if let Some(cur) = self.cur.take() {
            if cur.started || end_s - cur.start_s >= self.params.min_note_s {
                let note = self.note(&cur, end_s);
                if !cur.started {
                    out.push(NoteEvent::Start(note.clone()));
                }
                out.push(NoteEvent::End(note));
            }
        }
        self.hist.clear();
        self.run.clear();
    }

    /// Reports an onset; give it before the first frame at or after its time.
    pub(crate) fn onset(&mut self, time_s: f64) {
        self.onset = Some(time_s);
    }

    /// Feeds one frame: its time, f0 (NaN when unvoiced) and mean-square level.
    pub(crate) fn push(&mut self, time_s: f64, f0_hz: f32, power: f32, out: &mut Vec<NoteEvent>) {
        let power = f64::from(power);
        if let Some(t) = self.onset {
            if time_s >= t {
                self.onset = None;
                let voiced = f0_hz.is_finite() && f0_hz > 0.0;
                // A re-struck note: end the sounding note at the onset, start anew here.
                if let (true, Some(cur)) = (voiced, &self.cur) {
                    let boundary = t.max(cur.last_s).min(time_s);
                    if boundary - cur.start_s >= self.params.min_note_s {
                        self.close(boundary, out);
                        let c = cents_of(f64::from(f0_hz));
                        self.cur = Some(Current {
                            start_s: boundary,
                            last_s: time_s,
                            power_sum: power,
                            frames: 1,
                            started: false,
                        });
                        self.hist.add(c);
                        return;
                    }
                }
            }
        }
        if !(f0_hz.is_finite() && f0_hz > 0.0) {
            if let Some(cur) = &self.cur {
                let end = cur.last_s + self.half_hop_s;
                self.close(end, out);
            }
            return;
        }
        let c = cents_of(f64::from(f0_hz));
        let Some(cur) = self.cur.as_mut() else {
            self.cur = Some(Current {
                start_s: time_s - self.half_hop_s,
                last_s: time_s,
                power_sum: power,
                frames: 1,
                started: false,
            });
            self.hist.add(c);
            return;
        };
        cur.last_s = time_s;
        cur.power_sum += power;
        cur.frames += 1;
        let median = self.hist.median();
        self.hist.add(c);
        let split = 100.0 * self.params.split_semitones;
        if (c - median).abs() > split {
            // A deviating run continues only while it stays together (a glide restarts it).
            if let Some(first) = self.run.first() {
                if (c - first.cents).abs() > split || self.run.len() >= self.max_run {
                    self.run.clear();
                }
            }
            self.run.push(Pending {
                time_s,
                cents: c,
                power,
            });
            let held = time_s - self.run[0].time_s + 2.0 * self.half_hop_s;
            if held >= self.params.split_hold_s {
                self.split(out);
            }
        } else {
            self.run.clear();
        }
        self.start_if_long(out);
    }

    /// The deviating run held: the current note ends where it began and a new note starts.
    fn split(&mut self, out: &mut Vec<NoteEvent>) {
        let run = std::mem::take(&mut self.run);
        let Some(mut cur) = self.cur.take() else {
            return;
        };
        let boundary = run[0].time_s - self.half_hop_s;
        for p in &run {
            self.hist.remove(p.cents);
            cur.power_sum -= p.power;
            cur.frames -= 1;
        }
        self.cur = Some(cur.clone());
        self.close(boundary, out);
        self.cur = Some(Current {
            start_s: boundary,
            last_s: run[run.len() - 1].time_s,
            power_sum: run.iter().map(|p| p.power).sum(),
            frames: run.len(),
            started: false,
        });
        for p in &run {
            self.hist.add(p.cents);
        }
        self.run = run;
        self.run.clear();
    }

    fn start_if_long(&mut self, out: &mut Vec<NoteEvent>) {
        let Some(cur) = &self.cur else { return };
        let end = cur.last_s + self.half_hop_s;
        if !cur.started && end - cur.start_s >= self.params.min_note_s {
            let note = self.note(cur, end);
            out.push(NoteEvent::Start(note));
            if let Some(cur) = self.cur.as_mut() {
                cur.started = true;
            }
        }
    }

    /// Ends the note in progress (end of input).
    pub(crate) fn flush(&mut self, out: &mut Vec<NoteEvent>) {
        if let Some(cur) = &self.cur {
            let end = cur.last_s + self.half_hop_s;
            self.close(end, out);
        }
    }
}

/// Notes of a pitch track. `mono` (the analysed signal) gives each note's level and, with
/// `split_on_onsets`, the onsets that split re-struck notes; without it levels are NaN.
pub fn notes_from_track(
    track: &PitchTrack,
    mono: Option<&[f32]>,
    params: &NoteParams,
) -> Result<Vec<Note>> {
    let onsets = match (params.split_on_onsets, mono) {
        (true, Some(m)) if !track.is_empty() => {
            let audio = AudioBuffer::new(vec![m.to_vec()], track.sample_rate)?;
            super::detect_onsets(&audio, &super::OnsetParams::default())?
        }
        _ => Vec::new(),
    };
    notes_with_onsets(track, mono, &onsets, params)
}

/// [`notes_from_track`] with the onsets that split re-struck notes already detected (with the
/// default [`super::OnsetParams`], in time order), for callers that report them too.
pub fn notes_with_onsets(
    track: &PitchTrack,
    mono: Option<&[f32]>,
    onsets: &[super::Onset],
    params: &NoteParams,
) -> Result<Vec<Note>> {
    if track.is_empty() {
        params.check()?;
        return Ok(Vec::new());
    }
    let sr = f64::from(track.sample_rate.max(1));
    let hop_s = track.hop_length as f64 / sr;
    let (lo, hi) = track
        .f0_hz
        .iter()
        .filter(|f| f.is_finite())
        .fold((f64::INFINITY, 0.0f64), |(a, b), &f| {
            (a.min(f64::from(f)), b.max(f64::from(f)))
        });
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (20.0, 40.0) };
    let onsets = if params.split_on_onsets { onsets } else { &[] };
    let mut seg = NoteSegmenter::new(params, hop_s, lo, hi)?;
    let mut events = Vec::new();
    let mut next_onset = onsets.iter().peekable();
    for i in 0..track.len() {
        let t = track.times_s[i];
        while let Some(o) = next_onset.next_if(|o| o.time_s <= t) {
            seg.onset(o.time_s);
        }
        seg.push(t, track.f0_hz[i], 0.0, &mut events);
    }
    seg.flush(&mut events);
    let mut notes: Vec<Note> = events
        .into_iter()
        .filter_map(|e| match e {
            NoteEvent::End(n) => Some(n),
            NoteEvent::Start(_) => None,
        })
        .collect();
    for n in &mut notes {
        n.level_db = match mono {
            Some(m) => super::level_db(m, track.sample_rate, n.start_s, n.end_s),
            None => f32::NAN,
        };
    }
    Ok(notes)
}

/// Pitch track and notes of a recording (channels mixed to mono).
pub fn detect_notes(
    audio: &AudioBuffer,
    pitch: &PitchParams,
    params: &NoteParams,
) -> Result<(PitchTrack, Vec<Note>)> {
    params.check()?;
    let mono = audio.to_mono();
    let track = analyze_pitch_mono(&mono, audio.sample_rate(), pitch)?;
    let notes = notes_from_track(&track, Some(&mono), params)?;
    Ok((track, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(f0: &[f32], hop_s: f64) -> PitchTrack {
        PitchTrack {
            method: crate::analysis::PitchMethod::Pyin,
            times_s: (0..f0.len()).map(|i| i as f64 * hop_s).collect(),
            f0_hz: f0.to_vec(),
            voiced: f0.iter().map(|f| f.is_finite()).collect(),
            voiced_prob: vec![1.0; f0.len()],
            sample_rate: 1000,
            hop_length: (hop_s * 1000.0).round() as usize,
            frame_length: 64,
        }
    }

    #[test]
    fn histogram_median() {
        let mut h = Histogram::new(100.0, 1000.0);
        for c in [cents_of(200.0), cents_of(220.0), cents_of(440.0)] {
            h.add(c);
        }
        assert!((h.median() - cents_of(220.0)).abs() < 0.6);
        h.remove(cents_of(440.0));
        assert!((h.median() - (cents_of(200.0) + cents_of(220.0)) / 2.0).abs() < 1.0);
    }

    #[test]
    fn gaps_and_held_changes_split_vibrato_does_not() {
        let nan = f32::NAN;
        let a4 = 440.0f32;
        let b4 = 493.88f32;
        let mut f = Vec::new();
        // 300 ms of A4 with +-40 cent vibrato, a 30 ms gap, 200 ms A4, then 200 ms B4 legato,
        // then a 40 ms blip (too short to be a note).
        for i in 0..30 {
            f.push(a4 * 2f32.powf(0.4 / 12.0 * (i as f32 * 0.35).sin()));
        }
        f.extend([nan; 3]);
        f.extend([a4; 20]);
        f.extend([b4; 20]);
        f.extend([nan; 5]);
        f.extend([a4; 4]);
        let notes = notes_from_track(&track(&f, 0.01), None, &NoteParams::default()).unwrap();
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert_eq!(notes[0].midi, 69);
        assert!(notes[0].cents.abs() < 15.0, "{}", notes[0].cents);
        assert!((notes[0].end_s - 0.295).abs() < 1e-9);
        assert_eq!(notes[1].midi, 69);
        assert_eq!(notes[2].midi, 71);
        assert!((notes[2].start_s - notes[1].end_s).abs() < 1e-9);
        assert!(
            (notes[2].start_s - 0.525).abs() < 1e-9,
            "{}",
            notes[2].start_s
        );
        assert_eq!(notes[2].name(), "B4");
        assert!(notes[0].level_db.is_nan());
    }

    #[test]
    fn bad_parameters_are_errors() {
        let p = NoteParams {
            min_note_s: -1.0,
            ..Default::default()
        };
        assert!(
            matches!(notes_from_track(&track(&[], 0.01), None, &p), Err(Error::InvalidArgument(m)) if m.contains("min_note_s"))
        );
    }
}

//! What a parsed file holds, in the terms a musician uses: counts, channels and programs, the
//! notes with their lengths, the texts and lyrics, and the time signatures.

use serde::Serialize;

use super::{EventKind, MidiFile};

/// A summary of a MIDI file for `rae info` and `midi_info()`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MidiSummary {
    pub format: u16,
    pub tracks: usize,
    pub ticks_per_quarter: Option<u16>,
    pub duration_s: f64,
    pub note_count: usize,
    /// Channels (0-based) that play at least one note.
    pub channels: Vec<u8>,
    /// (channel, program) pairs from program changes, in order of first appearance.
    pub programs: Vec<(u8, u8)>,
    pub tempo_changes: usize,
    /// Initial tempo in quarter notes per minute.
    pub initial_bpm: f64,
    pub track_names: Vec<String>,
}

/// A note: a note-on and the note-off that ends it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MidiNote {
    /// Seconds from the start of the song.
    pub start_s: f64,
    /// Seconds until its note-off (or the end of the song when it has none).
    pub duration_s: f64,
    /// 0-based (channel 10 of General MIDI, the drums, is 9).
    pub channel: u8,
    /// MIDI key number (60 is middle C).
    pub key: u8,
    pub velocity: u8,
    /// Index of the track it came from.
    pub track: u16,
}

/// A text meta event (text, copyright, track name, instrument, lyric, marker, cue point, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MidiText {
    pub time_s: f64,
    pub track: u16,
    /// `text`, `copyright`, `track_name`, `instrument`, `lyric`, `marker`, `cue_point`,
    /// `program_name`, `device_name`, or `text_0x..` for the others.
    pub kind: String,
    pub text: String,
}

/// A time signature meta event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeSignature {
    pub time_s: f64,
    pub numerator: u8,
    pub denominator: u32,
}

fn text_kind(kind: u8) -> String {
    match kind {
        0x01 => "text".into(),
        0x02 => "copyright".into(),
        0x03 => "track_name".into(),
        0x04 => "instrument".into(),
        0x05 => "lyric".into(),
        0x06 => "marker".into(),
        0x07 => "cue_point".into(),
        0x08 => "program_name".into(),
        0x09 => "device_name".into(),
        k => format!("text_0x{k:02x}"),
    }
}

impl MidiFile {
    /// Counts notes, channels and programs.
    pub fn summary(&self) -> MidiSummary {
        let mut note_count = 0;
        let mut channels = [false; 16];
        let mut programs = Vec::new();
        let mut tempo_changes = 0;
        let mut initial_tempo = None;
        for e in &self.events {
            match &e.kind {
                EventKind::Channel {
                    command: 0x90,
                    channel,
                    data2,
                    ..
                } if *data2 > 0 => {
                    note_count += 1;
                    channels[usize::from(*channel & 15)] = true;
                }
                EventKind::Channel {
                    command: 0xC0,
                    channel,
                    data1,
                    ..
                } if !programs.contains(&(*channel, *data1)) => {
                    programs.push((*channel, *data1));
                }
                EventKind::Tempo(t) => {
                    tempo_changes += 1;
                    if initial_tempo.is_none() && e.tick == 0 {
                        initial_tempo = Some(*t);
                    }
                }
                _ => {}
            }
        }
        MidiSummary {
            format: self.format,
            tracks: self.track_count,
            ticks_per_quarter: self.ticks_per_quarter,
            duration_s: self.duration_s,
            note_count,
            channels: (0u8..16).filter(|&c| channels[usize::from(c)]).collect(),
            programs,
            tempo_changes,
            initial_bpm: 60_000_000.0 / f64::from(initial_tempo.unwrap_or(500_000)),
            track_names: self.track_names.clone(),
        }
    }

    /// The notes in the order they start. A note-off (or a note-on of velocity 0) ends the
    /// earliest sounding note of its channel and key; a note never ended lasts to the end.
    pub fn notes(&self) -> Vec<MidiNote> {
        let mut notes: Vec<MidiNote> = Vec::new();
        // Sounding notes per channel and key, as indices into `notes`, oldest first.
        let mut sounding: Vec<std::collections::VecDeque<usize>> = vec![Default::default(); 2048];
        for e in &self.events {
            let EventKind::Channel {
                command,
                channel,
                data1: key,
                data2: velocity,
            } = e.kind
            else {
                continue;
            };
            let slot = usize::from(channel & 15) * 128 + usize::from(key & 127);
            match command {
                0x90 if velocity > 0 => {
                    sounding[slot].push_back(notes.len());
                    notes.push(MidiNote {
                        start_s: e.time_s,
                        duration_s: f64::NAN,
                        channel,
                        key,
                        velocity,
                        track: e.track,
                    });
                }
                0x80 | 0x90 => {
                    if let Some(n) = sounding[slot].pop_front().and_then(|i| notes.get_mut(i)) {
                        n.duration_s = e.time_s - n.start_s;
                    }
                }
                _ => {}
            }
        }
        for n in &mut notes {
            if n.duration_s.is_nan() {
                n.duration_s = self.duration_s - n.start_s;
            }
        }
        notes
    }

    /// Text, lyric and marker events in time order.
    pub fn texts(&self) -> Vec<MidiText> {
        self.events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Text { kind, text } => Some(MidiText {
                    time_s: e.time_s,
                    track: e.track,
                    kind: text_kind(*kind),
                    text: text.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Time signature changes in time order.
    pub fn time_signatures(&self) -> Vec<TimeSignature> {
        self.events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::TimeSignature {
                    numerator,
                    denominator,
                } => Some(TimeSignature {
                    time_s: e.time_s,
                    numerator,
                    denominator,
                }),
                _ => None,
            })
            .collect()
    }
}

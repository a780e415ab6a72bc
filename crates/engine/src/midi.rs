//! Standard MIDI File parsing (types 0 and 1): a strict, bounds-checked reader that turns bytes
//! into one time-ordered list of events with times in seconds, after the tempo map. Every error
//! carries the byte offset where the problem is, so a user can find it in a hex editor.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Limits that guard the parser against hostile files.
#[derive(Debug, Clone, PartialEq)]
pub struct MidiLimits {
    /// Largest MIDI file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Fastest tempo accepted, in quarter notes per minute.
    pub max_tempo_bpm: f64,
    /// Longest song accepted (last event), in seconds.
    pub max_duration_s: f64,
}

impl Default for MidiLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 64 * 1024 * 1024,
            max_tempo_bpm: 3000.0,
            max_duration_s: 3600.0,
        }
    }
}

/// What an event does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A channel voice message: status high nibble (0x80..=0xE0), channel 0-15, data bytes.
    Channel {
        command: u8,
        channel: u8,
        data1: u8,
        data2: u8,
    },
    /// A set-tempo meta event (microseconds per quarter note).
    Tempo(u32),
    /// A system-exclusive message, without the leading 0xF0.
    SysEx(Vec<u8>),
    /// The end of a track (meta 0x2F): it sets the song's length, so trailing silence written
    /// by the composer is kept.
    EndOfTrack,
}

/// One event at its absolute time.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Seconds from the start of the song.
    pub time_s: f64,
    /// Absolute tick.
    pub tick: u64,
    /// Index of the track it came from.
    pub track: u16,
    pub kind: EventKind,
}

/// A parsed Standard MIDI File.
#[derive(Debug, Clone)]
pub struct MidiFile {
    /// 0 or 1.
    pub format: u16,
    /// Number of MTrk chunks.
    pub track_count: usize,
    /// Ticks per quarter note, or `None` for SMPTE time.
    pub ticks_per_quarter: Option<u16>,
    /// All events of all tracks, ordered by time, then track, then position in the track.
    pub events: Vec<Event>,
    /// Time of the last event (including end-of-track), in seconds.
    pub duration_s: f64,
    /// Track names (meta 0x03), where present.
    pub track_names: Vec<String>,
}

/// A summary of a MIDI file for `rae info` and `midi_info()`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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

impl MidiFile {
    /// Reads and parses a MIDI file, enforcing `limits`.
    pub fn open(path: &Path, limits: &MidiLimits) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.len() > limits.max_file_bytes {
            return Err(Error::Limit {
                path: path.to_path_buf(),
                message: format!(
                    "MIDI file is {} bytes, above the limit of {} bytes",
                    meta.len(),
                    limits.max_file_bytes
                ),
            });
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&bytes, path, limits)
    }

    /// Parses MIDI bytes; `name` is used in error messages.
    pub fn parse(bytes: &[u8], name: &Path, limits: &MidiLimits) -> Result<Self> {
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(Error::Limit {
                path: name.to_path_buf(),
                message: format!(
                    "MIDI data is {} bytes, above the limit of {} bytes",
                    bytes.len(),
                    limits.max_file_bytes
                ),
            });
        }
        Parser {
            bytes,
            name: name.to_path_buf(),
        }
        .parse(limits)
    }

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
}

struct Parser<'a> {
    bytes: &'a [u8],
    name: PathBuf,
}

/// A raw event before the tempo map is applied.
struct RawEvent {
    tick: u64,
    track: u16,
    kind: EventKind,
}

impl Parser<'_> {
    fn err(&self, offset: usize, message: impl Into<String>) -> Error {
        Error::Midi {
            path: self.name.clone(),
            offset: offset as u64,
            message: message.into(),
        }
    }

    fn u16_at(&self, pos: usize) -> Result<u16> {
        match self.bytes.get(pos..pos + 2) {
            Some(b) => Ok(u16::from_be_bytes([b[0], b[1]])),
            None => Err(self.err(pos, "unexpected end of file")),
        }
    }

    fn u32_at(&self, pos: usize) -> Result<u32> {
        match self.bytes.get(pos..pos + 4) {
            Some(b) => Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
            None => Err(self.err(pos, "unexpected end of file")),
        }
    }

    fn parse(&self, limits: &MidiLimits) -> Result<MidiFile> {
        let mut pos = 0usize;
        // Some files carry a RIFF RMID wrapper: find the MThd inside it.
        if self.bytes.get(0..4) == Some(b"RIFF") && self.bytes.get(8..12) == Some(b"RMID") {
            pos = self
                .bytes
                .windows(4)
                .position(|w| w == b"MThd")
                .ok_or_else(|| self.err(12, "RMID file without an MThd chunk"))?;
        }
        if self.bytes.get(pos..pos + 4) != Some(b"MThd") {
            return Err(self.err(pos, "not a Standard MIDI File (no MThd header)"));
        }
        let header_len = self.u32_at(pos + 4)? as usize;
        if header_len < 6 {
            return Err(self.err(pos + 4, format!("MThd length {header_len} is below 6")));
        }
        let format = self.u16_at(pos + 8)?;
        let declared_tracks = self.u16_at(pos + 10)?;
        let division = self.u16_at(pos + 12)?;
        match format {
            0 | 1 => {}
            2 => {
                return Err(self.err(
                    pos + 8,
                    "MIDI format 2 (independent sequences) is not supported; use format 0 or 1",
                ))
            }
            f => return Err(self.err(pos + 8, format!("unknown MIDI format {f}"))),
        }
        if division == 0 {
            return Err(self.err(pos + 12, "time division is 0"));
        }
        pos = pos
            .checked_add(8 + header_len)
            .ok_or_else(|| self.err(pos + 4, "MThd length overflows"))?;

        let mut raw = Vec::new();
        let mut track_names = Vec::new();
        let mut track_count = 0usize;
        while pos < self.bytes.len() {
            if self.bytes.len() - pos < 8 {
                // Trailing garbage shorter than a chunk header: common padding, ignore it.
                break;
            }
            let id = &self.bytes[pos..pos + 4];
            let len = self.u32_at(pos + 4)? as usize;
            let body = pos + 8;
            let end = body.saturating_add(len);
            if id == b"MTrk" {
                if end > self.bytes.len() {
                    return Err(self.err(
                        pos + 4,
                        format!(
                            "track {track_count} declares {len} bytes but only {} remain (truncated file?)",
                            self.bytes.len() - body
                        ),
                    ));
                }
                let track = u16::try_from(track_count)
                    .map_err(|_| self.err(pos, "more than 65535 tracks"))?;
                self.parse_track(body, end, track, &mut raw, &mut track_names)?;
                track_count += 1;
            } else if !id.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
                return Err(self.err(pos, "corrupt chunk header (expected MTrk)"));
            }
            pos = end;
        }
        if track_count == 0 {
            return Err(self.err(pos, "no MTrk track chunk found"));
        }
        if format == 0 && track_count > 1 && declared_tracks == 1 {
            // Tolerated: extra tracks in a type 0 file are merged like type 1.
        }

        // Stable sort keeps track order and in-track order for events at the same tick.
        raw.sort_by_key(|e| (e.tick, e.track));
        let (events, duration_s) = self.apply_tempo_map(raw, division, limits)?;
        Ok(MidiFile {
            format,
            track_count,
            ticks_per_quarter: (division & 0x8000 == 0).then_some(division),
            events,
            duration_s,
            track_names,
        })
    }

    fn parse_track(
        &self,
        start: usize,
        end: usize,
        track: u16,
        out: &mut Vec<RawEvent>,
        names: &mut Vec<String>,
    ) -> Result<()> {
        let data = &self.bytes[..end];
        let mut pos = start;
        let mut tick: u64 = 0;
        let mut running: Option<u8> = None;
        let read_vlq = |pos: &mut usize| -> Result<u32> {
            let mut value: u32 = 0;
            for i in 0..4 {
                let b = *data
                    .get(*pos)
                    .ok_or_else(|| self.err(*pos, "track ends inside a variable-length number"))?;
                *pos += 1;
                value = (value << 7) | u32::from(b & 0x7f);
                if b & 0x80 == 0 {
                    return Ok(value);
                }
                if i == 3 {
                    return Err(self.err(*pos - 1, "variable-length number longer than 4 bytes"));
                }
            }
            Ok(value)
        };
        while pos < end {
            let delta = read_vlq(&mut pos)?;
            tick += u64::from(delta);
            let status_pos = pos;
            let first = *data
                .get(pos)
                .ok_or_else(|| self.err(pos, "track ends after a delta time"))?;
            let status = if first & 0x80 != 0 {
                pos += 1;
                first
            } else {
                running.ok_or_else(|| self.err(pos, "data byte without a status byte"))?
            };
            match status {
                0x80..=0xEF => {
                    running = Some(status);
                    let command = status & 0xF0;
                    let n = if command == 0xC0 || command == 0xD0 {
                        1
                    } else {
                        2
                    };
                    let bytes = data.get(pos..pos + n).ok_or_else(|| {
                        self.err(status_pos, "track ends inside a channel message")
                    })?;
                    if bytes.iter().any(|b| b & 0x80 != 0) {
                        return Err(self.err(pos, "channel message data byte above 127"));
                    }
                    let data1 = bytes[0];
                    let data2 = if n == 2 { bytes[1] } else { 0 };
                    pos += n;
                    out.push(RawEvent {
                        tick,
                        track,
                        kind: EventKind::Channel {
                            command,
                            channel: status & 0x0F,
                            data1,
                            data2,
                        },
                    });
                }
                0xF0 | 0xF7 => {
                    running = None;
                    let len = read_vlq(&mut pos)? as usize;
                    let body = data.get(pos..pos.saturating_add(len)).ok_or_else(|| {
                        self.err(status_pos, "sysex runs past the end of the track")
                    })?;
                    pos += len;
                    if status == 0xF0 {
                        out.push(RawEvent {
                            tick,
                            track,
                            kind: EventKind::SysEx(body.to_vec()),
                        });
                    }
                }
                0xFF => {
                    running = None;
                    let kind = *data
                        .get(pos)
                        .ok_or_else(|| self.err(pos, "track ends inside a meta event"))?;
                    pos += 1;
                    let len = read_vlq(&mut pos)? as usize;
                    let body = data.get(pos..pos.saturating_add(len)).ok_or_else(|| {
                        self.err(status_pos, "meta event runs past the end of the track")
                    })?;
                    pos += len;
                    match kind {
                        0x51 => {
                            if body.len() != 3 {
                                return Err(self.err(status_pos, "set-tempo event is not 3 bytes"));
                            }
                            let t = u32::from_be_bytes([0, body[0], body[1], body[2]]);
                            if t == 0 {
                                return Err(self.err(status_pos, "set-tempo of 0 microseconds"));
                            }
                            out.push(RawEvent {
                                tick,
                                track,
                                kind: EventKind::Tempo(t),
                            });
                        }
                        0x03 => names.push(String::from_utf8_lossy(body).trim().to_string()),
                        0x2F => {
                            out.push(RawEvent {
                                tick,
                                track,
                                kind: EventKind::EndOfTrack,
                            });
                            return Ok(());
                        }
                        _ => {}
                    }
                }
                _ => {
                    return Err(self.err(status_pos, format!("invalid status byte 0x{status:02X}")));
                }
            }
        }
        // A missing end-of-track event is common and harmless.
        Ok(())
    }

    fn apply_tempo_map(
        &self,
        raw: Vec<RawEvent>,
        division: u16,
        limits: &MidiLimits,
    ) -> Result<(Vec<Event>, f64)> {
        let smpte = division & 0x8000 != 0;
        let seconds_per_tick_smpte = if smpte {
            let fps = match (division >> 8) as u8 as i8 {
                -24 => 24.0,
                -25 => 25.0,
                -29 => 29.97,
                -30 => 30.0,
                other => {
                    return Err(self.err(12, format!("invalid SMPTE frame rate {}", -other)));
                }
            };
            let ticks_per_frame = f64::from(division & 0xFF).max(1.0);
            1.0 / (fps * ticks_per_frame)
        } else {
            0.0
        };
        let tpq = f64::from(division);
        let mut tempo_us = 500_000.0f64;
        let mut last_tick = 0u64;
        let mut time = 0.0f64;
        let mut events = Vec::with_capacity(raw.len());
        for e in raw {
            let dt = (e.tick - last_tick) as f64;
            time += if smpte {
                dt * seconds_per_tick_smpte
            } else {
                dt * tempo_us / 1e6 / tpq
            };
            last_tick = e.tick;
            if time > limits.max_duration_s {
                return Err(Error::Limit {
                    path: self.name.clone(),
                    message: format!(
                        "song is longer than the limit of {} s (event at {:.0} s)",
                        limits.max_duration_s, time
                    ),
                });
            }
            if let EventKind::Tempo(t) = e.kind {
                let bpm = 60_000_000.0 / f64::from(t);
                if bpm > limits.max_tempo_bpm {
                    return Err(Error::Limit {
                        path: self.name.clone(),
                        message: format!(
                            "tempo of {bpm:.0} BPM at tick {} is above the limit of {} BPM",
                            e.tick, limits.max_tempo_bpm
                        ),
                    });
                }
                tempo_us = f64::from(t);
            }
            events.push(Event {
                time_s: time,
                tick: e.tick,
                track: e.track,
                kind: e.kind,
            });
        }
        Ok((events, time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smf(format: u16, tracks: &[Vec<u8>]) -> Vec<u8> {
        let mut b = b"MThd".to_vec();
        b.extend_from_slice(&6u32.to_be_bytes());
        b.extend_from_slice(&format.to_be_bytes());
        b.extend_from_slice(&(tracks.len() as u16).to_be_bytes());
        b.extend_from_slice(&480u16.to_be_bytes());
        for t in tracks {
            b.extend_from_slice(b"MTrk");
            b.extend_from_slice(&(t.len() as u32).to_be_bytes());
            b.extend_from_slice(t);
        }
        b
    }

    fn parse(b: &[u8]) -> Result<MidiFile> {
        MidiFile::parse(b, Path::new("t.mid"), &MidiLimits::default())
    }

    #[test]
    fn tempo_map_and_running_status() {
        // Tempo 120 BPM, note on at 0, running-status note on at 480 ticks, tempo to 60 BPM,
        // note off 480 ticks later: 0.5 s + 1.0 s.
        let track = vec![
            0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20, // 500000 us
            0x00, 0x90, 60, 100, // note on
            0x83, 0x60, 64, 100, // running status, delta 480
            0x00, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40, // 1000000 us
            0x83, 0x60, 0x80, 60, 0, // delta 480
            0x00, 0xFF, 0x2F, 0x00,
        ];
        let m = parse(&smf(0, &[track])).unwrap();
        let times: Vec<f64> = m.events.iter().map(|e| e.time_s).collect();
        assert_eq!(times, vec![0.0, 0.0, 0.5, 0.5, 1.5, 1.5]);
        assert!((m.duration_s - 1.5).abs() < 1e-12);
        let s = m.summary();
        assert_eq!(s.note_count, 2);
        assert_eq!(s.channels, vec![0]);
    }

    #[test]
    fn format_2_is_a_clear_error() {
        let err = parse(&smf(2, &[vec![0, 0xFF, 0x2F, 0]])).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("t.mid") && msg.contains("format 2"), "{msg}");
        assert!(matches!(err, Error::Midi { offset: 8, .. }));
    }

    #[test]
    fn truncated_track_names_offset() {
        let mut b = smf(0, &[vec![0x00, 0x90, 60, 100, 0x00, 0xFF, 0x2F, 0x00]]);
        b.truncate(b.len() - 3);
        match parse(&b).unwrap_err() {
            Error::Midi {
                offset, message, ..
            } => {
                assert_eq!(offset, 18);
                assert!(message.contains("truncated"), "{message}");
            }
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn not_midi() {
        let err = parse(b"RIFF....WAVEfmt ").unwrap_err();
        assert!(err.to_string().contains("no MThd"));
    }

    #[test]
    fn absurd_tempo_is_limited() {
        let track = vec![
            0x00, 0xFF, 0x51, 0x03, 0x00, 0x00, 0x01, 0x00, 0xFF, 0x2F, 0x00,
        ];
        let err = parse(&smf(0, &[track])).unwrap_err();
        assert!(matches!(err, Error::Limit { .. }), "{err}");
    }

    #[test]
    fn absurd_length_is_limited() {
        // delta of 0x0FFFFFFF ticks at 120 BPM is about 70 hours.
        let track = vec![
            0xFF, 0xFF, 0xFF, 0x7F, 0x90, 60, 100, 0x00, 0xFF, 0x2F, 0x00,
        ];
        let err = parse(&smf(0, &[track])).unwrap_err();
        assert!(matches!(err, Error::Limit { .. }), "{err}");
    }

    #[test]
    fn every_prefix_and_bitflip_is_ok_or_error() {
        let track = vec![
            0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20, 0x00, 0xF0, 0x05, 0x7E, 0x7F, 0x09, 0x01,
            0xF7, 0x00, 0xC0, 5, 0x00, 0x90, 60, 100, 0x60, 0xE0, 0, 64, 0x83, 0x60, 0x80, 60, 0,
            0x00, 0xFF, 0x2F, 0x00,
        ];
        let b = smf(1, &[track.clone(), track]);
        for n in 0..b.len() {
            let _ = parse(&b[..n]);
        }
        for i in 0..b.len() {
            for bit in 0..8 {
                let mut c = b.clone();
                c[i] ^= 1 << bit;
                let _ = parse(&c);
            }
        }
    }
}

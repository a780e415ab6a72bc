//! The events of one MTrk chunk: delta times, channel messages with running status, SysEx
//! (joining multi-packet messages), meta events, and the recovery rules that apply inside a
//! track (illegal status bytes, running status across meta and SysEx events, a truncated last
//! event, a missing End-of-Track).

use crate::error::Result;

use super::recovery::{bytes, Recorder, Recovery};
use super::EventKind;

/// An event before the tempo map is applied: its tick counts from the start of the song.
pub(super) struct RawEvent {
    pub(super) tick: u64,
    pub(super) track: u16,
    pub(super) kind: EventKind,
}

/// Where a track's events go.
pub(super) struct TrackSink<'a> {
    pub(super) events: &'a mut Vec<RawEvent>,
    pub(super) names: &'a mut Vec<String>,
}

/// What reading one event found.
enum Step {
    More,
    /// The End-of-Track event.
    End,
    /// The data ran out inside an event: where it started, and the strict error message.
    Truncated(usize, &'static str),
}

/// Reads the events of one track from `bytes[start..end]`.
pub(super) struct TrackReader<'a, 'r> {
    bytes: &'a [u8],
    start: usize,
    end: usize,
    pos: usize,
    /// Ticks before this track's first event (the previous tracks' length, in format 2).
    origin: u64,
    tick: u64,
    track: u16,
    running: Option<u8>,
    /// The meta or SysEx event that cancelled running status, if one did since the last
    /// channel status byte.
    interrupted_by: Option<&'static str>,
    /// Index of a SysEx event whose packets continue in 0xF7 events.
    open_sysex: Option<usize>,
    rec: &'r mut Recorder,
    sink: TrackSink<'r>,
}

impl<'a, 'r> TrackReader<'a, 'r> {
    pub(super) fn new(
        bytes: &'a [u8],
        (start, end): (usize, usize),
        track: u16,
        origin: u64,
        rec: &'r mut Recorder,
        sink: TrackSink<'r>,
    ) -> Self {
        Self {
            bytes,
            start,
            end,
            pos: start,
            origin,
            tick: 0,
            track,
            running: None,
            interrupted_by: None,
            open_sysex: None,
            rec,
            sink,
        }
    }

    /// Reads every event; returns the track's length in ticks. A track cut short ends where
    /// its last delta time leads, as if its End-of-Track were there.
    pub(super) fn read(mut self) -> Result<u64> {
        while self.pos < self.end {
            match self.event()? {
                Step::More => {}
                Step::End => return Ok(self.tick),
                Step::Truncated(at, message) => {
                    let track = self.track;
                    self.rec.recover(Recovery::TruncatedEvent, at, message, || {
                        format!("track {track} ends inside the event that starts here: the event is dropped")
                    })?;
                    self.push(EventKind::EndOfTrack);
                    return Ok(self.tick);
                }
            }
        }
        self.push(EventKind::EndOfTrack);
        let (track, empty) = (self.track, self.start == self.end);
        self.rec
            .recover(Recovery::MissingEndOfTrack, self.end, "", || {
                if empty {
                    format!("track {track} is empty (no End-of-Track event)")
                } else {
                    format!("track {track} has no End-of-Track event: it ends after its last event")
                }
            })?;
        Ok(self.tick)
    }

    fn byte(&self, at: usize) -> Option<u8> {
        (at < self.end)
            .then(|| self.bytes.get(at).copied())
            .flatten()
    }

    fn slice(&self, len: usize) -> Option<&'a [u8]> {
        let stop = self.pos.checked_add(len)?;
        if stop > self.end {
            return None;
        }
        self.bytes.get(self.pos..stop)
    }

    /// A variable-length number of at most 4 bytes; `None` when the track ends inside it.
    fn vlq(&mut self) -> Result<Option<u32>> {
        let mut value: u32 = 0;
        for _ in 0..4 {
            let Some(b) = self.byte(self.pos) else {
                return Ok(None);
            };
            self.pos += 1;
            value = (value << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                return Ok(Some(value));
            }
        }
        Err(self
            .rec
            .error(self.pos - 1, "variable-length number longer than 4 bytes"))
    }

    fn push(&mut self, kind: EventKind) {
        self.sink.events.push(RawEvent {
            tick: self.origin + self.tick,
            track: self.track,
            kind,
        });
    }

    fn event(&mut self) -> Result<Step> {
        let Some(delta) = self.vlq()? else {
            return Ok(Step::Truncated(
                self.pos,
                "track ends inside a variable-length number",
            ));
        };
        self.tick += u64::from(delta);
        let status_pos = self.pos;
        let Some(first) = self.byte(self.pos) else {
            return Ok(Step::Truncated(self.pos, "track ends after a delta time"));
        };
        if first & 0x80 == 0 {
            return self.running_status(status_pos);
        }
        self.pos += 1;
        match first {
            0x80..=0xEF => {
                self.running = Some(first);
                self.interrupted_by = None;
                self.channel(first, status_pos)
            }
            0xF0 | 0xF7 => self.sysex(first, status_pos),
            0xFF => self.meta(status_pos),
            _ => self.illegal(first, status_pos),
        }
    }

    fn running_status(&mut self, at: usize) -> Result<Step> {
        let Some(status) = self.running else {
            return Err(self.rec.error(at, "data byte without a status byte"));
        };
        if let Some(what) = self.interrupted_by.take() {
            self.rec.recover(
                Recovery::RunningStatusAfterMeta,
                at,
                "data byte without a status byte",
                || {
                    format!(
                        "running status 0x{status:02X} continues after {what}, which cancels it"
                    )
                },
            )?;
        }
        self.channel(status, at)
    }

    fn channel(&mut self, status: u8, status_pos: usize) -> Result<Step> {
        let command = status & 0xF0;
        let n = if command == 0xC0 || command == 0xD0 {
            1
        } else {
            2
        };
        let Some(data) = self.slice(n) else {
            return Ok(Step::Truncated(
                status_pos,
                "track ends inside a channel message",
            ));
        };
        if data.iter().any(|b| b & 0x80 != 0) {
            return Err(self
                .rec
                .error(self.pos, "channel message data byte above 127"));
        }
        let (data1, data2) = (data[0], if n == 2 { data[1] } else { 0 });
        self.pos += n;
        self.push(EventKind::Channel {
            command,
            channel: status & 0x0F,
            data1,
            data2,
        });
        Ok(Step::More)
    }

    /// The length and body of a SysEx or meta event; `None` when the track ends inside it.
    fn body(&mut self) -> Result<Option<&'a [u8]>> {
        let Some(len) = self.vlq()? else {
            return Ok(None);
        };
        let body = self.slice(len as usize);
        if let Some(b) = body {
            self.pos += b.len();
        }
        Ok(body)
    }

    fn sysex(&mut self, status: u8, at: usize) -> Result<Step> {
        if self.running.is_some() {
            self.interrupted_by = Some("a SysEx event");
        }
        let Some(body) = self.body()? else {
            return Ok(Step::Truncated(at, "sysex runs past the end of the track"));
        };
        let ends = body.last() == Some(&0xF7);
        match (status, self.open_sysex) {
            (0xF0, _) => {
                self.open_sysex = (!ends).then_some(self.sink.events.len());
                self.push(EventKind::SysEx(body.to_vec()));
            }
            // A continuation packet of a SysEx split into several events.
            (_, Some(i)) => {
                if let Some(RawEvent {
                    kind: EventKind::SysEx(data),
                    ..
                }) = self.sink.events.get_mut(i)
                {
                    data.extend_from_slice(body);
                }
                if ends {
                    self.open_sysex = None;
                }
            }
            // An escape sequence (raw bytes for a device): nothing a synthesizer plays.
            _ => {}
        }
        Ok(Step::More)
    }

    fn meta(&mut self, at: usize) -> Result<Step> {
        if self.running.is_some() {
            self.interrupted_by = Some("a meta event");
        }
        let Some(kind) = self.byte(self.pos) else {
            return Ok(Step::Truncated(at, "track ends inside a meta event"));
        };
        self.pos += 1;
        let Some(body) = self.body()? else {
            return Ok(Step::Truncated(
                at,
                "meta event runs past the end of the track",
            ));
        };
        match kind {
            0x51 => self.tempo(body, at)?,
            0x58 => self.time_signature(body, at)?,
            0x01..=0x0F => {
                let text = String::from_utf8_lossy(body).trim().to_string();
                if kind == 0x03 {
                    self.sink.names.push(text.clone());
                }
                self.push(EventKind::Text { kind, text });
            }
            0x2F => {
                self.push(EventKind::EndOfTrack);
                if self.pos < self.end {
                    let (n, track) = (self.end - self.pos, self.track);
                    self.rec
                        .recover(Recovery::TrailingBytes, self.pos, "", || {
                            format!(
                                "{} after the End-of-Track of track {track}: ignored",
                                bytes(n)
                            )
                        })?;
                }
                return Ok(Step::End);
            }
            _ => {}
        }
        Ok(Step::More)
    }

    fn tempo(&mut self, body: &[u8], at: usize) -> Result<()> {
        let t = match body {
            [a, b, c] => u32::from_be_bytes([0, *a, *b, *c]),
            _ => {
                let n = body.len();
                return self.rec.recover(
                    Recovery::InvalidTempo,
                    at,
                    "set-tempo event is not 3 bytes",
                    || format!("set-tempo event of {n} bytes (not 3): ignored"),
                );
            }
        };
        if t == 0 {
            return self.rec.recover(
                Recovery::InvalidTempo,
                at,
                "set-tempo of 0 microseconds",
                || "set-tempo of 0 microseconds per quarter note: ignored".into(),
            );
        }
        self.push(EventKind::Tempo(t));
        Ok(())
    }

    fn time_signature(&mut self, body: &[u8], at: usize) -> Result<()> {
        match body {
            [numerator, power, ..] => {
                let denominator = 1u32 << (*power).min(31);
                self.push(EventKind::TimeSignature {
                    numerator: *numerator,
                    denominator,
                });
                Ok(())
            }
            _ => {
                let n = body.len();
                self.rec
                    .recover(Recovery::InvalidTimeSignature, at, "", || {
                        format!("time signature of {n} bytes (at least 2 expected): ignored")
                    })
            }
        }
    }

    /// System common and real-time messages belong to a live MIDI stream, not to a file: skip
    /// the status byte and the data bytes the message has on the wire.
    fn illegal(&mut self, status: u8, at: usize) -> Result<Step> {
        let (name, data_bytes) = match status {
            0xF1 => ("MIDI Time Code", 1),
            0xF2 => ("Song Position", 2),
            0xF3 => ("Song Select", 1),
            0xF6 => ("Tune Request", 0),
            0xF8 => ("Timing Clock", 0),
            0xFA => ("Start", 0),
            0xFB => ("Continue", 0),
            0xFC => ("Stop", 0),
            0xFE => ("Active Sensing", 0),
            _ => ("undefined", 0),
        };
        let mut skipped = 0;
        while skipped < data_bytes && self.byte(self.pos).is_some_and(|b| b < 0x80) {
            self.pos += 1;
            skipped += 1;
        }
        self.rec.recover(
            Recovery::IllegalStatus,
            at,
            format!("invalid status byte 0x{status:02X}"),
            || {
                let data = match skipped {
                    0 => String::new(),
                    1 => " with its data byte".into(),
                    n => format!(" with its {n} data bytes"),
                };
                format!("status byte 0x{status:02X} ({name}) does not belong in a MIDI file: skipped{data}")
            },
        )?;
        Ok(Step::More)
    }
}

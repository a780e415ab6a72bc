//! The tempo map: ticks to seconds, through the set-tempo events (or the fixed SMPTE rate), with
//! the limits that keep a hostile file from asking for hours of audio or absurd tempi.

use std::path::Path;

use crate::error::{Error, Result};

use super::recovery::Recorder;
use super::track::RawEvent;
use super::{Event, EventKind, MidiLimits};

/// Gives each event its time in seconds; `raw` must be sorted by tick. Returns the events and
/// the time of the last one.
pub(super) fn apply(
    raw: Vec<RawEvent>,
    (division, division_offset): (u16, usize),
    limits: &MidiLimits,
    name: &Path,
    rec: &Recorder,
) -> Result<(Vec<Event>, f64)> {
    let smpte = division & 0x8000 != 0;
    let seconds_per_tick_smpte = if smpte {
        let fps = match (division >> 8) as u8 as i8 {
            -24 => 24.0,
            -25 => 25.0,
            -29 => 29.97,
            -30 => 30.0,
            other => {
                return Err(rec.error(
                    division_offset,
                    format!("invalid SMPTE frame rate {}", -i16::from(other)),
                ));
            }
        };
        let ticks_per_frame = f64::from(division & 0xFF).max(1.0);
        1.0 / (fps * ticks_per_frame)
    } else {
        0.0
    };
    let tpq = f64::from(division);
    let mut seconds_per_tick = if smpte {
        seconds_per_tick_smpte
    } else {
        0.5 / tpq
    };
    // Times count from the last tempo change, so rounding errors do not add up over events.
    let (mut since_tick, mut since_s) = (0u64, 0.0f64);
    let mut time = 0.0f64;
    let mut events = Vec::with_capacity(raw.len());
    for e in raw {
        time = since_s + (e.tick - since_tick) as f64 * seconds_per_tick;
        if time > limits.max_duration_s {
            return Err(Error::Limit {
                path: name.to_path_buf(),
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
                    path: name.to_path_buf(),
                    message: format!(
                        "tempo of {bpm:.0} BPM at tick {} is above the limit of {} BPM",
                        e.tick, limits.max_tempo_bpm
                    ),
                });
            }
            if !smpte {
                (since_tick, since_s) = (e.tick, time);
                seconds_per_tick = f64::from(t) / 1e6 / tpq;
            }
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

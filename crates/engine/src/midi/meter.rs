//! Bars and beats: a time in a song, in seconds, as its bar and beat, through the tempo map and
//! the time signatures (4/4 until the first one, as the MIDI standard says). A SMPTE-timed file
//! has no beats of its own: it counts quarter notes of half a second (120 BPM).

use serde::Serialize;

use super::{EventKind, MidiFile};

/// A position in bars and beats, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BarBeat {
    pub bar: u32,
    /// The beat within the bar, 1.0 at the bar line, fractional in between (a beat is the time
    /// signature's unit: a quarter in 3/4, an eighth in 6/8).
    pub beat: f64,
    /// Beats in this bar (the time signature's numerator).
    pub beats_per_bar: u8,
}

#[derive(Debug, Clone, Copy)]
struct TempoSegment {
    time_s: f64,
    tick: f64,
    seconds_per_tick: f64,
}

#[derive(Debug, Clone, Copy)]
struct SignatureSegment {
    tick: f64,
    /// Bars (whole or not) before this signature took effect.
    bars_before: f64,
    ticks_per_beat: f64,
    numerator: u8,
}

/// A song's tempo map and time signatures, to turn seconds into bars and beats and back.
#[derive(Debug, Clone)]
pub struct Meter {
    tempo: Vec<TempoSegment>,
    signatures: Vec<SignatureSegment>,
    ticks_per_quarter: f64,
}

impl Default for Meter {
    /// 120 BPM in 4/4 throughout (a song made in code, with no tempo map).
    fn default() -> Self {
        Meter {
            tempo: vec![TempoSegment {
                time_s: 0.0,
                tick: 0.0,
                seconds_per_tick: 0.5 / 480.0,
            }],
            signatures: vec![SignatureSegment {
                tick: 0.0,
                bars_before: 0.0,
                ticks_per_beat: 480.0,
                numerator: 4,
            }],
            ticks_per_quarter: 480.0,
        }
    }
}

impl Meter {
    pub fn new(midi: &MidiFile) -> Self {
        let tpq = midi.ticks_per_quarter.map_or(480.0, f64::from).max(1.0);
        let smpte = midi.ticks_per_quarter.is_none();
        let mut tempo = vec![TempoSegment {
            time_s: 0.0,
            tick: 0.0,
            seconds_per_tick: 0.5 / tpq,
        }];
        let mut signatures = vec![SignatureSegment {
            tick: 0.0,
            bars_before: 0.0,
            ticks_per_beat: tpq,
            numerator: 4,
        }];
        for e in &midi.events {
            match e.kind {
                EventKind::Tempo(us) if !smpte && us > 0 => {
                    let seg = TempoSegment {
                        time_s: e.time_s,
                        tick: e.tick as f64,
                        seconds_per_tick: f64::from(us) / 1e6 / tpq,
                    };
                    match tempo.last_mut() {
                        Some(last) if last.tick == seg.tick => *last = seg,
                        _ => tempo.push(seg),
                    }
                }
                EventKind::TimeSignature {
                    numerator,
                    denominator,
                } if numerator > 0 && denominator > 0 => {
                    let tick = if smpte {
                        e.time_s / 0.5 * tpq
                    } else {
                        e.tick as f64
                    };
                    let Some(prev) = signatures.last().copied() else {
                        continue;
                    };
                    // A change takes effect at the next bar line when it falls inside a bar.
                    let bars = ((tick - prev.tick)
                        / (prev.ticks_per_beat * f64::from(prev.numerator)))
                    .max(0.0);
                    let bars = if (bars - bars.round()).abs() < 1e-6 {
                        bars.round()
                    } else {
                        bars.ceil()
                    };
                    let seg = SignatureSegment {
                        tick: prev.tick + bars * prev.ticks_per_beat * f64::from(prev.numerator),
                        bars_before: prev.bars_before + bars,
                        ticks_per_beat: tpq * 4.0 / f64::from(denominator),
                        numerator,
                    };
                    match signatures.last_mut() {
                        Some(last) if last.tick == seg.tick => *last = seg,
                        _ => signatures.push(seg),
                    }
                }
                _ => {}
            }
        }
        Meter {
            tempo,
            signatures,
            ticks_per_quarter: tpq,
        }
    }

    /// The tick (fractional) at `time_s` seconds; before 0 and after the last tempo change
    /// the nearest tempo goes on.
    fn tick_at(&self, time_s: f64) -> f64 {
        let s = last_before(&self.tempo, |s| s.time_s <= time_s);
        s.tick + (time_s - s.time_s) / s.seconds_per_tick
    }

    /// The seconds at `tick`.
    fn time_at(&self, tick: f64) -> f64 {
        let s = last_before(&self.tempo, |s| s.tick <= tick);
        s.time_s + (tick - s.tick) * s.seconds_per_tick
    }

    /// The bar and beat at `time_s` (before the song's start: bar 1, beat 1).
    pub fn bar_beat(&self, time_s: f64) -> BarBeat {
        let tick = self.tick_at(time_s).max(0.0);
        let s = last_before(&self.signatures, |s| s.tick <= tick);
        let beats = (tick - s.tick) / s.ticks_per_beat;
        let per_bar = f64::from(s.numerator);
        let whole_bars = (beats / per_bar + 1e-9).floor();
        BarBeat {
            bar: (s.bars_before + whole_bars) as u32 + 1,
            beat: (beats - whole_bars * per_bar).max(0.0) + 1.0,
            beats_per_bar: s.numerator,
        }
    }

    /// Where bar `bar` (counted from 1) starts, in seconds.
    pub fn bar_start_s(&self, bar: u32) -> f64 {
        let b = f64::from(bar.max(1) - 1);
        let s = last_before(&self.signatures, |s| s.bars_before <= b);
        let tick = s.tick + (b - s.bars_before) * s.ticks_per_beat * f64::from(s.numerator);
        self.time_at(tick)
    }

    /// The tempo at `time_s`, in quarter notes per minute.
    pub fn quarter_bpm(&self, time_s: f64) -> f64 {
        let s = last_before(&self.tempo, |s| s.time_s <= time_s);
        60.0 / (s.seconds_per_tick * self.ticks_per_quarter)
    }

    /// Seconds per beat of the time signature at `time_s`, at the tempo there.
    pub fn beat_s(&self, time_s: f64) -> f64 {
        let tick = self.tick_at(time_s).max(0.0);
        let s = last_before(&self.signatures, |s| s.tick <= tick);
        s.ticks_per_beat * last_before(&self.tempo, |x| x.tick <= tick).seconds_per_tick
    }
}

/// The last of the sorted `segments` for which `starts_by` holds (the first when none does);
/// `segments` is never empty.
fn last_before<T: Copy>(segments: &[T], starts_by: impl FnMut(&T) -> bool) -> T {
    let i = segments.partition_point(starts_by).saturating_sub(1);
    segments[i.min(segments.len() - 1)]
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::midi::MidiLimits;

    /// A format 0 file: `tpq` ticks per quarter, with the given meta events (delta, bytes).
    fn smf(tpq: u16, metas: &[(u32, &[u8])]) -> MidiFile {
        let mut track = Vec::new();
        for (delta, bytes) in metas {
            let mut d = *delta;
            let mut var = vec![(d & 0x7f) as u8];
            d >>= 7;
            while d > 0 {
                var.insert(0, (d & 0x7f) as u8 | 0x80);
                d >>= 7;
            }
            track.extend(var);
            track.extend_from_slice(bytes);
        }
        track.extend([0, 0xff, 0x2f, 0]);
        let mut f = b"MThd\0\0\0\x06\0\0\0\x01".to_vec();
        f.extend(tpq.to_be_bytes());
        f.extend(b"MTrk");
        f.extend((track.len() as u32).to_be_bytes());
        f.extend(track);
        MidiFile::parse(&f, Path::new("t.mid"), &MidiLimits::default()).expect("valid file")
    }

    #[test]
    fn four_four_at_120_then_three_four_at_60() {
        // 4/4 at 120 BPM for two bars (4 s), then 3/4 at 60 BPM.
        let m = Meter::new(&smf(
            480,
            &[
                (0, &[0xff, 0x58, 4, 4, 2, 24, 8]),
                (0, &[0xff, 0x51, 3, 0x07, 0xa1, 0x20]),
                (3840, &[0xff, 0x58, 4, 3, 2, 24, 8]),
                (0, &[0xff, 0x51, 3, 0x0f, 0x42, 0x40]),
                (2880, &[0xff, 0x01, 1, b'x']),
            ],
        ));
        let at = |t: f64| {
            let b = m.bar_beat(t);
            (b.bar, (b.beat * 1000.0).round() / 1000.0, b.beats_per_bar)
        };
        assert_eq!(at(0.0), (1, 1.0, 4));
        assert_eq!(at(0.75), (1, 2.5, 4));
        assert_eq!(at(2.0), (2, 1.0, 4));
        assert_eq!(at(4.0), (3, 1.0, 3));
        assert_eq!(at(6.5), (3, 3.5, 3));
        assert_eq!(at(7.0), (4, 1.0, 3));
        assert!((m.bar_start_s(3) - 4.0).abs() < 1e-9);
        assert!((m.bar_start_s(4) - 7.0).abs() < 1e-9);
        assert!((m.beat_s(1.0) - 0.5).abs() < 1e-9);
        assert!((m.beat_s(5.0) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn six_eight_counts_eighths_and_no_signature_is_four_four() {
        let m = Meter::new(&smf(96, &[(0, &[0xff, 0x58, 4, 6, 3, 24, 8])]));
        // 120 BPM: an eighth is 0.25 s, a 6/8 bar 1.5 s.
        let b = m.bar_beat(1.75);
        assert_eq!((b.bar, b.beats_per_bar), (2, 6));
        assert!((b.beat - 2.0).abs() < 1e-9);
        let plain = Meter::new(&smf(96, &[(0, &[0xff, 0x01, 1, b'x'])]));
        let b = plain.bar_beat(2.25);
        assert_eq!((b.bar, b.beats_per_bar), (2, 4));
        assert!((b.beat - 1.5).abs() < 1e-9);
    }
}

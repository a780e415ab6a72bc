//! The streaming analyser: mono samples in chunks of any size in, pitch frames, note starts and
//! ends and onsets out as soon as they are known, with constant memory.
//!
//! Pitch uses the same per-frame YIN/pYIN analysis as the offline tracker, on a shorter frame
//! (46 ms by default, so half of it, the look-ahead, is 23 ms) with a hop of 5 ms, and a
//! fixed-lag Viterbi decoder that decides each frame four frames (20 ms) later. Notes are cut from the
//! decided frames by the same segmenter as offline. Onsets come from [`OnsetTracker`]. Events
//! come out in time order (an onset waits for the pitch frames before it), and the sequence of
//! events is a function of the samples alone, not of how they were chunked.

use std::collections::VecDeque;
use std::sync::Arc;

use super::notes::{Note, NoteEvent, NoteParams, NoteSegmenter};
use super::onsets::{Onset, OnsetParams, OnsetTracker};
use super::pitch::{FrameAnalyzer, FrameObs};
use super::pitch_params::{default_frame_length, PitchParams, Resolved};
use super::pyin::{FixedLag, Hmm, PyinTables};
use crate::{Error, Result};

/// Parameters of the streaming analyser.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamingParams {
    /// Pitch search range (defaults C2..C7 as offline).
    pub fmin_hz: f64,
    pub fmax_hz: f64,
    /// Pitch frame in samples; `None` = 1024 at 22.05 kHz scaled to the rate (about 46 ms).
    pub frame_length: Option<usize>,
    /// Pitch hop in samples; `None` = 5 ms (the onset tracker's hop).
    pub hop_length: Option<usize>,
    /// Frames the Viterbi decoder waits before deciding one (default 4, 20 ms).
    pub lag_frames: usize,
    pub notes: NoteParams,
    /// Onset detection; `None` turns onset events off.
    pub onsets: Option<OnsetParams>,
}

impl Default for StreamingParams {
    fn default() -> Self {
        let p = PitchParams::default();
        Self {
            fmin_hz: p.fmin_hz,
            fmax_hz: p.fmax_hz,
            frame_length: None,
            hop_length: None,
            lag_frames: 4,
            notes: NoteParams::default(),
            onsets: Some(OnsetParams::default()),
        }
    }
}

/// One decided pitch frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PitchFrame {
    /// Centre of the frame, seconds from the first sample.
    pub time_s: f64,
    /// NaN when unvoiced.
    pub f0_hz: f32,
    pub voiced: bool,
    pub voiced_prob: f32,
}

/// What the analyser reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Pitch(PitchFrame),
    /// A note has lasted `min_note_s`; `midi`/`cents` are the pitch so far and `end_s` is the
    /// time it was recognised.
    NoteStart(Note),
    /// A note has ended: final pitch, length and level.
    NoteEnd(Note),
    Onset(Onset),
}

/// `{"type": "pitch", "time_s", "f0_hz" (null when unvoiced), "voiced", "voiced_prob"}`,
/// `{"type": "note_start" | "note_end", "time_s", ...the note}` and
/// `{"type": "onset", "time_s", "strength"}`.
impl serde::Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match self {
            Event::Pitch(p) => {
                m.serialize_entry("type", "pitch")?;
                m.serialize_entry("time_s", &p.time_s)?;
                m.serialize_entry("f0_hz", &p.f0_hz)?;
                m.serialize_entry("voiced", &p.voiced)?;
                m.serialize_entry("voiced_prob", &p.voiced_prob)?;
            }
            Event::NoteStart(n) | Event::NoteEnd(n) => {
                let start = matches!(self, Event::NoteStart(_));
                m.serialize_entry("type", if start { "note_start" } else { "note_end" })?;
                m.serialize_entry("time_s", &if start { n.start_s } else { n.end_s })?;
                m.serialize_entry("start_s", &n.start_s)?;
                m.serialize_entry("end_s", &n.end_s)?;
                m.serialize_entry("midi", &n.midi)?;
                m.serialize_entry("name", &n.name())?;
                m.serialize_entry("cents", &n.cents)?;
                m.serialize_entry("f0_hz", &n.f0_hz)?;
                m.serialize_entry("level_db", &n.level_db)?;
            }
            Event::Onset(o) => {
                m.serialize_entry("type", "onset")?;
                m.serialize_entry("time_s", &o.time_s)?;
                m.serialize_entry("strength", &o.strength)?;
            }
        }
        m.end()
    }
}

impl Event {
    /// The time the event describes (a note's start for note events).
    pub fn time_s(&self) -> f64 {
        match self {
            Event::Pitch(p) => p.time_s,
            Event::NoteStart(n) => n.start_s,
            Event::NoteEnd(n) => n.end_s,
            Event::Onset(o) => o.time_s,
        }
    }
}

/// A frame waiting for its Viterbi decision.
#[derive(Debug, Clone, Default)]
struct Waiting {
    f0s: Vec<f32>,
    voiced_prob: f32,
    power: f32,
}

/// A decided pitch frame not yet released.
#[derive(Debug, Clone, Copy)]
struct Decided {
    frame: usize,
    f0_hz: f32,
    voiced_prob: f32,
    power: f32,
}

/// Streaming pitch, notes and onsets of one mono signal.
pub struct StreamingAnalyzer {
    cfg: Resolved,
    params: StreamingParams,
    lag: usize,
    /// Samples after a pitch frame's centre before every onset up to it is known.
    onset_need: u64,
    /// Decided pitch frames waiting for the onsets before them.
    held: VecDeque<Decided>,
    /// Pitch frames released so far.
    released: usize,
    analyzer: FrameAnalyzer,
    decoder: FixedLag,
    segmenter: NoteSegmenter,
    onsets: Option<OnsetTracker>,
    /// Samples from the start of the next frame on (at most one frame).
    buf: Vec<f32>,
    frame: Vec<f32>,
    obs: FrameObs,
    /// Frames analysed so far; samples received so far.
    frames: usize,
    received: u64,
    waiting: VecDeque<Waiting>,
    /// Onsets waiting for the pitch frames before them.
    pending_onsets: VecDeque<Onset>,
    note_events: Vec<NoteEvent>,
}

impl std::fmt::Debug for StreamingAnalyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingAnalyzer")
            .field("sample_rate", &self.cfg.sample_rate)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl StreamingAnalyzer {
    /// An analyser for mono audio at `sample_rate`; refuses parameters out of range.
    pub fn new(sample_rate: u32, params: StreamingParams) -> Result<Self> {
        if params.lag_frames > 64 {
            return Err(Error::InvalidArgument(format!(
                "lag_frames must be within 0..=64, not {}",
                params.lag_frames
            )));
        }
        let frame_length = params
            .frame_length
            .unwrap_or_else(|| (default_frame_length(sample_rate) / 2).max(128));
        let pitch = PitchParams {
            fmin_hz: params.fmin_hz,
            fmax_hz: params.fmax_hz,
            frame_length: Some(frame_length),
            hop_length: Some(
                params
                    .hop_length
                    .unwrap_or_else(|| (f64::from(sample_rate) * 0.005).round() as usize),
            ),
            ..Default::default()
        };
        let cfg = Resolved::new(sample_rate, &pitch)?;
        let tables = Arc::new(PyinTables::new(&cfg));
        let hop_s = cfg.hop_length as f64 / f64::from(sample_rate);
        let segmenter = NoteSegmenter::new(&params.notes, hop_s, cfg.fmin_hz, cfg.fmax_hz)?;
        let onsets = match &params.onsets {
            Some(p) => Some(OnsetTracker::new(sample_rate, p.clone())?),
            None => None,
        };
        // Events come out in time order. For that order not to depend on the chunking, a
        // pitch frame is released only once every onset at or before it is known: `onset_need`
        // samples after its centre (the tracker's latency, plus one sample of margin).
        let onset_need = match (&onsets, &params.onsets) {
            (Some(o), Some(p)) => {
                if p.backtrack {
                    return Err(Error::InvalidArgument(
                        "onsets.backtrack is not supported by the streaming analyser (it would \
                         move onsets behind events already returned)"
                            .into(),
                    ));
                }
                (o.latency_s() * f64::from(sample_rate) - 1e-6).ceil() as u64 + 1
            }
            _ => 0,
        };
        let lag = params.lag_frames;
        let mut me = Self {
            analyzer: FrameAnalyzer::new(&cfg, tables),
            decoder: FixedLag::new(Hmm::new(&cfg), lag),
            lag,
            onset_need,
            held: VecDeque::new(),
            released: 0,
            segmenter,
            onsets,
            buf: Vec::with_capacity(cfg.frame_length),
            frame: vec![0.0; cfg.frame_length],
            obs: FrameObs::default(),
            frames: 0,
            received: 0,
            waiting: VecDeque::with_capacity(params.lag_frames + 1),
            pending_onsets: VecDeque::new(),
            note_events: Vec::new(),
            cfg,
            params,
        };
        me.start();
        Ok(me)
    }

    fn start(&mut self) {
        // Frame 0 is centred on the first sample: half a frame of silence before it.
        self.buf.clear();
        self.buf.resize(self.cfg.frame_length / 2, 0.0);
    }

    /// Sample rate the analyser was made for.
    pub fn sample_rate(&self) -> u32 {
        self.cfg.sample_rate
    }

    /// Pitch hop in seconds (the spacing of pitch events).
    pub fn hop_s(&self) -> f64 {
        self.cfg.hop_length as f64 / f64::from(self.cfg.sample_rate)
    }

    /// Latency of pitch events: from a sample arriving to the pitch frame centred on it being
    /// returned: half a frame of look-ahead plus the decoder's lag, or the onset tracker's
    /// latency if that is longer (events come out in time order).
    pub fn pitch_latency_s(&self) -> f64 {
        let decide = (self.cfg.frame_length / 2 + self.lag * self.cfg.hop_length) as u64;
        decide.max(self.onset_need) as f64 / f64::from(self.cfg.sample_rate)
    }

    /// Latency of onset events (0 when onsets are off): at most the pitch latency, as an onset
    /// may wait for the pitch frames before it.
    pub fn onset_latency_s(&self) -> f64 {
        if self.onsets.is_some() {
            self.pitch_latency_s()
        } else {
            0.0
        }
    }

    /// The larger of the pitch and onset latencies.
    pub fn latency_s(&self) -> f64 {
        self.pitch_latency_s().max(self.onset_latency_s())
    }

    /// Feeds the next mono samples; returns the events that became known, in time order.
    /// Non-finite samples are an error (nothing of the chunk is consumed then).
    pub fn process(&mut self, chunk: &[f32]) -> Result<Vec<Event>> {
        if let Some(i) = chunk.iter().position(|x| !x.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "streaming analysis: chunk sample {i} is {} (NaN or infinite samples cannot be \
                 analysed)",
                chunk[i]
            )));
        }
        let mut out = Vec::new();
        if let Some(o) = self.onsets.as_mut() {
            self.pending_onsets.extend(o.process(chunk));
        }
        self.received += chunk.len() as u64;
        let n = self.cfg.frame_length;
        let mut rest = chunk;
        while !rest.is_empty() {
            let take = (n - self.buf.len()).min(rest.len());
            self.buf.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.buf.len() == n {
                self.run_frame(&mut out)?;
            }
        }
        self.release(&mut out, false);
        Ok(out)
    }

    /// Analyses the frame in `buf` and moves on by one hop.
    fn run_frame(&mut self, out: &mut Vec<Event>) -> Result<()> {
        self.frame.copy_from_slice(&self.buf);
        self.analyzer.analyze(&self.frame, true, &mut self.obs)?;
        self.buf.drain(..self.cfg.hop_length);
        self.frames += 1;
        let e = &self.obs.emission;
        self.waiting.push_back(Waiting {
            f0s: e.candidates.iter().map(|c| c.f0_hz).collect(),
            voiced_prob: e.voiced_prob,
            power: self.obs.power,
        });
        if let Some((t, state)) = self.decoder.push(&self.obs.emission) {
            self.decided(t, state, out);
        }
        Ok(())
    }

    fn decided(&mut self, t: usize, state: Option<usize>, out: &mut Vec<Event>) {
        let Some(w) = self.waiting.pop_front() else {
            return;
        };
        let f0_hz = state
            .and_then(|k| w.f0s.get(k).copied())
            .unwrap_or(f32::NAN);
        self.held.push_back(Decided {
            frame: t,
            f0_hz,
            voiced_prob: w.voiced_prob,
            power: w.power,
        });
        self.release(out, false);
    }

    fn frame_time(&self, frame: usize) -> f64 {
        (frame * self.cfg.hop_length) as f64 / f64::from(self.cfg.sample_rate)
    }

    /// Emits, in time order, the onsets up to the next pitch frame and the pitch frames whose
    /// onsets are all known (`all`: everything, at the end of the stream).
    fn release(&mut self, out: &mut Vec<Event>, all: bool) {
        loop {
            let next_time = self.frame_time(self.released);
            while self
                .pending_onsets
                .front()
                .is_some_and(|o| o.time_s <= next_time)
            {
                if let Some(o) = self.pending_onsets.pop_front() {
                    if self.params.notes.split_on_onsets {
                        self.segmenter.onset(o.time_s);
                    }
                    out.push(Event::Onset(o));
                }
            }
            let Some(d) = self.held.front().copied() else {
                return;
            };
            let centre = (d.frame * self.cfg.hop_length) as u64;
            if !all && self.received < centre + self.onset_need {
                return;
            }
            self.held.pop_front();
            self.released += 1;
            let time_s = self.frame_time(d.frame);
            out.push(Event::Pitch(PitchFrame {
                time_s,
                f0_hz: d.f0_hz,
                voiced: d.f0_hz.is_finite(),
                voiced_prob: d.voiced_prob,
            }));
            self.segmenter
                .push(time_s, d.f0_hz, d.power, &mut self.note_events);
            self.drain_notes(out);
        }
    }

    fn drain_notes(&mut self, out: &mut Vec<Event>) {
        for e in self.note_events.drain(..) {
            out.push(match e {
                NoteEvent::Start(n) => Event::NoteStart(n),
                NoteEvent::End(n) => Event::NoteEnd(n),
            });
        }
    }

    /// Ends the stream: analyses the frames the last samples belong to (padding with silence),
    /// decides the frames still waiting, closes the open note and returns the remaining
    /// events. The analyser is then ready for a new stream.
    pub fn flush(&mut self) -> Result<Vec<Event>> {
        let mut out = Vec::new();
        if self.received > 0 {
            let last_frame = ((self.received - 1) / self.cfg.hop_length as u64) as usize;
            while self.frames <= last_frame {
                let missing = self.cfg.frame_length - self.buf.len();
                self.buf.extend(std::iter::repeat_n(0.0, missing));
                self.run_frame(&mut out)?;
            }
        }
        if let Some(o) = self.onsets.as_mut() {
            self.pending_onsets.extend(o.flush());
        }
        if self.received > 0 {
            for (t, state) in self.decoder.flush() {
                self.decided(t, state, &mut out);
            }
            self.release(&mut out, true);
            self.segmenter.flush(&mut self.note_events);
            self.drain_notes(&mut out);
        }
        out.extend(self.pending_onsets.drain(..).map(Event::Onset));
        self.reset();
        Ok(out)
    }

    /// Forgets the stream so far.
    pub fn reset(&mut self) {
        self.decoder = FixedLag::new(self.decoder.hmm().clone(), self.lag);
        self.waiting.clear();
        self.held.clear();
        self.released = 0;
        self.pending_onsets.clear();
        self.note_events.clear();
        self.frames = 0;
        self.received = 0;
        if let Ok(s) = NoteSegmenter::new(
            &self.params.notes,
            self.hop_s(),
            self.cfg.fmin_hz,
            self.cfg.fmax_hz,
        ) {
            self.segmenter = s;
        }
        if let Some(p) = &self.params.onsets {
            if let Ok(o) = OnsetTracker::new(self.cfg.sample_rate, p.clone()) {
                self.onsets = Some(o);
            }
        }
        self.start();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_send_and_sync() {
        fn is<T: Send + Sync>() {}
        is::<StreamingAnalyzer>();
        is::<Event>();
    }

    #[test]
    fn buffers_stay_bounded_over_a_long_stream() {
        let sr = 22050u32;
        let mut a = StreamingAnalyzer::new(sr, StreamingParams::default()).unwrap();
        let mut seed = 9u64;
        let hop = a.cfg.hop_length;
        let held_bound = (a.onset_need as usize).div_ceil(hop) + a.lag + 2;
        // Two minutes of notes (a new pitch every 0.25 s) over noise, in uneven chunks.
        let total = 120 * sr as usize;
        let mut pos = 0usize;
        let mut events = 0usize;
        while pos < total {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let n = 1 + (seed >> 52) as usize;
            let chunk: Vec<f32> = (pos..pos + n)
                .map(|i| {
                    let f = 110.0 * (1 + (i / (sr as usize / 4)) % 7) as f32;
                    0.3 * (std::f32::consts::TAU * f * i as f32 / sr as f32).sin()
                })
                .collect();
            events += a.process(&chunk).unwrap().len();
            pos += n;
            assert!(a.buf.len() <= a.cfg.frame_length);
            assert!(a.waiting.len() <= a.lag + 1, "{}", a.waiting.len());
            assert!(
                a.held.len() <= held_bound,
                "{} > {held_bound}",
                a.held.len()
            );
            assert!(a.pending_onsets.len() <= 8, "{}", a.pending_onsets.len());
            assert!(a.note_events.is_empty());
            assert!(a.buf.capacity() <= 2 * a.cfg.frame_length);
        }
        assert!(events > total / hop);
    }

    #[test]
    fn default_latency_is_under_50_ms() {
        for sr in [16000, 22050, 44100, 48000, 96000] {
            let a = StreamingAnalyzer::new(sr, StreamingParams::default()).unwrap();
            assert!(a.pitch_latency_s() <= 0.05, "{sr}: {}", a.pitch_latency_s());
            assert!(a.latency_s() <= 0.05, "{sr}: {}", a.latency_s());
        }
    }
}

//! Algorithmic reverb: Freeverb (Jezar at Dreampoint) as JUCE and pedalboard implement it, eight
//! damped feedback combs and four allpasses per channel, with pedalboard's parameters and
//! defaults. Any channel count: every channel's tank hears the mix of all channels and channel
//! `c`'s delays are longer by `23 * c` samples (Freeverb's stereo spread), so channels decorrelate;
//! `width` crossfeeds each wet channel with the mean of the others. Stereo is exactly Freeverb.

use super::{check_finite, check_param, check_rate, check_shape, Effect};
use crate::Result;

/// Reverb settings; defaults are pedalboard's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReverbParams {
    /// Size of the room, 0 to 1 (default 0.5): the combs' feedback, 0.7 to 0.98.
    pub room_size: f32,
    /// High-frequency absorption, 0 to 1 (default 0.5).
    pub damping: f32,
    /// Level of the reverberated signal, 0 to 1 (default 0.33).
    pub wet_level: f32,
    /// Level of the input passed through, 0 to 1 (default 0.4).
    pub dry_level: f32,
    /// Stereo width of the reverberation, 0 (mono) to 1 (default 1).
    pub width: f32,
}

impl Default for ReverbParams {
    fn default() -> Self {
        ReverbParams {
            room_size: 0.5,
            damping: 0.5,
            wet_level: 0.33,
            dry_level: 0.4,
            width: 1.0,
        }
    }
}

impl ReverbParams {
    fn validate(&self) -> Result<()> {
        check_param("reverb", "room_size", self.room_size, 0.0, 1.0)?;
        check_param("reverb", "damping", self.damping, 0.0, 1.0)?;
        check_param("reverb", "wet_level", self.wet_level, 0.0, 1.0)?;
        check_param("reverb", "dry_level", self.dry_level, 0.0, 1.0)?;
        check_param("reverb", "width", self.width, 0.0, 1.0)
    }

    fn feedback(&self) -> f32 {
        self.room_size * 0.28 + 0.7
    }
}

const COMB_TUNINGS: [usize; 8] = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617];
const ALLPASS_TUNINGS: [usize; 4] = [556, 441, 341, 225];
const STEREO_SPREAD: usize = 23;
/// Freeverb's fixed input gain.
const INPUT_GAIN: f32 = 0.015;

fn scaled(len: usize, sample_rate: u32) -> usize {
    ((sample_rate as usize * len) / 44_100).max(1)
}

#[derive(Debug, Clone)]
struct Comb {
    buf: Vec<f32>,
    pos: usize,
    last: f32,
}

#[derive(Debug, Clone)]
struct Allpass {
    buf: Vec<f32>,
    pos: usize,
}

#[derive(Debug, Clone)]
struct Tank {
    combs: Vec<Comb>,
    allpasses: Vec<Allpass>,
}

impl Tank {
    fn new(channel: usize, sample_rate: u32) -> Self {
        let spread = STEREO_SPREAD * channel;
        Tank {
            combs: COMB_TUNINGS
                .iter()
                .map(|&t| Comb {
                    buf: vec![0.0; scaled(t + spread, sample_rate)],
                    pos: 0,
                    last: 0.0,
                })
                .collect(),
            allpasses: ALLPASS_TUNINGS
                .iter()
                .map(|&t| Allpass {
                    buf: vec![0.0; scaled(t + spread, sample_rate)],
                    pos: 0,
                })
                .collect(),
        }
    }

    fn clear(&mut self) {
        for c in &mut self.combs {
            c.buf.fill(0.0);
            c.pos = 0;
            c.last = 0.0;
        }
        for a in &mut self.allpasses {
            a.buf.fill(0.0);
            a.pos = 0;
        }
    }

    /// Adds the combs' outputs for `input` into `out`, then runs the allpasses over `out`.
    /// Each filter runs over the whole chunk in turn: a short loop with one delay line.
    fn process(&mut self, input: &[f32], out: &mut [f32], damp: f32, feedback: f32) {
        out.fill(0.0);
        for comb in &mut self.combs {
            let len = comb.buf.len();
            let mut pos = comb.pos;
            let mut last = comb.last;
            for (o, &x) in out.iter_mut().zip(input) {
                let y = comb.buf[pos];
                last = y * (1.0 - damp) + last * damp;
                // Keep the filter out of subnormal numbers in long silences (as JUCE does).
                if last.abs() < 1e-25 {
                    last = 0.0;
                }
                comb.buf[pos] = x + last * feedback;
                pos += 1;
                if pos == len {
                    pos = 0;
                }
                *o += y;
            }
            comb.pos = pos;
            comb.last = last;
        }
        for ap in &mut self.allpasses {
            let len = ap.buf.len();
            let mut pos = ap.pos;
            for o in out.iter_mut() {
                let b = ap.buf[pos];
                let mut t = *o + b * 0.5;
                if t.abs() < 1e-25 {
                    t = 0.0;
                }
                ap.buf[pos] = t;
                pos += 1;
                if pos == len {
                    pos = 0;
                }
                *o = b - *o;
            }
            ap.pos = pos;
        }
    }
}

/// Freeverb. The reverberation decays forever in principle; whole-buffer processing appends
/// [`Effect::tail_frames`] frames, the time the combs take to decay by 60 dB.
#[derive(Debug, Clone)]
pub struct Reverb {
    params: ReverbParams,
    prepared: Option<(u32, usize)>,
    tanks: Vec<Tank>,
    input: Vec<f32>,
    wet: Vec<Vec<f32>>,
}

impl Reverb {
    pub fn new(params: ReverbParams) -> Result<Self> {
        params.validate()?;
        Ok(Reverb {
            params,
            prepared: None,
            tanks: Vec::new(),
            input: Vec::new(),
            wet: Vec::new(),
        })
    }

    pub fn params(&self) -> &ReverbParams {
        &self.params
    }
}

impl Effect for Reverb {
    fn name(&self) -> &'static str {
        "reverb"
    }

    fn process(&mut self, channels: &mut [Vec<f32>], sample_rate: u32) -> Result<()> {
        let frames = check_shape(channels, "reverb")?;
        check_finite(channels, "reverb")?;
        check_rate("reverb", sample_rate)?;
        let n = channels.len();
        if self.prepared != Some((sample_rate, n)) {
            self.tanks = (0..n).map(|c| Tank::new(c, sample_rate)).collect();
            self.prepared = Some((sample_rate, n));
        }
        if n == 0 {
            return Ok(());
        }
        let p = self.params;
        let wet = p.wet_level * 3.0;
        let wet1 = 0.5 * wet * (1.0 + p.width);
        let wet2 = 0.5 * wet * (1.0 - p.width);
        let dry = p.dry_level * 2.0;
        let damp = p.damping * 0.4;
        let feedback = p.feedback();
        // Freeverb feeds (left + right) * gain to both tanks; with n channels the sum is scaled
        // by 2 / n so the level matches stereo.
        let in_gain = if n == 1 {
            INPUT_GAIN
        } else {
            INPUT_GAIN * 2.0 / n as f32
        };
        self.input.clear();
        self.input.resize(frames, 0.0);
        for c in channels.iter() {
            for (i, x) in self.input.iter_mut().zip(c) {
                *i += x;
            }
        }
        for i in &mut self.input {
            *i *= in_gain;
        }
        self.wet.resize_with(n, Vec::new);
        for (tank, w) in self.tanks.iter_mut().zip(self.wet.iter_mut()) {
            w.resize(frames, 0.0);
            tank.process(&self.input, w, damp, feedback);
        }
        if n == 1 {
            for (x, w) in channels[0].iter_mut().zip(&self.wet[0]) {
                *x = w * wet1 + *x * dry;
            }
        } else if n == 2 {
            let (l, r) = channels.split_at_mut(1);
            for (((xl, xr), wl), wr) in l[0]
                .iter_mut()
                .zip(r[0].iter_mut())
                .zip(&self.wet[0])
                .zip(&self.wet[1])
            {
                *xl = wl * wet1 + wr * wet2 + *xl * dry;
                *xr = wr * wet1 + wl * wet2 + *xr * dry;
            }
        } else {
            // Crossfeed with the mean of the other channels.
            let mut total = vec![0.0f32; frames];
            for w in &self.wet {
                for (t, v) in total.iter_mut().zip(w) {
                    *t += v;
                }
            }
            let others = 1.0 / (n - 1) as f32;
            for (x, w) in channels.iter_mut().zip(&self.wet) {
                for ((x, w), t) in x.iter_mut().zip(w).zip(&total) {
                    *x = w * wet1 + (t - w) * others * wet2 + *x * dry;
                }
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        for t in &mut self.tanks {
            t.clear();
        }
    }

    fn tail_frames(&self, sample_rate: u32) -> usize {
        let p = self.params;
        if p.wet_level == 0.0 {
            return 0;
        }
        // Each trip round the longest comb multiplies its content by at most `feedback`.
        let trips = (-3.0f32 / p.feedback().log10()).ceil() as usize;
        let longest = scaled(COMB_TUNINGS[7] + STEREO_SPREAD * 8, sample_rate);
        let allpasses: usize = ALLPASS_TUNINGS
            .iter()
            .map(|&t| scaled(t + STEREO_SPREAD * 8, sample_rate))
            .sum();
        trips * longest + allpasses
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AudioBuffer;

    #[test]
    fn impulse_decays_and_has_a_tail() {
        let mut r = Reverb::new(ReverbParams::default()).unwrap();
        let mut a = AudioBuffer::silence(2, 1000, 44_100);
        a.channels_mut()[0][0] = 1.0;
        let out = r.process_buffer(&a).unwrap();
        let tail = r.tail_frames(44_100);
        assert_eq!(out.frames(), 1000 + tail);
        // Dry at frame 0, reverberation later, nearly silent at the end of the tail.
        assert!((out.channels()[0][0] - 0.8).abs() < 1e-6);
        let energy = |s: &[f32]| s.iter().map(|x| x * x).sum::<f32>();
        assert!(energy(&out.channels()[1][2000..20_000]) > 1e-4);
        let end = out.frames();
        assert!(energy(&out.channels()[0][end - 4410..]) < 1e-9);
    }

    #[test]
    fn mono_and_many_channels() {
        for n in [1, 3, 6] {
            let mut r = Reverb::new(ReverbParams::default()).unwrap();
            let mut x: Vec<Vec<f32>> = (0..n).map(|c| vec![0.1 * (c as f32 + 1.0); 3000]).collect();
            r.process(&mut x, 22_050).unwrap();
            assert!(x.iter().flatten().all(|v| v.is_finite()));
        }
        assert!(Reverb::new(ReverbParams {
            room_size: 1.5,
            ..Default::default()
        })
        .unwrap_err()
        .to_string()
        .contains("room_size"));
    }
}

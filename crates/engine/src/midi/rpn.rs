//! Registered parameters (RPN): what a file sets through controllers 101/100 (the parameter)
//! and 6/38 (its value), followed per channel the way a synthesizer follows them.

use serde::Serialize;

use super::{EventKind, MidiFile};

/// The registered parameters the General MIDI standards define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisteredParameter {
    /// RPN 0,0: data entry MSB in semitones, LSB in cents (MIDI 1.0).
    PitchBendRange,
    /// RPN 0,1: 14 bits, 8192 is in tune, one step is 100/8192 cent.
    FineTuning,
    /// RPN 0,2: data entry MSB in semitones, 64 is in tune.
    CoarseTuning,
    /// RPN 0,5: data entry MSB in semitones, LSB in 100/128 cent (General MIDI 2).
    ModulationDepthRange,
}

impl RegisteredParameter {
    fn from_number(msb: u8, lsb: u8) -> Option<Self> {
        match (msb, lsb) {
            (0, 0) => Some(Self::PitchBendRange),
            (0, 1) => Some(Self::FineTuning),
            (0, 2) => Some(Self::CoarseTuning),
            (0, 5) => Some(Self::ModulationDepthRange),
            _ => None,
        }
    }

    /// The value in semitones of a data entry (MSB, LSB).
    fn semitones(self, msb: u8, lsb: u8) -> f64 {
        let (msb, lsb) = (f64::from(msb), f64::from(lsb));
        match self {
            Self::PitchBendRange => msb + lsb / 100.0,
            Self::FineTuning => (msb * 128.0 + lsb - 8192.0) / 8192.0,
            Self::CoarseTuning => msb - 64.0,
            Self::ModulationDepthRange => msb + lsb / 128.0,
        }
    }
}

/// A registered parameter set on a channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParameterChange {
    pub time_s: f64,
    /// 0-based.
    pub channel: u8,
    pub parameter: RegisteredParameter,
    /// The data entry bytes as they stand after this change.
    pub msb: u8,
    pub lsb: u8,
    /// The value in semitones (fine tuning: fractions of a semitone).
    pub semitones: f64,
}

/// A channel's parameter selection and the data entry of each known parameter.
#[derive(Clone, Copy, Default)]
struct ChannelRpn {
    /// (MSB, LSB) of the selected parameter; `None` after an NRPN selection or the null RPN.
    selected: (Option<u8>, Option<u8>),
    nrpn: bool,
    data: [(u8, u8); 4],
}

const DEFAULTS: [(u8, u8); 4] = [(2, 0), (64, 0), (64, 0), (0, 64)];

fn index(p: RegisteredParameter) -> usize {
    match p {
        RegisteredParameter::PitchBendRange => 0,
        RegisteredParameter::FineTuning => 1,
        RegisteredParameter::CoarseTuning => 2,
        RegisteredParameter::ModulationDepthRange => 3,
    }
}

impl MidiFile {
    /// Every change of a registered parameter, in time order. Changes of one parameter of one
    /// channel at the same instant (MSB then LSB) are one change.
    pub fn parameters(&self) -> Vec<ParameterChange> {
        let mut channels = [ChannelRpn {
            data: DEFAULTS,
            ..Default::default()
        }; 16];
        let mut out: Vec<ParameterChange> = Vec::new();
        for e in &self.events {
            let EventKind::Channel {
                command: 0xB0,
                channel,
                data1: controller,
                data2: value,
            } = e.kind
            else {
                continue;
            };
            let ch = &mut channels[usize::from(channel & 15)];
            match controller {
                101 => (ch.selected.0, ch.nrpn) = (Some(value), false),
                100 => (ch.selected.1, ch.nrpn) = (Some(value), false),
                98 | 99 => ch.nrpn = true,
                6 | 38 if !ch.nrpn => {
                    let (Some(msb), Some(lsb)) = ch.selected else {
                        continue;
                    };
                    let Some(parameter) = RegisteredParameter::from_number(msb, lsb) else {
                        continue;
                    };
                    let slot = &mut ch.data[index(parameter)];
                    if controller == 6 {
                        slot.0 = value;
                    } else {
                        slot.1 = value;
                    }
                    let change = ParameterChange {
                        time_s: e.time_s,
                        channel,
                        parameter,
                        msb: slot.0,
                        lsb: slot.1,
                        semitones: parameter.semitones(slot.0, slot.1),
                    };
                    match out.last_mut() {
                        Some(last)
                            if last.time_s == change.time_s
                                && last.channel == channel
                                && last.parameter == parameter =>
                        {
                            *last = change;
                        }
                        _ => out.push(change),
                    }
                }
                _ => {}
            }
        }
        out
    }
}

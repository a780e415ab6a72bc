//! The system-exclusive messages the synthesizer acts on: the GM, GM2, GS and XG resets, and
//! the General MIDI 2 master tuning (Universal Real Time Device Control). Others are ignored,
//! as a GM synthesizer would.

/// What a SysEx message asks of the synthesizer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SysEx {
    /// GM System On / GM2 System On / GS Reset / XG System On: controllers back to defaults.
    Reset,
    /// Master Fine Tuning, in semitones (-1 to +1).
    MasterFineTuning(f32),
    /// Master Coarse Tuning, in semitones (-64 to +63).
    MasterCoarseTuning(f32),
}

/// Decodes `data` (a SysEx message without its leading 0xF0; the device ID is not checked, as
/// players do not).
pub(crate) fn decode(data: &[u8]) -> Option<SysEx> {
    match data {
        // F0 7E dd 09 01 F7 (GM) and F0 7E dd 09 03 F7 (GM2).
        [0x7E, _, 0x09, 0x01 | 0x03, ..] => Some(SysEx::Reset),
        // F0 41 dd 42 12 40 00 7F 00 41 F7 (GS Reset).
        [0x41, _, 0x42, 0x12, 0x40, 0x00, 0x7F, ..] => Some(SysEx::Reset),
        // F0 43 1n 4C 00 00 7E 00 F7 (XG System On).
        [0x43, _, 0x4C, 0x00, 0x00, 0x7E, ..] => Some(SysEx::Reset),
        // F0 7F dd 04 03 lsb msb F7: 8192 is in tune, one step is 100/8192 cent.
        [0x7F, _, 0x04, 0x03, lsb, msb, ..] if (lsb | msb) < 0x80 => {
            let value = i32::from(*msb) * 128 + i32::from(*lsb) - 8192;
            Some(SysEx::MasterFineTuning(value as f32 / 8192.0))
        }
        // F0 7F dd 04 04 lsb msb F7: the MSB in semitones, 64 is in tune.
        [0x7F, _, 0x04, 0x04, _, msb, ..] if *msb < 0x80 => {
            Some(SysEx::MasterCoarseTuning(f32::from(*msb) - 64.0))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_resets_and_master_tuning() {
        assert_eq!(decode(&[0x7E, 0x7F, 0x09, 0x01, 0xF7]), Some(SysEx::Reset));
        assert_eq!(decode(&[0x7E, 0x10, 0x09, 0x03, 0xF7]), Some(SysEx::Reset));
        let gs = [0x41, 0x10, 0x42, 0x12, 0x40, 0x00, 0x7F, 0x00, 0x41, 0xF7];
        assert_eq!(decode(&gs), Some(SysEx::Reset));
        let xg = [0x43, 0x10, 0x4C, 0x00, 0x00, 0x7E, 0x00, 0xF7];
        assert_eq!(decode(&xg), Some(SysEx::Reset));
        let fine = |lsb, msb| decode(&[0x7F, 0x7F, 0x04, 0x03, lsb, msb, 0xF7]);
        assert_eq!(fine(0x00, 0x40), Some(SysEx::MasterFineTuning(0.0)));
        assert_eq!(fine(0x00, 0x20), Some(SysEx::MasterFineTuning(-0.5)));
        assert_eq!(fine(0x00, 0x00), Some(SysEx::MasterFineTuning(-1.0)));
        let coarse = decode(&[0x7F, 0x7F, 0x04, 0x04, 0x00, 0x4C, 0xF7]);
        assert_eq!(coarse, Some(SysEx::MasterCoarseTuning(12.0)));
        assert_eq!(decode(&[0x7E, 0x7F, 0x06, 0x01, 0xF7]), None);
        assert_eq!(decode(&[0x7F, 0x7F, 0x04]), None);
    }
}

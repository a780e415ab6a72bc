#[derive(Debug, PartialEq, Eq)]
enum DataType {
    None,
    Rpn,
    Nrpn,
}

#[derive(Debug)]
#[non_exhaustive]
pub(crate) struct Channel {
    pub(crate) is_percussion_channel: bool,

    bank_number: i32,
    patch_number: i32,

    modulation: i16,
    volume: i16,
    pan: i16,
    expression: i16,
    hold_pedal: bool,

    reverb_send: u8,
    chorus_send: u8,

    rpn: i16,
    pitch_bend_range: i16,
    coarse_tune: i16,
    fine_tune: i16,

    pitch_bend: f32,

    last_data_type: DataType,

    // Fork: master tuning (Universal Real Time SysEx), in semitones; a synthesizer-wide
    // setting kept by every channel, untouched by resets.
    master_tune: f32,

    // Fork: portamento (controllers 65, 5 / 37 and 84).
    portamento: bool,
    portamento_time: i16,
    portamento_source: Option<i32>,
    last_key: Option<i32>,
}

// Fork: portamento time in seconds for controller 5 values, as measured on a Roland SC-55
// (dosbox-staging); values between the points are interpolated linearly.
const PORTAMENTO_SECONDS: [(f32, f32); 15] = [
    (0.0, 0.0),
    (1.0, 0.006),
    (2.0, 0.023),
    (4.0, 0.05),
    (8.0, 0.11),
    (16.0, 0.25),
    (32.0, 0.5),
    (64.0, 2.06),
    (80.0, 4.2),
    (96.0, 8.4),
    (112.0, 19.5),
    (116.0, 26.7),
    (120.0, 40.0),
    (124.0, 80.0),
    (127.0, 480.0),
];

fn portamento_seconds(time: i16) -> f32 {
    // Controller 37 (LSB) refines controller 5 between two steps.
    let x = (time >> 7) as f32 + (time & 0x7F) as f32 / 128_f32;
    for pair in PORTAMENTO_SECONDS.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        if x <= x1 {
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
        }
    }
    PORTAMENTO_SECONDS[PORTAMENTO_SECONDS.len() - 1].1
}

/// Fork: the bank a Bank Select MSB of `value` selects. General MIDI 2 selects a rhythm bank
/// (MSB 120) or a melody bank (MSB 121) on any channel; other values count from 128 on the
/// percussion channel.
pub(crate) fn selected_bank(value: i32, is_percussion_channel: bool) -> i32 {
    match value {
        120 => 128,
        121 => 0,
        _ if is_percussion_channel => value + 128,
        _ => value,
    }
}

impl Channel {
    pub(crate) fn new(is_percussion_channel: bool) -> Self {
        let mut channel = Self {
            is_percussion_channel,
            bank_number: 0,
            patch_number: 0,
            modulation: 0,
            volume: 0,
            pan: 0,
            expression: 0,
            hold_pedal: false,
            reverb_send: 0,
            chorus_send: 0,
            rpn: 0,
            pitch_bend_range: 0,
            coarse_tune: 0,
            fine_tune: 0,
            pitch_bend: 0_f32,
            last_data_type: DataType::None,
            master_tune: 0_f32,
            portamento: false,
            portamento_time: 0,
            portamento_source: None,
            last_key: None,
        };

        channel.reset();

        channel
    }

    pub(crate) fn reset(&mut self) {
        self.bank_number = if self.is_percussion_channel { 128 } else { 0 };
        self.patch_number = 0;

        self.modulation = 0;
        self.volume = 100 << 7;
        self.pan = 64 << 7;
        self.expression = 127 << 7;
        self.hold_pedal = false;

        self.reverb_send = 40;
        self.chorus_send = 0;

        self.rpn = -1;
        self.pitch_bend_range = 2 << 7;
        self.coarse_tune = 0;
        self.fine_tune = 8192;

        self.pitch_bend = 0_f32;

        self.portamento = false;
        self.portamento_time = 0;
        self.portamento_source = None;
        self.last_key = None;
    }

    pub(crate) fn reset_all_controllers(&mut self) {
        self.modulation = 0;
        self.expression = 127 << 7;
        self.hold_pedal = false;

        self.rpn = -1;

        self.pitch_bend = 0_f32;

        // Fork: as General MIDI 2 (RP-015) asks.
        self.portamento = false;
        self.portamento_source = None;
    }

    pub(crate) fn set_bank(&mut self, value: i32) {
        self.bank_number = selected_bank(value, self.is_percussion_channel);
    }

    pub(crate) fn set_master_tune(&mut self, semitones: f32) {
        self.master_tune = semitones;
    }

    pub(crate) fn set_portamento(&mut self, value: i32) {
        self.portamento = value >= 64;
    }

    pub(crate) fn set_portamento_time_coarse(&mut self, value: i32) {
        self.portamento_time = (self.portamento_time & 0x7F) | (value << 7) as i16;
    }

    pub(crate) fn set_portamento_time_fine(&mut self, value: i32) {
        self.portamento_time = (((self.portamento_time as i32) & 0xFF80) | value) as i16;
    }

    pub(crate) fn set_portamento_control(&mut self, key: i32) {
        self.portamento_source = Some(key);
    }

    /// Fork: the glide of a note-on of `key`: the distance in semitones from the key it starts
    /// at (the portamento control's source key, or with portamento on the channel's previous
    /// key) and the portamento time in seconds; `None` when it does not glide. Drums never do.
    pub(crate) fn take_glide(&mut self, key: i32) -> Option<(f32, f32)> {
        let from = match self.portamento_source.take() {
            Some(source) => Some(source),
            None if self.portamento => self.last_key,
            None => None,
        };
        self.last_key = Some(key);
        let seconds = portamento_seconds(self.portamento_time);
        match from {
            Some(from) if from != key && seconds > 0_f32 && self.bank_number < 128 => {
                Some(((from - key) as f32, seconds))
            }
            _ => None,
        }
    }

    pub(crate) fn set_patch(&mut self, value: i32) {
        self.patch_number = value;
    }

    pub(crate) fn set_modulation_coarse(&mut self, value: i32) {
        self.modulation = (self.modulation & 0x7F) | (value << 7) as i16;
    }

    pub(crate) fn set_modulation_fine(&mut self, value: i32) {
        self.modulation = (((self.modulation as i32) & 0xFF80) | value) as i16;
    }

    pub(crate) fn set_volume_coarse(&mut self, value: i32) {
        self.volume = (self.volume & 0x7F) | (value << 7) as i16;
    }

    pub(crate) fn set_volume_fine(&mut self, value: i32) {
        self.volume = (((self.volume as i32) & 0xFF80) | value) as i16;
    }

    pub(crate) fn set_pan_coarse(&mut self, value: i32) {
        self.pan = (self.pan & 0x7F) | (value << 7) as i16;
    }

    pub(crate) fn set_pan_fine(&mut self, value: i32) {
        self.pan = (((self.pan as i32) & 0xFF80) | value) as i16;
    }

    pub(crate) fn set_expression_coarse(&mut self, value: i32) {
        self.expression = (self.expression & 0x7F) | (value << 7) as i16;
    }

    pub(crate) fn set_expression_fine(&mut self, value: i32) {
        self.expression = (((self.expression as i32) & 0xFF80) | value) as i16;
    }

    pub(crate) fn set_hold_pedal(&mut self, value: i32) {
        self.hold_pedal = value >= 64;
    }

    pub(crate) fn set_reverb_send(&mut self, value: i32) {
        self.reverb_send = value as u8;
    }

    pub(crate) fn set_chorus_send(&mut self, value: i32) {
        self.chorus_send = value as u8;
    }

    pub(crate) fn set_rpn_coarse(&mut self, value: i32) {
        self.rpn = (self.rpn & 0x7F) | (value << 7) as i16;
        self.last_data_type = DataType::Rpn;
    }

    pub(crate) fn set_rpn_fine(&mut self, value: i32) {
        self.rpn = (((self.rpn as i32) & 0xFF80) | value) as i16;
        self.last_data_type = DataType::Rpn;
    }

    pub(crate) fn set_nrpn_coarse(&mut self, _value: i32) {
        self.last_data_type = DataType::Nrpn;
    }

    pub(crate) fn set_nrpn_fine(&mut self, _value: i32) {
        self.last_data_type = DataType::Nrpn;
    }

    pub(crate) fn data_entry_coarse(&mut self, value: i32) {
        if self.last_data_type != DataType::Rpn {
            return;
        }

        if self.rpn == 0 {
            self.pitch_bend_range = (self.pitch_bend_range & 0x7F) | (value << 7) as i16;
        } else if self.rpn == 1 {
            self.fine_tune = (self.fine_tune & 0x7F) | (value << 7) as i16;
        } else if self.rpn == 2 {
            self.coarse_tune = (value - 64) as i16;
        }
    }

    pub(crate) fn data_entry_fine(&mut self, value: i32) {
        if self.last_data_type != DataType::Rpn {
            return;
        }

        if self.rpn == 0 {
            self.pitch_bend_range = (((self.pitch_bend_range as i32) & 0xFF80) | value) as i16;
        } else if self.rpn == 1 {
            self.fine_tune = (((self.fine_tune as i32) & 0xFF80) | value) as i16;
        }
    }

    pub(crate) fn set_pitch_bend(&mut self, value1: i32, value2: i32) {
        self.pitch_bend = (1_f32 / 8192_f32) * ((value1 | (value2 << 7)) - 8192) as f32;
    }

    pub(crate) fn get_bank_number(&self) -> i32 {
        self.bank_number
    }

    pub(crate) fn get_patch_number(&self) -> i32 {
        self.patch_number
    }

    pub(crate) fn get_modulation(&self) -> f32 {
        (50_f32 / 16383_f32) * self.modulation as f32
    }

    pub(crate) fn get_volume(&self) -> f32 {
        (1_f32 / 16383_f32) * self.volume as f32
    }

    pub(crate) fn get_pan(&self) -> f32 {
        (100_f32 / 16383_f32) * self.pan as f32 - 50_f32
    }

    pub(crate) fn get_expression(&self) -> f32 {
        (1_f32 / 16383_f32) * self.expression as f32
    }

    pub(crate) fn get_hold_pedal(&self) -> bool {
        self.hold_pedal
    }

    pub(crate) fn get_reverb_send(&self) -> f32 {
        (1_f32 / 127_f32) * self.reverb_send as f32
    }

    pub(crate) fn get_chorus_send(&self) -> f32 {
        (1_f32 / 127_f32) * self.chorus_send as f32
    }

    pub(crate) fn get_pitch_bend_range(&self) -> f32 {
        (self.pitch_bend_range >> 7) as f32 + 0.01_f32 * (self.pitch_bend_range & 0x7F) as f32
    }

    pub(crate) fn get_tune(&self) -> f32 {
        self.coarse_tune as f32
            + (1_f32 / 8192_f32) * (self.fine_tune - 8192) as f32
            + self.master_tune
    }

    pub(crate) fn get_pitch_bend(&self) -> f32 {
        self.get_pitch_bend_range() * self.pitch_bend
    }
}

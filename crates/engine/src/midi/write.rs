//! Writing a type-0 Standard MIDI File from notes, controller changes and pitch bends: the demo
//! piece, the tests' inputs and transcriptions are written with it.

/// A note to write: start and length in ticks, channel, key, velocity.
#[derive(Debug, Clone, Copy)]
pub struct Note {
    pub start: u32,
    pub length: u32,
    pub channel: u8,
    pub key: u8,
    pub velocity: u8,
}

/// Writes a type-0 Standard MIDI File from notes, controller changes `(tick, channel, cc,
/// value)`, a program per channel and a tempo.
pub fn write_smf(
    tpq: u16,
    bpm: f64,
    programs: &[(u8, u8)],
    notes: &[Note],
    controls: &[(u32, u8, u8, u8)],
) -> Vec<u8> {
    write_smf_with_bends(tpq, bpm, programs, notes, controls, &[])
}

/// [`write_smf`] with pitch-bend events `(tick, channel, value)` too, `value` from -8192 to 8191
/// (0 is no bend).
pub fn write_smf_with_bends(
    tpq: u16,
    bpm: f64,
    programs: &[(u8, u8)],
    notes: &[Note],
    controls: &[(u32, u8, u8, u8)],
    bends: &[(u32, u8, i32)],
) -> Vec<u8> {
    // (tick, order, bytes): note-offs sort before note-ons at the same tick.
    let mut events: Vec<(u32, u8, Vec<u8>)> = Vec::new();
    let tempo = (60_000_000.0 / bpm).round() as u32;
    events.push((
        0,
        0,
        vec![
            0xFF,
            0x51,
            0x03,
            (tempo >> 16) as u8,
            (tempo >> 8) as u8,
            tempo as u8,
        ],
    ));
    for &(ch, program) in programs {
        events.push((0, 1, vec![0xC0 | (ch & 15), program & 127]));
    }
    for &(tick, ch, cc, value) in controls {
        events.push((tick, 2, vec![0xB0 | (ch & 15), cc & 127, value & 127]));
    }
    for &(tick, ch, value) in bends {
        let v = (value.clamp(-8192, 8191) + 8192) as u16;
        events.push((
            tick,
            2,
            vec![0xE0 | (ch & 15), (v & 0x7F) as u8, (v >> 7) as u8],
        ));
    }
    for n in notes {
        events.push((
            n.start,
            3,
            vec![
                0x90 | (n.channel & 15),
                n.key & 127,
                n.velocity.clamp(1, 127),
            ],
        ));
        events.push((
            n.start + n.length,
            1,
            vec![0x80 | (n.channel & 15), n.key & 127, 64],
        ));
    }
    events.sort_by_key(|e| (e.0, e.1));
    let mut track = Vec::new();
    let mut last = 0u32;
    for (tick, _, bytes) in events {
        write_vlq(&mut track, tick - last);
        last = tick;
        track.extend_from_slice(&bytes);
    }
    track.extend_from_slice(&[0x00, 0xFF, 0x2F, 0x00]);
    let mut out = b"MThd".to_vec();
    out.extend_from_slice(&6u32.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&tpq.to_be_bytes());
    out.extend_from_slice(b"MTrk");
    out.extend_from_slice(&(track.len() as u32).to_be_bytes());
    out.extend_from_slice(&track);
    out
}

fn write_vlq(out: &mut Vec<u8>, mut v: u32) {
    let mut stack = [0u8; 5];
    let mut n = 0;
    loop {
        stack[n] = (v & 0x7F) as u8;
        n += 1;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(stack[i] | if i > 0 { 0x80 } else { 0 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vlq_encoding() {
        let mut v = Vec::new();
        write_vlq(&mut v, 0x0FFF_FFFF);
        assert_eq!(v, vec![0xFF, 0xFF, 0xFF, 0x7F]);
        v.clear();
        write_vlq(&mut v, 480);
        assert_eq!(v, vec![0x83, 0x60]);
    }

    #[test]
    fn pitch_bends_are_written_centred_and_clamped() {
        let note = Note {
            start: 0,
            length: 480,
            channel: 0,
            key: 60,
            velocity: 100,
        };
        let smf = write_smf_with_bends(480, 120.0, &[], &[note], &[], &[(0, 0, 0), (240, 0, 9000)]);
        let centred = [0xE0, 0x00, 0x40];
        let top = [0xE0, 0x7F, 0x7F];
        assert!(smf.windows(3).any(|w| w == centred));
        assert!(smf.windows(3).any(|w| w == top));
    }
}

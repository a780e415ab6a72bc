#![no_main]
//! Any bytes given to the MIDI parser, lenient or strict, give a parsed file or an error, never a
//! panic or a hang; a parsed file's summary, notes and parameters are computed too.
use libfuzzer_sys::fuzz_target;
use rust_audio_engine::{MidiFile, MidiLimits};

fuzz_target!(|data: &[u8]| {
    for strict in [false, true] {
        let limits = MidiLimits {
            strict,
            ..MidiLimits::default()
        };
        if let Ok(m) = MidiFile::parse(data, std::path::Path::new("fuzz.mid"), &limits) {
            let _ = (m.summary(), m.notes(), m.parameters(), m.texts());
        }
    }
});

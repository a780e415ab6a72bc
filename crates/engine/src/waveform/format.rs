//! Readers and writers: audiowaveform `.dat` (versions 1 and 2), audiowaveform JSON, and the
//! wavesurfer.js `{duration, peaks}` JSON. Byte-level layouts are in `docs/waveform-formats.md`.

use std::fmt::Write as _;

use super::{Bits, Peaks, WaveformError, MAX_CHANNELS};

/// `.dat` flags bit 0: 8-bit data.
const FLAG_8_BIT: u32 = 1;
/// Decimals of the wavesurfer peak values (wavesurfer's `exportPeaks` default precision 10_000).
const WAVESURFER_DECIMALS: usize = 4;
/// Decimals of the wavesurfer duration (microseconds).
const DURATION_DECIMALS: usize = 6;

impl Peaks {
    /// audiowaveform binary data: version 1 for one channel, version 2 (adds a channel count)
    /// for more, exactly as `audiowaveform -o x.dat` chooses. All values little-endian.
    ///
    /// Values are written as stored; call [`validate`](Self::validate) first on peaks built by
    /// hand (8-bit values outside -128..=127 are clamped here).
    pub fn to_dat(&self) -> Vec<u8> {
        let version: i32 = if self.channels == 1 { 1 } else { 2 };
        let bytes_per_value = if self.bits == Bits::Eight { 1 } else { 2 };
        let mut out = Vec::with_capacity(24 + self.data.len() * bytes_per_value);
        out.extend_from_slice(&version.to_le_bytes());
        let flags = if self.bits == Bits::Eight {
            FLAG_8_BIT
        } else {
            0
        };
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&saturating_i32(u64::from(self.sample_rate)).to_le_bytes());
        out.extend_from_slice(&saturating_i32(u64::from(self.samples_per_pixel)).to_le_bytes());
        let length = u32::try_from(self.length()).unwrap_or(u32::MAX);
        out.extend_from_slice(&length.to_le_bytes());
        if version == 2 {
            out.extend_from_slice(&saturating_i32(self.channels as u64).to_le_bytes());
        }
        match self.bits {
            Bits::Eight => out.extend(
                self.data
                    .iter()
                    .map(|&v| v.clamp(i16::from(i8::MIN), i16::from(i8::MAX)) as i8 as u8),
            ),
            Bits::Sixteen => {
                for &v in &self.data {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        out
    }

    /// Parses audiowaveform binary data (version 1 or 2, 8- or 16-bit).
    pub fn from_dat(bytes: &[u8]) -> Result<Self, WaveformError> {
        let have = bytes.len() as u64;
        let word = |i: usize| -> Result<[u8; 4], WaveformError> {
            bytes
                .get(i * 4..i * 4 + 4)
                .and_then(|s| <[u8; 4]>::try_from(s).ok())
                .ok_or(WaveformError::Truncated {
                    needed: (i as u64 + 1) * 4,
                    have,
                })
        };
        let version = i32::from_le_bytes(word(0)?);
        if version != 1 && version != 2 {
            return Err(WaveformError::UnsupportedVersion(i64::from(version)));
        }
        let flags = u32::from_le_bytes(word(1)?);
        let sample_rate = i32::from_le_bytes(word(2)?);
        let samples_per_pixel = i32::from_le_bytes(word(3)?);
        let length = u32::from_le_bytes(word(4)?);
        let (channels, header) = if version == 2 {
            (i32::from_le_bytes(word(5)?), 24usize)
        } else {
            (1, 20usize)
        };
        let sample_rate = u32::try_from(sample_rate)
            .ok()
            .filter(|&r| r > 0)
            .ok_or(WaveformError::InvalidSampleRate(i64::from(sample_rate)))?;
        let samples_per_pixel = u32::try_from(samples_per_pixel)
            .ok()
            .filter(|&s| s > 0)
            .ok_or(WaveformError::InvalidSamplesPerPixel(i64::from(
                samples_per_pixel,
            )))?;
        let channels = usize::try_from(channels)
            .ok()
            .filter(|c| (1..=MAX_CHANNELS).contains(c))
            .ok_or(WaveformError::DataChannels(i64::from(channels)))?;
        let bits = if flags & FLAG_8_BIT != 0 {
            Bits::Eight
        } else {
            Bits::Sixteen
        };
        let bytes_per_value: u64 = if bits == Bits::Eight { 1 } else { 2 };
        let values = u64::from(length) * channels as u64 * 2;
        let needed = header as u64 + values * bytes_per_value;
        if have < needed {
            let point = 2 * channels as u64 * bytes_per_value;
            return Err(WaveformError::MissingPoints {
                expected: u64::from(length),
                read: have.saturating_sub(header as u64) / point,
            });
        }
        if have > needed {
            return Err(WaveformError::TrailingBytes(have - needed));
        }
        let body = &bytes[header..];
        let data: Vec<i16> = match bits {
            Bits::Eight => body.iter().map(|&b| i16::from(b as i8)).collect(),
            Bits::Sixteen => body
                .chunks_exact(2)
                .map(|p| i16::from_le_bytes([p[0], p[1]]))
                .collect(),
        };
        Ok(Peaks {
            sample_rate,
            samples_per_pixel,
            channels,
            bits,
            data,
        })
    }

    /// audiowaveform JSON, byte for byte as `audiowaveform -o x.json` writes it: always
    /// `"version":2`, keys in the order version, channels, sample_rate, samples_per_pixel, bits,
    /// length, data; no spaces; a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = String::with_capacity(100 + self.data.len() * 7);
        let _ = write!(
            s,
            "{{\"version\":2,\"channels\":{},\"sample_rate\":{},\"samples_per_pixel\":{},\"bits\":{},\"length\":{},\"data\":[",
            self.channels,
            self.sample_rate,
            self.samples_per_pixel,
            self.bits.as_u32(),
            self.length()
        );
        for (i, v) in self.data.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(s, "{v}");
        }
        s.push_str("]}\n");
        s
    }

    /// Parses audiowaveform JSON, version 1 (no `version`/`channels` keys: one channel) or 2.
    /// Keys may come in any order; unknown keys are ignored.
    pub fn from_json(text: &str) -> Result<Self, WaveformError> {
        let mut p = JsonParser {
            bytes: text.as_bytes(),
            pos: 0,
        };
        let mut version = None;
        let mut channels = None;
        let mut sample_rate = None;
        let mut samples_per_pixel = None;
        let mut bits = None;
        let mut length = None;
        let mut data = None;
        p.expect(b'{')?;
        if !p.eat(b'}') {
            loop {
                let key = p.string()?;
                p.expect(b':')?;
                match key.as_str() {
                    "version" => version = Some(p.integer()?),
                    "channels" => channels = Some(p.integer()?),
                    "sample_rate" => sample_rate = Some(p.integer()?),
                    "samples_per_pixel" => samples_per_pixel = Some(p.integer()?),
                    "bits" => bits = Some(p.integer()?),
                    "length" => length = Some(p.integer()?),
                    "data" => data = Some(p.integer_array()?),
                    _ => p.skip_value()?,
                }
                if p.eat(b',') {
                    continue;
                }
                p.expect(b'}')?;
                break;
            }
        }
        p.skip_ws();
        if p.pos != p.bytes.len() {
            return Err(p.error("unexpected text after the object"));
        }

        let version = version.unwrap_or(1);
        if version != 1 && version != 2 {
            return Err(WaveformError::UnsupportedVersion(version));
        }
        let channels = channels.unwrap_or(1);
        let channels = usize::try_from(channels)
            .ok()
            .filter(|c| (1..=MAX_CHANNELS).contains(c))
            .ok_or(WaveformError::InvalidChannels(channels))?;
        let sample_rate = sample_rate.ok_or(WaveformError::MissingKey("sample_rate"))?;
        let sample_rate = u32::try_from(sample_rate)
            .ok()
            .filter(|&r| r > 0)
            .ok_or(WaveformError::InvalidSampleRate(sample_rate))?;
        let spp = samples_per_pixel.ok_or(WaveformError::MissingKey("samples_per_pixel"))?;
        let samples_per_pixel = u32::try_from(spp)
            .ok()
            .filter(|&s| s > 0)
            .ok_or(WaveformError::InvalidSamplesPerPixel(spp))?;
        let bits = bits.ok_or(WaveformError::MissingKey("bits"))?;
        let bits = Bits::from_u32(u32::try_from(bits).unwrap_or(0))?;
        let length = length.ok_or(WaveformError::MissingKey("length"))?;
        let data = data.ok_or(WaveformError::MissingKey("data"))?;
        let expected = u64::try_from(length)
            .ok()
            .and_then(|l| l.checked_mul(2 * channels as u64));
        if expected != Some(data.len() as u64) {
            return Err(WaveformError::DataLength {
                expected: expected.unwrap_or(0),
                got: data.len() as u64,
            });
        }
        let (lo, hi) = match bits {
            Bits::Eight => (i64::from(i8::MIN), i64::from(i8::MAX)),
            Bits::Sixteen => (i64::from(i16::MIN), i64::from(i16::MAX)),
        };
        let data = data
            .iter()
            .enumerate()
            .map(|(index, &v)| {
                if (lo..=hi).contains(&v) {
                    Ok(v as i16)
                } else {
                    Err(WaveformError::ValueOutOfRange {
                        index,
                        value: v,
                        bits: bits.as_u32(),
                    })
                }
            })
            .collect::<Result<Vec<i16>, _>>()?;
        Ok(Peaks {
            sample_rate,
            samples_per_pixel,
            channels,
            bits,
            data,
        })
    }

    /// wavesurfer.js JSON `{"duration":s,"peaks":[[...],...]}` with the duration covered by the
    /// pixels ([`duration_s`](Self::duration_s)); see
    /// [`to_wavesurfer_json_with_duration`](Self::to_wavesurfer_json_with_duration).
    pub fn to_wavesurfer_json(&self) -> String {
        self.to_wavesurfer_json_with_duration(self.duration_s())
    }

    /// wavesurfer.js JSON with an exact duration (e.g. [`PeaksBuilder::duration_s`]).
    ///
    /// One array per waveform channel, one value per pixel, in the shape of wavesurfer v7's own
    /// `exportPeaks()`: the signed extreme with the larger magnitude (`max` on a tie), scaled to
    /// -1..=1 by the full scale of `bits` (32767 or 127) and written with 4 decimals.
    ///
    /// [`PeaksBuilder::duration_s`]: super::PeaksBuilder::duration_s
    pub fn to_wavesurfer_json_with_duration(&self, duration_s: f64) -> String {
        let length = self.length();
        let scale = 1.0 / f64::from(self.bits.full_scale());
        let duration = if duration_s.is_finite() {
            duration_s.max(0.0)
        } else {
            0.0
        };
        let mut s = String::with_capacity(32 + length * self.channels * 8);
        let _ = write!(
            s,
            "{{\"duration\":{duration:.prec$},\"peaks\":[",
            prec = DURATION_DECIMALS
        );
        for c in 0..self.channels {
            if c > 0 {
                s.push(',');
            }
            s.push('[');
            for i in 0..length {
                if i > 0 {
                    s.push(',');
                }
                let base = (i * self.channels + c) * 2;
                let (lo, hi) = (self.data[base], self.data[base + 1]);
                let v = if i32::from(lo).abs() > i32::from(hi).abs() {
                    lo
                } else {
                    hi
                };
                push_fixed(&mut s, (f64::from(v) * scale).clamp(-1.0, 1.0));
            }
            s.push(']');
        }
        s.push_str("]}");
        s
    }
}

/// Fixed-decimal float, never `-0.0000`.
fn push_fixed(s: &mut String, v: f64) {
    let p = 10f64.powi(WAVESURFER_DECIMALS as i32);
    let r = (v * p).round() / p;
    let r = if r == 0.0 { 0.0 } else { r };
    let _ = write!(s, "{r:.prec$}", prec = WAVESURFER_DECIMALS);
}

fn saturating_i32(v: u64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// A minimal JSON reader for the audiowaveform object: integers, integer arrays, and skipping
/// any other value.
struct JsonParser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl JsonParser<'_> {
    fn error(&self, message: &str) -> WaveformError {
        WaveformError::Json {
            offset: self.pos,
            message: message.to_string(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), WaveformError> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", b as char)))
        }
    }

    fn string(&mut self) -> Result<String, WaveformError> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            match self.bytes.get(self.pos) {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    // Keys we care about have no escapes; keep the escaped byte verbatim.
                    let next = self.bytes.get(self.pos + 1).copied();
                    match next {
                        Some(c) => out.push(c),
                        None => return Err(self.error("unterminated string")),
                    }
                    self.pos += 2;
                }
                Some(&c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| self.error("invalid UTF-8 in string"))
    }

    fn integer(&mut self) -> Result<i64, WaveformError> {
        self.skip_ws();
        let start = self.pos;
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        if self.pos == digits {
            return Err(self.error("expected an integer"));
        }
        if matches!(self.bytes.get(self.pos), Some(b'.' | b'e' | b'E')) {
            return Err(self.error("expected an integer, found a fraction or exponent"));
        }
        std::str::from_utf8(&self.bytes[start..self.pos])
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
            .ok_or_else(|| {
                let mut e = self.error("integer out of range");
                if let WaveformError::Json { offset, .. } = &mut e {
                    *offset = start;
                }
                e
            })
    }

    fn integer_array(&mut self) -> Result<Vec<i64>, WaveformError> {
        self.expect(b'[')?;
        let mut out = Vec::new();
        if self.eat(b']') {
            return Ok(out);
        }
        loop {
            out.push(self.integer()?);
            if self.eat(b',') {
                continue;
            }
            self.expect(b']')?;
            return Ok(out);
        }
    }

    /// Skips any JSON value (for keys this reader does not use).
    fn skip_value(&mut self) -> Result<(), WaveformError> {
        match self.peek() {
            Some(b'"') => self.string().map(|_| ()),
            Some(open @ (b'[' | b'{')) => {
                let close = if open == b'[' { b']' } else { b'}' };
                self.pos += 1;
                if self.eat(close) {
                    return Ok(());
                }
                loop {
                    if open == b'{' {
                        self.string()?;
                        self.expect(b':')?;
                    }
                    self.skip_value()?;
                    if self.eat(b',') {
                        continue;
                    }
                    return self.expect(close);
                }
            }
            Some(_) => {
                let start = self.pos;
                while self
                    .bytes
                    .get(self.pos)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || b"+-.".contains(c))
                {
                    self.pos += 1;
                }
                if self.pos == start {
                    Err(self.error("expected a value"))
                } else {
                    Ok(())
                }
            }
            None => Err(self.error("unexpected end of input")),
        }
    }
}

use std::io;
use std::io::ErrorKind;
use std::io::Read;

use crate::four_cc::FourCC;

#[non_exhaustive]
pub(crate) struct BinaryReader {}

impl BinaryReader {
    pub(crate) fn read_i8<R: Read>(reader: &mut R) -> Result<i8, io::Error> {
        let mut data: [u8; 1] = [0; 1];
        reader.read_exact(&mut data)?;
        Ok(i8::from_le_bytes(data))
    }

    pub(crate) fn read_u8<R: Read>(reader: &mut R) -> Result<u8, io::Error> {
        let mut data: [u8; 1] = [0; 1];
        reader.read_exact(&mut data)?;
        Ok(u8::from_le_bytes(data))
    }

    pub(crate) fn read_i16<R: Read>(reader: &mut R) -> Result<i16, io::Error> {
        let mut data: [u8; 2] = [0; 2];
        reader.read_exact(&mut data)?;
        Ok(i16::from_le_bytes(data))
    }

    pub(crate) fn read_u16<R: Read>(reader: &mut R) -> Result<u16, io::Error> {
        let mut data: [u8; 2] = [0; 2];
        reader.read_exact(&mut data)?;
        Ok(u16::from_le_bytes(data))
    }

    pub(crate) fn read_i32<R: Read>(reader: &mut R) -> Result<i32, io::Error> {
        let mut data: [u8; 4] = [0; 4];
        reader.read_exact(&mut data)?;
        Ok(i32::from_le_bytes(data))
    }

    pub(crate) fn read_u32<R: Read>(reader: &mut R) -> Result<u32, io::Error> {
        let mut data: [u8; 4] = [0; 4];
        reader.read_exact(&mut data)?;
        Ok(u32::from_le_bytes(data))
    }

    pub(crate) fn read_i16_big_endian<R: Read>(reader: &mut R) -> Result<i16, io::Error> {
        let mut data: [u8; 2] = [0; 2];
        reader.read_exact(&mut data)?;
        Ok(i16::from_be_bytes(data))
    }

    pub(crate) fn read_i32_big_endian<R: Read>(reader: &mut R) -> Result<i32, io::Error> {
        let mut data: [u8; 4] = [0; 4];
        reader.read_exact(&mut data)?;
        Ok(i32::from_be_bytes(data))
    }

    pub(crate) fn read_i32_variable_length<R: Read>(reader: &mut R) -> Result<i32, io::Error> {
        let mut acc: i32 = 0;
        let mut count: i32 = 0;

        loop {
            let value = BinaryReader::read_u8(reader)? as i32;
            acc = (acc << 7) | (value & 127);
            if (value & 128) == 0 {
                break;
            }
            count += 1;
            if count == 4 {
                return Err(io::Error::new(
                    ErrorKind::InvalidData,
                    "the length of the value must be equal to or less than 4",
                ));
            }
        }

        Ok(acc)
    }

    pub(crate) fn read_four_cc<R: Read>(reader: &mut R) -> Result<FourCC, io::Error> {
        let mut data: [u8; 4] = [0; 4];
        reader.read_exact(&mut data)?;
        Ok(FourCC::from_bytes(data))
    }

    pub(crate) fn read_fixed_length_string<R: Read>(
        reader: &mut R,
        length: usize,
    ) -> Result<String, io::Error> {
        let mut data: Vec<u8> = vec![0; length];
        reader.read_exact(&mut data)?;

        let mut actual_length: usize = 0;
        for value in &mut data {
            if *value == 0 {
                break;
            }
            actual_length += 1;
        }

        // Replace non-ASCII characters with '?'.
        // Tabs and returns are preserved.
        for value in &mut data[0..actual_length] {
            if !(9..=126).contains(value) {
                *value = 63; // '?'
            }
        }

        Ok(String::from_utf8_lossy(&data[0..actual_length]).into_owned())
    }

    pub(crate) fn discard_data<R: Read>(reader: &mut R, size: usize) -> Result<(), io::Error> {
        let mut data: Vec<u8> = vec![0; size];
        reader.read_exact(&mut data)
    }

    // The size must be even. SoundFontSampleData::new rejects odd sizes before
    // calling this function.
    pub(crate) fn read_wave_data<R: Read>(
        reader: &mut R,
        size: usize,
    ) -> Result<Vec<i16>, io::Error> {
        // Fork: safe little-endian decoding through a bounded scratch buffer
        // (upstream reinterprets the Vec<i16> as bytes with `unsafe`).
        let length = size / 2;
        let mut samples: Vec<i16> = Vec::with_capacity(length);
        let mut scratch = vec![0_u8; 1 << 16];
        let mut remaining = length * 2;
        while remaining > 0 {
            let n = remaining.min(scratch.len());
            let chunk = &mut scratch[..n];
            reader.read_exact(chunk)?;
            samples.extend(
                chunk
                    .chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]])),
            );
            remaining -= n;
        }

        Ok(samples)
    }

    /// Fork: converts little-endian 16-bit sample data (an even number of bytes; a trailing odd
    /// byte is ignored) to samples in one pass, on two threads for large data.
    pub(crate) fn convert_wave_data(bytes: &[u8]) -> Vec<i16> {
        let mut samples = vec![0_i16; bytes.len() / 2];
        // Below this, a thread costs more than it saves.
        const PARALLEL_MIN_SAMPLES: usize = 1 << 20;
        let threads = if samples.len() >= PARALLEL_MIN_SAMPLES {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(2))
        } else {
            1
        };
        if threads < 2 {
            BinaryReader::convert_into(bytes, &mut samples);
        } else {
            let half = samples.len() / 2;
            let (lo, hi) = samples.split_at_mut(half);
            let (lo_bytes, hi_bytes) = bytes.split_at(2 * half);
            std::thread::scope(|scope| {
                scope.spawn(|| BinaryReader::convert_into(hi_bytes, hi));
                BinaryReader::convert_into(lo_bytes, lo);
            });
        }
        samples
    }

    pub(crate) fn convert_into(bytes: &[u8], samples: &mut [i16]) {
        for (sample, b) in samples.iter_mut().zip(bytes.chunks_exact(2)) {
            *sample = i16::from_le_bytes([b[0], b[1]]);
        }
    }
}

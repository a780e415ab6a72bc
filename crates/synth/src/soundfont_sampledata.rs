use std::io;
use std::io::Read;

use crate::binary_reader::BinaryReader;
use crate::error::SoundFontError;
use crate::four_cc::FourCC;
use crate::read_counter::ReadCounter;

/// Fork: where [`SoundFontSampleData::from_slice`] gets the samples of the `smpl` chunk.
pub(crate) enum SampleSource {
    /// From the slice itself.
    Slice,
    /// Already read (the slice's copy of the chunk is not looked at); their number must match
    /// the chunk's size.
    Converted(Vec<i16>),
    /// Held elsewhere and given later: the chunk is empty.
    Elsewhere,
}

#[non_exhaustive]
pub(crate) struct SoundFontSampleData {
    pub bits_per_sample: i32,
    pub wave_data: Vec<i16>,
}

impl SoundFontSampleData {
    pub(crate) fn new<R: Read>(reader: &mut R) -> Result<Self, SoundFontError> {
        let chunk_id = BinaryReader::read_four_cc(reader)?;
        if chunk_id != b"LIST" {
            return Err(SoundFontError::ListChunkNotFound);
        }

        let end = BinaryReader::read_u32(reader)? as usize;
        let reader = &mut ReadCounter::new(reader);

        let list_type = BinaryReader::read_four_cc(reader)?;
        if list_type != b"sdta" {
            return Err(SoundFontError::InvalidListChunkType {
                expected: FourCC::from_bytes(*b"sdta"),
                actual: list_type,
            });
        }

        let mut wave_data: Option<Vec<i16>> = None;

        while reader.bytes_read() < end {
            let id = BinaryReader::read_four_cc(reader)?;
            let size = BinaryReader::read_u32(reader)? as usize;

            match id.as_bytes() {
                b"smpl" => {
                    if wave_data.is_some() || !size.is_multiple_of(2) {
                        return Err(SoundFontError::InvalidSampleData);
                    }
                    wave_data = Some(BinaryReader::read_wave_data(reader, size)?);
                }
                b"sm24" => BinaryReader::discard_data(reader, size)?,
                _ => return Err(SoundFontError::ListContainsUnknownId(id)),
            }
        }

        Self::finish(wave_data)
    }

    /// Fork: reads the sample data list from a byte slice (advancing it past the list),
    /// converting the `smpl` chunk straight from the slice without an intermediate copy, or
    /// taking the samples from `samples` (see [`SampleSource`]).
    pub(crate) fn from_slice(
        reader: &mut &[u8],
        mut samples: SampleSource,
    ) -> Result<Self, SoundFontError> {
        let chunk_id = BinaryReader::read_four_cc(reader)?;
        if chunk_id != b"LIST" {
            return Err(SoundFontError::ListChunkNotFound);
        }

        let end = BinaryReader::read_u32(reader)? as usize;
        let list_start = reader.len();

        let list_type = BinaryReader::read_four_cc(reader)?;
        if list_type != b"sdta" {
            return Err(SoundFontError::InvalidListChunkType {
                expected: FourCC::from_bytes(*b"sdta"),
                actual: list_type,
            });
        }

        let mut wave_data: Option<Vec<i16>> = None;
        let elsewhere = matches!(samples, SampleSource::Elsewhere);

        while list_start - reader.len() < end {
            let id = BinaryReader::read_four_cc(reader)?;
            let size = BinaryReader::read_u32(reader)? as usize;
            let is_smpl = match id.as_bytes() {
                b"smpl" => {
                    if wave_data.is_some() || !size.is_multiple_of(2) {
                        return Err(SoundFontError::InvalidSampleData);
                    }
                    true
                }
                b"sm24" => false,
                _ => return Err(SoundFontError::ListContainsUnknownId(id)),
            };
            let Some((data, rest)) = reader.split_at_checked(size) else {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
            };
            if is_smpl {
                wave_data = Some(match std::mem::replace(&mut samples, SampleSource::Slice) {
                    SampleSource::Slice => BinaryReader::convert_wave_data(data),
                    SampleSource::Converted(samples) if samples.len() * 2 == size => samples,
                    SampleSource::Elsewhere if size == 0 => Vec::new(),
                    _ => return Err(SoundFontError::InvalidSampleData),
                });
            }
            *reader = rest;
        }

        if elsewhere {
            let Some(wave_data) = wave_data else {
                return Err(SoundFontError::SampleDataNotFound);
            };
            return Ok(Self {
                bits_per_sample: 16,
                wave_data,
            });
        }
        Self::finish(wave_data)
    }

    fn finish(wave_data: Option<Vec<i16>>) -> Result<Self, SoundFontError> {
        let Some(wave_data) = wave_data else {
            return Err(SoundFontError::SampleDataNotFound);
        };

        if wave_data.len() < 2 {
            return Err(SoundFontError::SampleDataNotFound);
        }

        // SoundFont3 compressed sample format
        let [b0, b1] = wave_data[0].to_le_bytes();
        let [b2, b3] = wave_data[1].to_le_bytes();
        if [b0, b1, b2, b3] == *b"OggS" {
            return Err(SoundFontError::UnsupportedSampleFormat);
        }

        Ok(Self {
            bits_per_sample: 16,
            wave_data,
        })
    }
}

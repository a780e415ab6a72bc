//! Fork: reads a SoundFont file with its sample data converted while reading.

use std::fs::File;
use std::io;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::binary_reader::BinaryReader;

/// A SoundFont file read in two parts: the file's bytes with the contents of the `smpl` chunk
/// left as zeros (those pages of the buffer are never written), and the samples of the `smpl`
/// chunk, converted from the file through a small buffer.
///
/// Against reading the whole file and converting it afterwards, this never writes the sample
/// data twice into fresh memory, which is most of the cost of loading a large SoundFont. The
/// bytes can be validated like the whole file (except for the sample data itself) and then
/// loaded with [`SoundFont::from_split`](crate::SoundFont::from_split).
#[derive(Debug)]
#[non_exhaustive]
pub struct SplitSoundFontFile {
    bytes: Vec<u8>,
    wave_data: Vec<i16>,
}

/// Size of the buffer the sample data is read through.
const SCRATCH_BYTES: usize = 1 << 18;

/// Below this many samples, a second thread costs more than it saves.
const PARALLEL_MIN_SAMPLES: usize = 1 << 20;

impl SplitSoundFontFile {
    /// Reads the file. Returns `None` when the file does not have the plain layout this reader
    /// handles (RIFF `sfbk` holding a `LIST INFO` followed by a `LIST sdta` starting with an even
    /// `smpl` chunk of 16-bit PCM, not Ogg Vorbis); read such files whole instead.
    pub fn read(path: &Path) -> io::Result<Option<Self>> {
        let mut file = File::open(path)?;
        let Ok(len) = usize::try_from(file.metadata()?.len()) else {
            return Ok(None);
        };
        let mut head = [0_u8; 24];
        if len < head.len() {
            return Ok(None);
        }
        read_at(&mut file, 0, &mut head)?;
        if &head[0..4] != b"RIFF" || &head[8..12] != b"sfbk" || &head[12..16] != b"LIST" {
            return Ok(None);
        }
        if &head[20..24] != b"INFO" {
            return Ok(None);
        }
        let info_size = le32(&head[16..20]);
        let Some(sdta_at) = info_size.checked_add(20) else {
            return Ok(None);
        };
        let mut sdta = [0_u8; 24];
        if sdta_at.checked_add(sdta.len()).is_none_or(|end| end > len) {
            return Ok(None);
        }
        read_at(&mut file, sdta_at, &mut sdta)?;
        if &sdta[0..4] != b"LIST" || &sdta[8..12] != b"sdta" || &sdta[12..16] != b"smpl" {
            return Ok(None);
        }
        let smpl_size = le32(&sdta[16..20]);
        let smpl_at = sdta_at + 20;
        let Some(smpl_end) = smpl_at.checked_add(smpl_size) else {
            return Ok(None);
        };
        if !smpl_size.is_multiple_of(2)
            || smpl_size < 4
            || smpl_end > len
            || &sdta[20..24] == b"OggS"
        {
            return Ok(None);
        }

        let mut bytes = vec![0_u8; len];
        read_at(&mut file, 0, &mut bytes[..smpl_at])?;
        read_at(&mut file, smpl_end, &mut bytes[smpl_end..])?;

        let mut wave_data = vec![0_i16; smpl_size / 2];
        let threads = if wave_data.len() >= PARALLEL_MIN_SAMPLES {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(2))
        } else {
            1
        };
        if threads < 2 {
            read_samples(&mut file, smpl_at, &mut wave_data)?;
        } else {
            let half = wave_data.len() / 2;
            let (lo, hi) = wave_data.split_at_mut(half);
            std::thread::scope(|scope| {
                let other = scope.spawn(|| -> io::Result<()> {
                    let mut file = File::open(path)?;
                    read_samples(&mut file, smpl_at + 2 * half, hi)
                });
                let mine = read_samples(&mut file, smpl_at, lo);
                let theirs = other
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("the reading thread panicked")));
                mine.and(theirs)
            })?;
        }

        Ok(Some(Self { bytes, wave_data }))
    }

    /// The file's bytes, with zeros in place of the sample data.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The file's bytes (zeros in place of the sample data) and the samples.
    pub fn into_parts(self) -> (Vec<u8>, Vec<i16>) {
        (self.bytes, self.wave_data)
    }
}

fn le32(b: &[u8]) -> usize {
    let mut v = [0_u8; 4];
    v.copy_from_slice(b.get(..4).unwrap_or(&[0; 4]));
    u32::from_le_bytes(v) as usize
}

fn read_at(file: &mut File, at: usize, buf: &mut [u8]) -> io::Result<()> {
    file.seek(SeekFrom::Start(at as u64))?;
    file.read_exact(buf)
}

/// Reads `samples.len()` little-endian samples at byte offset `at`.
fn read_samples(file: &mut File, at: usize, samples: &mut [i16]) -> io::Result<()> {
    file.seek(SeekFrom::Start(at as u64))?;
    let mut scratch = vec![0_u8; SCRATCH_BYTES];
    for out in samples.chunks_mut(SCRATCH_BYTES / 2) {
        let chunk = &mut scratch[..2 * out.len()];
        file.read_exact(chunk)?;
        BinaryReader::convert_into(chunk, out);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::SoundFont;

    #[test]
    fn split_read_and_slice_parse_match_the_stream_parser() {
        for path in [
            "/usr/share/sounds/sf2/TimGM6mb.sf2",
            "/usr/share/sounds/sf2/FluidR3_GM.sf2",
        ] {
            let path = Path::new(path);
            let bytes = std::fs::read(path).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (make test installs the Debian fonts)",
                    path.display()
                )
            });
            let streamed = SoundFont::new(&mut &bytes[..]).unwrap();
            let sliced = SoundFont::from_bytes(&bytes).unwrap();
            let split = SplitSoundFontFile::read(path).unwrap().unwrap();
            assert_eq!(split.bytes().len(), bytes.len());
            let (skeleton, wave_data) = split.into_parts();
            let from_split = SoundFont::from_split(&skeleton, wave_data).unwrap();
            for font in [&sliced, &from_split] {
                assert_eq!(font.get_wave_data(), streamed.get_wave_data());
                assert_eq!(
                    font.get_sample_headers().len(),
                    streamed.get_sample_headers().len()
                );
                assert_eq!(font.get_presets().len(), streamed.get_presets().len());
                assert_eq!(
                    font.get_instruments().len(),
                    streamed.get_instruments().len()
                );
            }
            // Sample data of the wrong length is refused.
            let short = streamed.get_wave_data()[1..].to_vec();
            assert!(SoundFont::from_split(&skeleton, short).is_err());
        }
    }
}

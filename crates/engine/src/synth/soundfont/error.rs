//! Why a SoundFont cannot be used: its RIFF structure, its hydra records, what its zones refer
//! to, its SF3 sample data, or a size a SF2 file cannot hold. Every message says what is wrong
//! and where; the caller adds the file name.

/// Why [`prepare`](super::prepare) refused a SoundFont, or the [writer](super::writer) could
/// not lay one out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SoundFontError {
    #[error("the file is too short to be a SoundFont ({len} bytes)")]
    TooShort { len: usize },

    #[error("not a SoundFont: the file starts with '{found}', not 'RIFF'")]
    NotRiff { found: String },

    #[error("not a SoundFont: the RIFF form type is '{found}', not 'sfbk'")]
    NotSfbk { found: String },

    #[error(
        "the RIFF chunk size {size} runs past the end of the file at byte {file_len} \
         (the file is truncated or corrupt)"
    )]
    Truncated { size: usize, file_len: usize },

    /// A chunk inside a list (or the RIFF chunk) that claims more bytes than its parent has.
    #[error(
        "{chunk} at byte {at} has size {size}, which runs past the end of {container} \
         at byte {end}"
    )]
    ChunkOverrun {
        chunk: String,
        at: usize,
        size: usize,
        container: String,
        end: usize,
    },

    #[error("the LIST chunk at byte {at} is too short ({len} bytes) to have a type")]
    UntypedList { at: usize, len: usize },

    #[error("the file has two '{list}' lists")]
    DuplicateList { list: String },

    #[error("the file has no '{}' list", .lists.join("' or '"))]
    MissingList { lists: Vec<&'static str> },

    #[error("the '{list}' list has two '{chunk}' chunks")]
    DuplicateChunk { list: &'static str, chunk: String },

    #[error("the 'sdta' list has no 'smpl' chunk (no sample data)")]
    NoSampleData,

    #[error("the 'pdta' list has no '{chunk}' chunk")]
    MissingChunk { chunk: String },

    #[error(
        "the '{chunk}' chunk size {len} is not a multiple of {record} (the size of one record)"
    )]
    RecordSize {
        chunk: String,
        len: usize,
        record: usize,
    },

    #[error("the '{chunk}' chunk is empty: it needs at least its terminal record")]
    NoTerminalRecord { chunk: String },

    /// No presets or no instruments (`what` says which).
    #[error("the font has no {what}")]
    Empty { what: &'static str },

    /// Bag records whose generator or modulator indices go backwards.
    #[error(
        "{bag} record {record} starts at {kind} {first} but the next one starts at {next} \
         ({kind} indices must not decrease)"
    )]
    ZoneIndexOrder {
        bag: &'static str,
        record: usize,
        kind: &'static str,
        first: u16,
        next: u16,
    },

    #[error(
        "the terminal {bag} record points at {kind} {index}, past the end of the '{chunk}' \
         chunk ({count} {kind}s)"
    )]
    ZoneIndexPastEnd {
        bag: &'static str,
        kind: &'static str,
        index: u16,
        chunk: &'static str,
        count: usize,
    },

    /// Preset or instrument headers whose bag indices go backwards.
    #[error(
        "{level} {index} '{name}' starts at {bag} record {first} but the next {level} starts \
         at {next} (bag indices must not decrease)"
    )]
    BagIndexOrder {
        level: &'static str,
        index: usize,
        name: String,
        bag: &'static str,
        first: u16,
        next: u16,
    },

    #[error(
        "the terminal {header} record points at {bag} record {index}, past the end of the \
         '{bag}' chunk ({count} zones)"
    )]
    BagIndexPastEnd {
        header: &'static str,
        bag: &'static str,
        index: u16,
        count: usize,
    },

    #[error(
        "preset {preset} '{name}' (bank {bank}, program {program}) zone {zone} refers to \
         instrument {instrument} but the font has {count} instruments"
    )]
    MissingInstrument {
        preset: usize,
        name: String,
        bank: u16,
        program: u16,
        zone: usize,
        instrument: u16,
        count: usize,
    },

    /// A zone of an instrument that a preset plays cannot be played safely.
    #[error("instrument {instrument} '{name}' zone {zone}: {problem}")]
    BadZone {
        instrument: usize,
        name: String,
        zone: usize,
        problem: ZoneProblem,
    },

    #[error("the font has problems that could not be repaired")]
    Unrepairable,

    #[error("the sample data is Ogg Vorbis (SF3) but no sample header is marked as compressed")]
    UnmarkedVorbis,

    #[error(
        "sample {sample} '{name}' is not compressed but the other samples are Ogg Vorbis \
         (mixed SF2/SF3 sample data is not supported)"
    )]
    MixedSamples { sample: usize, name: String },

    #[error("the decoded sample data would exceed the 4 GiB a SF2 file can hold")]
    DecodedTooLarge,

    #[error("out of memory for {points} decoded sample points")]
    OutOfMemoryForSamples { points: usize },

    /// More presets, zones, generators or modulators than SF2's 16-bit indices can address.
    #[error("the font has too many {what} ({count}) for a SF2 file")]
    TooManyRecords { what: &'static str, count: usize },

    #[error("the SoundFont would exceed the 4 GiB a SF2 file can hold")]
    FileTooLarge,

    #[error("out of memory for the {bytes}-byte SoundFont")]
    OutOfMemoryForFile { bytes: usize },
}

/// What is wrong with one instrument zone (see [`SoundFontError::BadZone`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZoneProblem {
    #[error("refers to sample {sample} but the font has {count} samples")]
    MissingSample { sample: u16, count: usize },

    /// An SF3 sample whose compressed data could not be decoded.
    #[error("sample {sample} '{name}' is empty: {cause}")]
    Undecodable {
        sample: usize,
        name: String,
        cause: SampleDecodeError,
    },

    #[error("sample {sample} '{name}' is empty (start = end = {start})")]
    EmptySample {
        sample: usize,
        name: String,
        start: i64,
    },

    /// Start or end negative as the synthesizer reads them (`i32`).
    #[error("sample {sample} '{name}' start {start} or end {end} is out of range")]
    SampleOutOfRange {
        sample: usize,
        name: String,
        start: u32,
        end: u32,
    },

    #[error("sample {sample} '{name}' start {start} is after its end {end}")]
    SampleReversed {
        sample: usize,
        name: String,
        start: i64,
        end: i64,
    },

    #[error(
        "sample {sample} '{name}' end {end} is past the end of the sample data \
         ({len} sample points)"
    )]
    SamplePastData {
        sample: usize,
        name: String,
        end: i64,
        len: i64,
    },

    #[error(
        "its address offsets move sample {sample} '{name}' ({start} to {end}) to \
         {region_start} to {region_end}, outside the sample data ({len} sample points) or empty"
    )]
    OffsetsOutside {
        sample: usize,
        name: String,
        start: i64,
        end: i64,
        region_start: i64,
        region_end: i64,
        len: i64,
    },

    #[error("its filter resonance makes the synthesizer's filter unstable")]
    UnstableFilter,
}

/// Why an SF3 sample decoded to nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SampleDecodeError {
    #[error(
        "its compressed data (bytes {start} to {end}) is not inside the sample data \
         ({len} bytes)"
    )]
    OutsideData {
        start: usize,
        end: usize,
        len: usize,
    },

    #[error("its Ogg Vorbis data could not be decoded ({0})")]
    Vorbis(String),

    #[error("its Ogg Vorbis stream has {0} channels; SF3 samples are mono")]
    NotMono(u8),

    /// The decoder panicked (caught).
    #[error("the Ogg Vorbis decoder failed on its data")]
    DecoderPanicked,

    /// The thread decoding it stopped without a result.
    #[error("the Ogg Vorbis decoder failed")]
    DecoderLost,

    #[error("its Ogg pages give no granule position, so its length is unknown")]
    NoLength,

    #[error(
        "its Ogg pages claim {points} sample points, more than its {packets} packets can hold"
    )]
    LengthTooLarge { points: usize, packets: usize },
}

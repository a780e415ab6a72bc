//! Analysis of a performance (issue 4): pitch (YIN, pYIN), notes, onsets, dynamics, tempo,
//! offline and streaming.

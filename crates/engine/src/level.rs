//! What lesson feedback shares between the offline assessment (`assess`) and live following
//! (`follow`): how strict it is, a level (beginner to advanced) and its tolerances, tightening as
//! a lesson's grade rises (as Melodics does), and the verdict on a lesson note.

use serde::Serialize;

use crate::error::{Error, Result};

/// How strict feedback is, tightening as a lesson's grade rises (as Melodics does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Beginner,
    #[default]
    Intermediate,
    Advanced,
}

const LEVELS: &[(&str, Level)] = &[
    ("beginner", Level::Beginner),
    ("intermediate", Level::Intermediate),
    ("advanced", Level::Advanced),
];

impl std::str::FromStr for Level {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        crate::error::find_name(LEVELS, s, "level")
    }
}

impl Level {
    /// `"beginner"`, `"intermediate"` or `"advanced"`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }

    /// The tolerances of this level.
    pub fn tolerances(self) -> Tolerances {
        let (timing_ms, dynamics_ratio) = match self {
            Level::Beginner => (150.0, 1.6),
            Level::Intermediate => (100.0, 1.4),
            Level::Advanced => (60.0, 1.25),
        };
        Tolerances {
            timing_ms,
            dynamics_ratio,
            match_window_ms: (2.5 * timing_ms).max(300.0),
        }
    }
}

/// What a level allows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tolerances {
    /// An onset within this many ms of its expected time is clean; beyond, rushed or dragged.
    pub timing_ms: f64,
    /// A velocity within this factor of the lesson's (either way) is as written.
    pub dynamics_ratio: f64,
    /// A take note further than this from a lesson note's expected time is not that note.
    pub match_window_ms: f64,
}

/// What became of a lesson note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Correct,
    WrongPitch,
    Missed,
}

//! Validation and repair of a parsed font, so that rustysynth (1.3.8, and our fork `rae_synth`)
//! can load and play it without panicking.
//!
//! * **Zones.** A preset or instrument without zones (which rustysynth rejects) gets one empty
//!   zone.
//! * **Regions.** rustysynth builds and sanity-checks a region for every instrument zone, used
//!   or not, from the sample header plus the address-offset generators, in `i32`. Sample and
//!   instrument indices must exist; a used sample must not be empty, start after its end or end
//!   past the sample data. Zones of instruments no preset uses that fail these checks are dropped.
//!   Loop points past the sample data (which rustysynth rejects) are reset to the sample's start
//!   and end, as FluidSynth does; loops outside the sample but inside the data, and reversed or
//!   empty loops (rustysynth plays those once, unlooped), are left alone, as real fonts have them.
//!   A sample that ends exactly at the end of the data gets the guard points the specification
//!   asks for.
//! * **Rendering.** A sample rate of zero or below becomes 44100 Hz. initialFilterQ and
//!   modLfoToVolume are clamped to the specification's +-96 dB (beyond it rustysynth's gain
//!   becomes infinite), and an instrument resonance that sums with a preset's negative offset to
//!   -1.6..-1.0 dB (where rustysynth's filter has a negative Q and its output grows without
//!   bound) is moved out of that band by at most 1.6 dB. Loops shorter than the pitch step (a
//!   high note on a tiny loop) need no repair: upstream rustysynth steps back over a loop at most
//!   once per output sample and so walks out of such a loop and past its buffer, but our fork
//!   wraps by whole loop lengths, reads with bounds checks and bounds the pitch step, so such
//!   loops play correctly.

use std::collections::{BTreeMap, BTreeSet};

use super::error::{SampleDecodeError, SoundFontError, ZoneProblem};
use super::hydra::{op, text, Generator, Instrument, SampleHeader, Zone, GEN_COUNT};
use super::writer::{Sf2, GUARD_POINTS};

/// Repairs the font until nothing is left to repair. Returns whether anything changed. `notes`
/// say why a sample is empty (SF3 decoding problems), for messages.
pub(super) fn repair(
    font: &mut Sf2,
    notes: &[Option<SampleDecodeError>],
) -> Result<bool, SoundFontError> {
    let mut changed = false;
    for _ in 0..8 {
        let fixes = analyse(font, notes)?;
        if fixes.is_empty() {
            return Ok(changed);
        }
        apply(font, fixes);
        changed = true;
    }
    Err(SoundFontError::Unrepairable)
}

enum Fix {
    EmptyPresetZone(usize),
    EmptyInstrumentZone(usize),
    DropZone {
        inst: usize,
        zone: usize,
    },
    SampleRate {
        sample: usize,
    },
    SampleLoop {
        sample: usize,
        start: u32,
        end: u32,
    },
    ZeroLoopOffsets {
        inst: usize,
        zone: usize,
    },
    /// Sets a generator in an instrument zone (before its sampleID).
    SetGen {
        inst: usize,
        zone: usize,
        oper: u16,
        value: i16,
    },
    /// Clamps out-of-range generator amounts in every zone.
    ClampGens,
    /// Appends guard points to the sample data.
    Pad,
}

type Values = [i16; GEN_COUNT];

fn gen_value(gs: &Values, oper: u16) -> i32 {
    gs.get(usize::from(oper)).map_or(0, |v| i32::from(*v))
}

/// The amount a generator is clamped to, for the generators that are clamped.
fn clamped(g: Generator) -> Option<i16> {
    match g.oper {
        op::INITIAL_FILTER_Q | op::MOD_LFO_TO_VOLUME => Some(g.value().clamp(-960, 960)),
        _ => None,
    }
}

/// rustysynth's low-pass filter has a negative Q (it grows without bound) for these summed
/// initialFilterQ values, in centibels.
fn unstable_q(centibels: i32) -> bool {
    (-16..=-10).contains(&centibels)
}

/// Sets `oper` in a zone, keeping sampleID last (it marks the zone as local).
fn set_gen(zone: &mut Zone, oper: u16, value: i16) {
    zone.generators.retain(|g| g.oper != oper);
    let at = match zone.generators.last() {
        Some(g) if g.oper == op::SAMPLE_ID => zone.generators.len().saturating_sub(1),
        _ => zone.generators.len(),
    };
    zone.generators.insert(at, Generator::signed(oper, value));
}

/// rustysynth's view of a zone: its defaults, then the global zone, then the zone itself.
fn zone_values(defaults: &Values, global: Option<&Zone>, local: &Zone) -> Values {
    let mut gs = *defaults;
    for g in global
        .into_iter()
        .flat_map(|z| z.generators.iter())
        .chain(local.generators.iter())
    {
        if let Some(slot) = gs.get_mut(usize::from(g.oper)) {
            *slot = g.value();
        }
    }
    gs
}

/// The regions rustysynth builds from a list of zones: the first zone is global when it is
/// empty or does not end with `terminal` (sampleID or instrument). Yields (zone index, values).
fn regions(zones: &[Zone], terminal: u16, defaults: &Values) -> Vec<(usize, Values)> {
    let Some(first) = zones.first() else {
        return Vec::new();
    };
    let global = first.generators.last().is_none_or(|g| g.oper != terminal);
    let (global, skip) = if global { (Some(first), 1) } else { (None, 0) };
    zones
        .iter()
        .enumerate()
        .skip(skip)
        .map(|(z, zone)| (z, zone_values(defaults, global, zone)))
        .collect()
}

fn preset_defaults() -> Values {
    let mut gs = [0i16; GEN_COUNT];
    for g in [op::KEY_RANGE, op::VEL_RANGE] {
        if let Some(v) = gs.get_mut(usize::from(g)) {
            *v = 0x7F00;
        }
    }
    gs
}

/// rustysynth's instrument defaults (the specification's, with full key and velocity ranges).
fn instrument_defaults() -> Values {
    let mut gs = [0i16; GEN_COUNT];
    let values: [(usize, i16); 19] = [
        (8, 13500),
        (21, -12000),
        (23, -12000),
        (25, -12000),
        (26, -12000),
        (27, -12000),
        (28, -12000),
        (30, -12000),
        (33, -12000),
        (34, -12000),
        (35, -12000),
        (36, -12000),
        (38, -12000),
        (43, 0x7F00),
        (44, 0x7F00),
        (46, -1),
        (47, -1),
        (56, 100),
        (58, -1),
    ];
    for (g, value) in values {
        if let Some(v) = gs.get_mut(g) {
            *v = value;
        }
    }
    gs
}

/// Sample header value as rustysynth reads it (`i32`).
fn signed(v: u32) -> i64 {
    i64::from(v as i32)
}

fn fits_i32(v: i64) -> bool {
    i32::try_from(v).is_ok()
}

/// Finds what must change for rustysynth to load and play the font safely. An error is a
/// problem that cannot be repaired. Returns no fixes when the font is safe.
fn analyse(m: &Sf2, notes: &[Option<SampleDecodeError>]) -> Result<Vec<Fix>, SoundFontError> {
    let fixes = structural_fixes(m);
    if !fixes.is_empty() {
        return Ok(fixes);
    }
    let presets = PresetUse::of(m)?;
    let len = m.sample_data.len() as i64;
    let mut check = ZoneCheck {
        samples: &m.samples,
        notes,
        len,
        fixes: Vec::new(),
        sample_fixes: BTreeSet::new(),
        pad: len < 2,
    };
    let idef = instrument_defaults();
    for (i, inst) in m.instruments.iter().enumerate() {
        let used = presets.used.get(i).copied().unwrap_or(false);
        let preset_q = presets.q.get(i).map_or(&[][..], |v| v.as_slice());
        for (z, gs) in regions(&inst.zones, op::SAMPLE_ID, &idef) {
            let zone = ZoneRef {
                inst: i,
                instrument: inst,
                zone: z,
                used,
            };
            check.zone(&zone, &gs, preset_q)?;
        }
    }
    if check.pad {
        check.fixes.push(Fix::Pad);
    }
    Ok(check.fixes)
}

/// Repairs that change the shape of the hydra; the rest of the analysis needs them done.
fn structural_fixes(m: &Sf2) -> Vec<Fix> {
    let mut fixes = Vec::new();
    for (p, preset) in m.presets.iter().enumerate() {
        if preset.zones.is_empty() {
            fixes.push(Fix::EmptyPresetZone(p));
        }
    }
    for (i, inst) in m.instruments.iter().enumerate() {
        if inst.zones.is_empty() {
            fixes.push(Fix::EmptyInstrumentZone(i));
        }
    }
    // Generators rustysynth turns into infinite gains or unstable filters beyond the
    // specification's range (initialFilterQ and modLfoToVolume, 96 dB).
    let out_of_range = |zones: &[Zone]| {
        zones.iter().any(|z| {
            z.generators
                .iter()
                .any(|g| clamped(*g).is_some_and(|v| v != g.value()))
        })
    };
    if m.presets.iter().any(|p| out_of_range(&p.zones))
        || m.instruments.iter().any(|i| out_of_range(&i.zones))
    {
        fixes.push(Fix::ClampGens);
    }
    fixes
}

/// Which instruments the presets play, and what each preset adds to an instrument's filter
/// resonance.
struct PresetUse {
    used: Vec<bool>,
    q: Vec<Vec<i32>>,
}

impl PresetUse {
    fn of(m: &Sf2) -> Result<PresetUse, SoundFontError> {
        let n_inst = m.instruments.len();
        let mut used = vec![false; n_inst];
        let mut q: Vec<Vec<i32>> = vec![Vec::new(); n_inst];
        let pdef = preset_defaults();
        for (p, preset) in m.presets.iter().enumerate() {
            for (z, gs) in regions(&preset.zones, op::INSTRUMENT, &pdef) {
                let id = gen_value(&gs, op::INSTRUMENT);
                let index = usize::try_from(id).ok().filter(|&i| i < n_inst);
                let Some(index) = index else {
                    return Err(SoundFontError::MissingInstrument {
                        preset: p,
                        name: text(&preset.name),
                        bank: preset.bank,
                        program: preset.program,
                        zone: z,
                        instrument: id as u16,
                        count: n_inst,
                    });
                };
                if let Some(slot) = used.get_mut(index) {
                    *slot = true;
                }
                if let Some(qs) = q.get_mut(index) {
                    let value = gen_value(&gs, op::INITIAL_FILTER_Q);
                    if !qs.contains(&value) {
                        qs.push(value);
                    }
                }
            }
        }
        Ok(PresetUse { used, q })
    }
}

/// The instrument zone being checked.
struct ZoneRef<'a> {
    inst: usize,
    instrument: &'a Instrument,
    zone: usize,
    /// A preset plays the instrument.
    used: bool,
}

impl ZoneRef<'_> {
    fn error(&self, problem: ZoneProblem) -> SoundFontError {
        SoundFontError::BadZone {
            instrument: self.inst,
            name: text(&self.instrument.name),
            zone: self.zone,
            problem,
        }
    }
}

/// The analysis of instrument zones, and the fixes it has found so far.
struct ZoneCheck<'a> {
    samples: &'a [SampleHeader],
    notes: &'a [Option<SampleDecodeError>],
    /// Sample points in the sample data.
    len: i64,
    fixes: Vec<Fix>,
    /// Sample header fixes already found: (sample, loop (true) or rate (false)).
    sample_fixes: BTreeSet<(usize, bool)>,
    /// Guard points are needed after the sample data.
    pad: bool,
}

impl ZoneCheck<'_> {
    fn zone(
        &mut self,
        zone: &ZoneRef,
        gs: &Values,
        preset_q: &[i32],
    ) -> Result<(), SoundFontError> {
        let sid = gen_value(gs, op::SAMPLE_ID);
        let Some((sid, s)) = usize::try_from(sid)
            .ok()
            .and_then(|n| self.samples.get(n).map(|s| (n, s)))
        else {
            let problem = ZoneProblem::MissingSample {
                sample: sid as u16,
                count: self.samples.len(),
            };
            return self.problem(zone, problem);
        };
        if let Some(problem) = self.sample_problem(sid, s) {
            return self.problem(zone, problem);
        }
        if self.header_fixes(sid, s, zone.used) {
            return Ok(());
        }

        // The region as rustysynth computes it, in i32.
        let offset = |coarse: u16, fine: u16| {
            32768 * i64::from(gen_value(gs, coarse)) + i64::from(gen_value(gs, fine))
        };
        let (start, end) = (signed(s.start), signed(s.end));
        let r_start = start + offset(op::START_ADDRS_COARSE_OFFSET, op::START_ADDRS_OFFSET);
        let r_end = end + offset(op::END_ADDRS_COARSE_OFFSET, op::END_ADDRS_OFFSET);
        let r_ls = signed(s.loop_start)
            + offset(
                op::STARTLOOP_ADDRS_COARSE_OFFSET,
                op::STARTLOOP_ADDRS_OFFSET,
            );
        let r_le =
            signed(s.loop_end) + offset(op::ENDLOOP_ADDRS_COARSE_OFFSET, op::ENDLOOP_ADDRS_OFFSET);
        let len = self.len;
        if !(fits_i32(r_start)
            && fits_i32(r_end)
            && r_start >= 0
            && r_start < r_end
            && r_end <= len)
        {
            let problem = ZoneProblem::OffsetsOutside {
                sample: sid,
                name: text(&s.name),
                start,
                end,
                region_start: r_start,
                region_end: r_end,
                len,
            };
            return self.problem(zone, problem);
        }
        if !(fits_i32(r_ls) && fits_i32(r_le) && r_ls >= 0 && r_le <= len) {
            // The loop offsets move the loop out of the data: use the header's loop.
            self.fixes.push(Fix::ZeroLoopOffsets {
                inst: zone.inst,
                zone: zone.zone,
            });
            return Ok(());
        }
        if r_end == len || r_le == len || len < 2 {
            self.pad = true; // rustysynth reads one point past the end
        }
        if zone.used {
            self.filter_fix(zone, gs, preset_q)?;
        }
        Ok(())
    }

    /// A problem with a zone: an error if a preset plays it, else the zone is dropped.
    fn problem(&mut self, zone: &ZoneRef, problem: ZoneProblem) -> Result<(), SoundFontError> {
        if zone.used {
            return Err(zone.error(problem));
        }
        self.fixes.push(Fix::DropZone {
            inst: zone.inst,
            zone: zone.zone,
        });
        Ok(())
    }

    fn sample_problem(&self, sid: usize, s: &SampleHeader) -> Option<ZoneProblem> {
        let name = text(&s.name);
        let (start, end) = (signed(s.start), signed(s.end));
        if start == end {
            return Some(match self.notes.get(sid).cloned().flatten() {
                Some(cause) => ZoneProblem::Undecodable {
                    sample: sid,
                    name,
                    cause,
                },
                None => ZoneProblem::EmptySample {
                    sample: sid,
                    name,
                    start,
                },
            });
        }
        if start < 0 || end < 0 {
            return Some(ZoneProblem::SampleOutOfRange {
                sample: sid,
                name,
                start: s.start,
                end: s.end,
            });
        }
        if start > end {
            return Some(ZoneProblem::SampleReversed {
                sample: sid,
                name,
                start,
                end,
            });
        }
        if end > self.len {
            return Some(ZoneProblem::SamplePastData {
                sample: sid,
                name,
                end,
                len: self.len,
            });
        }
        None
    }

    /// Header repairs: a sample rate rustysynth would play backwards, loop points past the
    /// sample data (rustysynth refuses the whole font for those). Returns whether the header
    /// needs one (the rest of the zone is checked once it is done).
    fn header_fixes(&mut self, sid: usize, s: &SampleHeader, used: bool) -> bool {
        let mut header_fix = false;
        if used && s.sample_rate as i32 <= 0 {
            if self.sample_fixes.insert((sid, false)) {
                self.fixes.push(Fix::SampleRate { sample: sid });
            }
            header_fix = true;
        }
        let (ls, le) = (signed(s.loop_start), signed(s.loop_end));
        let ls_bad = ls < 0 || ls > self.len;
        let le_bad = le < 0 || le > self.len;
        if ls_bad || le_bad {
            if self.sample_fixes.insert((sid, true)) {
                self.fixes.push(Fix::SampleLoop {
                    sample: sid,
                    start: if ls_bad { s.start } else { s.loop_start },
                    end: if le_bad { s.end } else { s.loop_end },
                });
            }
            header_fix = true;
        }
        header_fix
    }

    /// rustysynth's filter turns unstable (negative Q) for a summed resonance of -1.6 to
    /// -1.0 dB, which negative preset offsets produce. Nudges the instrument's value.
    fn filter_fix(
        &mut self,
        zone: &ZoneRef,
        gs: &Values,
        preset_q: &[i32],
    ) -> Result<(), SoundFontError> {
        let q = gen_value(gs, op::INITIAL_FILTER_Q);
        if !preset_q.iter().any(|p| unstable_q(p + q)) {
            return Ok(());
        }
        let nudged = (1..=16)
            .flat_map(|d| [q + d, q - d])
            .find(|v| !preset_q.iter().any(|p| unstable_q(p + v)));
        match nudged.and_then(|v| i16::try_from(v).ok()) {
            Some(value) => {
                self.fixes.push(Fix::SetGen {
                    inst: zone.inst,
                    zone: zone.zone,
                    oper: op::INITIAL_FILTER_Q,
                    value,
                });
                Ok(())
            }
            None => Err(zone.error(ZoneProblem::UnstableFilter)),
        }
    }
}

fn apply(m: &mut Sf2, fixes: Vec<Fix>) {
    let mut drops: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for fix in fixes {
        match fix {
            Fix::EmptyPresetZone(p) => {
                if let Some(preset) = m.presets.get_mut(p) {
                    preset.zones.push(Zone::default());
                }
            }
            Fix::EmptyInstrumentZone(i) => {
                if let Some(inst) = m.instruments.get_mut(i) {
                    inst.zones.push(Zone::default());
                }
            }
            Fix::DropZone { inst, zone } => drops.entry(inst).or_default().push(zone),
            Fix::SampleRate { sample } => {
                if let Some(s) = m.samples.get_mut(sample) {
                    s.sample_rate = 44100;
                }
            }
            Fix::SampleLoop { sample, start, end } => {
                if let Some(s) = m.samples.get_mut(sample) {
                    s.loop_start = start;
                    s.loop_end = end;
                }
            }
            Fix::ZeroLoopOffsets { inst, zone } => {
                if let Some(zone) = instrument_zone(m, inst, zone) {
                    for g in [
                        op::STARTLOOP_ADDRS_OFFSET,
                        op::ENDLOOP_ADDRS_OFFSET,
                        op::STARTLOOP_ADDRS_COARSE_OFFSET,
                        op::ENDLOOP_ADDRS_COARSE_OFFSET,
                    ] {
                        set_gen(zone, g, 0);
                    }
                }
            }
            Fix::SetGen {
                inst,
                zone,
                oper,
                value,
            } => {
                if let Some(zone) = instrument_zone(m, inst, zone) {
                    set_gen(zone, oper, value);
                }
            }
            Fix::ClampGens => clamp_generators(m),
            Fix::Pad => {
                let appended = &mut m.sample_data.appended;
                appended.resize(appended.len() + GUARD_POINTS, 0);
            }
        }
    }
    for (inst, mut zones) in drops {
        zones.sort_unstable();
        zones.dedup();
        if let Some(inst) = m.instruments.get_mut(inst) {
            for z in zones.into_iter().rev() {
                if z < inst.zones.len() {
                    inst.zones.remove(z);
                }
            }
        }
    }
}

fn instrument_zone<'m>(m: &'m mut Sf2, inst: usize, zone: usize) -> Option<&'m mut Zone> {
    m.instruments.get_mut(inst)?.zones.get_mut(zone)
}

fn clamp_generators(m: &mut Sf2) {
    let zones = m
        .presets
        .iter_mut()
        .flat_map(|p| p.zones.iter_mut())
        .chain(m.instruments.iter_mut().flat_map(|i| i.zones.iter_mut()));
    for zone in zones {
        for g in &mut zone.generators {
            if let Some(v) = clamped(*g) {
                *g = Generator::signed(g.oper, v);
            }
        }
    }
}

//! Assessment of takes against lessons. A seeded generator perturbs a lesson's notes with known
//! errors (tempo and drift, jitter, spread chords, wrong and omitted and extra notes, velocity
//! changes, a skipped passage, a repeat) and the assessment must find every one, with onset
//! deviations exact to 1 ms where the take's timing is known exactly.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: failures should panic loudly

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::Rng;
use rust_audio_engine::assess::{assess, Lesson, LessonNote, MidiEvidence, PerformedNote, Verdict};
use rust_audio_engine::{AssessOptions, Level, MidiFile, MidiLimits};

/// What the generator does to a take.
#[derive(Clone, Default)]
struct Plan {
    seed: u64,
    /// Played tempo over the lesson's.
    tempo: f64,
    /// Relative change of the tempo from the start to the end (0.1 = 10% slower by the end).
    drift: f64,
    jitter_ms: f64,
    /// Gap between the notes of a chord as played, bottom up.
    spread_ms: f64,
    wrong: usize,
    omitted: usize,
    extra: usize,
    /// Notes played well off time (80 to 150 ms).
    displaced: usize,
    velocity: usize,
    /// Lesson seconds: a passage skipped, a passage played twice.
    skip: Option<(f64, f64)>,
    repeat: Option<(f64, f64)>,
}

/// What the generator injected, per lesson note and for the take.
#[derive(Default, Debug)]
struct Truth {
    /// Lesson index -> the verdict and the played pitch.
    verdict: HashMap<usize, (Verdict, Option<u8>)>,
    /// Lesson index -> true onset deviation in ms of the take.
    deviation_ms: HashMap<usize, f64>,
    /// Extra notes: pitch, onset.
    extra: Vec<(u8, f64)>,
    velocity_changed: HashMap<usize, f64>,
}

fn lesson_of(bytes: &[u8]) -> Lesson {
    let file = MidiFile::parse(bytes, Path::new("lesson.mid"), &MidiLimits::default()).unwrap();
    Lesson::from_midi(&file, Path::new("lesson.mid")).unwrap()
}

/// Groups of lesson note indices sharing an onset (within 35 ms).
fn chords(notes: &[LessonNote]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, n) in notes.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if n.onset_s - notes[g[0]].onset_s <= 0.035 => g.push(i),
            _ => groups.push(vec![i]),
        }
    }
    groups
}

/// Fisher-Yates, seeded.
fn shuffle(rng: &mut Rng, v: &mut [usize]) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i + 1));
    }
}

fn perturb(lesson: &Lesson, plan: &Plan) -> (Vec<PerformedNote>, Truth) {
    let mut rng = Rng::new(plan.seed);
    let notes = &lesson.notes;
    let end = notes.last().unwrap().onset_s + 1.0;
    // Take time of lesson time: tempo, a drift that slows (or speeds) it steadily.
    let f = |l: f64| (l + plan.drift * l * l / (2.0 * end)) / plan.tempo + 0.5;
    let groups = chords(notes);
    let mut truth = Truth::default();
    let in_span = |t: f64, s: Option<(f64, f64)>| s.is_some_and(|(a, b)| t >= a && t < b);
    // Choose which groups get an error: at most one per group, none in the skip or the repeat,
    // nor in a group whose neighbours are within 0.25 s (so a wrong note is not a neighbour; in a
    // fast piece, the median gap between groups).
    let mut steps: Vec<f64> = groups
        .windows(2)
        .map(|w| notes[w[1][0]].onset_s - notes[w[0][0]].onset_s)
        .collect();
    steps.sort_by(f64::total_cmp);
    let min_gap = 0.25f64.min(steps[steps.len() / 2]);
    let gap_around = |g: usize| {
        (notes[groups[g][0]].onset_s - notes[groups[g - 1][0]].onset_s)
            .min(notes[groups[g + 1][0]].onset_s - notes[groups[g][0]].onset_s)
    };
    let candidates: Vec<usize> = (1..groups.len() - 1)
        .filter(|&g| {
            let t = notes[groups[g][0]].onset_s;
            !in_span(t, plan.skip)
                && !in_span(t, plan.repeat)
                && gap_around(g) >= min_gap
                // Two voices on one key: which of them was wrong or missed is undecidable.
                && groups[g]
                    .iter()
                    .all(|&i| groups[g].iter().filter(|&&j| notes[j].pitch == notes[i].pitch).count() == 1)
        })
        .collect();
    // Drawn without replacement: a shuffled pool, taken from the front. A lesson with fewer
    // places than the plan asks for gets proportionally fewer errors of each kind (one at least).
    let mut pool = candidates.clone();
    shuffle(&mut rng, &mut pool);
    let mut plan = plan.clone();
    let needed = plan.wrong + plan.omitted + plan.displaced + plan.velocity;
    if needed > pool.len() {
        for n in [
            &mut plan.wrong,
            &mut plan.omitted,
            &mut plan.displaced,
            &mut plan.velocity,
        ] {
            *n = (*n * pool.len() / needed).max(1);
        }
    }
    let needed = plan.wrong + plan.omitted + plan.displaced + plan.velocity;
    assert!(
        pool.len() >= needed && needed >= 4,
        "the lesson has {} groups fit for an error (of {}, min gap {min_gap:.3} s), the plan needs {needed}",
        pool.len(),
        groups.len()
    );
    let mut chosen: Vec<usize> = Vec::new();
    let pick = |_: &mut Rng, chosen: &mut Vec<usize>| {
        let g = pool[chosen.len()];
        chosen.push(g);
        g
    };
    let mut wrong = HashMap::new();
    let mut omitted = Vec::new();
    let mut displaced = HashMap::new();
    let mut velocity = HashMap::new();
    for _ in 0..plan.wrong {
        let g = pick(&mut rng, &mut chosen);
        let i = groups[g][rng.below(groups[g].len())];
        let t = notes[i].onset_s;
        // A pitch that no lesson note within 0.6 s has.
        let steps = [1i16, -1, 2, -2, 12, -12];
        let k = rng.below(steps.len());
        let p = (0..steps.len())
            .map(|d| i16::from(notes[i].pitch) + steps[(k + d) % steps.len()])
            .find(|&p| {
                (21..=108).contains(&p)
                    && !notes
                        .iter()
                        .any(|n| (n.onset_s - t).abs() < 0.6 && i16::from(n.pitch) == p)
            })
            .unwrap() as u8;
        wrong.insert(i, p);
    }
    for _ in 0..plan.omitted {
        let g = pick(&mut rng, &mut chosen);
        omitted.push(groups[g][rng.below(groups[g].len())]);
    }
    for _ in 0..plan.displaced {
        let g = pick(&mut rng, &mut chosen);
        // 80 to 150 ms, less than half the way to a neighbour.
        let ms = (80.0 + 70.0 * f64::from(rng.uniform())).min(450.0 * gap_around(g))
            * if rng.below(2) == 0 { -1.0 } else { 1.0 };
        displaced.insert(g, ms / 1000.0);
    }
    for _ in 0..plan.velocity {
        let g = pick(&mut rng, &mut chosen);
        let i = groups[g][rng.below(groups[g].len())];
        velocity.insert(i, if rng.below(2) == 0 { 0.45 } else { 1.8 });
    }
    let skip_len = plan.skip.map_or(0.0, |(a, b)| f(b) - f(a));
    let repeat_len = plan.repeat.map_or(0.0, |(a, b)| f(b) - f(a));
    let mut take = Vec::new();
    for (g, idx) in groups.iter().enumerate() {
        let l = notes[idx[0]].onset_s;
        if in_span(l, plan.skip) {
            for &i in idx {
                truth.verdict.insert(i, (Verdict::Missed, None));
            }
            continue;
        }
        let in_repeat = in_span(l, plan.repeat);
        let jitter = if in_repeat {
            0.0
        } else {
            plan.jitter_ms / 1000.0 * f64::from(rng.gauss())
        };
        let mut shift = jitter + displaced.get(&g).copied().unwrap_or(0.0);
        if plan.skip.is_some_and(|(_, b)| l >= b) {
            shift -= skip_len;
        }
        if plan.repeat.is_some_and(|(_, b)| l >= b) {
            shift += repeat_len;
        }
        let slope = (1.0 + plan.drift * l / end) / plan.tempo;
        let mut order: Vec<usize> = idx.clone();
        order.sort_by_key(|&i| notes[i].pitch);
        for (k, &i) in order.iter().enumerate() {
            let n = &notes[i];
            let spread = k as f64 * plan.spread_ms / 1000.0;
            if omitted.contains(&i) {
                truth.verdict.insert(i, (Verdict::Missed, None));
                continue;
            }
            let pitch = wrong.get(&i).copied().unwrap_or(n.pitch);
            let vel =
                (n.velocity * velocity.get(&i).copied().unwrap_or(1.0) as f32).clamp(1.0, 127.0);
            if let Some(&v) = velocity.get(&i) {
                truth.velocity_changed.insert(i, v);
            }
            let onset = f(l) + shift + spread;
            take.push(PerformedNote {
                onset_s: onset,
                duration_s: n.duration_s * slope,
                pitch,
                velocity: vel,
            });
            if in_repeat {
                // The first time through, then again right after it.
                take.push(PerformedNote {
                    onset_s: onset + repeat_len,
                    duration_s: n.duration_s * slope,
                    pitch,
                    velocity: vel,
                });
            }
            let verdict = if wrong.contains_key(&i) {
                (Verdict::WrongPitch, Some(pitch))
            } else {
                (Verdict::Correct, Some(pitch))
            };
            truth.verdict.insert(i, verdict);
            // Deviation after tempo: what was added to the tempo curve's time (in a repeat,
            // either pass is on it).
            truth.deviation_ms.insert(
                i,
                (jitter + displaced.get(&g).copied().unwrap_or(0.0) + spread) * 1000.0,
            );
        }
    }
    // Extra notes between groups at least 0.5 s apart, pitches no lesson note near has.
    let gaps: Vec<usize> = (0..groups.len() - 1)
        .filter(|&g| {
            let (a, b) = (notes[groups[g][0]].onset_s, notes[groups[g + 1][0]].onset_s);
            b - a >= 0.5
                && !in_span(a, plan.skip)
                && !in_span(b, plan.skip)
                && !in_span(a, plan.repeat)
                && !in_span(b, plan.repeat)
                // Not beside a displaced note, nor beside a wrong or omitted one (an omitted
                // note with an extra one beside it is a wrong note).
                && [g, g + 1].iter().all(|h| {
                    !displaced.contains_key(h)
                        && !groups[*h]
                            .iter()
                            .any(|i| wrong.contains_key(i) || omitted.contains(i))
                })
        })
        .collect();
    let mut gaps = gaps;
    shuffle(&mut rng, &mut gaps);
    assert!(
        !gaps.is_empty() || plan.extra == 0,
        "the lesson has no gap fit for an extra note"
    );
    for &g in gaps.iter().take(plan.extra) {
        let (a, b) = (notes[groups[g][0]].onset_s, notes[groups[g + 1][0]].onset_s);
        let l = 0.5 * (a + b);
        let mut shift = 0.0;
        if plan.skip.is_some_and(|(_, e)| l >= e) {
            shift -= skip_len;
        }
        if plan.repeat.is_some_and(|(_, e)| l >= e) {
            shift += repeat_len;
        }
        let base = notes[groups[g][0]].pitch;
        let pitch = (3u8..40)
            .map(|d| {
                if d % 2 == 0 {
                    base + d / 2 + 2
                } else {
                    base - d / 2 - 2
                }
            })
            .find(|&p| {
                !notes
                    .iter()
                    .any(|n| (n.onset_s - l).abs() < 1.0 && n.pitch == p)
                    && !wrong.values().any(|&w| w == p)
            })
            .unwrap();
        let onset = f(l) + shift;
        take.push(PerformedNote {
            onset_s: onset,
            duration_s: 0.2,
            pitch,
            velocity: 70.0,
        });
        truth.extra.push((pitch, onset));
    }
    (take, truth)
}

struct Outcome {
    detected: usize,
    injected: usize,
    false_flags: usize,
    correct_notes: usize,
    max_dev_error_ms: f64,
    dev_errors: Vec<f64>,
}

fn check(
    lesson: &Lesson,
    take: Vec<PerformedNote>,
    truth: &Truth,
    plan: &Plan,
    level: Level,
) -> Outcome {
    let evidence = MidiEvidence::from_notes(take);
    let a = assess(
        &evidence,
        lesson,
        &AssessOptions {
            level,
            ..Default::default()
        },
    )
    .unwrap();
    let mut out = Outcome {
        detected: 0,
        injected: 0,
        false_flags: 0,
        correct_notes: 0,
        max_dev_error_ms: 0.0,
        dev_errors: Vec::new(),
    };
    for v in &a.notes {
        let (want, played) = truth.verdict[&v.index];
        if want == Verdict::Correct {
            out.correct_notes += 1;
            if v.verdict != Verdict::Correct {
                out.false_flags += 1;
                eprintln!("false flag: {v:?}");
            }
        } else {
            out.injected += 1;
            if v.verdict == want && v.played_pitch == played {
                out.detected += 1;
            } else {
                eprintln!("not found: want {want:?} {played:?}, got {v:?}");
            }
        }
        if let (Some(d), Some(t)) = (v.deviation_ms, truth.deviation_ms.get(&v.index)) {
            let e = (d - t).abs();
            if e > 1.0 && std::env::var_os("ASSESS_DEBUG").is_some() {
                eprintln!("dev error {e:.2}: truth {t:.2} {v:?}");
            }
            out.dev_errors.push(e);
            out.max_dev_error_ms = out.max_dev_error_ms.max(e);
        }
    }
    // Extras: each injected one found at its time; the repeat's other pass as extra too.
    let repeat_notes = plan.repeat.map_or(0, |(s, e)| {
        lesson
            .notes
            .iter()
            .filter(|n| n.onset_s >= s && n.onset_s < e)
            .count()
    });
    for &(p, t) in &truth.extra {
        out.injected += 1;
        if a.extra_notes
            .iter()
            .any(|x| x.pitch == p && (x.played_s - t).abs() < 1e-6)
        {
            out.detected += 1;
        } else {
            eprintln!("extra {p} at {t:.3} not found");
        }
    }
    let expected_extra = truth.extra.len() + repeat_notes;
    if a.extra_notes.len() != expected_extra {
        eprintln!(
            "{} extra notes, expected {expected_extra}: {:?}",
            a.extra_notes.len(),
            a.extra_notes
        );
        out.false_flags += a.extra_notes.len().abs_diff(expected_extra);
    }
    out
}

fn lessons() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = common::lesson_midis()
        .into_iter()
        .map(|(name, bytes, _)| (name.to_string(), bytes))
        .collect();
    let etude = common::testdata_midi().join("piano_prokofiev_etude_op2no1.mid");
    v.push(("prokofiev etude".into(), std::fs::read(&etude).unwrap()));
    v
}

fn exact_plan(seed: u64, tempo: f64, drift: f64) -> Plan {
    Plan {
        seed,
        tempo,
        drift,
        spread_ms: 12.0,
        wrong: 4,
        omitted: 4,
        extra: 3,
        displaced: 4,
        velocity: 3,
        ..Default::default()
    }
}

#[test]
fn midi_takes_every_error_found_and_deviations_exact() {
    for (name, bytes) in lessons() {
        let lesson = lesson_of(&bytes);
        for (seed, tempo, drift) in [(1, 0.8, 0.1), (2, 1.2, -0.08), (3, 1.0, 0.0)] {
            let plan = exact_plan(seed, tempo, drift);
            let (take, truth) = perturb(&lesson, &plan);
            let o = check(&lesson, take, &truth, &plan, Level::Intermediate);
            assert_eq!(o.detected, o.injected, "{name} seed {seed}: errors missed");
            assert_eq!(
                o.false_flags, 0,
                "{name} seed {seed}: correct notes flagged"
            );
            assert!(
                o.max_dev_error_ms <= 1.0,
                "{name} seed {seed}: deviation off by {:.2} ms",
                o.max_dev_error_ms
            );
        }
    }
}

#[test]
fn midi_takes_with_a_skip_and_a_repeat() {
    let (_, bytes, _) = common::lesson_midis().remove(1);
    let lesson = lesson_of(&bytes);
    // 84 BPM: a bar is 2.86 s. Skip bars 3-4 in one take, play bars 5-6 twice in another.
    for (seed, skip, repeat) in [
        (11, Some((5.71, 11.43)), None),
        (12, None, Some((11.43, 17.14))),
    ] {
        for tempo in [0.8, 1.2] {
            let plan = Plan {
                skip,
                repeat,
                ..exact_plan(seed, tempo, 0.06)
            };
            let (take, truth) = perturb(&lesson, &plan);
            let o = check(&lesson, take, &truth, &plan, Level::Advanced);
            assert_eq!(
                o.detected, o.injected,
                "seed {seed} tempo {tempo}: errors missed"
            );
            assert_eq!(
                o.false_flags, 0,
                "seed {seed} tempo {tempo}: correct notes flagged"
            );
            assert!(
                o.max_dev_error_ms <= 1.0,
                "seed {seed} tempo {tempo}: deviation off by {:.2} ms",
                o.max_dev_error_ms
            );
        }
    }
}

#[test]
fn midi_takes_with_jitter_every_error_found() {
    for (name, bytes) in lessons() {
        let lesson = lesson_of(&bytes);
        for (seed, jitter) in [(21, 10.0), (22, 30.0)] {
            let plan = Plan {
                jitter_ms: jitter,
                ..exact_plan(seed, 0.9, 0.05)
            };
            let (take, truth) = perturb(&lesson, &plan);
            let o = check(&lesson, take, &truth, &plan, Level::Beginner);
            assert_eq!(
                o.detected, o.injected,
                "{name} jitter {jitter}: errors missed"
            );
            assert_eq!(
                o.false_flags, 0,
                "{name} jitter {jitter}: correct notes flagged"
            );
            let mut e = o.dev_errors.clone();
            e.sort_by(f64::total_cmp);
            let median = e[e.len() / 2];
            // The tempo the player meant is known to about sigma / sqrt(neighbours).
            assert!(
                median <= 0.3 * jitter + 1.0,
                "{name} jitter {jitter}: median deviation error {median:.1} ms"
            );
            let _ = o.correct_notes;
        }
    }
}

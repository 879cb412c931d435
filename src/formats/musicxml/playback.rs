//! The order in which a player plays the measures: repeats (nested too), endings for
//! the passes they name, and D.C. / D.S. al Fine / al Coda from `<sound>`.
//!
//! A backward repeat goes back to its start as often as its `times` say (twice in all by
//! default; at the end of an ending, on every pass that ending names); going back resets
//! the repeats inside. An ending is played on the passes it names. A D.C. or D.S. is
//! taken once; after it, repeats are not taken again, an ending group plays its last
//! ending, "To Coda" jumps to the coda and Fine ends the piece, as players read them.

use super::repeats::{Form, Jump, MAX_TIMES, Marks};
use std::collections::BTreeMap;

/// Where the player is and what it has done.
struct Player<'a> {
    marks: &'a [Marks],
    form: Form,
    /// Passes gone back per repeat counter key.
    passes: BTreeMap<usize, u32>,
    /// A D.C. or D.S. has been taken.
    jumped: bool,
    /// Jumps already taken: (measure, which).
    taken: Vec<(usize, u8)>,
}

/// What to do after a measure.
enum Next {
    Go(usize),
    Stop,
}

/// The playing order of measures (indices into `marks`), at most `max` long: a longer
/// order is cut there, for the caller to refuse.
pub fn playback_order(marks: &[Marks], max: usize) -> Vec<usize> {
    let mut player = Player {
        marks,
        form: Form::new(marks),
        passes: BTreeMap::new(),
        jumped: false,
        taken: Vec::new(),
    };
    let mut order = Vec::with_capacity(marks.len().min(max));
    let mut i = 0;
    // Every step plays a measure or skips forward past an ending.
    let mut budget = max.saturating_mul(2).saturating_add(marks.len());
    while i < marks.len() && order.len() < max && budget > 0 {
        budget -= 1;
        if let Some(after) = player.skip_ending(i) {
            i = after;
            continue;
        }
        order.push(i);
        match player.after(i) {
            Next::Go(next) => i = next,
            Next::Stop => break,
        }
    }
    order
}

impl Player<'_> {
    /// The pass the repeat of ending group `group` is on.
    fn pass(&self, group: usize) -> u32 {
        let key = self.form.group_keys.get(group).copied().flatten();
        key.map_or(1, |k| self.passes.get(&k).copied().unwrap_or(0) + 1)
    }

    /// If an ending starts at `i` and is not played now: the measure after it.
    fn skip_ending(&self, i: usize) -> Option<usize> {
        let r = &self.form.regions[self.form.region_at[i]?];
        let play = if self.jumped {
            r.last_of_group
        } else {
            r.numbers.contains(&self.pass(r.group))
        };
        (!play).then_some(r.end + 1)
    }

    /// Where to go after playing measure `i`.
    fn after(&mut self, i: usize) -> Next {
        if let Some(back) = self.repeat(i) {
            return Next::Go(back);
        }
        let jumps = &self.marks[i].jumps;
        if self.jumped && jumps.contains(&Jump::Fine) && self.take(i, 0) {
            return Next::Stop;
        }
        for jump in jumps {
            let (target, kind) = match jump {
                Jump::ToCoda(name) if self.jumped => (self.target(true, name), 1),
                Jump::DaCapo => (Some(0), 2),
                Jump::DalSegno(name) => (self.target(false, name), 3),
                _ => continue,
            };
            if let Some(t) = target
                && self.take(i, kind)
            {
                self.jumped = true;
                return Next::Go(t);
            }
        }
        Next::Go(i + 1)
    }

    /// Marks jump `kind` at measure `i` as taken; false if it was already.
    fn take(&mut self, i: usize, kind: u8) -> bool {
        if self.taken.contains(&(i, kind)) {
            return false;
        }
        self.taken.push((i, kind));
        true
    }

    /// The measure of a segno or coda: the one named, else the first of its kind.
    fn target(&self, coda: bool, name: &str) -> Option<usize> {
        let named = self.form.targets.get(&(coda, name.to_string()));
        named.copied().or_else(|| {
            self.form
                .targets
                .iter()
                .filter(|((c, _), _)| *c == coda)
                .map(|(_, &m)| m)
                .min()
        })
    }

    /// If the backward repeat at `i` goes back now: where to.
    fn repeat(&mut self, i: usize) -> Option<usize> {
        let r = self.form.repeats[i]?;
        if self.jumped {
            return None;
        }
        let done = self.passes.get(&r.key).copied().unwrap_or(0);
        let pass = done + 1;
        let again = match (r.times, r.region) {
            (Some(times), _) => pass < times.clamp(1, MAX_TIMES),
            (None, Some(region)) => self.form.regions[region].numbers.contains(&pass),
            (None, None) => pass < 2,
        };
        if !again || pass >= MAX_TIMES {
            return None;
        }
        // The repeats inside start again from their first pass.
        let inner: Vec<usize> = self
            .passes
            .range(r.start..i.saturating_add(1))
            .map(|(&k, _)| k)
            .filter(|&k| k != r.key)
            .collect();
        for k in inner {
            self.passes.remove(&k);
        }
        self.passes.insert(r.key, pass);
        Some(r.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forward() -> Marks {
        Marks {
            forward: true,
            ..Marks::default()
        }
    }

    fn backward() -> Marks {
        Marks {
            backward: Some(None),
            ..Marks::default()
        }
    }

    fn ending(numbers: &[u32], stop: bool, back: bool) -> Marks {
        Marks {
            ending_start: Some(numbers.to_vec()),
            ending_stop: stop,
            backward: back.then_some(None),
            ..Marks::default()
        }
    }

    fn order(marks: &[Marks]) -> Vec<usize> {
        playback_order(marks, 1000)
    }

    #[test]
    fn simple_repeats() {
        let marks = vec![Marks::default(), forward(), Marks::default(), backward()];
        assert_eq!(order(&marks), [0, 1, 2, 3, 1, 2, 3]);
        // No forward repeat: back to the start.
        let marks = vec![Marks::default(), backward(), Marks::default()];
        assert_eq!(order(&marks), [0, 1, 0, 1, 2]);
        let five = Marks {
            backward: Some(Some(5)),
            ..Marks::default()
        };
        assert_eq!(order(&[five]), [0, 0, 0, 0, 0]);
    }

    #[test]
    fn first_and_second_endings() {
        let marks = vec![
            forward(),
            Marks::default(),
            ending(&[1], true, true),
            ending(&[2], true, false),
            Marks::default(),
        ];
        assert_eq!(order(&marks), [0, 1, 2, 0, 1, 3, 4]);
        // One ending for passes 1 and 2, then the third.
        let marks = vec![
            forward(),
            ending(&[1, 2], true, true),
            ending(&[3], true, false),
        ];
        assert_eq!(order(&marks), [0, 1, 0, 1, 0, 2]);
    }

    #[test]
    fn a_repeat_nested_in_an_ending() {
        // 1 | [1. 2 |: 3 :| 4 :|] [2. |: 5 :| 6 ] 7, as in LilyPond's 45i.
        let mut five = ending(&[2], false, true);
        five.forward = true;
        let mut three = forward();
        three.backward = Some(None);
        let marks = vec![
            Marks::default(),
            ending(&[1], false, false),
            three,
            Marks {
                ending_stop: true,
                backward: Some(None),
                ..Marks::default()
            },
            five,
            Marks {
                ending_stop: true,
                ..Marks::default()
            },
            Marks::default(),
        ];
        assert_eq!(order(&marks), [0, 1, 2, 2, 3, 0, 4, 4, 5, 6]);
    }

    #[test]
    fn nested_repeats_start_again_each_outer_pass() {
        // |: 0 |: 1 :| 2 :|
        let mut one = forward();
        one.backward = Some(None);
        let marks = vec![forward(), one, backward()];
        assert_eq!(order(&marks), [0, 1, 1, 2, 0, 1, 1, 2]);
    }

    #[test]
    fn da_capo_al_fine_and_dal_segno_al_coda() {
        let with = |jumps: Vec<Jump>| Marks {
            jumps,
            ..Marks::default()
        };
        // 0 1(Fine) 2(D.C.): 0 1 2 0 1.
        let marks = vec![
            Marks::default(),
            with(vec![Jump::Fine]),
            with(vec![Jump::DaCapo]),
        ];
        assert_eq!(order(&marks), [0, 1, 2, 0, 1]);
        // 0 1(segno) 2(To Coda) 3(D.S.) 4(coda): 0 1 2 3 1 2 4.
        let marks = vec![
            Marks::default(),
            with(vec![Jump::Segno("s".into())]),
            with(vec![Jump::ToCoda("c".into())]),
            with(vec![Jump::DalSegno("s".into())]),
            with(vec![Jump::Coda("c".into())]),
        ];
        assert_eq!(order(&marks), [0, 1, 2, 3, 1, 2, 4]);
        // After the D.C. the repeat is not taken again and the last ending is played.
        let marks = vec![
            forward(),
            ending(&[1], true, true),
            ending(&[2], true, false),
            with(vec![Jump::DaCapo]),
        ];
        assert_eq!(order(&marks), [0, 1, 0, 2, 3, 0, 2, 3]);
    }

    #[test]
    fn malformed_marks_terminate() {
        let weird = Marks {
            forward: true,
            backward: Some(Some(u32::MAX)),
            ending_start: Some(vec![]),
            ending_stop: false,
            jumps: vec![Jump::DaCapo, Jump::ToCoda("x".into())],
        };
        let marks = vec![weird.clone(), weird.clone(), backward(), weird];
        assert!(order(&marks).len() <= 1000);
        assert_eq!(playback_order(&marks, 10).len(), 10);
    }
}

//! The written form of a part: repeat barlines, ending brackets and `<sound>` jumps of
//! each measure, and which repeat each backward barline and each ending belongs to.

use std::collections::BTreeMap;

/// A `<sound>` jump or jump target, as a player reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Jump {
    /// `segno="name"`: where a D.S. goes back to (the measure's start).
    Segno(String),
    /// `coda="name"`: where a "To Coda" goes (the measure's start).
    Coda(String),
    /// `dacapo="yes"`: back to the start, once, after this measure.
    DaCapo,
    /// `dalsegno="name"`: back to the segno, once, after this measure.
    DalSegno(String),
    /// `tocoda="name"`: on to the coda after this measure, once the piece has jumped back.
    ToCoda(String),
    /// `fine`: the end, once the piece has jumped back.
    Fine,
}

/// Repeat, ending and jump marks of one measure.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    /// A forward repeat (`|:`) at this measure.
    pub forward: bool,
    /// A backward repeat (`:|`), with its `times` attribute when given.
    pub backward: Option<Option<u32>>,
    /// An ending bracket starts here, for these passes (`number="1, 2"`); empty when the
    /// file gives no number (then it is the next one of its group).
    pub ending_start: Option<Vec<u32>>,
    /// An ending bracket stops here (`type="stop"` or `"discontinue"`).
    pub ending_stop: bool,
    /// `<sound>` jumps and targets.
    pub jumps: Vec<Jump>,
}

/// The most times one repeat is played.
pub const MAX_TIMES: u32 = 16;

/// Parses an ending's `number` attribute (`"1"`, `"1, 2"`, `"1 2"`); empty if none.
pub fn ending_numbers(text: &str) -> Vec<u32> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter_map(|t| t.trim().trim_end_matches('.').parse().ok())
        .filter(|&n| (1..=MAX_TIMES).contains(&n))
        .collect()
}

/// An ending bracket: the measures it spans and the passes it is played on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// Its first measure.
    pub start: usize,
    /// Its last measure.
    pub end: usize,
    /// The passes of its repeat it is played on.
    pub numbers: Vec<u32>,
    /// Its group: endings that follow each other bar after bar share one.
    pub group: usize,
    /// Whether it is the last ending of its group.
    pub last_of_group: bool,
}

/// How a backward repeat plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Repeat {
    /// The measure it goes back to.
    pub start: usize,
    /// The counter of passes it shares (the first backward repeat of an ending group
    /// for every repeat of that group, else its own measure).
    pub key: usize,
    /// The ending it sits in, when it is the repeat its endings belong to.
    pub region: Option<usize>,
    /// The `times` attribute.
    pub times: Option<u32>,
}

/// The analysed form: ending regions and where each backward repeat goes.
#[derive(Debug, Default)]
pub struct Form {
    /// Ending regions in order.
    pub regions: Vec<Region>,
    /// For each measure, the region starting there.
    pub region_at: Vec<Option<usize>>,
    /// For each measure, its backward repeat.
    pub repeats: Vec<Option<Repeat>>,
    /// For each group of endings, the counter key of the repeat its endings count.
    pub group_keys: Vec<Option<usize>>,
    /// `Segno` and `Coda` targets: (is coda, name) → measure.
    pub targets: BTreeMap<(bool, String), usize>,
}

/// The last measure of the ending that starts at `start`: where it stops, else the
/// repeat that ends it, else the measure before the next ending; else its first measure.
fn region_end(marks: &[Marks], start: usize) -> usize {
    let next = (start + 1..marks.len()).find(|&j| marks[j].ending_start.is_some());
    let limit = next.map_or(marks.len(), |n| n);
    let stop = (start..limit).find(|&j| marks[j].ending_stop);
    let backward = (start..limit).find(|&j| marks[j].backward.is_some());
    stop.or(backward).or(next.map(|n| n - 1)).unwrap_or(start)
}

fn regions(marks: &[Marks]) -> Vec<Region> {
    let mut out: Vec<Region> = Vec::new();
    let mut i = 0;
    while i < marks.len() {
        let Some(numbers) = &marks[i].ending_start else {
            i += 1;
            continue;
        };
        let end = region_end(marks, i);
        let joins = out.last().is_some_and(|r| r.end + 1 == i);
        let group = match out.last() {
            Some(r) if joins => r.group,
            Some(r) => r.group + 1,
            None => 0,
        };
        if let Some(r) = out.last_mut().filter(|_| joins) {
            r.last_of_group = false;
        }
        let ordinal = out.iter().rev().take_while(|r| r.group == group).count();
        let numbers = if numbers.is_empty() {
            vec![
                u32::try_from(ordinal + 1)
                    .unwrap_or(MAX_TIMES)
                    .min(MAX_TIMES),
            ]
        } else {
            numbers.clone()
        };
        out.push(Region {
            start: i,
            end,
            numbers,
            group,
            last_of_group: true,
        });
        i = end + 1;
    }
    out
}

impl Form {
    /// Analyses the marks of a part's measures, in written order.
    pub fn new(marks: &[Marks]) -> Form {
        let regions = regions(marks);
        let mut region_at = vec![None; marks.len()];
        let mut region_of = vec![None; marks.len()];
        for (k, r) in regions.iter().enumerate() {
            region_at[r.start] = Some(k);
            for slot in region_of.iter_mut().take(r.end + 1).skip(r.start) {
                *slot = Some(k);
            }
        }
        let groups = regions.last().map_or(0, |r| r.group + 1);
        let mut form = Form {
            regions,
            region_at,
            repeats: vec![None; marks.len()],
            group_keys: vec![None; groups],
            targets: BTreeMap::new(),
        };
        form.pair_repeats(marks, &region_of);
        for (i, m) in marks.iter().enumerate() {
            for jump in &m.jumps {
                let target = match jump {
                    Jump::Segno(name) => (false, name.clone()),
                    Jump::Coda(name) => (true, name.clone()),
                    _ => continue,
                };
                form.targets.entry(target).or_insert(i);
            }
        }
        form
    }

    /// Finds where each backward repeat goes back to: the forward repeat it closes; for
    /// the repeats of an ending group, the start of the repeat its first ending closes;
    /// without a forward repeat, the measure after the previous backward repeat (before
    /// the endings it belongs to), or the start of the piece.
    fn pair_repeats(&mut self, marks: &[Marks], region_of: &[Option<usize>]) {
        let mut group_starts = vec![0; self.group_keys.len()];
        for r in self.regions.iter().rev() {
            group_starts[r.group] = r.start;
        }
        let mut forwards: Vec<usize> = Vec::new();
        let mut last_backward: Option<usize> = None;
        // The last backward repeat before each measure, for the implicit starts.
        let mut backward_before = vec![None; marks.len() + 1];
        for (i, m) in marks.iter().enumerate() {
            backward_before[i] = last_backward;
            if m.backward.is_some() {
                last_backward = Some(i);
            }
        }
        for (j, m) in marks.iter().enumerate() {
            if m.forward {
                forwards.push(j);
            }
            let Some(times) = m.backward else {
                continue;
            };
            let region = region_of[j];
            if let (Some(r), Some(&f)) = (region, forwards.last())
                && f >= self.regions[r].start
            {
                // A repeat that opens inside this ending: its own.
                forwards.pop();
                self.repeats[j] = Some(Repeat {
                    start: f,
                    key: j,
                    region: None,
                    times,
                });
                continue;
            }
            let group = region.map(|r| self.regions[r].group);
            let known = group.and_then(|g| self.group_keys[g]);
            let repeat = if let Some(key) = known {
                let start = self.repeats[key].map_or(0, |r| r.start);
                Repeat {
                    start,
                    key,
                    region,
                    times,
                }
            } else {
                let group_start = group.map_or(j, |g| group_starts[g]);
                let start = match forwards.pop() {
                    Some(f) => f,
                    None => backward_before[group_start].map_or(0, |b| b + 1),
                };
                if let Some(g) = group {
                    self.group_keys[g] = Some(j);
                }
                Repeat {
                    start,
                    key: j,
                    region,
                    times,
                }
            };
            self.repeats[j] = Some(repeat);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ending_numbers_parse() {
        assert_eq!(ending_numbers("1, 2"), [1, 2]);
        assert_eq!(ending_numbers("1."), [1]);
        assert!(ending_numbers("").is_empty());
    }

    #[test]
    fn endings_without_numbers_count_through_their_group() {
        let ending = |stop: bool, backward: bool| Marks {
            ending_start: Some(Vec::new()),
            ending_stop: stop,
            backward: backward.then_some(None),
            ..Marks::default()
        };
        let marks = vec![Marks::default(), ending(true, true), ending(true, false)];
        let form = Form::new(&marks);
        let numbers: Vec<_> = form.regions.iter().map(|r| r.numbers.clone()).collect();
        assert_eq!(numbers, [vec![1], vec![2]]);
        assert_eq!(form.repeats[1].map(|r| r.start), Some(0));
    }
}

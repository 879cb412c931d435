//! Repeat expansion: the order in which measures are played, from repeat barlines and endings.

/// Repeat and ending marks of one measure, from its `<barline>`s.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    /// A forward repeat (`|:`) at this measure.
    pub forward: bool,
    /// A backward repeat (`:|`), with its `times` attribute when given.
    pub backward: Option<Option<u32>>,
    /// An ending bracket starts here, for these passes (`number="1, 2"`).
    pub ending_start: Option<Vec<u32>>,
    /// An ending bracket stops here (`type="stop"` or `"discontinue"`).
    pub ending_stop: bool,
}

/// The most times one repeat is played.
const MAX_TIMES: u32 = 16;

/// Parses an ending's `number` attribute (`"1"`, `"1, 2"`, `"1 2"`); empty if none.
pub fn ending_numbers(text: &str) -> Vec<u32> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter_map(|t| t.trim().trim_end_matches('.').parse().ok())
        .filter(|&n| (1..=MAX_TIMES).contains(&n))
        .collect()
}

/// For each measure where an ending starts: its passes and the measure where it ends.
fn ending_regions(marks: &[Marks]) -> Vec<Option<(Vec<u32>, usize)>> {
    marks
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let numbers = m.ending_start.clone()?;
            let end = (i..marks.len())
                .find(|&j| {
                    marks[j].ending_stop
                        || marks[j].backward.is_some()
                        || (j > i && marks[j].ending_start.is_some())
                })
                .map_or(i, |j| {
                    if j > i && marks[j].ending_start.is_some() {
                        j - 1
                    } else {
                        j
                    }
                });
            Some((numbers, end))
        })
        .collect()
}

/// For each measure, how often a backward repeat there is played by default: one more
/// than the highest number of the ending it sits in (the first region that holds it).
fn ending_times(marks_len: usize, regions: &[Option<(Vec<u32>, usize)>]) -> Vec<Option<u32>> {
    let mut out = vec![None; marks_len];
    for (start, region) in regions.iter().enumerate() {
        let Some((numbers, end)) = region else {
            continue;
        };
        let times = numbers.iter().max().map_or(2, |m| m + 1);
        // Regions never overlap (each ends before the next ending starts), so this
        // visits every measure at most once.
        for slot in out.iter_mut().take(end + 1).skip(start) {
            slot.get_or_insert(times);
        }
    }
    out
}

/// The playing order of measures (indices into `marks`), with repeats and endings
/// expanded. Malformed marks never loop forever: the order is capped.
pub fn playback_order(marks: &[Marks]) -> Vec<usize> {
    let regions = ending_regions(marks);
    let mut region_ends = vec![false; marks.len()];
    for (_, end) in regions.iter().flatten() {
        region_ends[*end] = true;
    }
    let in_ending = ending_times(marks.len(), &regions);
    let limit = marks.len().saturating_mul(MAX_TIMES as usize) + 64;
    let mut order = Vec::with_capacity(marks.len());
    let (mut i, mut start, mut pass, mut jumped) = (0, 0, 1, false);
    while i < marks.len() && order.len() < limit {
        let m = &marks[i];
        if m.forward && !jumped {
            start = i;
            pass = 1;
        }
        jumped = false;
        if let Some((numbers, end)) = &regions[i]
            && !numbers.contains(&pass)
        {
            i = end + 1;
            continue;
        }
        order.push(i);
        if let Some(times) = m.backward {
            let times = times.or(in_ending[i]).unwrap_or(2).clamp(1, MAX_TIMES);
            if pass < times {
                pass += 1;
                i = start;
                jumped = true;
                continue;
            }
            pass = 1;
            start = i + 1;
        } else if region_ends[i] {
            pass = 1;
            start = i + 1;
        }
        i += 1;
    }
    order
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

    #[test]
    fn simple_repeat() {
        let marks = vec![Marks::default(), forward(), Marks::default(), backward()];
        assert_eq!(playback_order(&marks), [0, 1, 2, 3, 1, 2, 3]);
        // No forward repeat: back to the start.
        let marks = vec![Marks::default(), backward(), Marks::default()];
        assert_eq!(playback_order(&marks), [0, 1, 0, 1, 2]);
    }

    #[test]
    fn first_and_second_endings() {
        let first = Marks {
            backward: Some(None),
            ending_start: Some(vec![1]),
            ending_stop: true,
            ..Marks::default()
        };
        let second = Marks {
            ending_start: Some(vec![2]),
            ending_stop: true,
            ..Marks::default()
        };
        let marks = vec![forward(), Marks::default(), first, second, Marks::default()];
        assert_eq!(playback_order(&marks), [0, 1, 2, 0, 1, 3, 4]);
    }

    #[test]
    fn ending_numbers_parse() {
        assert_eq!(ending_numbers("1, 2"), [1, 2]);
        assert_eq!(ending_numbers("1."), [1]);
        assert!(ending_numbers("").is_empty());
    }

    #[test]
    fn malformed_marks_terminate() {
        let weird = Marks {
            forward: true,
            backward: Some(Some(u32::MAX)),
            ending_start: Some(vec![]),
            ending_stop: false,
        };
        let marks = vec![weird.clone(), weird.clone(), backward(), weird];
        assert!(playback_order(&marks).len() <= 4 * 16 + 64);
    }
}

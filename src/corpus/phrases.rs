//! Phrases: a song's bars in phrases of its meter's usual length (counted from the first
//! full bar; the pickup leads into the first), and which earlier phrase each one repeats,
//! exactly (or transposed) or varied (the same opening, a new ending).

use crate::corpus::encoding::Symbol;
use crate::corpus::structure::SongStructure;
use crate::rng::SplitMix64;
use serde::{Deserialize, Serialize};

/// The farthest back a label names a phrase; farther ones count as this far.
pub const MAX_BACK: u8 = 3;

/// What a phrase does with the phrases before it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PhraseLabel {
    /// New material.
    New,
    /// The phrase this many phrases back (1 ..= [`MAX_BACK`]), again: every bar but the
    /// last equal to it, all moved by one interval (0 for an exact repeat).
    Repeat(u8),
    /// A varied repeat of the phrase this many phrases back: the same opening half, a new
    /// ending.
    Varied(u8),
    /// Not known (a fill's own phrase, or a plan that leaves it open).
    #[default]
    Unknown,
}

/// Values a label takes as an input: new, repeat 1/2/3+ back, varied 1/2/3+ back, unknown.
pub const LABEL_VALUES: usize = 8;

impl PhraseLabel {
    /// The label's input index (`0..LABEL_VALUES`).
    pub fn index(self) -> usize {
        let back = |k: u8| usize::from(k.clamp(1, MAX_BACK));
        match self {
            PhraseLabel::New => 0,
            PhraseLabel::Repeat(k) => back(k),
            PhraseLabel::Varied(k) => 3 + back(k),
            PhraseLabel::Unknown => LABEL_VALUES - 1,
        }
    }

    /// The label whose input index is `index`.
    pub fn from_index(index: usize) -> PhraseLabel {
        match index {
            0 => PhraseLabel::New,
            1..=3 => PhraseLabel::Repeat(index as u8),
            4..=6 => PhraseLabel::Varied(index as u8 - 3),
            _ => PhraseLabel::Unknown,
        }
    }

    /// The phrase it repeats (fully or varied), counted back.
    pub fn back(self) -> Option<u8> {
        match self {
            PhraseLabel::Repeat(k) | PhraseLabel::Varied(k) => Some(k),
            PhraseLabel::New | PhraseLabel::Unknown => None,
        }
    }
}

/// Labels a plan can draw: every label but unknown.
const DRAWN: usize = LABEL_VALUES - 1;

/// How often each label comes in the training songs, by the song's number of phrases (1 to
/// [`PhrasePrior::MAX_PHRASES`], longer songs as the longest) and the phrase's place: what
/// a plan for new phrases is drawn from, so that generated songs repeat their phrases as
/// the corpus's songs do.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PhrasePrior {
    /// `counts[n - 1][j][label index]`: songs of `n` phrases whose phrase `j` had the label.
    pub counts: Vec<Vec<[u32; DRAWN]>>,
}

impl PhrasePrior {
    /// Songs longer than this many phrases count as this long.
    pub const MAX_PHRASES: usize = 8;

    /// Counts the labels of songs (each song's labels in phrase order).
    pub fn from_songs<'a>(songs: impl IntoIterator<Item = &'a [PhraseLabel]>) -> PhrasePrior {
        let max = PhrasePrior::MAX_PHRASES;
        let mut counts: Vec<Vec<[u32; DRAWN]>> = (1..=max).map(|n| vec![[0; DRAWN]; n]).collect();
        for labels in songs {
            let Some(n) = labels.len().checked_sub(1).map(|n| n.min(max - 1)) else {
                continue;
            };
            for (j, label) in labels.iter().enumerate().take(max) {
                let i = label.index();
                if i < DRAWN {
                    counts[n][j.min(n)][i] += 1;
                }
            }
        }
        PhrasePrior { counts }
    }

    /// Draws the label of phrase `j` of a song of `n` phrases: in proportion to the counts
    /// among the labels possible there (a phrase can only repeat one before it); the first
    /// phrase, and any place without counts, is new.
    pub fn draw(&self, n: usize, j: usize, rng: &mut SplitMix64) -> PhraseLabel {
        let Some(row) = n
            .checked_sub(1)
            .and_then(|n| self.counts.get(n.min(PhrasePrior::MAX_PHRASES - 1)))
            .and_then(|places| places.get(j.min(places.len().saturating_sub(1))))
        else {
            return PhraseLabel::New;
        };
        let possible = |i: usize| {
            PhraseLabel::from_index(i)
                .back()
                .is_none_or(|k| usize::from(k) <= j)
        };
        let total: u32 = (0..DRAWN).filter(|&i| possible(i)).map(|i| row[i]).sum();
        if j == 0 || total == 0 {
            return PhraseLabel::New;
        }
        let mut pick = (rng.next_f64() * f64::from(total)) as u32;
        for i in (0..DRAWN).filter(|&i| possible(i)) {
            if pick < row[i] {
                return PhraseLabel::from_index(i);
            }
            pick -= row[i];
        }
        PhraseLabel::New
    }
}

/// The phrase grid of a song: phrases of `bars` bars from the first full bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhraseGrid {
    /// The song's meter and pickup.
    pub structure: SongStructure,
    /// Bars per phrase.
    pub bars: usize,
}

impl PhraseGrid {
    /// The grid of a song with a known meter (its usual phrase length); `None` without.
    pub fn of(structure: SongStructure) -> Option<PhraseGrid> {
        let meter = structure.meter?;
        structure.bar_steps()?;
        Some(PhraseGrid {
            structure,
            bars: meter.phrase_bars(),
        })
    }

    /// The phrase `step` belongs to (0-based; the pickup belongs to phrase 0).
    pub fn phrase_of(&self, step: usize) -> usize {
        self.structure
            .bar_of(step)
            .map_or(0, |bar| bar.saturating_sub(1) / self.bars.max(1))
    }

    /// The bar of `step` within its phrase (0-based), or `None` in the pickup.
    pub fn bar_in_phrase(&self, step: usize) -> Option<usize> {
        let bar = self.structure.bar_of(step)?;
        bar.checked_sub(1).map(|b| b % self.bars.max(1))
    }

    /// The steps of bar `bar` (1-based) of a song of `len` steps.
    fn bar_steps(&self, bar: usize, len: usize) -> std::ops::Range<usize> {
        let size = self.structure.bar_steps().unwrap_or(16);
        let start = self.structure.bar_start(bar).unwrap_or(len).min(len);
        start..(start + size).min(len)
    }
}

/// The label of every phrase of `symbols` (a song on the grid, no delimiters): for each
/// phrase, the nearest earlier phrase it repeats, else the nearest it varies, else new.
/// A phrase cut short by the song's end compares only the bars it has.
pub fn labels(symbols: &[Symbol], grid: &PhraseGrid) -> Vec<PhraseLabel> {
    let len = symbols.len();
    let Some(last) = len.checked_sub(1) else {
        return Vec::new();
    };
    let phrases = grid.phrase_of(last) + 1;
    let p = grid.bars.max(1);
    let bars: Vec<&[Symbol]> = (1..=phrases * p)
        .map(|bar| &symbols[grid.bar_steps(bar, len)])
        .collect();
    let phrase = |j: usize| &bars[j * p..(j + 1) * p];
    (0..phrases)
        .map(|j| {
            let relation = |k: usize| relation(phrase(j - k), phrase(j));
            let back = |k: usize| (k.min(usize::from(MAX_BACK))) as u8;
            if let Some(k) = (1..=j).find(|&k| relation(k) == Some(Relation::Repeat)) {
                PhraseLabel::Repeat(back(k))
            } else if let Some(k) = (1..=j).find(|&k| relation(k).is_some()) {
                PhraseLabel::Varied(back(k))
            } else {
                PhraseLabel::New
            }
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Relation {
    Repeat,
    Varied,
}

/// How a phrase relates to an earlier one (bar by bar; bars past the song's end are
/// empty): every bar it has but the last equal (moved by one interval), or its opening
/// half.
fn relation(earlier: &[&[Symbol]], later: &[&[Symbol]]) -> Option<Relation> {
    let p = later.len();
    let have = later.iter().filter(|b| !b.is_empty()).count();
    let mut shift = None;
    let equal = earlier
        .iter()
        .zip(later)
        .take(have)
        .take_while(|(a, b)| moved_equal(a, b, &mut shift))
        .count();
    let body = p.saturating_sub(1).max(1).min(have);
    let opening = p.div_ceil(2).min(have);
    if have == 0 || equal == 0 {
        None
    } else if equal >= body {
        Some(Relation::Repeat)
    } else if equal >= opening {
        Some(Relation::Varied)
    } else {
        None
    }
}

/// True when two bars have the same rhythm and their pitches differ by `shift` semitones
/// (set by the first pitched pair when still open). Bars without a note onset never match.
fn moved_equal(a: &[Symbol], b: &[Symbol], shift: &mut Option<i32>) -> bool {
    if a.len() != b.len() || !b.iter().any(|s| matches!(s, Symbol::Note(_))) {
        return false;
    }
    a.iter().zip(b).all(|(x, y)| match (x, y) {
        (Symbol::Note(p), Symbol::Note(q)) => {
            let d = i32::from(q.midi()) - i32::from(p.midi());
            *shift.get_or_insert(d) == d
        }
        _ => x == y,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::encoding::parse_symbols;
    use crate::music::Meter;

    fn grid(n: u32, d: u32, pickup_steps: usize) -> PhraseGrid {
        PhraseGrid::of(SongStructure {
            meter: Meter::new(n, d),
            pickup_steps,
        })
        .unwrap()
    }

    fn symbols(bars: &[&str]) -> Vec<Symbol> {
        parse_symbols(&bars.join(" ")).unwrap()
    }

    #[test]
    fn labels_name_repeats_variations_and_new_phrases() {
        // 2/4, phrases of 4 bars (8 steps a bar).
        let a = [
            "60 _ _ _ 62 _ _ _",
            "64 _ _ _ 62 _ _ _",
            "60 _ 62 _ 64 _ 65 _",
            "67 _ _ _ _ _ _ _",
        ];
        let a_close = [
            "60 _ _ _ 62 _ _ _",
            "64 _ _ _ 62 _ _ _",
            "64 _ 62 _ 60 _ 59 _",
            "60 _ _ _ _ _ _ _",
        ];
        let b = [
            "67 _ _ _ 69 _ _ _",
            "71 _ _ _ 72 _ _ _",
            "71 _ 69 _ 67 _ 65 _",
            "64 _ _ _ _ _ _ _",
        ];
        let a_up: Vec<String> = a
            .iter()
            .map(|bar| {
                bar.split(' ')
                    .map(|t| {
                        t.parse::<u8>()
                            .map_or(t.to_string(), |p| (p + 2).to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let a_up: Vec<&str> = a_up.iter().map(String::as_str).collect();
        let mut a_new_last = a;
        a_new_last[3] = "67 _ _ _ 65 _ 64 _";
        let song: Vec<&str> = [&a[..], &a_close, &b, &a_up, &a_new_last].concat();
        let labels = labels(&symbols(&song), &grid(2, 4, 0));
        assert_eq!(
            labels,
            vec![
                PhraseLabel::New,
                PhraseLabel::Varied(1),
                PhraseLabel::New,
                PhraseLabel::Repeat(3),
                PhraseLabel::Repeat(1),
            ],
            "A A' B A(up a tone) A(new lead-out)"
        );
        assert_eq!(PhraseLabel::Repeat(3).index(), 3);
        for i in 0..LABEL_VALUES {
            assert_eq!(PhraseLabel::from_index(i).index(), i);
        }
    }

    #[test]
    fn a_prior_draws_the_labels_the_songs_had() {
        use PhraseLabel::{New, Repeat, Varied};
        let songs = [
            vec![New, Varied(1)],
            vec![New, Varied(1)],
            vec![New, New],
            vec![New, Repeat(1), New, Repeat(2)],
        ];
        let prior = PhrasePrior::from_songs(songs.iter().map(Vec::as_slice));
        assert_eq!(prior.counts[1][1][Varied(1).index()], 2);
        let mut rng = SplitMix64(4);
        let drawn: Vec<PhraseLabel> = (0..300).map(|_| prior.draw(2, 1, &mut rng)).collect();
        let varied = drawn.iter().filter(|&&l| l == Varied(1)).count();
        assert!(
            (170..230).contains(&varied),
            "{varied} of 300, expected about 200"
        );
        assert!(drawn.iter().all(|&l| l == Varied(1) || l == New));
        assert_eq!(prior.draw(4, 3, &mut rng), Repeat(2));
        assert_eq!(prior.draw(2, 0, &mut rng), New, "the first phrase is new");
        assert_eq!(PhrasePrior::default().draw(2, 1, &mut rng), New);
    }

    #[test]
    fn the_pickup_leads_into_the_first_phrase() {
        let g = grid(3, 4, 4);
        assert_eq!((g.phrase_of(0), g.bar_in_phrase(0)), (0, None));
        assert_eq!((g.phrase_of(4), g.bar_in_phrase(4)), (0, Some(0)));
        assert_eq!(
            (g.phrase_of(4 + 12 * 4), g.bar_in_phrase(4 + 12 * 5)),
            (1, Some(1))
        );
    }
}

//! The table's musical sort order: meters by bar length, keys around the circle of
//! fifths, exclusions by the offending duration.

use super::{SortBy, TuneRow};
use crate::corpus::preprocess::Exclusion;
use crate::music::{Key, Meter, Ratio};
use std::cmp::Ordering;

/// Orders two rows by a column, ascending.
pub(super) fn compare(a: &TuneRow, b: &TuneRow, by: SortBy) -> Ordering {
    match by {
        SortBy::Title => a.title.cmp(&b.title),
        SortBy::File => a.file.cmp(&b.file),
        SortBy::Key => key_order(a.key).cmp(&key_order(b.key)),
        SortBy::Meter => meter_order(a.meter).cmp(&meter_order(b.meter)),
        SortBy::Bars => a.bars.total_cmp(&b.bars),
        SortBy::Status => {
            exclusion_order(a.excluded.as_ref()).cmp(&exclusion_order(b.excluded.as_ref()))
        }
    }
}

/// Shorter bars first, then fewer beats: 3/8 < 2/4 < 3/4 < 6/8 < 2/2 < 4/4 < 12/8.
/// Unknown meters come first.
fn meter_order(meter: Option<Meter>) -> Option<(Ratio, u32)> {
    meter.map(|m| (m.bar_length(), m.numerator))
}

/// Around the circle of fifths by key signature (flats, none, sharps), then by mode
/// (major before minor): B♭ major, G minor, F major, D minor, C major, A minor, G major, …
/// Unknown keys come first.
pub(super) fn key_order(key: Option<Key>) -> Option<(i32, u8)> {
    key.map(|k| (k.signature_fifths(), k.mode as u8))
}

/// Usable tunes first, then tunes left out for a duration (shortest first), then tunes
/// without notes.
fn exclusion_order(exclusion: Option<&Exclusion>) -> Option<(u8, Ratio)> {
    exclusion.map(|e| match e {
        Exclusion::Duration { duration, .. } => (0, *duration),
        Exclusion::NoNotes => (1, Ratio::ZERO),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Melody, Mode};
    use std::path::PathBuf;
    use std::sync::Arc;

    fn row(key: Option<Key>, meter: Option<Meter>, excluded: Option<Exclusion>) -> TuneRow {
        TuneRow {
            corpus: PathBuf::new(),
            title: String::new(),
            file: String::new(),
            key,
            meter,
            bars: 0.0,
            excluded,
            melody: Arc::new(Melody::new()),
            song: None,
        }
    }

    fn sorted(rows: &[TuneRow], by: SortBy) -> Vec<usize> {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| compare(&rows[a], &rows[b], by));
        order
    }

    #[test]
    fn meters_sort_by_bar_length_so_2_4_comes_before_12_8() {
        let meters = [(12, 8), (2, 4), (6, 8), (3, 4), (4, 4), (2, 2), (3, 8)];
        let mut rows: Vec<TuneRow> = meters
            .iter()
            .map(|&(n, d)| row(None, Meter::new(n, d), None))
            .collect();
        rows.push(row(None, None, None));
        let shown: Vec<String> = sorted(&rows, SortBy::Meter)
            .into_iter()
            .map(|i| rows[i].meter.map_or_else(|| "?".into(), |m| m.to_string()))
            .collect();
        assert_eq!(
            shown,
            ["?", "3/8", "2/4", "3/4", "6/8", "2/2", "4/4", "12/8"]
        );
    }

    #[test]
    fn keys_sort_around_the_circle_of_fifths() {
        let keys = ["D", "Bb", "Am", "C", "Gm", "F", "Dmix"];
        let rows: Vec<TuneRow> = keys
            .iter()
            .map(|k| row(Key::parse(k), None, None))
            .collect();
        let shown: Vec<String> = sorted(&rows, SortBy::Key)
            .into_iter()
            .filter_map(|i| rows[i].key.map(|k| k.to_string()))
            .collect();
        assert_eq!(
            shown,
            [
                "Bb Major",
                "G Minor",
                "F Major",
                "C Major",
                "A Minor",
                "D Mixolydian",
                "D Major"
            ]
        );
        assert!(Key::parse("Am").is_some_and(|k| k.mode == Mode::Minor));
    }

    #[test]
    fn usable_tunes_sort_before_excluded_ones() {
        let long = Exclusion::Duration {
            duration: Ratio::new(6, 1),
            index: 0,
        };
        let short = Exclusion::Duration {
            duration: Ratio::new(1, 3),
            index: 4,
        };
        let rows = [
            row(None, None, Some(Exclusion::NoNotes)),
            row(None, None, Some(long)),
            row(None, None, None),
            row(None, None, Some(short)),
        ];
        assert_eq!(sorted(&rows, SortBy::Status), [2, 3, 1, 0]);
    }
}

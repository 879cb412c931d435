//! Training data: songs as id sequences, cut into windows; batches with targets shifted by one.

use crate::corpus::encoding::{Symbol, Vocabulary};
use crate::error::{Error, Result};
use burn::tensor::{Device, Int, Tensor, TensorData};

/// Songs as vocabulary ids, without delimiters.
#[derive(Clone, Debug, Default)]
pub struct SongIds {
    /// One id sequence per song.
    pub songs: Vec<Vec<usize>>,
}

impl SongIds {
    /// Maps encoded songs to ids. Songs with a symbol outside the vocabulary are skipped
    /// and counted in the second value.
    pub fn from_symbols<'a>(
        songs: impl IntoIterator<Item = &'a [Symbol]>,
        vocab: &Vocabulary,
    ) -> (SongIds, usize) {
        let mut out = SongIds::default();
        let mut skipped = 0;
        for s in songs {
            match vocab.encode(s) {
                Ok(ids) => out.songs.push(ids),
                Err(_) => skipped += 1,
            }
        }
        (out, skipped)
    }

    /// Total symbols.
    pub fn symbols(&self) -> usize {
        self.songs.iter().map(Vec::len).sum()
    }

    /// Splits off `fraction` of the songs (at least one when there are two or more) for
    /// validation, chosen by a seeded shuffle: `(train, valid)`.
    pub fn split(&self, fraction: f64, seed: u64) -> Result<(SongIds, SongIds)> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(Error::Invalid(format!(
                "validation split must be in [0, 1), got {fraction}"
            )));
        }
        let mut order: Vec<usize> = (0..self.songs.len()).collect();
        shuffle(&mut order, seed);
        let mut n_valid = (self.songs.len() as f64 * fraction).round() as usize;
        if fraction > 0.0 && n_valid == 0 && self.songs.len() >= 2 {
            n_valid = 1;
        }
        let mut valid_idx: Vec<usize> = order[..n_valid].to_vec();
        let mut train_idx: Vec<usize> = order[n_valid..].to_vec();
        valid_idx.sort_unstable();
        train_idx.sort_unstable();
        let pick = |idx: &[usize]| SongIds {
            songs: idx.iter().map(|&i| self.songs[i].clone()).collect(),
        };
        Ok((pick(&train_idx), pick(&valid_idx)))
    }
}

/// A training window: `len + 1` ids (inputs are the first `len`, targets the last `len`)
/// and a mask that is 0 on padding targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// `len + 1` ids.
    pub ids: Vec<usize>,
    /// `len` weights: 1 for a real target, 0 for padding.
    pub mask: Vec<f32>,
}

/// Cuts every song, framed by delimiters (`/ song /`), into windows of `len` steps. The
/// last window of a song is padded with delimiters that the mask leaves out of the loss.
/// Each window starts from a fresh state in training, as each song does in generation.
pub fn windows(songs: &SongIds, len: usize, delimiter: usize) -> Vec<Window> {
    let len = len.max(1);
    let mut out = Vec::new();
    for song in &songs.songs {
        let mut framed = Vec::with_capacity(song.len() + 2);
        framed.push(delimiter);
        framed.extend_from_slice(song);
        framed.push(delimiter);
        let targets = framed.len() - 1;
        let mut start = 0;
        while start < targets {
            let mut ids: Vec<usize> = framed[start..(start + len + 1).min(framed.len())].to_vec();
            let real = ids.len() - 1;
            ids.resize(len + 1, delimiter);
            let mut mask = vec![1.0; real];
            mask.resize(len, 0.0);
            out.push(Window { ids, mask });
            start += len;
        }
    }
    out
}

/// A batch on a device.
#[derive(Clone, Debug)]
pub struct Batch {
    /// Input ids `[batch, len]`.
    pub inputs: Tensor<2, Int>,
    /// Target ids `[batch, len]`: the inputs shifted by one.
    pub targets: Tensor<2, Int>,
    /// Target weights `[batch, len]`.
    pub mask: Tensor<2>,
    /// Number of real targets (the mask's sum).
    pub targets_count: usize,
}

/// Builds a batch from windows (all of the same length).
pub fn batch(windows: &[&Window], device: &Device) -> Batch {
    let b = windows.len();
    let len = windows.first().map_or(0, |w| w.mask.len());
    let mut inputs = Vec::with_capacity(b * len);
    let mut targets = Vec::with_capacity(b * len);
    let mut mask = Vec::with_capacity(b * len);
    for w in windows {
        inputs.extend(w.ids[..len].iter().map(|&i| i as i64));
        targets.extend(w.ids[1..=len].iter().map(|&i| i as i64));
        mask.extend_from_slice(&w.mask);
    }
    let targets_count = mask.iter().filter(|&&m| m > 0.0).count();
    Batch {
        inputs: Tensor::from_data(TensorData::new(inputs, [b, len]), device),
        targets: Tensor::from_data(TensorData::new(targets, [b, len]), device),
        mask: Tensor::from_data(TensorData::new(mask, [b, len]), device),
        targets_count,
    }
}

/// SplitMix64: a small, fast, seedable generator for shuffles.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform float in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Fisher–Yates shuffle with a seed.
pub fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut rng = SplitMix64(seed);
    for i in (1..items.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_frame_pad_and_mask() {
        let songs = SongIds {
            songs: vec![vec![5, 6, 7, 8, 9]],
        };
        let w = windows(&songs, 4, 0);
        // framed: 0 5 6 7 8 9 0  -> 6 targets -> windows at 0 and 4
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].ids, vec![0, 5, 6, 7, 8]);
        assert_eq!(w[0].mask, vec![1.0; 4]);
        assert_eq!(w[1].ids, vec![8, 9, 0, 0, 0]);
        assert_eq!(w[1].mask, vec![1.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn split_is_by_song_and_seeded() {
        let songs = SongIds {
            songs: (0..20).map(|i| vec![i]).collect(),
        };
        let (t1, v1) = songs.split(0.1, 3).unwrap();
        let (t2, v2) = songs.split(0.1, 3).unwrap();
        assert_eq!((t1.songs.len(), v1.songs.len()), (18, 2));
        assert_eq!(v1.songs, v2.songs);
        assert_eq!(t1.songs, t2.songs);
        assert!(songs.split(1.5, 0).is_err());
    }
}

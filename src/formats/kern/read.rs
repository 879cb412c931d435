//! The `**kern` reader: spines and their splits (voices), ties, chords' top notes,
//! pickups, and meter, key and tempo changes.

use super::expand;
use super::tokens::{Event, Tie, is_manipulator, kern_key, signature_fifths, top_of_chord};
use crate::error::{Error, Result};
use crate::formats::ReadOptions;
use crate::formats::echo;
use crate::formats::line::{Timed, top_line};
use crate::music::{ChangeKind, Melody, Meter, Note, Ratio};

/// Parses a `**kern` file into one melody.
///
/// With several `**kern` spines the top staff is read: Humdrum puts the highest staff in
/// the rightmost spine. `options.part` picks another spine (0 = leftmost `**kern` spine).
/// Where the spine splits (`*^`) into voices, the melody is their highest sounding line,
/// or the sub-spine `options.voice` names (1 = leftmost). Chords give their highest note;
/// grace notes are dropped; tied notes become one note. An expansion list (`*>[A,A,B]`)
/// plays its sections in its order.
pub fn parse(text: &str, options: &ReadOptions) -> Result<Melody> {
    let mut reader = Reader::new(options);
    for (no, line) in expand::lines(text)? {
        reader.line(no, line.trim_end_matches('\r'))?;
    }
    reader.finish()
}

/// One voice of the chosen spine: where it is in time and its open tie.
#[derive(Clone, Copy, Debug, Default)]
struct Layer {
    time: Ratio,
    /// The note (index into `Reader::notes`) whose tie is open.
    open_tie: Option<usize>,
}

/// Tracks spine columns through splits and joins, and builds the melody.
struct Reader {
    wanted: Option<usize>,
    voice: Option<usize>,
    /// Spine id of each column (splits share an id); `None` before `**` is seen.
    columns: Option<Vec<usize>>,
    /// For each column, its voice when it belongs to the chosen spine.
    layers: Vec<Option<Layer>>,
    /// Spine ids of the `**kern` spines, left to right.
    kern_spines: Vec<usize>,
    chosen: Option<usize>,
    melody: Melody,
    /// Every note and rest of the chosen spine: its voice (0-based), onset and note.
    notes: Vec<(usize, Ratio, Note)>,
    most_layers: usize,
    bars_seen: usize,
    first_bar_length: Ratio,
    notes_before_first_bar: bool,
    first_bar_padded: bool,
    saw_end: bool,
}

impl Reader {
    fn new(options: &ReadOptions) -> Reader {
        Reader {
            wanted: options.part,
            voice: options.voice,
            columns: None,
            layers: Vec::new(),
            kern_spines: Vec::new(),
            chosen: None,
            melody: Melody::new(),
            notes: Vec::new(),
            most_layers: 1,
            bars_seen: 0,
            first_bar_length: Ratio::ZERO,
            notes_before_first_bar: false,
            first_bar_padded: false,
            saw_end: false,
        }
    }

    /// The time reached: the furthest any voice has gone.
    fn now(&self) -> Ratio {
        self.layers
            .iter()
            .flatten()
            .map(|l| l.time)
            .max()
            .unwrap_or(Ratio::ZERO)
    }

    fn line(&mut self, no: usize, line: &str) -> Result<()> {
        if line.is_empty() {
            return Ok(());
        }
        if let Some(rest) = line.strip_prefix("!!!") {
            self.reference_record(rest);
            return Ok(());
        }
        if line.starts_with('!') {
            return Ok(());
        }
        let Some(columns) = &self.columns else {
            return self.exclusive_interpretations(no, line);
        };
        let tokens: Vec<&str> = line.split('\t').collect();
        if tokens.len() != columns.len() {
            return Err(Error::parse(
                Some(no),
                format!(
                    "expected {} spines, found {} fields",
                    columns.len(),
                    tokens.len()
                ),
            ));
        }
        let cells: Vec<String> = self.cells(&tokens).into_iter().map(str::to_owned).collect();
        if line.starts_with('*') && tokens.iter().any(|t| is_manipulator(t)) {
            for cell in &cells {
                if !cell.starts_with('*') {
                    return Err(Error::parse(
                        Some(no),
                        format!(
                            "`{}` on a spine-manipulator line is not an interpretation",
                            echo(cell)
                        ),
                    ));
                }
                self.interpretation(cell);
            }
            self.manipulate(&tokens);
            return Ok(());
        }
        self.cells_line(no, &cells)
    }

    /// A line's tokens of the chosen spine: interpretations, a bar line, or notes.
    fn cells_line(&mut self, no: usize, cells: &[String]) -> Result<()> {
        let Some(first) = cells.first() else {
            return Ok(());
        };
        if first.starts_with('*') {
            for cell in cells {
                self.interpretation(cell);
            }
        } else if first.starts_with('=') {
            self.barline(first);
        } else {
            for (voice, cell) in cells.iter().enumerate() {
                if cell != "." && !cell.starts_with('!') && !cell.starts_with('=') {
                    self.data(no, voice, cell)?;
                }
            }
        }
        Ok(())
    }

    /// The tokens of the chosen spine's columns, left to right.
    fn cells<'t>(&self, tokens: &[&'t str]) -> Vec<&'t str> {
        tokens
            .iter()
            .zip(&self.layers)
            .filter(|(_, layer)| layer.is_some())
            .map(|(t, _)| *t)
            .collect()
    }

    fn reference_record(&mut self, rest: &str) {
        let Some((key, value)) = rest.split_once(':') else {
            return;
        };
        let key = key.trim();
        if (key == "OTL" || key.starts_with("OTL@")) && self.melody.title.is_none() {
            let v = value.trim();
            if !v.is_empty() {
                self.melody.title = Some(v.to_owned());
            }
        }
    }

    fn exclusive_interpretations(&mut self, no: usize, line: &str) -> Result<()> {
        let tokens: Vec<&str> = line.split('\t').collect();
        if !tokens.iter().all(|t| t.starts_with("**")) {
            return Err(Error::parse(
                Some(no),
                format!("expected a `**kern` header line, found `{}`", echo(line)),
            ));
        }
        self.columns = Some((0..tokens.len()).collect());
        self.kern_spines = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == "**kern")
            .map(|(i, _)| i)
            .collect();
        if self.kern_spines.is_empty() {
            return Err(Error::parse(Some(no), "no `**kern` spine in the file"));
        }
        let chosen = match self.wanted {
            None => self.kern_spines.last().copied(),
            Some(i) => Some(*self.kern_spines.get(i).ok_or_else(|| {
                Error::Invalid(format!(
                    "spine {i} asked for, but the file has {} **kern spines",
                    self.kern_spines.len()
                ))
            })?),
        };
        self.chosen = chosen;
        self.layers = (0..tokens.len())
            .map(|i| (Some(i) == chosen).then(Layer::default))
            .collect();
        Ok(())
    }

    /// Applies a line of spine manipulators to the columns and the chosen spine's voices:
    /// a split gives a new voice at the same time, a join keeps the first of its voices.
    fn manipulate(&mut self, tokens: &[&str]) {
        let Some(columns) = &self.columns else {
            return;
        };
        let mut next = Vec::with_capacity(columns.len() + 1);
        let mut layers = Vec::with_capacity(columns.len() + 1);
        let mut i = 0;
        while i < tokens.len() {
            let (id, layer) = (columns[i], self.layers[i]);
            match tokens[i] {
                "*^" => {
                    next.extend([id, id]);
                    let fresh = layer.map(|l| Layer {
                        time: l.time,
                        open_tie: None,
                    });
                    layers.extend([layer, fresh]);
                }
                "*v" => {
                    let mut merged = layer;
                    while i + 1 < tokens.len() && tokens[i + 1] == "*v" {
                        i += 1;
                        if let (Some(m), Some(other)) = (&mut merged, self.layers[i]) {
                            m.time = m.time.max(other.time);
                        }
                    }
                    next.push(id);
                    layers.push(merged);
                }
                "*-" => {}
                "*x" if i + 1 < tokens.len() && tokens[i + 1] == "*x" => {
                    next.extend([columns[i + 1], id]);
                    layers.extend([self.layers[i + 1], layer]);
                    i += 1;
                }
                "*+" => {
                    next.extend([id, usize::MAX - i]);
                    layers.extend([layer, None]);
                }
                _ => {
                    next.push(id);
                    layers.push(layer);
                }
            }
            i += 1;
        }
        let voices = layers.iter().flatten().count();
        self.most_layers = self.most_layers.max(voices);
        self.saw_end |= voices == 0;
        self.columns = Some(next);
        self.layers = layers;
    }

    /// Meter, key signature, key and tempo: the first ones are the melody's (a meter
    /// only before the first note); later ones are changes where they are written.
    /// Unknown interpretations are ignored.
    fn interpretation(&mut self, token: &str) {
        let Some(body) = token.strip_prefix('*') else {
            return;
        };
        let at = self.now();
        let start = at.is_zero();
        if let Some(m) = body.strip_prefix('M')
            && let Some((n, d)) = m.split_once('/')
            && let (Ok(n), Ok(d)) = (n.parse::<u32>(), d.parse::<u32>())
        {
            match Meter::new(n, d) {
                Some(m) if start => {
                    self.melody.meter.get_or_insert(m);
                }
                Some(m) => self.melody.set_from(at, ChangeKind::Meter(m)),
                None => {}
            }
        } else if let Some(sig) = body.strip_prefix("k[").and_then(|s| s.strip_suffix(']')) {
            let signature = signature_fifths(sig);
            if self.melody.key_signature.is_none() {
                self.melody.key_signature = Some(signature);
            } else if !start {
                // A restated signature keeps the key in force.
                let (now, key) = self.melody.key_at(at);
                let key = key.filter(|_| now == Some(signature));
                self.melody.set_from(at, ChangeKind::Key { signature, key });
            }
        } else if let Some(mm) = body.strip_prefix("MM")
            && let Ok(bpm) = mm.trim().parse::<f64>()
            && bpm.is_finite()
            && bpm > 0.0
        {
            if self.melody.tempo_qpm.is_none() {
                self.melody.tempo_qpm = Some(bpm);
            } else if !start {
                self.melody.set_from(at, ChangeKind::Tempo(bpm));
            }
        } else if let Some((tonic, mode)) = body.split_once(':')
            && !tonic.is_empty()
            && tonic
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '#' || c == '-')
            && tonic.len() <= 3
            && let Some(key) = kern_key(tonic, mode)
        {
            // A malformed key, like any unknown interpretation, is ignored.
            if self.melody.key.is_none() {
                self.melody.key = Some(key);
            } else if !start {
                let signature = key.signature_fifths();
                let key = Some(key);
                self.melody.set_from(at, ChangeKind::Key { signature, key });
            }
        }
    }

    /// A bar line. The first one measures the first bar: notes before a bar line
    /// numbered 1 (or not numbered) in a shorter bar are a pickup; before a bar line
    /// with another number they are a short first bar, kept with a rest at its end.
    fn barline(&mut self, token: &str) {
        if self.bars_seen == 0 {
            let length = self.now();
            self.first_bar_length = length;
            self.notes_before_first_bar = !self.notes.is_empty();
            let number: String = token
                .trim_start_matches('=')
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let numbered_other = number.parse::<u64>().is_ok_and(|n| n != 1);
            if let Some(bar) = self.melody.meter.map(Meter::bar_length)
                && numbered_other
                && self.notes_before_first_bar
                && length < bar
            {
                self.pad_first_bar(bar - length);
            }
        }
        self.bars_seen += 1;
    }

    fn pad_first_bar(&mut self, rest: Ratio) {
        self.first_bar_padded = true;
        for (voice, layer) in self.layers.iter_mut().flatten().enumerate() {
            self.notes.push((voice, layer.time, Note::rest(rest)));
            layer.time += rest;
            layer.open_tie = None;
        }
    }

    fn data(&mut self, no: usize, voice: usize, token: &str) -> Result<()> {
        if self.saw_end {
            return Ok(());
        }
        let Some(ev) = top_of_chord(no, token)? else {
            return Ok(());
        };
        let Some(layer) = self.layers.iter_mut().flatten().nth(voice) else {
            return Ok(());
        };
        push(&mut self.notes, layer, voice, ev);
        Ok(())
    }

    fn finish(mut self) -> Result<Melody> {
        if self.columns.is_none() {
            return Err(Error::parse(None, "no `**kern` header: not a Humdrum file"));
        }
        if self.notes.iter().all(|(_, _, n)| n.is_rest()) {
            return Err(Error::parse(None, "no notes in the **kern spine"));
        }
        if let Some(meter) = self.melody.meter
            && self.bars_seen > 0
            && self.notes_before_first_bar
            && !self.first_bar_padded
            && self.first_bar_length < meter.bar_length()
        {
            self.melody.pickup = self.first_bar_length;
        }
        let end = self
            .notes
            .iter()
            .map(|(_, onset, n)| *onset + n.duration)
            .max()
            .unwrap_or(Ratio::ZERO);
        let single = self.most_layers <= 1;
        self.melody.notes = match self.voice {
            None | Some(1) if single => self.notes.into_iter().map(|(_, _, n)| n).collect(),
            None => top_line(timed(self.notes, |_| true), end),
            Some(v) => {
                if !self
                    .notes
                    .iter()
                    .any(|(l, _, n)| *l + 1 == v && !n.is_rest())
                {
                    return Err(Error::Invalid(format!(
                        "the **kern spine has no voice {v} with notes: it splits into {} \
                         voices at most",
                        self.most_layers
                    )));
                }
                top_line(timed(self.notes, |l| l + 1 == v), end)
            }
        };
        Ok(self.melody)
    }
}

/// The pitched notes of the voices `keep` accepts, at their onsets.
fn timed(notes: Vec<(usize, Ratio, Note)>, keep: impl Fn(usize) -> bool) -> Vec<Timed> {
    notes
        .into_iter()
        .filter(|(l, _, n)| keep(*l) && !n.is_rest())
        .map(|(_, onset, note)| Timed { onset, note })
        .collect()
}

/// Adds a note or rest to a voice: a tie's middle or end of the same pitch lengthens the
/// note whose tie is open; a tie that never closes is read as written.
fn push(notes: &mut Vec<(usize, Ratio, Note)>, layer: &mut Layer, voice: usize, ev: Event) {
    let onset = layer.time;
    layer.time += ev.duration;
    if let Some(idx) = layer.open_tie.take() {
        let continues = matches!(ev.tie, Tie::Middle | Tie::End);
        if continues
            && let Some((_, _, last)) = notes.get_mut(idx)
            && last.pitch == ev.pitch
        {
            if last.tie_parts.is_empty() {
                last.tie_parts.push(last.duration);
            }
            last.tie_parts.push(ev.duration);
            last.duration += ev.duration;
            if ev.tie != Tie::End {
                layer.open_tie = Some(idx);
            }
            return;
        }
    }
    let note = Note {
        pitch: ev.pitch,
        duration: ev.duration,
        tie_parts: Vec::new(),
    };
    notes.push((voice, onset, note));
    if ev.tie == Tie::Start && ev.pitch.is_some() {
        layer.open_tie = Some(notes.len() - 1);
    }
}

//! The melody being edited: the document, its undo history, the selection, the cursor,
//! the bars chosen on the ruler and the phrases of the form kept last. Every change to the
//! document goes through here.

use super::document::{Document, History, Origin, RollNote};
use super::generate_panel::Variation;
use super::piano_roll::{PhraseMark, PianoRoll, RollEdit, RollOutput, RollView};
use crate::music::Meter;
use crate::sampling::Placement;
use eframe::egui;
use std::collections::BTreeSet;

/// Which way through the undo history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryStep {
    /// Back.
    Undo,
    /// Forward again.
    Redo,
}

/// What the roll shows besides the document.
#[derive(Clone, Copy, Debug, Default)]
pub struct RollOverlay<'a> {
    /// The variation being auditioned: its notes are drawn over the document, and the
    /// notes a fill would replace are hidden.
    pub auditioned: Option<&'a Variation>,
    /// The playhead, in steps.
    pub playhead: Option<f32>,
    /// The looped steps.
    pub loop_range: Option<(u32, u32)>,
    /// Shown instead of the document (the notes of a recording in progress).
    pub preview: Option<&'a Document>,
}

/// The document and everything that points into it.
#[derive(Default)]
pub struct Editor {
    doc: Document,
    history: History,
    selection: BTreeSet<u64>,
    cursor: Option<u32>,
    bar_range: Option<(u32, u32)>,
    phrases: Vec<PhraseMark>,
    /// The identity of the document's state: new for every change, restored by undo and
    /// redo, so the same melody has the same identity.
    state: u64,
    /// The last identity handed out.
    last_state: u64,
}

impl Editor {
    /// The identity of the document's current state (see [`Editor::edit`]): equal to an
    /// earlier one only when undo or redo has brought that state back.
    pub fn state(&self) -> u64 {
        self.state
    }

    /// A new state identity for a changed document.
    fn next_state(&mut self) -> u64 {
        self.last_state += 1;
        self.last_state
    }

    /// Replaces the document and forgets the undo history, selection, cursor and bars (a
    /// document opened or recovered).
    pub fn load(&mut self, doc: Document) {
        self.doc = doc;
        self.history.clear();
        self.selection.clear();
        self.cursor = None;
        self.bar_range = None;
        self.phrases.clear();
        self.state = self.next_state();
    }

    /// The phrases of the melody (a document opened with its form).
    pub fn set_phrases(&mut self, phrases: Vec<PhraseMark>) {
        self.phrases = phrases;
    }

    /// The melody being edited.
    pub fn doc(&self) -> &Document {
        &self.doc
    }

    /// Undo and redo.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Selected note ids.
    pub fn selection(&self) -> &BTreeSet<u64> {
        &self.selection
    }

    /// Selects these notes.
    pub fn set_selection(&mut self, selection: BTreeSet<u64>) {
        self.selection = selection;
    }

    /// Selects nothing.
    pub fn clear_selection(&mut self) {
        self.selection.clear();
    }

    /// Selects every note.
    pub fn select_all(&mut self) {
        self.selection = self.doc.notes.iter().map(|n| n.id).collect();
    }

    /// The edit cursor (for "regenerate from here"), in steps.
    pub fn cursor(&self) -> Option<u32> {
        self.cursor
    }

    /// Sets the edit cursor.
    pub fn set_cursor(&mut self, cursor: Option<u32>) {
        self.cursor = cursor;
    }

    /// Whole bars dragged on the ruler, `(start, end)` in steps (for "Fill selection").
    pub fn bar_range(&self) -> Option<(u32, u32)> {
        self.bar_range
    }

    /// Sets the bars chosen on the ruler.
    pub fn set_bar_range(&mut self, range: Option<(u32, u32)>) {
        self.bar_range = range;
    }

    /// The steps "Fill selection" rewrites: the selected notes' span, else the bar range
    /// dragged on the ruler.
    pub fn fill_span(&self) -> Option<(u32, u32)> {
        self.doc.span(&self.selection).or(self.bar_range)
    }

    /// Replaces the document without recording it for undo (benchmarks).
    pub fn set_document(&mut self, doc: Document) {
        self.doc = doc;
        self.state = self.next_state();
    }

    /// Replaces the document undoably and clears the selection (and the phrases).
    pub fn replace(&mut self, doc: Document) {
        let before = std::mem::replace(&mut self.doc, doc);
        self.history.record(before, self.state);
        self.state = self.next_state();
        self.selection.clear();
        self.phrases.clear();
    }

    /// The phrases of the melody kept last, with their letters.
    pub fn phrases(&self) -> &[PhraseMark] {
        &self.phrases
    }

    /// A melody started from scratch is written in `meter` from its first bar line.
    pub fn start_empty_in(&mut self, meter: Meter) {
        if self.doc.notes.is_empty() && (self.doc.meter != meter || self.doc.pickup != 0) {
            self.doc.meter = meter;
            self.doc.pickup = 0;
            self.state = self.next_state();
        }
    }

    /// Runs `change` on the document and records it for undo when it changed anything
    /// (the change gets a new state identity).
    pub fn edit(&mut self, change: impl FnOnce(&mut Document, &mut BTreeSet<u64>)) {
        let before = self.doc.clone();
        change(&mut self.doc, &mut self.selection);
        if self.doc != before {
            self.history.record(before, self.state);
            self.state = self.next_state();
        }
    }

    /// Undoes or redoes one edit; false when there is none.
    pub fn step_history(&mut self, step: HistoryStep) -> bool {
        let current = (self.doc.clone(), self.state);
        let restored = match step {
            HistoryStep::Undo => self.history.undo(current),
            HistoryStep::Redo => self.history.redo(current),
        };
        let Some((d, state)) = restored else {
            return false;
        };
        self.doc = d;
        self.state = state;
        self.selection.retain(|id| self.doc.note(*id).is_some());
        true
    }

    /// Deletes the selected notes.
    pub fn delete_selection(&mut self) {
        let sel = std::mem::take(&mut self.selection);
        self.edit(|doc, _| doc.remove(&sel));
    }

    /// Makes the selected notes the seed (and former seed notes hand-written); returns
    /// how many there are.
    pub fn selection_to_seed(&mut self) -> usize {
        let sel = self.selection.clone();
        self.edit(|doc, _| {
            for n in &mut doc.notes {
                if sel.contains(&n.id) {
                    n.origin = Origin::Seed;
                } else if n.origin == Origin::Seed {
                    n.origin = Origin::User;
                }
            }
        });
        sel.len()
    }

    /// Moves the selected notes by `steps` and `semitones` (undoably).
    pub fn move_selection(&mut self, steps: i32, semitones: i32) {
        let ids: Vec<u64> = self.selection.iter().copied().collect();
        if !ids.is_empty() {
            self.apply_roll_edit(RollEdit::Move {
                ids,
                steps,
                semitones,
            });
        }
    }

    /// Applies a roll edit undoably.
    pub fn apply_roll_edit(&mut self, edit: RollEdit) {
        self.edit(|doc, sel| match edit {
            RollEdit::Add { start, len, pitch } => {
                let id = doc.push(RollNote::new(start, len, pitch, Origin::User));
                sel.clear();
                sel.insert(id);
            }
            RollEdit::Move {
                ids,
                steps,
                semitones,
            } => {
                for n in doc.notes.iter_mut().filter(|n| ids.contains(&n.id)) {
                    n.start = (i64::from(n.start) + i64::from(steps)).max(0) as u32;
                    n.pitch = (i32::from(n.pitch) + semitones).clamp(0, 127) as u8;
                    n.confidence.clear();
                    if n.origin == Origin::Generated {
                        n.origin = Origin::User;
                    }
                }
                doc.sort();
            }
            RollEdit::Resize { id, len } => {
                if let Some(n) = doc.notes.iter_mut().find(|n| n.id == id) {
                    n.len = len.max(1);
                    if n.origin == Origin::Generated {
                        n.origin = Origin::User;
                        n.confidence.clear();
                    }
                }
            }
        });
    }

    /// Puts variation `v` into the document: in its fill span, from its cursor, in place
    /// of the selection, or after the seed. Its notes end up selected.
    pub fn keep(&mut self, v: &Variation) {
        let selection = self.selection.clone();
        let mut phrases = None;
        self.edit(|doc, sel| {
            if doc.notes.is_empty() && v.pickup > 0 {
                doc.pickup = v.pickup;
            }
            let at = match v.placement {
                Placement::Span(s, e) => {
                    let (s, e) = (s as u32, e as u32);
                    doc.clear_span(s, e);
                    s
                }
                Placement::From(from) => {
                    let from = from as u32;
                    doc.notes.retain(|n| n.start < from);
                    for n in &mut doc.notes {
                        n.len = n.len.min(from - n.start).max(1);
                    }
                    from
                }
                Placement::After => {
                    if let Some((s, e)) = doc.span(&selection) {
                        doc.remove(&selection);
                        doc.shift_from(e, i64::from(v.steps) - i64::from(e - s));
                        s
                    } else {
                        doc.shift_from(v.anchor, i64::from(v.steps));
                        v.anchor
                    }
                }
            };
            sel.clear();
            let moved =
                |step: u32| (i64::from(step) - i64::from(v.anchor) + i64::from(at)).max(0) as u32;
            if !v.phrases.is_empty() && v.placement == Placement::After {
                phrases = Some(
                    v.phrases
                        .iter()
                        .map(|m| PhraseMark {
                            start: moved(m.start),
                            end: moved(m.end),
                            letter: m.letter.clone(),
                        })
                        .collect(),
                );
            }
            for n in &v.notes {
                let start = moved(n.start);
                let id = doc.push(RollNote {
                    start,
                    origin: Origin::Generated,
                    ..n.clone()
                });
                sel.insert(id);
            }
        });
        if let Some(p) = phrases {
            self.phrases = p;
        }
    }

    /// Draws the document in an editable piano roll and applies its edits; a click on the
    /// ruler sets the cursor, a drag over it chooses bars.
    pub fn roll_ui(
        &mut self,
        ui: &mut egui::Ui,
        view: &mut RollView,
        overlay: RollOverlay<'_>,
    ) -> RollOutput {
        // A new melody auditioned shows its own phrases; otherwise those kept last.
        let own = overlay
            .auditioned
            .filter(|v| v.placement == Placement::After && !v.phrases.is_empty());
        let phrases = own.map_or(self.phrases.clone(), |v| v.phrases.clone());
        let phrases = phrases.as_slice();
        // While a fill is auditioned, the notes it would replace are not drawn.
        let shown = overlay
            .preview
            .cloned()
            .or_else(|| overlay.auditioned.and_then(|v| v.beneath(&self.doc)));
        let mut out = PianoRoll::new(shown.as_ref().unwrap_or(&self.doc), view)
            .editable(&mut self.selection)
            .ghost(overlay.auditioned.map_or(&[], |v| &v.notes))
            .playhead(overlay.playhead)
            .cursor(self.cursor)
            .loop_range(overlay.loop_range)
            .bar_range(self.bar_range)
            .phrases(phrases)
            .show(ui);
        for e in std::mem::take(&mut out.edits) {
            self.apply_roll_edit(e);
        }
        if let Some(step) = out.ruler_click {
            self.cursor = Some(step);
            self.bar_range = None;
        }
        if let Some(range) = out.ruler_bars {
            self.bar_range = Some(range);
            self.cursor = Some(range.0);
        }
        if let Some(m) = out.phrase_click.and_then(|j| phrases.get(j)) {
            self.bar_range = Some((m.start, m.end));
            self.cursor = Some(m.start);
            self.selection.clear();
        }
        out
    }
}

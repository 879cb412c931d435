//! One generated melody placed in the document: its notes on the grid, where Keep puts
//! it, and what the roll shows beneath it while it is auditioned.

use crate::gui::document::{Document, Origin, RollNote};
use crate::gui::jobs::GenerateRequest;
use crate::gui::piano_roll::PhraseMark;
use crate::music::Pitch;
use crate::sampling::{Generated, Placement};

/// One generated continuation, placed in the document's steps.
#[derive(Clone, Debug)]
pub struct Variation {
    /// Its notes (origin `Generated`, with confidence), in document steps.
    pub notes: Vec<RollNote>,
    /// The document step where its written steps begin.
    pub anchor: u32,
    /// Its length in steps (including trailing rests).
    pub steps: u32,
    /// Where Keep puts it, in document steps: after the seed (or in place of the
    /// selection), from the cursor on, or in exactly a fill's span.
    pub placement: Placement,
    /// Mean probability of its chosen symbols.
    pub mean_probability: f64,
    /// Mean entropy (nats).
    pub mean_entropy: f64,
    /// Kept into the document already.
    pub kept: bool,
    /// The pickup (steps) a melody from nothing begins with; an empty document takes it
    /// on Keep.
    pub pickup: u32,
    /// Its phrases with their letters, in document steps (empty without phrases).
    pub phrases: Vec<PhraseMark>,
    /// What the critic found, in a line (empty without the critic).
    pub critique: String,
}

impl Variation {
    /// The new notes of `g`, answering `request`, in document steps: they come on the
    /// 16th grid from the sampler, as written.
    pub fn from_generated(g: &Generated, request: &GenerateRequest) -> Variation {
        let step = |s: usize| request.origin + u32::try_from(s).unwrap_or(u32::MAX);
        let notes = g
            .grid_notes()
            .into_iter()
            .map(|n| {
                let rel = n.start - g.span.start;
                RollNote {
                    id: 0,
                    start: step(n.start),
                    len: u32::try_from(n.steps).unwrap_or(u32::MAX),
                    pitch: n.pitch.midi(),
                    origin: Origin::Generated,
                    confidence: g.steps[rel..rel + n.steps]
                        .iter()
                        .map(|s| (s.probability, s.entropy))
                        .collect(),
                }
            })
            .collect();
        Variation {
            notes,
            anchor: step(g.span.start),
            steps: u32::try_from(g.steps.len()).unwrap_or(u32::MAX),
            placement: match request.placement {
                Placement::After => Placement::After,
                Placement::From(s) => Placement::From(step(s) as usize),
                Placement::Span(a, b) => Placement::Span(step(a) as usize, step(b) as usize),
            },
            mean_probability: g.mean_log_probability().exp(),
            mean_entropy: g.mean_entropy(),
            kept: false,
            pickup: if request.melody.notes.is_empty() && request.placement == Placement::After {
                u32::try_from(g.melody.pickup.to_steps()).unwrap_or(0)
            } else {
                0
            },
            phrases: g
                .phrase_spans()
                .into_iter()
                .map(|(steps, letter)| PhraseMark {
                    start: step(steps.start),
                    end: step(steps.end),
                    letter,
                })
                .collect(),
            critique: g.critique.as_ref().map(|c| c.reasons()).unwrap_or_default(),
        }
    }

    /// A fill's span in document steps, which its notes replace.
    pub fn replaced_span(&self) -> Option<(u32, u32)> {
        match self.placement {
            Placement::Span(a, b) => Some((a as u32, b as u32)),
            Placement::After | Placement::From(_) => None,
        }
    }

    /// What the roll shows of `doc` beneath this variation's notes while it is auditioned:
    /// a fill's span is cleared, an empty document takes a melody's pickup (so that the
    /// bar lines fall where they will on Keep), anything else is shown as it is (`None`).
    pub fn beneath(&self, doc: &Document) -> Option<Document> {
        if doc.notes.is_empty() && self.pickup > 0 {
            let mut shown = doc.clone();
            shown.pickup = self.pickup;
            return Some(shown);
        }
        let (start, end) = self.replaced_span()?;
        let mut shown = doc.clone();
        shown.clear_span(start, end);
        Some(shown)
    }

    /// A one-line summary: notes, range, confidence.
    pub fn summary(&self) -> String {
        let lo = self.notes.iter().map(|n| n.pitch).min();
        let hi = self.notes.iter().map(|n| n.pitch).max();
        let range = match (
            lo.and_then(|l| Pitch::from_midi(l.into())),
            hi.and_then(|h| Pitch::from_midi(h.into())),
        ) {
            (Some(l), Some(h)) => format!("{l}–{h}"),
            _ => "silent".into(),
        };
        format!(
            "{} notes, {range}, p̄ {:.2}",
            self.notes.len(),
            self.mean_probability
        )
    }
}

//! One generated melody placed in the document: its notes on the grid, where Keep puts
//! it, and what the roll shows beneath it while it is auditioned.

use crate::gui::document::{Document, Origin, RollNote};
use crate::gui::jobs::GenerateRequest;
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
    /// a fill's span is cleared, anything else is shown as it is (`None`).
    pub fn beneath(&self, doc: &Document) -> Option<Document> {
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

//! Phrase brackets along the top of the grid, each with its letter in the form; a click on
//! a letter chooses that phrase's bars.

use super::{Align2, Color32, FontId, Rect, RollView, Stroke, egui, pos2, vec2};

/// One phrase of a melody in the roll: its steps and its letter in the form.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PhraseMark {
    /// First step (document steps).
    pub start: u32,
    /// Step after its last.
    pub end: u32,
    /// "A", "B", "A'"…
    pub letter: String,
}

/// The brackets' colour.
const COLOUR: Color32 = Color32::from_rgb(236, 200, 120);
/// How far below the grid's top the bracket runs, px.
const INSET: f32 = 3.0;
/// The ticks at a bracket's ends, px.
const TICK: f32 = 6.0;

/// Where a phrase's letter sits: a small box in the middle of its bracket.
pub(super) fn label_rect(view: &RollView, grid: Rect, mark: &PhraseMark) -> Rect {
    let (a, b) = (
        view.x_of(grid, mark.start as f32),
        view.x_of(grid, mark.end as f32),
    );
    let width = 10.0 + 7.0 * mark.letter.chars().count() as f32;
    Rect::from_center_size(
        pos2((a + b) / 2.0, grid.top() + INSET + 1.0),
        vec2(width, 15.0),
    )
}

/// The phrase whose letter is at `p`, if any.
pub(super) fn phrase_at(
    view: &RollView,
    grid: Rect,
    marks: &[PhraseMark],
    p: egui::Pos2,
) -> Option<usize> {
    marks
        .iter()
        .position(|m| label_rect(view, grid, m).expand(2.0).contains(p))
}

/// Draws each phrase's bracket and letter over the top of the grid.
pub(super) fn draw_phrases(
    painter: &egui::Painter,
    view: &RollView,
    grid: Rect,
    marks: &[PhraseMark],
) {
    let y = grid.top() + INSET;
    let stroke = Stroke::new(1.5, COLOUR);
    for m in marks {
        let a = view.x_of(grid, m.start as f32) + 2.0;
        let b = view.x_of(grid, m.end as f32) - 2.0;
        if b <= grid.left() || a >= grid.right() || b <= a {
            continue;
        }
        painter.line_segment([pos2(a, y), pos2(b, y)], stroke);
        for x in [a, b] {
            if (grid.left()..=grid.right()).contains(&x) {
                painter.line_segment([pos2(x, y), pos2(x, y + TICK)], stroke);
            }
        }
        let label = label_rect(view, grid, m);
        painter.rect_filled(label, 4.0, Color32::from_gray(34));
        painter.rect_stroke(label, 4.0, stroke, egui::StrokeKind::Inside);
        painter.text(
            label.center(),
            Align2::CENTER_CENTER,
            &m.letter,
            FontId::proportional(11.0),
            COLOUR,
        );
    }
}

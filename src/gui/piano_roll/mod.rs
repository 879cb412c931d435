//! The piano roll: a reusable widget that draws notes on a pitch × 16th-note grid and edits them.

use super::document::{Document, Origin, RollNote};
use eframe::egui::{
    self, Align2, Color32, CornerRadius, FontId, Pos2, Rect, Response, Sense, Shape, Stroke,
    StrokeKind, Ui, Vec2, pos2, vec2,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

mod draw;
mod input;
mod phrases;

pub use draw::thumbnail;
use draw::{draw_background, draw_lane, draw_notes};
use input::{handle_pointer, handle_scroll, hit, note_rect};
pub use phrases::PhraseMark;

/// Width of the keyboard gutter, px.
const GUTTER: f32 = 42.0;
/// Height of the bar-number ruler, px.
const RULER: f32 = 16.0;
/// Height of the confidence lane, px.
const LANE: f32 = 30.0;
/// How close to a note's right edge a press resizes it, px.
const EDGE: f32 = 5.0;

/// Note colours: seed, generated, hand-written, selected.
pub const SEED_COLOUR: Color32 = Color32::from_rgb(232, 160, 48);
/// Notes the model wrote.
pub const GENERATED_COLOUR: Color32 = Color32::from_rgb(48, 170, 205);
/// Notes added or changed by hand.
pub const USER_COLOUR: Color32 = Color32::from_rgb(150, 112, 222);
/// The model's answers in a jam.
pub const ANSWER_COLOUR: Color32 = Color32::from_rgb(92, 184, 92);
/// Selected notes.
pub const SELECTED_COLOUR: Color32 = Color32::from_rgb(236, 78, 92);
/// Bars chosen on the ruler.
const BAR_RANGE_COLOUR: Color32 = Color32::from_rgba_premultiplied(60, 120, 60, 40);

/// What the thin lane under the roll shows for generated steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LaneMode {
    /// The model's probability of the chosen symbol (tall = confident choice).
    Probability,
    /// The entropy of the model's distribution (tall = unsure model).
    Entropy,
}

/// A drag in progress.
#[derive(Clone, Debug)]
enum Drag {
    Move {
        ids: Vec<u64>,
        from: (f32, f32),
        delta: (i32, i32),
    },
    Resize {
        id: u64,
        start: u32,
        len: u32,
    },
    Select {
        from: Pos2,
        to: Pos2,
        additive: bool,
    },
}

/// Zoom, scroll and mode of one roll; persisted between runs (except the drag).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct RollView {
    /// Horizontal zoom: pixels per 16th step.
    pub px_per_step: f32,
    /// Vertical zoom: pixels per semitone.
    pub px_per_key: f32,
    /// First visible step (left edge).
    pub scroll_step: f32,
    /// Pitch just above the top edge.
    pub top_pitch: f32,
    /// Keep the playhead in view while playing.
    pub follow: bool,
    /// What the confidence lane shows.
    pub lane: LaneMode,
    /// Length of a note added with a click, in steps.
    pub new_note_len: u32,
    #[serde(skip)]
    drag: Option<Drag>,
    /// A drag on the ruler: the steps where it started and where the pointer is.
    #[serde(skip)]
    ruler_drag: Option<(u32, u32)>,
    #[serde(skip)]
    fit_pending: bool,
    /// Where the note grid was drawn in the last frame (for tests and hit-testing).
    #[serde(skip)]
    pub grid: Option<Rect>,
}

impl Default for RollView {
    fn default() -> Self {
        RollView {
            px_per_step: 14.0,
            px_per_key: 12.0,
            scroll_step: 0.0,
            top_pitch: 86.0,
            follow: true,
            lane: LaneMode::Probability,
            new_note_len: 4,
            drag: None,
            ruler_drag: None,
            fit_pending: false,
            grid: None,
        }
    }
}

impl RollView {
    /// Screen x of a step's left edge.
    pub fn x_of(&self, grid: Rect, step: f32) -> f32 {
        grid.left() + (step - self.scroll_step) * self.px_per_step
    }

    /// Screen y of a pitch row's top edge.
    pub fn y_of(&self, grid: Rect, pitch: f32) -> f32 {
        grid.top() + (self.top_pitch - pitch - 1.0) * self.px_per_key
    }

    /// The (fractional step, fractional pitch) under a screen point.
    pub fn at(&self, grid: Rect, p: Pos2) -> (f32, f32) {
        (
            (p.x - grid.left()) / self.px_per_step + self.scroll_step,
            self.top_pitch - (p.y - grid.top()) / self.px_per_key,
        )
    }

    /// The centre of the cell (step, pitch) on screen, from the last drawn frame.
    pub fn cell_centre(&self, step: u32, pitch: u8) -> Option<Pos2> {
        let g = self.grid?;
        Some(pos2(
            self.x_of(g, step as f32 + 0.5),
            self.y_of(g, f32::from(pitch)) + self.px_per_key / 2.0,
        ))
    }

    /// Fits the notes (document and ghost) into view on the next frame.
    pub fn request_fit(&mut self) {
        self.fit_pending = true;
    }

    /// Zooms and scrolls so that `notes` fill the grid `grid`.
    pub fn fit(&mut self, notes: &[&RollNote], grid: Rect) {
        let end = notes.iter().map(|n| n.end()).max().unwrap_or(0).max(16);
        self.scroll_step = 0.0;
        self.px_per_step = ((grid.width() - 8.0) / (end as f32 + 1.0)).clamp(2.0, 40.0);
        let (lo, hi) = notes.iter().fold((127u8, 0u8), |(lo, hi), n| {
            (lo.min(n.pitch), hi.max(n.pitch))
        });
        let (lo, hi) = if lo > hi { (60, 72) } else { (lo, hi) };
        let rows = f32::from(hi - lo) + 1.0 + 10.0;
        self.px_per_key = (grid.height() / rows).clamp(6.0, 22.0);
        let visible = grid.height() / self.px_per_key;
        let mid = (f32::from(lo) + f32::from(hi) + 1.0) / 2.0;
        self.top_pitch = (mid + visible / 2.0).clamp(visible.min(128.0), 128.0);
    }

    /// Multiplies the vertical zoom, keeping the pitch under `anchor_y` in place.
    pub fn zoom_y(&mut self, factor: f32, grid: Rect, anchor_y: f32) {
        let pitch = self.top_pitch - (anchor_y - grid.top()) / self.px_per_key;
        self.px_per_key = (self.px_per_key * factor).clamp(4.0, 40.0);
        let visible = grid.height() / self.px_per_key;
        self.top_pitch =
            (pitch + (anchor_y - grid.top()) / self.px_per_key).clamp(visible.min(128.0), 128.0);
    }

    /// Multiplies the horizontal zoom, keeping the step under `anchor_x` in place.
    pub fn zoom_x(&mut self, factor: f32, grid: Rect, anchor_x: f32) {
        let step = (anchor_x - grid.left()) / self.px_per_step + self.scroll_step;
        self.px_per_step = (self.px_per_step * factor).clamp(2.0, 80.0);
        self.scroll_step = (step - (anchor_x - grid.left()) / self.px_per_step).max(0.0);
    }
}

/// What the roll did this frame.
#[derive(Clone, Debug, PartialEq)]
pub enum RollEdit {
    /// Add a note.
    Add {
        /// First step.
        start: u32,
        /// Length in steps.
        len: u32,
        /// MIDI pitch.
        pitch: u8,
    },
    /// Move notes by whole steps and semitones.
    Move {
        /// The notes.
        ids: Vec<u64>,
        /// Steps later (negative: earlier).
        steps: i32,
        /// Semitones up.
        semitones: i32,
    },
    /// Change a note's length.
    Resize {
        /// The note.
        id: u64,
        /// New length in steps.
        len: u32,
    },
}

/// The roll's response: the widget, edits to apply, and the step under a click.
pub struct RollOutput {
    /// The widget's response (use it for a context menu).
    pub response: Response,
    /// Edits the user made this frame (apply them undoably).
    pub edits: Vec<RollEdit>,
    /// Step clicked in the ruler (set the cursor there).
    pub ruler_click: Option<u32>,
    /// Whole bars dragged over on the ruler, `(start, end)` in steps, when a drag ends.
    pub ruler_bars: Option<(u32, u32)>,
    /// Step under the pointer, if it is over the grid.
    pub hover_step: Option<u32>,
    /// The phrase whose letter was clicked (choose its bars).
    pub phrase_click: Option<usize>,
}

/// The whole bars from the one holding step `a` to the one holding step `b` (either
/// order), as `(start, end)` steps.
pub fn bars_between(doc: &Document, a: u32, b: u32) -> (u32, u32) {
    let bar = doc.steps_per_bar();
    let offset = doc.pickup % bar;
    let bar_start = |s: u32| {
        if s < offset {
            0
        } else {
            offset + (s - offset) / bar * bar
        }
    };
    let (lo, hi) = (a.min(b), a.max(b));
    let end = if hi < offset {
        offset
    } else {
        bar_start(hi) + bar
    };
    (bar_start(lo), end)
}

/// Where the roll's parts lie on the screen this frame.
#[derive(Clone, Copy, Debug)]
struct Layout {
    /// The whole widget.
    rect: Rect,
    /// The note grid.
    grid: Rect,
    /// The confidence lane under it.
    lane: Rect,
}

impl Layout {
    fn new(rect: Rect) -> Layout {
        let grid = Rect::from_min_max(
            pos2(rect.left() + GUTTER, rect.top() + RULER),
            pos2(rect.right(), rect.bottom() - LANE),
        );
        let lane = Rect::from_min_max(pos2(grid.left(), grid.bottom()), rect.right_bottom());
        Layout { rect, grid, lane }
    }
}

/// What the roll draws: the document, the auditioned notes, and the view onto them.
#[derive(Clone, Copy)]
struct Scene<'a> {
    doc: &'a Document,
    ghost: &'a [RollNote],
    view: &'a RollView,
}

/// The widget's input this frame.
#[derive(Clone, Copy)]
struct Input<'a> {
    ui: &'a Ui,
    response: &'a Response,
    grid: Rect,
    /// Shift or Command is held (add to the selection).
    shift: bool,
}

/// A drag on the ruler chooses whole bars; the range is reported when the drag ends.
fn handle_ruler_drag(input: &Input<'_>, doc: &Document, view: &mut RollView, out: &mut RollOutput) {
    let Input {
        ui, response, grid, ..
    } = *input;
    let origin = ui.input(|i| i.pointer.press_origin());
    if response.drag_started_by(egui::PointerButton::Primary)
        && let Some(p) = origin
        && p.y < grid.top()
        && p.x >= grid.left()
    {
        let s = view.at(grid, p).0.max(0.0) as u32;
        view.ruler_drag = Some((s, s));
    }
    let Some((start, _)) = view.ruler_drag else {
        return;
    };
    if let Some(p) = response.interact_pointer_pos() {
        view.ruler_drag = Some((start, view.at(grid, p).0.max(0.0) as u32));
    }
    if response.drag_stopped()
        && let Some((a, b)) = view.ruler_drag.take()
    {
        out.ruler_bars = Some(bars_between(doc, a, b));
    }
}

/// A piano roll over one document.
pub struct PianoRoll<'a> {
    doc: &'a Document,
    ghost: &'a [RollNote],
    selection: Option<&'a mut BTreeSet<u64>>,
    view: &'a mut RollView,
    playhead: Option<f32>,
    cursor: Option<u32>,
    loop_range: Option<(u32, u32)>,
    bar_range: Option<(u32, u32)>,
    phrases: &'a [PhraseMark],
    height: Option<f32>,
    label: &'a str,
}

impl<'a> PianoRoll<'a> {
    /// A read-only roll over `doc`.
    pub fn new(doc: &'a Document, view: &'a mut RollView) -> Self {
        PianoRoll {
            doc,
            ghost: &[],
            selection: None,
            view,
            playhead: None,
            cursor: None,
            loop_range: None,
            bar_range: None,
            phrases: &[],
            height: None,
            label: "Piano roll",
        }
    }

    /// Makes the roll editable, with this selection.
    pub fn editable(mut self, selection: &'a mut BTreeSet<u64>) -> Self {
        self.selection = Some(selection);
        self
    }

    /// Notes drawn on top but not part of the document (a variation being auditioned).
    pub fn ghost(mut self, notes: &'a [RollNote]) -> Self {
        self.ghost = notes;
        self
    }

    /// The playhead, in steps.
    pub fn playhead(mut self, step: Option<f32>) -> Self {
        self.playhead = step;
        self
    }

    /// The edit cursor (where "regenerate from here" starts), in steps.
    pub fn cursor(mut self, step: Option<u32>) -> Self {
        self.cursor = step;
        self
    }

    /// A loop to shade, in steps.
    pub fn loop_range(mut self, range: Option<(u32, u32)>) -> Self {
        self.loop_range = range;
        self
    }

    /// Bars chosen on the ruler, in steps, to shade.
    pub fn bar_range(mut self, range: Option<(u32, u32)>) -> Self {
        self.bar_range = range;
        self
    }

    /// Phrase brackets with their letters, drawn along the top of the grid.
    pub fn phrases(mut self, marks: &'a [PhraseMark]) -> Self {
        self.phrases = marks;
        self
    }

    /// Fixed height (default: all the space left).
    pub fn height(mut self, h: f32) -> Self {
        self.height = Some(h);
        self
    }

    /// The accessible label (default "Piano roll").
    pub fn label(mut self, label: &'a str) -> Self {
        self.label = label;
        self
    }

    /// Draws the roll and handles input.
    pub fn show(mut self, ui: &mut Ui) -> RollOutput {
        // 1. Size.
        let size = vec2(
            ui.available_width().max(120.0),
            self.height.unwrap_or(ui.available_height()).max(120.0),
        );
        // 2. Allocate.
        let sense = if self.selection.is_some() {
            Sense::click_and_drag()
        } else {
            Sense::click()
        };
        let (rect, response) = ui.allocate_exact_size(size, sense);
        let label_owned = self.label.to_owned();
        response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Canvas, ui.is_enabled(), &label_owned)
        });
        let layout = Layout::new(rect);
        self.view.grid = Some(layout.grid);
        if self.view.fit_pending {
            self.view.fit_pending = false;
            let all: Vec<&RollNote> = self.doc.notes.iter().chain(self.ghost).collect();
            self.view.fit(&all, layout.grid);
        }
        self.follow_playhead(layout.grid);
        // 3. Handle input.
        let out = self.handle_input(ui, response, layout.grid);
        // 4. Paint.
        if ui.is_rect_visible(rect) {
            self.paint(&ui.painter_at(rect), layout);
        }
        out
    }

    /// Scrolls so that the playhead stays in view.
    fn follow_playhead(&mut self, grid: Rect) {
        let view = &mut *self.view;
        if let Some(p) = self.playhead
            && view.follow
        {
            let visible = grid.width() / view.px_per_step;
            if p < view.scroll_step || p > view.scroll_step + visible * 0.9 {
                view.scroll_step = (p - visible * 0.1).max(0.0);
            }
        }
    }

    fn handle_input(&mut self, ui: &Ui, response: Response, grid: Rect) -> RollOutput {
        let doc = self.doc;
        let view = &mut *self.view;
        let input = Input {
            ui,
            response: &response,
            grid,
            shift: ui.input(|i| i.modifiers.shift || i.modifiers.command),
        };
        let mut out = RollOutput {
            response: response.clone(),
            edits: Vec::new(),
            ruler_click: None,
            ruler_bars: None,
            hover_step: None,
            phrase_click: None,
        };
        if response.clicked()
            && let Some(p) = response.interact_pointer_pos()
            && let Some(j) = phrases::phrase_at(view, grid, self.phrases, p)
        {
            out.phrase_click = Some(j);
            return out;
        }
        handle_ruler_drag(&input, doc, view, &mut out);
        handle_scroll(&input, view);
        if let Some(sel) = self.selection.as_deref_mut() {
            handle_pointer(&input, doc, sel, view, &mut out);
        }
        if response.clicked()
            && let Some(p) = response.interact_pointer_pos()
            && p.y < grid.top()
        {
            out.ruler_click = Some(view.at(grid, p).0.max(0.0) as u32);
        }
        if let Some(p) = response.hover_pos()
            && grid.contains(p)
        {
            out.hover_step = Some(view.at(grid, p).0.max(0.0) as u32);
            let on_edge =
                self.selection.is_some() && matches!(hit(doc, view, grid, p), Some((_, true)));
            if on_edge || matches!(view.drag, Some(Drag::Resize { .. })) {
                ui.ctx().set_cursor_icon(egui::CursorIcon::ResizeHorizontal);
            }
        }
        out
    }

    fn paint(&self, painter: &egui::Painter, layout: Layout) {
        let Layout { rect, grid, .. } = layout;
        let (doc, view) = (self.doc, &*self.view);
        let scene = Scene {
            doc,
            ghost: self.ghost,
            view,
        };
        draw_background(painter, doc, view, layout, self.loop_range);
        let dragging = view.ruler_drag.map(|(a, b)| bars_between(doc, a, b));
        if let Some((s, e)) = dragging.or(self.bar_range) {
            let r = Rect::from_x_y_ranges(
                view.x_of(grid, s as f32)..=view.x_of(grid, e as f32),
                rect.top()..=grid.bottom(),
            );
            painter.rect_filled(r.intersect(grid.union(rect)), 0.0, BAR_RANGE_COLOUR);
        }
        draw_notes(painter, &scene, self.selection.as_deref(), grid);
        phrases::draw_phrases(painter, view, grid, self.phrases);
        draw_lane(painter, &scene, layout);
        if let Some(Drag::Select { from, to, .. }) = &view.drag {
            let r = Rect::from_two_pos(*from, *to);
            painter.rect(
                r,
                0.0,
                Color32::from_rgba_unmultiplied(236, 78, 92, 30),
                Stroke::new(1.0, SELECTED_COLOUR),
                StrokeKind::Inside,
            );
        }
        let mark = |step: f32, colour: Color32, width: f32| {
            let x = view.x_of(grid, step);
            if x >= grid.left() && x <= grid.right() {
                painter.line_segment(
                    [pos2(x, rect.top()), pos2(x, rect.bottom())],
                    Stroke::new(width, colour),
                );
            }
        };
        if let Some(c) = self.cursor {
            mark(c as f32, Color32::from_rgb(120, 200, 120), 1.5);
        }
        if let Some(p) = self.playhead {
            mark(p, Color32::WHITE, 2.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_and_grid_coordinates_agree() {
        let view = RollView::default();
        let grid = Rect::from_min_size(pos2(50.0, 20.0), vec2(600.0, 400.0));
        for (step, pitch) in [(0u32, 60u8), (7, 72), (20, 50)] {
            let p = pos2(
                view.x_of(grid, step as f32 + 0.5),
                view.y_of(grid, f32::from(pitch)) + view.px_per_key / 2.0,
            );
            let (s, q) = view.at(grid, p);
            assert_eq!((s.floor() as u32, q.floor() as u8), (step, pitch));
        }
    }

    #[test]
    fn vertical_zoom_keeps_the_anchor() {
        let mut view = RollView::default();
        let grid = Rect::from_min_size(pos2(50.0, 20.0), vec2(600.0, 400.0));
        let before = view.at(grid, pos2(300.0, 150.0)).1;
        view.zoom_y(1.5, grid, 150.0);
        let after = view.at(grid, pos2(300.0, 150.0)).1;
        assert!((before - after).abs() < 1e-3);
        assert_eq!(view.px_per_key, 18.0);
    }

    #[test]
    fn zoom_keeps_the_anchor() {
        let mut view = RollView::default();
        let grid = Rect::from_min_size(pos2(50.0, 20.0), vec2(600.0, 400.0));
        let before = view.at(grid, pos2(300.0, 100.0)).0;
        view.zoom_x(1.7, grid, 300.0);
        let after = view.at(grid, pos2(300.0, 100.0)).0;
        assert!((before - after).abs() < 1e-3);
    }
}

//! The piano roll: a reusable widget that draws notes on a pitch × 16th-note grid and edits them.

use super::document::{Document, Origin, RollNote};
use eframe::egui::{
    self, Align2, Color32, CornerRadius, FontId, Pos2, Rect, Response, Sense, Shape, Stroke,
    StrokeKind, Ui, Vec2, pos2, vec2,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

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
/// Selected notes.
pub const SELECTED_COLOUR: Color32 = Color32::from_rgb(236, 78, 92);

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
    /// Step under the pointer, if it is over the grid.
    pub hover_step: Option<u32>,
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
    pub fn show(self, ui: &mut Ui) -> RollOutput {
        let PianoRoll {
            doc,
            ghost,
            mut selection,
            view,
            playhead,
            cursor,
            loop_range,
            height,
            label,
        } = self;
        let size = vec2(
            ui.available_width().max(120.0),
            height.unwrap_or(ui.available_height()).max(120.0),
        );
        let sense = if selection.is_some() {
            Sense::click_and_drag()
        } else {
            Sense::click()
        };
        let (rect, response) = ui.allocate_exact_size(size, sense);
        let label_owned = label.to_owned();
        response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Canvas, ui.is_enabled(), &label_owned)
        });
        let grid = Rect::from_min_max(
            pos2(rect.left() + GUTTER, rect.top() + RULER),
            pos2(rect.right(), rect.bottom() - LANE),
        );
        let lane = Rect::from_min_max(pos2(grid.left(), grid.bottom()), rect.right_bottom());
        view.grid = Some(grid);
        if view.fit_pending {
            view.fit_pending = false;
            let all: Vec<&RollNote> = doc.notes.iter().chain(ghost).collect();
            view.fit(&all, grid);
        }

        // Follow the playhead.
        if let Some(p) = playhead
            && view.follow
        {
            let visible = grid.width() / view.px_per_step;
            if p < view.scroll_step || p > view.scroll_step + visible * 0.9 {
                view.scroll_step = (p - visible * 0.1).max(0.0);
            }
        }

        let mut out = RollOutput {
            response: response.clone(),
            edits: Vec::new(),
            ruler_click: None,
            hover_step: None,
        };
        handle_scroll(ui, &response, view, grid);
        if let Some(sel) = selection.as_deref_mut() {
            handle_pointer(ui, &response, doc, sel, view, grid, &mut out);
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
            let on_edge = selection.is_some() && matches!(hit(doc, view, grid, p), Some((_, true)));
            if on_edge || matches!(view.drag, Some(Drag::Resize { .. })) {
                ui.ctx().set_cursor_icon(egui::CursorIcon::ResizeHorizontal);
            }
        }

        if ui.is_rect_visible(rect) {
            let painter = ui.painter_at(rect);
            let sel = selection.as_deref();
            draw_background(&painter, doc, view, rect, grid, lane, loop_range);
            draw_notes(&painter, doc, ghost, sel, view, grid);
            draw_lane(&painter, doc, ghost, view, grid, lane);
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
            if let Some(c) = cursor {
                mark(c as f32, Color32::from_rgb(120, 200, 120), 1.5);
            }
            if let Some(p) = playhead {
                mark(p, Color32::WHITE, 2.0);
            }
        }
        out
    }
}

fn handle_scroll(ui: &Ui, response: &Response, view: &mut RollView, grid: Rect) {
    if !response.hovered() {
        return;
    }
    let (scroll, zoom, pointer, shift) = ui.input(|i| {
        (
            i.smooth_scroll_delta,
            i.zoom_delta(),
            i.pointer.hover_pos(),
            i.modifiers.shift,
        )
    });
    if zoom != 1.0 {
        // Ctrl+wheel zooms time; with Shift as well, it zooms pitch.
        if shift {
            let y = pointer.map_or(grid.center().y, |p| p.y);
            view.zoom_y(zoom, grid, y);
        } else {
            let x = pointer.map_or(grid.center().x, |p| p.x);
            view.zoom_x(zoom, grid, x);
        }
        return;
    }
    let (dx, dy) = if shift && scroll.x == 0.0 {
        (scroll.y, 0.0)
    } else {
        (scroll.x, scroll.y)
    };
    if dx != 0.0 {
        view.scroll_step = (view.scroll_step - dx / view.px_per_step).max(0.0);
    }
    if dy != 0.0 {
        let rows = grid.height() / view.px_per_key;
        view.top_pitch = (view.top_pitch + dy / view.px_per_key).clamp(rows.min(128.0), 128.0);
    }
}

/// The note under a point: (id, on its right edge).
fn hit(doc: &Document, view: &RollView, grid: Rect, p: Pos2) -> Option<(u64, bool)> {
    doc.notes.iter().rev().find_map(|n| {
        let r = note_rect(view, grid, n.start, n.len, n.pitch);
        r.contains(p)
            .then(|| (n.id, p.x >= r.right() - EDGE.min(r.width() / 3.0)))
    })
}

fn note_rect(view: &RollView, grid: Rect, start: u32, len: u32, pitch: u8) -> Rect {
    Rect::from_min_size(
        pos2(
            view.x_of(grid, start as f32),
            view.y_of(grid, f32::from(pitch)),
        ),
        vec2(
            (len as f32 * view.px_per_step - 1.0).max(2.0),
            view.px_per_key - 1.0,
        ),
    )
}

fn handle_pointer(
    ui: &Ui,
    response: &Response,
    doc: &Document,
    selection: &mut BTreeSet<u64>,
    view: &mut RollView,
    grid: Rect,
    out: &mut RollOutput,
) {
    let shift = ui.input(|i| i.modifiers.shift || i.modifiers.command);
    // Where the button went down: egui reports the drag only after the pointer has moved a little.
    let origin = ui.input(|i| i.pointer.press_origin());
    if response.drag_started_by(egui::PointerButton::Primary)
        && let Some(p) = origin.or_else(|| response.interact_pointer_pos())
        && grid.contains(p)
    {
        view.drag = Some(match hit(doc, view, grid, p) {
            Some((id, true)) => {
                let n = doc.note(id).cloned();
                selection.clear();
                selection.insert(id);
                let (start, len) = n.map_or((0, 1), |n| (n.start, n.len));
                Drag::Resize { id, start, len }
            }
            Some((id, false)) => {
                if !selection.contains(&id) {
                    if !shift {
                        selection.clear();
                    }
                    selection.insert(id);
                }
                Drag::Move {
                    ids: selection.iter().copied().collect(),
                    from: view.at(grid, p),
                    delta: (0, 0),
                }
            }
            None => Drag::Select {
                from: p,
                to: p,
                additive: shift,
            },
        });
    }
    if let Some(p) = response.interact_pointer_pos() {
        let (step, pitch) = view.at(grid, p);
        match &mut view.drag {
            Some(Drag::Move { from, delta, .. }) => {
                *delta = (
                    (step - from.0).round() as i32,
                    (pitch - from.1).round() as i32,
                );
            }
            Some(Drag::Resize { start, len, .. }) => {
                *len = (step.round() as i64 - i64::from(*start)).max(1) as u32;
            }
            Some(Drag::Select { to, .. }) => *to = p,
            None => {}
        }
    }
    if response.drag_stopped() {
        match view.drag.take() {
            Some(Drag::Move { ids, delta, .. }) if delta != (0, 0) => {
                out.edits.push(RollEdit::Move {
                    ids,
                    steps: delta.0,
                    semitones: delta.1,
                });
            }
            Some(Drag::Resize { id, len, .. }) if doc.note(id).is_some_and(|n| n.len != len) => {
                out.edits.push(RollEdit::Resize { id, len });
            }
            Some(Drag::Select { from, to, additive }) => {
                let r = Rect::from_two_pos(from, to);
                if !additive {
                    selection.clear();
                }
                for n in &doc.notes {
                    if note_rect(view, grid, n.start, n.len, n.pitch).intersects(r) {
                        selection.insert(n.id);
                    }
                }
            }
            _ => {}
        }
    }
    if response.clicked()
        && let Some(p) = response.interact_pointer_pos()
        && grid.contains(p)
    {
        match hit(doc, view, grid, p) {
            Some((id, _)) => {
                if shift {
                    if !selection.remove(&id) {
                        selection.insert(id);
                    }
                } else {
                    selection.clear();
                    selection.insert(id);
                }
            }
            None => {
                let (step, pitch) = view.at(grid, p);
                selection.clear();
                let pitch = pitch.floor().clamp(0.0, 127.0) as u8;
                out.edits.push(RollEdit::Add {
                    start: step.max(0.0).floor() as u32,
                    len: view.new_note_len.max(1),
                    pitch,
                });
            }
        }
    }
}

fn is_black(pitch: u8) -> bool {
    matches!(pitch % 12, 1 | 3 | 6 | 8 | 10)
}

fn draw_background(
    painter: &egui::Painter,
    doc: &Document,
    view: &RollView,
    rect: Rect,
    grid: Rect,
    lane: Rect,
    loop_range: Option<(u32, u32)>,
) {
    painter.rect_filled(rect, 0.0, Color32::from_gray(28));
    let lo = (view.top_pitch - grid.height() / view.px_per_key - 1.0).max(0.0) as u8;
    let hi = (view.top_pitch.ceil() as u8).min(127);
    for pitch in lo..=hi {
        let y = view.y_of(grid, f32::from(pitch));
        let row = Rect::from_min_size(pos2(grid.left(), y), vec2(grid.width(), view.px_per_key));
        if is_black(pitch) {
            painter.rect_filled(row.intersect(grid), 0.0, Color32::from_gray(24));
        } else {
            painter.rect_filled(row.intersect(grid), 0.0, Color32::from_gray(34));
        }
        let key = Rect::from_min_size(pos2(rect.left(), y), vec2(GUTTER - 2.0, view.px_per_key));
        if key.bottom() < grid.top() || key.top() > grid.bottom() {
            continue;
        }
        let key = key.intersect(Rect::from_x_y_ranges(rect.x_range(), grid.y_range()));
        let (fill, text) = if is_black(pitch) {
            (Color32::from_gray(40), Color32::from_gray(200))
        } else {
            (Color32::from_gray(225), Color32::from_gray(30))
        };
        painter.rect_filled(key.shrink2(vec2(0.0, 0.5)), 1.0, fill);
        if pitch % 12 == 0 && view.px_per_key >= 7.0 {
            painter.text(
                pos2(rect.left() + GUTTER - 5.0, key.center().y),
                Align2::RIGHT_CENTER,
                format!("C{}", i32::from(pitch) / 12 - 1),
                FontId::proportional((view.px_per_key - 1.0).min(11.0)),
                text,
            );
            painter.line_segment(
                [
                    pos2(grid.left(), y + view.px_per_key),
                    pos2(grid.right(), y + view.px_per_key),
                ],
                Stroke::new(1.0, Color32::from_gray(55)),
            );
        }
    }
    if let Some((a, b)) = loop_range {
        let r = Rect::from_x_y_ranges(
            view.x_of(grid, a as f32)..=view.x_of(grid, b as f32),
            rect.y_range(),
        )
        .intersect(Rect::from_x_y_ranges(grid.x_range(), rect.y_range()));
        painter.rect_filled(r, 0.0, Color32::from_rgba_unmultiplied(120, 200, 120, 22));
    }
    // Vertical lines: 16ths, beats, bars.
    let bar = doc.steps_per_bar();
    let beat = doc.steps_per_beat();
    let first = view.scroll_step.floor().max(0.0) as u32;
    let last = first + (grid.width() / view.px_per_step).ceil() as u32 + 1;
    painter.rect_filled(
        Rect::from_min_max(
            pos2(grid.left(), rect.top()),
            pos2(grid.right(), grid.top()),
        ),
        0.0,
        Color32::from_gray(44),
    );
    painter.rect_filled(lane, 0.0, Color32::from_gray(22));
    for step in first..=last {
        let x = view.x_of(grid, step as f32);
        let rel = i64::from(step) - i64::from(doc.pickup);
        let is_bar = rel.rem_euclid(i64::from(bar)) == 0;
        let is_beat = rel.rem_euclid(i64::from(beat)) == 0;
        let (colour, width) = if is_bar {
            (Color32::from_gray(95), 1.0)
        } else if is_beat {
            (Color32::from_gray(60), 1.0)
        } else if view.px_per_step >= 7.0 {
            (Color32::from_gray(42), 1.0)
        } else {
            continue;
        };
        painter.line_segment(
            [pos2(x, grid.top()), pos2(x, grid.bottom())],
            Stroke::new(width, colour),
        );
        if is_bar {
            let number = rel / i64::from(bar) + 1;
            painter.text(
                pos2(x + 3.0, rect.top() + 1.0),
                Align2::LEFT_TOP,
                number.to_string(),
                FontId::proportional(11.0),
                Color32::from_gray(190),
            );
        }
    }
    painter.rect_filled(
        Rect::from_min_max(rect.left_top(), pos2(grid.left(), grid.top())),
        0.0,
        Color32::from_gray(44),
    );
}

fn colour_of(n: &RollNote) -> Color32 {
    match n.origin {
        Origin::Seed => SEED_COLOUR,
        Origin::Generated => GENERATED_COLOUR,
        Origin::User => USER_COLOUR,
    }
}

fn draw_notes(
    painter: &egui::Painter,
    doc: &Document,
    ghost: &[RollNote],
    selection: Option<&BTreeSet<u64>>,
    view: &RollView,
    grid: Rect,
) {
    let painter = painter.with_clip_rect(grid);
    let (first, last) = (
        view.scroll_step,
        view.scroll_step + grid.width() / view.px_per_step,
    );
    let visible = |n: &&RollNote| (n.end() as f32) >= first && (n.start as f32) <= last;
    let (drag_ids, delta, resize) = match &view.drag {
        Some(Drag::Move { ids, delta, .. }) => (ids.as_slice(), *delta, None),
        Some(Drag::Resize { id, len, .. }) => (&[][..], (0, 0), Some((*id, *len))),
        _ => (&[][..], (0, 0), None),
    };
    let mut shapes = Vec::with_capacity(doc.notes.len() + ghost.len());
    for n in doc.notes.iter().filter(visible) {
        let mut start = n.start as i64;
        let mut pitch = i32::from(n.pitch);
        let mut len = n.len;
        if drag_ids.contains(&n.id) {
            start += i64::from(delta.0);
            pitch += delta.1;
        }
        if let Some((id, l)) = resize
            && id == n.id
        {
            len = l;
        }
        let r = note_rect(
            view,
            grid,
            start.max(0) as u32,
            len,
            pitch.clamp(0, 127) as u8,
        );
        let selected = selection.is_some_and(|s| s.contains(&n.id));
        let fill = if selected {
            SELECTED_COLOUR
        } else {
            colour_of(n)
        };
        shapes.push(Shape::rect_filled(r, CornerRadius::same(2), fill));
        if selected {
            shapes.push(Shape::rect_stroke(
                r,
                CornerRadius::same(2),
                Stroke::new(1.5, Color32::WHITE),
                StrokeKind::Inside,
            ));
        }
    }
    for n in ghost.iter().filter(visible) {
        let r = note_rect(view, grid, n.start, n.len, n.pitch);
        shapes.push(Shape::rect_filled(
            r,
            CornerRadius::same(2),
            GENERATED_COLOUR.gamma_multiply(0.75),
        ));
        shapes.push(Shape::rect_stroke(
            r,
            CornerRadius::same(2),
            Stroke::new(1.0, Color32::from_rgb(170, 230, 250)),
            StrokeKind::Inside,
        ));
    }
    painter.extend(shapes);
}

fn draw_lane(
    painter: &egui::Painter,
    doc: &Document,
    ghost: &[RollNote],
    view: &RollView,
    grid: Rect,
    lane: Rect,
) {
    let painter = painter.with_clip_rect(lane);
    let max_entropy = 3.6f32;
    let mut shapes = Vec::new();
    for n in doc.notes.iter().chain(ghost) {
        for (i, &(p, h)) in n.confidence.iter().enumerate() {
            let s = (n.start as usize + i) as f32;
            let x0 = view.x_of(grid, s);
            if x0 > lane.right() || x0 + view.px_per_step < lane.left() {
                continue;
            }
            let v = match view.lane {
                LaneMode::Probability => p.clamp(0.0, 1.0),
                LaneMode::Entropy => (h / max_entropy).clamp(0.0, 1.0),
            };
            let good = match view.lane {
                LaneMode::Probability => v,
                LaneMode::Entropy => 1.0 - v,
            };
            let colour = Color32::from_rgb(
                (230.0 - 150.0 * good) as u8,
                (90.0 + 120.0 * good) as u8,
                90,
            );
            let h = (lane.height() - 4.0) * v.max(0.04);
            shapes.push(Shape::rect_filled(
                Rect::from_min_max(
                    pos2(x0, lane.bottom() - 2.0 - h),
                    pos2(x0 + (view.px_per_step - 1.0).max(1.0), lane.bottom() - 2.0),
                ),
                0.0,
                colour,
            ));
        }
    }
    painter.extend(shapes);
    let label = match view.lane {
        LaneMode::Probability => "p",
        LaneMode::Entropy => "H",
    };
    painter.text(
        pos2(lane.left() - 6.0, lane.center().y),
        Align2::RIGHT_CENTER,
        label,
        FontId::proportional(11.0),
        Color32::from_gray(160),
    );
}

/// A small read-only picture of notes (for variation cards).
pub fn thumbnail(ui: &mut Ui, notes: &[RollNote], size: Vec2, colour: Color32) -> Response {
    let (rect, response) = ui.allocate_exact_size(size, Sense::click());
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, Color32::from_gray(30));
    let (lo, hi) = notes.iter().fold((127u8, 0u8), |(lo, hi), n| {
        (lo.min(n.pitch), hi.max(n.pitch))
    });
    let start = notes.iter().map(|n| n.start).min().unwrap_or(0);
    let end = notes
        .iter()
        .map(RollNote::end)
        .max()
        .unwrap_or(1)
        .max(start + 1);
    if lo > hi {
        return response;
    }
    let span = f32::from(hi - lo) + 1.0;
    let sx = (rect.width() - 4.0) / (end - start) as f32;
    let sy = (rect.height() - 4.0) / span;
    for n in notes {
        let x = rect.left() + 2.0 + (n.start - start) as f32 * sx;
        let y = rect.top() + 2.0 + f32::from(hi - n.pitch) * sy;
        painter.rect_filled(
            Rect::from_min_size(
                pos2(x, y),
                vec2((n.len as f32 * sx - 0.5).max(1.0), sy.max(1.5)),
            ),
            0.0,
            colour,
        );
    }
    response
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

//! Drawing the roll: the keyboard and grid, the notes, the confidence lane, thumbnails.

use super::{
    Align2, BTreeSet, Color32, CornerRadius, Document, Drag, FontId, GENERATED_COLOUR, GUTTER,
    LaneMode, Layout, Origin, Rect, Response, RollNote, RollView, SEED_COLOUR, SELECTED_COLOUR,
    Scene, Sense, Shape, Stroke, StrokeKind, USER_COLOUR, Ui, Vec2, egui, note_rect, pos2, vec2,
};

pub(super) fn is_black(pitch: u8) -> bool {
    matches!(pitch % 12, 1 | 3 | 6 | 8 | 10)
}

/// The keyboard, the pitch rows, the loop, the beat and bar lines, the ruler and the lane.
pub(super) fn draw_background(
    painter: &egui::Painter,
    doc: &Document,
    view: &RollView,
    layout: Layout,
    loop_range: Option<(u32, u32)>,
) {
    let Layout { rect, grid, lane } = layout;
    painter.rect_filled(rect, 0.0, Color32::from_gray(28));
    draw_keyboard(painter, view, rect, grid);
    if let Some((a, b)) = loop_range {
        let r = Rect::from_x_y_ranges(
            view.x_of(grid, a as f32)..=view.x_of(grid, b as f32),
            rect.y_range(),
        )
        .intersect(Rect::from_x_y_ranges(grid.x_range(), rect.y_range()));
        painter.rect_filled(r, 0.0, Color32::from_rgba_unmultiplied(120, 200, 120, 22));
    }
    painter.rect_filled(
        Rect::from_min_max(
            pos2(grid.left(), rect.top()),
            pos2(grid.right(), grid.top()),
        ),
        0.0,
        Color32::from_gray(44),
    );
    painter.rect_filled(lane, 0.0, Color32::from_gray(22));
    draw_step_lines(painter, doc, view, rect, grid);
    painter.rect_filled(
        Rect::from_min_max(rect.left_top(), pos2(grid.left(), grid.top())),
        0.0,
        Color32::from_gray(44),
    );
}

/// The pitch rows and the keyboard in the gutter, with C names.
fn draw_keyboard(painter: &egui::Painter, view: &RollView, rect: Rect, grid: Rect) {
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
}

/// Vertical lines (16ths, beats, bars) and the bar numbers on the ruler.
fn draw_step_lines(
    painter: &egui::Painter,
    doc: &Document,
    view: &RollView,
    rect: Rect,
    grid: Rect,
) {
    let bar = doc.steps_per_bar();
    let beat = doc.steps_per_beat();
    let first = view.scroll_step.floor().max(0.0) as u32;
    let last = first + (grid.width() / view.px_per_step).ceil() as u32 + 1;
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
}

pub(super) fn colour_of(n: &RollNote) -> Color32 {
    match n.origin {
        Origin::Seed => SEED_COLOUR,
        Origin::Generated => GENERATED_COLOUR,
        Origin::User => USER_COLOUR,
        Origin::Answer => super::ANSWER_COLOUR,
    }
}

pub(super) fn draw_notes(
    painter: &egui::Painter,
    scene: &Scene<'_>,
    selection: Option<&BTreeSet<u64>>,
    grid: Rect,
) {
    let Scene { doc, ghost, view } = *scene;
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

pub(super) fn draw_lane(painter: &egui::Painter, scene: &Scene<'_>, layout: Layout) {
    let Scene { doc, ghost, view } = *scene;
    let Layout { grid, lane, .. } = layout;
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

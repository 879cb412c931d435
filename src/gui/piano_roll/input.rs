//! Mouse and wheel input on the roll: scrolling, zooming, hit-testing, dragging notes.

use super::{
    BTreeSet, Document, Drag, EDGE, Input, Pos2, Rect, RollEdit, RollOutput, RollView, egui, pos2,
    vec2,
};

/// The wheel scrolls; Ctrl+wheel zooms time, Ctrl+Shift+wheel zooms pitch.
pub(super) fn handle_scroll(input: &Input<'_>, view: &mut RollView) {
    let Input {
        ui, response, grid, ..
    } = *input;
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
pub(super) fn hit(doc: &Document, view: &RollView, grid: Rect, p: Pos2) -> Option<(u64, bool)> {
    doc.notes.iter().rev().find_map(|n| {
        let r = note_rect(view, grid, n.start, n.len, n.pitch);
        r.contains(p)
            .then(|| (n.id, p.x >= r.right() - EDGE.min(r.width() / 3.0)))
    })
}

pub(super) fn note_rect(view: &RollView, grid: Rect, start: u32, len: u32, pitch: u8) -> Rect {
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

/// Presses, drags and clicks on the grid: select, move, resize and add notes.
pub(super) fn handle_pointer(
    input: &Input<'_>,
    doc: &Document,
    selection: &mut BTreeSet<u64>,
    view: &mut RollView,
    out: &mut RollOutput,
) {
    start_drag(input, doc, selection, view);
    if let Some(p) = input.response.interact_pointer_pos() {
        update_drag(view, input.grid, p);
    }
    if input.response.drag_stopped() {
        finish_drag(input, doc, selection, view, out);
    }
    if input.response.clicked()
        && let Some(p) = input.response.interact_pointer_pos()
        && input.grid.contains(p)
    {
        click(input, doc, selection, view, out);
    }
}

/// A drag begins: resize a note by its edge, move the notes under the pointer, or draw a
/// selection rectangle.
fn start_drag(
    input: &Input<'_>,
    doc: &Document,
    selection: &mut BTreeSet<u64>,
    view: &mut RollView,
) {
    let Input {
        ui,
        response,
        grid,
        shift,
    } = *input;
    // Where the button went down: egui reports the drag only after the pointer has moved a little.
    let origin = ui.input(|i| i.pointer.press_origin());
    if !response.drag_started_by(egui::PointerButton::Primary) {
        return;
    }
    let Some(p) = origin.or_else(|| response.interact_pointer_pos()) else {
        return;
    };
    if !grid.contains(p) {
        return;
    }
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

/// The pointer moved during a drag to `p`.
fn update_drag(view: &mut RollView, grid: Rect, p: Pos2) {
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

/// A drag ended: report the move or resize, or select the notes in the rectangle.
fn finish_drag(
    input: &Input<'_>,
    doc: &Document,
    selection: &mut BTreeSet<u64>,
    view: &mut RollView,
    out: &mut RollOutput,
) {
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
                if note_rect(view, input.grid, n.start, n.len, n.pitch).intersects(r) {
                    selection.insert(n.id);
                }
            }
        }
        _ => {}
    }
}

/// A click on the grid: (de)select the note under it, or add a note there.
fn click(
    input: &Input<'_>,
    doc: &Document,
    selection: &mut BTreeSet<u64>,
    view: &RollView,
    out: &mut RollOutput,
) {
    let Some(p) = input.response.interact_pointer_pos() else {
        return;
    };
    match hit(doc, view, input.grid, p) {
        Some((id, _)) => {
            if input.shift {
                if !selection.remove(&id) {
                    selection.insert(id);
                }
            } else {
                selection.clear();
                selection.insert(id);
            }
        }
        None => {
            let (step, pitch) = view.at(input.grid, p);
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

//! `<direction>` and `<sound>`: tempo marks, and the jumps a player follows (segno, coda,
//! D.C., D.S., To Coda, Fine).

use super::durations::type_length;
use super::measure::{MeasureData, Reader};
use super::repeats::Jump;
use super::xml::{child, child_text, children};
use crate::music::{ChangeKind, Ratio};
use roxmltree::Node;

/// A tempo we accept, in quarter notes per minute.
fn valid(t: f64) -> Option<f64> {
    (t.is_finite() && t > 0.0 && t < 10_000.0).then_some(t)
}

/// `<metronome>`: beats per minute times the beat's length in quarter notes.
fn metronome(node: Node) -> Option<f64> {
    let m = child(node, "metronome")?;
    let per_minute: f64 = child_text(m, "per-minute")?.parse().ok()?;
    let dots = children(m, "beat-unit-dot").count();
    let unit = type_length(child_text(m, "beat-unit")?, u32::try_from(dots).ok()?)?;
    valid(per_minute * unit.to_f64())
}

impl Reader<'_, '_> {
    /// A `<direction>` at `offset`: its `<sound>`, else the tempo of a metronome mark.
    pub(super) fn read_direction(&mut self, node: Node, offset: Ratio, data: &mut MeasureData) {
        let sound = child(node, "sound");
        let tempo = sound
            .and_then(|s| valid(s.attribute("tempo")?.trim().parse().ok()?))
            .or_else(|| children(node, "direction-type").find_map(metronome));
        if let Some(t) = tempo {
            self.set_tempo(t, offset, data);
        }
        if let Some(s) = sound {
            read_jumps(s, &mut data.marks.jumps);
        }
    }

    /// A `<sound>` directly in the measure.
    pub(super) fn read_sound(&mut self, node: Node, offset: Ratio, data: &mut MeasureData) {
        let tempo = node
            .attribute("tempo")
            .and_then(|t| valid(t.trim().parse().ok()?));
        if let Some(t) = tempo {
            self.set_tempo(t, offset, data);
        }
        read_jumps(node, &mut data.marks.jumps);
    }

    fn set_tempo(&mut self, qpm: f64, offset: Ratio, data: &mut MeasureData) {
        self.tempo = Some(qpm);
        data.changes.push((offset, ChangeKind::Tempo(qpm)));
    }
}

/// The jump attributes of a `<sound>` element.
fn read_jumps(sound: Node, jumps: &mut Vec<Jump>) {
    let name = |attr: &str| sound.attribute(attr).map(|v| v.trim().to_string());
    if let Some(n) = name("segno") {
        jumps.push(Jump::Segno(n));
    }
    if let Some(n) = name("coda") {
        jumps.push(Jump::Coda(n));
    }
    if name("fine").is_some() {
        jumps.push(Jump::Fine);
    }
    if let Some(n) = name("tocoda") {
        jumps.push(Jump::ToCoda(n));
    }
    if name("dacapo").as_deref() == Some("yes") {
        jumps.push(Jump::DaCapo);
    }
    if let Some(n) = name("dalsegno") {
        jumps.push(Jump::DalSegno(n));
    }
}

//! The score around the notes: header, the first measure's attributes, and the
//! `<attributes>` and `<direction>` elements that write meter, key and tempo changes.

use crate::music::{ChangeKind, Key, Melody, Meter, Mode};

/// Escapes text for XML content and attributes, dropping characters XML forbids.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Major => "major",
        Mode::Minor => "minor",
        Mode::Dorian => "dorian",
        Mode::Phrygian => "phrygian",
        Mode::Lydian => "lydian",
        Mode::Mixolydian => "mixolydian",
        Mode::Locrian => "locrian",
    }
}

/// A number without needless decimals (`120`, `92.5`).
fn number(value: f64) -> String {
    let s = format!("{value:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The key signature to write, in fifths.
pub(super) fn fifths(melody: &Melody) -> i32 {
    let f = melody
        .key_signature
        .or(melody.key.map(|k| k.signature_fifths()))
        .unwrap_or(0);
    f.clamp(-7, 7)
}

/// Bass clef when most notes lie below middle C.
fn clef(melody: &Melody) -> &'static str {
    let (low, all) = melody.sounding().fold((0, 0), |(low, all), n| {
        let below = n.pitch.is_some_and(|p| p.midi() < 60);
        (low + usize::from(below), all + 1)
    });
    if low * 2 > all {
        "<sign>F</sign><line>4</line>"
    } else {
        "<sign>G</sign><line>2</line>"
    }
}

pub(super) fn header(out: &mut String, melody: &Melody) {
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    out.push_str(
        "<!DOCTYPE score-partwise PUBLIC \"-//Recordare//DTD MusicXML 4.0 Partwise//EN\" \
         \"http://www.musicxml.org/dtds/partwise.dtd\">\n",
    );
    out.push_str("<score-partwise version=\"4.0\">\n");
    if let Some(title) = melody.title.as_deref().filter(|t| !t.trim().is_empty()) {
        let title = escape(title.trim());
        out.push_str(&format!(
            "  <work>\n    <work-title>{title}</work-title>\n  </work>\n"
        ));
    }
    out.push_str("  <identification>\n    <encoding>\n      <software>LSTMuse</software>\n");
    out.push_str("    </encoding>\n  </identification>\n");
    out.push_str(
        "  <part-list>\n    <score-part id=\"P1\">\n      <part-name>Melody</part-name>\n",
    );
    out.push_str("      <score-instrument id=\"P1-I1\">\n");
    out.push_str("        <instrument-name>Melody</instrument-name>\n      </score-instrument>\n");
    out.push_str("      <midi-instrument id=\"P1-I1\">\n        <midi-channel>1</midi-channel>\n");
    out.push_str("        <midi-program>1</midi-program>\n      </midi-instrument>\n");
    out.push_str("    </score-part>\n  </part-list>\n");
}

/// A `<key>` element: the signature, and the mode when the key is known.
fn key_element(fifths: i32, key: Option<Key>) -> String {
    let mode = key
        .map(|k| format!("<mode>{}</mode>", mode_name(k.mode)))
        .unwrap_or_default();
    format!("<key><fifths>{}</fifths>{mode}</key>", fifths.clamp(-7, 7))
}

/// A `<time>` element; free meter is a hidden 4/4.
fn time_element(meter: Option<Meter>) -> String {
    let (meter, hidden) = match meter {
        Some(m) => (m, ""),
        None => (Meter::default(), " print-object=\"no\""),
    };
    format!(
        "<time{hidden}><beats>{}</beats><beat-type>{}</beat-type></time>",
        meter.numerator, meter.denominator
    )
}

/// The first measure's `<attributes>`: divisions, key, time and clef.
pub(super) fn attributes(out: &mut String, melody: &Melody, divisions: i64) {
    out.push_str(&format!(
        "      <attributes>\n        <divisions>{divisions}</divisions>\n"
    ));
    out.push_str(&format!(
        "        {}\n        {}\n",
        key_element(fifths(melody), melody.key),
        time_element(melody.meter)
    ));
    out.push_str(&format!(
        "        <clef>{}</clef>\n      </attributes>\n",
        clef(melody)
    ));
}

/// A tempo mark: a metronome mark and the `<sound tempo>` that plays it.
pub(super) fn tempo(out: &mut String, qpm: f64) {
    if !(qpm.is_finite() && qpm > 0.0) {
        return;
    }
    let qpm = number(qpm);
    out.push_str("      <direction placement=\"above\">\n        <direction-type>\n");
    out.push_str(&format!(
        "          <metronome><beat-unit>quarter</beat-unit><per-minute>{qpm}</per-minute></metronome>\n"
    ));
    out.push_str(&format!(
        "        </direction-type>\n        <sound tempo=\"{qpm}\"/>\n      </direction>\n"
    ));
}

/// A change of meter, key or tempo, written where it takes effect.
pub(super) fn change(out: &mut String, kind: ChangeKind) {
    match kind {
        ChangeKind::Meter(m) => out.push_str(&format!(
            "      <attributes>{}</attributes>\n",
            time_element(Some(m))
        )),
        ChangeKind::Key { signature, key } => out.push_str(&format!(
            "      <attributes>{}</attributes>\n",
            key_element(signature, key)
        )),
        ChangeKind::Tempo(q) => tempo(out, q),
    }
}

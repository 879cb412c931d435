//! A tune's voices (`V:`): each is its own body, read in turn as the tune switches to it.

use super::body::Body;
use super::header::{self, KeySpec};
use crate::error::Result;
use crate::music::{Meter, Ratio};

/// The voices of one tune, in the order they are declared or first used.
pub(super) struct Voices {
    /// Each voice's id and body.
    pub bodies: Vec<(String, Body)>,
    current: usize,
    /// What a new voice starts with: the header's unit length, meter and key.
    unit: Ratio,
    meter: Option<Meter>,
    key: KeySpec,
}

impl Voices {
    /// The voices the header declares (`V:` lines before `K:`), or one unnamed voice.
    pub fn new(unit: Ratio, meter: Option<Meter>, key: &KeySpec, declared: &[String]) -> Voices {
        let mut voices = Voices {
            bodies: Vec::new(),
            current: 0,
            unit,
            meter,
            key: *key,
        };
        for value in declared {
            voices.switch(value);
        }
        if voices.bodies.is_empty() {
            voices.bodies.push((String::new(), voices.body(None)));
        }
        voices.current = 0;
        voices
    }

    fn body(&self, transpose: Option<i32>) -> Body {
        let t = transpose.or(self.key.transpose).unwrap_or(0);
        Body::new(self.unit, self.meter, &self.key, t)
    }

    /// `V:id …`: goes on with voice `id`, new or known (notes before the first `V:` are
    /// a voice of their own; an unnamed voice without notes takes the first name).
    fn switch(&mut self, value: &str) {
        let (id, transpose) = header::voice_field(value);
        if let Some(k) = self.bodies.iter().position(|(name, _)| *name == id) {
            self.current = k;
            if let Some(t) = transpose {
                self.bodies[k].1.set_transpose(t);
            }
            return;
        }
        if let Some((name, body)) = self.bodies.get_mut(self.current)
            && name.is_empty()
            && !body.has_events()
        {
            *name = id;
            if let Some(t) = transpose {
                body.set_transpose(t);
            }
            return;
        }
        let body = self.body(transpose);
        self.bodies.push((id, body));
        self.current = self.bodies.len() - 1;
    }

    /// Applies a field line of the body: `V:` switches voices, the rest go to the voice.
    pub fn field(&mut self, name: u8, value: &str, line: usize) -> Result<()> {
        if name == b'V' {
            self.switch(header::field_value(value));
            return Ok(());
        }
        self.bodies[self.current].1.field(name, value, line)
    }

    /// Reads a music line, switching voices at inline `[V:…]` fields.
    pub fn music_line(&mut self, text: &str, line: usize) -> Result<()> {
        let mut from = 0;
        while let Some((next, id)) = self.bodies[self.current].1.music_line(text, from, line)? {
            self.switch(&id);
            from = next;
        }
        Ok(())
    }
}

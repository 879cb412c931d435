//! The MIDI messages LSTMuse reads (note-on, note-off) and the ones it sends.

/// The channel LSTMuse plays on (0 = MIDI channel 1).
pub const CHANNEL: u8 = 0;

/// A note event from a keyboard, on any channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MidiEvent {
    /// A key went down.
    NoteOn {
        /// MIDI key number, 0–127.
        key: u8,
        /// How hard, 1–127.
        velocity: u8,
    },
    /// A key came up (a note-on with velocity 0 counts as one).
    NoteOff {
        /// MIDI key number, 0–127.
        key: u8,
    },
}

impl MidiEvent {
    /// Reads one message; anything that is not a note-on or note-off (controllers, clock,
    /// system exclusive, malformed bytes) gives `None`.
    pub fn parse(bytes: &[u8]) -> Option<MidiEvent> {
        let (&status, data) = bytes.split_first()?;
        let key = *data.first()?;
        if key > 127 {
            return None;
        }
        match status & 0xF0 {
            0x90 => match *data.get(1)? {
                0 => Some(MidiEvent::NoteOff { key }),
                v if v <= 127 => Some(MidiEvent::NoteOn { key, velocity: v }),
                _ => None,
            },
            0x80 => Some(MidiEvent::NoteOff { key }),
            _ => None,
        }
    }
}

/// A note-on on [`CHANNEL`].
pub fn note_on(key: u8, velocity: u8) -> [u8; 3] {
    [0x90 | CHANNEL, key.min(127), velocity.clamp(1, 127)]
}

/// A note-off on [`CHANNEL`].
pub fn note_off(key: u8) -> [u8; 3] {
    [0x80 | CHANNEL, key.min(127), 0]
}

/// Controller 123, "all notes off", on [`CHANNEL`]: the backstop after every stop.
pub fn all_notes_off() -> [u8; 3] {
    [0xB0 | CHANNEL, 123, 0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_messages_on_any_channel() {
        assert_eq!(
            MidiEvent::parse(&[0x93, 64, 90]),
            Some(MidiEvent::NoteOn {
                key: 64,
                velocity: 90
            })
        );
        assert_eq!(
            MidiEvent::parse(&[0x90, 64, 0]),
            Some(MidiEvent::NoteOff { key: 64 })
        );
        assert_eq!(
            MidiEvent::parse(&[0x8F, 64, 40]),
            Some(MidiEvent::NoteOff { key: 64 })
        );
        assert_eq!(MidiEvent::parse(&[0xB0, 64, 127]), None);
        assert_eq!(MidiEvent::parse(&[0xF8]), None);
        assert_eq!(MidiEvent::parse(&[0x90, 200, 1]), None);
        assert_eq!(MidiEvent::parse(&[]), None);
        let on = note_on(60, 0);
        assert_eq!(
            MidiEvent::parse(&on),
            Some(MidiEvent::NoteOn {
                key: 60,
                velocity: 1
            })
        );
        assert_eq!(
            MidiEvent::parse(&note_off(60)),
            Some(MidiEvent::NoteOff { key: 60 })
        );
    }
}

//! The computer keyboard as a piano in the app: its key events become the MIDI messages a
//! keyboard would send, so recording, step input and thru take them as they take a
//! keyboard's.

use super::{Command, LstmuseApp, egui};

/// The character of a piano key on the computer keyboard (by position: the physical key
/// where the platform says it).
fn key_char(key: egui::Key) -> Option<char> {
    use egui::Key as K;
    Some(match key {
        K::A => 'a',
        K::W => 'w',
        K::S => 's',
        K::E => 'e',
        K::D => 'd',
        K::F => 'f',
        K::T => 't',
        K::G => 'g',
        K::Y => 'y',
        K::H => 'h',
        K::U => 'u',
        K::J => 'j',
        K::K => 'k',
        K::O => 'o',
        K::L => 'l',
        K::P => 'p',
        K::Semicolon => ';',
        K::Quote => '\'',
        K::Z => 'z',
        K::X => 'x',
        K::C => 'c',
        K::V => 'v',
        _ => return None,
    })
}

/// The commands whose shortcuts are bare piano keys: off while the piano is on.
pub fn suspended_by_piano(c: Command) -> bool {
    c.shortcut().is_some_and(|s| {
        s.modifiers.is_none()
            && key_char(s.logical_key).is_some_and(crate::midi_io::computer_keys::is_piano_key)
    })
}

impl LstmuseApp {
    /// True while the computer keyboard plays notes.
    pub fn computer_keyboard_on(&self) -> bool {
        self.midi.computer_keyboard().is_some()
    }

    /// Turns the computer keyboard's piano on or off, and says so.
    pub(in crate::gui::app) fn toggle_computer_keyboard(&mut self) {
        let on = !self.computer_keyboard_on();
        self.midi.set_computer_keyboard(on);
        if on {
            let suspended: Vec<&str> = Command::ALL
                .into_iter()
                .filter(|&c| suspended_by_piano(c))
                .map(Command::label)
                .collect();
            let off = if suspended.is_empty() {
                String::new()
            } else {
                format!("; off while it plays: {}", suspended.join(", "))
            };
            self.info(format!(
                "Computer keyboard on: A S D F G H J K L ; ' play C to F from {}, W E T Y U O P \
                 the black keys, Z X the octave, C V the velocity{off}",
                self.midi
                    .computer_keyboard()
                    .map_or_else(|| "C4".into(), |k| k.lowest_name())
            ));
        } else {
            self.info("Computer keyboard off: its keys are shortcuts again");
        }
    }

    /// Once a frame, before the shortcuts: takes the piano's key events (not while a text
    /// field has the keyboard, a dialog is open, or with Ctrl, Alt or Cmd held) and lets go
    /// of every key when the window loses focus.
    pub(in crate::gui::app) fn computer_keyboard_frame(&mut self, ctx: &egui::Context) {
        if !self.computer_keyboard_on() || self.dialog.is_some() || ctx.text_edit_focused() {
            return;
        }
        let mut taken = Vec::new();
        let mut unfocused = false;
        ctx.input_mut(|i| {
            i.events.retain(|e| match e {
                egui::Event::Key {
                    key,
                    physical_key,
                    pressed,
                    modifiers,
                    ..
                } if !(modifiers.ctrl
                    || modifiers.alt
                    || modifiers.command
                    || modifiers.mac_cmd) =>
                {
                    match key_char(physical_key.unwrap_or(*key)) {
                        Some(c) => {
                            taken.push((c, *pressed));
                            false
                        }
                        None => true,
                    }
                }
                egui::Event::WindowFocused(false) => {
                    unfocused = true;
                    true
                }
                _ => true,
            });
        });
        let before = self.midi.computer_keyboard().cloned();
        for (c, pressed) in taken {
            self.midi.computer_key(c, pressed);
        }
        if unfocused {
            self.midi.release_computer_keys();
        }
        if let (Some(b), Some(now)) = (before, self.midi.computer_keyboard())
            && (b.octave, b.velocity) != (now.octave, now.velocity)
        {
            let text = format!(
                "Computer keyboard: the home row plays from {}, velocity {}",
                now.lowest_name(),
                now.velocity
            );
            self.info(text);
        }
        if self.computer_keyboard_on() {
            ctx.request_repaint();
        }
    }
}

//! Every user action as one `Command`, shared by menus, buttons and keyboard shortcuts.

use eframe::egui::{Key, KeyboardShortcut, Modifiers};

/// A file format to export to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ExportKind {
    /// Standard MIDI file.
    Midi,
    /// MusicXML.
    MusicXml,
    /// Rendered audio.
    Wav,
    /// ABC notation.
    Abc,
    /// Humdrum **kern.
    Kern,
}

impl ExportKind {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportKind::Midi => "mid",
            ExportKind::MusicXml => "musicxml",
            ExportKind::Wav => "wav",
            ExportKind::Abc => "abc",
            ExportKind::Kern => "krn",
        }
    }

    /// Name in menus.
    pub fn label(self) -> &'static str {
        match self {
            ExportKind::Midi => "MIDI",
            ExportKind::MusicXml => "MusicXML",
            ExportKind::Wav => "WAV audio",
            ExportKind::Abc => "ABC",
            ExportKind::Kern => "kern",
        }
    }
}

/// A user action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Open a melody file as the seed.
    Open,
    /// Export to a file.
    Export(ExportKind),
    /// Copy the melody to the clipboard as text (ABC or kern).
    Copy(ExportKind),
    /// Start a new, empty melody.
    New,
    /// Leave the app.
    Quit,
    /// Undo the last edit.
    Undo,
    /// Redo.
    Redo,
    /// Delete the selected notes.
    Delete,
    /// Select every note.
    SelectAll,
    /// Mark the selected notes as the seed (the others stop being seed).
    UseAsSeed,
    /// Move the selection up or down in semitones.
    Transpose(i32),
    /// Move the selection in time by steps.
    Nudge(i32),
    /// Sample new variations from the seed.
    Generate,
    /// Sample new variations from the cursor onward, keeping what comes before it.
    RegenerateFromHere,
    /// Write new notes for the selected notes (or bar range), conditioned on the notes
    /// before and after it.
    FillSelection,
    /// Keep variation N.
    Keep(usize),
    /// Audition variation N (show and play it).
    Audition(usize),
    /// Play or stop.
    PlayStop,
    /// Show the whole melody in the roll.
    Fit,
    /// Horizontal zoom in.
    ZoomIn,
    /// Horizontal zoom out.
    ZoomOut,
    /// Taller pitch rows.
    TallerRows,
    /// Shorter pitch rows.
    ShorterRows,
}

impl Command {
    /// The keyboard shortcut, if it has one.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let c = Modifiers::COMMAND;
        let cs = Modifiers::COMMAND | Modifiers::SHIFT;
        let none = Modifiers::NONE;
        Some(match self {
            Command::Open => KeyboardShortcut::new(c, Key::O),
            Command::Export(ExportKind::Midi) => KeyboardShortcut::new(c, Key::E),
            Command::New => KeyboardShortcut::new(c, Key::N),
            Command::Quit => KeyboardShortcut::new(c, Key::Q),
            Command::Undo => KeyboardShortcut::new(c, Key::Z),
            Command::Redo => KeyboardShortcut::new(cs, Key::Z),
            Command::Delete => KeyboardShortcut::new(none, Key::Delete),
            Command::SelectAll => KeyboardShortcut::new(c, Key::A),
            Command::Generate => KeyboardShortcut::new(c, Key::G),
            Command::FillSelection => KeyboardShortcut::new(c, Key::F),
            Command::PlayStop => KeyboardShortcut::new(none, Key::Space),
            Command::Transpose(1) => KeyboardShortcut::new(none, Key::ArrowUp),
            Command::Transpose(-1) => KeyboardShortcut::new(none, Key::ArrowDown),
            Command::Transpose(12) => KeyboardShortcut::new(Modifiers::SHIFT, Key::ArrowUp),
            Command::Transpose(-12) => KeyboardShortcut::new(Modifiers::SHIFT, Key::ArrowDown),
            Command::Nudge(1) => KeyboardShortcut::new(none, Key::ArrowRight),
            Command::Nudge(-1) => KeyboardShortcut::new(none, Key::ArrowLeft),
            Command::Fit => KeyboardShortcut::new(c, Key::Num0),
            _ => return None,
        })
    }

    /// Commands with shortcuts, most specific first (Ctrl+Shift+Z before Ctrl+Z).
    pub const WITH_SHORTCUTS: [Command; 18] = [
        Command::Redo,
        Command::Undo,
        Command::Open,
        Command::Export(ExportKind::Midi),
        Command::New,
        Command::Quit,
        Command::Delete,
        Command::SelectAll,
        Command::Generate,
        Command::FillSelection,
        Command::PlayStop,
        Command::Transpose(12),
        Command::Transpose(-12),
        Command::Transpose(1),
        Command::Transpose(-1),
        Command::Nudge(1),
        Command::Nudge(-1),
        Command::Fit,
    ];

    /// The name shown on buttons and in menus.
    pub fn label(self) -> &'static str {
        match self {
            Command::FillSelection => "Fill selection",
            Command::RegenerateFromHere => "Regenerate from here",
            Command::Generate => "Generate",
            _ => "",
        }
    }

    /// Whether the shortcut is a bare key that a focused text field should get instead.
    pub fn is_bare_key(self) -> bool {
        self.shortcut()
            .is_some_and(|s| s.modifiers == Modifiers::NONE || s.modifiers == Modifiers::SHIFT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_are_unique() {
        let all: Vec<_> = Command::WITH_SHORTCUTS
            .iter()
            .map(|c| c.shortcut().unwrap())
            .collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}

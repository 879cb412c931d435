//! Every user action as one `Command`, shared by menus, buttons and keyboard shortcuts.

use crate::midi_io::StepLength;
use eframe::egui::{Context, Key, KeyboardShortcut, Modifiers};

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
    /// Open a melody document, or a melody file as the seed.
    Open,
    /// Save the melody document (asks for a file the first time).
    Save,
    /// Save the melody document to a new file.
    SaveAs,
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
    /// Keep variation N and write its phrase M again ("New B").
    NewPhrase(usize, usize),
    /// Play or stop.
    PlayStop,
    /// Load a SoundFont (.sf2) as the playing voice.
    LoadSoundFont,
    /// Count in, record a seed from the MIDI keyboard; again: stop and keep it.
    RecordSeed,
    /// Step input on or off: each key on the MIDI keyboard adds a note at the cursor.
    StepInput,
    /// Start a jam (call and response with the model), or stop it.
    Jam,
    /// The computer keyboard as a piano, on or off.
    ComputerKeyboard,
    /// The length of step-entered notes.
    StepLength(StepLength),
    /// Dotted step-entered notes on or off.
    StepDot,
    /// A step-input rest at the cursor.
    StepRest,
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
    /// Every command, with the parameters the menus and shortcuts use. `Keep`,
    /// `Audition` and `NewPhrase` belong to a variation card and stand here for the first card.
    pub const ALL: [Command; 47] = [
        Command::New,
        Command::Open,
        Command::Save,
        Command::SaveAs,
        Command::Export(ExportKind::Midi),
        Command::Export(ExportKind::MusicXml),
        Command::Export(ExportKind::Wav),
        Command::Export(ExportKind::Abc),
        Command::Export(ExportKind::Kern),
        Command::Copy(ExportKind::Abc),
        Command::Copy(ExportKind::Kern),
        Command::Quit,
        Command::Undo,
        Command::Redo,
        Command::SelectAll,
        Command::Delete,
        Command::UseAsSeed,
        Command::Transpose(1),
        Command::Transpose(-1),
        Command::Transpose(12),
        Command::Transpose(-12),
        Command::Nudge(1),
        Command::Nudge(-1),
        Command::Generate,
        Command::RegenerateFromHere,
        Command::FillSelection,
        Command::Keep(0),
        Command::Audition(0),
        Command::NewPhrase(0, 0),
        Command::PlayStop,
        Command::LoadSoundFont,
        Command::RecordSeed,
        Command::StepInput,
        Command::Jam,
        Command::ComputerKeyboard,
        Command::StepLength(StepLength::Sixteenth),
        Command::StepLength(StepLength::Eighth),
        Command::StepLength(StepLength::Quarter),
        Command::StepLength(StepLength::Half),
        Command::StepLength(StepLength::Whole),
        Command::StepDot,
        Command::StepRest,
        Command::Fit,
        Command::ZoomIn,
        Command::ZoomOut,
        Command::TallerRows,
        Command::ShorterRows,
    ];

    /// The name shown on buttons and in menus.
    pub fn label(self) -> &'static str {
        match self {
            Command::New => "New",
            Command::Open => "Open…",
            Command::Save => "Save",
            Command::SaveAs => "Save as…",
            Command::Export(kind) => match kind {
                ExportKind::Midi => "Export MIDI…",
                ExportKind::MusicXml => "Export MusicXML…",
                ExportKind::Wav => "Export WAV audio…",
                ExportKind::Abc => "Export ABC…",
                ExportKind::Kern => "Export kern…",
            },
            Command::Copy(ExportKind::Abc) => "Copy as ABC text",
            Command::Copy(ExportKind::Kern) => "Copy as kern text",
            Command::Copy(_) => "Copy as text",
            Command::Quit => "Quit",
            Command::Undo => "Undo",
            Command::Redo => "Redo",
            Command::SelectAll => "Select all",
            Command::Delete => "Delete",
            Command::UseAsSeed => "Use selection as seed",
            Command::Transpose(1) => "Transpose up",
            Command::Transpose(-1) => "Transpose down",
            Command::Transpose(12) => "Octave up",
            Command::Transpose(-12) => "Octave down",
            Command::Transpose(_) => "Transpose",
            Command::Nudge(by) if by < 0 => "Nudge earlier",
            Command::Nudge(_) => "Nudge later",
            Command::Generate => "Generate",
            Command::RegenerateFromHere => "Regenerate from here",
            Command::FillSelection => "Fill selection",
            Command::Keep(_) => "Keep",
            Command::Audition(_) => "Audition",
            Command::NewPhrase(..) => "New phrase",
            Command::PlayStop => "Play / Stop",
            Command::LoadSoundFont => "Load SoundFont…",
            Command::RecordSeed => "Record seed",
            Command::StepInput => "Step input",
            Command::Jam => "Jam",
            Command::ComputerKeyboard => "Computer keyboard as piano",
            Command::StepLength(l) => match l {
                StepLength::Sixteenth => "16th notes",
                StepLength::Eighth => "Eighth notes",
                StepLength::Quarter => "Quarter notes",
                StepLength::Half => "Half notes",
                StepLength::Whole => "Whole notes",
            },
            Command::StepDot => "Dotted",
            Command::StepRest => "Rest",
            Command::Fit => "Fit the melody",
            Command::ZoomIn => "Zoom in",
            Command::ZoomOut => "Zoom out",
            Command::TallerRows => "Taller rows",
            Command::ShorterRows => "Shorter rows",
        }
    }

    /// What the command does, for hover text.
    pub fn tooltip(self) -> &'static str {
        match self {
            Command::New => "Start a new, empty melody",
            Command::Open => {
                "Open a melody document (.lstmuse), or a melody file (.krn, .abc, .mid, .musicxml, .mxl) as the seed"
            }
            Command::Save => {
                "Save the melody with its seed, your notes, the variations and the settings that made them (.lstmuse)"
            }
            Command::SaveAs => "Save the melody document to a new file",
            Command::Export(_) => "Write the melody to a file for other programs",
            Command::Copy(_) => "Copy the melody to the clipboard as text",
            Command::Quit => "Leave the app",
            Command::Undo => "Undo the last edit",
            Command::Redo => "Redo the last undone edit",
            Command::SelectAll => "Select every note",
            Command::Delete => "Delete the selected notes",
            Command::UseAsSeed => "Make the selected notes the seed",
            Command::Transpose(_) => "Move the selected notes up or down",
            Command::Nudge(_) => "Move the selected notes in time by a sixteenth",
            Command::Generate => "Sample new variations from the seed",
            Command::RegenerateFromHere => {
                "Keep everything before the cursor and sample the rest again"
            }
            Command::FillSelection => {
                "Write new notes for the selected notes or bars, leading into what follows"
            }
            Command::Keep(_) => "Put it after the seed (or in place of the selected notes)",
            Command::Audition(_) => "Show it in the roll and play it",
            Command::NewPhrase(..) => {
                "Keep this variation and write this phrase again, leading into what follows"
            }
            Command::PlayStop => "Play the melody, or stop",
            Command::LoadSoundFont => {
                "Play with the instruments of a SoundFont (.sf2) file, picked by General MIDI name"
            }
            Command::RecordSeed => {
                "Count in one bar, then record the MIDI keyboard as the seed; again to stop"
            }
            Command::StepInput => {
                "Each key on the MIDI keyboard adds a note of the chosen length at the cursor"
            }
            Command::Jam => {
                "Call and response: after a count-in, play a phrase and LSTMuse answers it on \
                 the next bar line; again to stop and keep the dialogue as the melody"
            }
            Command::ComputerKeyboard => {
                "Play the computer keyboard as a MIDI keyboard: A S D F G H J K L ; ' white keys, \
                 W E T Y U O P black keys, Z X octave, C V velocity"
            }
            Command::StepLength(_) => "The length of step-entered notes and rests",
            Command::StepDot => "Step-entered notes and rests one and a half times as long",
            Command::StepRest => "A rest of the chosen length at the step-input cursor",
            Command::Fit => "Show the whole melody",
            Command::ZoomIn => "Show less time, wider",
            Command::ZoomOut => "Show more time, narrower",
            Command::TallerRows => "Taller pitch rows",
            Command::ShorterRows => "Shorter pitch rows",
        }
    }

    /// The keyboard shortcut, if it has one.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let c = Modifiers::COMMAND;
        let cs = Modifiers::COMMAND | Modifiers::SHIFT;
        let none = Modifiers::NONE;
        Some(match self {
            Command::Open => KeyboardShortcut::new(c, Key::O),
            Command::Save => KeyboardShortcut::new(c, Key::S),
            Command::SaveAs => KeyboardShortcut::new(cs, Key::S),
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
            Command::RecordSeed => KeyboardShortcut::new(c, Key::R),
            Command::StepInput => KeyboardShortcut::new(none, Key::N),
            Command::ComputerKeyboard => KeyboardShortcut::new(c, Key::K),
            Command::Jam => KeyboardShortcut::new(c, Key::J),
            // The digits of MuseScore's note input: 3 = 16th … 7 = whole, 0 = rest.
            Command::StepLength(l) => KeyboardShortcut::new(
                none,
                match l {
                    StepLength::Sixteenth => Key::Num3,
                    StepLength::Eighth => Key::Num4,
                    StepLength::Quarter => Key::Num5,
                    StepLength::Half => Key::Num6,
                    StepLength::Whole => Key::Num7,
                },
            ),
            Command::StepDot => KeyboardShortcut::new(none, Key::Period),
            Command::StepRest => KeyboardShortcut::new(none, Key::Num0),
            _ => return None,
        })
    }

    /// The tooltip with the shortcut, as the platform writes it: "Show the whole melody
    /// (Ctrl+0)".
    pub fn tooltip_with_shortcut(self, ctx: &Context) -> String {
        match self.shortcut() {
            Some(s) => format!("{} ({})", self.tooltip(), ctx.format_shortcut(&s)),
            None => self.tooltip().to_owned(),
        }
    }

    /// The commands that have shortcuts, most specific first: egui matches Ctrl+Z on
    /// Ctrl+Shift+Z and an arrow on Shift+arrow, so the shortcut with more modifiers
    /// must be tried first.
    pub fn with_shortcuts() -> Vec<Command> {
        let mut commands: Vec<(Command, KeyboardShortcut)> = Command::ALL
            .into_iter()
            .filter_map(|c| Some((c, c.shortcut()?)))
            .collect();
        commands.sort_by_key(|(_, s)| std::cmp::Reverse(modifier_count(s.modifiers)));
        commands.into_iter().map(|(c, _)| c).collect()
    }

    /// Whether the shortcut is a bare key that a focused text field should get instead.
    pub fn is_bare_key(self) -> bool {
        self.shortcut()
            .is_some_and(|s| s.modifiers == Modifiers::NONE || s.modifiers == Modifiers::SHIFT)
    }
}

/// How many modifier keys a shortcut needs (Ctrl and Cmd count as one).
fn modifier_count(m: Modifiers) -> usize {
    [m.alt, m.shift, m.ctrl || m.command || m.mac_cmd]
        .into_iter()
        .filter(|&down| down)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_are_unique() {
        let all: Vec<KeyboardShortcut> = Command::with_shortcuts()
            .into_iter()
            .filter_map(Command::shortcut)
            .collect();
        assert_eq!(all.len(), 31);
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn more_modifiers_come_first() {
        let order = Command::with_shortcuts();
        let at = |c: Command| order.iter().position(|&o| o == c);
        assert!(at(Command::Redo) < at(Command::Undo));
        assert!(at(Command::SaveAs) < at(Command::Save));
        assert!(at(Command::Transpose(12)) < at(Command::Transpose(1)));
        assert!(at(Command::Transpose(-12)) < at(Command::Transpose(-1)));
    }

    #[test]
    fn every_command_has_a_label_and_a_tooltip() {
        for c in Command::ALL {
            assert!(!c.label().is_empty(), "{c:?}");
            assert!(!c.tooltip().is_empty(), "{c:?}");
        }
        for kind in [ExportKind::Midi, ExportKind::MusicXml, ExportKind::Wav] {
            let label = Command::Export(kind).label();
            assert_eq!(label, format!("Export {}…", kind.label()));
        }
        let labels: Vec<&str> = Command::ALL.iter().map(|c| c.label()).collect();
        for (i, a) in labels.iter().enumerate() {
            assert!(!labels[i + 1..].contains(a), "two commands are called {a}");
        }
    }
}

//! Choosing a file: the system dialog (rfd) on a background thread, with a path field that
//! always works, also where no dialog can open (no portal, no session bus).

use super::command::ExportKind;
use crate::formats::ReadOptions;
use eframe::egui;
use std::path::{Path, PathBuf};

/// What the chosen path is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Open a melody document, or a melody file as the seed.
    Open,
    /// Save the melody document.
    SaveDocument,
    /// Export the melody.
    Export(ExportKind),
    /// Add a corpus folder or file to the dataset browser.
    AddCorpus,
    /// Load a SoundFont as the playing voice.
    LoadSoundFont,
}

impl Purpose {
    /// Window title.
    pub fn title(self) -> String {
        match self {
            Purpose::Open => "Open a melody".into(),
            Purpose::SaveDocument => "Save the melody document".into(),
            Purpose::Export(k) => format!("Export {}", k.label()),
            Purpose::AddCorpus => "Add a corpus folder".into(),
            Purpose::LoadSoundFont => "Load a SoundFont (.sf2)".into(),
        }
    }

    fn action(self) -> &'static str {
        match self {
            Purpose::Open => "Open",
            Purpose::SaveDocument => "Save",
            Purpose::Export(_) => "Save",
            Purpose::AddCorpus => "Add",
            Purpose::LoadSoundFont => "Load",
        }
    }
}

/// The dialog's state.
#[derive(Clone, Debug)]
pub struct PathDialog {
    /// What it is for.
    pub purpose: Purpose,
    /// The path typed or chosen.
    pub path: String,
    /// A problem to show (e.g. the system dialog is unavailable).
    pub note: Option<String>,
    /// A system dialog is open.
    pub browsing: bool,
    /// Opening a melody: the part to read, 0-based (`None`: the file's first, or for kern
    /// the top staff).
    pub part: Option<usize>,
    /// Opening a melody: the voice of the part, 1-based as the file numbers it (`None`:
    /// the highest line across its voices).
    pub voice: Option<usize>,
    focused: bool,
}

/// Parts and voices the open dialog offers.
const PICKABLE: usize = 8;

/// What the user did with the dialog this frame.
pub enum DialogAction {
    /// Nothing yet.
    None,
    /// Confirmed this path.
    Accept(PathBuf),
    /// Closed it.
    Cancel,
    /// Wants the system dialog.
    Browse,
}

impl PathDialog {
    /// A dialog with a starting path.
    pub fn new(purpose: Purpose, path: impl Into<String>) -> PathDialog {
        PathDialog {
            purpose,
            path: path.into(),
            note: None,
            browsing: false,
            part: None,
            voice: None,
            focused: false,
        }
    }

    /// How a melody file chosen here is read: the part and voice picked.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            part: self.part,
            voice: self.voice,
            ..ReadOptions::default()
        }
    }

    /// The part and voice pickers of the open dialog.
    fn voice_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("Part");
            let part = |p: Option<usize>| p.map_or("First".to_owned(), |i| (i + 1).to_string());
            egui::ComboBox::from_id_salt("open-part")
                .selected_text(part(self.part))
                .show_ui(ui, |ui| {
                    for p in std::iter::once(None).chain((0..PICKABLE).map(Some)) {
                        ui.selectable_value(&mut self.part, p, part(p));
                    }
                })
                .response
                .on_hover_text(
                    "The part (MusicXML), track (MIDI) or spine (kern) to read; First: the \
                     first part, the first track with notes, the top staff",
                );
            ui.label("Voice");
            let voice = |v: Option<usize>| v.map_or("Top line".to_owned(), |i| i.to_string());
            egui::ComboBox::from_id_salt("open-voice")
                .selected_text(voice(self.voice))
                .show_ui(ui, |ui| {
                    for v in std::iter::once(None).chain((1..=PICKABLE).map(Some)) {
                        ui.selectable_value(&mut self.voice, v, voice(v));
                    }
                })
                .response
                .on_hover_text(
                    "Top line: the highest sounding line across the part's voices. A number: \
                     that voice (MusicXML <voice>, a kern sub-spine, a MIDI channel, ABC V:)",
                );
        });
    }

    /// Shows the dialog window.
    pub fn show(&mut self, ctx: &egui::Context) -> DialogAction {
        let mut action = DialogAction::None;
        let mut open = true;
        egui::Window::new(self.purpose.title())
            .collapsible(false)
            .resizable(false)
            .open(&mut open)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label("File path:");
                let edit = ui.add(
                    egui::TextEdit::singleline(&mut self.path)
                        .desired_width(420.0)
                        .hint_text("/home/you/Music/melody.mid"),
                );
                let edit = edit.accessible_name("File path");
                if !self.focused {
                    // Ready to type (or paste) a path at once.
                    edit.request_focus();
                    self.focused = true;
                }
                let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if self.purpose == Purpose::Open {
                    self.voice_ui(ui);
                }
                if let Some(note) = &self.note {
                    ui.colored_label(ui.visuals().warn_fg_color, note);
                }
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(!self.browsing, egui::Button::new("Browse…"))
                        .on_hover_text("Open the system file dialog")
                        .clicked()
                    {
                        action = DialogAction::Browse;
                    }
                    if self.browsing {
                        ui.spinner();
                    }
                    let ok = !self.path.trim().is_empty();
                    if (ui
                        .add_enabled(ok, egui::Button::new(self.purpose.action()))
                        .clicked()
                        || enter)
                        && ok
                    {
                        action = DialogAction::Accept(expand_home(self.path.trim()));
                    }
                    if ui.button("Cancel").clicked() {
                        action = DialogAction::Cancel;
                    }
                });
            });
        if !open {
            action = DialogAction::Cancel;
        }
        action
    }
}

/// `~/x` → `$HOME/x`.
pub fn expand_home(text: &str) -> PathBuf {
    if let Some(rest) = text.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return Path::new(&home).join(rest);
    }
    PathBuf::from(text)
}

/// Runs the system dialog (blocking; call it on a background thread). `None` when the user
/// cancelled or no dialog could open.
pub fn browse(purpose: Purpose, start: &Path) -> Option<PathBuf> {
    let dir = if start.is_dir() {
        Some(start.to_path_buf())
    } else {
        start.parent().map(Path::to_path_buf)
    };
    let mut d = rfd::FileDialog::new();
    if let Some(dir) = dir.filter(|d| d.is_dir()) {
        d = d.set_directory(dir);
    }
    match purpose {
        Purpose::Open => d
            .add_filter(
                "Melodies",
                &[
                    "lstmuse", "krn", "abc", "mid", "midi", "musicxml", "xml", "mxl",
                ],
            )
            .pick_file(),
        Purpose::SaveDocument => d
            .add_filter("LSTMuse melody", &["lstmuse"])
            .set_file_name(file_name_of(start))
            .save_file(),
        Purpose::AddCorpus => d.pick_folder(),
        Purpose::LoadSoundFont => d.add_filter("SoundFont", &["sf2", "SF2"]).pick_file(),
        Purpose::Export(kind) => d
            .add_filter(kind.label(), &[kind.extension()])
            .set_file_name(file_name_of(start))
            .save_file(),
    }
}

/// The file name part of a path the dialog starts from.
fn file_name_of(start: &Path) -> String {
    start
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A file name from the title and today's date: `Kuckuck-2026-11-23.mid`.
pub fn default_file_name(title: &str, extension: &str) -> String {
    let clean: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-");
    let stem = if clean.is_empty() {
        "melody".into()
    } else {
        clean
    };
    let date: String = crate::fsutil::now_rfc3339().chars().take(10).collect();
    format!("{stem}-{date}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        let n = default_file_name("Der Kuckuck / Lied: 1", ExportKind::Midi.extension());
        assert!(n.starts_with("Der-Kuckuck-Lied-1-20"), "{n}");
        assert!(n.ends_with(".mid"));
        assert!(default_file_name("", "lstmuse").starts_with("melody-"));
    }
}

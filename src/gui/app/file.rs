//! The melody document in the app: Save, Save as, opening a `.lstmuse` file, whether there
//! are unsaved changes, and the window title that shows both.

use super::super::document_file::{self, DocumentFile, DocumentParts};
use super::{LstmuseApp, ModelArtifact, Path, PathBuf, Purpose, egui};

/// Where the document lives and whether it changed since it was saved.
#[derive(Debug, Default)]
pub struct DocumentState {
    /// The `.lstmuse` file it was saved as or opened from.
    pub path: Option<PathBuf>,
    /// The editor's state and the variations' revision when it was last saved, opened or
    /// started; `None` for recovered work, which is unsaved until it is saved.
    pub saved: Option<(u64, u64)>,
    /// The window title last sent.
    pub shown_title: String,
}

impl LstmuseApp {
    /// The state of what a document saves: the melody's state and the variations'.
    pub(super) fn document_mark(&self) -> (u64, u64) {
        (self.editor.state(), self.generation.revision())
    }

    /// True when the melody or its variations changed since it was last saved (or since
    /// it was opened or started).
    pub fn has_unsaved_changes(&self) -> bool {
        self.file.saved != Some(self.document_mark())
    }

    /// The `.lstmuse` file of the document, once saved or opened.
    pub fn document_path(&self) -> Option<&Path> {
        self.file.path.as_deref()
    }

    /// The document's name: its file name, or "Untitled".
    pub fn document_name(&self) -> String {
        self.file
            .path
            .as_deref()
            .and_then(Path::file_name)
            .map_or_else(|| "Untitled".into(), |n| n.to_string_lossy().into_owned())
    }

    /// The window title: the document's name, marked with `*` while there are unsaved
    /// changes.
    pub fn window_title(&self) -> String {
        let marker = if self.has_unsaved_changes() { "*" } else { "" };
        format!("{marker}{} — LSTMuse", self.document_name())
    }

    /// Sends the window title when it changed.
    pub(super) fn update_title(&mut self, ctx: &egui::Context) {
        let title = self.window_title();
        if title != self.file.shown_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.file.shown_title = title;
        }
    }

    /// The document as it would be saved now.
    pub fn document_file(&self) -> DocumentFile {
        DocumentFile::new(&DocumentParts {
            doc: self.editor.doc(),
            phrases: self.editor.phrases(),
            variations: self.generation.variations(),
            auditioned: self.generation.selected(),
            sampler: &self.settings.sampler,
            tempo_bpm: self.settings.transport.bpm,
            model: self.model.as_ref(),
        })
    }

    /// A new untitled document that has nothing to save yet (a new melody, or a seed
    /// opened from a melody file or the dataset).
    pub(super) fn start_untitled(&mut self) {
        self.file.path = None;
        self.file.saved = Some(self.document_mark());
    }

    /// Saves to the document's file; true when it was written. A document without a file
    /// asks for one first (and is not written yet: false).
    pub fn save(&mut self) -> bool {
        match self.file.path.clone() {
            Some(path) => self.save_to(&path),
            None => {
                self.open_dialog(Purpose::SaveDocument);
                false
            }
        }
    }

    /// Saves the document to `path` (with `.lstmuse` added when it has another
    /// extension), atomically; it becomes the document's file. True when it was written;
    /// otherwise the status bar says why, naming the file, and the previous file is intact.
    pub fn save_to(&mut self, path: &Path) -> bool {
        let path = document_file::with_extension(path.to_path_buf());
        match self.document_file().write(&path) {
            Ok(()) => {
                self.file.path = Some(path.clone());
                self.file.saved = Some(self.document_mark());
                self.settings.add_recent(path.clone());
                self.info(format!("Saved {}", path.display()));
                true
            }
            Err(e) => {
                self.error(format!("Could not save: {e}"));
                false
            }
        }
    }

    /// Makes an opened (or recovered) document the one being edited: the melody, the
    /// variations, the Generate panel's settings, the tempo, and its model when that is
    /// another one and still here. `path` is its file; `saved`: whether it is as saved
    /// there (false for recovered work).
    pub(super) fn apply_document(
        &mut self,
        path: Option<PathBuf>,
        file: &DocumentFile,
        saved: bool,
    ) {
        self.stop_playback();
        let (doc, unknown) = file.document();
        self.editor.load(doc);
        self.editor.set_phrases(file.melody.phrases.clone());
        self.generation.restore(file.variations(), file.auditioned);
        self.settings.sampler = file.sampler.clone();
        if let Some(bpm) = file.tempo_bpm.filter(|b| (30.0..=300.0).contains(b)) {
            self.settings.transport.bpm = bpm;
        }
        self.settings.roll.request_fit();
        if let Some(p) = &path {
            self.settings.add_recent(p.clone());
        }
        self.file.path = path;
        self.file.saved = saved.then(|| self.document_mark());
        let mut message = format!(
            "Opened {} ({} notes, {} variations)",
            self.document_name(),
            self.editor.doc().notes.len(),
            self.generation.variations().len()
        );
        if unknown > 0 {
            message.push_str(&format!(
                ". {unknown} notes of a kind this version does not know are shown as your own"
            ));
        }
        if let Some(note) = self.use_model_of(file) {
            message.push_str(&format!(". {note}"));
        }
        self.info(message);
    }

    /// Loads the model a document was written with when it is not the one loaded; what to
    /// say about it.
    fn use_model_of(&mut self, file: &DocumentFile) -> Option<String> {
        let used = file.model.as_ref()?;
        let current = self.model.as_ref();
        if current.is_some_and(|m| m.dir == used.dir) {
            return None;
        }
        if ModelArtifact::is_model_folder(&used.dir) {
            self.jobs.load_model(used.dir.clone());
            return Some(format!("Loading its model, {}", used.name));
        }
        let now = current.map_or_else(|| "no model".into(), |m| m.name.clone());
        Some(format!(
            "It was written with the model {} ({}), which is not here; generating with {now}",
            used.name,
            used.dir.display()
        ))
    }
}

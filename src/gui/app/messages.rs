//! What background jobs report, applied by the part that owns the state: the job runner
//! carries each panel's messages as [`PanelMsg`], and this routes them to their panel.

use super::super::dataset::DatasetMsg;
use super::super::training_panel::TrainingMsg;
use super::{
    DatasetOutcome, GenerateRequest, GuiError, LstmuseApp, Melody, Msg, Path, PathBuf,
    SoundFontMsg, SoundFontOutcome,
};
use crate::sampling::Generated;

/// A panel's message, as the job runner carries it.
pub enum PanelMsg {
    /// For the dataset browser.
    Dataset(DatasetMsg),
    /// For the training panel.
    Training(TrainingMsg),
    /// A SoundFont loading, or loaded.
    SoundFont(SoundFontMsg),
}

impl From<DatasetMsg> for PanelMsg {
    fn from(m: DatasetMsg) -> Self {
        PanelMsg::Dataset(m)
    }
}

impl From<TrainingMsg> for PanelMsg {
    fn from(m: TrainingMsg) -> Self {
        PanelMsg::Training(m)
    }
}

impl From<SoundFontMsg> for PanelMsg {
    fn from(m: SoundFontMsg) -> Self {
        PanelMsg::SoundFont(m)
    }
}

impl LstmuseApp {
    pub(super) fn process_messages(&mut self) {
        for msg in self.jobs.poll() {
            match msg {
                Msg::ModelLoaded(Ok(info)) => {
                    if let Some(note) = &info.note {
                        self.info(format!("Loaded model {}. Note: {note}", info.name));
                    } else if self.status.text.is_empty() || self.model.is_some() {
                        self.info(format!("Loaded model {} ({})", info.name, info.shape));
                    }
                    self.settings.model_dir = Some(info.dir.clone());
                    self.model = Some(info);
                }
                Msg::ModelLoaded(Err(e)) => {
                    let keeping = self
                        .model
                        .as_ref()
                        .map_or_else(String::new, |m| format!(" (still using {})", m.name));
                    self.error(format!("{e:#}{keeping}"));
                }
                Msg::Generated {
                    request,
                    result,
                    millis,
                } => self.generated(&request, result, millis),
                Msg::Opened { path, result } => self.opened(&path, result),
                Msg::DocumentOpened { path, result } => match result {
                    Ok(file) => self.apply_document(Some(path), &file, true),
                    Err(e) => self.error(format!("Could not open the melody document: {e}")),
                },
                Msg::Browsed(chosen) => self.browsed(chosen),
                Msg::Panel(PanelMsg::Dataset(m)) => match self.dataset.apply(m) {
                    DatasetOutcome::None => {}
                    DatasetOutcome::Fetched { dir, message } => {
                        self.info(message);
                        self.add_corpus(dir);
                    }
                    DatasetOutcome::FetchFailed(message) => self.error(message),
                },
                Msg::Panel(PanelMsg::Training(m)) => self.training.apply(m),
                Msg::Panel(PanelMsg::SoundFont(m)) => self.soundfont_loaded(m),
                Msg::Panicked(why) => {
                    self.error(format!("internal error in a background job: {why}"));
                }
                Msg::Failed(e) => self.error(format!("{e:#}")),
            }
        }
    }

    fn generated(
        &mut self,
        request: &GenerateRequest,
        result: Result<Vec<Generated>, GuiError>,
        millis: f64,
    ) {
        match result {
            Ok(melodies) => {
                let n = self.generation.receive(request, &melodies, millis);
                self.settings.roll.request_fit();
                self.info(format!(
                    "Generated {n} variation{}: click one to audition it, Keep to add it",
                    if n == 1 { "" } else { "s" },
                ));
            }
            Err(e) => {
                self.generation.failed(millis);
                self.error(format!("Generation failed: {e:#}"));
            }
        }
    }

    fn opened(&mut self, path: &Path, result: crate::error::Result<Melody>) {
        match result {
            Ok(m) => {
                self.settings.add_recent(path.to_path_buf());
                let name = path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into());
                self.set_seed(&m, &name);
                self.start_untitled();
            }
            Err(e) => self.error(format!("Could not open {}: {e}", path.display())),
        }
    }

    fn soundfont_loaded(&mut self, msg: SoundFontMsg) {
        match self.soundfont.apply(msg) {
            SoundFontOutcome::None => {}
            SoundFontOutcome::Loaded { font, activate } => {
                let remembered = &mut self.settings.transport.soundfont;
                remembered.path = Some(font.path().to_path_buf());
                if activate {
                    remembered.active = true;
                }
                let playing = if remembered.active {
                    format!(": playing {}", remembered.program)
                } else {
                    String::new()
                };
                self.info(format!(
                    "Loaded SoundFont {} ({} presets){playing}",
                    font.name(),
                    font.presets().len()
                ));
            }
            SoundFontOutcome::Failed(e) => self.error(format!(
                "Could not load the SoundFont; the built-in voices still play. {e:#}"
            )),
        }
    }

    fn browsed(&mut self, chosen: Option<PathBuf>) {
        let Some(d) = self.dialog.as_mut() else {
            return;
        };
        d.browsing = false;
        match chosen {
            Some(p) => d.path = p.display().to_string(),
            None => {
                d.note = Some(
                    "No file was chosen (or no system dialog is available here): type the path above.".into(),
                );
            }
        }
    }
}

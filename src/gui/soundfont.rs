//! The SoundFont voice source: a font loaded off the UI thread with progress, and the voice and General MIDI program pickers.

use super::jobs::Jobs;
use super::settings::{SoundFontSettings, TransportSettings};
use crate::synth::{GM_FAMILIES, GmProgram, SoundFont, SoundFontVoice, Voice};
use eframe::egui;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the loading job reports.
pub enum SoundFontMsg {
    /// The fraction of the file read so far.
    Progress {
        /// The file.
        path: PathBuf,
        /// 0–1.
        fraction: f32,
    },
    /// The font loaded, or why not.
    Loaded {
        /// The file.
        path: PathBuf,
        /// The font, or the error naming the file.
        result: crate::Result<Arc<SoundFont>>,
    },
}

/// A font being loaded.
#[derive(Clone, Debug)]
struct Loading {
    path: PathBuf,
    fraction: f32,
    /// Make it the playing voice when it arrives (a font the user chose, not the one
    /// remembered from the last run, which keeps the remembered choice).
    activate: bool,
}

/// What a finished load means for the app.
pub enum SoundFontOutcome {
    /// Nothing to say (progress, or a stale answer for a font no longer wanted).
    None,
    /// The font is ready; `activate` when the user chose it just now.
    Loaded {
        /// The font.
        font: Arc<SoundFont>,
        /// Make it the playing voice.
        activate: bool,
    },
    /// It could not be loaded: the error, which names the file.
    Failed(crate::Error),
}

/// The loaded SoundFont, and the one being loaded.
#[derive(Default)]
pub struct SoundFontSource {
    font: Option<Arc<SoundFont>>,
    loading: Option<Loading>,
}

impl SoundFontSource {
    /// Starts loading `path` on its own thread (a later load replaces an earlier one
    /// still running); `activate` makes it the playing voice once loaded.
    pub fn load<P: From<SoundFontMsg> + Send + 'static>(
        &mut self,
        jobs: &mut Jobs<P>,
        path: PathBuf,
        activate: bool,
    ) {
        self.loading = Some(Loading {
            path: path.clone(),
            fraction: 0.0,
            activate,
        });
        let reporter = jobs.reporter();
        jobs.spawn_panel("soundfont", move || {
            let limits = crate::limits::Limits::DEFAULT;
            let report = |fraction| {
                reporter.panel(SoundFontMsg::Progress {
                    path: path.clone(),
                    fraction,
                });
            };
            let result = SoundFont::load_with_progress(&path, &limits, report).map(Arc::new);
            SoundFontMsg::Loaded { path, result }
        });
    }

    /// Applies a message from the loading job.
    pub fn apply(&mut self, msg: SoundFontMsg) -> SoundFontOutcome {
        match msg {
            SoundFontMsg::Progress { path, fraction } => {
                if let Some(l) = self.loading.as_mut().filter(|l| l.path == path) {
                    l.fraction = fraction;
                }
                SoundFontOutcome::None
            }
            SoundFontMsg::Loaded { path, result } => {
                let Some(loading) = self.loading.take_if(|l| l.path == path) else {
                    return SoundFontOutcome::None;
                };
                match result {
                    Ok(font) => {
                        self.font = Some(font.clone());
                        SoundFontOutcome::Loaded {
                            font,
                            activate: loading.activate,
                        }
                    }
                    Err(e) => SoundFontOutcome::Failed(e),
                }
            }
        }
    }

    /// The loaded font.
    pub fn font(&self) -> Option<&Arc<SoundFont>> {
        self.font.as_ref()
    }

    /// The file being loaded and the fraction read, while a load runs.
    pub fn loading(&self) -> Option<(&Path, f32)> {
        self.loading
            .as_ref()
            .map(|l| (l.path.as_path(), l.fraction))
    }

    /// The SoundFont voice that plays: when the settings choose it and it is loaded.
    pub fn voice(&self, settings: &SoundFontSettings) -> Option<SoundFontVoice> {
        let font = self.font.as_ref().filter(|_| settings.active)?;
        Some(SoundFontVoice::new(font.clone(), settings.program))
    }
}

/// What the voice picker asks the app to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoiceAction {
    /// Open the "Load SoundFont…" dialog.
    LoadSoundFont,
}

/// The voice picker for the transport bar: the built-in voices, the loaded SoundFont and
/// "Load SoundFont…"; with the SoundFont chosen, its General MIDI program by name; while
/// a font loads, a spinner with the fraction read.
pub fn voice_ui(
    ui: &mut egui::Ui,
    transport: &mut TransportSettings,
    source: &SoundFontSource,
) -> Option<VoiceAction> {
    let mut action = None;
    let playing = source.voice(&transport.soundfont);
    let selected = match &playing {
        Some(v) => v.font.name().to_string(),
        None => transport.voice.label().to_string(),
    };
    ui.label("Voice");
    egui::ComboBox::from_id_salt("voice")
        .selected_text(selected)
        .show_ui(ui, |ui| {
            for v in Voice::ALL {
                let chosen = playing.is_none() && transport.voice == v;
                if ui.selectable_label(chosen, v.label()).clicked() {
                    transport.voice = v;
                    transport.soundfont.active = false;
                }
            }
            ui.separator();
            if let Some(font) = source.font() {
                let label = format!("SoundFont: {}", font.name());
                let r = ui.selectable_label(playing.is_some(), label);
                if r.on_hover_text(font.path().display().to_string()).clicked() {
                    transport.soundfont.active = true;
                }
            }
            if ui
                .button("Load SoundFont…")
                .on_hover_text("Play with the instruments of a SoundFont (.sf2) file")
                .clicked()
            {
                action = Some(VoiceAction::LoadSoundFont);
                ui.close();
            }
        })
        .response
        .accessible_name("Voice");
    if let Some((path, fraction)) = source.loading() {
        ui.spinner();
        ui.label(format!("Loading SoundFont… {:.0}%", fraction * 100.0))
            .on_hover_text(path.display().to_string());
    }
    if let Some(voice) = playing {
        program_ui(ui, &mut transport.soundfont.program, &voice.font);
    }
    action
}

/// The General MIDI program picker, by family; programs the font lacks are shown
/// but cannot be chosen.
fn program_ui(ui: &mut egui::Ui, program: &mut GmProgram, font: &SoundFont) {
    egui::ComboBox::from_id_salt("gm-program")
        .selected_text(program.to_string())
        .height(420.0)
        .show_ui(ui, |ui| {
            for (family, name) in GM_FAMILIES.iter().enumerate() {
                ui.label(egui::RichText::new(*name).weak().small());
                for p in GmProgram::all().skip(family * 8).take(8) {
                    let present = font.preset(p).is_some();
                    let item = egui::Button::selectable(*program == p, p.to_string());
                    let r = ui
                        .add_enabled(present, item)
                        .on_disabled_hover_text("This SoundFont has no preset for it");
                    if r.clicked() {
                        *program = p;
                    }
                }
            }
        })
        .response
        .on_hover_text("The General MIDI instrument the SoundFont plays")
        .accessible_name("Instrument");
}

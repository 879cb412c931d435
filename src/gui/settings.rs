//! What the app remembers between runs (through eframe's persistence), and what happens
//! when that file cannot be read.

use super::app::midi::devices::OutputChoice;
use super::piano_roll::RollView;
use crate::midi_io::StepLength;
use crate::music::{Key, Meter, Mode, PitchName};
use crate::sampling::{AdaptiveTemperature, Critic, Form, Length, SamplerConfig, critic};
use crate::synth::{GmProgram, Voice};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The generate panel's controls.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SamplerSettings {
    /// Softmax temperature, 0.1–2.0.
    pub temperature: f32,
    /// Entropy-adaptive temperature.
    pub adaptive: bool,
    /// Rest penalty (subtracted from the rest logit).
    pub rest_penalty: f32,
    /// Nucleus sampling mass (1 = off).
    pub top_p: f32,
    /// Bars to generate.
    pub bars: usize,
    /// Variations per click, 1–8.
    pub variations: usize,
    /// RNG seed.
    pub seed: u64,
    /// Only notes of the melody's key (its scale).
    pub lock_scale: bool,
    /// Keep notes within `range`.
    pub limit_range: bool,
    /// Lowest and highest MIDI note.
    pub range: (u8, u8),
    /// End on the tonic.
    pub end_on_tonic: bool,
    /// End where the model ends the song (on a bar line) rather than at the full length.
    pub stop_at_end: bool,
    /// The meter of a melody started from scratch (a seed brings its own).
    pub meter: Meter,
    /// The form Generate writes after the seed (or from nothing): free, a period, AABA…
    pub form: Form,
    /// Bars per phrase of a form (0: the meter's usual phrase).
    pub phrase_bars: usize,
    /// The critic keeps each variation from several candidates by its form.
    pub critic: bool,
}

impl Default for SamplerSettings {
    fn default() -> Self {
        SamplerSettings {
            temperature: 1.0,
            adaptive: false,
            rest_penalty: 1.0,
            top_p: 1.0,
            bars: 8,
            variations: 4,
            seed: 1,
            lock_scale: false,
            limit_range: false,
            range: (60, 81),
            end_on_tonic: false,
            stop_at_end: false,
            meter: Meter::default(),
            form: Form::Free,
            phrase_bars: 0,
            critic: true,
        }
    }
}

impl SamplerSettings {
    /// The sampler configuration for a melody in `key` (C major when unknown).
    pub fn to_config(&self, key: Option<Key>) -> SamplerConfig {
        let key = key.unwrap_or(Key::new(PitchName::from_fifths(0), Mode::Major));
        SamplerConfig {
            temperature: self.temperature,
            adaptive: self.adaptive.then(AdaptiveTemperature::default),
            rest_penalty: self.rest_penalty,
            top_p: self.top_p.clamp(0.01, 1.0),
            length: Length::Bars(self.bars.max(1)),
            seed: self.seed,
            variations: self.variations.clamp(1, 8),
            range: self.limit_range.then_some(self.range),
            scale: self.lock_scale.then_some(key),
            end_on_tonic: self.end_on_tonic,
            stop_at_end: self.stop_at_end,
            meter: Some(self.meter),
            output_key: None,
            critic: Critic {
                candidates: if self.critic { critic::CANDIDATES } else { 1 },
                ..Critic::default()
            },
            ..SamplerConfig::default()
        }
    }

    /// The form Generate asks for, with its phrase length (`None`: the meter's).
    pub fn form_request(&self) -> (Form, Option<usize>) {
        (
            self.form,
            (self.phrase_bars > 0).then_some(self.phrase_bars),
        )
    }
}

/// Playback settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransportSettings {
    /// Tempo in quarter notes per minute.
    pub bpm: f64,
    /// Synth voice.
    pub voice: Voice,
    /// Volume 0–1.
    pub volume: f32,
    /// Loop the selection.
    pub loop_selection: bool,
    /// The SoundFont voice: which font, which program, and whether it plays.
    pub soundfont: SoundFontSettings,
}

impl Default for TransportSettings {
    fn default() -> Self {
        TransportSettings {
            bpm: 100.0,
            voice: Voice::Flute,
            volume: 0.8,
            loop_selection: false,
            soundfont: SoundFontSettings::default(),
        }
    }
}

/// The SoundFont voice source, remembered between runs (the font is loaded again at
/// start-up).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SoundFontSettings {
    /// The last SoundFont loaded.
    pub path: Option<PathBuf>,
    /// The General MIDI program it plays.
    pub program: GmProgram,
    /// True when the SoundFont plays rather than the built-in `voice` (which still plays
    /// while the font is loading or could not be loaded).
    pub active: bool,
}

/// MIDI ports, recording and step input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MidiSettings {
    /// The last MIDI input chosen; reconnected whenever it is present.
    pub input_port: Option<String>,
    /// Where playback goes.
    pub output: OutputChoice,
    /// A recording stops by itself after this many bars (0: at Stop).
    pub record_bars: u32,
    /// The length of step-entered notes.
    pub step_length: StepLength,
    /// Incoming notes sound through the current voice while recording or step-entering.
    pub thru: bool,
    /// A jam's phrase length in bars (1, 2 or 4).
    pub jam_phrase_bars: u32,
    /// When the model answers in a jam.
    pub jam_turns: crate::midi_io::jam::Turns,
}

impl Default for MidiSettings {
    fn default() -> Self {
        MidiSettings {
            input_port: None,
            output: OutputChoice::BuiltIn,
            record_bars: 0,
            step_length: StepLength::Eighth,
            thru: true,
            jam_phrase_bars: 2,
            jam_turns: crate::midi_io::jam::Turns::EveryOtherPhrase,
        }
    }
}

/// Everything persisted.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Generate panel.
    pub sampler: SamplerSettings,
    /// Transport bar.
    pub transport: TransportSettings,
    /// MIDI ports, recording and step input.
    pub midi: MidiSettings,
    /// Roll zoom and scroll.
    pub roll: RollView,
    /// Recently opened melody files, newest first.
    pub recent_files: Vec<PathBuf>,
    /// The last folder exported to.
    pub export_dir: Option<PathBuf>,
    /// The active model folder (None: the bundled default).
    pub model_dir: Option<PathBuf>,
    /// Corpus folders and files in the dataset browser.
    pub corpora: Vec<PathBuf>,
    /// Training panel settings.
    pub training: super::training_panel::TrainingSettings,
    /// Show the dataset browser.
    pub show_dataset: bool,
    /// Show the frame-time overlay.
    pub show_frame_time: bool,
    /// The first start's welcome was dismissed: it is not shown again.
    pub welcome_dismissed: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            sampler: SamplerSettings::default(),
            transport: TransportSettings::default(),
            midi: MidiSettings::default(),
            roll: RollView::default(),
            recent_files: Vec::new(),
            export_dir: None,
            model_dir: None,
            corpora: Vec::new(),
            training: super::training_panel::TrainingSettings::default(),
            show_dataset: true,
            show_frame_time: false,
            welcome_dismissed: false,
        }
    }
}

impl Settings {
    /// Puts `path` first in the recent files (at most 10).
    pub fn add_recent(&mut self, path: PathBuf) {
        self.recent_files.retain(|p| p != &path);
        self.recent_files.insert(0, path);
        self.recent_files.truncate(10);
    }
}

/// Key for the settings in eframe's storage.
pub const SETTINGS_KEY: &str = "lstmuse-settings";

/// eframe's settings file, `app.ron` in the folder eframe keeps for the app `app_id`
/// (`~/.local/share/lstmuse/app.ron` on Linux).
pub fn settings_file(app_id: &str) -> Option<PathBuf> {
    eframe::storage_dir(app_id).map(|d| d.join("app.ron"))
}

/// When the settings file at `path` cannot be read (it is not eframe's RON map, or our
/// settings in it do not parse), renames it to `app.ron.bad-<date>`, so the evidence is
/// kept and eframe starts from defaults rather than overwriting it, and returns what to
/// tell the user. `None` when the file reads, or there is none.
pub fn set_aside_if_unreadable(path: &Path) -> Option<String> {
    let why = match std::fs::read(path) {
        Ok(bytes) => unreadable_because(&bytes)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => e.to_string(),
    };
    let stamp = crate::fsutil::now_rfc3339().replace(':', "-");
    let name = path
        .file_name()
        .map_or_else(|| "app.ron".into(), |n| n.to_string_lossy().into_owned());
    let aside = path.with_file_name(format!("{name}.bad-{stamp}"));
    Some(match std::fs::rename(path, &aside) {
        Ok(()) => format!(
            "The settings file could not be read ({why}); it was kept as {} and LSTMuse \
             started with default settings",
            aside.display()
        ),
        Err(e) => format!(
            "The settings file {} could not be read ({why}) nor set aside ({e}); LSTMuse \
             started with default settings",
            path.display()
        ),
    })
}

/// Why the bytes of a settings file are unreadable, or `None` when they read.
fn unreadable_because(bytes: &[u8]) -> Option<String> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Some(format!("not text: {e}")),
    };
    let map: std::collections::HashMap<String, String> = match ron::from_str(text) {
        Ok(m) => m,
        Err(e) => return Some(format!("not RON: {e}")),
    };
    let ours = map.get(SETTINGS_KEY)?;
    ron::from_str::<Settings>(ours)
        .err()
        .map(|e| format!("the LSTMuse settings in it: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_settings_file_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.ron");
        assert_eq!(set_aside_if_unreadable(&path), None, "no file");
        let good = ron::to_string(&Settings::default()).unwrap();
        let map = std::collections::HashMap::from([(SETTINGS_KEY.to_string(), good)]);
        std::fs::write(&path, ron::to_string(&map).unwrap()).unwrap();
        assert_eq!(set_aside_if_unreadable(&path), None, "a good file");
        for bad in [
            &b"{\"lstmuse-settings\": \"(sampler: (temperature: 1.0"[..],
            b"\xff\xfe garbage",
            b"{\"lstmuse-settings\": \"(sampler: (bars: \\\"eight\\\"))\"}",
        ] {
            std::fs::write(&path, bad).unwrap();
            let message = set_aside_if_unreadable(&path).unwrap();
            assert!(!path.exists());
            let kept: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.to_string_lossy().contains("app.ron.bad-"))
                .collect();
            assert_eq!(kept.len(), 1, "{message}");
            assert!(
                message.contains(&kept[0].display().to_string()),
                "{message}"
            );
            assert_eq!(std::fs::read(&kept[0]).unwrap(), bad);
            std::fs::remove_file(&kept[0]).unwrap();
        }
    }

    #[test]
    fn settings_survive_a_round_trip_and_old_files() {
        let mut s = Settings::default();
        s.sampler.temperature = 1.3;
        s.sampler.seed = 99;
        s.transport.voice = Voice::Pluck;
        s.transport.bpm = 72.0;
        s.transport.soundfont = SoundFontSettings {
            path: Some(PathBuf::from("/usr/share/sounds/sf2/TimGM6mb.sf2")),
            program: GmProgram::new(40).unwrap(),
            active: true,
        };
        s.midi.input_port = Some("Keystation 49 MIDI 1".into());
        s.midi.output = OutputChoice::Virtual;
        s.add_recent(PathBuf::from("songs/a.krn"));
        s.add_recent(PathBuf::from("songs/b.mid"));
        s.add_recent(PathBuf::from("songs/a.krn"));
        s.welcome_dismissed = true;
        assert_eq!(s.recent_files[0], PathBuf::from("songs/a.krn"));
        assert_eq!(s.recent_files.len(), 2);
        let text = serde_json::to_string(&s).unwrap();
        let back: Settings = serde_json::from_str(&text).unwrap();
        assert_eq!(back.sampler, s.sampler);
        assert_eq!(back.transport, s.transport);
        assert_eq!(back.midi, s.midi);
        assert_eq!(back.recent_files, s.recent_files);
        assert!(
            back.welcome_dismissed,
            "a dismissed welcome stays dismissed"
        );
        // A settings file from an older version (missing fields, unknown ones) still loads.
        let old: Settings =
            serde_json::from_str(r#"{"sampler":{"temperature":0.5},"gone":1}"#).unwrap();
        assert_eq!(old.sampler.temperature, 0.5);
        assert_eq!(old.sampler.variations, 4);
        assert!(old.show_dataset);
        assert!(!old.welcome_dismissed);
        assert_eq!(old.transport.soundfont, SoundFontSettings::default());
        // A program out of range in a hand-edited file is clamped, not a lost file.
        let edited: Settings =
            serde_json::from_str(r#"{"transport":{"soundfont":{"program":300}}}"#).unwrap();
        assert_eq!(edited.transport.soundfont.program.number(), 127);
    }
}

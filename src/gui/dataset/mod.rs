//! The dataset browser: corpora, a sortable and searchable table of tunes with the reason a
//! tune is excluded, per-file errors, statistics plots, and a preview roll.

use super::document::{Document, Origin};
use super::error::GuiError;
use super::jobs::Jobs;
use super::piano_roll::{PianoRoll, RollView};
use crate::corpus;
use crate::corpus::folder::EncodedSong;
use crate::corpus::preprocess::{Exclusion, PreprocessConfig};
use crate::music::{Key, Melody, Meter};
use eframe::egui::{self, Color32, RichText, Sense};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Bar, BarChart, Plot};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod loading;
mod order;
mod stats;
mod table;

pub use loading::{DatasetMsg, DatasetOutcome};
pub use stats::DatasetStats;

/// What the table order was computed for: search text, sort, row count.
type OrderKey = (String, Option<(SortBy, bool)>, usize);

/// A tune dragged from the table (its row index).
#[derive(Clone, Copy, Debug)]
pub struct TunePayload(pub usize);

/// One tune in the table.
#[derive(Clone, Debug)]
pub struct TuneRow {
    /// The corpus it belongs to.
    pub corpus: PathBuf,
    /// Title (or the file name).
    pub title: String,
    /// File (relative to the corpus) and tune number.
    pub file: String,
    /// The key (written, else estimated from the notes); `None` without notes.
    pub key: Option<Key>,
    /// The meter; `None` for free meter.
    pub meter: Option<Meter>,
    /// Length in bars.
    pub bars: f32,
    /// Why the preprocessing leaves it out, if it does.
    pub excluded: Option<Exclusion>,
    /// The melody.
    pub melody: Arc<Melody>,
    /// The song as training reads it, if it is included.
    pub song: Option<Arc<EncodedSong>>,
}

impl TuneRow {
    /// The key as the table shows it ("?" when unknown).
    pub fn key_text(&self) -> String {
        self.key.map_or_else(|| "?".into(), |k| k.to_string())
    }

    /// The meter as the table shows it ("?" for free meter).
    pub fn meter_text(&self) -> String {
        self.meter.map_or_else(|| "?".into(), |m| m.to_string())
    }
}

/// A corpus in the list.
#[derive(Clone, Debug)]
pub struct CorpusEntry {
    /// Folder or file.
    pub path: PathBuf,
    /// Still loading.
    pub loading: bool,
    /// Files found.
    pub files: usize,
    /// Tunes found.
    pub tunes: usize,
    /// Tunes that failed to load.
    pub failed: usize,
    /// While loading: files found and read so far.
    pub progress: Arc<corpus::LoadProgress>,
}

impl CorpusEntry {
    /// While loading, `(files read, files found)`; found is 0 while the folder is listed.
    pub fn load_progress(&self) -> Option<(usize, usize)> {
        use std::sync::atomic::Ordering::Relaxed;
        self.loading.then(|| {
            (
                self.progress.read.load(Relaxed),
                self.progress.found.load(Relaxed),
            )
        })
    }
}

/// Columns the table sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    /// Title.
    Title,
    /// File.
    File,
    /// Key.
    Key,
    /// Meter.
    Meter,
    /// Bars.
    Bars,
    /// Status (excluded reason).
    Status,
}

/// What the browser asks the app to do.
pub enum DatasetAction {
    /// Open the add-corpus dialog.
    AddCorpus,
    /// Forget a corpus.
    Remove(PathBuf),
    /// Download the Essen collection.
    Fetch,
    /// Make a tune the seed.
    UseAsSeed(usize),
    /// Play a tune.
    Play(usize),
    /// A tune was selected: play it if there is a sound device.
    Preview(usize),
    /// Stop playback.
    Stop,
    /// Build a training set from these rows.
    TrainOn(Vec<usize>),
}

/// The browser's state.
#[derive(Default)]
pub struct DatasetBrowser {
    /// Corpora shown.
    pub corpora: Vec<CorpusEntry>,
    /// All tunes of all corpora.
    pub rows: Vec<TuneRow>,
    /// Load errors, each with the corpus it came from (the message names file and line).
    pub errors: Vec<(PathBuf, String)>,
    /// Search text (title or file).
    pub search: String,
    /// Sort column and direction.
    pub sort: Option<(SortBy, bool)>,
    /// Selected rows.
    pub selected: BTreeSet<usize>,
    /// Statistics of included tunes.
    pub stats: DatasetStats,
    /// Fetch progress text, while fetching.
    pub fetching: Option<String>,
    /// Where the panel was drawn (files dropped there are added as corpora).
    pub panel_rect: Option<egui::Rect>,
    preview_view: RollView,
    preview_doc: Option<(usize, Document)>,
    order: Vec<usize>,
    order_key: Option<OrderKey>,
}

impl DatasetBrowser {
    /// Forgets a corpus and its tunes.
    pub fn remove(&mut self, path: &Path) {
        self.corpora.retain(|c| c.path != path);
        self.rows.retain(|r| r.corpus != path);
        self.errors.retain(|(p, _)| p != path);
        self.selected.clear();
        self.preview_doc = None;
        self.order_key = None;
        self.refresh_stats();
    }

    /// A copy of a row's melody.
    pub fn melody(&self, row: usize) -> Option<Melody> {
        self.rows.get(row).map(|r| (*r.melody).clone())
    }

    /// Rows that pass the search, in display order.
    pub fn visible_rows(&mut self) -> &[usize] {
        let key = (self.search.clone(), self.sort, self.rows.len());
        if self.order_key.as_ref() != Some(&key) {
            let needle = self.search.to_lowercase();
            let mut order: Vec<usize> = (0..self.rows.len())
                .filter(|&i| {
                    let r = &self.rows[i];
                    needle.is_empty()
                        || r.title.to_lowercase().contains(&needle)
                        || r.file.to_lowercase().contains(&needle)
                })
                .collect();
            if let Some((by, ascending)) = self.sort {
                let rows = &self.rows;
                order.sort_by(|&a, &b| {
                    let o = order::compare(&rows[a], &rows[b], by);
                    if ascending { o } else { o.reverse() }
                });
            }
            self.order = order;
            self.order_key = Some(key);
        }
        &self.order
    }

    /// The included tunes' symbols among `rows` (all included tunes when empty).
    pub fn training_songs(&self, rows: &[usize]) -> Vec<EncodedSong> {
        let pick: Box<dyn Iterator<Item = &TuneRow>> = if rows.is_empty() {
            Box::new(self.rows.iter())
        } else {
            Box::new(rows.iter().filter_map(|&i| self.rows.get(i)))
        };
        pick.filter_map(|r| r.song.as_deref().cloned()).collect()
    }

    /// Draws the browser; returns what the user asked for.
    pub fn show(&mut self, ui: &mut egui::Ui) -> Vec<DatasetAction> {
        let mut actions = Vec::new();
        ui.heading("Dataset");
        self.sources_ui(ui, &mut actions);
        let included = self.rows.iter().filter(|r| r.excluded.is_none()).count();
        ui.label(format!(
            "{} tunes ({included} usable for training)",
            self.rows.len()
        ));
        ui.horizontal(|ui| {
            ui.label("Search");
            let r = ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text("title or file")
                    .desired_width(f32::INFINITY),
            );
            r.accessible_name("Search tunes");
        });
        let visible = self.visible_rows().len();
        if !self.search.is_empty() {
            ui.small(format!("{visible} shown"));
        }
        self.table(ui, &mut actions);
        // Below the table: the selected tune, errors and plots, scrolling together.
        egui::ScrollArea::vertical()
            .id_salt("dataset-lower")
            .show(ui, |ui| {
                self.selection_bar(ui, &mut actions);
                self.errors_ui(ui);
                if !self.rows.is_empty() {
                    egui::CollapsingHeader::new("Statistics")
                        .id_salt("dataset-stats")
                        .show(ui, |ui| self.plots(ui));
                }
            });
        actions
    }

    /// Add folder, fetch Essen (with its progress), and the corpora with their counts.
    fn sources_ui(&self, ui: &mut egui::Ui, actions: &mut Vec<DatasetAction>) {
        ui.horizontal(|ui| {
            if ui
                .button("Add folder…")
                .on_hover_text("Add a folder of .krn, .abc, .mid or .musicxml files (or drop one here)")
                .clicked()
            {
                actions.push(DatasetAction::AddCorpus);
            }
            let fetch = ui
                .add_enabled(
                    self.fetching.is_none(),
                    egui::Button::new("Get the Essen Folksong Collection"),
                )
                .on_hover_text("Downloads music21 from PyPI with pip and keeps only its Essen ABC files (about 20 MB)");
            if fetch.clicked() {
                actions.push(DatasetAction::Fetch);
            }
        });
        if let Some(p) = &self.fetching {
            ui.horizontal(|ui| {
                ui.add(
                    egui::ProgressBar::new(0.5)
                        .animate(true)
                        .desired_width(60.0),
                );
                ui.label(p);
            });
        }
        for c in &self.corpora {
            ui.horizontal(|ui| {
                if let Some((read, found)) = c.load_progress() {
                    progress_ui(ui, read, found);
                }
                let name = c.path.file_name().map_or_else(
                    || c.path.display().to_string(),
                    |n| n.to_string_lossy().into(),
                );
                ui.label(RichText::new(name).strong())
                    .on_hover_text(c.path.display().to_string());
                if !c.loading {
                    ui.small(format!(
                        "{} files, {} tunes, {} failed",
                        c.files, c.tunes, c.failed
                    ));
                }
                if ui
                    .small_button("Remove")
                    .on_hover_text("Remove from the list")
                    .clicked()
                {
                    actions.push(DatasetAction::Remove(c.path.clone()));
                }
            });
        }
    }

    /// True while a corpus is loading (the panel redraws to show its progress).
    pub fn is_loading(&self) -> bool {
        self.corpora.iter().any(|c| c.loading)
    }

    /// The load errors, folded away.
    fn errors_ui(&self, ui: &mut egui::Ui) {
        if self.errors.is_empty() {
            return;
        }
        egui::CollapsingHeader::new(format!("Load errors ({})", self.errors.len()))
            .id_salt("load-errors")
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("errors-scroll")
                    .max_height(120.0)
                    .show(ui, |ui| {
                        for (_, e) in &self.errors {
                            ui.label(RichText::new(e).small().color(ui.visuals().error_fg_color));
                        }
                    });
            });
    }
}

/// A loading corpus: a bar with files read of files found (a spinner while listing).
fn progress_ui(ui: &mut egui::Ui, read: usize, found: usize) {
    if found == 0 {
        ui.spinner();
        ui.small("listing files…");
        return;
    }
    let done = read as f32 / found as f32;
    ui.add(
        egui::ProgressBar::new(done)
            .desired_width(80.0)
            .text(format!("{read} of {found} files")),
    );
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(100));
}

//! The dataset browser: corpora, a sortable and searchable table of tunes with the reason a
//! tune is excluded, per-file errors, statistics plots, and a preview roll.

use super::document::{Document, Origin};
use super::jobs::{Jobs, Msg, done};
use super::piano_roll::{PianoRoll, RollView};
use crate::corpus;
use crate::encoding::Symbol;
use crate::music::Melody;
use crate::preprocess::{self, PreprocessConfig};
use eframe::egui::{self, Color32, RichText, Sense};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Bar, BarChart, Plot};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// Key name.
    pub key: String,
    /// Meter.
    pub meter: String,
    /// Length in bars.
    pub bars: f32,
    /// Why the preprocessing leaves it out, if it does.
    pub excluded: Option<String>,
    /// The melody.
    pub melody: Arc<Melody>,
    /// Its training symbols, if it is included.
    pub symbols: Option<Arc<Vec<Symbol>>>,
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

/// Statistics of the included tunes.
#[derive(Clone, Debug, Default)]
pub struct DatasetStats {
    /// Notes per MIDI pitch.
    pub pitches: BTreeMap<u8, usize>,
    /// Notes per length in 16ths.
    pub lengths: BTreeMap<u32, usize>,
    /// Tunes per key.
    pub keys: BTreeMap<String, usize>,
    /// Tunes per length in bars (rounded).
    pub bars: BTreeMap<u32, usize>,
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
    /// Starts loading a corpus folder or file in the background.
    pub fn load(&mut self, jobs: &mut Jobs, path: PathBuf) {
        if self.corpora.iter().any(|c| c.path == path) {
            self.remove(&path);
        }
        self.corpora.push(CorpusEntry {
            path: path.clone(),
            loading: true,
            files: 0,
            tunes: 0,
            failed: 0,
        });
        jobs.spawn("corpus", move || {
            let loaded = load_rows(&path);
            done(move |app| app.dataset.loaded(&path, loaded))
        });
    }

    fn loaded(&mut self, path: &Path, loaded: Result<Loaded, String>) {
        let Some(entry) = self.corpora.iter_mut().find(|c| c.path == path) else {
            return;
        };
        entry.loading = false;
        match loaded {
            Ok(l) => {
                entry.files = l.files;
                entry.tunes = l.rows.len() + l.errors.len();
                entry.failed = l.errors.len();
                self.rows.extend(l.rows);
                self.errors
                    .extend(l.errors.into_iter().map(|e| (path.to_path_buf(), e)));
            }
            Err(e) => {
                entry.failed = 1;
                self.errors.push((path.to_path_buf(), e));
            }
        }
        self.refresh_stats();
    }

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
                    let (a, b) = (&rows[a], &rows[b]);
                    let o = match by {
                        SortBy::Title => a.title.cmp(&b.title),
                        SortBy::File => a.file.cmp(&b.file),
                        SortBy::Key => a.key.cmp(&b.key),
                        SortBy::Meter => a.meter.cmp(&b.meter),
                        SortBy::Bars => a.bars.total_cmp(&b.bars),
                        SortBy::Status => a.excluded.cmp(&b.excluded),
                    };
                    if ascending { o } else { o.reverse() }
                });
            }
            self.order = order;
            self.order_key = Some(key);
        }
        &self.order
    }

    /// The included tunes' symbols among `rows` (all included tunes when empty).
    pub fn training_songs(&self, rows: &[usize]) -> Vec<Vec<Symbol>> {
        let pick: Box<dyn Iterator<Item = &TuneRow>> = if rows.is_empty() {
            Box::new(self.rows.iter())
        } else {
            Box::new(rows.iter().filter_map(|&i| self.rows.get(i)))
        };
        pick.filter_map(|r| r.symbols.as_ref().map(|s| (**s).clone()))
            .collect()
    }

    fn refresh_stats(&mut self) {
        let mut s = DatasetStats::default();
        for r in self.rows.iter().filter(|r| r.excluded.is_none()) {
            *s.keys.entry(r.key.clone()).or_default() += 1;
            *s.bars.entry(r.bars.round() as u32).or_default() += 1;
            for n in &r.melody.notes {
                if let Some(p) = n.pitch {
                    *s.pitches.entry(p.midi()).or_default() += 1;
                    let steps = (n.duration.to_f64() * 4.0).round() as u32;
                    *s.lengths.entry(steps).or_default() += 1;
                }
            }
        }
        self.stats = s;
    }

    /// Starts downloading the Essen collection (music21's ABC files) with pip.
    pub fn fetch(&mut self, jobs: &mut Jobs) {
        let Some(dir) = crate::fetch::default_corpus_dir().map(|d| d.join("essen")) else {
            self.errors.push((
                PathBuf::new(),
                "no data folder for the Essen collection on this system".into(),
            ));
            return;
        };
        self.fetching = Some("starting pip…".into());
        let (tx, ctx) = jobs.sender();
        jobs.spawn("fetch", move || {
            let mut progress = |text: &str| {
                let t = text.to_string();
                let _ = tx.send(Msg::Apply(Box::new(move |app| {
                    app.dataset.fetching = Some(t);
                })));
                ctx.request_repaint();
            };
            let result = crate::fetch::fetch_essen(&dir, &mut progress);
            done(move |app| {
                app.dataset.fetching = None;
                match result {
                    Ok(r) => {
                        app.info(format!(
                            "Fetched the Essen collection: {} files, {} tunes",
                            r.files, r.tunes
                        ));
                        app.add_corpus(dir);
                    }
                    Err(e) => {
                        let mut msg = format!("Could not fetch the Essen collection: {e}");
                        if msg.contains("pip") {
                            msg.push_str(
                                ". Install pip first (Debian/Ubuntu: sudo apt install python3-pip), then try again.",
                            );
                        }
                        app.dataset.errors.push((PathBuf::new(), msg.clone()));
                        app.error(msg);
                    }
                }
            })
        });
    }

    /// Draws the browser; returns what the user asked for.
    pub fn show(&mut self, ui: &mut egui::Ui) -> Vec<DatasetAction> {
        let mut actions = Vec::new();
        ui.heading("Dataset");
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
                if c.loading {
                    ui.spinner();
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
                if !self.errors.is_empty() {
                    egui::CollapsingHeader::new(format!("Load errors ({})", self.errors.len()))
                        .id_salt("load-errors")
                        .show(ui, |ui| {
                            egui::ScrollArea::vertical()
                                .id_salt("errors-scroll")
                                .max_height(120.0)
                                .show(ui, |ui| {
                                    for (_, e) in &self.errors {
                                        ui.label(
                                            RichText::new(e)
                                                .small()
                                                .color(ui.visuals().error_fg_color),
                                        );
                                    }
                                });
                        });
                }
                if !self.rows.is_empty() {
                    egui::CollapsingHeader::new("Statistics")
                        .id_salt("dataset-stats")
                        .show(ui, |ui| self.plots(ui));
                }
            });
        actions
    }

    fn table(&mut self, ui: &mut egui::Ui, actions: &mut Vec<DatasetAction>) {
        let order = self.visible_rows().to_vec();
        let mut clicked: Option<(usize, bool)> = None;
        let mut header_click: Option<SortBy> = None;
        let height = (ui.available_height() * 0.45).clamp(120.0, 420.0);
        egui::ScrollArea::horizontal()
            .id_salt("tune-table-h")
            .show(ui, |ui| {
                // Rows are dragged onto the roll: their text must not start a text selection.
                ui.style_mut().interaction.selectable_labels = false;
                TableBuilder::new(ui)
                    .id_salt("tune-table")
                    .striped(true)
                    .sense(Sense::click_and_drag())
                    .max_scroll_height(height)
                    .min_scrolled_height(height)
                    .column(
                        Column::initial(150.0)
                            .at_least(60.0)
                            .clip(true)
                            .resizable(true),
                    )
                    .column(Column::initial(110.0).clip(true).resizable(true))
                    .column(Column::initial(70.0).clip(true))
                    .column(Column::initial(40.0))
                    .column(Column::initial(36.0))
                    .column(Column::remainder().at_least(120.0).clip(true))
                    .header(20.0, |mut header| {
                        for (by, name) in [
                            (SortBy::Title, "Title"),
                            (SortBy::File, "Source file"),
                            (SortBy::Key, "Key"),
                            (SortBy::Meter, "Meter"),
                            (SortBy::Bars, "Bars"),
                            (SortBy::Status, "Excluded because"),
                        ] {
                            header.col(|ui| {
                                let arrow = match self.sort {
                                    Some((b, true)) if b == by => " ⬆",
                                    Some((b, false)) if b == by => " ⬇",
                                    _ => "",
                                };
                                if ui
                                    .add(
                                        egui::Button::new(
                                            RichText::new(format!("{name}{arrow}")).strong(),
                                        )
                                        .frame(false),
                                    )
                                    .on_hover_text("Sort")
                                    .clicked()
                                {
                                    header_click = Some(by);
                                }
                            });
                        }
                    })
                    .body(|body| {
                        body.rows(18.0, order.len(), |mut row| {
                            let i = order[row.index()];
                            let r = &self.rows[i];
                            row.set_selected(self.selected.contains(&i));
                            row.col(|ui| {
                                ui.label(&r.title);
                            });
                            row.col(|ui| {
                                ui.label(&r.file);
                            });
                            row.col(|ui| {
                                ui.label(&r.key);
                            });
                            row.col(|ui| {
                                ui.label(&r.meter);
                            });
                            row.col(|ui| {
                                ui.label(format!("{:.0}", r.bars));
                            });
                            row.col(|ui| match &r.excluded {
                                Some(why) => {
                                    ui.label(
                                        RichText::new(why).color(Color32::from_rgb(230, 150, 90)),
                                    );
                                }
                                None => {
                                    ui.label("");
                                }
                            });
                            let resp = row.response();
                            if resp.drag_started() {
                                resp.dnd_set_drag_payload(TunePayload(i));
                            }
                            if resp.clicked() {
                                let multi = resp
                                    .ctx
                                    .input(|inp| inp.modifiers.command || inp.modifiers.shift);
                                clicked = Some((i, multi));
                            }
                            if resp.double_clicked() {
                                actions.push(DatasetAction::UseAsSeed(i));
                            }
                        });
                    });
            });
        if let Some(by) = header_click {
            self.sort = match self.sort {
                Some((b, asc)) if b == by => Some((by, !asc)),
                _ => Some((by, true)),
            };
        }
        if let Some((i, multi)) = clicked {
            if multi {
                if !self.selected.remove(&i) {
                    self.selected.insert(i);
                }
            } else {
                self.selected.clear();
                self.selected.insert(i);
                actions.push(DatasetAction::Preview(i));
            }
        }
    }

    fn selection_bar(&mut self, ui: &mut egui::Ui, actions: &mut Vec<DatasetAction>) {
        let first = self.selected.iter().next().copied();
        if let Some(i) = first {
            if self.preview_doc.as_ref().map(|p| p.0) != Some(i)
                && let Some(r) = self.rows.get(i)
            {
                let (doc, _) = Document::from_melody(&r.melody, Origin::Seed);
                self.preview_view.request_fit();
                self.preview_doc = Some((i, doc));
            }
        } else {
            self.preview_doc = None;
        }
        let n = self.selected.len();
        ui.horizontal_wrapped(|ui| {
            if let Some(i) = first {
                if ui.button("Play tune").clicked() {
                    actions.push(DatasetAction::Play(i));
                }
                if ui.button("Stop").on_hover_text("Stop playback").clicked() {
                    actions.push(DatasetAction::Stop);
                }
                if ui
                    .button("Use as seed")
                    .on_hover_text("Or drag the row onto the piano roll")
                    .clicked()
                {
                    actions.push(DatasetAction::UseAsSeed(i));
                }
            }
            let label = if n > 1 {
                format!("Train on these {n}")
            } else {
                "Train on all".to_string()
            };
            if ui
                .add_enabled(!self.rows.is_empty(), egui::Button::new(label))
                .on_hover_text("Build a training set and open the Training tab")
                .clicked()
            {
                let rows = if n > 1 {
                    self.selected.iter().copied().collect()
                } else {
                    Vec::new()
                };
                actions.push(DatasetAction::TrainOn(rows));
            }
        });
        if let Some((_, doc)) = &self.preview_doc {
            PianoRoll::new(doc, &mut self.preview_view)
                .height(130.0)
                .label("Tune preview")
                .show(ui);
        }
    }

    fn plots(&self, ui: &mut egui::Ui) {
        let s = &self.stats;
        let chart = |ui: &mut egui::Ui,
                     id: &str,
                     title: &str,
                     bars: Vec<Bar>,
                     colour: Color32,
                     x_label: &dyn Fn(f64) -> String| {
            ui.label(title);
            Plot::new(id)
                .height(90.0)
                .allow_scroll(false)
                .allow_zoom(false)
                .allow_drag(false)
                .show_x(true)
                .x_axis_formatter(|m, _| {
                    if m.value.fract() == 0.0 {
                        x_label(m.value)
                    } else {
                        String::new()
                    }
                })
                .show(ui, |p| {
                    p.bar_chart(BarChart::new(title, bars).color(colour))
                });
        };
        let number = |v: f64| format!("{v}");
        let pitch_bars = s
            .pitches
            .iter()
            .map(|(&p, &c)| Bar::new(f64::from(p), c as f64).width(0.8))
            .collect();
        chart(
            ui,
            "stats-pitch",
            "Pitches (MIDI)",
            pitch_bars,
            Color32::from_rgb(48, 170, 205),
            &|v| {
                crate::music::Pitch::from_midi(v as i32).map_or_else(String::new, |p| p.to_string())
            },
        );
        let length_bars = s
            .lengths
            .iter()
            .map(|(&l, &c)| Bar::new(f64::from(l), c as f64).width(0.8))
            .collect();
        chart(
            ui,
            "stats-length",
            "Note lengths (16ths)",
            length_bars,
            Color32::from_rgb(232, 160, 48),
            &number,
        );
        let mut keys: Vec<(&String, &usize)> = s.keys.iter().collect();
        keys.sort_by(|a, b| b.1.cmp(a.1));
        let key_bars = keys
            .iter()
            .enumerate()
            .map(|(i, (k, c))| Bar::new(i as f64, **c as f64).width(0.8).name(k))
            .collect();
        // Short names under the bars: F (major), g (minor).
        let names: Vec<String> = keys
            .iter()
            .map(|(k, _)| {
                let mut words = k.split_whitespace();
                let tonic = words.next().unwrap_or("?");
                if words
                    .next()
                    .is_some_and(|m| m.eq_ignore_ascii_case("minor"))
                {
                    tonic.to_lowercase()
                } else {
                    tonic.to_string()
                }
            })
            .collect();
        chart(
            ui,
            "stats-keys",
            "Keys (major upper case, minor lower case)",
            key_bars,
            Color32::from_rgb(150, 112, 222),
            &|v| names.get(v as usize).cloned().unwrap_or_default(),
        );
        let bar_bars = s
            .bars
            .iter()
            .map(|(&b, &c)| Bar::new(f64::from(b), c as f64).width(0.8))
            .collect();
        chart(
            ui,
            "stats-bars",
            "Song lengths (bars)",
            bar_bars,
            Color32::from_rgb(120, 200, 120),
            &number,
        );
    }
}

struct Loaded {
    files: usize,
    rows: Vec<TuneRow>,
    errors: Vec<String>,
}

fn load_rows(path: &Path) -> Result<Loaded, String> {
    let c = corpus::load(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let config = PreprocessConfig::default();
    let rows = c
        .melodies
        .into_iter()
        .map(|m| {
            let file_path = m.source.path.clone().unwrap_or_default();
            let rel = file_path.strip_prefix(path).unwrap_or(&file_path);
            let mut file = if rel.as_os_str().is_empty() {
                file_path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into())
            } else {
                rel.display().to_string()
            };
            if let Some(t) = m.source.tune {
                file.push_str(&format!(" #{t}"));
            }
            let title = m
                .title
                .clone()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| file.clone());
            let key = m
                .key_or_estimate()
                .map_or_else(|| "?".into(), |k| k.to_string());
            let meter = m.meter.map_or_else(|| "?".into(), |x| x.to_string());
            let bar = m.meter.unwrap_or_default().bar_length().to_f64();
            let bars = (m.duration().to_f64() / bar.max(0.25)) as f32;
            let (excluded, symbols) = match preprocess::prepare(&m, &config) {
                Ok(s) => (None, Some(Arc::new(s))),
                Err(e) => (Some(e.to_string()), None),
            };
            TuneRow {
                corpus: path.to_path_buf(),
                title,
                file,
                key,
                meter,
                bars,
                excluded,
                melody: Arc::new(m),
                symbols,
            }
        })
        .collect();
    Ok(Loaded {
        files: c.files,
        rows,
        errors: c.errors.iter().map(ToString::to_string).collect(),
    })
}

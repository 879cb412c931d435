//! Drawing the training panel: settings, the model list, progress and the live loss plot.

use super::{
    BackendChoice, Color32, DatasetBrowser, Legend, Line, Plot, PlotPoints, RichText, RunFigures,
    TrainingAction, TrainingPanel, TrainingSettings, VLine, egui,
};

impl TrainingPanel {
    /// Draws the panel.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        settings: &mut TrainingSettings,
        dataset: &DatasetBrowser,
    ) -> Vec<TrainingAction> {
        let mut actions = Vec::new();
        egui::Panel::left("training-settings")
            .resizable(false)
            .default_size(260.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("train-settings")
                    .show(ui, |ui| {
                        self.settings_ui(ui, settings, dataset, &mut actions);
                        ui.separator();
                        self.models_ui(ui, &mut actions);
                    });
            });
        egui::CentralPanel::default().show(ui, |ui| self.progress_ui(ui, settings, &mut actions));
        actions
    }

    pub(super) fn settings_ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &mut TrainingSettings,
        dataset: &DatasetBrowser,
        actions: &mut Vec<TrainingAction>,
    ) {
        ui.heading("Train a model");
        let set = match &self.training_set {
            Some((name, songs)) => format!("Training set: {name} ({} songs)", songs.len()),
            None => format!(
                "Training set: every usable tune in the dataset ({})",
                dataset.rows.iter().filter(|r| r.excluded.is_none()).count()
            ),
        };
        ui.label(set);
        if self.training_set.is_some() && ui.small_button("Use every usable tune").clicked() {
            self.training_set = None;
        }
        let running = self.running;
        ui.add_enabled_ui(!running, |ui| {
            egui::Grid::new("train-grid")
                .num_columns(2)
                .show(ui, |ui| hyperparameters_ui(ui, s));
        });
        run_buttons_ui(ui, running, actions);
    }

    pub(super) fn models_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<TrainingAction>) {
        ui.horizontal(|ui| {
            ui.heading("Models");
            if ui
                .small_button("Refresh")
                .on_hover_text("Refresh")
                .clicked()
            {
                actions.push(TrainingAction::Refresh);
            }
        });
        for (dir, holder) in &self.being_written {
            let name = dir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            ui.small(format!("{name}: being written by {holder}"))
                .on_hover_text(dir.display().to_string());
        }
        for m in &self.models {
            let name = m
                .dir
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(&name).strong())
                    .on_hover_text(m.dir.display().to_string());
                if let Some(c) = &m.card {
                    ui.small(format!(
                        "{} · {} songs · {} epochs (best {}) · valid {:.3}",
                        c.corpus, c.train_songs, c.epochs, c.best_epoch, c.valid_loss
                    ));
                    for h in &c.held_out {
                        ui.small(format!(
                            "held-out {}: {:.3} nats/step",
                            h.corpus, h.nll_per_step
                        ));
                    }
                }
                if ui.button(format!("Use {name}")).clicked() {
                    actions.push(TrainingAction::UseModel(m.dir.clone()));
                }
            });
        }
    }

    pub(super) fn progress_ui(
        &mut self,
        ui: &mut egui::Ui,
        s: &mut TrainingSettings,
        actions: &mut Vec<TrainingAction>,
    ) {
        let f = &self.figures;
        ui.horizontal(|ui| {
            if self.running {
                ui.spinner();
            }
            if f.epochs > 0 {
                ui.label(format!("Epoch {} of {}", f.epoch, f.epochs));
                ui.add(
                    egui::ProgressBar::new(f.epoch_progress)
                        .desired_width(160.0)
                        .show_percentage(),
                );
                ui.label(format!("{:.0} steps/s", f.steps_per_sec));
                if self.running {
                    ui.label(format!("ETA {}", fmt_secs(f.eta_secs)));
                }
                if let Some(a) = f.accuracy {
                    ui.label(format!("accuracy {:.1}%", a * 100.0));
                }
                if let Some(b) = f.best_epoch {
                    ui.label(format!("best epoch {b}"));
                }
            } else {
                ui.label("Choose a training set in the dataset browser (or train on every usable tune), then Start.");
            }
            ui.checkbox(&mut s.log_scale, "Log scale");
        });
        if !f.backend.is_empty() {
            ui.small(format!(
                "{} training songs, {} validation songs, on {}",
                f.songs.0, f.songs.1, f.backend
            ));
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if let Some((dir, stopped)) = self.finished.clone() {
            ui.horizontal(|ui| {
                ui.label(if stopped {
                    "Stopped. The best epoch so far is saved."
                } else {
                    "Finished."
                });
                if ui.button("Use this model").clicked() {
                    actions.push(TrainingAction::UseModel(dir.clone()));
                }
                if ui.button("Use it and generate samples").clicked() {
                    actions.push(TrainingAction::Samples(dir.clone()));
                }
            });
        }
        loss_plot_ui(ui, f, s.log_scale);
    }
}

fn fmt_secs(s: f64) -> String {
    let s = s.max(0.0) as u64;
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}m {:02}s", s / 60, s % 60)
    }
}

/// The hyperparameters, one grid row each.
fn hyperparameters_ui(ui: &mut egui::Ui, s: &mut TrainingSettings) {
    ui.label("Model name");
    ui.text_edit_singleline(&mut s.model_name)
        .accessible_name("Model name");
    ui.end_row();
    ui.label("Epochs");
    ui.add(egui::DragValue::new(&mut s.epochs).range(1..=500))
        .accessible_name("Epochs");
    ui.end_row();
    ui.label("Batch size");
    ui.add(egui::DragValue::new(&mut s.batch_size).range(1..=1024))
        .accessible_name("Batch size");
    ui.end_row();
    ui.label("Sequence length");
    ui.add(egui::DragValue::new(&mut s.seq_len).range(4..=1024))
        .accessible_name("Sequence length");
    ui.end_row();
    ui.label("Hidden units");
    ui.add(egui::DragValue::new(&mut s.hidden).range(4..=2048))
        .accessible_name("Hidden units");
    ui.end_row();
    ui.label("Layers");
    ui.add(egui::DragValue::new(&mut s.layers).range(1..=4))
        .accessible_name("Layers");
    ui.end_row();
    ui.label("Dropout");
    ui.add(
        egui::DragValue::new(&mut s.dropout)
            .range(0.0..=0.9)
            .speed(0.01),
    )
    .accessible_name("Dropout");
    ui.end_row();
    ui.label("Learning rate");
    ui.add(
        egui::DragValue::new(&mut s.learning_rate)
            .range(1e-5..=0.1)
            .speed(1e-4)
            .max_decimals(5),
    )
    .accessible_name("Learning rate");
    ui.end_row();
    ui.label("Validation split");
    ui.add(
        egui::DragValue::new(&mut s.valid_fraction)
            .range(0.01..=0.5)
            .speed(0.01),
    )
    .accessible_name("Validation split");
    ui.end_row();
    ui.label("Patience");
    ui.add(egui::DragValue::new(&mut s.patience).range(0..=100))
        .accessible_name("Patience")
        .on_hover_text(
            "Stop when validation loss has not improved for this many epochs (0 = never)",
        );
    ui.end_row();
    ui.label("Backend");
    egui::ComboBox::from_id_salt("backend")
        .selected_text(match s.backend {
            BackendChoice::Auto => "Auto",
            BackendChoice::Wgpu => "GPU (wgpu)",
            BackendChoice::Cpu => "CPU",
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut s.backend, BackendChoice::Auto, "Auto");
            ui.selectable_value(&mut s.backend, BackendChoice::Wgpu, "GPU (wgpu)");
            ui.selectable_value(&mut s.backend, BackendChoice::Cpu, "CPU");
        })
        .response
        .accessible_name("Backend");
    ui.end_row();
}

/// Start, Stop and Resume.
fn run_buttons_ui(ui: &mut egui::Ui, running: bool, actions: &mut Vec<TrainingAction>) {
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!running, egui::Button::new("Start"))
            .clicked()
        {
            actions.push(TrainingAction::Start { resume: false });
        }
        if ui.add_enabled(running, egui::Button::new("Stop")).clicked() {
            actions.push(TrainingAction::Stop);
        }
        if ui
            .add_enabled(!running, egui::Button::new("Resume"))
            .on_hover_text("Continue the named model's last checkpoint with the same settings")
            .clicked()
        {
            actions.push(TrainingAction::Start { resume: true });
        }
    });
}

/// Batch, train and validation loss per epoch, and the best epoch.
fn loss_plot_ui(ui: &mut egui::Ui, f: &RunFigures, log: bool) {
    let tf = |p: &[f64; 2]| [p[0], if log { p[1].max(1e-6).log10() } else { p[1] }];
    let batch: Vec<[f64; 2]> = f.batch_loss.iter().map(tf).collect();
    let train: Vec<[f64; 2]> = f.train_loss.iter().map(tf).collect();
    let valid: Vec<[f64; 2]> = f.valid_loss.iter().map(tf).collect();
    let best = f.best_epoch;
    Plot::new("loss-plot")
        .legend(Legend::default())
        .x_axis_label("epoch")
        .y_axis_label(if log {
            "loss (log10)"
        } else {
            "loss (nats/step)"
        })
        .y_axis_formatter(move |m, _| {
            if log {
                format!("{:.3}", 10f64.powf(m.value))
            } else {
                format!("{:.2}", m.value)
            }
        })
        .show(ui, |p| {
            p.line(
                Line::new("batch loss", PlotPoints::from(batch))
                    .color(Color32::from_gray(120))
                    .width(1.0),
            );
            p.line(
                Line::new("train loss", PlotPoints::from(train))
                    .color(Color32::from_rgb(48, 170, 205))
                    .width(3.0),
            );
            p.line(
                Line::new("validation loss", PlotPoints::from(valid))
                    .color(Color32::from_rgb(232, 160, 48))
                    .width(3.0),
            );
            if let Some(b) = best {
                p.vline(
                    VLine::new("best epoch", b as f64)
                        .color(Color32::from_rgb(120, 200, 120))
                        .width(1.5),
                );
            }
        });
}

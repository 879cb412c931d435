//! The frame's layout: the dataset browser, the generate panel, the tabs and what is under
//! them, the frame-time overlay and the start-up check.

use super::{Color32, GenerateContext, Instant, LstmuseApp, RichText, Tab, egui, generate_panel};

impl LstmuseApp {
    /// The dataset browser as a side panel; files dropped on it become corpora.
    pub(super) fn dataset_panel(&mut self, ui: &mut egui::Ui) {
        if !self.settings.show_dataset {
            self.dataset.panel_rect = None;
            return;
        }
        let r = egui::Panel::left("dataset")
            .resizable(true)
            .default_size(380.0)
            .show(ui, |ui| self.dataset.show(ui));
        self.dataset.panel_rect = Some(r.response.rect);
        for action in r.inner {
            self.dataset_action(action);
        }
    }

    /// The generate panel, beside the roll.
    pub(super) fn generate_panel(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let cx = GenerateContext {
            model_ready: self.model.is_some(),
            busy: self.jobs.is_generating(),
            has_seed: self.editor.doc().has_seed(),
            has_cursor: self.editor.cursor().is_some(),
            can_fill: self.editor.fill_span().is_some(),
            melody_meter: (!self.editor.doc().notes.is_empty()).then_some(self.editor.doc().meter),
            key_name: self
                .editor
                .doc()
                .key
                .map_or_else(|| "C major".into(), |k| k.to_string()),
        };
        let commands = egui::Panel::right("generate")
            .resizable(true)
            .default_size(330.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("generate-scroll")
                    .show(ui, |ui| {
                        generate_panel::generate_ui(
                            ui,
                            &mut self.settings.sampler,
                            &self.generation,
                            &cx,
                        )
                    })
                    .inner
            })
            .inner;
        for c in commands {
            self.execute(&ctx, c);
        }
    }

    /// The tabs, and the compose or training area under them.
    pub(super) fn central_panel(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.tab, Tab::Compose, "Compose");
                ui.selectable_value(&mut self.tab, Tab::Training, "Training");
                if !self.settings.show_dataset && ui.button("Show dataset").clicked() {
                    self.settings.show_dataset = true;
                }
            });
            ui.separator();
            match self.tab {
                Tab::Compose => self.compose_area(ui),
                Tab::Training => {
                    let actions =
                        self.training
                            .show(ui, &mut self.settings.training, &self.dataset);
                    for a in actions {
                        self.training_action(a);
                    }
                }
            }
        });
    }

    /// The start-up check: once the model is loaded (or failed), print the time and close.
    pub(super) fn finish_ready_check(&mut self, ctx: &egui::Context) {
        let Some(t0) = self.ready_check else {
            return;
        };
        if self.jobs.is_loading_model() {
            return;
        }
        match &self.model {
            Some(m) => println!(
                "ready in {:.0} ms: model {} on {}",
                t0.elapsed().as_secs_f64() * 1e3,
                m.name,
                m.backend
            ),
            None => println!("no model loaded: {}", self.status.text),
        }
        if self.model.is_some() && self.status.is_error {
            // What the app said at start (an unreadable settings file set aside).
            println!("status: {}", self.status.text);
        }
        self.ready_check = None;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }

    /// Records the frame's time and, when asked, shows the figures in a corner.
    pub(super) fn frame_time(&mut self, ctx: &egui::Context, started: Instant) {
        let ms = started.elapsed().as_secs_f32() * 1e3;
        self.frame_ms.push_back(ms);
        if self.frame_ms.len() > 120 {
            self.frame_ms.pop_front();
        }
        if !self.settings.show_frame_time {
            return;
        }
        let mean = self.mean_frame_ms();
        let max = self.frame_ms.iter().copied().fold(0.0, f32::max);
        egui::Area::new(egui::Id::unique("frame-time"))
            .anchor(egui::Align2::RIGHT_TOP, [-8.0, 28.0])
            .show(ctx, |ui| {
                ui.label(
                    RichText::new(format!(
                        "UI {mean:.2} ms (max {max:.2}) · {} notes · last generation {:.0} ms",
                        self.editor.doc().notes.len(),
                        self.generation.last_millis()
                    ))
                    .monospace()
                    .background_color(Color32::from_black_alpha(160)),
                );
            });
        ctx.request_repaint();
    }
}

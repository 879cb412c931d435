//! The tune table (sorting, selection, dragging rows) and the selected tune's preview.

use super::{
    Color32, Column, DatasetAction, DatasetBrowser, Document, Origin, PianoRoll, RichText, Sense,
    SortBy, TableBuilder, TunePayload, TuneRow, egui,
};

impl DatasetBrowser {
    pub(super) fn table(&mut self, ui: &mut egui::Ui, actions: &mut Vec<DatasetAction>) {
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
                        header_click = header_ui(&mut header, self.sort);
                    })
                    .body(|body| {
                        body.rows(18.0, order.len(), |mut row| {
                            let i = order[row.index()];
                            row.set_selected(self.selected.contains(&i));
                            let resp = tune_row_ui(&mut row, &self.rows[i]);
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

    pub(super) fn selection_bar(&mut self, ui: &mut egui::Ui, actions: &mut Vec<DatasetAction>) {
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
                    .button("Use tune as seed")
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
}

/// The column headers, each a sort button with the direction's arrow; returns the one
/// clicked.
fn header_ui(
    header: &mut egui_extras::TableRow<'_, '_>,
    sort: Option<(SortBy, bool)>,
) -> Option<SortBy> {
    let mut clicked = None;
    for (by, name) in [
        (SortBy::Title, "Title"),
        (SortBy::File, "Source file"),
        (SortBy::Key, "Key"),
        (SortBy::Meter, "Meter"),
        (SortBy::Bars, "Bars"),
        (SortBy::Status, "Excluded because"),
    ] {
        header.col(|ui| {
            let arrow = match sort {
                Some((b, true)) if b == by => " ⬆",
                Some((b, false)) if b == by => " ⬇",
                _ => "",
            };
            if ui
                .add(
                    egui::Button::new(RichText::new(format!("{name}{arrow}")).strong())
                        .frame(false),
                )
                .on_hover_text("Sort")
                .clicked()
            {
                clicked = Some(by);
            }
        });
    }
    clicked
}

/// One tune's cells; returns the row's response.
fn tune_row_ui(row: &mut egui_extras::TableRow<'_, '_>, r: &TuneRow) -> egui::Response {
    row.col(|ui| {
        ui.label(&r.title);
    });
    row.col(|ui| {
        ui.label(&r.file);
    });
    row.col(|ui| {
        ui.label(r.key_text());
    });
    row.col(|ui| {
        ui.label(r.meter_text());
    });
    row.col(|ui| {
        ui.label(format!("{:.0}", r.bars));
    });
    row.col(|ui| match &r.excluded {
        Some(why) => {
            ui.label(RichText::new(why.to_string()).color(Color32::from_rgb(230, 150, 90)));
        }
        None => {
            ui.label("");
        }
    });
    row.response()
}

//! The MIDI parts of the Playback menu and the transport bar.

use super::super::{Command, LstmuseApp, RichText, egui};
use super::menu;
use crate::midi_io::jam::Turns;
use crate::midi_io::{RecordPhase, StepLength};

impl LstmuseApp {
    /// Playback menu: recording, step input, thru, and the MIDI input and output ports.
    pub(in crate::gui::app) fn midi_menu(&mut self, ui: &mut egui::Ui) {
        self.menu_item(ui, Command::RecordSeed, true);
        self.menu_item(ui, Command::StepInput, true);
        self.menu_item(ui, Command::Jam, true);
        ui.menu_button("Jam phrase", |ui| {
            for bars in [1, 2, 4] {
                let label = if bars == 1 {
                    "1 bar".to_owned()
                } else {
                    format!("{bars} bars")
                };
                ui.radio_value(&mut self.settings.midi.jam_phrase_bars, bars, label);
            }
        })
        .response
        .on_hover_text("The length of each call and answer when phrases alternate");
        ui.menu_button("Jam turns", |ui| {
            ui.radio_value(
                &mut self.settings.midi.jam_turns,
                Turns::EveryOtherPhrase,
                "Every other phrase",
            )
            .on_hover_text("You play a phrase, LSTMuse answers with one of the same length");
            ui.radio_value(
                &mut self.settings.midi.jam_turns,
                Turns::AfterEmptyBar,
                "When I leave a bar empty",
            )
            .on_hover_text("Play as long as you like; a bar of silence hands over to LSTMuse");
        });
        let mut on = self.computer_keyboard_on();
        if ui
            .checkbox(&mut on, Command::ComputerKeyboard.label())
            .on_hover_text(Command::ComputerKeyboard.tooltip_with_shortcut(ui.ctx()))
            .clicked()
        {
            self.toggle_computer_keyboard();
            ui.close();
        }
        ui.menu_button("Record length", |ui| {
            for bars in [0, 1, 2, 4, 8] {
                let label = match bars {
                    0 => "Until Stop".to_owned(),
                    1 => "1 bar".to_owned(),
                    n => format!("{n} bars"),
                };
                ui.radio_value(&mut self.settings.midi.record_bars, bars, label);
            }
        });
        ui.checkbox(&mut self.settings.midi.thru, "Sound MIDI input through")
            .on_hover_text("While recording or step-entering, keys sound through the voice");
        let pass = ui.ctx().cumulative_pass_nr();
        let r = ui.menu_button("MIDI input", |ui| {
            let opening = self.midi.menu_passes.0 + 1 < pass;
            self.midi.menu_passes.0 = pass;
            menu::input_menu_ui(ui, &mut self.midi, &mut self.settings.midi, opening)
        });
        let mut error = r.inner.flatten();
        let r = ui.menu_button("MIDI output", |ui| {
            let opening = self.midi.menu_passes.1 + 1 < pass;
            self.midi.menu_passes.1 = pass;
            menu::output_menu_ui(ui, &mut self.midi, &mut self.settings.midi, opening)
        });
        error = error.or(r.inner.flatten());
        if let Some(e) = error {
            self.error(e);
        }
    }

    /// Record and step-input controls, and where a recording is.
    pub(in crate::gui::app) fn midi_transport_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        ui.separator();
        let phase = self.midi.record_phase();
        let label = if phase.is_some() {
            "⏹ Stop recording"
        } else {
            "⏺ Record seed"
        };
        if ui
            .button(label)
            .on_hover_text(Command::RecordSeed.tooltip_with_shortcut(&ctx))
            .clicked()
        {
            self.execute(&ctx, Command::RecordSeed);
        }
        let red = ui.visuals().error_fg_color;
        match phase {
            Some(RecordPhase::CountIn { beats_left }) => {
                ui.label(
                    RichText::new(format!("Count-in {beats_left}"))
                        .strong()
                        .color(red),
                );
            }
            Some(RecordPhase::Recording) => {
                let bar = self.midi.recorder().map_or(1, |(r, now)| {
                    let bar_steps = f64::from(r.config().tempo.steps_per_bar());
                    (r.position_steps(now) / bar_steps).max(0.0) as u32 + 1
                });
                ui.label(
                    RichText::new(format!("⏺ Recording bar {bar}"))
                        .strong()
                        .color(red),
                );
            }
            _ => {}
        }
        let jamming = self.is_jamming();
        if ui
            .selectable_label(jamming, if jamming { "⏹ Stop jam" } else { "Jam" })
            .on_hover_text(Command::Jam.tooltip_with_shortcut(&ctx))
            .clicked()
        {
            self.execute(&ctx, Command::Jam);
        }
        self.jam_status_ui(ui);
        let stepping = self.is_stepping();
        if ui
            .selectable_label(stepping, "Step input")
            .on_hover_text(Command::StepInput.tooltip_with_shortcut(&ctx))
            .clicked()
        {
            self.execute(&ctx, Command::StepInput);
        }
        if stepping {
            self.step_controls_ui(ui);
        }
        if ui
            .selectable_label(self.computer_keyboard_on(), "Computer keys")
            .on_hover_text(Command::ComputerKeyboard.tooltip_with_shortcut(&ctx))
            .clicked()
        {
            self.execute(&ctx, Command::ComputerKeyboard);
        }
    }

    /// Step input's length, dot and rest.
    fn step_controls_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let current = self.settings.midi.step_length;
        for length in StepLength::ALL {
            let command = Command::StepLength(length);
            if ui
                .selectable_label(current == length, length.label())
                .on_hover_text(command.tooltip_with_shortcut(&ctx))
                .clicked()
            {
                self.execute(&ctx, command);
            }
        }
        let dotted = self.midi.stepping_mut().is_some_and(|s| s.dotted);
        if ui
            .selectable_label(dotted, "Dotted")
            .on_hover_text(Command::StepDot.tooltip_with_shortcut(&ctx))
            .clicked()
        {
            self.execute(&ctx, Command::StepDot);
        }
        if ui
            .button("Rest")
            .on_hover_text(Command::StepRest.tooltip_with_shortcut(&ctx))
            .clicked()
        {
            self.execute(&ctx, Command::StepRest);
        }
    }
}

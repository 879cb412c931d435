//! The Playback → MIDI input and MIDI output submenus. Each lists the ports again as it
//! opens, so a keyboard plugged in later shows up; without a MIDI subsystem they say so.

use super::devices::{MidiDevices, OutputChoice};
use crate::gui::settings::MidiSettings;
use crate::midi_io::ports::CLIENT_NAME;
use eframe::egui;

/// The inputs: pick one (remembered), or none. Returns an error to show.
pub fn input_menu_ui(
    ui: &mut egui::Ui,
    midi: &mut MidiDevices,
    settings: &mut MidiSettings,
    opening: bool,
) -> Option<String> {
    let mut error = rescan_on_open(midi, settings, opening);
    let ports = match midi.inputs() {
        Err(why) => {
            ui.label(egui::RichText::new(why).color(ui.visuals().warn_fg_color));
            ui.label("Recording and step input need a MIDI keyboard; everything else works.");
            return error;
        }
        Ok(list) => list.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
    };
    if ports.is_empty() {
        ui.label("No MIDI inputs found. Plug one in and open this menu again.");
    }
    let connected = midi.input_name().map(str::to_owned);
    if ui
        .selectable_label(connected.is_none(), "None")
        .on_hover_text("Take no MIDI input")
        .clicked()
    {
        midi.disconnect_input();
        settings.input_port = None;
        ui.close();
    }
    for name in ports {
        if ui
            .selectable_label(connected.as_deref() == Some(name.as_str()), &name)
            .clicked()
        {
            settings.input_port = Some(name.clone());
            error = midi.connect_input(&name).err().map(|e| e.to_string());
            ui.close();
        }
    }
    if let Some(w) = &settings.input_port
        && connected.as_deref() != Some(w.as_str())
    {
        ui.label(format!(
            "\"{w}\" is not connected: it is picked up when it returns."
        ));
    }
    error
}

/// Where playback goes: the built-in synth, a port, or the virtual port. Returns an
/// error to show.
pub fn output_menu_ui(
    ui: &mut egui::Ui,
    midi: &mut MidiDevices,
    settings: &mut MidiSettings,
    opening: bool,
) -> Option<String> {
    let mut error = rescan_on_open(midi, settings, opening);
    let current = if midi.output().is_some() {
        settings.output.clone()
    } else {
        OutputChoice::BuiltIn
    };
    let mut choices = vec![(OutputChoice::BuiltIn, "Built-in synth".to_owned())];
    match midi.outputs() {
        Err(why) => {
            ui.label(egui::RichText::new(why).color(ui.visuals().warn_fg_color));
        }
        Ok(list) => {
            if list.is_empty() {
                ui.label("No MIDI outputs found.");
            }
            choices.extend(
                list.iter()
                    .map(|n| (OutputChoice::Port(n.clone()), n.clone())),
            );
            if cfg!(unix) {
                choices.push((
                    OutputChoice::Virtual,
                    format!("Virtual port \"{CLIENT_NAME}\" (for a DAW)"),
                ));
            } else {
                ui.label(
                    "Windows has no virtual MIDI ports: to send to a DAW, install a \
                     loopback driver such as loopMIDI and pick its port here.",
                );
            }
        }
    }
    for (choice, label) in choices {
        if ui.selectable_label(current == choice, label).clicked() {
            match midi.set_output(&choice) {
                Ok(()) => settings.output = choice,
                Err(e) => {
                    settings.output = OutputChoice::BuiltIn;
                    error = Some(e.to_string());
                }
            }
            ui.close();
        }
    }
    error
}

/// Lists the ports again when a menu opens (reconnecting the remembered input); the
/// error to show, if that failed.
fn rescan_on_open(
    midi: &mut MidiDevices,
    settings: &MidiSettings,
    opening: bool,
) -> Option<String> {
    opening
        .then(|| midi.rescan(settings.input_port.as_deref()))
        .flatten()
        .map(|e| e.to_string())
}

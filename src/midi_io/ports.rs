//! Listing and opening MIDI ports: the only code that touches midir, kept as thin as it
//! can be. Without the `midi` feature every call says the build has no MIDI.

use super::inbox::MidiInbox;
use super::scheduler::MidiSink;

/// The name LSTMuse gives itself, and its virtual output port, in other programs' lists.
pub const CLIENT_NAME: &str = "LSTMuse";

/// A port as the system lists it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// Its name, as menus show it and settings remember it.
    pub name: String,
    /// The system's id for it; it changes when a device is unplugged and plugged back in.
    pub id: String,
}

/// Why MIDI ports could not be listed or opened.
#[derive(Debug, thiserror::Error)]
pub enum MidiError {
    /// There is no MIDI system to talk to (no ALSA sequencer, or a build without MIDI).
    #[error("no MIDI subsystem: {0}")]
    NoSubsystem(String),
    /// The named port is not (or no longer) there.
    #[error("MIDI port \"{0}\" is not connected (unplugged?)")]
    PortMissing(String),
    /// midir refused to open the port.
    #[error("could not open MIDI port \"{port}\": {reason}")]
    Connect {
        /// The port's name.
        port: String,
        /// midir's reason.
        reason: String,
    },
}

#[cfg(feature = "midi")]
mod imp {
    use super::{CLIENT_NAME, MidiError, MidiInbox, MidiSink, Port};
    use midir::{Ignore, MidiInput, MidiInputConnection, MidiOutput, MidiOutputConnection};

    /// On Linux the ALSA sequencer device must exist; checking first gives a clear message
    /// (and keeps alsa-lib from printing its own).
    fn check_subsystem() -> Result<(), MidiError> {
        #[cfg(target_os = "linux")]
        if !std::path::Path::new("/dev/snd/seq").exists() {
            return Err(MidiError::NoSubsystem(
                "/dev/snd/seq is missing (no ALSA sequencer on this machine)".into(),
            ));
        }
        Ok(())
    }

    fn input() -> Result<MidiInput, MidiError> {
        check_subsystem()?;
        let mut m =
            MidiInput::new(CLIENT_NAME).map_err(|e| MidiError::NoSubsystem(e.to_string()))?;
        m.ignore(Ignore::All);
        Ok(m)
    }

    fn output() -> Result<MidiOutput, MidiError> {
        check_subsystem()?;
        MidiOutput::new(CLIENT_NAME).map_err(|e| MidiError::NoSubsystem(e.to_string()))
    }

    /// The MIDI inputs (keyboards) now present.
    pub fn input_ports() -> Result<Vec<Port>, MidiError> {
        let m = input()?;
        Ok(m.ports()
            .iter()
            .filter_map(|p| {
                let name = m.port_name(p).ok()?;
                Some(Port { name, id: p.id() })
            })
            .collect())
    }

    /// The names of the MIDI outputs (synths, DAWs) now present, ours left out.
    pub fn output_ports() -> Result<Vec<String>, MidiError> {
        let m = output()?;
        Ok(m.ports()
            .iter()
            .filter_map(|p| m.port_name(p).ok())
            .filter(|n| !n.starts_with(CLIENT_NAME))
            .collect())
    }

    /// An open input: its messages go to the inbox until it is dropped.
    pub struct InputConnection {
        _connection: MidiInputConnection<MidiInbox>,
        port: Port,
    }

    impl InputConnection {
        /// The port it listens to.
        pub fn port(&self) -> &Port {
            &self.port
        }
    }

    /// Opens the input named `name`; each message goes to [`MidiInbox::receive`],
    /// stamped with the inbox's clock.
    pub fn connect_input(name: &str, inbox: MidiInbox) -> Result<InputConnection, MidiError> {
        let m = input()?;
        let port = m
            .ports()
            .into_iter()
            .find(|p| m.port_name(p).is_ok_and(|n| n == name))
            .ok_or_else(|| MidiError::PortMissing(name.into()))?;
        let info = Port {
            name: name.to_owned(),
            id: port.id(),
        };
        m.connect(
            &port,
            "LSTMuse input",
            |_stamp, bytes, inbox| inbox.receive(inbox.now_micros(), bytes),
            inbox,
        )
        .map(|c| InputConnection {
            _connection: c,
            port: info,
        })
        .map_err(|e| MidiError::Connect {
            port: name.into(),
            reason: e.to_string(),
        })
    }

    /// An open output port.
    pub struct PortSink(MidiOutputConnection);

    impl MidiSink for PortSink {
        fn send(&mut self, message: &[u8]) -> Result<(), String> {
            self.0.send(message).map_err(|e| e.to_string())
        }
    }

    /// Opens the output named `name`.
    pub fn connect_output(name: &str) -> Result<PortSink, MidiError> {
        let m = output()?;
        let port = m
            .ports()
            .into_iter()
            .find(|p| m.port_name(p).is_ok_and(|n| n == name))
            .ok_or_else(|| MidiError::PortMissing(name.into()))?;
        m.connect(&port, "LSTMuse output")
            .map(PortSink)
            .map_err(|e| MidiError::Connect {
                port: name.into(),
                reason: e.to_string(),
            })
    }

    /// Creates the virtual output port "LSTMuse" that a DAW can record from.
    #[cfg(unix)]
    pub fn virtual_output() -> Result<PortSink, MidiError> {
        use midir::os::unix::VirtualOutput;
        output()?
            .create_virtual(CLIENT_NAME)
            .map(PortSink)
            .map_err(|e| MidiError::Connect {
                port: CLIENT_NAME.into(),
                reason: e.to_string(),
            })
    }

    /// Windows has no virtual ports; use a loopback driver (loopMIDI) and pick its port.
    #[cfg(not(unix))]
    pub fn virtual_output() -> Result<PortSink, MidiError> {
        Err(MidiError::Connect {
            port: CLIENT_NAME.into(),
            reason: "virtual ports need Linux or macOS; use a loopback driver".into(),
        })
    }
}

#[cfg(not(feature = "midi"))]
mod imp {
    use super::*;

    fn none() -> MidiError {
        MidiError::NoSubsystem("this build has no MIDI support (feature `midi`)".into())
    }

    /// Never any: the build has no MIDI.
    pub fn input_ports() -> Result<Vec<Port>, MidiError> {
        Err(none())
    }

    /// Never any: the build has no MIDI.
    pub fn output_ports() -> Result<Vec<String>, MidiError> {
        Err(none())
    }

    /// An open input (never made in this build).
    pub struct InputConnection {
        port: Port,
    }

    impl InputConnection {
        /// The port it listens to.
        pub fn port(&self) -> &Port {
            &self.port
        }
    }

    /// Fails: the build has no MIDI.
    pub fn connect_input(_name: &str, _inbox: MidiInbox) -> Result<InputConnection, MidiError> {
        Err(none())
    }

    /// An open output port (never made in this build).
    pub struct PortSink(());

    impl MidiSink for PortSink {
        fn send(&mut self, _message: &[u8]) -> Result<(), String> {
            Err(none().to_string())
        }
    }

    /// Fails: the build has no MIDI.
    pub fn connect_output(_name: &str) -> Result<PortSink, MidiError> {
        Err(none())
    }

    /// Fails: the build has no MIDI.
    pub fn virtual_output() -> Result<PortSink, MidiError> {
        Err(none())
    }
}

pub use imp::{
    InputConnection, PortSink, connect_input, connect_output, input_ports, output_ports,
    virtual_output,
};

//! The desktop front end: the only part of LSTMuse that talks to windows and sound devices.

#[cfg(feature = "audio")]
pub mod audio;

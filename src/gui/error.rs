//! What the app could not do, shown once in the status bar (or beside the widget it
//! concerns) with `{:#}`.

use std::path::PathBuf;

/// An error of the app: a library error, or a reason the app itself refuses. Library
/// errors are boxed: they carry a location, and every `Result` of the app moves them.
#[derive(Debug, thiserror::Error)]
pub enum GuiError {
    /// Reading, writing, training or generating failed in the library.
    #[error(transparent)]
    Library(Box<crate::Error>),
    /// A model folder could not be loaded.
    #[error("could not load the model in {}: {error}", dir.display())]
    ModelLoad {
        /// The folder.
        dir: PathBuf,
        /// Why (the error is shown in the message, so not chained a second time).
        error: Box<crate::Error>,
    },
    /// Running the loaded model failed: its output was not finite (damaged weights), or
    /// the sampler refused the request.
    #[error("with the model in {}: {error}", dir.display())]
    ModelRun {
        /// The model's folder.
        dir: PathBuf,
        /// Why.
        error: Box<crate::Error>,
    },
    /// A corpus folder or file could not be loaded.
    #[error("{}: {error}", path.display())]
    Corpus {
        /// The folder or file.
        path: PathBuf,
        /// Why.
        error: Box<crate::Error>,
    },
    /// Generation was asked for before a model was loaded.
    #[error("no model is loaded")]
    NoModel,
    /// A background job panicked.
    #[error("internal error: {0}")]
    Panicked(String),
    /// The model thread could not be started (or has stopped): the reason.
    #[error("the model thread is not running: {0}")]
    ModelThread(String),
    /// A thread could not be started.
    #[error("could not start the {name} thread: {error}")]
    Thread {
        /// Which thread.
        name: &'static str,
        /// The OS error.
        error: std::io::Error,
    },
    /// Export with no notes.
    #[error("there are no notes to export")]
    NothingToExport,
    /// Play without a sound device; the reason says why there is none.
    #[error("{0}")]
    NoSound(String),
    /// The sound device refused to play.
    #[cfg(feature = "audio")]
    #[error(transparent)]
    Player(#[from] super::player::PlayerError),
    /// Start while a training run is going on.
    #[error("training is already running")]
    TrainingRunning,
    /// The new model's folder name is empty or has slashes.
    #[error("give the model a folder name without slashes")]
    BadModelName,
    /// Fewer than two usable songs to train on.
    #[error(
        "the training set has {0} usable songs: add a corpus in the dataset browser (at least 2 songs)"
    )]
    TooFewSongs(usize),
}

impl From<crate::Error> for GuiError {
    fn from(error: crate::Error) -> GuiError {
        GuiError::Library(Box::new(error))
    }
}

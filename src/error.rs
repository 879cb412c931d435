//! The library's error type: every error names the file, tune and line where they apply.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in the input an error happened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: Option<PathBuf>,
    /// The tune (ABC `X:` number), track or spine, in multi-tune files.
    pub tune: Option<u32>,
    /// The 1-based line.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(p) = &self.path {
            parts.push(p.display().to_string());
        }
        if let Some(t) = self.tune {
            parts.push(format!("tune {t}"));
        }
        if let Some(l) = self.line {
            parts.push(format!("line {l}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// Errors from reading, writing and processing melodies.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{error} ({})", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error (shown in the message, so not chained a second time).
        error: std::io::Error,
    },
    /// The input is malformed.
    #[error("{message}{}", at(location))]
    Parse {
        /// What is wrong.
        message: String,
        /// Where.
        location: Location,
    },
    /// The file's format is not one we read or write.
    #[error("unsupported file type (expected .krn, .abc, .mid, .musicxml, .xml or .mxl): {}", path.display())]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
    },
    /// A setting, argument or request is impossible (a user's mistake, said in words the
    /// user can act on).
    #[error("{0}")]
    Invalid(String),
    /// Training diverged: the loss is no longer a finite number.
    #[error("{0}")]
    Diverged(String),
    /// An outside program (pip, the PyTorch reference) failed or answered nonsense.
    #[error("{0}")]
    Tool(String),
    /// An internal invariant broke, or a device or encoder failed in a way no input
    /// explains: a bug to report, never the user's mistake.
    #[error("internal error: {0}")]
    Internal(String),
    /// The input asks for more than a [`Limits`](crate::limits::Limits) bound allows.
    #[error("{what}: {value} is over the limit of {limit}{}", at(location))]
    Limit {
        /// What is limited ("notes in a melody", "XML depth", ...).
        what: &'static str,
        /// The value the input asked for.
        value: String,
        /// The limit.
        limit: String,
        /// Where.
        location: Location,
    },
    /// JSON could not be read or written.
    #[error("{message} ({})", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What serde said.
        message: String,
    },
}

fn at(loc: &Location) -> String {
    let s = loc.to_string();
    if s.is_empty() {
        String::new()
    } else {
        format!(" ({s})")
    }
}

impl Error {
    /// A parse error at a line (no file yet: the caller adds it with [`Error::in_file`]).
    pub fn parse(line: Option<usize>, message: impl Into<String>) -> Error {
        Error::Parse {
            message: message.into(),
            location: Location {
                line,
                ..Location::default()
            },
        }
    }

    /// An I/O error on a path.
    pub fn io(path: &Path, error: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            error,
        }
    }

    /// Adds the file to a parse error that does not name one yet.
    pub fn in_file(mut self, path: &Path) -> Error {
        if let Error::Parse { location, .. } | Error::Limit { location, .. } = &mut self
            && location.path.is_none()
        {
            location.path = Some(path.to_path_buf());
        }
        self
    }

    /// Adds the tune number to a parse error.
    pub fn in_tune(mut self, tune: u32) -> Error {
        if let Error::Parse { location, .. } | Error::Limit { location, .. } = &mut self
            && location.tune.is_none()
        {
            location.tune = Some(tune);
        }
        self
    }

    /// The location, for parse errors.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Parse { location, .. } | Error::Limit { location, .. } => Some(location),
            _ => None,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

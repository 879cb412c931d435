//! Humdrum `**kern` reader and writer (the Essen Folksong Collection's format).

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use read::parse;
pub use write::write;

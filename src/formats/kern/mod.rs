//! Humdrum `**kern` reader and writer (the Essen Folksong Collection's format).

mod expand;
mod read;
#[cfg(test)]
mod tests;
mod tokens;
mod write;

pub use read::parse;
pub use write::write;

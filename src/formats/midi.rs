//! placeholder while being written
use super::ReadOptions;
use crate::error::{Error, Result};
use crate::music::Melody;
/// Parse.
pub fn parse(_t: &(impl AsRef<[u8]> + ?Sized), _o: &ReadOptions) -> Result<Melody> { Err(Error::parse(None, "todo")) }
pub fn write(_m: &crate::music::Melody) -> Vec<u8> { Vec::new() }

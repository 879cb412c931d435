//! `**kern` reader: any bytes, read as `formats::read_tunes` reads a `.krn` file (lossy
//! UTF-8), then the melody limits and the kern writer. Must return, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lstmuse::formats::{self, Format, ReadOptions, kern};
use lstmuse::limits::Limits;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(melody) = kern::parse(&text, &ReadOptions::default())
        && Limits::DEFAULT.check_melody(&melody).is_ok()
    {
        let _ = formats::to_bytes(&melody, Format::Kern);
    }
});

//! Compressed MusicXML reader: any bytes as a `.mxl` file (zip, container, XML), then the
//! melody limits and the `.mxl` writer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lstmuse::formats::{self, Format, ReadOptions, musicxml};
use lstmuse::limits::Limits;

fuzz_target!(|data: &[u8]| {
    if let Ok(melody) = musicxml::parse_mxl(data, &ReadOptions::default())
        && Limits::DEFAULT.check_melody(&melody).is_ok()
    {
        let _ = formats::to_bytes(&melody, Format::Mxl);
    }
});

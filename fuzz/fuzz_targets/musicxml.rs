//! MusicXML reader: any bytes as a `.musicxml` file (UTF-8 or UTF-16), then the melody
//! limits and the MusicXML writer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lstmuse::formats::{self, Format, ReadOptions, musicxml};
use lstmuse::limits::Limits;

fuzz_target!(|data: &[u8]| {
    if let Ok(melody) = musicxml::parse_bytes(data, &ReadOptions::default())
        && Limits::DEFAULT.check_melody(&melody).is_ok()
    {
        let _ = formats::to_bytes(&melody, Format::MusicXml);
    }
});

//! MIDI reader: any bytes as a `.mid` file, then the melody limits and the MIDI writer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lstmuse::formats::{self, Format, ReadOptions, midi};
use lstmuse::limits::Limits;

fuzz_target!(|data: &[u8]| {
    if let Ok(melody) = midi::parse(data, &ReadOptions::default())
        && Limits::DEFAULT.check_melody(&melody).is_ok()
    {
        let _ = formats::to_bytes(&melody, Format::Midi);
    }
});

//! ABC reader: any bytes, read as `formats::read_tunes` reads a `.abc` file (lossy UTF-8,
//! every tune), then the melody limits and the ABC writer for each tune read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lstmuse::formats::{self, Format, abc};
use lstmuse::limits::Limits;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for tune in abc::parse_tunes(&text) {
        if let Ok(melody) = tune.melody
            && Limits::DEFAULT.check_melody(&melody).is_ok()
        {
            let _ = formats::to_bytes(&melody, Format::Abc);
        }
    }
});

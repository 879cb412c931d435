//! The melody model: exact durations, pitches, keys, meters and melodies.

mod bars;
mod changes;
mod key;
mod melody;
mod pitch;
mod ratio;

pub use bars::BarGrid;
pub use changes::{Change, ChangeKind};
pub use key::{Key, KeyProfile, Mode, all_major_minor_keys, estimate_key, key_correlation};
pub use melody::{Melody, Meter, Note, Source, transpose_fifths};
pub use pitch::{Pitch, PitchName, STEP_LETTERS, STEP_PITCH_CLASSES};
pub use ratio::{Ratio, STEPS_PER_QUARTER};

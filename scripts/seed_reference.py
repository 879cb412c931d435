"""Reference encoding of a kern folder with the seed's own music21 pipeline.

This is the original tutorial's preprocess.py logic (Velardo, "Generating melodies with
RNN-LSTM"), used only to check that `lstmuse corpus encode` matches it symbol for symbol.
Usage: python scripts/seed_reference.py KERN_DIR OUT.tsv
Writes one line per file: file name, status (kept / filtered), key source, encoded song.
"""
import os
import sys

import music21 as m21

ACCEPTABLE_DURATIONS = [0.25, 0.5, 0.75, 1.0, 1.5, 2, 3, 4]


def has_acceptable_durations(song):
    for note in song.flatten().notesAndRests:
        if note.duration.quarterLength not in ACCEPTABLE_DURATIONS:
            return False
    return True


def transpose(song):
    parts = song.getElementsByClass(m21.stream.Part)
    measures_part0 = parts[0].getElementsByClass(m21.stream.Measure)
    key = measures_part0[0][4]
    source = "encoded"
    if not isinstance(key, m21.key.Key):
        key = song.analyze("key")
        source = "analyzed"
    if key.mode == "major":
        interval = m21.interval.Interval(key.tonic, m21.pitch.Pitch("C"))
    elif key.mode == "minor":
        interval = m21.interval.Interval(key.tonic, m21.pitch.Pitch("A"))
    return song.transpose(interval), source + ":" + str(key)


def encode_song(song, time_step=0.25):
    encoded = []
    for event in song.flatten().notesAndRests:
        if isinstance(event, m21.note.Note):
            symbol = event.pitch.midi
        elif isinstance(event, m21.note.Rest):
            symbol = "r"
        steps = int(event.duration.quarterLength / time_step)
        for step in range(steps):
            encoded.append(symbol if step == 0 else "_")
    return " ".join(map(str, encoded))


def main():
    folder, out = sys.argv[1], sys.argv[2]
    with open(out, "w") as f:
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".krn"):
                continue
            song = m21.converter.parse(os.path.join(folder, name))
            if not has_acceptable_durations(song):
                f.write(f"{name}\tfiltered\t-\t-\n")
                continue
            song, source = transpose(song)
            f.write(f"{name}\tkept\t{source}\t{encode_song(song)}\n")


if __name__ == "__main__":
    main()

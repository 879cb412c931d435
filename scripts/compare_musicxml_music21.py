#!/usr/bin/env python3
"""Reads MusicXML files with LSTMuse and with music21 and compares the melodies note by note.

    scripts/compare_musicxml_music21.py LSTMUSE_BINARY DIR [--verbose]

For every .xml/.musicxml/.mxl file in DIR (LilyPond's input/regression/musicxml is the
development set), LSTMuse reads the first part (`lstmuse convert FILE OUT.krn`) and music21
reads the same part, expands its repeats (`expandRepeats`), moves it to sounding pitch,
joins ties and takes the highest sounding line across voices the way LSTMuse does (at each
onset the highest note; a higher note cuts the one it starts under; a lower note starting
under a sounding higher one is left out; unpitched notes, grace notes and cue notes are not
notes). The sounding notes are compared as (onset, MIDI pitch, duration) in quarter notes.
Prints one line per file (same / differs at note N / which side failed) and a summary.
Needs music21 (pip install music21); nothing else.
"""
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import music21


def kern_notes(text):
    """(onset, midi, duration) of the sounding notes of LSTMuse's one-spine kern output."""
    notes, t, tie = [], Fraction(0), None
    for line in text.splitlines():
        if not line or line[0] in "!*=":
            continue
        tok = line.strip()
        digits = "".join(c for c in tok if c.isdigit() or c == "%")
        if "%" in digits:
            num, den = digits.split("%")
            dur = Fraction(4 * int(den), int(num))
        elif set(digits) == {"0"}:
            dur = Fraction(8)
        else:
            dur = Fraction(4, int(digits))
        dots = tok.count(".")
        dur = dur * (2 - Fraction(1, 2 ** dots))
        if "r" in tok:
            t += dur
            continue
        letters = "".join(c for c in tok if c.lower() in "abcdefg")
        letter = letters[0]
        octave = 3 + len(letters) if letter.islower() else 4 - len(letters)
        pc = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}[letter.lower()]
        midi = 12 * (octave + 1) + pc + tok.count("#") - tok.count("-")
        if tie is not None and ("]" in tok or "_" in tok):
            on, p, d = notes[tie]
            notes[tie] = (on, p, d + dur)
            if "]" in tok:
                tie = None
        else:
            notes.append((t, midi, dur))
            tie = len(notes) - 1 if "[" in tok else None
        t += dur
    return notes


def top_line(events):
    """The skyline of (onset, midi, duration) events, as LSTMuse's formats::line does."""
    events = sorted(events, key=lambda e: (e[0], -e[1]))
    line = []
    for on, p, d in events:
        if d <= 0:
            continue
        if line:
            lon, lp, ld = line[-1]
            if lon == on:
                continue
            if on < lon + ld:
                if p > lp:
                    line[-1] = (lon, lp, on - lon)
                    line.append((on, p, d))
                continue
        line.append((on, p, d))
    return line


def part_events(part):
    """(onset, top MIDI pitch, duration) of the notes and chords of one music21 part."""
    try:
        part = part.expandRepeats()
    except Exception:  # music21 refuses some repeat structures; keep them as written
        pass
    try:
        part = part.toSoundingPitch()
    except Exception:
        pass
    part = part.stripTies()
    events = []
    for n in part.flatten().notes:
        if n.duration.isGrace or n.quarterLength == 0:
            continue
        if getattr(n.style, "noteSize", None) == "cue":
            continue
        if isinstance(n, music21.note.Unpitched):
            continue
        pitches = [p for p in getattr(n, "pitches", []) if p is not None]
        if not pitches:
            continue
        top = max(int(round(p.ps)) for p in pitches)
        on = Fraction(n.getOffsetInHierarchy(part)).limit_denominator(10000)
        events.append((on, top, Fraction(n.quarterLength).limit_denominator(10000)))
    return events


def music21_notes(path):
    """The top line of the first part with pitched notes (all its staves: music21 splits a
    piano part into one PartStaff per staff, named P1-Staff1, P1-Staff2, ...)."""
    score = music21.converter.parse(str(path))
    groups = {}
    for k, p in enumerate(score.parts):
        name = str(p.id)
        key = name.split("-Staff")[0] if "-Staff" in name else k
        groups.setdefault(key, []).append(p)
    for staves in groups.values():
        line = top_line([e for staff in staves for e in part_events(staff)])
        if line:
            return line
    return []


def lstmuse_notes(binary, path, out):
    run = subprocess.run(
        [binary, "convert", str(path), str(out)], capture_output=True, text=True
    )
    if run.returncode != 0:
        raise RuntimeError(run.stderr.strip().splitlines()[-1] if run.stderr else "failed")
    return kern_notes(out.read_text())


def main():
    binary, folder = sys.argv[1], Path(sys.argv[2])
    verbose = "--verbose" in sys.argv
    files = sorted(
        p for p in folder.iterdir() if p.suffix in (".xml", ".musicxml", ".mxl")
    )
    same, differ, failed, no_notes = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.krn"
        for path in files:
            try:
                ours = lstmuse_notes(binary, path, out)
            except Exception as e:
                ours = e
            try:
                theirs = music21_notes(path)
            except Exception as e:
                theirs = e
            name = path.name
            empty = isinstance(ours, Exception) and "no notes" in str(ours)
            if empty and theirs == []:
                no_notes.append(name)
                print(f"{name}: no notes (LSTMuse: an error, exit 1; music21: an empty part)")
                continue
            if isinstance(ours, Exception) or isinstance(theirs, Exception):
                who = "lstmuse" if isinstance(ours, Exception) else "music21"
                if isinstance(ours, Exception) and isinstance(theirs, Exception):
                    who = "both"
                failed.append(name)
                print(f"{name}: FAILED ({who}): {ours if isinstance(ours, Exception) else theirs}")
                continue
            if ours == theirs:
                same.append(name)
                print(f"{name}: same ({len(ours)} notes)")
                continue
            differ.append(name)
            i = next(
                (k for k in range(max(len(ours), len(theirs)))
                 if k >= len(ours) or k >= len(theirs) or ours[k] != theirs[k]),
                0,
            )
            fmt = lambda e: (str(e[0]), e[1], str(e[2])) if e else None
            at = lambda xs: fmt(xs[i]) if i < len(xs) else None
            print(
                f"{name}: differs at note {i} of {len(ours)}/{len(theirs)}: "
                f"lstmuse {at(ours)} music21 {at(theirs)}"
            )
            if verbose:
                print("  lstmuse:", [fmt(e) for e in ours[:40]])
                print("  music21:", [fmt(e) for e in theirs[:40]])
    print(
        f"\n{len(files)} files: {len(same)} same, {len(differ)} differ, "
        f"{len(no_notes)} without notes, {len(failed)} failed on one side or both"
    )


if __name__ == "__main__":
    main()

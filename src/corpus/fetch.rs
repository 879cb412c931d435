//! Fetch the Essen Folksong Collection in ABC from the music21 wheel on PyPI (no Python runs).

use crate::error::{Error, Result};
use crate::fsutil::write_atomic;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The music21 release whose wheel carries the Essen ABC files.
pub const MUSIC21_VERSION: &str = "10.5.1";
const ESSEN_PREFIX: &str = "music21/corpus/essenFolksong/";

/// What a fetch put on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchReport {
    /// ABC files written.
    pub files: usize,
    /// Tunes in them (`X:` lines).
    pub tunes: usize,
}

/// The platform's data folder for corpora, e.g. `~/.local/share/lstmuse/corpora`: the
/// `corpora` folder of [`crate::fsutil::data_dir`], beside the app's trained models.
pub fn default_corpus_dir() -> Option<PathBuf> {
    crate::fsutil::data_dir().map(|d| d.join("corpora"))
}

/// Downloads the music21 wheel with `pip download --no-deps` into a temporary folder and
/// extracts the Essen ABC files and their license into `dir`. `progress` receives one
/// line per stage. A missing pip is an error that says what to install.
pub fn fetch_essen(dir: &Path, progress: &mut dyn FnMut(&str)) -> Result<FetchReport> {
    let tmp = std::env::temp_dir().join(format!("lstmuse-fetch-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let result = (|| {
        progress(&format!(
            "downloading music21 {MUSIC21_VERSION} with pip (about 20 MB)…"
        ));
        let wheel = pip_download(&tmp)?;
        progress(&format!(
            "extracting Essen ABC files into {}",
            dir.display()
        ));
        extract_essen(&wheel, dir)
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

fn pip_download(into: &Path) -> Result<PathBuf> {
    let spec = format!("music21=={MUSIC21_VERSION}");
    let args = [
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-q",
        "-d",
    ];
    let candidates: [(&str, &[&str]); 3] =
        [("pip3", &[]), ("pip", &[]), ("python3", &["-m", "pip"])];
    let mut last_failure = None;
    for (program, pre) in candidates {
        let output = Command::new(program)
            .args(pre)
            .args(args)
            .arg(into)
            .arg(&spec)
            .output();
        match output {
            Err(_) => continue,
            Ok(o) if o.status.success() => return find_wheel(into),
            Ok(o) => {
                let stderr = String::from_utf8_lossy(&o.stderr);
                if stderr.contains("No module named pip") {
                    continue;
                }
                last_failure = Some(format!(
                    "`{program} download {spec}` failed: {}",
                    stderr.trim()
                ));
            }
        }
    }
    Err(Error::Tool(last_failure.unwrap_or_else(|| {
        "pip is not installed: install it (Debian/Ubuntu: `sudo apt-get install python3-pip`) \
         and run the fetch again; no Python code is run, pip only downloads the music21 wheel"
            .into()
    })))
}

fn find_wheel(dir: &Path) -> Result<PathBuf> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    entries
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| Error::Tool(format!("pip downloaded no wheel into {}", dir.display())))
}

/// Extracts `music21/corpus/essenFolksong/*.abc` and `license.txt` from a music21 wheel
/// (a zip) into `dir`, each file written atomically.
pub fn extract_essen(wheel: &Path, dir: &Path) -> Result<FetchReport> {
    let file = std::fs::File::open(wheel).map_err(|e| Error::io(wheel, e))?;
    let bad_zip = |e: zip::result::ZipError| {
        Error::parse(None, format!("not a readable wheel: {e}")).in_file(wheel)
    };
    let mut archive = zip::ZipArchive::new(file).map_err(bad_zip)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut report = FetchReport { files: 0, tunes: 0 };
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(bad_zip)?;
        let name = entry.name().to_owned();
        let Some(base) = name.strip_prefix(ESSEN_PREFIX) else {
            continue;
        };
        let wanted = base.ends_with(".abc") || base == "license.txt";
        if !wanted || base.contains('/') || base.contains("..") {
            continue;
        }
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(&dir.join(base), e))?;
        write_atomic(&dir.join(base), &bytes)?;
        if base.ends_with(".abc") {
            report.files += 1;
            report.tunes += String::from_utf8_lossy(&bytes)
                .lines()
                .filter(|l| l.starts_with("X:"))
                .count();
        }
    }
    if report.files == 0 {
        return Err(Error::Invalid(format!(
            "{} holds no {ESSEN_PREFIX}*.abc files",
            wheel.display()
        )));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn make_wheel(path: &Path, files: &[(&str, &str)]) {
        let f = std::fs::File::create(path).unwrap();
        let mut z = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default();
        for (name, body) in files {
            z.start_file(*name, opts).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }

    #[test]
    fn extracts_only_essen_files() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = dir.path().join("music21-0-py3-none-any.whl");
        make_wheel(
            &wheel,
            &[
                (
                    "music21/corpus/essenFolksong/erk5.abc",
                    "X:1\nK:C\nC\n\nX:2\nK:G\nG\n",
                ),
                ("music21/corpus/essenFolksong/license.txt", "terms"),
                ("music21/corpus/bach/bwv1.mxl", "x"),
                ("music21/corpus/essenFolksong/../evil.abc", "x"),
                ("music21/__init__.py", "print('never run')"),
            ],
        );
        let out = dir.path().join("essen");
        let r = extract_essen(&wheel, &out).unwrap();
        assert_eq!(r, FetchReport { files: 1, tunes: 2 });
        let mut names: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["erk5.abc", "license.txt"]);
    }

    #[test]
    fn a_wheel_without_essen_or_not_a_zip_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = dir.path().join("w.whl");
        make_wheel(&wheel, &[("music21/__init__.py", "")]);
        assert!(extract_essen(&wheel, &dir.path().join("o")).is_err());
        std::fs::write(&wheel, "not a zip").unwrap();
        let e = extract_essen(&wheel, &dir.path().join("o")).unwrap_err();
        assert!(e.to_string().contains("w.whl"), "{e}");
    }
}

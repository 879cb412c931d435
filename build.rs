//! Gives the Windows exe its icon and version (what Explorer, the task bar and the file's
//! Properties show): a resource script compiled with MinGW's `windres` and linked into the
//! binary. Every other target builds nothing here.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=assets/icon/lstmuse.ico");
    println!("cargo:rerun-if-env-changed=WINDRES");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os != "windows" {
        return;
    }
    if env != "gnu" {
        println!(
            "cargo:warning=the exe gets no icon: build.rs compiles its resources with MinGW's windres (target_env gnu), and this target is {env}"
        );
        return;
    }
    if let Err(e) = link_resources() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Writes the resource script, compiles it, and links the object into the binaries.
fn link_resources() -> Result<(), String> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let rc = out.join("lstmuse.rc");
    std::fs::write(
        &rc,
        resource_script(&manifest.join("assets/icon/lstmuse.ico")),
    )
    .map_err(|e| format!("could not write {}: {e}", rc.display()))?;
    let object = out.join("lstmuse-resources.o");
    let windres = windres();
    let status = Command::new(&windres)
        .arg("--input")
        .arg(&rc)
        .arg("--output-format=coff")
        .arg("--output")
        .arg(&object)
        .status()
        .map_err(|e| {
            format!(
                "could not run {windres} to give the exe its icon ({e}): install MinGW-w64's binutils (Debian: binutils-mingw-w64-x86-64) or set WINDRES"
            )
        })?;
    if !status.success() {
        return Err(format!("{windres} failed on {} ({status})", rc.display()));
    }
    println!("cargo:rustc-link-arg-bins={}", object.display());
    Ok(())
}

/// The resource compiler: `$WINDRES`, else MinGW's for the target's architecture.
fn windres() -> String {
    if let Ok(w) = std::env::var("WINDRES") {
        return w;
    }
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let prefixed = format!("{arch}-w64-mingw32-windres");
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(&prefixed).is_file()));
    if found { prefixed } else { "windres".into() }
}

/// The icon and the version information, in the resource compiler's language.
fn resource_script(icon: &Path) -> String {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let numbers: Vec<u16> = version
        .split(['.', '-', '+'])
        .map_while(|p| p.parse().ok())
        .chain(std::iter::repeat(0))
        .take(4)
        .collect();
    let comma = numbers
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let icon = icon.display().to_string().replace('\\', "/");
    format!(
        r#"1 ICON "{icon}"
1 VERSIONINFO
FILEVERSION {comma}
PRODUCTVERSION {comma}
FILEOS 0x40004
FILETYPE 0x1
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "CompanyName", "LSTMuse"
      VALUE "FileDescription", "LSTMuse"
      VALUE "FileVersion", "{version}"
      VALUE "InternalName", "lstmuse"
      VALUE "OriginalFilename", "lstmuse.exe"
      VALUE "ProductName", "LSTMuse"
      VALUE "ProductVersion", "{version}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
"#
    )
}

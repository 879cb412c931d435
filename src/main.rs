//! The `lstmuse` binary: a subcommand runs the CLI; no arguments opens the desktop app.

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    limit_malloc_arenas();
    let args = cli::Cli::parse();
    let command = args
        .command
        .unwrap_or(cli::Command::App(cli::AppArgs::default()));
    if let cli::Command::App(app) = &command
        && !app.startup_check
    {
        close_own_console();
    }
    match cli::run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// glibc gives threads that allocate their own malloc arenas (up to eight per core) and
/// keeps freed memory in each, so training's worker threads each held on to a batch's
/// buffers: an erk epoch peaked at 211 MiB. One arena per core bounds it (164 MiB), and
/// the epoch ran no slower (5.5 s against 5.7 s).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let arenas = libc::c_int::try_from(cores.max(2)).unwrap_or(libc::c_int::MAX);
    // SAFETY: mallopt only changes the allocator's settings; it runs first thing in main,
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

/// Windows gives a console program started from Explorer (a double-click, a file
/// association, the Start menu) a console window of its own, which would sit behind the app
/// and close it when closed. When the app is the only process on its console, it lets the
/// console go; started from a command prompt, it shares that console and keeps it.
#[cfg(windows)]
fn close_own_console() {
    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn GetConsoleProcessList(list: *mut u32, count: u32) -> u32;
        fn FreeConsole() -> i32;
    }
    let mut ids = [0u32; 2];
    // SAFETY: the list holds `ids.len()` entries; FreeConsole only detaches this process
    // from its console, and Rust's stdio ignores the invalid handles that leaves.
    unsafe {
        if GetConsoleProcessList(ids.as_mut_ptr(), 2) == 1 {
            FreeConsole();
        }
    }
}

#[cfg(not(windows))]
fn close_own_console() {}

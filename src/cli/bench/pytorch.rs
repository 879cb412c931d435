//! The PyTorch reference for the training bench: its script, its venv, and its figures
//! against ours.

use super::train::{TRAIN_WARMUP, TrainBench};
use anyhow::Result;
use lstmuse::error::{Error, Result as LibResult};
use lstmuse::model::TrainingConfig;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The PyTorch reference script, carried in the binary so a release build runs it anywhere.
pub const PYTORCH_SCRIPT: &str = include_str!("../../../benches/pytorch_lstm.py");

/// The PyTorch reference's figures (`benches/pytorch_lstm.py`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PytorchBench {
    /// PyTorch's version.
    pub torch: String,
    /// Intra-op threads.
    pub threads: usize,
    /// Time steps per second.
    pub steps_per_sec: f64,
    /// Wall time of one batch.
    pub ms_per_batch: f64,
    /// Forward pass and loss.
    pub forward_ms: f64,
    /// `loss.backward()`.
    pub backward_ms: f64,
    /// Clipping and the Adam step.
    pub optimizer_ms: f64,
    /// Peak resident memory of the Python process.
    pub peak_rss_mib: f64,
}

/// Runs the PyTorch reference with `python` (a venv's interpreter) and parses its JSON line.
pub fn run_pytorch(
    python: &Path,
    config: &TrainingConfig,
    warmup: usize,
    batches: usize,
) -> LibResult<PytorchBench> {
    let dir = std::env::temp_dir().join(format!("lstmuse-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let script = dir.join("pytorch_lstm.py");
    std::fs::write(&script, PYTORCH_SCRIPT).map_err(|e| Error::io(&script, e))?;
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let output = std::process::Command::new(python)
        .arg(&script)
        .args(["--batches", &batches.to_string()])
        .args(["--warmup", &warmup.to_string()])
        .args(["--threads", &threads.to_string()])
        .args(["--batch", &config.batch_size.to_string()])
        .args(["--seq", &config.seq_len.to_string()])
        .args(["--hidden", &config.model.hidden_size.to_string()])
        .args(["--vocab", &config.model.vocab_size.to_string()])
        .output()
        .map_err(|e| Error::io(python, e));
    let _ = std::fs::remove_dir_all(&dir);
    let output = output?;
    if !output.status.success() {
        return Err(Error::Tool(format!(
            "the PyTorch benchmark failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or("");
    serde_json::from_str(line).map_err(|e| {
        Error::Tool(format!(
            "cannot read the PyTorch benchmark's output ({e}): {stdout}"
        ))
    })
}

/// The venv's Python for the PyTorch reference: `$LSTMUSE_TORCH_VENV` or ~/.cache/lstmuse/torch-venv.
fn torch_python() -> PathBuf {
    let venv = std::env::var_os("LSTMUSE_TORCH_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/lstmuse/torch-venv"))
        })
        .unwrap_or_else(|| PathBuf::from("torch-venv"));
    venv.join("bin/python")
}

/// Runs the PyTorch twin of the training bench (when its venv exists) and compares both
/// engines with it.
pub fn bench_pytorch(
    config: &lstmuse::model::TrainingConfig,
    batches: usize,
    (fused, composed): (&TrainBench, &TrainBench),
) -> Result<()> {
    let python = torch_python();
    if !python.is_file() {
        println!(
            "pytorch: no venv at {}: create it with scripts/setup_pytorch_bench.sh (or set LSTMUSE_TORCH_VENV)",
            python.display()
        );
        return Ok(());
    }
    let torch = run_pytorch(&python, config, TRAIN_WARMUP, batches)?;
    println!(
        "pytorch  {:>8.0} steps/s  {:>7.1} ms/batch  (forward+loss {:.1}, backward {:.1}, optimizer {:.1})  torch {}, {} threads, random ids  peak {:.0} MiB",
        torch.steps_per_sec,
        torch.ms_per_batch,
        torch.forward_ms,
        torch.backward_ms,
        torch.optimizer_ms,
        torch.torch,
        torch.threads,
        torch.peak_rss_mib
    );
    for (name, b) in [("fused", fused), ("composed", composed)] {
        println!(
            "ratio {name}/pytorch: {:.2}× the throughput",
            b.steps_per_sec / torch.steps_per_sec
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average before the run: {} (compare only on a quiet machine)",
        load.split_whitespace().next().unwrap_or("n/a")
    );
    Ok(())
}

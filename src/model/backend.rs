//! Choosing where the model runs: a hardware GPU through wgpu, or the CPU (Burn's `flex`).

use crate::error::{Error, Result};
use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The user's choice of backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    /// wgpu on a hardware GPU when there is one, else the CPU. Software adapters
    /// (lavapipe, llvmpipe, SwiftShader) count as no GPU.
    #[default]
    Auto,
    /// wgpu on whatever adapter wgpu picks (even a software one).
    Wgpu,
    /// The CPU: Burn's pure-Rust `flex` backend on all cores.
    Cpu,
}

impl FromStr for BackendChoice {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(BackendChoice::Auto),
            "wgpu" | "gpu" => Ok(BackendChoice::Wgpu),
            "cpu" => Ok(BackendChoice::Cpu),
            other => Err(Error::Invalid(format!(
                "unknown backend `{other}`: use auto, wgpu or cpu"
            ))),
        }
    }
}

impl fmt::Display for BackendChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Wgpu => "wgpu",
            BackendChoice::Cpu => "cpu",
        })
    }
}

/// A device and a human name for it (the GPU adapter's name, or "CPU (flex, N threads)").
#[derive(Clone, Debug)]
pub struct ChosenDevice {
    /// The Burn device (without autodiff).
    pub device: Device,
    /// What to show the user.
    pub name: String,
    /// True when this runs on a GPU.
    pub is_gpu: bool,
}

/// The CPU device.
pub fn cpu() -> ChosenDevice {
    ChosenDevice {
        device: Device::flex(),
        name: format!(
            "CPU (flex, {} threads)",
            std::thread::available_parallelism().map_or(1, usize::from)
        ),
        is_gpu: false,
    }
}

/// Names of software rasterisers that must never be used for training.
pub fn is_software_adapter(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "llvmpipe",
        "lavapipe",
        "swiftshader",
        "software",
        "softpipe",
        "warp",
    ]
    .iter()
    .any(|s| n.contains(s))
}

/// Resolves a choice to a device. `Wgpu` without the `wgpu` feature is an error;
/// `Auto` falls back to the CPU.
pub fn choose(choice: BackendChoice) -> Result<ChosenDevice> {
    match choice {
        BackendChoice::Cpu => Ok(cpu()),
        BackendChoice::Auto => Ok(hardware_gpu().unwrap_or_else(cpu)),
        BackendChoice::Wgpu => wgpu_any(),
    }
}

/// The first graphics card wgpu reaches. Software rasterisers have no card behind them,
/// so `enumerate_physical` never lists them; the name check is a second guard.
#[cfg(feature = "wgpu")]
fn hardware_gpu() -> Option<ChosenDevice> {
    let gpus = std::panic::catch_unwind(Device::enumerate_physical).ok()?;
    let gpu = gpus.into_iter().find(|g| !is_software_adapter(&g.name))?;
    let device = gpu.devices.into_iter().next()?;
    Some(ChosenDevice {
        device,
        name: gpu.name,
        is_gpu: true,
    })
}

#[cfg(not(feature = "wgpu"))]
fn hardware_gpu() -> Option<ChosenDevice> {
    None
}

#[cfg(feature = "wgpu")]
fn wgpu_any() -> Result<ChosenDevice> {
    use burn::tensor::DeviceKind;
    // Opening the device tells whether there is an adapter at all; a software one
    // (lavapipe) counts here, unlike for `Auto`.
    let device = Device::wgpu(DeviceKind::DefaultDevice);
    let probe = device.clone();
    let identity = std::panic::catch_unwind(move || probe.identity())
        .ok()
        .flatten()
        .ok_or_else(|| {
            Error::Invalid("no wgpu adapter found (install a Vulkan, Metal or DX12 driver)".into())
        })?;
    Ok(ChosenDevice {
        device,
        name: identity.name,
        is_gpu: true,
    })
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_any() -> Result<ChosenDevice> {
    Err(Error::Invalid(
        "this build has no GPU support: rebuild with `--features wgpu`, or use --backend cpu"
            .into(),
    ))
}

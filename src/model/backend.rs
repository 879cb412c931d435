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
        "basic render",
    ]
    .iter()
    .any(|s| n.contains(s))
}

/// Resolves a choice to a device. `Wgpu` without the `wgpu` feature is an error;
/// `Auto` falls back to the CPU.
///
/// Nothing is opened here: a Burn device connects to its adapter on first use, and `Auto`
/// decides from wgpu's adapter list ([`hardware_adapter`]), so choosing costs no GPU
/// device (and no CubeCL server thread, which polls for as long as the process lives).
pub fn choose(choice: BackendChoice) -> Result<ChosenDevice> {
    match choice {
        BackendChoice::Cpu => Ok(cpu()),
        BackendChoice::Auto => Ok(hardware_gpu().unwrap_or_else(cpu)),
        BackendChoice::Wgpu => wgpu_any(),
    }
}

/// What kind of adapter wgpu reports (`wgpu::DeviceType`, without depending on wgpu).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdapterKind {
    /// A graphics card.
    Discrete,
    /// A GPU sharing the CPU's memory.
    Integrated,
    /// A GPU in a virtual machine.
    Virtual,
    /// A software rasteriser (lavapipe, llvmpipe, SwiftShader).
    Cpu,
    /// Anything else (the GL backend reports real GPUs as this).
    Other,
}

/// One adapter of one graphics API, as listed (never opened).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterSummary {
    /// The adapter's name.
    pub name: String,
    /// Its kind.
    pub kind: AdapterKind,
}

/// A hardware adapter that `Auto` may use: its name, its kind, and its index among the
/// adapters of that kind on the graphics API CubeCL settles on (how a Burn device names it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HardwareAdapter {
    /// The adapter's name.
    pub name: String,
    /// Discrete, integrated or virtual.
    pub kind: AdapterKind,
    /// Index among the adapters of `kind` on that API.
    pub index: usize,
}

/// Picks the GPU `Auto` uses from the adapters of each graphics API, in CubeCL's order of
/// preference: the API is the first one with any adapter that is not a software
/// rasteriser (as CubeCL settles it); on it, the first discrete GPU, else the first
/// integrated one, else the first virtual one, never a software rasteriser by kind or name.
pub fn hardware_adapter(apis: &[Vec<AdapterSummary>]) -> Option<HardwareAdapter> {
    let adapters = apis
        .iter()
        .find(|list| list.iter().any(|a| a.kind != AdapterKind::Cpu))?;
    [
        AdapterKind::Discrete,
        AdapterKind::Integrated,
        AdapterKind::Virtual,
    ]
    .into_iter()
    .find_map(|kind| {
        let (index, a) = adapters
            .iter()
            .filter(|a| a.kind == kind)
            .enumerate()
            .find(|(_, a)| !is_software_adapter(&a.name))?;
        Some(HardwareAdapter {
            name: a.name.clone(),
            kind,
            index,
        })
    })
}

/// The first hardware GPU wgpu lists, as a device that opens on first use. Adapters are
/// listed through wgpu, which opens none of them; software rasterisers are skipped.
#[cfg(feature = "wgpu")]
fn hardware_gpu() -> Option<ChosenDevice> {
    use burn::tensor::DeviceKind;
    let apis = std::panic::catch_unwind(adapters::list).ok()?;
    let gpu = hardware_adapter(&apis)?;
    let kind = match gpu.kind {
        AdapterKind::Discrete => DeviceKind::DiscreteGpu(gpu.index),
        AdapterKind::Integrated => DeviceKind::IntegratedGpu(gpu.index),
        _ => DeviceKind::VirtualGpu(gpu.index),
    };
    Some(ChosenDevice {
        device: Device::wgpu(kind),
        name: gpu.name,
        is_gpu: true,
    })
}

#[cfg(not(feature = "wgpu"))]
fn hardware_gpu() -> Option<ChosenDevice> {
    None
}

/// Listing wgpu's adapters without opening a device.
#[cfg(feature = "wgpu")]
mod adapters {
    use super::{AdapterKind, AdapterSummary};
    use burn::backend::wgpu::graphics::AutoGraphicsApi;
    use burn::backend::wgpu::wgpu;

    /// The adapters of each graphics API CubeCL's `Auto` tries, in its order.
    pub fn list() -> Vec<Vec<AdapterSummary>> {
        AutoGraphicsApi::chain().into_iter().map(api).collect()
    }

    fn api(backend: wgpu::Backend) -> Vec<AdapterSummary> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends: backend.into(),
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        block_on(instance.enumerate_adapters(backend.into()))
            .iter()
            .map(|a| {
                let info = a.get_info();
                AdapterSummary {
                    kind: match info.device_type {
                        wgpu::DeviceType::DiscreteGpu => AdapterKind::Discrete,
                        wgpu::DeviceType::IntegratedGpu => AdapterKind::Integrated,
                        wgpu::DeviceType::VirtualGpu => AdapterKind::Virtual,
                        wgpu::DeviceType::Cpu => AdapterKind::Cpu,
                        wgpu::DeviceType::Other => AdapterKind::Other,
                    },
                    name: info.name,
                }
            })
            .collect()
    }

    /// Runs a future to completion on this thread (native wgpu's are ready at once).
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
            std::thread::yield_now();
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(name: &str, kind: AdapterKind) -> AdapterSummary {
        AdapterSummary {
            name: name.into(),
            kind,
        }
    }

    #[test]
    fn software_rasterisers_are_never_the_gpu() {
        let lavapipe = adapter("llvmpipe (LLVM 15.0.6, 256 bits)", AdapterKind::Cpu);
        assert_eq!(hardware_adapter(&[vec![lavapipe.clone()], vec![]]), None);
        // A software adapter that reports itself as a GPU is caught by its name.
        let disguised = adapter("SwiftShader Device", AdapterKind::Discrete);
        assert_eq!(hardware_adapter(&[vec![disguised]]), None);
        assert_eq!(hardware_adapter(&[]), None);
    }

    #[test]
    fn auto_takes_the_first_discrete_gpu_of_the_api_cubecl_settles_on() {
        let vulkan = vec![
            adapter("llvmpipe", AdapterKind::Cpu),
            adapter("Intel UHD 630", AdapterKind::Integrated),
            adapter("NVIDIA H200", AdapterKind::Discrete),
        ];
        let gl = vec![adapter("NVIDIA H200/PCIe", AdapterKind::Other)];
        let gpu = hardware_adapter(&[vulkan, gl]);
        assert_eq!(
            gpu,
            Some(HardwareAdapter {
                name: "NVIDIA H200".into(),
                kind: AdapterKind::Discrete,
                index: 0,
            })
        );
        // Vulkan with only lavapipe: the next API with a GPU is the one CubeCL uses.
        let vulkan = vec![adapter("llvmpipe", AdapterKind::Cpu)];
        let dx12 = vec![
            adapter("Microsoft Basic Render Driver", AdapterKind::Integrated),
            adapter("Radeon 780M", AdapterKind::Integrated),
        ];
        let gpu = hardware_adapter(&[vulkan, dx12]);
        assert_eq!(
            gpu.map(|g| (g.name, g.index)),
            Some(("Radeon 780M".into(), 1))
        );
    }

    /// `Auto` decides from the adapter list: it opens no CubeCL device (whose server thread
    /// would poll for the rest of the process's life). Here the only adapter is a software
    /// one, so the answer is the CPU and no `DSD-…` device thread may appear.
    #[cfg(target_os = "linux")]
    #[test]
    fn choosing_auto_opens_no_device() {
        let device_threads = || {
            std::fs::read_dir("/proc/self/task")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
                .filter(|name| name.starts_with("DSD-"))
                .count()
        };
        let before = device_threads();
        let chosen = choose(BackendChoice::Auto).unwrap();
        if chosen.is_gpu {
            eprintln!("SKIP: a hardware GPU is here ({})", chosen.name);
            return;
        }
        assert_eq!(device_threads(), before, "a device was opened");
    }
}

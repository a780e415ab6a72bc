//! The GPU backend (cargo feature `gpu`): one wgpu device per process, created on first use and
//! shared by every thread; the adapter chosen under [`GpuPolicy`]; WGSL kernels for the batched
//! real FFT (`fft.wgsl`) and partitioned convolution (`conv.wgsl`); a batcher that gathers
//! concurrent callers' command buffers into one submission. Only Vulkan, Metal and DX12 are built
//! (no GL). Whatever fails on the GPU (no adapter, a software adapter under `auto`, small limits,
//! a validation error, out of memory, a lost device) becomes a reason, and the CPU runs instead.

mod backend;
mod batch;
mod kernels;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub use backend::{Fault, GpuBackend};
pub use batch::BatchStats;

use super::{AdapterSummary, GpuPolicy, GpuReport};

fn summary_of(info: &wgpu::AdapterInfo) -> AdapterSummary {
    AdapterSummary {
        name: info.name.clone(),
        backend: format!("{:?}", info.backend),
        device_type: format!("{:?}", info.device_type),
        driver: info.driver.clone(),
        driver_info: info.driver_info.clone(),
    }
}

/// Lists the adapters and what a request for the GPU gets now (creating the device if needed).
pub fn report() -> GpuReport {
    let adapters: Vec<AdapterSummary> = probe().adapters.iter().map(|a| a.1.clone()).collect();
    let policy = GpuPolicy::from_env();
    let (chosen, backend, why) = match policy.clone() {
        Err(e) => (None, format!("cpu: {e}"), e),
        Ok(GpuPolicy::Off) => (None, "cpu: RAE_GPU=off".into(), "RAE_GPU=off".into()),
        Ok(p) => {
            let name = adapter_name_filter();
            match choose(&adapters, p, name.as_deref()) {
                Err(e) => (None, format!("cpu: {e}"), e),
                Ok(i) => {
                    let why = choice_reason(&adapters[i], p, name.as_deref());
                    match context(p) {
                        Ok(ctx) => (Some(adapters[i].clone()), ctx.summary.label(), why),
                        Err(e) => (Some(adapters[i].clone()), format!("cpu: {e}"), why),
                    }
                }
            }
        }
    };
    GpuReport {
        policy: match policy {
            Ok(p) => format!("{p:?}").to_ascii_lowercase(),
            Err(e) => e,
        },
        adapters,
        chosen,
        backend,
        why,
    }
}

fn choice_reason(a: &AdapterSummary, policy: GpuPolicy, name: Option<&str>) -> String {
    let mut why = match (policy, a.is_software()) {
        (GpuPolicy::Force, true) => "RAE_GPU=force accepts a software adapter".to_string(),
        _ => format!("the best hardware adapter ({})", a.device_type),
    };
    if let Some(n) = name {
        why.push_str(&format!(", named by WGPU_ADAPTER_NAME={n}"));
    }
    why
}

fn adapter_name_filter() -> Option<String> {
    std::env::var("WGPU_ADAPTER_NAME")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// Picks an adapter index from `adapters` under `policy` (never `Off`), optionally only those
/// whose name contains `name` (case-insensitive): discrete before integrated before virtual
/// before other before software; `auto` never takes a software adapter.
pub fn choose(
    adapters: &[AdapterSummary],
    policy: GpuPolicy,
    name: Option<&str>,
) -> std::result::Result<usize, String> {
    if policy == GpuPolicy::Off {
        return Err("RAE_GPU=off".into());
    }
    let named: Vec<usize> = (0..adapters.len())
        .filter(|&i| {
            name.is_none_or(|n| {
                adapters[i]
                    .name
                    .to_ascii_lowercase()
                    .contains(&n.to_ascii_lowercase())
            })
        })
        .collect();
    if named.is_empty() {
        return Err(match name {
            Some(n) if !adapters.is_empty() => format!("no adapter named {n}"),
            _ => "no adapter".into(),
        });
    }
    let rank = |a: &AdapterSummary| match a.device_type.as_str() {
        "DiscreteGpu" => 0,
        "IntegratedGpu" => 1,
        "VirtualGpu" => 2,
        "Cpu" => 4,
        _ => 3,
    };
    let best = named
        .iter()
        .copied()
        .filter(|&i| policy == GpuPolicy::Force || !adapters[i].is_software())
        .min_by_key(|&i| rank(&adapters[i]));
    best.ok_or_else(|| {
        format!(
            "software adapter only ({}); RAE_GPU=force would use it",
            adapters[named[0]].name
        )
    })
}

/// The smallest limits the kernels need.
fn check_limits(l: &wgpu::Limits) -> std::result::Result<(), String> {
    let needs = [
        (
            "max_storage_buffer_binding_size",
            l.max_storage_buffer_binding_size,
            16 << 20,
        ),
        (
            "max_storage_buffers_per_shader_stage",
            u64::from(l.max_storage_buffers_per_shader_stage),
            3,
        ),
        (
            "max_compute_workgroups_per_dimension",
            u64::from(l.max_compute_workgroups_per_dimension),
            65535,
        ),
        (
            "max_compute_invocations_per_workgroup",
            u64::from(l.max_compute_invocations_per_workgroup),
            64,
        ),
    ];
    for (what, have, need) in needs {
        if have < need {
            return Err(format!("limits too small ({what} {have} < {need})"));
        }
    }
    Ok(())
}

/// The devices made so far, by adapter index (or why one could not be made).
type Devices = HashMap<usize, std::result::Result<Arc<Gpu>, String>>;

struct Probe {
    adapters: Vec<(wgpu::Adapter, AdapterSummary)>,
}

/// The adapters, enumerated once per process (`WGPU_BACKEND` narrows the APIs).
fn probe() -> &'static Probe {
    static PROBE: OnceLock<Probe> = OnceLock::new();
    PROBE.get_or_init(|| {
        let found = std::panic::catch_unwind(|| {
            let desc = wgpu::InstanceDescriptor {
                backends: wgpu::Backends::PRIMARY,
                flags: wgpu::InstanceFlags::empty(),
                ..wgpu::InstanceDescriptor::new_without_display_handle()
            }
            .with_env();
            let instance = wgpu::Instance::new(desc);
            pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()))
        })
        .unwrap_or_default();
        Probe {
            adapters: found
                .into_iter()
                .map(|a| {
                    let s = summary_of(&a.get_info());
                    (a, s)
                })
                .collect(),
        }
    })
}

/// The shared device for `policy`, created on first use: one per adapter per process (`auto`
/// and `force` share it when they pick the same adapter). A lost device is replaced by nothing:
/// later requests run on the CPU and say so.
pub(crate) fn context(policy: GpuPolicy) -> std::result::Result<Arc<Gpu>, String> {
    static DEVICES: OnceLock<Mutex<Devices>> = OnceLock::new();
    let p = probe();
    let summaries: Vec<AdapterSummary> = p.adapters.iter().map(|a| a.1.clone()).collect();
    let i = choose(&summaries, policy, adapter_name_filter().as_deref())?;
    let mut devices = DEVICES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let entry = devices
        .entry(i)
        .or_insert_with(|| Gpu::new(&p.adapters[i].0, p.adapters[i].1.clone()).map(Arc::new));
    let gpu = entry.clone()?;
    if let Some(why) = gpu.lost_reason() {
        return Err(why);
    }
    Ok(gpu)
}

/// The compute pipelines, one per kernel entry point.
pub(crate) struct Pipelines {
    pub radix4: wgpu::ComputePipeline,
    pub radix2: wgpu::ComputePipeline,
    pub untangle: wgpu::ComputePipeline,
    pub tangle: wgpu::ComputePipeline,
    pub pad: wgpu::ComputePipeline,
    pub mac: wgpu::ComputePipeline,
    pub overlap_add: wgpu::ComputePipeline,
}

/// One device and what the kernels need on it.
pub(crate) struct Gpu {
    pub summary: AdapterSummary,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub layout: wgpu::BindGroupLayout,
    pub pipelines: Pipelines,
    /// Largest buffer one binding may hold, bytes (the device's limit, at most 1 GiB, so that
    /// u32 indices into f32 arrays cannot overflow).
    pub max_binding: u64,
    /// A small buffer bound where a kernel uses no `aux`.
    pub dummy: wgpu::Buffer,
    twiddles: Mutex<HashMap<usize, Arc<wgpu::Buffer>>>,
    lost: Arc<Mutex<Option<String>>>,
    pub batcher: batch::Batcher,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gpu({})", self.summary.label())
    }
}

const COMMON_WGSL: &str = include_str!("common.wgsl");
const FFT_WGSL: &str = include_str!("fft.wgsl");
const CONV_WGSL: &str = include_str!("conv.wgsl");

impl Gpu {
    fn new(adapter: &wgpu::Adapter, summary: AdapterSummary) -> std::result::Result<Self, String> {
        let limits = adapter.limits();
        check_limits(&limits)?;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("rae"),
            required_limits: limits.clone(),
            memory_hints: wgpu::MemoryHints::Performance,
            ..Default::default()
        }))
        .map_err(|e| format!("device request failed on {} ({e})", summary.name))?;
        let lost: Arc<Mutex<Option<String>>> = Arc::default();
        let l2 = lost.clone();
        device.set_device_lost_callback(move |reason, msg| {
            let mut g = l2.lock().unwrap_or_else(|e| e.into_inner());
            g.get_or_insert_with(|| format!("device lost ({reason:?}: {msg})"));
        });
        // Errors outside a scope are recorded, never a panic (wgpu's default handler panics).
        device.on_uncaptured_error(Arc::new(|_e: wgpu::Error| {}));
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let storage = |binding, read_only| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("rae kernels"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: None,
                    },
                    count: None,
                },
                storage(1, true),
                storage(2, false),
                storage(3, true),
            ],
        });
        let pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("rae kernels"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let module = |name: &str, body: &str| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(name),
                source: wgpu::ShaderSource::Wgsl(format!("{COMMON_WGSL}\n{body}").into()),
            })
        };
        let fft = module("fft.wgsl", FFT_WGSL);
        let conv = module("conv.wgsl", CONV_WGSL);
        let pipe = |m: &wgpu::ShaderModule, entry: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&pl),
                module: m,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let pipelines = Pipelines {
            radix4: pipe(&fft, "radix4"),
            radix2: pipe(&fft, "radix2"),
            untangle: pipe(&fft, "untangle"),
            tangle: pipe(&fft, "tangle"),
            pad: pipe(&conv, "pad"),
            mac: pipe(&conv, "mac"),
            overlap_add: pipe(&conv, "overlap_add"),
        };
        let dummy = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("dummy"),
            size: 16,
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(format!("kernels rejected on {} ({e})", summary.name));
        }
        let max_binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            .min(1 << 30);
        Ok(Self {
            summary,
            device,
            queue,
            layout,
            pipelines,
            max_binding,
            dummy,
            twiddles: Mutex::default(),
            lost,
            batcher: batch::Batcher::default(),
        })
    }

    /// Why this device can no longer be used, if it was lost.
    pub fn lost_reason(&self) -> Option<String> {
        self.lost.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The twiddle table of an `n`-point real FFT: exp(-2 pi i t / n) for t < n, computed in f64.
    pub fn twiddles(&self, n: usize) -> Arc<wgpu::Buffer> {
        let mut t = self.twiddles.lock().unwrap_or_else(|e| e.into_inner());
        t.entry(n)
            .or_insert_with(|| {
                let data: Vec<f32> = (0..n)
                    .flat_map(|i| {
                        let a = -std::f64::consts::TAU * i as f64 / n as f64;
                        [a.cos() as f32, a.sin() as f32]
                    })
                    .collect();
                Arc::new(kernels::upload(self, "twiddles", &data))
            })
            .clone()
    }
}

/// Counters of the batcher of the device `policy` picks (for tests and benchmarks).
pub fn batch_stats(policy: GpuPolicy) -> Option<BatchStats> {
    context(policy).ok().map(|g| g.batcher.stats())
}

#[cfg(test)]
mod tests;

/// A GPU backend on the device `policy` picks, or why there is none.
pub fn backend(policy: GpuPolicy) -> std::result::Result<GpuBackend, String> {
    context(policy).map(GpuBackend::new)
}

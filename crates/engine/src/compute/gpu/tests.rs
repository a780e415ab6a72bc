//! Unit tests of the adapter choice (no device needed). The kernels are compared with the CPU
//! in crates/engine/tests/gpu.rs.

use super::{choose, AdapterSummary};
use crate::compute::GpuPolicy;

fn adapter(name: &str, device_type: &str) -> AdapterSummary {
    AdapterSummary {
        name: name.into(),
        backend: "Vulkan".into(),
        device_type: device_type.into(),
        driver: String::new(),
        driver_info: String::new(),
    }
}

#[test]
fn selection_table() {
    let none: Vec<AdapterSummary> = vec![];
    let soft = vec![adapter("llvmpipe (LLVM 15.0.6, 256 bits)", "Cpu")];
    let hard = vec![
        adapter("llvmpipe", "Cpu"),
        adapter("Intel UHD", "IntegratedGpu"),
        adapter("NVIDIA H200", "DiscreteGpu"),
    ];
    use GpuPolicy::*;
    assert_eq!(choose(&none, Auto, None), Err("no adapter".into()));
    assert_eq!(choose(&none, Force, None), Err("no adapter".into()));
    assert_eq!(choose(&none, Off, None), Err("RAE_GPU=off".into()));
    assert!(choose(&soft, Auto, None)
        .unwrap_err()
        .starts_with("software adapter only (llvmpipe"));
    assert_eq!(choose(&soft, Force, None), Ok(0));
    assert_eq!(choose(&soft, Off, None), Err("RAE_GPU=off".into()));
    assert_eq!(choose(&hard, Auto, None), Ok(2));
    assert_eq!(choose(&hard, Force, None), Ok(2));
    assert_eq!(choose(&hard, Off, None), Err("RAE_GPU=off".into()));
    // WGPU_ADAPTER_NAME narrows the choice.
    assert_eq!(choose(&hard, Force, Some("LLVMPIPE")), Ok(0));
    assert!(choose(&hard, Auto, Some("llvmpipe"))
        .unwrap_err()
        .starts_with("software adapter only"));
    assert_eq!(
        choose(&hard, Auto, Some("radeon")),
        Err("no adapter named radeon".into())
    );
}

#[test]
fn policy_parses() {
    assert_eq!(GpuPolicy::parse(""), Ok(GpuPolicy::Auto));
    assert_eq!(GpuPolicy::parse("Force"), Ok(GpuPolicy::Force));
    assert_eq!(GpuPolicy::parse("off"), Ok(GpuPolicy::Off));
    assert!(GpuPolicy::parse("maybe")
        .unwrap_err()
        .contains("auto, off or force"));
}

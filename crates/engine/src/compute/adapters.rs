//! What reports and `rae gpu` say about adapters: plain data, present with or without the
//! `gpu` feature.

/// An adapter as `rae gpu` lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AdapterSummary {
    pub name: String,
    /// The graphics API: Vulkan, Metal or Dx12.
    pub backend: String,
    /// DiscreteGpu, IntegratedGpu, VirtualGpu, Cpu (a software rasteriser) or Other.
    pub device_type: String,
    pub driver: String,
    pub driver_info: String,
}

impl AdapterSummary {
    /// True for software adapters (llvmpipe, lavapipe, WARP, SwiftShader).
    pub fn is_software(&self) -> bool {
        self.device_type == "Cpu"
    }

    /// How reports name a GPU run on it.
    pub fn label(&self) -> String {
        format!("gpu: {} ({})", self.name, self.backend)
    }
}

/// What `rae gpu` shows: the policy, every adapter found, and what a request for the GPU gets.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GpuReport {
    /// `RAE_GPU` as read, or the error it gave.
    pub policy: String,
    pub adapters: Vec<AdapterSummary>,
    /// The adapter a `use_gpu` request runs on, if any.
    pub chosen: Option<AdapterSummary>,
    /// What a `use_gpu` request's report says: `"gpu: ..."` or `"cpu: <reason>"`.
    pub backend: String,
    /// Why that one (or why none).
    pub why: String,
}

/// The report of a build without the `gpu` feature.
#[cfg(not(feature = "gpu"))]
pub(crate) fn without_gpu() -> GpuReport {
    GpuReport {
        policy: match super::GpuPolicy::from_env() {
            Ok(p) => format!("{p:?}").to_ascii_lowercase(),
            Err(e) => e,
        },
        adapters: Vec::new(),
        chosen: None,
        backend: "cpu: built without the gpu feature".into(),
        why: "built without the gpu feature".into(),
    }
}

impl GpuReport {
    /// The report as JSON.
    pub fn to_json(&self) -> crate::Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| crate::Error::Internal(format!("gpu report: {e}")))
    }
}

//! Recording the kernels: buffers, one dispatch per kernel call (its parameters in a small
//! uniform buffer), the FFT's passes, and reading results back. Every job records its own
//! command buffer on the caller's thread; the batcher submits them together.

use super::Gpu;
use wgpu::util::DeviceExt;

/// Threads per workgroup in every kernel (WG in common.wgsl).
const WG: u64 = 64;

pub(crate) fn bytes_of(data: &[f32]) -> &[u8] {
    bytemuck::cast_slice(data)
}

/// A storage buffer holding `data` (at least 16 bytes, as empty bindings are invalid).
pub(crate) fn upload(gpu: &Gpu, label: &str, data: &[f32]) -> wgpu::Buffer {
    if data.len() < 4 {
        let mut padded = data.to_vec();
        padded.resize(4, 0.0);
        return upload(gpu, label, &padded);
    }
    gpu.device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytes_of(data),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        })
}

/// A storage buffer of `floats` f32 values, written by the kernels.
pub(crate) fn scratch(gpu: &Gpu, label: &str, floats: u64) -> wgpu::Buffer {
    gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: (floats * 4).max(16),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    })
}

/// A command encoder with helpers for the kernels.
pub(crate) struct Recorder<'a> {
    pub gpu: &'a Gpu,
    pub encoder: wgpu::CommandEncoder,
}

impl<'a> Recorder<'a> {
    pub fn new(gpu: &'a Gpu) -> Self {
        let encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("rae") });
        Self { gpu, encoder }
    }

    /// One dispatch of `pipeline` over `params[0]` threads.
    pub fn dispatch(
        &mut self,
        pipeline: &wgpu::ComputePipeline,
        params: [u32; 8],
        src: &wgpu::Buffer,
        dst: &wgpu::Buffer,
        aux: Option<&wgpu::Buffer>,
    ) {
        let total = u64::from(params[0]);
        if total == 0 {
            return;
        }
        let uniform = self
            .gpu
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("params"),
                contents: bytemuck::cast_slice(&params),
                usage: wgpu::BufferUsages::UNIFORM,
            });
        let group = self
            .gpu
            .device
            .create_bind_group(&wgpu::BindGroupDescriptor {
                label: None,
                layout: &self.gpu.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: uniform.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: src.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: dst.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: aux.unwrap_or(&self.gpu.dummy).as_entire_binding(),
                    },
                ],
            });
        let groups = total.div_ceil(WG);
        let x = groups.min(65535);
        let y = groups.div_ceil(x);
        let mut pass = self
            .encoder
            .begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: None,
                timestamp_writes: None,
            });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &group, &[]);
        pass.dispatch_workgroups(x as u32, y as u32, 1);
    }

    /// Complex FFTs of size n / 2 over `batch` frames in `a` (n reals each, read as complex
    /// pairs), ping-ponging with `b`: Stockham passes of radix 4, then one of radix 2 where
    /// log2(n / 2) is odd. Returns true when the result ends in `b`.
    pub fn fft_passes(
        &mut self,
        n: usize,
        batch: usize,
        a: &wgpu::Buffer,
        b: &wgpu::Buffer,
        tw: &wgpu::Buffer,
    ) -> bool {
        let gpu = self.gpu;
        let m = n / 2;
        let mut p = 1;
        let mut in_b = false;
        while p < m {
            let radix = if m / p >= 4 { 4 } else { 2 };
            let (pipe, total) = if radix == 4 {
                (&gpu.pipelines.radix4, batch * m / 4)
            } else {
                (&gpu.pipelines.radix2, batch * m / 2)
            };
            let params = [
                total as u32,
                m as u32,
                p as u32,
                (n / (radix * p)) as u32,
                0,
                0,
                0,
                0,
            ];
            let (s, d) = if in_b { (b, a) } else { (a, b) };
            self.dispatch(pipe, params, s, d, Some(tw));
            in_b = !in_b;
            p *= radix;
        }
        in_b
    }

    /// Copies `src` into a new mappable buffer of `floats` values, to read after submission.
    pub fn read_back(&mut self, src: &wgpu::Buffer, floats: u64) -> wgpu::Buffer {
        let size = (floats * 4).max(4);
        let rb = self.gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.encoder.copy_buffer_to_buffer(src, 0, &rb, 0, size);
        rb
    }

    pub fn finish(self) -> wgpu::CommandBuffer {
        self.encoder.finish()
    }
}

/// Maps `rb` after `index` completed and copies its first `out.len()` floats into `out`.
pub(crate) fn read_into(
    gpu: &Gpu,
    rb: &wgpu::Buffer,
    index: &wgpu::SubmissionIndex,
    out: &mut [f32],
) -> Result<(), String> {
    let (tx, rx) = std::sync::mpsc::channel();
    rb.slice(..).map_async(wgpu::MapMode::Read, move |r| {
        let _ = tx.send(r);
    });
    loop {
        if let Err(e) = gpu.device.poll(wgpu::PollType::Wait {
            submission_index: Some(index.clone()),
            timeout: Some(std::time::Duration::from_secs(120)),
        }) {
            return Err(format!("GPU wait failed ({e})"));
        }
        match rx.recv_timeout(std::time::Duration::from_millis(50)) {
            Ok(Ok(())) => break,
            Ok(Err(e)) => return Err(format!("reading back failed ({e})")),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Some(why) = gpu.lost_reason() {
                    return Err(why);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err("reading back failed (callback dropped)".into())
            }
        }
    }
    {
        let view = rb
            .slice(..)
            .get_mapped_range()
            .map_err(|e| format!("reading back failed ({e})"))?;
        let bytes = &view[..out.len() * 4];
        match bytemuck::try_cast_slice::<u8, f32>(bytes) {
            Ok(f) => out.copy_from_slice(f),
            Err(_) => {
                for (o, c) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                    *o = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                }
            }
        }
    }
    rb.unmap();
    Ok(())
}

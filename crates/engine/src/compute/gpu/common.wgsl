// Bindings and helpers shared by every kernel (prepended to fft.wgsl and conv.wgsl). All
// storage is plain f32 so one bind-group layout serves every kernel; complex values are
// (re, im) pairs. Dispatches are two-dimensional (x up to 65535 workgroups), flattened here.

struct Params {
    total: u32,
    a: u32,
    b: u32,
    c: u32,
    d: u32,
    e: u32,
    f: u32,
    g: u32,
}

@group(0) @binding(0) var<uniform> prm: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> aux: array<f32>;

const WG: u32 = 64u;

fn flat_id(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
    return (wid.y * nwg.x + wid.x) * WG + lid;
}

fn ld(i: u32) -> vec2<f32> {
    return vec2<f32>(src[2u * i], src[2u * i + 1u]);
}

fn st(i: u32, v: vec2<f32>) {
    dst[2u * i] = v.x;
    dst[2u * i + 1u] = v.y;
}

fn ldaux(i: u32) -> vec2<f32> {
    return vec2<f32>(aux[2u * i], aux[2u * i + 1u]);
}

fn cmul(x: vec2<f32>, y: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(x.x * y.x - x.y * y.y, x.x * y.y + x.y * y.x);
}

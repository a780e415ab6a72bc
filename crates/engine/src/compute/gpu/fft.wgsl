// Batched real FFT of size n = 2m: the n reals of a frame are read as m complex values
// z[j] = x[2j] + i x[2j+1], transformed by Stockham autosort passes of radix 4 and 2 (global
// memory ping-pong, one dispatch per pass), then untangled into the n/2 + 1 bins of the real
// transform. `aux` holds the twiddles exp(-2 pi i t / n), t < n, computed in f64 on the CPU.

// One Stockham pass. total = batch * m / 4, a = m, b = p (product of the radices done so far),
// c = n / (4 p) (twiddle stride).
@compute @workgroup_size(64)
fn radix4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
    let g = flat_id(wid, nwg, lid);
    if (g >= prm.total) {
        return;
    }
    let m = prm.a;
    let q = m / 4u;
    let p = prm.b;
    let base = (g / q) * m;
    let i = g % q;
    let k = i & (p - 1u);
    let s = k * prm.c;
    let x0 = ld(base + i);
    let x1 = cmul(ld(base + i + q), ldaux(s));
    let x2 = cmul(ld(base + i + 2u * q), ldaux(2u * s));
    let x3 = cmul(ld(base + i + 3u * q), ldaux(3u * s));
    let a0 = x0 + x2;
    let a1 = x0 - x2;
    let b0 = x1 + x3;
    let d = x1 - x3;
    let b1 = vec2<f32>(d.y, -d.x);
    let j = base + (i - k) * 4u + k;
    st(j, a0 + b0);
    st(j + p, a1 + b1);
    st(j + 2u * p, a0 - b0);
    st(j + 3u * p, a1 - b1);
}

// As radix4 with radix 2: total = batch * m / 2, c = n / (2 p).
@compute @workgroup_size(64)
fn radix2(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
    let g = flat_id(wid, nwg, lid);
    if (g >= prm.total) {
        return;
    }
    let m = prm.a;
    let q = m / 2u;
    let p = prm.b;
    let base = (g / q) * m;
    let i = g % q;
    let k = i & (p - 1u);
    let x0 = ld(base + i);
    let x1 = cmul(ld(base + i + q), ldaux(k * prm.c));
    let j = base + (i - k) * 2u + k;
    st(j, x0 + x1);
    st(j + p, x0 - x1);
}

// The real spectrum from the complex one: total = batch * (m + 1), a = m, b = 1 for
// magnitudes (one f32 per bin) or 0 for complex bins.
@compute @workgroup_size(64)
fn untangle(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lid: u32) {
    let g = flat_id(wid, nwg, lid);
    if (g >= prm.total) {
        return;
    }
    let m = prm.a;
    let bins = m + 1u;
    let f = g / bins;
    let k = g % bins;
    let zk = ld(f * m + k % m);
    let zc = ld(f * m + (m - k) % m);
    let zm = vec2<f32>(zc.x, -zc.y);
    let e = 0.5 * (zk + zm);
    let d = zk - zm;
    let o = 0.5 * vec2<f32>(d.y, -d.x);
    let x = e + cmul(ldaux(k), o);
    if (prm.b == 1u) {
        dst[g] = sqrt(x.x * x.x + x.y * x.y);
    } else {
        st(g, x);
    }
}

// The inverse's first step: from bins X[0..=m] (stride m + 1), the conjugate of the complex
// sequence whose inverse transform interleaves the even and odd samples (times n, as an
// unnormalised inverse real FFT). A forward transform of it, conjugated, is that inverse: the
// conjugation is left to the reader (conv.wgsl's overlap_add). total = batch * m, a = m.
@compute @workgroup_size(64)
fn tangle(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
    let g = flat_id(wid, nwg, lid);
    if (g >= prm.total) {
        return;
    }
    let m = prm.a;
    let f = g / m;
    let k = g % m;
    let xk = ld(f * (m + 1u) + k);
    let xc = ld(f * (m + 1u) + m - k);
    let xm = vec2<f32>(xc.x, -xc.y);
    let e = xk + xm;
    let w = ldaux(k);
    let o = cmul(xk - xm, vec2<f32>(w.x, -w.y));
    // z = e + i o, stored conjugated.
    let z = vec2<f32>(e.x - o.y, e.y + o.x);
    st(g, vec2<f32>(z.x, -z.y));
}

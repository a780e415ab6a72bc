// Uniformly partitioned FFT convolution: the signal is cut into blocks of b frames, each
// zero-padded to l = 2b and transformed (fft.wgsl); each output block's spectrum is the sum over
// partitions p of input block (j - p) times filter partition p; inverse transforms are then
// overlapped and added.

// Signal [channels][n] -> zero-padded blocks [channels][jin][l]. total = channels * jin * l,
// a = b, b = n, c = jin, d = l.
@compute @workgroup_size(64)
fn pad(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
       @builtin(local_invocation_index) lid: u32) {
    let g = flat_id(wid, nwg, lid);
    if (g >= prm.total) {
        return;
    }
    let blk = prm.a;
    let n = prm.b;
    let l = prm.d;
    let ch = g / (prm.c * l);
    let j = (g / l) % prm.c;
    let t = g % l;
    let at = j * blk + t;
    var v = 0.0;
    if (t < blk && at < n) {
        v = src[ch * n + at];
    }
    dst[g] = v;
}

// Output spectra [channels][jout][bins] from input spectra [channels][jin][bins] (src) and
// filter spectra [filter_channels][parts][bins] (aux). total = channels * jout * bins,
// a = bins, b = jin, c = jout, d = parts, e = filter channels.
@compute @workgroup_size(64)
fn mac(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
       @builtin(local_invocation_index) lid: u32) {
    let g = flat_id(wid, nwg, lid);
    if (g >= prm.total) {
        return;
    }
    let bins = prm.a;
    let jin = prm.b;
    let jout = prm.c;
    let parts = prm.d;
    let ch = g / (jout * bins);
    let j = (g / bins) % jout;
    let k = g % bins;
    let hbase = (ch % prm.e) * parts * bins;
    var acc = vec2<f32>(0.0, 0.0);
    var p = 0u;
    if (j >= jin) {
        p = j - jin + 1u;
    }
    let last = min(j, parts - 1u);
    for (; p <= last; p = p + 1u) {
        let x = ld((ch * jin + j - p) * bins + k);
        acc = acc + cmul(x, ldaux(hbase + p * bins + k));
    }
    if (k == 0u || k == bins - 1u) {
        acc.y = 0.0;
    }
    st(g, acc);
}

// Output [channels][out_len] from the inverse transforms [channels][jout][l] (src, read
// conjugated: see fft.wgsl's tangle). total = channels * out_len, a = b, b = l, c = out_len,
// d = jout.
@compute @workgroup_size(64)
fn overlap_add(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
    let g = flat_id(wid, nwg, lid);
    if (g >= prm.total) {
        return;
    }
    let blk = prm.a;
    let l = prm.b;
    let jout = prm.d;
    let ch = g / prm.c;
    let idx = g % prm.c;
    let j = idx / blk;
    let t = idx % blk;
    var v = 0.0;
    if (j < jout) {
        v = v + real_at((ch * jout + j) * l + t);
    }
    if (j > 0u && j - 1u < jout) {
        v = v + real_at((ch * jout + j - 1u) * l + t + blk);
    }
    dst[g] = v;
}

fn real_at(e: u32) -> f32 {
    if ((e & 1u) == 0u) {
        return src[e];
    }
    return -src[e];
}

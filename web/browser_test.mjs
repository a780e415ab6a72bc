// Headless-browser test: the peaks `rae waveform` writes load, with no conversion, in the two web
// players the app uses: wavesurfer.js v7 (our wavesurfer JSON through its `peaks` + `duration`
// options) and peaks.js (our 8-bit audiowaveform .json and .dat, through `dataUri` and
// `waveformData`). A stereo test signal with a known envelope (silence, a 1 kHz tone whose
// amplitude ramps linearly 0.1 -> 0.9, silence) goes through the real CLI; each player draws it in
// Debian's chromium (driven by playwright-core, no browser download), and the screenshot's pixels
// must show that envelope: ink where the tone is, its height following the ramp, none in the
// silences. Screenshots are kept in web/screenshots/ for a human to look at.
//
// Environment: RAE_BIN (default ../target/ci/rae), CHROMIUM (default /usr/bin/chromium).

import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const raeBin = resolve(process.env.RAE_BIN || join(here, '..', 'target', 'ci', 'rae'));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shotsDir = join(here, 'screenshots');

// The test signal. Times in seconds.
const SAMPLE_RATE = 44100;
const DURATION_S = 2.0;
const TONE_START_S = 0.25;
const TONE_END_S = 1.75;
const AMP_START = 0.1;
const AMP_END = 0.9;
// A period (44 samples) fits in every pixel of every view, so each pixel's extreme is the envelope.
const TONE_HZ = 1000;

function amplitudeAt(t) {
  if (t < TONE_START_S || t >= TONE_END_S) return 0;
  return AMP_START + ((AMP_END - AMP_START) * (t - TONE_START_S)) / (TONE_END_S - TONE_START_S);
}

// 16-bit PCM stereo WAV. Both channels equal, so the merged waveform is the envelope itself;
// or (rightSilent) the right channel silent, to see which channel a split view draws where.
function writeTestWav(path, rightSilent = false) {
  const frames = Math.round(SAMPLE_RATE * DURATION_S);
  const channels = 2;
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const t = i / SAMPLE_RATE;
    const x = amplitudeAt(t) * Math.sin(2 * Math.PI * TONE_HZ * t);
    const v = Math.max(-32768, Math.min(32767, Math.round(x * 32767)));
    data.writeInt16LE(v, i * 4);
    data.writeInt16LE(rightSilent ? 0 : v, i * 4 + 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(SAMPLE_RATE * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([h, data]));
}

function rae(args) {
  const r = spawnSync(raeBin, ['waveform', '--quiet', ...args], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`rae waveform ${args.join(' ')} failed: ${r.error || r.stderr}`);
  }
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.dat': 'application/octet-stream',
};

// Static files: /pages/ and /node_modules/ from web/, /data/ from the generated directory.
function serve(dataDir) {
  const roots = { pages: join(here, 'pages'), node_modules: join(here, 'node_modules'), data: dataDir };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const [, top, ...rest] = path.split('/');
    const root = roots[top];
    const file = root && normalize(join(root, ...rest));
    if (!file || !file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// Per screenshot column: the vertical extent of "ink" (pixels clearly unlike the white
// background), measured in the browser itself, which decodes the PNG.
async function columnExtents(page, png) {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const { data, width, height } = g.getImageData(0, 0, img.width, img.height);
    const heights = [];
    const tops = [];
    const bottoms = [];
    let ink = 0;
    for (let x = 0; x < width; x++) {
      let top = -1;
      let bottom = -1;
      for (let y = 0; y < height; y++) {
        const i = (y * width + x) * 4;
        const diff = 255 * 3 - (data[i] + data[i + 1] + data[i + 2]);
        if (diff > 90) {
          ink++;
          if (top < 0) top = y;
          bottom = y;
        }
      }
      heights.push(top < 0 ? 0 : bottom - top + 1);
      tops.push(top);
      bottoms.push(bottom);
    }
    return { width, height, heights, tops, bottoms, ink };
  }, png.toString('base64'));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// The checks every player must pass, given the per-column extents of its screenshot.
function checkEnvelope(name, { width, height, heights, ink }) {
  const failures = [];
  const at = (f) => median(heights.slice(Math.round(f * width) - 4, Math.round(f * width) + 5));
  const expected = (f) => amplitudeAt(f * DURATION_S);
  if (ink < 0.05 * width * height) failures.push(`too little drawn: ${ink} ink pixels`);
  // Two points 25% and 75% of the way through the tone.
  const f1 = (TONE_START_S + 0.25 * (TONE_END_S - TONE_START_S)) / DURATION_S;
  const f2 = (TONE_START_S + 0.75 * (TONE_END_S - TONE_START_S)) / DURATION_S;
  const [h1, h2] = [at(f1), at(f2)];
  const ratio = h2 / Math.max(h1, 1);
  const want = expected(f2) / expected(f1);
  if (!(Math.abs(ratio / want - 1) <= 0.12)) {
    failures.push(`height ratio at 75%/25% of the tone is ${ratio.toFixed(3)}, expected ${want.toFixed(3)} +-12%`);
  }
  // Height as a fraction of the view follows the amplitude (both players scale 0 dBFS to the
  // full height).
  for (const [f, h] of [[f1, h1], [f2, h2]]) {
    const frac = h / height;
    if (Math.abs(frac - expected(f)) > 0.05) {
      failures.push(`height at ${(100 * f).toFixed(1)}% of the width is ${frac.toFixed(3)} of the view, expected ${expected(f).toFixed(3)} +-0.05`);
    }
  }
  // The envelope grows along the tone.
  const steps = [0.1, 0.3, 0.5, 0.7, 0.9].map((p) => at((TONE_START_S + p * (TONE_END_S - TONE_START_S)) / DURATION_S));
  for (let i = 1; i < steps.length; i++) {
    if (!(steps[i] > steps[i - 1])) failures.push(`envelope does not grow along the tone: ${steps.join(', ')}`);
  }
  // Nothing (beyond a 2-pixel centre line) where the signal is silent.
  const silentMax = (a, b) => Math.max(...heights.slice(Math.round(a * width), Math.round(b * width)));
  const lead = silentMax(0.01, (TONE_START_S / DURATION_S) - 0.02);
  const tail = silentMax((TONE_END_S / DURATION_S) + 0.02, 0.99);
  if (lead > 2 || tail > 2) failures.push(`drawn in the silences: ${lead} px before, ${tail} px after the tone`);
  // The tone starts and ends where the time scale puts it (catches a wrong rate, zoom or
  // duration being read).
  const first = heights.findIndex((h) => h > 4) / width;
  const last = (heights.length - 1 - [...heights].reverse().findIndex((h) => h > 4)) / width;
  for (const [what, got, want] of [['starts', first, TONE_START_S / DURATION_S], ['ends', last, TONE_END_S / DURATION_S]]) {
    if (Math.abs(got - want) > 0.01) failures.push(`the tone ${what} at ${(100 * got).toFixed(1)}% of the width, expected ${(100 * want).toFixed(1)}% +-1%`);
  }
  const summary = `${name}: tone drawn from ${(100 * first).toFixed(1)}% to ${(100 * last).toFixed(1)}% of the width; heights at 25%/75% of the tone ${h1}/${h2} px (ratio ${ratio.toFixed(3)}, expected ${want.toFixed(3)}); along the tone ${steps.join(' ')}; silences ${lead}/${tail} px; ink ${ink} px`;
  return { failures, summary };
}

// Split stereo with a silent right channel: the upper half (left) carries the envelope, at the
// same scale (amplitude 1 fills the half), and the lower half (right) stays empty.
function checkHalves(name, cols) {
  const centre = cols.height / 2;
  const upper = cols.tops.map((t) => (t < 0 ? 0 : Math.max(0, Math.round(centre - t))));
  const lower = cols.bottoms.map((b) => (b < 0 ? 0 : Math.max(0, Math.round(b + 1 - centre))));
  // Doubled, the upper extent is comparable with a full mirrored height.
  const r = checkEnvelope(name, { ...cols, heights: upper.map((u) => 2 * u) });
  const lowMax = Math.max(...lower);
  if (lowMax > 2) r.failures.push(`the silent right channel is drawn ${lowMax} px below the centre`);
  r.summary += `; right channel (lower half) at most ${lowMax} px`;
  return r;
}

async function main() {
  const t0 = Date.now();
  if (!existsSync(raeBin)) throw new Error(`${raeBin} not found: build it (cargo build --profile ci -p rae-cli) or set RAE_BIN`);
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} not found: apt-get install chromium, or set CHROMIUM`);
  const dataDir = mkdtempSync(join(tmpdir(), 'rae-browser-'));
  mkdirSync(shotsDir, { recursive: true });
  writeTestWav(join(dataDir, 'ramp.wav'));
  const wav = join(dataDir, 'ramp.wav');
  // peaks.js draws 8-bit data only (it rejects 16-bit with "16-bit waveform data is not
  // supported"), as audiowaveform's docs say: `-b 8` for peaks.js. Its overview only resamples
  // to coarser zooms, so the data must have at least as many pixels as the 800-pixel view:
  // --zoom 64 gives 1379 for 2 s (at the default 256 the 2 s would fill only 345 pixels).
  const peaksArgs = ['--bits', '8', '--zoom', '64'];
  rae([wav, '-o', join(dataDir, 'ramp8.json'), ...peaksArgs]);
  rae([wav, '-o', join(dataDir, 'ramp8.dat'), ...peaksArgs]);
  rae([wav, '-o', join(dataDir, 'ramp.wavesurfer.json'), '--output-format', 'wavesurfer']);
  // Split stereo, right channel silent: wavesurfer draws peaks[0] (left) above the centre line
  // and peaks[1] (right) below it.
  const leftOnly = join(dataDir, 'left.wav');
  writeTestWav(leftOnly, true);
  rae([leftOnly, '-o', join(dataDir, 'left.wavesurfer.json'), '--output-format', 'wavesurfer', '--split-channels']);

  const cases = [
    { name: 'wavesurfer', page: 'wavesurfer.html', data: 'ramp.wavesurfer.json', el: '#wave' },
    { name: 'wavesurfer-split', page: 'wavesurfer.html', data: 'left.wavesurfer.json', el: '#wave', halves: true },
    { name: 'peaks-json-dataUri', page: 'peaks.html', data: 'ramp8.json', el: '#overview' },
    { name: 'peaks-dat-dataUri', page: 'peaks.html', data: 'ramp8.dat', el: '#overview' },
    { name: 'peaks-json-waveformData', page: 'peaks.html', data: 'ramp8.json', mode: 'waveformData', el: '#overview' },
    { name: 'peaks-dat-waveformData', page: 'peaks.html', data: 'ramp8.dat', mode: 'waveformData', el: '#overview' },
  ];

  const server = await serve(dataDir);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  let failed = 0;
  try {
    for (const c of cases) {
      const page = await browser.newPage({ viewport: { width: 900, height: 300 }, deviceScaleFactor: 1 });
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      const url = `${base}/pages/${c.page}?data=/data/${c.data}&duration=${DURATION_S}${c.mode ? `&mode=${c.mode}` : ''}`;
      let result;
      try {
        await page.goto(url);
        await page.waitForFunction(() => window.__rendered !== undefined || window.__error !== undefined, null, { timeout: 15000 });
        const pageError = await page.evaluate(() => window.__error);
        if (pageError) throw new Error(pageError);
        // Let the canvas settle after the player's own render callback.
        await page.waitForTimeout(300);
        const png = await page.locator(c.el).screenshot({ path: join(shotsDir, `${c.name}.png`) });
        const cols = await columnExtents(page, png);
        result = c.halves ? checkHalves(c.name, cols) : checkEnvelope(c.name, cols);
      } catch (e) {
        result = { failures: [String(e)], summary: `${c.name}: did not render` };
      }
      if (errors.length) result.failures.push(`page errors: ${errors.join(' | ')}`);
      console.log(`${result.failures.length ? 'FAIL' : 'ok  '} ${result.summary}`);
      for (const f of result.failures) console.log(`       ${f}`);
      failed += result.failures.length ? 1 : 0;
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`${cases.length - failed}/${cases.length} players drew the expected waveform in ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${shotsDir}`);
  if (failed) process.exit(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// Headless-browser test of the practice page served by `rae-server`. A melody (C4 D4 E4 F4 G4 A4
// B4 C5, piano) is written as MIDI, rendered by the real CLI (`rae render`, FluidR3_GM) into
// take.wav and put in a lesson folder; the server starts on a free loopback port with that
// folder; Debian's chromium (playwright-core) opens the page with a fake microphone playing
// take.wav. Checks: the lesson's waveform (our peaks) and piano roll are drawn; pressing Record
// streams the microphone to WS /v1/live and the page lists the melody's notes, in order, while
// recording, follows the lesson (the position moves, and every lesson note gets a verdict: all
// correct, drawn green on the roll); an uploaded take is analysed. Screenshots go to web/screenshots/practice-*.png.
//
// Environment: RAE_BIN (default ../target/ci/rae), RAE_PYTHON (the venv's python with the wheel
// installed, default ../.venv/bin/python), CHROMIUM (default /usr/bin/chromium).

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const raeBin = resolve(process.env.RAE_BIN || join(here, '..', 'target', 'ci', 'rae'));
const python = resolve(process.env.RAE_PYTHON || join(here, '..', '.venv', 'bin', 'python'));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shotsDir = join(here, 'screenshots');
const FLUID = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
const MELODY = [60, 62, 64, 65, 67, 69, 71, 72];
const NAMES = ['C4', 'D4', 'E4', 'F4', 'G4', 'A4', 'B4', 'C5'];

// A type-0 MIDI file: the melody in quarter notes at 100 BPM (0.5 s sounding, 0.1 s gap).
function melodyMidi() {
  const vlq = (n) => { const b = [n & 0x7f]; while ((n >>= 7)) b.unshift((n & 0x7f) | 0x80); return b; };
  const ev = [0x00, 0xff, 0x51, 0x03, 0x09, 0x27, 0xc0, 0x00, 0xc0, 0x00];
  let last = 0;
  MELODY.forEach((key, i) => {
    ev.push(...vlq(i * 480 - last), 0x90, key, 80);
    ev.push(...vlq(400), 0x80, key, 0);
    last = i * 480 + 400;
  });
  ev.push(0x00, 0xff, 0x2f, 0x00);
  const u32 = (n) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return Buffer.from([0x4d, 0x54, 0x68, 0x64, ...u32(6), 0, 0, 0, 1, 0x01, 0xe0,
    0x4d, 0x54, 0x72, 0x6b, ...u32(ev.length), ...ev]);
}

function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
}

async function waitHealthy(url, proc) {
  const deadline = Date.now() + 30000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`rae-server exited with ${proc.exitCode}`);
    try { if ((await fetch(`${url}/healthz`)).ok) return; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error('rae-server did not start in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Counts the pixels of a canvas drawn in `rgb` (the page's note and waveform colours), give or take
// the blending of shapes at fractional coordinates.
async function inked(page, id, rgb) {
  return page.evaluate(([id, rgb]) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1]) + Math.abs(d[i + 2] - rgb[2]) < 60) n++;
    return n;
  }, [id, rgb]);
}

async function main() {
  const t0 = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'rae-practice-'));
  mkdirSync(shotsDir, { recursive: true });
  const lessons = join(work, 'lessons');
  mkdirSync(lessons);
  writeFileSync(join(lessons, 'melody.mid'), melodyMidi());
  const take = join(work, 'take.wav');
  const r = spawnSync(raeBin, ['render', join(lessons, 'melody.mid'), '-o', take, '--soundfont', FLUID,
    '--sample-rate', '48000'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rae render failed: ${r.error || r.stderr}`);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(python, ['-m', 'rust_audio_engine.server', '--port', String(port),
    '--lesson-dir', lessons, '--log-level', 'warning'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, RAE_SERVER_TEMP_DIR: work, RAE_SERVER_DEMO_LESSON: 'false' },
  });
  let browser;
  const failures = [];
  const check = (ok, what) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); if (!ok) failures.push(what); };
  try {
    await waitHealthy(url, server);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${take}`, '--autoplay-policy=no-user-gesture-required'],
    });
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 1000 } })).newPage();
    page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
    await page.goto(url);
    await page.waitForSelector('body[data-lesson="melody"]', { timeout: 30000 });
    await page.waitForFunction(() => document.getElementById('status').textContent.includes('8 notes'));
    const wave = await inked(page, 'waveform', [0x3f, 0x4d, 0x9b]);
    const roll = await inked(page, 'roll', [0x3f, 0x4d, 0x9b]);
    check(wave > 2000, `lesson waveform drawn from the server's peaks (${wave} pixels)`);
    check(roll > 8 * 100, `lesson notes drawn on the piano roll (${roll} pixels)`);
    await page.screenshot({ path: join(shotsDir, 'practice-lesson.png'), fullPage: true });

    // Record: the fake microphone loops take.wav; wait until the melody has been heard in order.
    await page.click('#record');
    const heard = await page.waitForFunction((names) => {
      const got = document.getElementById('live-notes').textContent.split(' ');
      for (let i = 0; i + names.length <= got.length; i++) {
        if (names.every((n, k) => got[i + k] === n)) return got.join(' ');
      }
      return false;
    }, NAMES, { timeout: 30000, polling: 100 }).then((h) => h.jsonValue()).catch(() => null);
    const shown = await page.textContent('#live-notes');
    check(heard !== null, `live notes while recording include ${NAMES.join(' ')} (page shows: ${shown})`);
    const live = await inked(page, 'roll', [0xe8, 0x59, 0x0c]);
    const pitch = await inked(page, 'roll', [0x2b, 0x8a, 0x3e]);
    const level = await page.evaluate(() => Number(document.getElementById('level').value));
    check(live > 100 && pitch > 100, `live notes (${live} px) and pitch (${pitch} px) drawn over the roll`);
    check(level > -60, `level meter moved (${level} dB)`);
    await page.screenshot({ path: join(shotsDir, 'practice-live.png'), fullPage: true });
    // The lesson is followed: eight verdicts, all correct, coloured on the roll, and a position.
    const verdicts = await page.waitForFunction(() => {
      const v = document.body.dataset.verdicts && JSON.parse(document.body.dataset.verdicts);
      return v && v.correct + v.wrong_pitch + v.missed >= 8 ? v : false;
    }, null, { timeout: 15000, polling: 100 }).then((h) => h.jsonValue()).catch(() => null);
    const feedback = await page.textContent('#feedback');
    check(verdicts !== null && verdicts.correct === 8 && verdicts.wrong_pitch === 0 && verdicts.missed === 0,
      `lesson feedback while recording: ${feedback}`);
    const green = await inked(page, 'roll', [0x40, 0xc0, 0x57]);
    const position = await page.textContent('#position');
    check(green > 8 * 100, `correct lesson notes drawn green on the roll (${green} px)`);
    check(/bar \d+, beat/.test(position), `position shown: ${position}`);
    await page.screenshot({ path: join(shotsDir, 'practice-feedback.png'), fullPage: true });
    await page.click('#stop');
    await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('recorded'),
      null, { timeout: 10000 }).catch(() => failures.push('no end event after stop'));

    // Upload a take: its analysis is listed and drawn.
    await page.setInputFiles('#take', take);
    await page.waitForFunction(() => document.getElementById('analysis').textContent.includes('notes'),
      null, { timeout: 30000 });
    const analysis = await page.textContent('#analysis');
    const names = [...analysis.matchAll(/ s {2}([A-G]#?\d)/g)].map((m) => m[1]);
    check(names.join(' ') === NAMES.join(' '), `uploaded take analysed: ${names.join(' ')}`);
    await page.screenshot({ path: join(shotsDir, 'practice-take.png'), fullPage: true });
  } finally {
    if (browser) await browser.close();
    server.kill('SIGTERM');
    await new Promise((ok) => server.once('exit', ok));
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`practice page: ${failures.length ? 'FAILED' : 'passed'} in ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${shotsDir}`);
  if (failures.length) {
    console.error(failures.join('\n'));
    process.exit(1);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });

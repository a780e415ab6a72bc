// The practice page: plain JavaScript over the service's API (docs/server.md). A lesson's
// waveform is drawn from our peaks JSON and its notes as a piano roll; recording streams the
// microphone to WS /v1/live and draws what the analyser hears over the roll; an uploaded take
// is analysed by POST /v1/analyze. With a lesson, the live stream is also followed against it: the
// position cursor moves through the lesson and each lesson note is coloured by its verdict.
'use strict';

const $ = (id) => document.getElementById(id);
const COLORS = { lesson: '#3f4d9b', live: '#e8590c', pitch: '#2b8a3e', take: '#ae3ec9', position: '#1098ad' };
const VERDICT_COLORS = { correct: '#40c057', wrong_pitch: '#e03131', missed: '#adb5bd' };
const NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
const noteName = (m) => NAMES[m % 12] + (Math.floor(m / 12) - 1);

const state = {
  lesson: null,       // { id, duration_s, notes: [{start_s, duration_s, key}] }
  peaks: null,        // audiowaveform JSON
  live: [],           // notes heard: {start_s, end_s, midi, done}
  pitch: [],          // [time_s, midi (fractional)]
  take: [],           // notes of an uploaded take
  verdicts: [],       // the score follower's verdict events for the lesson's notes
  extras: 0,          // played notes no lesson note explains
  position: null,     // the last position event
  duration: 10,
  recording: null,
};

function status(text) { $('status').textContent = text; }

async function getJSON(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${(await r.json()).detail || ''}`);
  return r.json();
}

// --- drawing -----------------------------------------------------------------------------

function drawWaveform(playhead) {
  const c = $('waveform'), g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  const p = state.peaks;
  if (p) {
    // Interleaved [min, max] per pixel per channel; channel 0 drawn, scaled to its peak.
    const step = 2 * p.channels, n = p.length;
    let full = 1;
    for (const v of p.data) full = Math.max(full, Math.abs(v));
    const mid = c.height / 2;
    g.fillStyle = COLORS.lesson;
    for (let x = 0; x < c.width; x++) {
      const i = Math.floor((x / c.width) * n) * step;
      const lo = p.data[i] / full, hi = p.data[i + 1] / full;
      g.fillRect(x, mid - hi * mid, 1, Math.max(1, (hi - lo) * mid));
    }
  }
  drawPlayhead(g, c, playhead);
}

function drawPlayhead(g, c, t) {
  if (t == null) return;
  const x = (t / state.duration) * c.width;
  g.fillStyle = '#d00';
  g.fillRect(x, 0, 2, c.height);
}

function keyRange() {
  const keys = [...(state.lesson ? state.lesson.notes.map((n) => n.key) : []),
    ...state.live.map((n) => n.midi), ...state.take.map((n) => n.midi)];
  if (!keys.length) return [48, 84];
  return [Math.min(...keys) - 3, Math.max(...keys) + 3];
}

function drawRoll(playhead) {
  const c = $('roll'), g = c.getContext('2d');
  const [lo, hi] = keyRange(), rows = hi - lo + 1, rowH = c.height / rows;
  const X = (t) => (t / state.duration) * c.width;
  const Y = (m) => c.height - (m - lo + 1) * rowH;
  g.clearRect(0, 0, c.width, c.height);
  for (let m = lo; m <= hi; m++) {           // black keys shaded, C labelled
    if ([1, 3, 6, 8, 10].includes(m % 12)) { g.fillStyle = '#e6e8ef'; g.fillRect(0, Y(m), c.width, rowH); }
    if (m % 12 === 0) { g.fillStyle = '#888'; g.font = '10px sans-serif'; g.fillText(noteName(m), 2, Y(m) + rowH - 2); }
  }
  const box = (start, end, m, color, inset) => {
    g.fillStyle = color;
    g.fillRect(X(start), Y(m) + inset, Math.max(2, X(end) - X(start)), rowH - 2 * inset);
  };
  if (state.lesson) {
    for (const n of state.lesson.notes) {
      const v = state.verdicts.find((x) => x.key === n.key && Math.abs(x.lesson_s - n.start_s) < 0.02);
      box(n.start_s, n.start_s + n.duration_s, n.key, v ? VERDICT_COLORS[v.verdict] : COLORS.lesson, 1);
      if (v && v.verdict === 'wrong_pitch' && v.played != null) {   // where the wrong note was
        g.strokeStyle = VERDICT_COLORS.wrong_pitch;
        g.strokeRect(X(n.start_s), Y(v.played) + 1, Math.max(2, X(n.start_s + n.duration_s) - X(n.start_s)), rowH - 2);
      }
    }
  }
  for (const n of state.take) box(n.start_s, n.end_s, n.midi, COLORS.take, rowH / 4);
  for (const n of state.live) box(n.start_s, n.end_s, n.midi, COLORS.live, rowH / 4);
  if (state.position) {                      // where the player is in the lesson
    g.fillStyle = COLORS.position;
    g.fillRect(X(state.position.lesson_s) - 1, 0, 3, c.height);
  }
  g.fillStyle = COLORS.pitch;
  for (const [t, m] of state.pitch) if (m >= lo - 0.5 && m <= hi + 0.5) g.fillRect(X(t) - 1, c.height - (m - lo + 0.5) * rowH - 1, 2, 2);
  drawPlayhead(g, c, playhead);
}

function redraw(playhead) { drawWaveform(playhead); drawRoll(playhead); }

// --- lessons -----------------------------------------------------------------------------

async function loadLessons() {
  const lessons = await getJSON('/v1/lessons');
  const sel = $('lesson');
  sel.innerHTML = '';
  for (const l of lessons) {
    const o = document.createElement('option');
    o.value = l.id;
    o.textContent = `${l.id} (${Math.round(l.duration_s)} s, ${l.note_count} notes)`;
    sel.appendChild(o);
  }
  if (lessons.length) await pickLesson(lessons[0].id);
  else status('No lessons: configure lesson_dir');
}

async function pickLesson(id) {
  status(`loading ${id}...`);
  state.lesson = await getJSON(`/v1/lessons/${encodeURIComponent(id)}`);
  state.duration = Math.max(1, state.lesson.duration_s);
  state.peaks = null;
  redraw();
  $('player').src = state.lesson.audio_url;
  state.peaks = await getJSON(state.lesson.peaks_url);   // rendered and cached by the server
  state.duration = Math.max(state.duration, state.peaks.length * state.peaks.samples_per_pixel / state.peaks.sample_rate);
  redraw();
  status(`${id}: ${state.lesson.notes.length} notes`);
  document.body.dataset.lesson = id;
}

// --- live --------------------------------------------------------------------------------

// 20 ms blocks of the microphone's first channel, as float32, posted to the page.
const WORKLET = `
class Tap extends AudioWorkletProcessor {
  constructor(o) { super(); this.n = o.processorOptions.block; this.buf = new Float32Array(this.n); this.i = 0; }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch) for (let k = 0; k < ch.length; k++) {
      this.buf[this.i++] = ch[k];
      if (this.i === this.n) { this.port.postMessage(this.buf.buffer, [this.buf.buffer]); this.buf = new Float32Array(this.n); this.i = 0; }
    }
    return true;
  }
}
registerProcessor('tap', Tap);`;

function showLiveNotes() {
  $('live-notes').textContent = state.live.map((n) => noteName(n.midi)).join(' ');
  document.body.dataset.liveNotes = String(state.live.length);
}

function showFeedback() {
  const count = (k) => state.verdicts.filter((v) => v.verdict === k).length;
  const counts = { correct: count('correct'), wrong_pitch: count('wrong_pitch'), missed: count('missed'), extra: state.extras };
  const late = state.verdicts.filter((v) => v.timing === 'late').length;
  const early = state.verdicts.filter((v) => v.timing === 'early').length;
  $('feedback').textContent = `correct ${counts.correct}, wrong ${counts.wrong_pitch}, missed ${counts.missed}, extra ${counts.extra}`
    + ` (early ${early}, late ${late})`;
  document.body.dataset.verdicts = JSON.stringify(counts);
}

function showPosition(p) {
  const next = p.next.length ? p.next.map(noteName).join('+') : 'end';
  $('position').textContent = `bar ${p.bar}, beat ${p.beat.toFixed(1)}; next ${next}; tempo ${(100 / p.tempo_ratio).toFixed(0)}%`;
}

function onEvent(e) {
  const rec = state.recording;
  switch (e.type) {
    case 'ready': status(`recording (analyser latency ${(e.latency_s * 1000).toFixed(0)} ms)`); break;
    case 'pitch':
      if (e.f0_hz) state.pitch.push([e.time_s, 69 + 12 * Math.log2(e.f0_hz / 440)]);
      break;
    case 'note_start': state.live.push({ start_s: e.start_s, end_s: e.time_s, midi: e.midi, done: false }); showLiveNotes(); break;
    case 'note_end': {
      const open = state.live.find((n) => !n.done && n.midi === e.midi && Math.abs(n.start_s - e.start_s) < 0.01);
      if (open) Object.assign(open, { end_s: e.end_s, done: true });
      else state.live.push({ start_s: e.start_s, end_s: e.end_s, midi: e.midi, done: true });
      showLiveNotes();
      break;
    }
    case 'level':
      if (e.rms_db != null) { $('level').value = e.rms_db; $('level-db').textContent = `${e.rms_db.toFixed(0)} dB`; }
      if (rec) {
        rec.t = e.time_s;
        state.duration = Math.max(state.duration, rec.t + 0.5);   // the roll grows with the take
      }
      break;
    case 'position': state.position = e; showPosition(e); break;
    case 'verdict': state.verdicts.push(e); showFeedback(); break;
    case 'extra': state.extras += 1; showFeedback(); break;
    case 'error': status(`server: ${e.message}`); break;
    case 'end': status(`recorded ${e.duration_s.toFixed(1)} s`); break;
    default: break;
  }
  for (const n of state.live) if (!n.done && rec) n.end_s = Math.max(n.end_s, rec.t || 0);
}

async function record() {
  $('record').disabled = true;
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  const ctx = new AudioContext();
  await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([WORKLET], { type: 'text/javascript' })));
  const node = new AudioWorkletNode(ctx, 'tap', { processorOptions: { block: Math.round(ctx.sampleRate * 0.02) } });
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/live`);
  state.live = []; state.pitch = []; showLiveNotes();
  state.verdicts = []; state.extras = 0; state.position = null; showFeedback();
  state.duration = state.lesson ? Math.max(1, state.lesson.duration_s) : 10;
  const rec = { ws, ctx, stream, node, t: 0 };
  state.recording = rec;
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: 'start', sample_rate: ctx.sampleRate, format: 'f32le', channels: 1, lesson: state.lesson && state.lesson.id }));
    node.port.onmessage = (m) => { if (ws.readyState === WebSocket.OPEN) ws.send(m.data); };
    ctx.createMediaStreamSource(stream).connect(node);
  };
  ws.onmessage = (m) => onEvent(JSON.parse(m.data));
  ws.onclose = () => { stopAudio(rec); $('record').disabled = false; $('stop').disabled = true; };
  $('stop').disabled = false;
  const tick = () => { if (state.recording === rec) { drawRoll(rec.t); requestAnimationFrame(tick); } };
  requestAnimationFrame(tick);
}

function stopAudio(rec) {
  rec.node.port.onmessage = null;
  rec.stream.getTracks().forEach((t) => t.stop());
  if (rec.ctx.state !== 'closed') rec.ctx.close();
  if (state.recording === rec) state.recording = null;
  drawRoll();
}

function stop() {
  const rec = state.recording;
  if (!rec) return;
  rec.node.port.onmessage = null;
  if (rec.ws.readyState === WebSocket.OPEN) rec.ws.send(JSON.stringify({ type: 'stop' }));
  $('stop').disabled = true;
}

// --- upload ------------------------------------------------------------------------------

async function analyseTake(file) {
  status(`analysing ${file.name}...`);
  const form = new FormData();
  form.append('file', file, file.name);
  const r = await fetch('/v1/analyze', { method: 'POST', body: form });
  const doc = await r.json();
  if (!r.ok) { status(`analysis failed: ${doc.detail}`); return; }
  state.take = doc.notes.map((n) => ({ start_s: n.start_s, end_s: n.end_s, midi: n.midi }));
  state.duration = Math.max(state.duration, doc.duration_s);
  const tempo = doc.tempo ? `${doc.tempo.bpm.toFixed(0)} BPM` : 'n/a';
  const lufs = doc.dynamics ? `${doc.dynamics.integrated_lufs?.toFixed(1)} LUFS` : 'n/a';
  $('analysis').textContent = `${file.name}: ${doc.duration_s.toFixed(1)} s, ${doc.notes.length} notes, tempo ${tempo}, loudness ${lufs}\n`
    + doc.notes.map((n) => `${n.start_s.toFixed(2)}-${n.end_s.toFixed(2)} s  ${n.name}  ${n.cents >= 0 ? '+' : ''}${n.cents.toFixed(0)} cents`).join('\n');
  redraw();
  status(`${file.name}: ${doc.notes.length} notes`);
}

// --- wiring ------------------------------------------------------------------------------

$('lesson').addEventListener('change', (e) => pickLesson(e.target.value).catch((err) => status(err.message)));
$('record').addEventListener('click', () => record().catch((err) => { status(`microphone: ${err.message}`); $('record').disabled = false; }));
$('stop').addEventListener('click', stop);
$('take').addEventListener('change', (e) => e.target.files[0] && analyseTake(e.target.files[0]));
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); if (e.dataTransfer.files[0]) analyseTake(e.dataTransfer.files[0]); });
const player = $('player');
const follow = () => { redraw(player.currentTime); if (!player.paused) requestAnimationFrame(follow); };
player.addEventListener('play', () => requestAnimationFrame(follow));
player.addEventListener('seeked', () => redraw(player.currentTime));
loadLessons().catch((err) => status(err.message));

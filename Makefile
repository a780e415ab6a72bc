# The commands README.md names. `make demo` renders the built-in demo piece; `make test` installs
# what the tests need and runs every check CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
CARGO   ?= cargo
# Optimised test builds without the slow fat-LTO link of the release profile.
PROFILE ?= ci
# Benchmarks read the shared corpus; tests read only what the repository has or generates.
RAE_CORPUS ?= $(abspath ../shared/corpus)
export RAE_CORPUS
TESTDATA := $(abspath $(or $(CARGO_TARGET_DIR),target))/testdata
RAE_TESTDATA ?= $(TESTDATA)
export RAE_TESTDATA
# cmake builds the bundled libopus; ffmpeg encodes the Opus, WebM and M4A files the decoding tests
# read (made at test time from a seeded signal, by an encoder that is not our decoder).
APT_PACKAGES := fluidsynth fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont-small \
	fluidr3mono-gm-soundfont cmake ffmpeg
# Mesa's software Vulkan (lavapipe) and the loader, for the GPU tests (no recommends: no X stack).
GPU_APT_PACKAGES := mesa-vulkan-drivers libvulkan1
# The GPU tests run on whatever Vulkan adapter exists, software ones included; never on GL.
GPU_TEST_ENV := RAE_GPU=force WGPU_BACKEND=vulkan

.PHONY: bench-load bench-gpu help demo test test-cluster conformance deps apt-deps venv testdata lint fmt rust-test wheel pytest stubtest bench bench-fx bench-analysis bench-waveform devset bench-accuracy bench-transcribe fuzz browser-test

help:
	@echo "make demo   render the built-in demo piece to out/demo.wav"
	@echo "make test   install test dependencies and run every check (what CI runs)"
	@echo "make test-cluster  a batch on a local Ray cluster (loopback only) against a serial rae batch"
	@echo "make conformance  other projects' test vectors (\$$RAE_CONFORMANCE, default ../shared/conformance)"
	@echo "make bench  compare rendering speed with FluidSynth"
	@echo "make bench-analysis  compare pitch/onset analysis with librosa and aubio"
	@echo "make bench-waveform  compare waveform peaks with numpy"
	@echo "make bench-fx  compare effects speed with pedalboard (and scipy)"
	@echo "make bench-gpu  CPU against GPU backend (bench/gpu; on lavapipe: correctness and overhead only)"
	@echo "make bench-load  the service under load: 50 and 200 render clients, 100 live streams (loopback)"
	@echo "make bench-accuracy  pitch/onset/note accuracy vs librosa and aubio (dev set + conformance)"
	@echo "make bench-transcribe  transcription vs the basic-pitch package (accuracy and speed)"

demo:
	$(CARGO) run --release -q -p rae-cli -- demo -o out

test: deps lint rust-test wheel pytest stubtest browser-test

deps: apt-deps venv testdata

# Test inputs: the committed MIDI files and the seeded generator's audio (tests/data/README.md).
testdata: $(TESTDATA)/.ready

$(TESTDATA)/.ready: tests/data/gen_signals.py $(wildcard tests/data/midi/*) $(VENV)/.ready
	rm -rf $(TESTDATA)
	mkdir -p $(TESTDATA)
	cp -r tests/data/midi $(TESTDATA)/midi
	$(PY) tests/data/gen_signals.py $(TESTDATA)/audio > /dev/null
	touch $@

# Debian packages: the reference renderer, four real SoundFonts (SF2 and SF3), the build's cmake
# and the test encoders; without recommended packages, to keep the install small.
apt-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@missing=""; for p in $(GPU_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv: $(VENV)/.ready

$(VENV)/.ready: python/requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r python/requirements-dev.txt
	touch $@

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	python3 tools/module_graph.py

fmt:
	$(CARGO) fmt --all

rust-test: testdata
	$(GPU_TEST_ENV) $(CARGO) test --workspace --exclude rust-audio-engine-python --profile $(PROFILE)

wheel: venv
	rm -rf dist
	$(VENV)/bin/maturin build -q -m python/Cargo.toml --profile $(PROFILE) -o dist -i $(PY)
	$(PY) -m pip install -q --force-reinstall --no-deps dist/*.whl

pytest: wheel testdata
	cd python/tests && $(GPU_TEST_ENV) ../../$(PY) -m pytest -q -ra .

stubtest: wheel
	$(PY) -m mypy.stubtest rust_audio_engine --allowlist python/stubtest-allowlist.txt
	$(PY) -m mypy --strict python/tests/typing_check.py
	$(PY) -m mypy --strict -p rust_audio_engine.server

# A batch manifest on a real local Ray cluster against a serial `rae batch` run: byte-identical
# outputs and both wall times (python/tests_cluster). Ray comes from its own requirements file,
# so `make test` stays lean; the cluster runs in a loopback-only network namespace
# (tools/netns_run.sh, needs root or sudo), bounded to 10 minutes, and is always stopped.
$(VENV)/.ray-ready: python/requirements-cluster.txt $(VENV)/.ready
	$(PY) -m pip install -q -r python/requirements-cluster.txt
	touch $@

test-cluster: wheel testdata $(VENV)/.ray-ready
	@command -v ip >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends iproute2 >/dev/null; }
	$(CARGO) build -q --profile $(PROFILE) -p rae-cli
	PROFILE=$(PROFILE) tools/netns_run.sh 600 $(PY) -m pytest -q -s -p no:cacheprovider python/tests_cluster

# Rendering speed against FluidSynth at equal interpolation, per core and on the whole machine.
bench: venv
	$(CARGO) build --release -q -p rae-cli
	$(PY) bench/render_vs_fluidsynth.py --out bench/results/render_vs_fluidsynth.txt

# Other projects' test vectors with their expected results, in $RAE_CONFORMANCE (default
# ../shared/conformance; never copied here: several licences allow testing only). Fails when the
# folder is absent. See conformance/run.py.
RAE_CONFORMANCE ?= $(abspath ../shared/conformance)
export RAE_CONFORMANCE
conformance: deps wheel
	$(CARGO) build -q --profile $(PROFILE) -p rae-cli
	PROFILE=$(PROFILE) $(PY) conformance/run.py

# Headless-browser tests: wavesurfer.js and peaks.js (npm, pinned in web/package-lock.json) draw the
# peaks `rae waveform` writes, in Debian's chromium driven by playwright-core (no browser download);
# then the practice page served by rae-server (the installed wheel) with a fake microphone playing
# a melody `rae render` wrote. Screenshots land in web/screenshots/.
browser-test: wheel
	@need=""; command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	command -v node >/dev/null 2>&1 || need="$$need nodejs"; command -v npm >/dev/null 2>&1 || need="$$need npm"; \
	if [ -n "$$need" ]; then \
	  echo "installing:$$need"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$need >/dev/null; \
	fi
	$(CARGO) build -q --profile $(PROFILE) -p rae-cli
	cd web && npm ci --no-audit --no-fund --loglevel=error
	cd web && RAE_BIN=$(abspath $(or $(CARGO_TARGET_DIR),target))/$(PROFILE)/rae CHROMIUM=$$(command -v chromium) node browser_test.mjs
	cd web && RAE_BIN=$(abspath $(or $(CARGO_TARGET_DIR),target))/$(PROFILE)/rae RAE_PYTHON=$(abspath $(PY)) \
	  CHROMIUM=$$(command -v chromium) node practice_test.mjs

# Pitch (pYIN, YIN), onsets and the streaming analyser vs librosa and aubio on the corpus melody.
# A release (fat LTO) wheel, as users get it.
bench-analysis: venv
	$(MAKE) wheel PROFILE=release
	$(PY) -m pip install -q -r bench/requirements.txt
	$(PY) bench/analysis_vs_peers.py

# The analysis development set: idiomatic melodies for 22 GM instruments rendered by FluidSynth
# through three SoundFonts, with reverb and noise (bench/devset.py); regenerated, not committed.
DEVSET := $(abspath $(or $(CARGO_TARGET_DIR),target))/devset
devset: venv
	@need=""; for p in fluidsynth fluid-soundfont-gm timgm6mb-soundfont musescore-general-soundfont; do \
	  dpkg -s $$p >/dev/null 2>&1 || need="$$need $$p"; done; \
	if [ -n "$$need" ]; then SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$need >/dev/null; fi
	$(PY) -m pip install -q -r bench/requirements.txt
	$(PY) bench/devset.py --out $(DEVSET)

# Pitch, onsets, notes and tempo against librosa and aubio on the development set and the
# conformance recordings ($$RAE_CONFORMANCE): bench/results/accuracy.txt.
bench-accuracy: devset
	$(MAKE) wheel PROFILE=release
	$(PY) bench/accuracy.py --devset $(DEVSET)

# Transcription against the basic-pitch package (same model on onnxruntime, its defaults) on
# FluidSynth piano renders with reverb and noise, and a real piano recording: reference-mode
# agreement, speed, piano-mode note F1 vs the MIDI truth (bench/results/transcribe_vs_basic_pitch.txt).
# basic-pitch comes without its TensorFlow dependency; onnxruntime runs it.
bench-transcribe: venv
	$(MAKE) wheel PROFILE=$(or $(BENCH_PROFILE),release)
	$(PY) -m pip install -q -r bench/requirements.txt
	$(PY) -m pip install -q --no-deps basic-pitch==0.4.0
	$(PY) -m pip install -q onnxruntime pretty_midi resampy mir_eval
	$(PY) bench/transcribe_vs_basic_pitch.py

# Waveform peaks vs numpy min/max per block, on the corpus music and a 10-minute render.
bench-waveform: venv
	$(MAKE) wheel PROFILE=release
	$(PY) bench/waveform_vs_numpy.py --runs 20

# Effects against pedalboard, with a release (fat LTO) wheel as users get it; installs the peers
# from bench/requirements.txt into the venv.
bench-fx: venv
	$(MAKE) wheel PROFILE=release
	$(PY) -m pip install -q -r bench/requirements.txt
	RAE_BUILD_PROFILE=release $(PY) bench/fx_vs_pedalboard.py --out bench/results/fx_vs_pedalboard.txt
	RAE_BUILD_PROFILE=release taskset -c 0 $(PY) bench/fx_vs_pedalboard.py --label "per core: pinned to CPU 0" \
	  --out bench/results/fx_vs_pedalboard-per-core.txt

# The compute backends side by side (bench/gpu): FFT batches, concurrent convolution renders,
# batch spectrograms. On a software adapter it measures correctness and overhead only; --quick
# keeps it to seconds there.
bench-gpu:
	$(CARGO) build --profile $(PROFILE) -q -p rae-gpu-bench
	$(GPU_TEST_ENV) $(abspath $(or $(CARGO_TARGET_DIR),target))/$(PROFILE)/rae-gpu-bench $(if $(FULL),,--quick) | tee bench/results/gpu-$$(date +%F).txt

# The service under load, on loopback, bounded in time (bench/load_service.py): 50 concurrent
# render clients, 200 (the queue's 503s), 100 live streams at real-time pace. The wheel of
# $(PROFILE) (ci by default; PROFILE=release for a release build); the results name it.
bench-load: wheel testdata
	RAE_BUILD_PROFILE=$(PROFILE) $(PY) bench/load_service.py --out bench/results/load_service-$$(date +%F).txt

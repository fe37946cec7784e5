# spinecoach — the two commands: `make run` (the app) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

# Browser assets (issue 13 §1): MediaPipe's web runtime from npm (package.json +
# package-lock.json, pinned) and the pose .task bundle built from the models in the
# mediapipe wheel; both land in the app's static folder (git-ignored), served as /static/vendor.
VENDOR     := src/spinecoach/web/static/vendor
MP_VERSION := $(shell sed -n 's/.*"@mediapipe\/tasks-vision": "\([^"]*\)".*/\1/p' package.json)
MP_ASSETS  := $(VENDOR)/tasks-vision/.installed-$(MP_VERSION)
POSE_TASK  := $(VENDOR)/models/pose_landmarker_full.task
# axe-core (npm devDependency) for the automated WCAG check in the browser tests, served
# from /static/vendor/axe like every other asset (no network).
AXE_JS     := $(VENDOR)/axe/axe.min.js

# Translations (docs/web.md "Adding a language"): the .po catalogues are the source, compiled
# to .mo (git-ignored) before the app runs or the tests start; `make messages` re-extracts
# every marked string and merges it into each catalogue.
LOCALE_DIR := src/spinecoach/locale
PO_FILES   := $(wildcard $(LOCALE_DIR)/*/LC_MESSAGES/messages.po)
MO_FILES   := $(PO_FILES:.po=.mo)

.PHONY: run test lint typecheck bench install clean web-assets translations messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip==25.3

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test,postgres]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) web-assets translations

$(LOCALE_DIR)/%/LC_MESSAGES/messages.mo: $(LOCALE_DIR)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -D messages -i $< -o $@

translations: $(MO_FILES)

messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k T --no-wrap --sort-by-file --project spinecoach \
	    --copyright-holder "spinecoach contributors" -o $(LOCALE_DIR)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -D messages --no-wrap \
	    --ignore-obsolete

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

$(MP_ASSETS): node_modules/.package-lock.json
	rm -rf $(@D)
	mkdir -p $(@D)/wasm
	cp node_modules/@mediapipe/tasks-vision/vision_bundle.cjs $(@D)/
	cp node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_internal.js \
	   node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_internal.wasm \
	   node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_nosimd_internal.js \
	   node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_nosimd_internal.wasm $(@D)/wasm/
	touch $@

$(POSE_TASK): $(STAMP) src/spinecoach/sources/pose/task_bundle.py
	$(BIN)/python -m spinecoach.sources.pose.task_bundle $@

$(AXE_JS): node_modules/.package-lock.json
	mkdir -p $(@D)
	cp node_modules/axe-core/axe.min.js $@

web-assets: $(MP_ASSETS) $(POSE_TASK) $(AXE_JS)

run: $(STAMP) web-assets translations
	$(BIN)/spinecoach run $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck web-assets translations
	$(BIN)/python -m pytest -n 2 -m "not solo" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m solo $(PYTEST_ARGS) || [ $$? -eq 5 ]

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR) $(MO_FILES)

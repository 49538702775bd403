"""The learner's environment: device choice, seeding, Korean plots, CPU numerics, a version report."""
from __future__ import annotations

import os
import platform
import random
import warnings
from pathlib import Path

import numpy as np
import torch

DEVICE_VARIABLE = "RNNCOURSE_DEVICE"
_KNOWN_DEVICES = ("cpu", "cuda", "mps")


def _available(kind: str) -> bool:
    if kind == "cpu":
        return True
    if kind == "cuda":
        return torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def device() -> torch.device:
    """The device lessons train on: CUDA, else Apple MPS, else CPU; ``RNNCOURSE_DEVICE`` overrides."""
    wanted = os.environ.get(DEVICE_VARIABLE, "").strip().lower()
    if wanted:
        kind = wanted.split(":")[0]
        if kind not in _KNOWN_DEVICES:
            raise RuntimeError(
                f"{DEVICE_VARIABLE}={wanted!r}: 알 수 없는 장치입니다. cpu, cuda, mps 중 하나를 쓰세요. "
                f"(unknown device; expected one of {', '.join(_KNOWN_DEVICES)})"
            )
        if not _available(kind):
            raise RuntimeError(
                f"{DEVICE_VARIABLE}={wanted!r}: 이 컴퓨터에는 {kind} 장치가 없습니다. "
                f"변수를 지우거나 cpu로 바꾸세요. (requested device {kind!r} is not available here)"
            )
        return torch.device(wanted)
    for kind in ("cuda", "mps"):
        if _available(kind):
            return torch.device(kind)
    return torch.device("cpu")


SEED_SHIFT_VARIABLE = "RNNCOURSE_SEED_SHIFT"
SEED_STRIDE = 1000  # a shift moves every seed by whole thousands, so shifted ensembles never overlap


def seed_shift() -> int:
    """The robustness shift k from ``RNNCOURSE_SEED_SHIFT`` (0 when unset: the course's normal numbers)."""
    raw = os.environ.get(SEED_SHIFT_VARIABLE, "").strip()
    if not raw:
        return 0
    try:
        k = int(raw)
    except ValueError:
        raise RuntimeError(f"{SEED_SHIFT_VARIABLE}={raw!r}: 정수를 쓰세요(예: 1). (expected an integer)") from None
    if k < 0:
        raise RuntimeError(f"{SEED_SHIFT_VARIABLE}={raw!r}: 0 이상의 정수를 쓰세요. (expected k >= 0)")
    return k


def seed(base: int) -> int:
    """The one place every seed passes through: ``base`` plus 1000 × the robustness shift."""
    if not isinstance(base, (int, np.integer)) or isinstance(base, bool) or base < 0:
        raise ValueError(f"seed must be a non-negative int; got {base!r}")
    return int(base) + SEED_STRIDE * seed_shift()


def rng(base: int) -> np.random.Generator:
    """A NumPy generator for ``base`` (shifted by :func:`seed`)."""
    return np.random.default_rng(seed(base))


def generator(base: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch generator for ``base`` (shifted by :func:`seed`) on ``device``."""
    gen = torch.Generator(device=device)
    gen.manual_seed(seed(base))
    return gen


def seed_everything(base: int = 0) -> int:
    """Seed Python, NumPy and torch (all devices) from ``base`` (shifted); returns the seed used."""
    used = seed(base)
    random.seed(used)
    np.random.seed(used)
    torch.manual_seed(used)
    return used


def korean_font_path() -> Path:
    """Path of the bundled NanumGothic font shipped in the koreanize-matplotlib wheel."""
    from importlib.util import find_spec

    spec = find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "한글 글꼴 패키지(koreanize-matplotlib)가 없습니다. `make setup` 또는 "
            "`pip install koreanize-matplotlib`로 설치하세요. (koreanize-matplotlib is not installed)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "NanumGothic.ttf"
    if not path.is_file():
        raise RuntimeError(f"NanumGothic.ttf not found at {path}")
    return path


FONT_FAMILY = "NanumGothic rnncourse"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rnncourse"


def _font_with_minus(source: Path) -> Path:
    """A cached copy of NanumGothic that also maps U+2212 (the minus sign) to its hyphen glyph.

    NanumGothic has no minus sign, and matplotlib draws one on negative ticks and in log-axis exponents
    (mathtext uses only the first font family), where it would show as a box.
    """
    from fontTools.ttLib import TTFont

    target = _cache_dir() / f"NanumGothic-minus-{source.stat().st_size}.ttf"
    if target.is_file():
        return target
    font = TTFont(str(source))
    for table in font["cmap"].tables:
        if table.isUnicode() and "hyphen" in table.cmap.values():
            table.cmap.setdefault(0x2212, table.cmap.get(0x2D, "hyphen"))
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FONT_FAMILY
        elif record.nameID == 6:
            record.string = FONT_FAMILY.replace(" ", "-")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    font.save(str(partial))
    os.replace(partial, target)  # atomic: kernels started together may race here
    return target


def use_korean_font() -> str:
    """Make matplotlib draw Hangul with NanumGothic (from the koreanize-matplotlib wheel, not its module).

    Importing koreanize_matplotlib breaks on Python >= 3.12, so its font file is registered directly,
    patched once so that the minus sign renders too.
    """
    import matplotlib
    from matplotlib import font_manager

    path = _font_with_minus(korean_font_path())
    font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = [FONT_FAMILY, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = True
    return FONT_FAMILY


def setup(seed: int = 0) -> None:
    """One call at the top of every lesson: Korean plots, fixed seeds, and fast CPU numerics."""
    use_korean_font()
    seed_everything(seed)
    # Vanishing-gradient runs make denormal floats, which slowed CPU training about 100x here.
    torch.set_flush_denormal(True)
    warnings.filterwarnings("ignore", message=".*IProgress not found.*")


def versions() -> dict[str, str]:
    """Versions and hardware a bug report needs, as an ordered name → value table."""
    import ipywidgets
    import matplotlib

    dev = device()
    table = {
        "Python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "matplotlib": matplotlib.__version__,
        "ipywidgets": ipywidgets.__version__,
        "장치 (device)": str(dev),
        "CPU 스레드 (torch threads)": str(torch.get_num_threads()),
        "CPU 명령어 집합 (kernels)": torch.backends.cpu.get_cpu_capability(),
        "시드 이동 (RNNCOURSE_SEED_SHIFT)": str(seed_shift()),
    }
    if torch.cuda.is_available():
        table["CUDA"] = str(torch.version.cuda)
        table["cuDNN"] = str(torch.backends.cudnn.version())
        table["GPU"] = torch.cuda.get_device_name(0)
    return table


def about() -> None:
    """Print :func:`versions` as one aligned table."""
    table = versions()
    width = max(len(k) for k in table)
    for key, value in table.items():
        print(f"{key:<{width}}  {value}")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import rnncourse
from rnncourse import env
from rnncourse.viz import missing_glyph_warnings


def test_device_defaults_to_an_available_one(monkeypatch):
    monkeypatch.delenv(env.DEVICE_VARIABLE, raising=False)
    expected = "cuda" if torch.cuda.is_available() else ("mps" if env._available("mps") else "cpu")
    assert rnncourse.device().type == expected


def test_device_variable_overrides(monkeypatch):
    monkeypatch.setenv(env.DEVICE_VARIABLE, "cpu")
    assert rnncourse.device() == torch.device("cpu")


@pytest.mark.parametrize("kind", ["cuda", "mps"])
def test_absent_device_is_a_clear_error(monkeypatch, kind):
    monkeypatch.setenv(env.DEVICE_VARIABLE, kind)
    monkeypatch.setattr(env, "_available", lambda k: k == "cpu")
    with pytest.raises(RuntimeError, match=f"{kind} 장치가 없습니다"):
        rnncourse.device()


def test_unknown_device_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(env.DEVICE_VARIABLE, "tpu")
    with pytest.raises(RuntimeError, match="알 수 없는 장치"):
        rnncourse.device()


def test_patched_font_is_cached_and_has_the_minus(tmp_path, monkeypatch):
    from fontTools.ttLib import TTFont
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = env._font_with_minus(env.korean_font_path())
    assert first.parent == tmp_path / "rnncourse" and env._font_with_minus(env.korean_font_path()) == first
    assert 0x2212 in TTFont(str(first)).getBestCmap()
    assert 0x2212 not in TTFont(str(env.korean_font_path())).getBestCmap()


def test_seed_everything_repeats_all_generators():
    def draw():
        import random
        return random.random(), np.random.rand(), torch.rand(1).item()

    rnncourse.seed_everything(3)
    first = draw()
    rnncourse.seed_everything(3)
    assert draw() == first
    with pytest.raises(ValueError):
        rnncourse.seed_everything(-1)


def test_korean_title_renders_without_missing_glyphs():
    rnncourse.use_korean_font()
    fig, ax = plt.subplots()
    ax.set_title("순환 신경망의 은닉 상태 -1.5")
    ax.set_xlabel("시간 단계")
    ax.plot([-1, 1], [-2, 2])
    assert missing_glyph_warnings(fig) == []
    plt.close(fig)


def test_log_axis_exponents_minus_and_mixed_math_render():
    """Log-axis exponents are mathtext, which matplotlib reports through logging, not warnings."""
    rnncourse.use_korean_font()
    fig, ax = plt.subplots()
    ax.semilogy([1, 2, 3], [1e-5, 1e-2, 10], label=r"tanh의 도함수 $1-\tanh^2(x)$")
    ax.set_title("기울기 크기 −3, $e^{-2x}$ 함수")
    ax.legend()
    assert missing_glyph_warnings(fig) == []
    plt.close(fig)


def test_mathtext_detector_can_fail():
    with plt.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.semilogy([1, 2, 3], [1e-5, 1e-2, 10], label="한글 $x$")
        ax.legend()
        assert any("does not have a glyph" in m for m in missing_glyph_warnings(fig))
        plt.close(fig)


def test_missing_glyph_detector_can_fail():
    """Without the Korean font, the same title must be reported as missing glyphs."""
    with plt.rc_context({"font.family": "DejaVu Sans"}):
        fig, ax = plt.subplots()
        ax.set_title("순환 신경망")
        assert missing_glyph_warnings(fig)
        plt.close(fig)


def test_setup_turns_on_korean_font_and_denormal_flush():
    rnncourse.setup(seed=1)
    import matplotlib
    assert matplotlib.rcParams["font.family"][0] == env.FONT_FAMILY
    tiny = torch.tensor([1e-30], dtype=torch.float32) * 1e-10  # 1e-40 is a float32 denormal
    assert tiny.item() == 0.0


def test_about_reports_versions(capsys):
    rnncourse.about()
    out = capsys.readouterr().out
    for name in ("Python", "torch", "numpy", "matplotlib", "ipywidgets", "장치"):
        assert name in out

"""rnncourse.activations: values, derivatives (against torch.autograd and finite differences), plots."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import rnncourse as rc  # noqa: E402
from rnncourse import activations as act  # noqa: E402
from rnncourse.viz import missing_glyph_warnings  # noqa: E402

X = np.linspace(-7.0, 7.0, 281) + 0.013  # avoids x = 0 exactly, where ReLU has no derivative


@pytest.mark.parametrize("name", list(act.ACTIVATIONS))
def test_values_match_torch(name):
    a = act.get(name)
    np.testing.assert_allclose(a.fn(X), a.torch_fn(torch.tensor(X)).numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(act.ACTIVATIONS))
def test_derivatives_match_torch_autograd(name):
    a = act.get(name)
    t = torch.tensor(X, requires_grad=True)
    a.torch_fn(t).sum().backward()
    np.testing.assert_allclose(a.grad(X), t.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", list(act.ACTIVATIONS))
def test_derivatives_match_central_differences(name):
    a = act.get(name)
    h = 1e-5
    numeric = (a.fn(X + h) - a.fn(X - h)) / (2 * h)
    np.testing.assert_allclose(a.grad(X), numeric, rtol=1e-7, atol=1e-10)


def test_facts_the_lesson_states():
    x = np.linspace(-10, 10, 20001)
    assert act.sigmoid_grad(x).max() == pytest.approx(0.25) and x[np.argmax(act.sigmoid_grad(x))] == 0
    assert act.tanh_grad(x).max() == pytest.approx(1.0)
    np.testing.assert_allclose(act.tanh(x), 2 * act.sigmoid(2 * x) - 1, atol=1e-12)
    assert act.softsign_grad(5.0) == pytest.approx(1 / 36)
    assert act.softsign_grad(5.0) / act.tanh_grad(5.0) > 100
    assert set(np.unique(act.relu_grad(x))) == {0.0, 1.0}
    assert act.relu_grad(0.0) == 0.0


def test_sigmoid_is_stable_for_huge_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = act.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(s, [0.0, 0.5, 1.0])


def test_unknown_name_is_a_clear_error():
    with pytest.raises(KeyError, match="expected one of"):
        act.get("swish")


def test_widget_options_cover_the_registry():
    assert [name for _, name in act.widget_options()] == list(act.ACTIVATIONS)


@pytest.mark.parametrize("name", list(act.ACTIVATIONS))
def test_callback_draws_a_labelled_korean_plot(name):
    rc.use_korean_font()
    plt.close("all")
    assert act.show_activation(name, 4.0) is None
    fig = plt.gcf()
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.lines) >= 2
    xs = ax.lines[0].get_xdata()
    assert xs.min() == pytest.approx(-4.0) and xs.max() == pytest.approx(4.0)
    assert missing_glyph_warnings(fig) == []
    plt.close("all")


def test_plot_all_and_bad_range():
    rc.use_korean_font()
    fig = act.plot_all(5.0)
    assert len(fig.axes) == len(act.ACTIVATIONS)
    assert missing_glyph_warnings(fig) == []
    plt.close(fig)
    with pytest.raises(ValueError):
        act.plot_activation("tanh", 0.0)

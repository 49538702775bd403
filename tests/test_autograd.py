"""rnncourse.autograd: the tiny engine agrees with torch.autograd and finite differences."""
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import rnncourse as rc  # noqa: E402
from rnncourse.autograd import Value, describe, draw_graph, topological_order  # noqa: E402
from rnncourse.viz import missing_glyph_warnings  # noqa: E402


def expression(lib, x, w, b, y):
    """A graph that uses every operation; ``lib`` gives tanh/sigmoid/exp/relu for Values or tensors."""
    z = w * x + b
    h = lib["tanh"](z) * lib["sigmoid"](z - 0.5) + lib["exp"](-(x * x)) / (2.0 + w * w)
    r = lib["relu"](z) - 3 * y + 1.0 / (1.5 + b * b) - (1 - h)
    return (h - y) ** 2 + 0.5 * r


VALUE_LIB = {"tanh": Value.tanh, "sigmoid": Value.sigmoid, "exp": Value.exp, "relu": Value.relu}
TORCH_LIB = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "exp": torch.exp, "relu": torch.relu}
POINTS = [(1.5, -0.8, 0.3, 0.2), (-0.7, 1.2, -0.4, -0.5), (0.3, 2.0, 0.9, 1.1)]


@pytest.mark.parametrize("point", POINTS)
def test_gradients_match_torch(point):
    vals = [Value(v) for v in point]
    out = expression(VALUE_LIB, *vals)
    out.backward()
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in point]
    t_out = expression(TORCH_LIB, *ts)
    t_out.backward()
    assert out.data == pytest.approx(t_out.item(), rel=1e-12)
    for v, t in zip(vals, ts):
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("point", POINTS)
def test_gradients_match_central_differences(point):
    vals = [Value(v) for v in point]
    expression(VALUE_LIB, *vals).backward()
    eps = 1e-6
    for i, v in enumerate(vals):
        up = list(point)
        down = list(point)
        up[i] += eps
        down[i] -= eps
        numeric = (expression(VALUE_LIB, *map(Value, up)).data - expression(VALUE_LIB, *map(Value, down)).data) / (2 * eps)
        assert v.grad == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_reused_value_accumulates_and_backward_is_repeatable():
    x = Value(3.0)
    y = x * x + x  # x used three times
    y.backward()
    assert x.grad == 7.0
    y.backward()  # grads are reset, not doubled
    assert x.grad == 7.0


def test_topological_order_puts_parents_first_and_handles_long_chains():
    x = Value(0.1, label="x")
    h = x
    for _ in range(5000):  # deeper than Python's recursion limit
        h = (h * 0.5 + x).tanh()
    order = topological_order(h)
    index = {id(n): i for i, n in enumerate(order)}
    assert all(index[id(p)] < index[id(n)] for n in order for p in n.parents)
    assert order[-1] is h and len({id(n) for n in order}) == len(order)
    h.backward()
    assert math.isfinite(x.grad)


def test_sigmoid_does_not_overflow():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_errors_are_clear():
    with pytest.raises(TypeError, match="expected a Value or a number"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="exponent"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(ValueError, match="one local gradient per parent"):
        Value(1.0, parents=(Value(1.0),), local_grads=())


def test_describe_and_draw():
    rc.use_korean_font()
    x, w = Value(1.5, label="x"), Value(-0.8, label="w")
    u = w * x
    u.label = "u"
    loss = (u.tanh() - 0.2) ** 2
    loss.label = "L"
    loss.backward()
    rows = describe(loss)
    assert [r["name"] for r in rows][-1] == "L"
    assert {r["name"] for r in rows} >= {"x", "w", "u", "tanh", "0.2", "L"}
    u_row = next(r for r in rows if r["name"] == "u")
    assert u_row["parents"] == ["w", "x"] and u_row["local_grads"] == [1.5, -0.8]
    ax = draw_graph(loss, show_local=True)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.texts) >= len(rows)
    assert missing_glyph_warnings(ax.figure) == []
    plt.close("all")

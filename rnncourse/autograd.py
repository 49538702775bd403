"""A tiny scalar reverse-mode autograd engine, small enough to read in one sitting.

Each :class:`Value` remembers the values it was made from (its *parents*) and the local derivative of
itself with respect to each parent. ``backward()`` then visits the graph from the output back to the
inputs and applies the chain rule on every edge:  dL/d(parent) += d(node)/d(parent) * dL/d(node).
(Same idea as Karpathy's micrograd; here the local derivatives are stored as numbers, not closures,
so a lesson can print them.)
"""
from __future__ import annotations

import math
from numbers import Real
from typing import Iterable, Union

Number = Union[int, float]


class Value:
    """A scalar in a computational graph: its value ``data`` and, after backward(), ``grad`` = dL/d(this)."""

    def __init__(self, data: Number, parents: Iterable["Value"] = (), local_grads: Iterable[float] = (),
                 op: str = "", label: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)
        self.local_grads = tuple(float(g) for g in local_grads)
        if len(self.parents) != len(self.local_grads):
            raise ValueError(f"need one local gradient per parent; got {len(self.parents)} parents "
                             f"and {len(self.local_grads)} local gradients")
        self.op = op
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- building the graph: each operation records d(out)/d(parent) for every parent ----
    def __add__(self, other: Value | Number) -> Value:
        other = as_value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __sub__(self, other: Value | Number) -> Value:
        other = as_value(other)
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __mul__(self, other: Value | Number) -> Value:
        other = as_value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __truediv__(self, other: Value | Number) -> Value:
        other = as_value(other)
        return Value(self.data / other.data, (self, other),
                     (1.0 / other.data, -self.data / other.data ** 2), "/")

    def __pow__(self, k: Number) -> Value:
        if not isinstance(k, Real):
            raise TypeError(f"exponent must be a plain number; got {type(k).__name__}")
        return Value(self.data ** k, (self,), (k * self.data ** (k - 1),), f"**{k}")

    def __neg__(self) -> Value:
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __radd__(self, other: Number) -> Value:
        return as_value(other) + self

    def __rsub__(self, other: Number) -> Value:
        return as_value(other) - self

    def __rmul__(self, other: Number) -> Value:
        return as_value(other) * self

    def __rtruediv__(self, other: Number) -> Value:
        return as_value(other) / self

    def exp(self) -> Value:
        e = math.exp(self.data)
        return Value(e, (self,), (e,), "exp")

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        s = 0.5 * (1.0 + math.tanh(0.5 * self.data))  # = 1/(1+e^-x) without overflow
        return Value(s, (self,), (s * (1.0 - s),), "sigmoid")

    def relu(self) -> Value:
        return Value(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,), "relu")

    # ---- running the chain rule backwards ----
    def backward(self) -> None:
        """Set ``grad`` = d(self)/d(node) on every node of the graph that ends here."""
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):  # every node is finished before its parents are visited
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * node.grad  # chain rule; += because a value may be used twice


def as_value(x: Value | Number) -> Value:
    """Wrap a plain number as a constant leaf (a Value passes through unchanged)."""
    if isinstance(x, Value):
        return x
    if isinstance(x, Real):
        return Value(x, label=f"{float(x):g}")
    raise TypeError(f"expected a Value or a number; got {type(x).__name__}")


def topological_order(root: Value) -> list[Value]:
    """All nodes that ``root`` depends on, each listed after its parents (``root`` is last)."""
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:  # depth-first, without recursion so that long unrolled graphs are fine
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if id(p) not in seen)
    return order


# ---- looking at a graph: a table of its nodes, or a drawing ----
def node_name(node: Value) -> str:
    """The node's label, or its operation when it has none."""
    return node.label or node.op or "?"


def describe(root: Value) -> list[dict[str, object]]:
    """One row per node in topological order: name, op, parents' names, value, local grads, grad."""
    return [{"name": node_name(n), "op": n.op or "입력", "parents": [node_name(p) for p in n.parents],
             "data": n.data, "local_grads": list(n.local_grads), "grad": n.grad}
            for n in topological_order(root)]


def _layout(order: list[Value]) -> dict[int, tuple[float, float]]:
    """Column = as late as the node can be computed (the output is rightmost); within a column,
    nodes keep their topological order, top to bottom."""
    to_root = {id(n): 0 for n in order}
    for n in reversed(order):
        for p in n.parents:
            to_root[id(p)] = max(to_root[id(p)], to_root[id(n)] + 1)
    last = max(to_root.values())
    depth = {id(n): last - to_root[id(n)] for n in order}  # an input lands just left of its first use
    columns: dict[int, list[Value]] = {}
    for n in order:
        columns.setdefault(depth[id(n)], []).append(n)
    return {id(n): (float(col), (len(nodes) - 1) / 2 - rank)
            for col, nodes in columns.items() for rank, n in enumerate(nodes)}


def draw_graph(root: Value, ax=None, *, show_grad: bool = True, show_local: bool = False,
               title: str = "계산 그래프"):
    """Draw the graph left (inputs) to right (output) with matplotlib: one box per node, one arrow per edge."""
    import matplotlib.pyplot as plt

    order = topological_order(root)
    pos = _layout(order)
    width = max(x for x, _ in pos.values()) + 1
    height = max(abs(y) for _, y in pos.values()) * 2 + 1
    if ax is None:
        _, ax = plt.subplots(figsize=(1.7 * width + 1, 1.0 * height + 1.4))
    for n in order:
        x, y = pos[id(n)]
        for parent, local in zip(n.parents, n.local_grads):
            px, py = pos[id(parent)]
            bend = 0.25 if x - px > 1 else 0.0  # long edges (a value used again later) curve around boxes
            ax.annotate("", xy=(x - 0.33, y), xytext=(px + 0.33, py), zorder=1,
                        arrowprops=dict(arrowstyle="->", color="gray", shrinkA=0, shrinkB=0,
                                        connectionstyle=f"arc3,rad={bend}"))
            if show_local:
                ax.text((x + px) / 2, (y + py) / 2 + 0.08, f"{local:.3g}", color="C3", fontsize=8, ha="center")
        lines = [f"{node_name(n)}" + (f"  [{n.op}]" if n.op and n.label else ""), f"값 {n.data:.4g}"]
        if show_grad:
            lines.append(f"기울기 {n.grad:.4g}")
        face = "#e8f0fe" if not n.parents else ("#fde8e8" if n is root else "#f5f5f5")
        ax.text(x, y, "\n".join(lines), ha="center", va="center", fontsize=9, zorder=3,
                bbox=dict(boxstyle="round,pad=0.35", facecolor=face, edgecolor="gray"))
    ax.set_xlim(-0.6, width - 0.4)
    ax.set_ylim(-height / 2, height / 2)
    ax.set_title(title)
    ax.set_xlabel("왼쪽 입력에서 오른쪽 출력으로 순전파, 역전파는 그 반대 방향")
    ax.set_ylabel("노드")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax

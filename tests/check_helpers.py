"""Shared tools for the self-check tests: the Korean-failure assertion, a generator of wrong answers made from a
right one, and a battery of garbage answers no check may crash on."""
from __future__ import annotations

import copy
import re
from typing import Any, Callable

import numpy as np
import pytest
import torch

from rnncourse.checks import CheckFailed
from rnncourse.checks._core import CheckCrashed, _same_value


def stub(*args):
    """A learner's function not written yet."""
    raise NotImplementedError()


def assert_korean_failure(check_fn, wrong, words=()):
    """The check rejects ``wrong`` with a Korean CheckFailed (not a crash of the check) that names its title and
    contains ``words``."""
    with pytest.raises(AssertionError) as err:
        check_fn(wrong)
    assert isinstance(err.value, CheckFailed), err.value
    assert not isinstance(err.value, CheckCrashed), str(err.value)
    message = str(err.value)
    assert message.startswith(f"[{check_fn.title}]")
    assert any("\uac00" <= ch <= "\ud7a3" for ch in message), message  # Hangul
    for word in words:
        assert word in message, (word, message)


def assert_numbers_look_different(message: str) -> None:
    """A failure never shows the expected and the actual value as the same-looking number."""
    for want, got in re.findall(r"기대값 ([^,\s]+), 실제값 ([^,\s]+)", message):
        assert want.rstrip(".") != got.rstrip("."), message


# ---------------------------------------------------------------- wrong answers generated from a right one
def _is_leaf(value: Any) -> bool:
    return isinstance(value, (torch.Tensor, np.ndarray, float, int, str)) and not isinstance(value, bool)


def _leaves(value: Any) -> list:
    """The numeric/string leaves of a nested answer, in order (a list of plain numbers is one leaf)."""
    if _is_leaf(value):
        return [value]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return [value]
        return [leaf for v in value for leaf in _leaves(v)]
    return []


def _map(value: Any, fn: Callable[[Any], Any], only_first: bool = False) -> Any:
    """``value`` with ``fn`` applied to its leaves (or to its first leaf only)."""
    done = [False]

    def walk(v: Any) -> Any:
        if done[0] and only_first:
            return v
        is_number_list = (isinstance(v, (list, tuple)) and v
                          and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v))
        if _is_leaf(v) or is_number_list:
            done[0] = True
            return fn(v)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(walk(x) for x in v)
        return v
    return walk(value)


def _perturb(leaf: Any) -> Any:
    """Change the first element a little (relative to the leaf's largest value), or an integer by one."""
    if isinstance(leaf, str):
        return leaf + "일"
    if isinstance(leaf, (list, tuple)):
        return type(leaf)([_perturb(leaf[0]), *leaf[1:]])
    if isinstance(leaf, (int, np.integer)) or (isinstance(leaf, (torch.Tensor, np.ndarray))
                                               and not _floating(leaf)):
        return leaf + 1 if not isinstance(leaf, (torch.Tensor, np.ndarray)) else _bump(leaf, 1)
    scale = float(np.max(np.abs(_numpy(leaf)))) if np.size(_numpy(leaf)) else 0.0
    delta = 1e-3 * scale + 1e-3
    if isinstance(leaf, float):
        return leaf + delta
    return _bump(leaf, delta)


def _floating(arr: Any) -> bool:
    return arr.is_floating_point() if isinstance(arr, torch.Tensor) else arr.dtype.kind == "f"


def _numpy(leaf: Any) -> np.ndarray:
    if isinstance(leaf, torch.Tensor):
        return leaf.detach().cpu().double().numpy()
    return np.asarray(leaf, dtype=np.float64)


def _bump(arr: Any, delta: float) -> Any:
    """A copy of ``arr`` with ``delta`` added to its first element."""
    out = arr.detach().clone() if isinstance(arr, torch.Tensor) else np.array(arr, copy=True)
    flat = out.view(-1) if isinstance(out, torch.Tensor) else out.reshape(-1)
    if len(flat):
        flat[0] += delta
    return out


def _scale(leaf: Any, factor: float = 1.5) -> Any:
    if isinstance(leaf, str):
        return leaf
    if isinstance(leaf, (list, tuple)):
        return type(leaf)(_scale(v, factor) for v in leaf)
    if isinstance(leaf, (int, np.integer)):
        return leaf * 2
    if isinstance(leaf, (torch.Tensor, np.ndarray)) and not _floating(leaf):
        return leaf * 2
    return leaf * factor


def _transpose(leaf: Any) -> Any:
    if isinstance(leaf, torch.Tensor) and leaf.dim() >= 2:
        return leaf.transpose(-1, -2).contiguous()
    if isinstance(leaf, np.ndarray) and leaf.ndim >= 2:
        return np.ascontiguousarray(np.swapaxes(leaf, -1, -2))
    return leaf


def _reverse(leaf: Any) -> Any:
    if isinstance(leaf, torch.Tensor) and leaf.dim() >= 1:
        return leaf.flip(0)
    if isinstance(leaf, np.ndarray) and leaf.ndim >= 1:
        return leaf[::-1].copy()
    if isinstance(leaf, (list, tuple)):
        return type(leaf)(leaf[::-1])
    if isinstance(leaf, str):
        return leaf[::-1]
    return leaf


def _drop_last(leaf: Any) -> Any:
    if isinstance(leaf, (torch.Tensor, np.ndarray)) and np.ndim(leaf) >= 1:
        return leaf[:-1]
    if isinstance(leaf, (list, tuple, str)):
        return leaf[:-1]
    return leaf


def _zero(leaf: Any) -> Any:
    if isinstance(leaf, torch.Tensor):
        return torch.zeros_like(leaf)
    if isinstance(leaf, np.ndarray):
        return np.zeros_like(leaf)
    if isinstance(leaf, (list, tuple)):
        return type(leaf)(0.0 for _ in leaf)
    if isinstance(leaf, (int, float)):
        return type(leaf)(0)
    return leaf


def _swap(out: Any) -> Any:
    """Swap the first two values of a tuple/list/dict that have the same shape (h and c, dL/dx and dL/dw…)."""
    if isinstance(out, dict):
        keys = list(out)
        for i in range(len(keys)):
            for j in range(i + 1, len(keys)):
                if np.shape(_numpy_safe(out[keys[i]])) == np.shape(_numpy_safe(out[keys[j]])):
                    swapped = dict(out)
                    swapped[keys[i]], swapped[keys[j]] = out[keys[j]], out[keys[i]]
                    return swapped
        return out
    if isinstance(out, (list, tuple)) and len(out) >= 2:
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                if type(out[i]) is type(out[j]) and np.shape(_numpy_safe(out[i])) == np.shape(_numpy_safe(out[j])):
                    items = list(out)
                    items[i], items[j] = out[j], out[i]
                    return type(out)(items)
        return type(out)(_swap(v) for v in out)
    return out


def _numpy_safe(value: Any) -> Any:
    try:
        return _numpy(value)
    except (TypeError, ValueError):
        return np.zeros(0)


MUTATIONS: dict[str, Callable[[Any, tuple], Any]] = {
    "perturb one element": lambda out, args: _map(out, _perturb, only_first=True),
    "scale everything": lambda out, args: _map(out, _scale),
    "scale one output": lambda out, args: _map(out, _scale, only_first=True),
    "negate": lambda out, args: _map(out, lambda v: _scale(v, -1.0)),
    "transpose": lambda out, args: _map(out, _transpose),
    "reverse the first axis": lambda out, args: _map(out, _reverse, only_first=True),
    "drop the last element": lambda out, args: _map(out, _drop_last, only_first=True),
    "zero one output (a dropped term)": lambda out, args: _map(out, _zero, only_first=True),
    "swap two outputs": lambda out, args: _swap(out),
    "one fewer output": lambda out, args: out[:-1] if isinstance(out, tuple) and len(out) > 1 else out,
    "None in the output": lambda out, args: (None, *out[1:]) if isinstance(out, tuple) else out,
    "return the input unchanged": lambda out, args: args[0] if args else out,
}


class Mutated:
    """A right answer with one mutation applied to its output; ``changed`` says whether any output differed."""

    def __init__(self, right: Callable[..., Any], mutation: str) -> None:
        self.right, self.mutation, self.changed = right, mutation, False

    def __call__(self, *args: Any) -> Any:
        out = self.right(*args)
        wrong = MUTATIONS[self.mutation](out, args)
        if not self.changed and not _same_answer(wrong, out):
            self.changed = True
        return wrong


def _same_answer(a: Any, b: Any) -> bool:
    try:
        return _same_value(a, b)
    except Exception:
        return False


def assert_rejects_generated_wrong_answers(check_fn, right, mutations=tuple(MUTATIONS)) -> list[str]:
    """Every mutation of ``right`` that changes some output must be rejected in Korean; returns those tried."""
    tried = []
    for mutation in mutations:
        wrong = Mutated(right, mutation)
        try:
            passed = check_fn(wrong)
        except CheckCrashed as err:
            raise AssertionError(f"{mutation}: the check crashed: {err}") from None
        except CheckFailed as err:
            assert_numbers_look_different(str(err))
            passed = False
        if wrong.changed:
            tried.append(mutation)
            assert not passed, f"wrong answer accepted by {check_fn.title}: {mutation}"
    return tried


# ---------------------------------------------------------------- garbage no check may crash on
class Weird:
    """An object whose conversions and comparisons all fail."""

    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array")

    def __eq__(self, other):
        raise RuntimeError("no comparison")

    def __float__(self):
        raise RuntimeError("no float")

    __hash__ = object.__hash__


def _vandal(*args):
    """Modifies every input it can in place, converts modules to float32, returns nothing."""
    for arg in args:
        if isinstance(arg, torch.nn.Module):
            arg.float()
        elif isinstance(arg, torch.Tensor) and arg.is_floating_point():
            arg.data.add_(1.0)
        elif isinstance(arg, np.ndarray) and arg.dtype.kind == "f":
            arg += 1.0
        elif isinstance(arg, (dict, list)):
            arg.clear()


def _raises(kind):
    def fn(*args):
        raise kind("learner bug")
    return fn


GARBAGE_RETURNS = [None, 0, -1, 1.5, float("nan"), float("inf"), True, "abc", "1", b"x", [], [None], ["1", "2"],
                   [[1.0], [1.0, 2.0]], (None,), (None, None), (None, None, None, None), (1, 2), (1, 2, 3),
                   ("a", "b"), {}, {"x": None}, {"a": 1}, set(), np.zeros(0), np.zeros((2, 3), dtype=np.float32),
                   np.full(3, np.nan), np.array(["a", "b"]), np.array([1 + 2j]), np.array([True, False]),
                   torch.zeros(3, dtype=torch.float16), torch.zeros(3, dtype=torch.bfloat16),
                   torch.zeros(3, dtype=torch.int64), torch.tensor(1.0, requires_grad=True), torch.zeros(0),
                   (torch.zeros(2), None), (np.zeros(2), "x"), Weird(), [Weird()], (Weird(), Weird()), object(),
                   type, print]


def garbage_answers(right: Callable[..., Any] | None = None) -> list[tuple[str, Callable[..., Any]]]:
    """(name, learner function) pairs returning garbage, raising, or vandalising their inputs."""
    answers = [(f"returns {value!r:.40}", (lambda v: lambda *args: copy.copy(v))(value)) for value in GARBAGE_RETURNS]
    answers += [(f"raises {kind.__name__}", _raises(kind))
                for kind in (ValueError, KeyError, TypeError, RuntimeError, AssertionError, StopIteration,
                             ZeroDivisionError, IndexError, AttributeError, CheckFailed)]
    answers += [("takes no arguments", lambda: 0), ("returns its inputs", lambda *args: args),
                ("returns the first input", lambda *args: args[0] if args else None),
                ("vandalises its inputs", _vandal)]
    if right is not None:
        answers += [("vandalises, then answers", lambda *args: (_vandal(*args), right(*args))[1]),
                    ("answer as strings", lambda *args: _map(right(*args), str)),
                    ("answer in float16", lambda *args: _map(right(*args), _half)),
                    ("answer wrapped in a list", lambda *args: [right(*args)]),
                    ("answer inside a generator", lambda *args: (v for v in [right(*args)]))]
    return answers


def _half(leaf: Any) -> Any:
    if isinstance(leaf, (float, int, list, tuple)) and not isinstance(leaf, str):
        return torch.tensor(leaf, dtype=torch.float16)
    if isinstance(leaf, (np.ndarray, torch.Tensor)):
        return torch.as_tensor(leaf).to(torch.float16)
    return leaf


def assert_never_crashes(check_fn, answer) -> str:
    """Run ``check_fn(answer)``: the outcome must be a pass, the stub notice or a Korean CheckFailed."""
    try:
        result = check_fn(answer)
    except CheckCrashed as err:
        raise AssertionError(f"the check crashed: {err}") from None
    except CheckFailed as err:
        message = str(err)
        assert message.startswith(f"[{check_fn.title}]") and any("\uac00" <= ch <= "\ud7a3" for ch in message)
        assert_numbers_look_different(message)
        return "failed"
    assert result in (True, None), result
    return "passed" if result else "stub"

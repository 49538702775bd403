"""Self-checks for lesson 08 (문자 수준 언어 모델): tbptt_step, sample_with_temperature."""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from rnncourse.charlm import CharLSTM, detach_state, softmax_with_temperature
from rnncourse.checks._core import CheckFailed, as_int, as_scalar, call, check_generator, check_torch_seed, self_check

# ---------------------------------------------------------------- exercise 1: one stateful TBPTT update
_V, _B, _T, _CLIP, _LR, _CHUNKS = 11, 3, 7, 0.05, 2.0, 3
# The middle chunk's limit is far above any gradient norm: an unclipped update shows the update's scale
# (a loss summed instead of averaged), which clipping to the same norm would hide.
_CLIPS = (_CLIP, 1e6, _CLIP)
_GRAPH_REUSE = ("backward through the graph a second time", "freed", "modified by an inplace operation")


def _setup() -> tuple[CharLSTM, torch.optim.Optimizer, list[tuple[torch.Tensor, torch.Tensor]]]:
    """A small model, its SGD optimiser and three consecutive chunks of one batch of streams."""
    with check_torch_seed(8):
        model = CharLSTM(_V, hidden=6, layers=2, embed=4)
    gen = check_generator(80)
    streams = torch.randint(_V, (_B, _T * _CHUNKS + 1), generator=gen)
    chunks = [(streams[:, k * _T:(k + 1) * _T], streams[:, k * _T + 1:(k + 1) * _T + 1]) for k in range(_CHUNKS)]
    return model, torch.optim.SGD(model.parameters(), lr=_LR), chunks


def _reference_step(model, opt, x, y, state, clip):
    logits, state = model(x, state)
    loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    if clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item(), detach_state(state)


def _no_state(model, opt, x, y, state, clip):
    return _reference_step(model, opt, x, y, None, clip)


def _returns_old_state(model, opt, x, y, state, clip):
    loss, _ = _reference_step(model, opt, x, y, state, clip)
    return loss, detach_state(state)


def _no_zero_grad(model, opt, x, y, state, clip):
    logits, state = model(x, state)
    loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    loss.backward()
    if clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item(), detach_state(state)


def _summed_loss(model, opt, x, y, state, clip):
    logits, state = model(x, state)
    loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum")
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item() / y.numel(), detach_state(state)


def _no_clip(model, opt, x, y, state, clip):
    return _reference_step(model, opt, x, y, state, None)


def _clip_values(model, opt, x, y, state, clip):
    logits, state = model(x, state)
    loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_value_(model.parameters(), clip)
    opt.step()
    return loss.item(), detach_state(state)


def _learner_step(fn: Callable[..., Any], k: int) -> Callable[..., Any]:
    """The learner's step, with the error of a graph reused across chunks explained (the missing detach)."""
    def step(*args: Any) -> Any:
        try:
            return fn(*args)
        except RuntimeError as err:
            if k > 0 and any(sign in str(err) for sign in _GRAPH_REUSE):
                raise CheckFailed(
                    f"{k + 1}번째 조각에서 역전파가 앞 조각의 (이미 지워진) 계산 그래프까지 거슬러 가려다 오류가 났습니다. "
                    "다음 조각으로 넘기는 상태를 `.detach()`로 잘라 내세요. 이것이 '단기' BPTT의 '단기'입니다."
                ) from None
            raise
    return step


def _run(step_fn: Callable[..., Any], *, learner: bool = False) -> dict:
    """Three consecutive updates with ``step_fn``; the losses, states and parameters after each."""
    model, opt, chunks = _setup()
    state, losses, states = None, [], []
    for k, ((x, y), clip) in enumerate(zip(chunks, _CLIPS)):
        if learner:
            out = call(_learner_step(step_fn, k), (model, opt, x, y, state, clip),
                       names=("model", "opt", "x", "y", "state", "clip"), mutable=("model", "opt"),
                       what=f"{k + 1}번째 조각의 갱신")
            out = _as_step_output(out, k)
        else:
            out = step_fn(model, opt, x.clone(), y.clone(), state, clip)
        loss, state = out
        losses.append(float(loss))
        states.append(tuple(s.detach().clone() for s in state) if isinstance(state, tuple) else state)
    params = [p.detach().clone() for p in model.parameters()]
    return {"losses": losses, "states": states, "params": params, "state": state}


def _as_step_output(out: Any, k: int) -> tuple[float, Any]:
    """Validate the learner's (loss, state) return value."""
    if out is None:
        raise CheckFailed("함수가 아무것도 반환하지 않았습니다(None). `return loss값, 새_상태` 꼴로 두 값을 돌려주세요.")
    if not isinstance(out, tuple) or len(out) != 2:
        raise CheckFailed(f"(손실, 상태) 두 값을 튜플로 돌려줘야 합니다. 지금은 {type(out).__name__}을(를) 돌려줬습니다.")
    loss, state = out
    loss = as_scalar(loss, f"{k + 1}번째 조각의 손실")
    if state is None:
        raise CheckFailed(f"{k + 1}번째 조각에서 상태 자리에 None을 돌려줬습니다. 들어온 상태가 아니라 "
                          "`model(x, state)`가 돌려준 새 상태 (h, c)를 (detach해서) 돌려주세요.")
    if not (isinstance(state, tuple) and len(state) == 2 and all(torch.is_tensor(s) for s in state)):
        raise CheckFailed("상태 자리에는 nn.LSTM이 돌려준 (h, c) 튜플이 와야 합니다. "
                          f"{k + 1}번째 조각에서 {type(state).__name__}을(를) 받았습니다.")
    return loss, state


def _close(a: list[torch.Tensor], b: list[torch.Tensor], tol: float = 1e-5) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and bool(torch.allclose(x.double(), y.double(), rtol=tol, atol=tol))
                                    for x, y in zip(a, b))


def _same_run(got: dict, want: dict) -> bool:
    return (all(abs(g - w) < 1e-5 for g, w in zip(got["losses"], want["losses"]))
            and _close(got["params"], want["params"]))


@self_check("상태를 이어 가는 단기 BPTT 한 단계 tbptt_step")
def tbptt_step(fn: Callable[..., Any]) -> str:
    """fn(model, opt, x, y, state, clip) must do one update and return (loss float, new state detached)."""
    got = _run(fn, learner=True)  # first: an answer of the wrong form fails before the reference is trained
    want = _run(_reference_step)
    if got["state"][0].requires_grad and got["state"][0].grad_fn is not None:
        raise CheckFailed("돌려준 상태가 아직 계산 그래프에 붙어 있습니다(grad_fn이 있음). 다음 조각으로 넘기기 전에 "
                          "`(h.detach(), c.detach())`로 잘라 주세요. 그러지 않으면 역전파가 학습 시작점까지 거슬러 갑니다.")
    if not abs(got["losses"][0] - want["losses"][0]) <= 1e-5:
        raise CheckFailed(f"첫 조각의 손실이 다릅니다: 기대값 {want['losses'][0]:.6f}, 실제값 {got['losses'][0]:.6f}. "
                          "모델 출력(logits)을 (B·T, V)로, 정답 y를 (B·T,)로 펴서 cross_entropy의 평균을 구했는지 보세요. "
                          "손실은 갱신하기 전에 잰 값이어야 합니다.")
    known = {
        "상태를 모델에 넘기지 않았습니다(매 조각을 0 상태에서 시작했습니다). `model(x, state)`처럼 이전 조각의 상태를 넣으세요.":
            _no_state,
        "새 상태 대신 들어온 상태를 그대로 돌려줬습니다. `model(x, state)`가 돌려준 새 상태를 다음 조각으로 넘기세요.":
            _returns_old_state,
        "`opt.zero_grad()`를 빠뜨렸습니다. 기울기가 조각마다 쌓여서 두 번째 갱신부터 틀어집니다.": _no_zero_grad,
        "기울기 클리핑을 하지 않았습니다. `loss.backward()` 다음, `opt.step()` 전에 "
        "`nn.utils.clip_grad_norm_(model.parameters(), clip)`을 부르세요.": _no_clip,
        "기울기를 원소별로 잘랐습니다(clip_grad_value_). 여기서는 전체 노름을 줄이는 clip_grad_norm_을 씁니다.": _clip_values,
        "손실을 평균이 아니라 합(reduction='sum')으로 역전파했습니다. 그러면 기울기가 B·T배 커져서, 클리핑되지 않는 "
        "조각에서 갱신이 지나치게 커집니다. cross_entropy의 기본값인 평균 손실로 역전파하세요.": _summed_loss,
    }
    for message, variant in known.items():
        if _same_run(got, _run(variant)):
            raise CheckFailed(message)
    for k in range(1, _CHUNKS):
        if not abs(got["losses"][k] - want["losses"][k]) <= 1e-5:
            raise CheckFailed(f"{k + 1}번째 조각의 손실이 다릅니다: 기대값 {want['losses'][k]:.6f}, 실제값 {got['losses'][k]:.6f}. "
                              "이전 조각의 상태를 이어받았는지, 갱신 순서(zero_grad → backward → 클리핑 → step)를 확인하세요.")
    if not _close(got["params"], want["params"]):
        raise CheckFailed("세 번 갱신한 뒤의 가중치가 기대값과 다릅니다. 갱신 순서(zero_grad → backward → "
                          "clip_grad_norm_ → step)와 클리핑 값 clip을 확인하세요.")
    if not _close(list(got["state"]), list(want["state"])):
        raise CheckFailed("마지막에 돌려준 상태 (h, c)의 값이 기대값과 다릅니다. 모델이 이번 조각을 읽고 낸 상태를 돌려주세요.")
    return "상태는 이어 가고 그래프는 조각마다 끊었습니다. 이것이 상태를 이어 가는 단기 BPTT입니다."


# ---------------------------------------------------------------- exercise 2: temperature sampling
_LOGITS = torch.tensor([2.0, 1.0, 0.0, -1.0, 0.5, -2.0])
_DRAWS = 4000
_TOL = 0.04


def _draws(fn: Callable[..., Any], logits: torch.Tensor, temperature: float, n: int, seed: int) -> list[int]:
    gen = check_generator(seed)
    names, what = ("logits", "temperature", "generator"), f"온도 T = {temperature}에서의 샘플"
    out = []
    for k in range(n):
        # the first draw runs on copies that are compared afterwards (in-place edits); the rest get a fresh clone
        # each and skip the comparison, which would triple the cost of thousands of draws
        args = (logits, temperature, gen) if k == 0 else (logits.clone(), temperature, gen)
        value = call(fn, args, names=names, what=what, mutable=("generator",) if k == 0 else names)
        out.append(_as_index(value, len(logits)))
    return out


def _as_index(value: Any, n: int) -> int:
    if torch.is_tensor(value) and value.numel() != 1:
        raise CheckFailed(f"정수 하나(뽑은 번호)를 돌려줘야 합니다. 지금은 원소가 {value.numel()}개인 텐서를 돌려줬습니다. "
                          "확률 벡터가 아니라 그 확률로 뽑은 번호를 돌려주세요.")
    if value is not None and not torch.is_tensor(value) and isinstance(value, float) and not value.is_integer():
        raise CheckFailed(f"정수 번호를 돌려줘야 하는데 실수 {value:.4g}를 돌려줬습니다. 확률이 아니라 뽑은 번호를 돌려주세요.")
    index = as_int(value, "뽑은 문자 번호")
    if not 0 <= index < n:
        raise CheckFailed(f"돌려준 번호 {index}가 0부터 {n - 1} 사이를 벗어났습니다.")
    return index


def _explain_overflow(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The learner's sampler, with the error of exp(logits / T) overflowing at a tiny T explained."""
    def draw(*args: Any) -> Any:
        try:
            return fn(*args)
        except (RuntimeError, ValueError) as err:
            raise CheckFailed(f"온도가 아주 낮을 때(T = 0.01) 오류가 났습니다({str(err).splitlines()[0][:120]}). "
                              "exp(logits / T)를 직접 계산하면 넘칩니다(overflow). "
                              "`torch.softmax(logits / T, dim=-1)`를 쓰세요.") from None
    return draw


@self_check("온도를 넣은 샘플링 sample_with_temperature")
def sample_with_temperature(fn: Callable[[torch.Tensor, float, torch.Generator], Any]) -> str:
    """fn(logits, T, generator) must draw index i with probability softmax(logits / T)[i], using ``generator``."""
    first = _draws(fn, _LOGITS, 1.0, 60, seed=1)
    again = _draws(fn, _LOGITS, 1.0, 60, seed=1)
    if len(set(first)) == 1:
        raise CheckFailed(f"60번 뽑았는데 매번 {first[0]}번만 나왔습니다. 가장 큰 값(argmax)을 고르지 말고 "
                          "`torch.multinomial(확률, 1, generator=generator)`로 확률에 따라 뽑으세요.")
    if first != again:
        raise CheckFailed("같은 시드로 만든 generator를 넘겼는데 결과가 다릅니다. 뽑을 때 인자로 받은 `generator`를 "
                          "쓰세요(예: `torch.multinomial(p, 1, generator=generator)`). 그래야 결과를 재현할 수 있습니다.")
    n = len(_LOGITS)
    for temperature in (1.0, 0.5, 2.0):
        picks = _draws(fn, _LOGITS, temperature, _DRAWS, seed=int(temperature * 10))
        freq = torch.bincount(torch.tensor(picks), minlength=n).double() / _DRAWS
        want = softmax_with_temperature(_LOGITS.double(), temperature)
        gap = float((freq - want).abs().max())
        if gap > _TOL:
            hint = ""
            if float((freq - torch.softmax(_LOGITS.double() * temperature, -1)).abs().max()) < _TOL and temperature != 1.0:
                hint = " 로짓에 T를 곱했습니다. 온도로는 나눠야 합니다: softmax(logits / T)."
            elif float((freq - torch.softmax(_LOGITS.double(), -1)).abs().max()) < _TOL:
                hint = " 온도를 쓰지 않은 것 같습니다. 확률을 softmax(logits / T)로 구하세요."
            raise CheckFailed(f"온도 T = {temperature}에서 {_DRAWS}번 뽑은 빈도가 softmax(logits / T)와 다릅니다 "
                              f"(가장 큰 차이 {gap:.3f}, 기대 {[round(float(p), 3) for p in want]}, "
                              f"실제 {[round(float(p), 3) for p in freq]})." + hint)
    cold = _draws(_explain_overflow(fn), _LOGITS, 0.01, 20, seed=3)
    if set(cold) != {0}:
        raise CheckFailed(f"T = 0.01이면 거의 언제나 가장 큰 로짓(0번)이 뽑혀야 하는데 {sorted(set(cold))}가 나왔습니다.")
    return "T < 1이면 분포가 뾰족해지고 T > 1이면 평평해집니다. 빈도가 softmax(logits / T)와 맞습니다."


__all__ = ["tbptt_step", "sample_with_temperature"]

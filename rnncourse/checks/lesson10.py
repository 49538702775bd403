"""Self-checks for lesson 10 (응용): forecasting windows, greedy CTC decoding, Korean number readings, greedy
decoding."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from rnncourse import applications as app
from rnncourse.checks._core import (CheckFailed, as_array, as_int, as_scalar, call, check_generator, check_rng,
                                   check_torch_seed, expect_tuple, self_check)


def _run(fn: Callable[..., Any], *args: Any, names: tuple[str, ...], what: str, hint: str) -> Any:
    """Call the learner's function on copies (the protocol of checks._core)."""
    return call(fn, args, names=names, what=what, hint=hint)


# ---------------------------------------------------------------- exercise 1: make_windows
WINDOW_CASES = [(12, 3, 1), (15, 4, 3), (7, 1, 1), (20, 6, 2)]  # (series length, window, horizon)


def _window_rows_hint(X: np.ndarray, series: np.ndarray, window: int) -> str:
    """Say where the first window starts when the learner's rows are windows at the wrong place."""
    if X.ndim == 2 and X.shape[1] == window and len(X):
        for start in range(len(series) - window + 1):
            if np.array_equal(X[0], series[start:start + window]):
                return (f" 첫 창이 series[{start}:{start + window}]입니다. 첫 창은 series[0:{window}], "
                        f"곧 맨 앞의 값 {window}개여야 합니다.")
            if np.array_equal(X[0], series[start:start + window][::-1]):
                return " 창 안의 순서가 거꾸로입니다. 오래된 값이 앞(왼쪽)에 오도록 그대로 자르세요."
    return ""


def _target_hint(y: np.ndarray, series: np.ndarray, window: int, horizon: int) -> str:
    """Explain which element of the series the learner used as the target of the first window."""
    want = window - 1 + horizon
    found = [i for i in range(len(series)) if series[i] == y[0]]
    if not found:
        return ""
    got = found[0]
    if got == window - 1:
        return (f" y[0]이 series[{got}], 곧 창의 마지막 값입니다. 정답이 입력 창 안에 들어 있으면 모델이 답을 보고 "
                f"맞히는 셈입니다(누수, leakage). 정답은 창의 마지막 값에서 {horizon}칸(horizon) 뒤인 series[{want}]입니다.")
    if got < window - 1:
        return f" y[0]이 series[{got}]로 창 안의 값입니다(누수). 정답은 창 밖, series[{want}]입니다."
    if got == want + 1:
        return f" y[0]이 series[{got}]로 한 칸 너무 멉니다. 창의 마지막 인덱스는 window-1이므로 정답은 series[{want}]입니다."
    if got == horizon:
        return f" y[0]이 series[{got}]입니다. horizon은 창의 시작이 아니라 창의 마지막 값에서부터 셉니다: series[{want}]."
    return f" y[0]이 series[{got}]입니다. 정답은 series[window - 1 + horizon] = series[{want}]입니다."


@self_check("예측용 창 만들기 make_windows")
def make_windows(fn: Callable[[np.ndarray, int, int], Any]) -> str:
    """make_windows(series, window, horizon) → X (N, window), y (N,), X[i] = series[i:i+window],
    y[i] = series[i+window-1+horizon], N = len(series) - window - horizon + 1."""
    rng = check_rng(10)
    for length, window, horizon in WINDOW_CASES:
        for series in (100.0 + np.arange(length), np.round(rng.normal(size=length), 6)):
            where = f"길이 {length}, window={window}, horizon={horizon}일 때"
            result = _run(fn, series, window, horizon, names=("series", "window", "horizon"), what=f"{where} 창",
                          hint="인덱스가 시계열 밖으로 나갔다면 창의 개수 len(series) - window - horizon + 1과 "
                               "정답의 위치 i + window - 1 + horizon을 확인하세요.")
            X, y = expect_tuple(result, ("X", "y"), where)
            want_X, want_y = app.make_windows(series, window, horizon)
            n = len(want_y)
            X = as_array(X, f"{where} X")
            y = as_array(y, f"{where} y")
            if X.shape != (n, window):
                hint = ""
                if X.shape == (window, n):
                    hint = " 행과 열이 뒤바뀌었습니다. 창 하나가 한 행이 되도록 쌓으세요 (np.stack(창들))."
                elif X.ndim == 2 and X.shape[1] == window and X.shape[0] == n - 1:
                    hint = (" 마지막 창 하나가 빠졌습니다. 창의 개수는 len(series) - window - horizon + 1입니다 "
                            "(range의 끝에 +1을 잊기 쉽습니다).")
                elif X.ndim == 2 and X.shape[1] == window and X.shape[0] > n:
                    hint = (" 창이 너무 많습니다. 마지막 창의 정답도 시계열 안에 있어야 하므로 "
                            "창의 개수는 len(series) - window - horizon + 1입니다.")
                raise CheckFailed(f"{where} X의 모양이 다릅니다: 기대 {(n, window)}, 실제 {X.shape}.{hint}")
            if y.shape != (n,):
                hint = " y는 1차원 (N,)이어야 합니다. `.reshape(-1)`로 펴세요." if y.size == n else ""
                raise CheckFailed(f"{where} y의 모양이 다릅니다: 기대 {(n,)}, 실제 {y.shape}.{hint}")
            if not np.allclose(X, want_X):
                raise CheckFailed(f"{where} X의 값이 다릅니다.{_window_rows_hint(X, series, window)} "
                                  "X[i]는 series[i : i + window]입니다.")
            if not np.allclose(y, want_y):
                raise CheckFailed(f"{where} y의 값이 다릅니다.{_target_hint(y, series, window, horizon)}")
    return "정답은 언제나 창이 끝난 뒤에 있습니다. 이것이 예측 문제에서 누수를 막는 첫걸음입니다."


# ---------------------------------------------------------------- exercise: ctc_greedy_decode
B = app.BLANK
CTC_PATHS = [  # per-frame best classes (blank = 0, digit d = d + 1); each one tests one rule
    [4, 4, 0, 2, 2, 2, 0, 0, 7],       # repeats collapse, blanks go
    [2, 2, 0, 2, 0, 0, 2, 2, 6, 6],    # the same digit three times: only blanks keep them apart
    [0, 0, 0, 0, 0],                   # nothing but blank: an empty line
    [0, 9, 9, 9, 0],                   # one digit, blanks at both ends
    [3, 5, 3, 5, 10, 1, 1],            # no blank at all: every change of class is a new symbol
    [1, 0, 1, 1, 0, 0, 0, 1, 10, 10],  # class 1 (digit 0) is not the blank
]


def _scores_for(path: list[int], rng: np.random.Generator) -> np.ndarray:
    """Random (T, classes) scores whose per-frame best class is ``path`` (log-softmax-like negative values)."""
    scores = rng.normal(-4.0, 1.0, (len(path), app.CTC_CLASSES))
    scores[np.arange(len(path)), path] = rng.uniform(-0.5, -0.05, len(path))
    return scores


def _ctc_slips(path: list[int]) -> dict[str, list[int]]:
    """What the usual mistakes return for one per-frame path."""
    collapsed = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
    no_blank = [k for k in path if k != B]
    blank_first = [k for i, k in enumerate(no_blank) if i == 0 or k != no_blank[i - 1]]
    return {
        "반복을 합치지 않았습니다. blank를 지우기 전에, 연달아 나온 같은 번호를 하나로 합치세요 "
        "(예: [4, 4, 0, 2] → [4, 2]).": no_blank,
        "blank를 먼저 지우고 반복을 합쳤습니다. 그러면 [3, 0, 3]처럼 blank로 떨어진 같은 숫자 두 개가 하나로 "
        "합쳐집니다. 반복을 먼저 합치고, 그다음에 blank를 지우세요.": blank_first,
        "blank(0번)를 지우지 않았습니다. 반복을 합친 뒤 0번을 모두 빼세요.": collapsed,
        "argmax 경로를 그대로 돌려주었습니다. 반복을 합치고 blank를 지워야 합니다.": list(path),
        "번호에서 1을 뺐습니다. 숫자로 바꾸는 것은 나중 일이니, 클래스 번호(숫자 d는 d + 1)를 그대로 돌려주세요.":
            [k - 1 for k in app.ctc_greedy_decode(np.eye(app.CTC_CLASSES)[path])],
    }


def _as_ids(result: Any, where: str) -> list[int]:
    """The learner's decoded line as a list of ints (a list, 1-D array or tensor of whole numbers)."""
    if isinstance(result, (list, tuple)) and len(result) == 0:
        return []
    arr = as_array(result, where)
    if arr.size == 0 and arr.ndim <= 1:
        return []
    if arr.ndim != 1:
        raise CheckFailed(f"{where}: 번호의 1차원 리스트를 돌려줘야 합니다. 지금은 모양 {arr.shape}입니다. "
                          "한 줄의 점수 (T, 클래스 수)에서 번호 리스트 하나를 만드세요.")
    if not np.all(np.isfinite(arr)) or not np.all(np.equal(np.mod(arr, 1), 0)):
        raise CheckFailed(f"{where}: 정수 클래스 번호가 아닌 값이 있습니다 (예: {arr[:4].tolist()}). "
                          "점수가 아니라 `argmax`로 고른 번호를 담으세요.")
    return [int(v) for v in arr]


@self_check("CTC 탐욕적 디코딩 ctc_greedy_decode")
def ctc_greedy_decode(fn: Callable[[torch.Tensor], Any]) -> str:
    """ctc_greedy_decode(scores (T, classes)) → list of classes: per-frame argmax, repeats collapsed, blanks
    dropped, in that order."""
    rng = check_rng(20)
    cases = [(path, dtype) for path in CTC_PATHS for dtype in (torch.float32, torch.float64)]
    cases += [(rng.integers(0, app.CTC_CLASSES, int(rng.integers(1, 30))).tolist(), torch.float32) for _ in range(20)]
    for path, dtype in cases:
        scores = torch.tensor(_scores_for(path, rng), dtype=dtype)
        where = f"프레임별 최고 번호가 {path}인 점수 {tuple(scores.shape)}에서"
        result = _run(fn, scores, names=("scores",), what=f"{where} 디코딩",
                      hint="`scores.argmax(dim=-1)`로 프레임마다 번호 하나를 고른 뒤 차례로 훑으세요.")
        got = _as_ids(result, where)
        want = app.ctc_greedy_decode(scores)
        if got != want:
            hint = next((m for m, slip in _ctc_slips(path).items() if slip == got),
                        "프레임마다 argmax를 고르고, 바로 앞 프레임과 같은 번호는 건너뛰고, blank(0번)도 건너뛰세요.")
            raise CheckFailed(f"{where} 기대 {want}, 실제 {got}. 힌트: {hint}")
    return "칸별 정답 없이 배운 경로에서, 반복을 합치고 blank를 지우면 글자만 남습니다."


# ---------------------------------------------------------------- exercise 2: korean_reading
PROBES = (1, 10, 11, 20, 100, 101, 110, 312, 1000, 1001, 2005, 3040, 9999)


def _reading_hint(n: int, got: str, want: str) -> str:
    """A Korean hint naming the typical mistake behind one wrong reading."""
    if " " in got and got.replace(" ", "") == want:
        return "자리 사이에 공백을 넣지 마세요. '삼백 십이'가 아니라 '삼백십이'입니다."
    if len(got) == len(want) and sorted(got) == sorted(want):
        return "자리의 순서가 다릅니다. 한국어도 영어처럼 큰 자리(천)부터 읽습니다."
    if any(word in got for word in ("일십", "일백", "일천")) and got.replace("일", "") == want.replace("일", ""):
        return "1은 십, 백, 천 앞에서 읽지 않습니다. 10은 '일십'이 아니라 '십', 1000은 '천'입니다."
    if any(word in got for word in ("영", "공")):
        return "0인 자리는 읽지 않고 건너뜁니다. 2005는 '이천영백영십오'가 아니라 '이천오'입니다."
    if not any(unit in got for unit in "십백천") and any(unit in want for unit in "십백천"):
        return "자리의 이름(십, 백, 천)이 빠졌습니다. 312는 '삼일이'가 아니라 '삼백십이'입니다."
    return "천의 자리부터 차례로, 숫자(1이면 생략)와 자리 이름을 붙여 읽으세요."


@self_check("한국어 수 읽기 korean_reading")
def korean_reading(fn: Callable[[int], Any]) -> str:
    """korean_reading(n) must equal the package's Sino-Korean reading for every n in 1..9999."""
    numbers = list(PROBES) + [n for n in range(1, app.MAX_NUMBER + 1) if n not in PROBES]
    wrong: list[tuple[int, Any, str]] = []
    for n in numbers:
        got = _run(fn, n, names=("n",), what=f"n = {n}의 읽기",
                   hint="천, 백, 십, 일의 자리 숫자는 divmod(n, 1000)처럼 구합니다.")
        if got is None:
            raise CheckFailed(f"n = {n}: 함수가 아무것도 반환하지 않았습니다(None). 읽은 문자열을 `return` 하세요.")
        if not isinstance(got, str):
            raise CheckFailed(f"n = {n}: 문자열(str)을 반환해야 합니다. 지금은 {type(got).__name__} {got!r}입니다.")
        want = app.korean_reading(n)
        if got != want:
            wrong.append((n, got, want))
            if len(wrong) == 1 and n in PROBES:
                break  # a probe already shows the mistake; no need to sweep all numbers
    if wrong:
        n, got, want = wrong[0]
        count = "" if len(wrong) == 1 and n in PROBES else f" (1부터 9999까지 중 {len(wrong)}개가 다릅니다)"
        raise CheckFailed(f"n = {n}의 읽기가 다릅니다: 기대 '{want}', 실제 '{got}'{count}. 힌트: {_reading_hint(n, got, want)}")
    return "1부터 9999까지 9999개를 모두 맞게 읽었습니다."


# ---------------------------------------------------------------- exercise 3: greedy_decode
class ToyTranslator:
    """A hand-made 'model' with the Seq2Seq interface whose next token depends on the previous token and on
    an LSTM-like tuple state, so a decoding loop that skips feedback or the state update gives other tokens."""

    vocab_size = len(app.TARGET_VOCAB)

    def encode(self, src: torch.Tensor):
        """State (count, limit), each (1, B, 1): the count starts at 0, the limit depends on the source."""
        limit = (src.sum(dim=1) % 5 + 2).float().view(1, -1, 1)
        return torch.zeros_like(limit), limit

    def step(self, prev_tokens: torch.Tensor, state):
        """Next token (3·prev + count) mod 12 + 3, or </s> once count exceeds the limit; returns scores."""
        count, limit = state
        count = count + 1
        c = count.view(-1).long()
        nxt = (3 * prev_tokens + c) % (self.vocab_size - 3) + 3
        nxt = torch.where(count.view(-1) > limit.view(-1), torch.full_like(nxt, app.EOS), nxt)
        scores = -(torch.arange(self.vocab_size).view(1, -1) - nxt.view(-1, 1)).abs().float()
        return scores, (count, limit)


def _reference_rows(reference: torch.Tensor) -> list[int]:
    """How many tokens of each reference row count: up to and including its first </s>."""
    lengths = []
    for row in reference.tolist():
        lengths.append(row.index(app.EOS) + 1 if app.EOS in row else len(row))
    return lengths


def _models() -> list[tuple[str, Any]]:
    """The toy model, and small random Seq2Seq models with GRU and LSTM cells (tuple state)."""
    models: list[tuple[str, Any]] = [("손으로 만든 작은 모델", ToyTranslator())]
    with check_torch_seed(10):  # fixed test models without touching the lesson's random state
        for cell in ("gru", "lstm"):
            model = app.Seq2Seq(hidden_size=16, embed_size=8, cell=cell).eval()
            with torch.no_grad():
                model.decoder.out.bias[app.EOS] -= 3.0  # keep random models from ending at once
            models.append((f"무작위 {cell.upper()} Seq2Seq", model))
    return models


@torch.no_grad()
def _decode_hint(got: np.ndarray, model: Any, src: torch.Tensor, max_len: int) -> str:
    """Name the typical slip when the learner's output equals what that slip produces."""
    first_state = model.encode(src)
    slips = {}
    state, toks = first_state, []
    for _ in range(max_len):  # feeds <s> every step (no feedback)
        scores, state = model.step(torch.full((src.shape[0],), app.BOS, dtype=torch.long), state)
        toks.append(scores.argmax(-1))
    slips["이전 단계의 예측을 다음 입력으로 넣지 않았습니다. 매 단계 `token = scores.argmax(-1)`로 바꾼 token을 "
          "다음 `model.step`에 넣으세요."] = torch.stack(toks, 1)
    token, toks = torch.full((src.shape[0],), app.BOS, dtype=torch.long), []
    for _ in range(max_len):  # never updates the state
        scores, _unused = model.step(token, first_state)
        token = scores.argmax(-1)
        toks.append(token)
    slips["상태를 갱신하지 않았습니다. `scores, state = model.step(token, state)`처럼 새 상태를 받아 다음 단계에 "
          "넘기세요."] = torch.stack(toks, 1)
    state, token, toks = first_state, torch.full((src.shape[0],), app.BOS, dtype=torch.long), []
    for _ in range(max_len):  # argmin
        scores, state = model.step(token, state)
        token = scores.argmin(-1)
        toks.append(token)
    slips["점수가 가장 낮은 음절을 골랐습니다. 탐욕적 디코딩은 `argmax`입니다."] = torch.stack(toks, 1)
    reference = app.greedy_decode(model, src, max_len)
    slips["시작 기호 <s>를 출력의 첫 칸에 넣었습니다. <s>는 첫 입력일 뿐, 출력에는 예측한 음절만 담습니다."] = \
        torch.cat([torch.full((src.shape[0], 1), app.BOS, dtype=torch.long), reference[:, :-1]], 1)
    for message, tokens in slips.items():
        if got.shape == tuple(tokens.shape) and np.array_equal(got, tokens.numpy()):
            return message
    return ""


@self_check("탐욕적 디코딩 greedy_decode")
def greedy_decode(fn: Callable[[Any, torch.Tensor, int], Any]) -> str:
    """greedy_decode(model, src, max_len) → (B, max_len) ids: start from <s>, feed back each argmax."""
    gen = check_generator(3)
    for name, model in _models():
        src = torch.randint(3, len(app.SOURCE_VOCAB), (5, app.MAX_SOURCE_LEN), generator=gen)
        for max_len in (app.MAX_TARGET_LEN, 4):
            where = f"{name}, 배치 {len(src)}, max_len={max_len}에서"
            with torch.no_grad():
                result = _run(fn, model, src, max_len, names=("model", "src", "max_len"), what=f"{where} 디코딩",
                              hint="`scores, state = model.step(token, state)`에서 token은 (B,) 모양의 정수 텐서입니다.")
            if isinstance(result, (tuple, list)) and result and isinstance(result[0], torch.Tensor) \
                    and result[0].dim() == 1 and len(result) == max_len:
                raise CheckFailed("텐서들의 리스트가 반환되었습니다. `torch.stack(토큰들, dim=1)`로 (B, max_len) 텐서 "
                                  "하나를 만드세요.")
            got = as_array(result, f"{where} 반환값")
            reference = app.greedy_decode(model, src, max_len)
            if got.shape != tuple(reference.shape):
                hint = ""
                if got.shape == (max_len, len(src)):
                    hint = " 시간 축이 앞에 있습니다. `torch.stack(토큰들, dim=1)`로 (B, max_len)을 만드세요."
                elif got.ndim == 2 and got.shape[0] == len(src) and got.shape[1] < max_len:
                    hint = (" 일찍 멈춘 것 같습니다. 모든 행이 </s>를 냈더라도 max_len 단계를 채워 주세요 "
                            "(</s> 뒤의 값은 채점하지 않습니다).")
                elif got.ndim == 2 and got.shape[0] == len(src) and got.shape[1] == max_len + 1:
                    hint = " 시작 기호 <s>까지 출력에 넣은 것 같습니다. 예측한 토큰 max_len개만 담으세요."
                raise CheckFailed(f"{where} 모양이 다릅니다: 기대 {tuple(reference.shape)}, 실제 {got.shape}.{hint}")
            if not np.all(np.equal(np.mod(got, 1), 0)):
                raise CheckFailed(f"{where} 정수 토큰 번호가 아닌 값이 있습니다. 점수(scores)가 아니라 "
                                  "`argmax`로 고른 번호를 담으세요.")
            for row, length in enumerate(_reference_rows(reference)):
                want = reference[row, :length].numpy()
                if not np.array_equal(got[row, :length], want):
                    hint = _decode_hint(got, model, src, max_len) or (
                        "<s>에서 시작해, 매 단계 `scores, state = model.step(token, state)`, "
                        "`token = scores.argmax(-1)`을 되풀이하세요.")
                    raise CheckFailed(f"{where} {row}번 행의 토큰이 다릅니다: 기대 {want.astype(int).tolist()}, "
                                      f"실제 {got[row, :length].astype(int).tolist()}. 힌트: {hint}")
    return "디코더가 자기 예측을 다시 읽으며 한 음절씩 써 나갑니다. 8장의 문자 생성과 같은 고리입니다."


# ---------------------------------------------------------------- 심화: beam search
class GardenPathTranslator:
    """A hand-made model where greedy decoding goes astray: the likeliest first syllable (A, p = 0.5) leads to a
    flat next distribution, the runner-up (B, p = 0.4) to an almost certain </s>. Scores are log-probabilities."""

    vocab_size = len(app.TARGET_VOCAB)
    A, B = 3, 4

    def encode(self, src: torch.Tensor) -> torch.Tensor:
        """State: the previous token of each row ((B,) long), starting at <s>."""
        return torch.full((src.shape[0],), app.BOS, dtype=torch.long)

    def step(self, prev_tokens: torch.Tensor, state: torch.Tensor):
        """Log-probabilities of the next token given the previous one; the new state is that previous token."""
        rows = []
        for prev in prev_tokens.tolist():
            p = torch.full((self.vocab_size,), 1e-3, dtype=torch.float64)
            if prev == app.BOS:
                p[self.A], p[self.B] = 0.5, 0.4
            elif prev == self.B:
                p[app.EOS] = 0.95
            else:
                p[3:] = 0.06
                p[app.EOS] = 0.2
            rows.append(torch.log(p / p.sum()))
        return torch.stack(rows).float(), prev_tokens.clone()


@torch.no_grad()
def reference_beam_search(model: Any, src: torch.Tensor, beam_size: int, max_len: int, *, log: bool = True,
                          separate_finished: bool = True) -> tuple[list[int], float]:
    """Beam search for one source row (src (1, S)): every step extends each live hypothesis by every syllable,
    adding log_softmax(scores); the beam_size best candidates overall survive, those ending in </s> are set aside
    as finished. Stops when none is live or after max_len steps; returns the best (tokens, total log-probability)
    among finished and live ones. The flags bend one rule, to recognise a learner's slip."""
    beams: list[tuple[list[int], float, Any]] = [([], 0.0, model.encode(src))]
    finished: list[tuple[list[int], float, Any]] = []
    for _ in range(max_len):
        candidates = []
        for tokens, score, state in beams:
            prev = tokens[-1] if tokens else app.BOS
            scores, new_state = model.step(torch.tensor([prev]), state)
            step = torch.log_softmax(scores[0].double(), -1) if log else scores[0].double()
            candidates += [(tokens + [v], score + float(step[v]), new_state) for v in range(len(step))]
        candidates.sort(key=lambda c: -c[1])
        beams = []
        for cand in candidates[:beam_size]:
            (finished if separate_finished and cand[0][-1] == app.EOS else beams).append(cand)
        if not beams:
            break
    best = max(finished + beams, key=lambda c: c[1])
    return best[0], best[1]


@torch.no_grad()
def sequence_log_prob(model: Any, src: torch.Tensor, tokens: list[int]) -> float:
    """Total log-probability the model gives ``tokens`` after <s> (teacher forcing, one step per token)."""
    state, prev, total = model.encode(src), app.BOS, 0.0
    for token in tokens:
        scores, state = model.step(torch.tensor([prev]), state)
        total += float(torch.log_softmax(scores[0].double(), -1)[token])
        prev = token
    return total


BEAM_SLIPS = {
    "점수에 log_softmax를 씌우지 않고 모델 점수를 그대로 더했습니다. 가설의 점수는 각 단계 로그 확률 "
    "`torch.log_softmax(scores, dim=-1)`의 합입니다.": {"log": False},
    "</s>로 끝난 가설을 따로 모으지 않고 계속 늘였습니다. </s>가 나온 가설은 끝난 가설 목록으로 옮기세요.":
        {"separate_finished": False},
}


def _as_hypothesis(result: Any, where: str, vocab: int) -> tuple[list[int], float]:
    tokens, score = expect_tuple(result, ("tokens", "score"), where)
    if isinstance(tokens, torch.Tensor):
        tokens = tokens.reshape(-1).tolist() if tokens.dim() <= 1 else tokens
    if not isinstance(tokens, (list, tuple)):
        raise CheckFailed(f"{where}: tokens는 정수 번호의 리스트여야 합니다. 지금은 {type(tokens).__name__}입니다.")
    ids = [as_int(t, f"{where}: tokens의 {i}번째 값") for i, t in enumerate(tokens)]
    bad = [t for t in ids if not 0 <= t < vocab]
    if bad:
        raise CheckFailed(f"{where}: 음절 번호 {bad[0]}가 0부터 {vocab - 1} 사이를 벗어났습니다.")
    return ids, as_scalar(score, f"{where}: score")


@self_check("심화: 빔 서치 beam_search", kind="심화")
def beam_search(fn: Callable[[Any, torch.Tensor, int, int], Any]) -> str:
    """beam_search(model, src, beam_size, max_len) → (tokens, score) as reference_beam_search finds them."""
    garden = GardenPathTranslator()
    src = torch.zeros(1, 1, dtype=torch.long)
    cases: list[tuple[str, Any, torch.Tensor, int, int]] = [("손으로 만든 작은 모델", garden, src, 2, 4),
                                                            ("손으로 만든 작은 모델", garden, src, 1, 4)]
    gen = check_generator(31)
    for name, model in _models()[1:]:
        for _ in range(2):
            row = torch.randint(3, len(app.SOURCE_VOCAB), (1, app.MAX_SOURCE_LEN), generator=gen)
            cases += [(name, model, row, 3, app.MAX_TARGET_LEN), (name, model, row, 1, app.MAX_TARGET_LEN)]
    for name, model, row, k, max_len in cases:
        where = f"{name}, beam_size={k}, max_len={max_len}에서"
        with torch.no_grad():
            result = call(fn, (model, row, k, max_len), names=("model", "src", "beam_size", "max_len"),
                          what=f"{where} 빔 서치", hint="`scores, state = model.step(torch.tensor([이전 음절]), state)`처럼 "
                                                    "가설마다 자기 상태를 따로 들고 다니세요.")
        tokens, score = _as_hypothesis(result, where, len(app.TARGET_VOCAB))
        want_tokens, want_score = reference_beam_search(model, row, k, max_len)
        if len(tokens) > max_len:
            raise CheckFailed(f"{where}: 음절을 {len(tokens)}개 돌려줬습니다. 많아야 max_len = {max_len}개입니다.")
        if tokens and tokens[0] == app.BOS:
            raise CheckFailed(f"{where}: 시작 기호 <s>를 tokens에 넣었습니다. <s>는 첫 입력일 뿐, 예측한 음절만 담으세요.")
        true_score = sequence_log_prob(model, row, tokens)
        if not abs(score - true_score) <= 1e-4 * max(1.0, abs(true_score)):
            raise CheckFailed(f"{where}: 돌려준 점수 {score:.6g}가 돌려준 음절들의 로그 확률 합 {true_score:.6g}와 다릅니다. "
                              "점수는 각 단계 `torch.log_softmax(scores, dim=-1)[음절]`을 더한 값입니다.")
        if tokens != want_tokens:
            if k == 1:
                hint = "beam_size = 1이면 탐욕적 디코딩과 같은 결과가 나와야 합니다."
            elif name.startswith("손으로"):
                hint = ("이 모델에서 탐욕적 디코딩은 첫 음절로 확률 0.5짜리를 골라 길을 잃습니다. 확률 0.4짜리 뒤에 "
                        "거의 확실한 </s>가 오는 가설이 전체 점수로는 더 좋습니다. 가설 전체의 점수로 고르세요.")
            else:
                hint = next((m for m, flags in BEAM_SLIPS.items()
                             if reference_beam_search(model, row, k, max_len, **flags)[0] == tokens),
                            "매 단계 모든 가설의 모든 다음 음절을 후보로 모아, 누적 로그 확률이 가장 높은 beam_size개를 "
                            "남기세요. </s>로 끝난 후보는 끝난 가설로 옮깁니다.")
            raise CheckFailed(f"{where}: 기대한 음절 {want_tokens} (점수 {want_score:.4f}), 실제 {tokens} "
                              f"(점수 {true_score:.4f}). 힌트: {hint}")
    return "가설 여러 개를 함께 들고 가면, 첫걸음이 가장 그럴듯하지 않은 번역도 찾아냅니다."

import numpy as np
import pytest
import torch

from rnncourse import applications as app
from rnncourse.checks import lesson10 as check
from check_helpers import assert_korean_failure, stub




# ---- make_windows ---------------------------------------------------------------------------

def loop_windows(series, window, horizon, *, shift=0, count_fix=1, transpose=False, flat=True, reverse=False):
    """The loop a learner writes, with knobs for the usual slips."""
    n = len(series) - window - horizon + count_fix
    X = [series[i:i + window][::-1] if reverse else series[i:i + window] for i in range(n)]
    y = [series[i + window - 1 + horizon + shift] for i in range(n)]
    X, y = np.array(X), np.array(y)
    if transpose:
        X = X.T
    if not flat:
        y = y[:, None]
    return X, y


def test_windows_reference_passes(capsys):
    assert check.make_windows(app.make_windows) is True
    assert "✅" in capsys.readouterr().out


def test_windows_loop_and_torch_answers_pass():
    assert check.make_windows(loop_windows) is True

    def as_torch(series, window, horizon):
        X, y = loop_windows(series, window, horizon)
        return torch.tensor(X), torch.tensor(y)
    assert check.make_windows(as_torch) is True


def test_windows_stub_gives_notice(capsys):
    assert check.make_windows(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


def mutate(series, window, horizon):
    out = loop_windows(series, window, horizon)
    series[0] = -1.0
    return out


TITLE_W = "예측용 창 만들기 make_windows"


@pytest.mark.parametrize("wrong, words", [
    (lambda s, w, h: loop_windows(s, w, h, shift=-h), ["누수", "창의 마지막 값"]),        # target = last input
    (lambda s, w, h: loop_windows(s, w, h, shift=1), ["오류", "IndexError", "정답의 위치"]),
    (lambda s, w, h: loop_windows(s, w, h, count_fix=0), ["모양", "마지막 창 하나가 빠졌습니다"]),
    (lambda s, w, h: loop_windows(s, w, h, transpose=True), ["모양", "행과 열이 뒤바뀌었습니다"]),
    (lambda s, w, h: loop_windows(s, w, h, flat=False), ["y의 모양", "reshape"]),
    (lambda s, w, h: loop_windows(s, w, h, reverse=True), ["X의 값", "거꾸로"]),
    (lambda s, w, h: (np.array([s[i + 1:i + 1 + w] for i in range(len(s) - w - h + 1)]),
                      loop_windows(s, w, h)[1]), ["X의 값", "series[1:"]),
    (lambda s, w, h: (loop_windows(s, w, h)[0], np.array([s[i + h] for i in range(len(s) - w - h + 1)])),
     ["y의 값"]),
    (lambda s, w, h: loop_windows(s, w, h)[0], ["튜플"]),
    (lambda s, w, h: (None, None), ["None"]),
    (mutate, ["제자리"]),
])
def test_windows_wrong_answers_fail(wrong, words):
    assert_korean_failure(check.make_windows, wrong, words)


# ---- korean_reading -------------------------------------------------------------------------

DIGITS = "일이삼사오육칠팔구"


def reading(n, *, say_one=False, zeros=False, spaces=False, units=True, ascending=False):
    parts = []
    for unit, name in ((1000, "천"), (100, "백"), (10, "십"), (1, "")):
        d, n = divmod(n, unit)
        if d == 0:
            if zeros and unit > 1 and parts:
                parts.append("영" + name)
            continue
        digit = "" if (d == 1 and name and not say_one) else DIGITS[d - 1]
        parts.append(digit + (name if units else ""))
    if ascending:
        parts = parts[::-1]
    return (" " if spaces else "").join(parts)


def test_reading_reference_passes(capsys):
    assert check.korean_reading(app.korean_reading) is True
    assert "✅" in capsys.readouterr().out


def test_reading_loop_answer_passes():
    assert check.korean_reading(reading) is True


def test_reading_stub_gives_notice(capsys):
    assert check.korean_reading(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


TITLE_R = "한국어 수 읽기 korean_reading"


@pytest.mark.parametrize("wrong, words", [
    (lambda n: reading(n, say_one=True), ["일십", "'십'"]),
    (lambda n: reading(n, zeros=True), ["0인 자리", "건너뜁니다"]),
    (lambda n: reading(n, spaces=True), ["공백"]),
    (lambda n: reading(n, units=False), ["자리의 이름"]),
    (lambda n: reading(n, ascending=True), ["순서"]),
    (lambda n: reading(n) if n < 5000 else reading(n)[:-1], ["n = 9999", "다릅니다"]),
    (lambda n: reading(n) if n != 7777 else "칠천", ["n = 7777", "1개가 다릅니다"]),
    (lambda n: None, ["None"]),
    (lambda n: n, ["문자열"]),
    (lambda n: DIGITS[n - 1] if n < 10 else DIGITS[n], ["오류", "IndexError", "n = 10"]),
])
def test_reading_wrong_answers_fail(wrong, words):
    assert_korean_failure(check.korean_reading, wrong, words)


# ---- greedy_decode --------------------------------------------------------------------------

def loop_decode(model, src, max_len, *, feed_back=True, update=True, pick="argmax", keep_bos=False,
                stop_early=False, time_first=False, as_list=False):
    """The decoding loop a learner writes, with knobs for the usual slips."""
    state = model.encode(src)
    first = state
    token = torch.full((src.shape[0],), app.BOS, dtype=torch.long)
    out = [token] if keep_bos else []
    for _ in range(max_len):
        scores, new_state = model.step(token if feed_back else torch.full_like(token, app.BOS),
                                       state if update else first)
        state = new_state
        if pick == "argmax":
            nxt = scores.argmax(-1)
        elif pick == "argmin":
            nxt = scores.argmin(-1)
        else:
            nxt = torch.multinomial(torch.softmax(scores, -1), 1, generator=torch.Generator().manual_seed(0))[:, 0]
        out.append(nxt)
        token = nxt
        if stop_early and bool((nxt == app.EOS).all()):
            break
    if as_list:
        return out
    return torch.stack(out, dim=0 if time_first else 1)


def test_decode_reference_passes(capsys):
    assert check.greedy_decode(app.greedy_decode) is True
    assert "✅" in capsys.readouterr().out


def test_decode_loop_answer_passes():
    assert check.greedy_decode(loop_decode) is True


def test_decode_junk_after_eos_is_not_graded():
    def pad_after_eos(model, src, max_len):
        out = loop_decode(model, src, max_len)
        seen = torch.cumsum((out == app.EOS).long(), dim=1)
        return torch.where(seen > 1, torch.zeros_like(out), out)  # zeros after the first </s>
    assert check.greedy_decode(pad_after_eos) is True


def test_decode_stub_gives_notice(capsys):
    assert check.greedy_decode(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


TITLE_D = "탐욕적 디코딩 greedy_decode"


@pytest.mark.parametrize("wrong, words", [
    (lambda m, s, n: loop_decode(m, s, n, feed_back=False), ["다음 입력으로 넣지 않았습니다"]),
    (lambda m, s, n: loop_decode(m, s, n, update=False), ["상태를 갱신하지 않았습니다"]),
    (lambda m, s, n: loop_decode(m, s, n, pick="argmin"), ["argmax"]),
    (lambda m, s, n: loop_decode(m, s, n, pick="sample"), ["토큰이 다릅니다"]),
    (lambda m, s, n: loop_decode(m, s, n, keep_bos=True), ["모양", "<s>"]),
    (lambda m, s, n: loop_decode(m, s, n, keep_bos=True)[:, :-1], ["<s>를 출력의 첫 칸"]),
    (lambda m, s, n: loop_decode(m, s, n, stop_early=True), ["모양", "일찍 멈춘"]),
    (lambda m, s, n: loop_decode(m, s, n, time_first=True), ["모양", "dim=1"]),
    (lambda m, s, n: loop_decode(m, s, n, as_list=True), ["리스트", "torch.stack"]),
    (lambda m, s, n: None, ["None"]),
])
def test_decode_wrong_answers_fail(wrong, words):
    assert_korean_failure(check.greedy_decode, wrong, words)


def test_toy_model_separates_the_slips():
    """Each slip must change the toy model's output, or the check could not tell it apart."""
    toy = check.ToyTranslator()
    src = torch.randint(3, len(app.SOURCE_VOCAB), (5, app.MAX_SOURCE_LEN), generator=torch.Generator().manual_seed(0))
    ref = app.greedy_decode(toy, src, app.MAX_TARGET_LEN)
    for kwargs in ({"feed_back": False}, {"update": False}, {"pick": "argmin"}):
        assert not torch.equal(loop_decode(toy, src, app.MAX_TARGET_LEN, **kwargs), ref), kwargs


@pytest.mark.parametrize("check_fn, answer", [(check.make_windows, app.make_windows),
                                              (check.korean_reading, app.korean_reading),
                                              (check.greedy_decode, app.greedy_decode)])
def test_checks_leave_the_lessons_random_state_alone(check_fn, answer):
    """A check must not reseed: the lesson's later results would stop depending on its seed."""
    torch.manual_seed(123)
    np.random.seed(123)
    want_torch, want_np = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(123)
    check_fn(answer)
    assert torch.equal(torch.rand(3), want_torch) and np.array_equal(np.random.rand(3), want_np)


# ---- 심화: beam_search --------------------------------------------------------------------------
def beam_batched(model, src, beam_size, max_len):
    """Also right: the same search written with tensors (all live hypotheses stepped as one batch)."""
    live_tokens, live_scores = [[]], torch.zeros(1, dtype=torch.float64)
    state = model.encode(src)
    finished = []
    for _ in range(max_len):
        prev = torch.tensor([t[-1] if t else app.BOS for t in live_tokens])
        scores, new_state = model.step(prev, state)
        total = (live_scores[:, None] + torch.log_softmax(scores.double(), -1)).reshape(-1)
        best = torch.argsort(total, descending=True)[:beam_size]
        keep, next_tokens, next_scores = [], [], []
        for flat in best.tolist():
            row, token = divmod(flat, scores.shape[-1])
            hyp = (live_tokens[row] + [token], float(total[flat]))
            if token == app.EOS:
                finished.append(hyp)
            else:
                keep.append(row)
                next_tokens.append(hyp[0])
                next_scores.append(hyp[1])
        if not keep:
            return max(finished, key=lambda h: h[1])
        index = torch.tensor(keep)
        state = tuple(s[:, index] for s in new_state) if isinstance(new_state, tuple) else (
            new_state[index] if new_state.dim() == 1 else new_state[:, index])
        live_tokens, live_scores = next_tokens, torch.tensor(next_scores, dtype=torch.float64)
    return max(finished + list(zip(live_tokens, live_scores.tolist())), key=lambda h: h[1])


def test_beam_reference_and_batched_version_pass(capsys):
    assert check.beam_search(check.reference_beam_search) is True
    assert check.beam_search(beam_batched) is True
    assert "✅" in capsys.readouterr().out


def test_beam_finds_what_greedy_misses_on_the_garden_path():
    model, src = check.GardenPathTranslator(), torch.zeros(1, 1, dtype=torch.long)
    greedy = app.greedy_decode(model, src, 4)[0].tolist()
    tokens, score = check.reference_beam_search(model, src, 2, 4)
    assert tokens == [model.B, app.EOS] and greedy[:2] != tokens
    assert score > check.sequence_log_prob(model, src, greedy[:greedy.index(app.EOS) + 1])


def greedy_as_beam(model, src, beam_size, max_len):
    tokens = app.greedy_decode(model, src, max_len)[0].tolist()
    tokens = tokens[:tokens.index(app.EOS) + 1] if app.EOS in tokens else tokens
    return tokens, check.sequence_log_prob(model, src, tokens)


@pytest.mark.parametrize("wrong, words", [
    (greedy_as_beam, ["탐욕적 디코딩은 첫 음절로"]),
    (lambda m, s, k, n: check.reference_beam_search(m, s, k, n, log=False), ["log_softmax"]),
    (lambda m, s, k, n: check.reference_beam_search(m, s, k, n, separate_finished=False), ["기대한 음절"]),
    (lambda m, s, k, n: (check.reference_beam_search(m, s, k, n)[0], 0.0), ["점수", "로그 확률 합"]),
    (lambda m, s, k, n: ([app.BOS] + check.reference_beam_search(m, s, k, n)[0], 0.0), ["<s>"]),
    (lambda m, s, k, n: check.reference_beam_search(m, s, k, n)[0], ["리스트"]),
    (lambda m, s, k, n: (["일", "이"], 0.0), ["정수"]),
])
def test_beam_mistakes_fail_in_korean(wrong, words):
    assert_korean_failure(check.beam_search, wrong, words)


# ---- ctc_greedy_decode --------------------------------------------------------------------------
def ctc_loop(scores, *, collapse=True, drop_blank=True, blank_first=False, shift=0, pick="argmax"):
    """The loop a learner writes, with knobs for the usual slips."""
    path = getattr(torch.as_tensor(scores), pick)(dim=-1).tolist()
    if blank_first:
        path = [k for k in path if k != app.BLANK]
    out, prev = [], None
    for k in path:
        if (k != prev or not collapse) and (k != app.BLANK or not drop_blank):
            out.append(k + shift)
        prev = k
    return out


TITLE_CTC = "CTC 탐욕적 디코딩 ctc_greedy_decode"


def test_ctc_reference_loop_and_tensor_answers_pass(capsys):
    assert check.ctc_greedy_decode(app.ctc_greedy_decode) is True
    assert check.ctc_greedy_decode(ctc_loop) is True
    assert check.ctc_greedy_decode(lambda s: torch.tensor(ctc_loop(s), dtype=torch.long)) is True
    assert check.ctc_greedy_decode(lambda s: np.array(ctc_loop(s.float()), dtype=np.float32)) is True
    assert "✅" in capsys.readouterr().out


def test_ctc_reference_examples():
    path = torch.eye(app.CTC_CLASSES)
    assert app.ctc_greedy_decode(path[[3, 3, 0, 3, 0, 0, 5]]) == [3, 3, 5]
    assert app.ctc_greedy_decode(path[[0, 0, 0]]) == []
    assert app.ctc_greedy_decode(path[[1, 1, 0, 1]]) == [1, 1]


def test_ctc_stub_gives_notice(capsys):
    assert check.ctc_greedy_decode(stub) is None
    assert "아직 구현하지 않았습니다" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (lambda s: ctc_loop(s, collapse=False), ["반복을 합치지 않았습니다"]),
    (lambda s: ctc_loop(s, blank_first=True), ["blank를 먼저 지우고"]),
    (lambda s: ctc_loop(s, drop_blank=False), ["blank(0번)를 지우지 않았습니다"]),
    (lambda s: ctc_loop(s, collapse=False, drop_blank=False), ["경로를 그대로"]),
    (lambda s: ctc_loop(s, shift=-1), ["1을 뺐습니다"]),
    (lambda s: ctc_loop(s, pick="argmin"), ["기대"]),
    (lambda s: s.argmax(dim=-1), ["경로를 그대로"]),
    (lambda s: torch.softmax(s, -1), ["1차원"]),
    (lambda s: [float(k) + 0.5 for k in ctc_loop(s)], ["정수"]),
    (lambda s: None, ["None"]),
    (lambda s: ctc_loop(s.mul_(2)), ["제자리"]),
])
def test_ctc_wrong_answers_fail(wrong, words):
    assert_korean_failure(check.ctc_greedy_decode, wrong, words)


def test_digit_lines_and_reader_shapes():
    tiles, labels, _ = app.make_digit_images(app.TRAIN_FONTS[:2], 1, seed=0)
    lines = app.make_digit_lines(tiles, labels, 7, seed=0, min_digits=3, max_digits=6, frame=2)
    assert lines.frames.shape[0] == 7 and lines.frames.shape[2] == 32
    assert all(3 <= len(d) <= 6 for d in lines.digits)
    assert np.all(lines.lengths == -(-lines.widths // 2)) and lines.frames.shape[1] == lines.lengths.max()
    assert len(set(lines.widths.tolist())) > 1                       # variable spacing: widths differ
    model = app.CTCReader(32, 8, seed=0)
    batch = app.ctc_batch(lines, [0, 3])
    loss = app.ctc_loss(model, batch)
    assert loss.dim() == 0 and torch.isfinite(loss)
    assert len(app.ctc_read(model, lines)) == 7
    assert app.character_error_rate(["123", "45"], ["123", "46"]) == pytest.approx(1 / 5)
    assert app.edit_distance("kitten", "sitting") == 3
    with pytest.raises(ValueError):
        app.make_digit_lines(tiles, labels, 0, seed=0)

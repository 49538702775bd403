"""Asserted experimental claims: pass returns the value, failure is Korean and explains, records feed the margin table."""
import json
import math

import pytest

import rnncourse as rc
from rnncourse.claims import MARGINS_VARIABLE, ClaimFailed


def test_a_claim_that_holds_returns_its_value():
    assert rc.claim("05.mse", 0.01, what="LSTM의 오차는 기준선보다 작습니다", below=1 / 6) == 0.01
    assert rc.claim("05.acc", 0.9, what="정확도는 우연 수준보다 높습니다", above=0.5) == 0.9


@pytest.mark.parametrize("value, kw", [(0.2, {"below": 1 / 6}), (0.4, {"above": 0.5}), (math.nan, {"above": 0.5}),
                                       (math.inf, {"below": 1.0}), (0.5, {"above": 0.5})])
def test_a_failing_claim_explains_in_korean(value, kw):
    with pytest.raises(ClaimFailed) as err:
        rc.claim("07.bi", value, what="양방향 모델이 더 정확합니다", seeds=5, **kw)
    message = str(err.value)
    assert isinstance(err.value, AssertionError)
    for words in ["[실험 07.bi]", "주장: 양방향 모델이 더 정확합니다", "시드 5개", "RNNCOURSE_SEED_SHIFT", "rnncourse.about()"]:
        assert words in message


@pytest.mark.parametrize("kw, error", [({}, ValueError), ({"below": 1, "above": 0}, ValueError),
                                       ({"below": 1, "seeds": 0}, ValueError)])
def test_bad_arguments_are_rejected(kw, error):
    with pytest.raises(error):
        rc.claim("05.x", 0.5, what="w", **kw)


@pytest.mark.parametrize("key", ["x", "5.adding", "05adding", "", None])
def test_keys_name_their_lesson(key):
    with pytest.raises(ValueError, match="NN.short_name"):
        rc.claim(key, 0.5, what="w", below=1)


def test_non_numbers_are_rejected():
    with pytest.raises(TypeError, match="number"):
        rc.claim("05.x", "abc", what="w", below=1)


def test_claims_are_recorded_with_their_margin(tmp_path, monkeypatch):
    monkeypatch.setenv(MARGINS_VARIABLE, str(tmp_path))
    monkeypatch.setenv("RNNCOURSE_SEED_SHIFT", "2")
    rc.claim("05.mse", 0.05, what="w", below=0.1)
    with pytest.raises(ClaimFailed):
        rc.claim("05.acc", 0.4, what="w", above=0.5)
    rows = [json.loads(line) for f in tmp_path.glob("*.jsonl") for line in f.read_text().splitlines()]
    assert [r["key"] for r in rows] == ["05.mse", "05.acc"]
    assert rows[0]["margin"] == pytest.approx(0.5) and rows[0]["shift"] == 2 and rows[0]["op"] == "<"
    assert rows[1]["margin"] == pytest.approx(-0.2)


def test_nothing_is_recorded_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(MARGINS_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    rc.claim("05.mse", 0.05, what="w", below=0.1)
    assert not list(tmp_path.iterdir())

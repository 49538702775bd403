import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnncourse import reber

quick = settings(max_examples=40, deadline=None, database=None)

# An independent reference: the same grammars written as regular expressions.
INNER = r"B(?:TS*X(?:XT*VP)*(?:S|XT*VV)|PT*V(?:PXT*V)*(?:V|PS))E"
REBER = re.compile(INNER)
EMBEDDED = re.compile(rf"B([TP]){INNER}\1E")


def sample(n: int, seed: int, make=reber.embedded_reber_string) -> list[str]:
    rng = torch.Generator().manual_seed(seed)
    return [make(rng) for _ in range(n)]


def test_generated_strings_are_accepted():
    for text in sample(200, 0, reber.reber_string):
        assert reber.is_reber(text) and REBER.fullmatch(text)
    for text in sample(200, 1):
        assert reber.is_embedded_reber(text) and EMBEDDED.fullmatch(text)
        assert text[-2] == text[1] and reber.is_reber(text[2:-2])


@quick
@given(text=st.text(alphabet=reber.SYMBOLS, max_size=14))
def test_acceptors_agree_with_the_regular_expressions(text):
    assert reber.is_reber(text) == bool(REBER.fullmatch(text))
    assert reber.is_embedded_reber(text) == bool(EMBEDDED.fullmatch(text))


@quick
@given(seed=st.integers(0, 10_000), data=st.data())
def test_corruptions_are_rejected(seed, data):
    text = sample(1, seed)[0]
    swapped = text[:-2] + ("T" if text[-2] == "P" else "P") + text[-1]
    assert not reber.is_embedded_reber(swapped)
    where = data.draw(st.integers(0, len(text) - 1))
    symbol = data.draw(st.sampled_from(reber.SYMBOLS))
    for corrupted in (text[:where] + symbol + text[where + 1:], text[:where] + text[where + 1:],
                      text[:where] + symbol + text[where:], text + symbol, text[:-1]):
        if corrupted != text:
            assert reber.is_embedded_reber(corrupted) == bool(EMBEDDED.fullmatch(corrupted))
    assert not reber.is_embedded_reber(text.replace("B", "A", 1))


@pytest.mark.parametrize("prefix, expected", [
    ("", "B"), ("B", "TP"), ("BT", "B"), ("BP", "B"), ("BTB", "TP"), ("BTBT", "SX"),
    ("BTBP", "TV"), ("BTBTX", "XS"), ("BTBPV", "PV"), ("BTBTXS", "E"), ("BTBTXSE", "T"),
    ("BPBPVVE", "P"), ("BTBTXSET", "E"), ("BTBTXSETE", ""),
])
def test_next_symbols_of_known_prefixes(prefix, expected):
    assert reber.next_symbols(prefix) == set(expected)


def test_next_symbols_match_the_transitions_of_generated_strings():
    for text in sample(100, 2):
        for t in range(len(text) + 1):
            legal = reber.next_symbols(text[:t])
            if t < len(text):
                assert text[t] in legal
            else:
                assert legal == set()
            for symbol in reber.SYMBOLS:
                if symbol in legal:
                    reber.next_symbols(text[:t] + symbol)
                else:
                    with pytest.raises(ValueError):
                        reber.next_symbols(text[:t] + symbol)
        assert reber.next_symbols(text[:-2]) == {text[1]}


def test_lengths_and_branches_are_distributed_sanely():
    inner = [len(text) for text in sample(2000, 3, reber.reber_string)]
    assert min(inner) == 5 and sum(inner) / len(inner) == pytest.approx(8, abs=0.3)
    strings = sample(2000, 4)
    lengths = [len(text) for text in strings]
    assert min(lengths) == 9 and sum(lengths) / len(lengths) == pytest.approx(12, abs=0.3)
    assert sum(text[1] == "T" for text in strings) / len(strings) == pytest.approx(0.5, abs=0.05)


def test_encode_pads_one_hot_inputs_and_multi_hot_legal_sets():
    strings = ["BTBTXSETE", "BPBTSSXXTVVEPE"]
    x, lengths, targets = reber.encode(strings)
    assert x.shape == targets.shape == (2, 14, 7) and x.dtype == targets.dtype == torch.float32
    assert lengths.tolist() == [9, 14] and lengths.dtype == torch.int64
    for row, text in enumerate(strings):
        assert "".join(reber.SYMBOLS[i] for i in x[row, :len(text)].argmax(-1)) == text
        assert (x[row, :len(text)].sum(-1) == 1).all() and (x[row, len(text):] == 0).all()
        for t in range(len(text)):
            legal = {reber.SYMBOLS[i] for i in targets[row, t].nonzero().flatten().tolist()}
            assert legal == reber.next_symbols(text[:t + 1])
        assert (targets[row, len(text) - 1:] == 0).all()


def test_embedded_reber_batch_is_seeded():
    x, lengths, targets, strings = reber.embedded_reber_batch(16, seed=9)
    assert x.shape[0] == 16 and x.shape[1] == max(lengths).item()
    again = reber.embedded_reber_batch(16, seed=9)
    assert all(torch.equal(p, q) for p, q in zip((x, lengths, targets), again[:3]))
    assert strings == again[3] and strings != reber.embedded_reber_batch(16, seed=10)[3]


@pytest.mark.parametrize("call", [
    lambda: reber.next_symbols("BX"), lambda: reber.next_symbols("BTBTXSEP"),
    lambda: reber.encode([]), lambda: reber.encode("BTBTXSETE"),
    lambda: reber.encode(["BTBTXSETE", "BTBTXSET"]), lambda: reber.embedded_reber_batch(0),
])
def test_bad_inputs_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_solved_accepts_the_oracle_and_measures_the_long_lag_guess():
    _, lengths, targets, strings = reber.embedded_reber_batch(400, seed=11)
    rows, penultimate = torch.arange(len(strings)), lengths - 3
    assert reber.solved(targets, strings) == (1.0, 1.0)
    padded = torch.cat([targets, torch.zeros(len(strings), 3, 7)], dim=1)
    assert reber.solved(padded, strings) == (1.0, 1.0)

    both = targets.clone()
    both[rows, penultimate, reber.SYMBOLS.index("T")] = 0.9
    both[rows, penultimate, reber.SYMBOLS.index("P")] = 0.9
    assert reber.solved(both, strings) == (0.0, 0.0)

    guess = targets.clone()
    coin = torch.rand(len(strings), generator=torch.Generator().manual_seed(0)) < 0.5
    guess[rows, penultimate, reber.SYMBOLS.index("T")] = coin.float()
    guess[rows, penultimate, reber.SYMBOLS.index("P")] = (~coin).float()
    all_right, penultimate_right = reber.solved(guess, strings)
    assert all_right == penultimate_right
    assert all_right == pytest.approx(reber.EMBEDDED_REBER_BASELINE, abs=0.07)

    early_slip = targets.clone()
    early_slip[:, 0, reber.SYMBOLS.index("E")] = 1.0
    assert reber.solved(early_slip, strings) == (0.0, 1.0)


@pytest.mark.parametrize("shape, threshold", [((2, 20, 6), 0.5), ((3, 20, 7), 0.5),
                                              ((2, 5, 7), 0.5), ((2, 20, 7), 1.0)])
def test_solved_rejects_bad_arguments(shape, threshold):
    with pytest.raises(ValueError):
        reber.solved(torch.zeros(shape), ["BTBTXSETE", "BPBPVVEPE"], threshold)

"""The Reber grammar and the embedded Reber grammar: the classic long-time-lag test of an RNN.

The Reber grammar (Reber 1967) is a small finite-state automaton over ``B T S X P V E``, the
letters of the Elman network figure in the DL4J guide; Cleeremans, Servan-Schreiber &
McClelland (1989) used it to train simple recurrent networks to predict the next symbol. The
*embedded* grammar wraps a Reber string as ``B T <reber> T E`` or ``B P <reber> P E``: the
penultimate symbol must repeat the second one, across the whole inner string, so it is the
long-lag part that defeats plain RNNs and that the LSTM solves (Hochreiter & Schmidhuber 1997,
section 5.1).

A model reads a string one symbol at a time and, at every position, outputs the *set* of
symbols that may legally come next (sigmoid outputs, multi-hot targets). ``solved`` applies the
usual criterion: every predicted set must be exactly the legal one.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch

from rnncourse.tasks import _generator, _positive

SYMBOLS = "BTSXPVE"
"""The alphabet, in the fixed order of the one-hot and multi-hot encodings."""

EMBEDDED_REBER_BASELINE = 0.5
"""Fraction of strings solved by a predictor that knows both grammars but not the long lag.

It must guess the penultimate symbol (T or P), so it is right half of the time; naming both
T and P is never exactly right, so it solves none of the strings that way.
"""

State = int | str | tuple[str, int]
Automaton = dict[State, dict[str, State]]

# Reber's automaton: state -> {symbol: next state}; 0 is the start, 7 the end.
_REBER: Automaton = {
    0: {"B": 1},
    1: {"T": 2, "P": 3},
    2: {"S": 2, "X": 4},
    3: {"T": 3, "V": 5},
    4: {"X": 3, "S": 6},
    5: {"P": 4, "V": 6},
    6: {"E": 7},
    7: {},
}
_REBER_END = 7


def _embed(inner: Automaton, inner_end: State) -> Automaton:
    """Build the embedded automaton: the branch symbol travels in the state, so it must repeat."""
    table: Automaton = {"start": {"B": "open"}, "open": {"T": ("T", 0), "P": ("P", 0)},
                        "close": {"E": "end"}, "end": {}}
    for branch in "TP":
        for state, moves in inner.items():
            table[(branch, state)] = ({branch: "close"} if state == inner_end else
                                      {symbol: (branch, after) for symbol, after in moves.items()})
    return table


_EMBEDDED = _embed(_REBER, _REBER_END)


def _walk(table: Automaton, start: State, text: str) -> list[State] | None:
    """States visited while reading ``text`` (the start state first), or None if it is illegal."""
    states = [start]
    for symbol in text:
        after = table[states[-1]].get(symbol)
        if after is None:
            return None
        states.append(after)
    return states


def _sample(table: Automaton, start: State, rng: torch.Generator) -> str:
    """Walk the automaton from ``start``, choosing each legal move with equal probability."""
    state, symbols = start, []
    while table[state]:
        moves = list(table[state].items())
        symbol, state = moves[int(torch.randint(len(moves), (1,), generator=rng))]
        symbols.append(symbol)
    return "".join(symbols)


def reber_string(rng: torch.Generator) -> str:
    """One random Reber string such as ``BTSSXXTVVE`` (each branch taken with probability 1/2)."""
    return _sample(_REBER, 0, rng)


def embedded_reber_string(rng: torch.Generator) -> str:
    """One random embedded Reber string: B, T or P, a Reber string, the same T or P, then E."""
    return _sample(_EMBEDDED, "start", rng)


def is_reber(text: str) -> bool:
    """Whether ``text`` is a complete string of the Reber grammar."""
    states = _walk(_REBER, 0, text)
    return states is not None and states[-1] == _REBER_END


def is_embedded_reber(text: str) -> bool:
    """Whether ``text`` is a complete string of the embedded Reber grammar."""
    states = _walk(_EMBEDDED, "start", text)
    return states is not None and states[-1] == "end"


def _embedded_states(prefix: str) -> list[State]:
    """States visited while reading an embedded-Reber ``prefix``; ValueError if it is illegal."""
    states = _walk(_EMBEDDED, "start", prefix)
    if states is None:
        raise ValueError(f"expected a prefix of an embedded Reber string over {SYMBOLS}; "
                         f"got {prefix!r}")
    return states


def next_symbols(prefix: str) -> set[str]:
    """The symbols that may legally follow an embedded-Reber ``prefix`` (empty once complete)."""
    return set(_EMBEDDED[_embedded_states(prefix)[-1]])


def encode(strings: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Embedded Reber strings as padded tensors a batch-first RNN can train on.

    Returns ``x`` (batch, T, 7) float32 one-hot symbols in ``SYMBOLS`` order, zero-padded to the
    longest string; ``lengths`` (batch,) int64; and ``targets`` (batch, T, 7) float32 multi-hot
    sets of the symbols that may follow each position (all zero after the final E and in the
    padding). Raises ValueError if a string is not a complete embedded Reber string.
    """
    if isinstance(strings, str) or len(strings) == 0:
        raise ValueError(f"expected a non-empty sequence of strings; got {strings!r}")
    longest = max(len(text) for text in strings)
    ones, legal = [], []
    for row, text in enumerate(strings):
        states = _embedded_states(text)
        if states[-1] != "end":
            raise ValueError(f"expected complete embedded Reber strings; got {text!r}")
        for t, (symbol, state) in enumerate(zip(text, states[1:])):
            ones.append((row, t, SYMBOLS.index(symbol)))
            legal.extend((row, t, SYMBOLS.index(follower)) for follower in _EMBEDDED[state])
    x = torch.zeros(len(strings), longest, len(SYMBOLS))
    targets = torch.zeros_like(x)
    x[tuple(torch.tensor(ones).T)] = 1.0
    targets[tuple(torch.tensor(legal).T)] = 1.0
    lengths = torch.tensor([len(text) for text in strings], dtype=torch.int64)
    return x, lengths, targets


def embedded_reber_batch(batch: int, *, seed: int | None = None
                         ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[str]]:
    """A seeded batch of embedded Reber strings, encoded: ``(x, lengths, targets, strings)``."""
    _positive("batch", batch)
    rng = _generator(seed)
    strings = [embedded_reber_string(rng) for _ in range(batch)]
    return (*encode(strings), strings)


def solved(predicted_probs: torch.Tensor, strings: Sequence[str], threshold: float = 0.5
           ) -> tuple[float, float]:
    """Fraction of strings solved, and fraction whose long-lag penultimate symbol is right.

    ``predicted_probs`` (batch, T, 7) are per-symbol probabilities (sigmoid outputs) read at every
    position of ``strings``. A string is solved when, at every position that has a successor
    (all but the final E), the symbols above ``threshold`` are exactly the legal next set. The
    second number checks only the position of the inner E, where the legal set is the single
    symbol repeating the second one; ``EMBEDDED_REBER_BASELINE`` is what guessing it gives.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must lie strictly between 0 and 1; got {threshold!r}")
    _, lengths, targets = encode(strings)
    if (predicted_probs.dim() != 3 or predicted_probs.shape[0] != len(strings)
            or predicted_probs.shape[1] < targets.shape[1]
            or predicted_probs.shape[2] != len(SYMBOLS)):
        raise ValueError(f"predicted_probs must have shape (batch={len(strings)}, "
                         f"T>={targets.shape[1]}, {len(SYMBOLS)}); "
                         f"got {tuple(predicted_probs.shape)}")
    steps = targets.shape[1]
    correct = ((predicted_probs[:, :steps].detach().cpu() > threshold) == targets.bool()).all(-1)
    predicts_next = torch.arange(steps) < (lengths - 1).unsqueeze(1)
    all_right = (correct | ~predicts_next).all(1)
    penultimate_right = correct[torch.arange(len(strings)), lengths - 3]
    return all_right.float().mean().item(), penultimate_right.float().mean().item()

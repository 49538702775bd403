"""Generated sequence tasks: every task is made in code from a seed, so lessons need no downloads."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from rnncourse.env import generator


def _generator(seed: int | None) -> torch.Generator:
    """``rc.generator(seed)`` (shifted by RNNCOURSE_SEED_SHIFT); no seed means seed 0."""
    return generator(0 if seed is None else seed)


@dataclass(frozen=True)
class Standardizer:
    """z = (y - mean) / std, with mean and (population) std measured on the training data only.

    Works on tensors and arrays alike (the result has the input's kind); ``inverse`` maps back to raw units.
    """

    mean: float
    std: float

    @classmethod
    def fit(cls, train_values: torch.Tensor | np.ndarray) -> "Standardizer":
        """Statistics of the TRAINING values only (using val/test here would leak them into training)."""
        if isinstance(train_values, torch.Tensor):
            train_values = train_values.detach().cpu().numpy()
        values = np.asarray(train_values, dtype=np.float64)
        if values.size < 2:
            raise ValueError(f"need at least 2 training values; got shape {values.shape}")
        std = float(values.std())
        if not std > 0:
            raise ValueError("cannot standardise constant data (std is 0)")
        return cls(float(values.mean()), std)

    def __call__(self, values: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
        """Raw units → standardised units."""
        if isinstance(values, torch.Tensor):
            return (values - self.mean) / self.std
        return (np.asarray(values, dtype=np.float64) - self.mean) / self.std

    def inverse(self, z: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
        """Standardised units → raw units: y = z · std + mean."""
        if isinstance(z, torch.Tensor):
            return z * self.std + self.mean
        return np.asarray(z, dtype=np.float64) * self.std + self.mean

    invert = inverse  # lesson 10's name for the same map


def _positive(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")


def lag_task(batch: int, length: int, lag: int, *, seed: int | None = None
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random bits in, the bit from ``lag`` steps earlier out: a task that needs memory.

    Returns ``x`` (batch, length, 1) float32 bits, ``y`` (batch, length) float32 targets with
    ``y[:, t] = x[:, t - lag]``, and ``mask`` (batch, length) bool, False for the first ``lag``
    steps (no earlier input exists). A memoryless model cannot beat the 50 % chance baseline.
    """
    _positive("batch", batch)
    _positive("length", length)
    _positive("lag", lag)
    if lag >= length:
        raise ValueError(f"lag must be smaller than length; got lag={lag}, length={length}")
    bits = torch.randint(0, 2, (batch, length), generator=_generator(seed)).float()
    y = torch.zeros_like(bits)
    y[:, lag:] = bits[:, :-lag]
    mask = torch.zeros(batch, length, dtype=torch.bool)
    mask[:, lag:] = True
    return bits.unsqueeze(-1), y, mask


def _nonnegative(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a non-negative int; got {value!r}")


ADDING_BASELINE_MSE = 1.0 / 6.0
"""MSE of always answering 1.0 on ``adding_task``: Var(U1 + U2) = 2 * 1/12 for two uniforms."""


def adding_task(batch: int, length: int, *, seed: int | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """The adding problem: sum the two marked numbers of a long sequence (a long-time-lag test).

    Hochreiter & Schmidhuber (1997), in the form of Le et al. (2015) and Arjovsky et al. (2016).
    Returns ``x`` (batch, length, 2) float32: channel 0 holds uniform [0, 1) values, channel 1 is
    a two-hot marker with one mark in the first half (steps ``< length // 2``) and one in the
    second half; and ``y`` (batch, 1) float32, the sum of the two marked values. Always answering
    the mean sum 1.0 scores ``ADDING_BASELINE_MSE`` = 1/6: a model must beat it to have learned.
    """
    _positive("batch", batch)
    _positive("length", length)
    if length < 2:
        raise ValueError(f"length must be at least 2 (one mark per half); got {length}")
    gen = _generator(seed)
    values = torch.rand(batch, length, generator=gen)
    half = length // 2
    rows = torch.arange(batch)
    markers = torch.zeros(batch, length)
    markers[rows, torch.randint(0, half, (batch,), generator=gen)] = 1.0
    markers[rows, torch.randint(half, length, (batch,), generator=gen)] = 1.0
    return torch.stack([values, markers], dim=-1), (values * markers).sum(1, keepdim=True)


def _copy_length(n_symbols: int, delay: int, n_categories: int) -> int:
    """Validate the copy task's arguments and return its total length 2 * n_symbols + delay + 1."""
    _positive("n_symbols", n_symbols)
    _nonnegative("delay", delay)
    _positive("n_categories", n_categories)
    if n_categories < 2:
        raise ValueError(f"n_categories must be at least 2 (one symbol is no memory); "
                         f"got {n_categories}")
    return 2 * n_symbols + delay + 1


def copy_task(batch: int, n_symbols: int, delay: int, *, n_categories: int = 8,
              seed: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The copy (memory) task: read a string, wait ``delay`` steps, then write the string back.

    Hochreiter & Schmidhuber (1997), in the form of Arjovsky et al. (2016). The input is
    ``n_symbols`` random symbols from ``n_categories``, ``delay`` blanks, a go marker, and
    ``n_symbols`` more blanks, so T = 2 * n_symbols + delay + 1. Returns ``x`` (batch, T,
    n_categories + 2) float32 one-hot (class ``n_categories`` is the blank, ``n_categories + 1``
    the go marker) and ``y`` (batch, T) int64 class indices: blank everywhere except the last
    ``n_symbols`` steps, which repeat the string. The baseline is ``copy_baseline_loss``.
    """
    _positive("batch", batch)
    length = _copy_length(n_symbols, delay, n_categories)
    blank, go = n_categories, n_categories + 1
    symbols = torch.randint(0, n_categories, (batch, n_symbols), generator=_generator(seed))
    inputs = torch.full((batch, length), blank)
    inputs[:, :n_symbols] = symbols
    inputs[:, n_symbols + delay] = go
    y = torch.full((batch, length), blank)
    y[:, -n_symbols:] = symbols
    return torch.nn.functional.one_hot(inputs, n_categories + 2).float(), y


def copy_baseline_loss(n_symbols: int, delay: int, n_categories: int = 8) -> float:
    """Cross-entropy per step of the best predictor that remembers no symbol, on ``copy_task``.

    It answers blank with certainty until the output phase (loss 0), then the uniform
    distribution over the categories (loss ln n_categories at each of the ``n_symbols`` steps):
    n_symbols * ln(n_categories) / T with T = 2 * n_symbols + delay + 1 (Arjovsky et al. 2016).
    """
    length = _copy_length(n_symbols, delay, n_categories)
    return n_symbols * math.log(n_categories) / length


def multi_timescale_signal(length: int, *, batch: int = 1,
                           periods: tuple[int, ...] = (2, 16, 128), seed: int | None = None
                           ) -> tuple[torch.Tensor, torch.Tensor]:
    """A sum of ±1 switching components with different time scales: the seed's life analogy.

    Where you are changes every second, a phone call comes every week, an election every four
    years: component k is a random telegraph signal that flips sign with probability
    ``1 / periods[k]`` at each step (so ``periods[k]`` is its mean time between switches; 2 makes
    a fresh coin flip every step, a fast noisy component). Each starts at a random sign, so all
    are independent and ±1 with probability 1/2 at every step. Returns ``x`` (batch, length, 1)
    float32, the sum, and ``components`` (batch, length, len(periods)) float32, so a lesson can
    ask an LSTM to track each slow component from ``x``; a model that sees only the current
    ``x`` gets ``memoryless_tracking_accuracy(len(periods))`` of the signs right.
    """
    _positive("length", length)
    _positive("batch", batch)
    if not isinstance(periods, tuple | list) or not periods:
        raise ValueError(f"periods must be a non-empty tuple of positive ints; got {periods!r}")
    for index, period in enumerate(periods):
        _positive(f"periods[{index}]", period)
    gen = _generator(seed)
    start = torch.randint(0, 2, (batch, 1, len(periods)), generator=gen) * 2 - 1
    flip_probability = 1.0 / torch.tensor(periods, dtype=torch.float32)
    flips = torch.rand(batch, length, len(periods), generator=gen) < flip_probability
    flips[:, 0] = False
    parity = flips.cumsum(dim=1) % 2
    components = (start * (1 - 2 * parity)).float()
    return components.sum(-1, keepdim=True), components


def memoryless_tracking_accuracy(n_components: int) -> float:
    """Best accuracy for the sign of one component of ``multi_timescale_signal`` from x_t alone.

    The best guess from the current sum alone is its sign (a coin flip when it is 0). Given that
    the tracked component is +1, the sum is 1 + 2h - (n - 1) when h of the other n - 1
    components are +1 (a binomial count); by symmetry the same holds for -1. This gives 3/4
    for three components; a model with memory must beat it on the slow components.
    """
    _positive("n_components", n_components)
    others = n_components - 1
    score = 0.0
    for heads in range(others + 1):
        total = 1 + 2 * heads - others
        score += math.comb(others, heads) * (1.0 if total > 0 else 0.5 if total == 0 else 0.0)
    return score / 2 ** others


def future_context_task(batch: int, length: int, *, lead: int = 3, n_categories: int = 4,
                        seed: int | None = None
                        ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random symbols in, the symbol ``lead`` steps LATER out: a task only future context solves.

    The mirror image of ``lag_task``. Returns ``x`` (batch, length, n_categories) float32
    one-hot symbols, ``y`` (batch, length) int64 with ``y[:, t]`` the class at ``t + lead``, and
    ``mask`` (batch, length) bool, False for the last ``lead`` steps (no later input; y is 0
    there). A unidirectional RNN has not yet read the answer, so it stays at chance,
    ``future_context_chance(n_categories)``; a bidirectional one reads it from the backward pass.
    """
    _positive("batch", batch)
    _positive("length", length)
    _positive("lead", lead)
    _positive("n_categories", n_categories)
    if n_categories < 2:
        raise ValueError(f"n_categories must be at least 2; got {n_categories}")
    if lead >= length:
        raise ValueError(f"lead must be smaller than length; got lead={lead}, length={length}")
    symbols = torch.randint(0, n_categories, (batch, length), generator=_generator(seed))
    y = torch.zeros_like(symbols)
    y[:, :-lead] = symbols[:, lead:]
    mask = torch.zeros(batch, length, dtype=torch.bool)
    mask[:, :-lead] = True
    return torch.nn.functional.one_hot(symbols, n_categories).float(), y, mask


def future_context_chance(n_categories: int = 4) -> float:
    """Accuracy of any model reading only the past on ``future_context_task``: 1 / n_categories."""
    _positive("n_categories", n_categories)
    return 1.0 / n_categories


# ---------------------------------------------------------------------------------------------------
# Korean sentences where word order and negation decide the label (lesson 01: order matters)
# ---------------------------------------------------------------------------------------------------
KO_SUBJECTS = ("영화가", "소설이", "노래가", "수업이", "경기가", "드라마가")
KO_ADJECTIVES = (("좋", 1), ("재미있", 1), ("나쁘", 0), ("지루하", 0))   # stem, polarity (1 = 긍정)
KO_NEGATION = "않다"
KO_BUT = "하지만"
KO_VOCAB = KO_SUBJECTS + ("정말", KO_BUT, KO_NEGATION) + tuple(
    word for stem, _ in KO_ADJECTIVES for word in (stem + "다", stem + "지"))
KO_MAX_LEN = 9  # 2 clauses of at most 4 words, and 하지만


@dataclass(frozen=True)
class NegationSentences:
    """Sentences (lists of word tokens) ``clause 하지만 clause``, labelled 1 (긍정) or 0 (부정) by the SECOND clause,
    whose polarity is its adjective's, flipped by 않다. Each sentence comes with its twin (the two clauses swapped):
    the same words, so the same bag of words, and the label of the other clause."""

    sentences: list
    labels: np.ndarray


def _clause(rng: np.random.Generator) -> tuple[list[str], int]:
    stem, polarity = KO_ADJECTIVES[int(rng.integers(len(KO_ADJECTIVES)))]
    words = [KO_SUBJECTS[int(rng.integers(len(KO_SUBJECTS)))]] + (["정말"] if rng.random() < 0.5 else [])
    if rng.random() < 0.5:
        return words + [stem + "지", KO_NEGATION], 1 - polarity   # '좋지 않다': 않다 flips the word before it
    return words + [stem + "다"], polarity


def negation_sentences(n_pairs: int, seed: int) -> NegationSentences:
    """``n_pairs`` random sentence twins (2 * n_pairs sentences): A 하지만 B (label of B), B 하지만 A (label of A)."""
    _positive("n_pairs", n_pairs)
    from rnncourse.env import rng as env_rng

    rng = env_rng(seed)
    sentences, labels = [], []
    for _ in range(n_pairs):
        (a, pa), (b, pb) = _clause(rng), _clause(rng)
        sentences += [a + [KO_BUT] + b, b + [KO_BUT] + a]
        labels += [pb, pa]
    return NegationSentences(sentences, np.array(labels, dtype=np.int64))


def _word_ids(sentence: list[str]) -> list[int]:
    unknown = [w for w in sentence if w not in KO_VOCAB]
    if unknown:
        raise ValueError(f"unknown words {unknown}; expected words of KO_VOCAB")
    return [KO_VOCAB.index(w) for w in sentence]


def one_hot_sentences(sentences: list[list[str]]) -> torch.Tensor:
    """(N, KO_MAX_LEN, len(KO_VOCAB)) one-hot words, padded with zero vectors at the FRONT so every sentence's
    last word is at the last step (a many-to-one model reads its answer there)."""
    out = torch.zeros(len(sentences), KO_MAX_LEN, len(KO_VOCAB))
    for row, sentence in enumerate(sentences):
        if len(sentence) > KO_MAX_LEN:
            raise ValueError(f"sentence longer than {KO_MAX_LEN} words: {sentence}")
        for t, k in enumerate(_word_ids(sentence), KO_MAX_LEN - len(sentence)):
            out[row, t, k] = 1.0
    return out


def bag_of_words(sentences: list[list[str]]) -> torch.Tensor:
    """(N, len(KO_VOCAB)) word counts: the order of the words is thrown away."""
    out = torch.zeros(len(sentences), len(KO_VOCAB))
    for row, sentence in enumerate(sentences):
        for k in _word_ids(sentence):
            out[row, k] += 1.0
    return out


def bag_of_words_ceiling(sentences: list[list[str]], labels: np.ndarray) -> float:
    """The best accuracy ANY classifier that sees only the bag of words can reach on these sentences: sentences
    with the same bag must get the same answer, so each bag scores at most its majority label's count."""
    labels = np.asarray(labels)
    if len(sentences) != len(labels) or not len(labels):
        raise ValueError(f"need as many labels as sentences (>0); got {len(labels)} and {len(sentences)}")
    groups: dict[tuple, list[int]] = {}
    for sentence, label in zip(sentences, labels.tolist()):
        groups.setdefault(tuple(sorted(sentence)), []).append(label)
    return sum(max(g.count(v) for v in set(g)) for g in groups.values()) / len(labels)

"""Lesson 10's applications: forecasting real series, reading images row by row, translating number words.

Everything runs offline. The two time series are real recordings shipped with matplotlib's sample data
(Google's daily share price 2004-2008 and a neuron's membrane potential); the digit images are rendered in
code from the fonts that matplotlib and koreanize-matplotlib install; the number words are generated.
Shapes are batch-first like the lessons.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
import torch
from torch import nn

from rnncourse.env import rng as env_rng
from rnncourse.models import SequenceModel
from rnncourse.tasks import Standardizer

# ---------------------------------------------------------------------------------------------------
# 1. Time series: loading, normalising, windows, chronological split, baselines, an LSTM forecaster
# ---------------------------------------------------------------------------------------------------

MEMBRANE_SAMPLE_INTERVAL_S = 0.0005  # matplotlib's own use of membrane.dat: 0.5 ms between samples


def _sample_data(name: str) -> str:
    from matplotlib import cbook

    return str(cbook.get_sample_data(name, asfileobj=False))


def load_goog_prices() -> tuple[np.ndarray, np.ndarray]:
    """Google's daily adjusted closing price, 2004-08-19 to 2008-10 (matplotlib's goog.npz).

    Returns (dates as numpy datetime64[D], prices in US dollars), one entry per trading day.
    """
    data = np.load(_sample_data("goog.npz"))["price_data"]
    return data["date"].astype("datetime64[D]"), data["adj_close"].astype(np.float64)


def load_membrane_potential(step: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A neuron's membrane potential in mV (matplotlib's membrane.dat, sampled every 0.5 ms).

    ``step`` keeps every step-th sample (4 → one value every 2 ms). Returns (time in seconds, mV).
    """
    if not isinstance(step, int) or step < 1:
        raise ValueError(f"step must be a positive int; got {step!r}")
    raw = np.fromfile(_sample_data("membrane.dat"), dtype=np.float32).astype(np.float64)
    mv = 100.0 * raw[::step]  # matplotlib converts the file to mV with 1000 * 0.1 * x
    return MEMBRANE_SAMPLE_INTERVAL_S * step * np.arange(len(mv)), mv


def make_windows(series: np.ndarray, window: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs X[i] = series[i : i+window] and targets y[i] = series[i+window-1+horizon].

    The target lies ``horizon`` steps after the window's last value, so it is never inside the window.
    Returns X (N, window) and y (N,) with N = len(series) - window - horizon + 1.
    """
    series = np.asarray(series, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"series must be 1-D; got shape {series.shape}")
    if window < 1 or horizon < 1:
        raise ValueError(f"window and horizon must be >= 1; got window={window}, horizon={horizon}")
    n = len(series) - window - horizon + 1
    if n < 1:
        raise ValueError(f"series of length {len(series)} is too short for window={window}, horizon={horizon}")
    X = np.lib.stride_tricks.sliding_window_view(series, window)[:n].copy()
    y = series[window - 1 + horizon: window - 1 + horizon + n].copy()
    return X, y


def target_times(n_windows: int, window: int, horizon: int) -> np.ndarray:
    """Index in the series of each window's target (the time being forecast)."""
    return np.arange(n_windows) + window - 1 + horizon


def chronological_split(n_windows: int, window: int, horizon: int, split_at: int) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (train, test): a window trains if its target is before ``split_at``, else it tests.

    Every training target is strictly earlier than every test target; a test window may *read* values
    from before ``split_at`` (that history is known when the forecast is made) but nothing after its target.
    """
    times = target_times(n_windows, window, horizon)
    train, test = times < split_at, times >= split_at
    if not train.any() or not test.any():
        raise ValueError(f"split_at={split_at} leaves an empty training or test part")
    return train, test


@dataclass(frozen=True)
class ForecastData:
    """Windows of a normalised series, split in time: train on ``X[train]``, test on ``X[test]``."""

    X: np.ndarray
    y: np.ndarray
    train: np.ndarray
    test: np.ndarray
    times: np.ndarray
    normaliser: Standardizer
    split_at: int


def prepare_forecast(series: np.ndarray, split_at: int, window: int, horizon: int) -> ForecastData:
    """Normalise with statistics of ``series[:split_at]`` only, cut windows, split them by target time."""
    series = np.asarray(series, dtype=np.float64)
    if not 0 < split_at < len(series):
        raise ValueError(f"split_at must be inside the series (1..{len(series) - 1}); got {split_at}")
    normaliser = Standardizer.fit(series[:split_at])
    X, y = make_windows(normaliser(series), window, horizon)
    train, test = chronological_split(len(X), window, horizon, split_at)
    return ForecastData(X, y, train, test, target_times(len(X), window, horizon), normaliser, split_at)


def naive_forecast(X: np.ndarray) -> np.ndarray:
    """'Tomorrow equals today': the forecast is the window's last value."""
    return np.asarray(X, dtype=np.float64)[:, -1].copy()


def fit_autoregression(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares linear autoregression y ≈ X @ a + b; returns the coefficients [a..., b]."""
    X = np.asarray(X, dtype=np.float64)
    design = np.c_[X, np.ones(len(X))]
    coef, *_ = np.linalg.lstsq(design, np.asarray(y, dtype=np.float64), rcond=None)
    return coef


def predict_autoregression(coef: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Forecast of a fitted :func:`fit_autoregression`."""
    X = np.asarray(X, dtype=np.float64)
    return np.c_[X, np.ones(len(X))] @ coef


def rmse(pred: np.ndarray, target: np.ndarray) -> float:
    """Root mean squared error."""
    pred, target = np.asarray(pred, dtype=np.float64), np.asarray(target, dtype=np.float64)
    if pred.shape != target.shape:
        raise ValueError(f"pred and target shapes differ: {pred.shape} vs {target.shape}")
    return float(np.sqrt(np.mean((pred - target) ** 2)))


class Forecaster(nn.Module):
    """Many-to-one LSTM forecast: it reads a window and adds a learned correction to the naive forecast.

    forecast = last value + scale * Linear(h_T). ``scale`` (a fixed number, not learned) is the typical size
    of a change over the horizon in the training data, so the network's output starts near the naive one.
    """

    def __init__(self, hidden_size: int = 32, scale: float = 1.0, seed: int | None = None) -> None:
        super().__init__()
        self.net = SequenceModel(1, hidden_size, cell="lstm", output_size=1, many_to_one=True, seed=seed)
        self.scale = float(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, window) normalised values → forecasts (B,)."""
        if x.dim() != 2:
            raise ValueError(f"x must have shape (batch, window); got {tuple(x.shape)}")
        return x[:, -1] + self.scale * self.net(x.unsqueeze(-1)).squeeze(-1)


@torch.no_grad()
def predict(model: nn.Module, X: np.ndarray, batch_size: int = 4096) -> np.ndarray:
    """Run ``model`` on windows X (N, window) in batches on the model's device; returns numpy (N,)."""
    param = next(model.parameters())
    chunks = []
    for start in range(0, len(X), batch_size):
        x = torch.as_tensor(X[start:start + batch_size], dtype=param.dtype, device=param.device)
        chunks.append(model(x).cpu().numpy())
    return np.concatenate(chunks).astype(np.float64)


# ---------------------------------------------------------------------------------------------------
# 2. Digit images rendered from installed fonts, read row by row
# ---------------------------------------------------------------------------------------------------

DIGIT_FONTS = (
    "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique",
    "DejaVuSansMono", "DejaVuSansMono-Bold", "DejaVuSansMono-Oblique", "DejaVuSansMono-BoldOblique",
    "DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic",
    "STIXGeneral", "STIXGeneralBol", "STIXGeneralItalic", "STIXGeneralBolIta",
    "cmr10", "cmb10", "cmss10", "cmtt10", "cmti10", "cmmi10",
    "NanumGothic", "NanumGothicBold", "NanumGothicExtraBold", "NanumGothicLight",
)
# Held out: the classifier never sees these typefaces in training.
TEST_FONTS = ("DejaVuSansMono-Oblique", "DejaVuSerif-Bold", "STIXGeneralItalic", "cmss10", "cmtt10",
              "NanumGothicLight")
TRAIN_FONTS = tuple(f for f in DIGIT_FONTS if f not in TEST_FONTS)


def font_path(name: str) -> str:
    """File of one of :data:`DIGIT_FONTS` (matplotlib's fonts, or NanumGothic from koreanize-matplotlib)."""
    if name not in DIGIT_FONTS:
        raise ValueError(f"unknown font {name!r}; expected one of DIGIT_FONTS")
    if name.startswith("Nanum"):
        from rnncourse.env import korean_font_path

        return str(korean_font_path().with_name(f"{name}.ttf"))
    import matplotlib

    return os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf", f"{name}.ttf")


@lru_cache(maxsize=512)
def _font(name: str, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(font_path(name), size)


def render_digit(font: str, digit: int, rng: np.random.Generator, size: int = 16) -> np.ndarray:
    """One (size, size) float32 image in [0, 1] of ``digit`` in ``font``, randomly shifted, rotated (±12°),
    sheared, sometimes thickened, and with a little pixel noise."""
    from PIL import Image, ImageDraw, ImageFilter

    if not 0 <= int(digit) <= 9:
        raise ValueError(f"digit must be 0..9; got {digit!r}")
    canvas = Image.new("L", (56, 56), 0)
    centre = (28 + rng.uniform(-3, 3), 28 + rng.uniform(-3, 3))
    ImageDraw.Draw(canvas).text(centre, str(int(digit)), fill=255, font=_font(font, int(rng.integers(30, 40))),
                                anchor="mm")
    shear = rng.uniform(-0.2, 0.2)
    canvas = canvas.rotate(rng.uniform(-12, 12), resample=Image.BILINEAR)
    canvas = canvas.transform(canvas.size, Image.AFFINE, (1, shear, -shear * 28, 0, 1, 0), resample=Image.BILINEAR)
    if rng.random() < 0.25:
        canvas = canvas.filter(ImageFilter.MaxFilter(3))
    small = canvas.crop((6, 6, 50, 50)).resize((size, size), Image.BOX)
    image = np.asarray(small, dtype=np.float32) / 255.0
    image = image + rng.normal(0.0, 0.05, image.shape).astype(np.float32)
    return np.clip(image, 0.0, 1.0)


def make_digit_images(fonts: Sequence[str], per_digit: int, seed: int, size: int = 16
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``per_digit`` images of each digit in each font: X (N, size, size), labels (N,), font index (N,)."""
    rng = env_rng(seed)
    images, labels, which = [], [], []
    for k, font in enumerate(fonts):
        for digit in range(10):
            for _ in range(per_digit):
                images.append(render_digit(font, digit, rng, size))
                labels.append(digit)
                which.append(k)
    return np.stack(images), np.array(labels, dtype=np.int64), np.array(which, dtype=np.int64)


def RowClassifier(row_size: int = 16, hidden_size: int = 64, n_classes: int = 10, *,  # noqa: N802
                  seed: int | None = None) -> SequenceModel:
    """Many-to-one: an LSTM reads an image one row per time step; the last hidden state picks the class.

    ``model(images)``: images (B, rows, row_size), row t is the input at time t → class scores (B, n_classes).
    """
    return SequenceModel(row_size, hidden_size, cell="lstm", output_size=n_classes, many_to_one=True, seed=seed)


# ---------------------------------------------------------------------------------------------------
# 3. Number words: English → Korean (Sino-Korean numerals), for 1..9999
# ---------------------------------------------------------------------------------------------------

MAX_NUMBER = 9999
_ONES = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
KOREAN_DIGITS = "일이삼사오육칠팔구"
KOREAN_UNITS = ((1000, "천"), (100, "백"), (10, "십"), (1, ""))


def _check_number(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= int(n) <= MAX_NUMBER:
        raise ValueError(f"n must be an int in 1..{MAX_NUMBER}; got {n!r}")
    return int(n)


def english_words(n: int) -> str:
    """American English reading without 'and': 312 → 'three hundred twelve', 2021 → 'two thousand twenty-one'."""
    n = _check_number(n)
    parts = []
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        parts += [_ONES[thousands], "thousand"]
    if hundreds:
        parts += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        parts.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest >= 10:
        parts.append(_TEENS[rest - 10])
    elif rest:
        parts.append(_ONES[rest])
    return " ".join(parts)


def korean_reading(n: int) -> str:
    """Sino-Korean reading: 312 → '삼백십이', 10 → '십' (not 일십), 1000 → '천', 2005 → '이천오'."""
    n = _check_number(n)
    out = []
    for unit, name in KOREAN_UNITS:
        digit, n = divmod(n, unit)
        if digit == 0:
            continue
        if not (digit == 1 and name):  # 1 is silent before 십, 백, 천
            out.append(KOREAN_DIGITS[digit - 1])
        out.append(name)
    return "".join(out)


def english_tokens(n: int) -> list[str]:
    """The encoder's input tokens: words, with hyphenated tens split ('twenty-one' → 'twenty', 'one')."""
    return english_words(n).replace("-", " ").split()


PAD, BOS, EOS = 0, 1, 2
SOURCE_VOCAB = ("<pad>",) + tuple(sorted(set(_ONES[1:] + _TEENS + _TENS[2:] + ("hundred", "thousand"))))
TARGET_VOCAB = ("<pad>", "<s>", "</s>") + tuple(KOREAN_DIGITS) + ("십", "백", "천")
_SOURCE_INDEX = {w: i for i, w in enumerate(SOURCE_VOCAB)}
_TARGET_INDEX = {c: i for i, c in enumerate(TARGET_VOCAB)}
MAX_SOURCE_LEN = 6   # 'seven thousand seven hundred seventy seven'
MAX_TARGET_LEN = 8   # 7 syllables ('칠천칠백칠십칠') + </s>


def number_split(n_train: int, seed: int = 2024) -> tuple[np.ndarray, np.ndarray]:
    """A fixed random split of 1..9999: ``n_train`` training numbers, and every other number for testing."""
    if not 1 <= n_train < MAX_NUMBER:
        raise ValueError(f"n_train must be in 1..{MAX_NUMBER - 1}; got {n_train}")
    order = env_rng(seed).permutation(np.arange(1, MAX_NUMBER + 1))
    return np.sort(order[:n_train]), np.sort(order[n_train:])


def encode_sources(numbers: Sequence[int]) -> torch.Tensor:
    """English token ids (B, MAX_SOURCE_LEN), padded on the left so every sentence ends at the last step."""
    out = torch.full((len(numbers), MAX_SOURCE_LEN), PAD, dtype=torch.long)
    for row, n in enumerate(numbers):
        ids = [_SOURCE_INDEX[w] for w in english_tokens(int(n))]
        out[row, MAX_SOURCE_LEN - len(ids):] = torch.tensor(ids)
    return out


def encode_targets(numbers: Sequence[int]) -> torch.Tensor:
    """Korean syllable ids with <s> first and </s> last, padded on the right: (B, MAX_TARGET_LEN + 1)."""
    out = torch.full((len(numbers), MAX_TARGET_LEN + 1), PAD, dtype=torch.long)
    for row, n in enumerate(numbers):
        ids = [BOS] + [_TARGET_INDEX[c] for c in korean_reading(int(n))] + [EOS]
        out[row, :len(ids)] = torch.tensor(ids)
    return out


def digit_vectors(numbers: Sequence[int]) -> torch.Tensor:
    """Each number as ONE vector: its four digits (thousands..ones) one-hot, concatenated → (B, 40)."""
    out = torch.zeros(len(numbers), 40)
    for row, n in enumerate(numbers):
        for place, digit in enumerate(f"{_check_number(int(n)):04d}"):
            out[row, 10 * place + int(digit)] = 1.0
    return out


def decode_target(ids: Sequence[int] | torch.Tensor) -> str:
    """Korean text of one row of target ids, stopping at the first </s>; <s> and <pad> are skipped."""
    if isinstance(ids, torch.Tensor):
        ids = ids.tolist()
    text = []
    for i in ids:
        if i == EOS:
            break
        if i > EOS:
            text.append(TARGET_VOCAB[i])
    return "".join(text)


_RNN_CELLS = {"gru": nn.GRU, "lstm": nn.LSTM}


class Decoder(nn.Module):
    """The generating half: embeds the previous syllable, updates the state, scores the next syllable."""

    def __init__(self, hidden_size: int, embed_size: int = 32, cell: str = "gru") -> None:
        super().__init__()
        if cell not in _RNN_CELLS:
            raise ValueError(f"cell must be one of {sorted(_RNN_CELLS)}; got {cell!r}")
        self.embed = nn.Embedding(len(TARGET_VOCAB), embed_size)
        self.rnn = _RNN_CELLS[cell](embed_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, len(TARGET_VOCAB))

    def forward(self, tokens: torch.Tensor, state):
        """tokens (B, T) → (scores (B, T, V), state)."""
        out, state = self.rnn(self.embed(tokens), state)
        return self.out(out), state


class Seq2Seq(nn.Module):
    """Encoder–decoder (Sutskever et al. 2014; Cho et al. 2014): the encoder's last state starts the decoder.

    ``encode(src)`` → state; ``step(prev_tokens (B,), state)`` → (scores (B, V), state);
    ``forward(src, tgt_in)`` → scores (B, T, V) with teacher forcing (the true previous syllable as input).
    """

    def __init__(self, hidden_size: int = 128, embed_size: int = 32, cell: str = "gru") -> None:
        super().__init__()
        if cell not in _RNN_CELLS:
            raise ValueError(f"cell must be one of {sorted(_RNN_CELLS)}; got {cell!r}")
        self.src_embed = nn.Embedding(len(SOURCE_VOCAB), embed_size, padding_idx=PAD)
        self.encoder = _RNN_CELLS[cell](embed_size, hidden_size, batch_first=True)
        self.decoder = Decoder(hidden_size, embed_size, cell)

    def encode(self, src: torch.Tensor):
        """src (B, S) token ids → the encoder's final state (the whole sentence in one vector)."""
        _, state = self.encoder(self.src_embed(src))
        return state

    def step(self, prev_tokens: torch.Tensor, state):
        """One decoding step: previous syllables (B,) → (scores for the next one (B, V), new state)."""
        scores, state = self.decoder(prev_tokens.unsqueeze(1), state)
        return scores[:, 0], state

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: src (B, S), tgt_in (B, T) starting with <s> → scores (B, T, V)."""
        scores, _ = self.decoder(tgt_in, self.encode(src))
        return scores


class VectorToSequence(nn.Module):
    """One-to-many: one input vector sets the first state, and the decoder generates a whole sequence.

    Same ``encode`` / ``step`` / ``forward`` interface as :class:`Seq2Seq`, so :func:`greedy_decode` serves both.
    """

    def __init__(self, input_size: int = 40, hidden_size: int = 64, embed_size: int = 32) -> None:
        super().__init__()
        self.start = nn.Linear(input_size, hidden_size)
        self.decoder = Decoder(hidden_size, embed_size, "gru")

    def encode(self, vectors: torch.Tensor) -> torch.Tensor:
        """vectors (B, input_size) → first decoder state (1, B, H)."""
        return torch.tanh(self.start(vectors)).unsqueeze(0)

    def step(self, prev_tokens: torch.Tensor, state):
        """Previous syllables (B,) → (scores (B, V), new state)."""
        scores, state = self.decoder(prev_tokens.unsqueeze(1), state)
        return scores[:, 0], state

    def forward(self, vectors: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing → scores (B, T, V)."""
        scores, _ = self.decoder(tgt_in, self.encode(vectors))
        return scores


def seq2seq_loss(model: nn.Module, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of every next syllable under teacher forcing; padding is not scored."""
    scores = model(src, tgt[:, :-1])
    return nn.functional.cross_entropy(scores.reshape(-1, scores.shape[-1]), tgt[:, 1:].reshape(-1),
                                       ignore_index=PAD)


@torch.no_grad()
def greedy_decode(model: nn.Module, src: torch.Tensor, max_len: int = MAX_TARGET_LEN) -> torch.Tensor:
    """Greedy decoding: start from <s>, feed back the most likely syllable each step; (B, max_len) ids.

    Everything after a row's first </s> is to be ignored (see :func:`decode_target`).
    """
    state = model.encode(src)
    token = torch.full((src.shape[0],), BOS, dtype=torch.long, device=src.device)
    out = []
    for _ in range(max_len):
        scores, state = model.step(token, state)
        token = scores.argmax(dim=-1)
        out.append(token)
    return torch.stack(out, dim=1)


@torch.no_grad()
def translate(model: nn.Module, src: torch.Tensor, batch_size: int = 4096) -> list[str]:
    """Korean text for every row of ``src`` by :func:`greedy_decode`, in batches."""
    texts: list[str] = []
    for start in range(0, len(src), batch_size):
        for row in greedy_decode(model, src[start:start + batch_size]).cpu():
            texts.append(decode_target(row))
    return texts


# ---------------------------------------------------------------------------------------------------
# 4. Attention (lesson 11): the same translator, with a decoder that looks back at every source word
# ---------------------------------------------------------------------------------------------------

def additive_attention(query: torch.Tensor, keys: torch.Tensor, W_q: torch.Tensor, W_k: torch.Tensor,  # noqa: N803
                       v: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Bahdanau's additive attention: score_j = vᵀ tanh(W_q q + W_k k_j), softmax over j, context = Σ_j a_j k_j.

    query (B, Hq), keys (B, S, Hk), W_q (A, Hq), W_k (A, Hk), v (A,); ``mask`` (B, S) True where a key may be
    attended (False positions get weight 0). Returns (weights (B, S), context (B, Hk)).
    """
    if query.dim() != 2 or keys.dim() != 3 or query.shape[0] != keys.shape[0]:
        raise ValueError(f"query must be (B, Hq) and keys (B, S, Hk); got {tuple(query.shape)}, {tuple(keys.shape)}")
    if W_q.shape != (v.shape[0], query.shape[1]) or W_k.shape != (v.shape[0], keys.shape[2]) or v.dim() != 1:
        raise ValueError(f"W_q must be (A, Hq), W_k (A, Hk), v (A,); got {tuple(W_q.shape)}, {tuple(W_k.shape)}, "
                         f"{tuple(v.shape)}")
    scores = torch.tanh((query @ W_q.T).unsqueeze(1) + keys @ W_k.T) @ v           # (B, S)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=1)
    return weights, (weights.unsqueeze(-1) * keys).sum(dim=1)


class AttentionDecoder(nn.Module):
    """Bahdanau et al. (2015)'s decoder: before each step it attends over the encoder's outputs.

    With the previous state s_{t-1}: weights a_t = attention(s_{t-1}, h_1..h_S), context c_t = Σ_j a_tj h_j;
    the GRU cell reads [embedding of the previous syllable; c_t], and the next syllable is scored from [s_t; c_t].
    """

    def __init__(self, hidden_size: int, embed_size: int = 32, attention_size: int | None = None) -> None:
        super().__init__()
        attention_size = attention_size or hidden_size
        self.embed = nn.Embedding(len(TARGET_VOCAB), embed_size)
        self.W_s = nn.Parameter(torch.empty(attention_size, hidden_size))
        self.W_h = nn.Parameter(torch.empty(attention_size, hidden_size))
        self.v = nn.Parameter(torch.empty(attention_size))
        for p in (self.W_s, self.W_h):
            nn.init.xavier_uniform_(p)
        nn.init.uniform_(self.v, -attention_size ** -0.5, attention_size ** -0.5)
        self.cell = nn.GRUCell(embed_size + hidden_size, hidden_size)
        self.out = nn.Linear(2 * hidden_size, len(TARGET_VOCAB))

    def step(self, tokens: torch.Tensor, state: torch.Tensor, memory: torch.Tensor, mask: torch.Tensor
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """tokens (B,), state s_{t-1} (B, H), memory (B, S, H), mask (B, S) → (scores (B, V), s_t, weights (B, S))."""
        weights, context = additive_attention(state, memory, self.W_s, self.W_h, self.v, mask)
        state = self.cell(torch.cat([self.embed(tokens), context], dim=-1), state)
        return self.out(torch.cat([state, context], dim=-1)), state, weights


class AttentionSeq2Seq(Seq2Seq):
    """:class:`Seq2Seq` with Bahdanau attention: the same encoder, every encoder output kept for the decoder.

    Same ``encode`` / ``step`` / ``forward`` interface, so :func:`greedy_decode`, :func:`translate` and
    :func:`seq2seq_loss` serve it unchanged; ``attend(src, tgt_in)`` also returns the attention weights.
    """

    def __init__(self, hidden_size: int = 128, embed_size: int = 32, attention_size: int | None = None) -> None:
        super().__init__(hidden_size, embed_size, "gru")
        self.decoder = AttentionDecoder(hidden_size, embed_size, attention_size)

    def encode(self, src: torch.Tensor):
        """src (B, S) → (decoder state (B, H), encoder outputs (B, S, H), mask (B, S) of real words)."""
        memory, state = self.encoder(self.src_embed(src))
        return state[0], memory, src != PAD

    def step(self, prev_tokens: torch.Tensor, state):
        """One decoding step: previous syllables (B,) → (scores (B, V), new state)."""
        s, memory, mask = state
        scores, s, _ = self.decoder.step(prev_tokens, s, memory, mask)
        return scores, (s, memory, mask)

    def attend(self, src: torch.Tensor, tgt_in: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher forcing: src (B, S), tgt_in (B, T) → (scores (B, T, V), attention weights (B, T, S))."""
        s, memory, mask = self.encode(src)
        scores, weights = [], []
        for t in range(tgt_in.shape[1]):
            out, s, w = self.decoder.step(tgt_in[:, t], s, memory, mask)
            scores.append(out)
            weights.append(w)
        return torch.stack(scores, dim=1), torch.stack(weights, dim=1)

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: src (B, S), tgt_in (B, T) starting with <s> → scores (B, T, V)."""
        return self.attend(src, tgt_in)[0]


def alignment(n: int) -> list[int]:
    """For each syllable of ``korean_reading(n)``, the index of the English token it translates.

    Read off the number's structure: in 3200 'three thousand two hundred' → '삼천이백', 삼 ↔ three, 천 ↔ thousand,
    이 ↔ two, 백 ↔ hundred. Both syllables of a tens word come from it (twenty → 이십), and of a teen (twelve → 십이).
    Indices count tokens of :func:`english_tokens` (no padding).
    """
    n = _check_number(n)
    aligned: list[int] = []
    position = 0
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    for digit in (thousands, hundreds):
        if digit:
            aligned += [position] * (digit > 1) + [position + 1]   # digit word, then the unit word
            position += 2
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        aligned += [position, position] + [position + 1] * (ones > 0)
    elif rest:
        aligned += [position] * len(korean_reading(rest))
    return aligned


# ---------------------------------------------------------------------------------------------------
# 5. Lines of digits read column by column, trained with CTC (no per-column labels)
# ---------------------------------------------------------------------------------------------------

BLANK = 0            # CTC's blank class; digit d is class d + 1
CTC_CLASSES = 11     # blank + 10 digits


def trim_columns(tile: np.ndarray, threshold: float = 0.3) -> np.ndarray:
    """A digit image cut to its inked columns (plus one column either side); a blank tile is returned whole."""
    tile = np.asarray(tile, dtype=np.float32)
    if tile.ndim != 2:
        raise ValueError(f"tile must be 2-D (rows, columns); got shape {tile.shape}")
    ink = np.flatnonzero(tile.max(axis=0) > threshold)
    if not len(ink):
        return tile
    return tile[:, max(ink[0] - 1, 0):ink[-1] + 2]


@dataclass(frozen=True)
class DigitLines:
    """Text lines of digits: ``images`` (N, rows, width) zero-padded on the right, ``widths`` (N,) in columns,
    ``frames`` (N, T, rows * frame) the columns grouped ``frame`` at a time (the reader's inputs),
    ``lengths`` (N,) in frames, and ``digits`` (N lists of ints, the only labels: no per-column ones)."""

    images: np.ndarray
    widths: np.ndarray
    frames: np.ndarray
    lengths: np.ndarray
    digits: list
    frame: int

    def texts(self) -> list[str]:
        """Each line's digits as a string."""
        return ["".join(map(str, d)) for d in self.digits]


def make_digit_lines(tiles: np.ndarray, labels: np.ndarray, n_lines: int, seed: int, *, min_digits: int = 3,
                     max_digits: int = 6, max_gap: int = 4, frame: int = 2) -> DigitLines:
    """``n_lines`` lines of random digits built from rendered digit ``tiles`` (with their ``labels``): each tile is
    cut to its ink and followed by a random gap of 0..``max_gap`` empty columns, so where a digit starts and ends
    varies from line to line and no column position means a fixed digit."""
    tiles, labels = np.asarray(tiles, dtype=np.float32), np.asarray(labels)
    if tiles.ndim != 3 or len(tiles) != len(labels):
        raise ValueError(f"tiles (N, rows, cols) and labels (N,) must match; got {tiles.shape}, {labels.shape}")
    if not 1 <= min_digits <= max_digits or n_lines < 1 or frame < 1 or max_gap < 0:
        raise ValueError("need n_lines >= 1, 1 <= min_digits <= max_digits, frame >= 1, max_gap >= 0")
    by_digit = [np.flatnonzero(labels == d) for d in range(10)]
    if any(len(idx) == 0 for idx in by_digit):
        raise ValueError("tiles must include every digit 0..9")
    rng = env_rng(seed)
    rows = tiles.shape[1]
    images, digits = [], []
    for _ in range(n_lines):
        line = rng.integers(0, 10, int(rng.integers(min_digits, max_digits + 1))).tolist()
        parts = [np.zeros((rows, int(rng.integers(1, max_gap))), np.float32)] if max_gap > 1 else []
        for d in line:
            parts.append(trim_columns(tiles[rng.choice(by_digit[d])]))
            parts.append(np.zeros((rows, int(rng.integers(0, max_gap + 1))), np.float32))
        images.append(np.concatenate(parts, axis=1))
        digits.append(line)
    widths = np.array([im.shape[1] for im in images], dtype=np.int64)
    width = int(widths.max()) + (-int(widths.max())) % frame
    padded = np.zeros((n_lines, rows, width), np.float32)
    for i, im in enumerate(images):
        padded[i, :, :im.shape[1]] = im
    frames = padded.transpose(0, 2, 1).reshape(n_lines, width // frame, rows * frame)
    lengths = -(-widths // frame)
    return DigitLines(padded, widths, frames, lengths, digits, frame)


def CTCReader(frame_size: int = 32, hidden_size: int = 48, *, seed: int | None = None) -> SequenceModel:  # noqa: N802
    """Many-to-many: a bidirectional LSTM reads a line frame by frame and scores blank + 10 digits at every frame.

    ``model(frames)``: (B, T, frame_size) → scores (B, T, 11); class 0 is the CTC blank, class d + 1 is digit d.
    """
    return SequenceModel(frame_size, hidden_size, cell="lstm", output_size=CTC_CLASSES, many_to_one=False,
                         bidirectional=True, seed=seed)


def ctc_batch(lines: DigitLines, index: Sequence[int] | torch.Tensor, device: torch.device | str = "cpu"
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The lines ``index`` as (frames (B, T, D) cut to the longest, lengths (B,), targets (sum of digits,) as
    classes d + 1 one line after another, target lengths (B,)) for :func:`ctc_loss`."""
    index = [int(i) for i in (index.tolist() if isinstance(index, torch.Tensor) else index)]
    lengths = torch.as_tensor(lines.lengths[index])
    x = torch.as_tensor(lines.frames[index, :int(lengths.max())], device=device)
    targets = torch.tensor([d + 1 for i in index for d in lines.digits[i]], dtype=torch.long)
    target_lengths = torch.tensor([len(lines.digits[i]) for i in index], dtype=torch.long)
    return x, lengths, targets, target_lengths


def ctc_loss(model: nn.Module, batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """Connectionist temporal classification (Graves et al. 2006) of a :func:`ctc_batch`: the loss sums over
    every per-frame path that collapses to the line's digits, so no frame needs a label of its own."""
    x, lengths, targets, target_lengths = batch
    log_probs = model(x).log_softmax(dim=-1).transpose(0, 1)  # CTCLoss wants (T, B, C)
    return nn.functional.ctc_loss(log_probs, targets.to(x.device), lengths, target_lengths, blank=BLANK,
                                  zero_infinity=True)


def ctc_greedy_decode(scores: torch.Tensor | np.ndarray) -> list[int]:
    """Greedy CTC decoding of one line's scores (T, classes): the best class per frame, repeats collapsed,
    then blanks dropped. [3, 3, 0, 3, 0, 0, 5] → [3, 3, 5]."""
    path = torch.as_tensor(scores).argmax(dim=-1).tolist()
    out, previous = [], None
    for k in path:
        if k != previous and k != BLANK:
            out.append(int(k))
        previous = k
    return out


@torch.no_grad()
def ctc_paths(model: nn.Module, lines: DigitLines, batch_size: int = 1024) -> list[np.ndarray]:
    """Each line's per-frame scores (length, classes) as numpy, on the model's device, padding cut off."""
    param = next(model.parameters())
    out = []
    for start in range(0, len(lines.lengths), batch_size):
        x = torch.as_tensor(lines.frames[start:start + batch_size], dtype=param.dtype, device=param.device)
        scores = model(x).cpu().numpy()
        out += [s[:n] for s, n in zip(scores, lines.lengths[start:start + batch_size])]
    return out


def ctc_read(model: nn.Module, lines: DigitLines) -> list[str]:
    """Each line read by the model with :func:`ctc_greedy_decode`, as a digit string."""
    return ["".join(str(k - 1) for k in ctc_greedy_decode(s)) for s in ctc_paths(model, lines)]


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions turning ``a`` into ``b``."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def character_error_rate(predicted: Sequence[str], truth: Sequence[str]) -> float:
    """Total edit distance over the total number of true characters."""
    if len(predicted) != len(truth) or not truth:
        raise ValueError(f"need as many predictions as truths (>0); got {len(predicted)} and {len(truth)}")
    return sum(edit_distance(p, t) for p, t in zip(predicted, truth)) / sum(len(t) for t in truth)

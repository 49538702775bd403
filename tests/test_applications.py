"""rnncourse.applications: real series, rendered digits, number words, seq2seq models — and that lesson 10's
held-out data never reaches training."""
import numpy as np
import pytest
import torch

from rnncourse import applications as app

# The settings lesson 10 uses (kept in one place so the split tests test what the lesson does).
GOOG_SPLIT_DATE = np.datetime64("2007-07-01")
GOOG_WINDOW, GOOG_HORIZON = 20, 1
MEMBRANE_STEP, MEMBRANE_WINDOW, MEMBRANE_HORIZON, MEMBRANE_TRAIN_FRACTION = 4, 60, 5, 0.7
N_TRAIN_NUMBERS = 2000


# ---- number words ---------------------------------------------------------------------------

@pytest.mark.parametrize("n, english, korean", [
    (1, "one", "일"), (10, "ten", "십"), (11, "eleven", "십일"), (12, "twelve", "십이"), (20, "twenty", "이십"),
    (21, "twenty-one", "이십일"), (99, "ninety-nine", "구십구"), (100, "one hundred", "백"),
    (101, "one hundred one", "백일"), (110, "one hundred ten", "백십"), (312, "three hundred twelve", "삼백십이"),
    (1000, "one thousand", "천"), (1010, "one thousand ten", "천십"), (2005, "two thousand five", "이천오"),
    (7070, "seven thousand seventy", "칠천칠십"),
    (9999, "nine thousand nine hundred ninety-nine", "구천구백구십구"),
])
def test_number_words(n, english, korean):
    assert app.english_words(n) == english
    assert app.korean_reading(n) == korean


@pytest.mark.parametrize("bad", [0, 10_000, -3, 1.5, True, "12"])
def test_number_words_reject_out_of_range(bad):
    with pytest.raises(ValueError):
        app.korean_reading(bad)
    with pytest.raises(ValueError):
        app.english_words(bad)


def test_korean_readings_are_unique_and_never_say_il_before_a_unit():
    readings = [app.korean_reading(n) for n in range(1, app.MAX_NUMBER + 1)]
    assert len(set(readings)) == app.MAX_NUMBER
    assert not any(r.startswith(("일십", "일백", "일천")) for r in readings)
    assert max(len(r) for r in readings) + 1 == app.MAX_TARGET_LEN


def test_encodings_round_trip_and_fit_the_vocabularies():
    numbers = np.arange(1, app.MAX_NUMBER + 1)
    src, tgt = app.encode_sources(numbers), app.encode_targets(numbers)
    assert src.shape == (app.MAX_NUMBER, app.MAX_SOURCE_LEN) and tgt.shape == (app.MAX_NUMBER, app.MAX_TARGET_LEN + 1)
    assert int(src.max()) < len(app.SOURCE_VOCAB) and int(tgt.max()) < len(app.TARGET_VOCAB)
    assert (tgt[:, 0] == app.BOS).all() and (src[:, -1] != app.PAD).all()  # left-padded sources end with a word
    for n in (1, 12, 312, 2005, 9999):
        words = [app.SOURCE_VOCAB[i] for i in src[n - 1].tolist() if i != app.PAD]
        assert words == app.english_tokens(n)
        assert app.decode_target(tgt[n - 1]) == app.korean_reading(n)
    vectors = app.digit_vectors([7, 2005])
    assert vectors.shape == (2, 40) and torch.equal(vectors.sum(dim=1), torch.tensor([4.0, 4.0]))
    assert vectors[1].view(4, 10).argmax(dim=1).tolist() == [2, 0, 0, 5]


def test_decode_target_stops_at_end_symbol():
    ids = [app.TARGET_VOCAB.index("삼"), app.TARGET_VOCAB.index("백"), app.EOS, app.TARGET_VOCAB.index("일")]
    assert app.decode_target(ids) == "삼백"
    assert app.decode_target(torch.tensor([app.BOS] + ids)) == "삼백"


def test_number_split_is_disjoint_complete_and_fixed():
    train, test = app.number_split(N_TRAIN_NUMBERS)
    assert len(train) == N_TRAIN_NUMBERS and len(test) == app.MAX_NUMBER - N_TRAIN_NUMBERS
    assert set(train.tolist()).isdisjoint(test.tolist()), "a test number is also a training number"
    assert sorted(train.tolist() + test.tolist()) == list(range(1, app.MAX_NUMBER + 1))
    again, _ = app.number_split(N_TRAIN_NUMBERS)
    assert np.array_equal(train, again), "the split must not depend on the lesson's seed"
    assert not torch.equal(app.encode_sources(train[:50]), app.encode_sources(test[:50]))


# ---- seq2seq models and greedy decoding -----------------------------------------------------

@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_seq2seq_shapes_and_decoding(cell):
    torch.manual_seed(0)
    model = app.Seq2Seq(hidden_size=16, embed_size=8, cell=cell)
    src, tgt = app.encode_sources([5, 312, 9999]), app.encode_targets([5, 312, 9999])
    assert model(src, tgt[:, :-1]).shape == (3, app.MAX_TARGET_LEN, len(app.TARGET_VOCAB))
    loss = app.seq2seq_loss(model, src, tgt)
    assert loss.ndim == 0 and torch.isfinite(loss)
    out = app.greedy_decode(model, src)
    assert out.shape == (3, app.MAX_TARGET_LEN) and out.dtype == torch.long
    assert len(app.translate(model, src)) == 3


def test_greedy_decode_equals_teacher_forcing_on_its_own_output():
    """Feeding the decoded tokens back with teacher forcing must reproduce the same argmax choices."""
    torch.manual_seed(1)
    model = app.Seq2Seq(hidden_size=16, embed_size=8)
    src = app.encode_sources([17, 430, 8086])
    out = app.greedy_decode(model, src)
    tgt_in = torch.cat([torch.full((3, 1), app.BOS), out[:, :-1]], dim=1)
    with torch.no_grad():
        assert torch.equal(model(src, tgt_in).argmax(-1), out)


def test_seq2seq_learns_a_small_translation():
    torch.manual_seed(0)
    numbers = np.arange(1, 40)
    src, tgt = app.encode_sources(numbers), app.encode_targets(numbers)
    model = app.Seq2Seq(hidden_size=32, embed_size=16)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        loss = app.seq2seq_loss(model, src, tgt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    right = sum(got == app.korean_reading(int(n)) for got, n in zip(app.translate(model, src), numbers))
    assert right >= 35, right


def test_vector_to_sequence_interface():
    model = app.VectorToSequence(hidden_size=16, embed_size=8)
    vectors = app.digit_vectors([1, 23, 456])
    assert app.greedy_decode(model, vectors).shape == (3, app.MAX_TARGET_LEN)
    assert model(vectors, app.encode_targets([1, 23, 456])[:, :-1]).shape[:2] == (3, app.MAX_TARGET_LEN)


def test_bad_cell_is_rejected():
    with pytest.raises(ValueError, match="cell"):
        app.Seq2Seq(cell="rnn")


# ---- time series ----------------------------------------------------------------------------

def test_series_load_offline():
    dates, prices = app.load_goog_prices()
    assert len(dates) == len(prices) > 1000 and np.all(np.diff(dates.astype("int64")) > 0)
    assert dates[0] == np.datetime64("2004-08-19") and np.all(prices > 0)
    t, mv = app.load_membrane_potential(MEMBRANE_STEP)
    assert len(t) == len(mv) == 3000 and np.isclose(t[1] - t[0], 0.002)
    assert -80 < mv.min() < mv.max() < 10  # millivolts


@pytest.mark.parametrize("length, window, horizon", [(10, 3, 1), (9, 1, 1), (30, 7, 5), (9, 4, 5)])
def test_make_windows_against_a_loop(length, window, horizon):
    series = np.random.default_rng(length).normal(size=length)
    X, y = app.make_windows(series, window, horizon)
    n = length - window - horizon + 1
    assert X.shape == (n, window) and y.shape == (n,)
    for i in range(n):
        assert np.array_equal(X[i], series[i:i + window]) and y[i] == series[i + window - 1 + horizon]


@pytest.mark.parametrize("args", [(np.zeros(5), 3, 3), (np.zeros(5), 0, 1), (np.zeros((4, 2)), 1, 1)])
def test_make_windows_rejects_bad_arguments(args):
    with pytest.raises(ValueError):
        app.make_windows(*args)


def _lesson_forecasts():
    dates, prices = app.load_goog_prices()
    goog_split = int(np.searchsorted(dates, GOOG_SPLIT_DATE))
    _, mv = app.load_membrane_potential(MEMBRANE_STEP)
    mem_split = int(MEMBRANE_TRAIN_FRACTION * len(mv))
    return [(np.log(prices), goog_split, GOOG_WINDOW, GOOG_HORIZON),
            (mv, mem_split, MEMBRANE_WINDOW, MEMBRANE_HORIZON)]


@pytest.mark.parametrize("case", range(2), ids=["goog", "membrane"])
def test_forecast_test_period_is_strictly_after_training(case):
    series, split_at, window, horizon = _lesson_forecasts()[case]
    data = app.prepare_forecast(series, split_at, window, horizon)
    train_times, test_times = data.times[data.train], data.times[data.test]
    assert train_times.max() < split_at <= test_times.min(), "a training target lies in the test period"
    assert (data.train ^ data.test).all(), "every window is either training or test, never both"
    # The newest value a training window reads is older than its target, hence older than the split.
    assert (train_times - horizon).max() < split_at
    # Normalisation uses the training period only.
    assert np.isclose(data.normaliser.mean, series[:split_at].mean())
    assert np.isclose(data.normaliser.std, series[:split_at].std())


@pytest.mark.parametrize("case", range(2), ids=["goog", "membrane"])
def test_changing_the_test_period_changes_nothing_the_model_trains_on(case):
    series, split_at, window, horizon = _lesson_forecasts()[case]
    tampered = series.copy()
    tampered[split_at:] = 1e6  # any future would do
    a = app.prepare_forecast(series, split_at, window, horizon)
    b = app.prepare_forecast(tampered, split_at, window, horizon)
    assert a.normaliser == b.normaliser
    assert np.array_equal(a.X[a.train], b.X[b.train]) and np.array_equal(a.y[a.train], b.y[b.train])
    assert not np.array_equal(a.y[a.test], b.y[b.test])


def test_baselines():
    X = np.array([[1.0, 2.0, 3.0], [2.0, 3.0, 4.0], [5.0, 4.0, 3.0], [0.0, 1.0, 0.0]])
    assert np.array_equal(app.naive_forecast(X), [3.0, 4.0, 3.0, 0.0])
    y = X @ np.array([0.5, -1.0, 2.0]) + 0.25
    coef = app.fit_autoregression(X, y)
    assert np.allclose(app.predict_autoregression(coef, X), y)
    assert app.rmse(np.array([1.0, 3.0]), np.array([0.0, 3.0])) == pytest.approx(np.sqrt(0.5))


def test_forecaster_shapes_and_predict():
    torch.manual_seed(0)
    model = app.Forecaster(hidden_size=8, scale=0.1)
    X = np.random.default_rng(0).normal(size=(7, 12))
    out = app.predict(model, X, batch_size=3)
    assert out.shape == (7,)
    assert np.abs(out - X[:, -1]).max() < 0.5, "with a small scale the forecast starts near the naive one"
    with pytest.raises(ValueError):
        model(torch.zeros(2, 3, 1))


# ---- digit images ---------------------------------------------------------------------------

def test_digit_fonts_split_by_typeface():
    assert set(app.TRAIN_FONTS).isdisjoint(app.TEST_FONTS), "a test font is also a training font"
    assert set(app.TRAIN_FONTS) | set(app.TEST_FONTS) == set(app.DIGIT_FONTS)
    for name in app.DIGIT_FONTS:
        assert app._font(name, 30) is not None


def test_digit_images_are_deterministic_and_disjoint():
    X1, y1, f1 = app.make_digit_images(app.TRAIN_FONTS[:2], 2, seed=1)
    X2, y2, _ = app.make_digit_images(app.TRAIN_FONTS[:2], 2, seed=1)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert X1.shape == (40, 16, 16) and X1.dtype == np.float32 and 0.0 <= X1.min() and X1.max() <= 1.0
    assert np.bincount(y1).tolist() == [4] * 10 and set(f1.tolist()) == {0, 1}
    Xt, _, _ = app.make_digit_images(app.TEST_FONTS[:2], 2, seed=2)
    flat_train = {x.tobytes() for x in X1}
    assert not any(x.tobytes() in flat_train for x in Xt)


def test_rendered_digit_has_ink_and_rejects_bad_digit():
    rng = np.random.default_rng(0)
    image = app.render_digit("DejaVuSans", 8, rng, size=12)
    assert image.shape == (12, 12) and image.mean() > 0.1
    with pytest.raises(ValueError):
        app.render_digit("DejaVuSans", 10, rng)
    with pytest.raises(ValueError):
        app.font_path("Comic Sans")


def test_row_classifier_shapes():
    model = app.RowClassifier(row_size=16, hidden_size=8)
    assert model(torch.zeros(5, 16, 16)).shape == (5, 10)

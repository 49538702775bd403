"""rnncourse.bptt: truncated BPTT in DL4J's terms, the saved-tensor meter, the lag experiment helpers."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import rnncourse as rc  # noqa: E402
from rnncourse import bptt  # noqa: E402
from rnncourse.scratch import init_rnn_params, rnn_backward, rnn_forward, to_torch  # noqa: E402
from rnncourse.tasks import lag_task  # noqa: E402
from rnncourse.viz import missing_glyph_warnings  # noqa: E402


class Recorder(torch.optim.Optimizer):
    """An optimizer that records the gradient of every parameter at each step and changes nothing."""

    def __init__(self, params):
        super().__init__(params, {})
        self.steps: list[list[torch.Tensor]] = []

    def step(self, closure=None):
        self.steps.append([p.grad.clone() if p.grad is not None else torch.zeros_like(p)
                           for group in self.param_groups for p in group["params"]])


def sum_loss(logits, y, mask):
    """A loss whose gradient with respect to the read-out is y itself, to compare with the engine."""
    return (logits.squeeze(-1) * y).sum()


def test_detach_state_handles_tensor_tuple_and_none():
    a = torch.ones(2, requires_grad=True) * 2
    assert not bptt.detach_state(a).requires_grad
    pair = bptt.detach_state((a, a * 3))
    assert isinstance(pair, tuple) and not any(p.requires_grad for p in pair)
    assert bptt.detach_state(None) is None


def test_masked_bce_averages_over_masked_steps_only():
    logits = torch.tensor([[0.3, -1.0, 2.0]])
    y = torch.tensor([[1.0, 0.0, 0.0]])
    mask = torch.tensor([[False, True, True]])
    want = torch.nn.functional.binary_cross_entropy_with_logits(logits[mask], y[mask])
    assert torch.allclose(bptt.masked_bce(logits.unsqueeze(-1), y, mask), want)
    empty = bptt.masked_bce(logits.requires_grad_(), y, torch.zeros_like(mask))
    empty.backward()
    assert empty.item() == 0.0 and torch.all(logits.grad == 0)


def test_tbptt_segment_gradients_equal_the_engine_with_truncate():
    """With a linear read-out fixed to ones, the segment gradients summed equal rnn_backward(truncate=k)."""
    T, B, H, k = 10, 3, 4, 4
    params = init_rnn_params(1, H, np.random.default_rng(0))
    module = to_torch(params, "rnn")
    rnn = torch.nn.RNN(1, H, batch_first=True, dtype=torch.float64)
    rnn.load_state_dict(module.state_dict())
    readout = torch.nn.Linear(H, 1, bias=False, dtype=torch.float64)
    torch.nn.init.ones_(readout.weight)
    x = torch.randn(B, T, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    y = torch.randn(B, T, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    recorder = Recorder(rnn.parameters())
    result = bptt.tbptt(rnn, readout, x, y, forward_length=k, optimizer=recorder, loss_fn=sum_loss)
    assert result.updates == 3
    summed = [sum(step[i] for step in recorder.steps) for i in range(4)]

    _, _, cache = rnn_forward(x.transpose(0, 1).numpy(), None, params)
    d_out = np.repeat(y.transpose(0, 1).numpy()[..., None], H, axis=-1)  # dL/dh = y * readout weight (ones)
    grads = rnn_backward(d_out, None, cache, truncate=k)
    for got, key in zip(summed, ["W_ih", "W_hh", "b_ih", "b_hh"]):
        np.testing.assert_allclose(got.numpy(), grads[key], rtol=1e-10, atol=1e-12)


def test_backward_length_shorter_than_forward_length_reaches_only_the_last_steps():
    torch.manual_seed(0)
    rnn, readout = bptt.make_tagger("gru", 6)
    f, b, T = 8, 3, 24
    x = torch.randn(2, T, 1, requires_grad=True)
    y = torch.rand(2, T).round()
    bptt.tbptt(rnn, readout, x, y, forward_length=f, backward_length=b,
               optimizer=torch.optim.SGD([*rnn.parameters(), *readout.parameters()], lr=0.0))
    reached = (x.grad.abs().sum(dim=(0, 2)) > 0).numpy()
    assert reached.tolist() == [t % f >= f - b for t in range(T)]


def test_readout_still_learns_from_the_steps_before_the_backward_window():
    """As in DL4J, the outputs of the first f - b steps train the output layer (but not the RNN)."""
    torch.manual_seed(0)
    rnn, readout = bptt.make_tagger("rnn", 4)
    x, y = torch.randn(1, 4, 1), torch.ones(1, 4)
    only_early = torch.tensor([[True, True, False, False]])
    recorder = Recorder([*rnn.parameters(), *readout.parameters()])
    bptt.tbptt(rnn, readout, x, y, mask=only_early, forward_length=4, backward_length=2, optimizer=recorder)
    grads = recorder.steps[0]
    assert all(torch.all(g == 0) for g in grads[:4])      # the RNN gets nothing from the early steps
    assert grads[4].abs().sum() > 0                         # the read-out does


def test_full_length_segment_is_full_bptt_and_lstm_state_is_carried():
    torch.manual_seed(0)
    rnn, readout = bptt.make_tagger("lstm", 5)
    x, y, mask = lag_task(4, 12, 2, seed=0)
    opt = torch.optim.SGD([*rnn.parameters(), *readout.parameters()], lr=0.0)
    full = bptt.tbptt(rnn, readout, x, y, mask=mask, forward_length=12, optimizer=opt)
    assert full.updates == 1 and isinstance(full.state, tuple) and not full.state[0].requires_grad
    chunks = bptt.tbptt(rnn, readout, x, y, mask=mask, forward_length=5, optimizer=opt)
    assert chunks.updates == 3
    torch.testing.assert_close(chunks.state[0], full.state[0])  # same forward pass: the state is carried


def test_carry_state_false_restarts_every_segment():
    torch.manual_seed(0)
    rnn, readout = bptt.make_tagger("gru", 5)
    x, y, mask = lag_task(3, 8, 1, seed=0)
    opt = torch.optim.SGD([*rnn.parameters(), *readout.parameters()], lr=0.0)
    reset = bptt.tbptt(rnn, readout, x, y, mask=mask, forward_length=4, optimizer=opt, carry_state=False)
    _, alone = rnn(x[:, 4:])
    torch.testing.assert_close(reset.state, alone.detach())


@pytest.mark.parametrize("kwargs, message", [
    ({"forward_length": 0}, "forward_length must be a positive int"),
    ({"forward_length": 4, "backward_length": 5}, "backward_length must not exceed forward_length"),
    ({"forward_length": 2.0}, "forward_length must be a positive int"),
])
def test_tbptt_rejects_bad_lengths(kwargs, message):
    rnn, readout = bptt.make_tagger("rnn", 3)
    x, y, _ = lag_task(2, 6, 1, seed=0)
    with pytest.raises(ValueError, match=message):
        bptt.tbptt(rnn, readout, x, y, optimizer=torch.optim.SGD(rnn.parameters(), lr=0.1), **kwargs)


def test_tbptt_rejects_time_major_modules_and_other_modules():
    x, y, _ = lag_task(2, 6, 1, seed=0)
    readout = torch.nn.Linear(3, 1)
    for module, message in [(torch.nn.GRU(1, 3), "batch_first=True"), (torch.nn.Linear(1, 3), "nn.RNN, GRU or LSTM")]:
        with pytest.raises(ValueError, match=message):
            bptt.tbptt(module, readout, x, y, forward_length=2, optimizer=torch.optim.SGD(module.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="kind must be one of"):
        bptt.make_tagger("transformer")


def test_meter_counts_saved_bytes_linear_in_length_and_flat_when_truncated():
    lengths = [50, 100, 200]
    full = [bptt.bptt_cost(T, None, kind="rnn", hidden_size=8, batch_size=4, repeats=1)["saved_bytes"]
            for T in lengths]
    cut = [bptt.bptt_cost(T, 25, kind="rnn", hidden_size=8, batch_size=4, repeats=1)["saved_bytes"]
           for T in lengths]
    assert full[1] - full[0] == pytest.approx((full[2] - full[1]) / 2)   # exactly linear
    assert (full[1] - full[0]) / 50 >= 4 * 8 * 4                          # at least one (B, H) float32 per step
    assert cut[0] == cut[1] == cut[2] < full[0]


def test_meter_ignores_excluded_storages_and_resets():
    w = torch.randn(3, 3, requires_grad=True)
    meter = bptt.SavedTensorMeter(exclude=[w])
    with meter:
        (w * w).sum()
    assert meter.bytes == 0
    v = torch.randn(5, requires_grad=True)
    with meter:
        (v * v).sum()
    assert meter.bytes == 5 * 4
    with meter:
        pass
    assert meter.bytes == 0


def test_bptt_cost_reports_updates_and_time():
    cost = bptt.bptt_cost(40, 10, kind="rnn", hidden_size=4, batch_size=2, repeats=1)
    assert cost["updates"] == 4 and cost["seconds"] > 0 and cost["saved_bytes"] > 0


def test_train_lag_learns_a_short_lag_and_is_deterministic():
    rnn, readout, losses = bptt.train_lag(1, 4, hidden_size=8, batches=40, seed=0)
    again = bptt.train_lag(1, 4, hidden_size=8, batches=40, seed=0)[2]
    assert losses == again and len(losses) == 40 * 8
    assert bptt.lag_accuracy(rnn, readout, 1, batch=64) > 0.95


def test_lag_beyond_the_chunk_without_carried_state_leaves_nothing_to_learn():
    """Restarting every chunk from zeros, no input in a chunk of 2 says anything about a bit 2 steps back."""
    losses = bptt.train_lag(2, 2, hidden_size=8, batches=30, seed=0, carry_state=False)[2]
    late = [loss for loss in losses[len(losses) // 2:] if loss > 0]      # chunks with targets
    assert np.mean(late) > np.log(2) - 0.01


def test_gradient_reach_is_block_lower_triangular():
    T, k = 9, 4
    chunk = np.arange(T) // k
    want = (np.arange(T)[None, :] <= np.arange(T)[:, None]) & (chunk[None, :] == chunk[:, None])
    assert np.array_equal(bptt.gradient_reach(T, k), want)
    assert np.array_equal(bptt.gradient_reach(T, None), np.tril(np.ones((T, T), dtype=bool)))


def test_plot_unrolled_renders_korean_without_missing_glyphs():
    rc.setup(seed=0)
    ax = bptt.plot_unrolled(3)
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert missing_glyph_warnings(ax.figure) == []
    plt.close(ax.figure)


def test_lag_accuracy_with_resets_forgets_across_chunk_edges():
    rnn, readout, _ = bptt.train_lag(1, 4, hidden_size=8, batches=40, seed=0)
    full = bptt.lag_accuracy(rnn, readout, 1, batch=64)
    reset = bptt.lag_accuracy(rnn, readout, 1, batch=64, reset_every=4)
    # with a reset every 4 steps, the first step of each chunk cannot see the bit before it: 15 of 63 scored steps
    assert full > 0.95 and reset < full - 0.05
    assert bptt.lag_accuracy(rnn, readout, 1, batch=64, reset_every=64) == full

import pytest
import torch

from rnncourse.models import ElmanRNN, JordanRNN, SequenceTagger, StepwiseMLP
from rnncourse.widgets import unroll_scalar


def test_elman_copies_nn_rnn_exactly():
    torch.manual_seed(0)
    rnn, readout = torch.nn.RNN(3, 5, batch_first=True), torch.nn.Linear(5, 2)
    elman = ElmanRNN(3, 5, 2).copy_from(rnn, readout)
    x, h0 = torch.randn(4, 7, 3), torch.randn(4, 5)
    y, hidden = elman(x, h0)
    ref, _ = rnn(x, h0.unsqueeze(0))
    assert torch.allclose(hidden, ref, atol=1e-6)
    assert torch.allclose(y, readout(ref), atol=1e-6)


def test_elman_without_readout_returns_hidden_twice():
    out, hidden = ElmanRNN(2, 3)(torch.randn(1, 4, 2))
    assert out.shape == hidden.shape == (1, 4, 3) and torch.equal(out, hidden)


def test_elman_sigmoid_matches_scalar_unrolling():
    elman = ElmanRNN(1, 1, nonlinearity="sigmoid")
    with torch.no_grad():
        elman.W.weight.fill_(2.0), elman.W.bias.fill_(0.3), elman.U.weight.fill_(-1.5), elman.U.bias.zero_()
    xs = [1.0, 0.0, 0.5, -1.0]
    _, hidden = elman(torch.tensor(xs).view(1, 4, 1))
    want = unroll_scalar(xs, 2.0, -1.5, bias=0.3)["b"]
    assert torch.allclose(hidden.view(-1).double(), torch.tensor(want), atol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: (ElmanRNN(3, 5), torch.nn.RNN(3, 4, batch_first=True)),
    lambda: (ElmanRNN(3, 5), torch.nn.RNN(3, 5, nonlinearity="relu", batch_first=True)),
    lambda: (ElmanRNN(3, 5), torch.nn.RNN(3, 5, num_layers=2, batch_first=True)),
])
def test_elman_copy_rejects_other_modules(make):
    elman, rnn = make()
    with pytest.raises(ValueError):
        elman.copy_from(rnn)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        ElmanRNN(2, 3, nonlinearity="softsign")
    with pytest.raises(ValueError):
        JordanRNN(2, 3, decay=1.0)
    with pytest.raises(ValueError):
        ElmanRNN(2, 3)(torch.randn(4, 2))
    with pytest.raises(ValueError):
        JordanRNN(2, 3)(torch.randn(1, 4, 3))


def test_jordan_remembers_through_its_output():
    torch.manual_seed(1)
    jordan = JordanRNN(1, 8, decay=0.5)
    x = torch.randn(2, 6, 1)
    y, hidden = jordan(x)
    assert y.shape == (2, 6, 1) and hidden.shape == (2, 6, 8)
    changed = x.clone()
    changed[:, 0] += 1.0
    _, hidden_changed = jordan(changed)
    assert not torch.allclose(hidden[:, 3], hidden_changed[:, 3])  # step 0 still reaches step 3


def test_jordan_with_silent_output_is_memoryless():
    torch.manual_seed(2)
    jordan = JordanRNN(1, 8)  # decay 0: the state is exactly σ(y_{t-1})
    with torch.no_grad():
        jordan.V.weight.zero_()  # a constant output carries no information about the inputs
    x = torch.randn(3, 5, 1)
    perm = torch.tensor([0, 3, 1, 4, 2])  # step 0 (state 0, not σ(c)) stays first
    _, h = jordan(x)
    _, h_perm = jordan(x[:, perm])
    assert torch.allclose(h_perm, h[:, perm], atol=1e-6)


def test_stepwise_mlp_ignores_order():
    torch.manual_seed(3)
    mlp = StepwiseMLP(1, 16)
    x = torch.randn(4, 9, 1)
    perm = torch.randperm(9)
    assert torch.allclose(mlp(x[:, perm]), mlp(x)[:, perm], atol=1e-6)


def test_sequence_tagger_shapes():
    out, hidden = SequenceTagger(2, 6, 3)(torch.randn(5, 7, 2))
    assert out.shape == (5, 7, 3) and hidden.shape == (5, 7, 6)

"""Lesson 08's self-checks: the reference passes, a stub gets the notice, typical mistakes fail in Korean."""
import pytest
import torch
from torch import nn

from rnncourse import charlm
from rnncourse.checks import lesson08 as check
from check_helpers import assert_korean_failure, stub


# ---------------------------------------------------------------- tbptt_step
def _loss(model, x, y, state):
    logits, state = model(x, state)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state


def ref_step(model, opt, x, y, state, clip):
    loss, state = _loss(model, x, y, state)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item(), (state[0].detach(), state[1].detach())


def detach_first_step(model, opt, x, y, state, clip):
    """Also correct: detach the incoming state, and return the new one detached."""
    if state is not None:
        state = tuple(s.detach() for s in state)
    logits, (h, c) = model(x, state)
    loss = nn.functional.cross_entropy(logits.transpose(1, 2), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip)
    opt.step()
    return loss, (h.detach(), c.detach())


def no_detach(model, opt, x, y, state, clip):
    loss, state = _loss(model, x, y, state)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item(), state


def no_detach_retain(model, opt, x, y, state, clip):
    loss, state = _loss(model, x, y, state)
    opt.zero_grad()
    loss.backward(retain_graph=True)
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item(), state


def no_state(model, opt, x, y, state, clip):
    return ref_step(model, opt, x, y, None, clip)


def no_zero_grad(model, opt, x, y, state, clip):
    loss, state = _loss(model, x, y, state)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item(), (state[0].detach(), state[1].detach())


def no_clip(model, opt, x, y, state, clip):
    loss, state = _loss(model, x, y, state)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item(), (state[0].detach(), state[1].detach())


def clip_after_step(model, opt, x, y, state, clip):
    loss, state = _loss(model, x, y, state)
    opt.zero_grad()
    loss.backward()
    opt.step()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    return loss.item(), (state[0].detach(), state[1].detach())


def summed_loss_mean_reported(model, opt, x, y, state, clip):
    """Backpropagates the SUMMED loss (B·T times the gradient) but reports the mean: only an unclipped update shows it."""
    logits, state = model(x, state)
    loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum")
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item() / y.numel(), (state[0].detach(), state[1].detach())


def returns_nothing(model, opt, x, y, state, clip):
    ref_step(model, opt, x, y, state, clip)


def returns_only_loss(model, opt, x, y, state, clip):
    return ref_step(model, opt, x, y, state, clip)[0]


def loss_after_update(model, opt, x, y, state, clip):
    _, new_state = ref_step(model, opt, x, y, state, clip)
    with torch.no_grad():
        loss, _ = _loss(model, x, y, state)
    return loss.item(), new_state


def test_tbptt_reference_passes(capsys):
    assert check.tbptt_step(ref_step) is True
    assert "✅" in capsys.readouterr().out


def test_tbptt_package_reference_and_variant_pass():
    assert check.tbptt_step(charlm.tbptt_step) is True
    assert check.tbptt_step(detach_first_step) is True


def test_tbptt_stub_gets_notice(capsys):
    assert check.tbptt_step(stub) is None
    assert "📝" in capsys.readouterr().out


def test_tbptt_check_has_an_unclipped_update():
    """One chunk's limit is far above its gradient norm, so the update's scale is visible there."""
    model, opt, chunks = check._setup()
    loss, _ = _loss(model, *chunks[0], None)
    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), float("inf"))
    assert max(check._CLIPS) > 100 * float(norm) * check._B * check._T and min(check._CLIPS) == check._CLIP


def test_tbptt_check_setup_really_clips():
    model, opt, chunks = check._setup()
    loss, _ = _loss(model, *chunks[0], None)
    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), float("inf"))
    assert norm > 3 * check._CLIP


@pytest.mark.parametrize("wrong, words", [
    (no_detach, ["detach"]),
    (no_detach_retain, ["detach"]),
    (no_state, ["상태를 모델에 넘기지"]),
    (no_zero_grad, ["zero_grad"]),
    (no_clip, ["클리핑"]),
    (clip_after_step, ["클리핑", "step()` 전에"]),
    (returns_nothing, ["None"]),
    (returns_only_loss, ["튜플"]),
    (loss_after_update, ["손실이 다릅니다"]),
    (summed_loss_mean_reported, ["합(reduction='sum')"]),
])
def test_tbptt_wrong_variants_fail_in_korean(wrong, words):
    assert_korean_failure(check.tbptt_step, wrong, words)


# ---------------------------------------------------------------- sample_with_temperature
def ref_sample(logits, temperature, generator):
    return int(torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=generator))


def inverse_cdf_sample(logits, temperature, generator):
    p = torch.softmax(logits / temperature, -1)
    u = torch.rand((), generator=generator)
    return torch.searchsorted(torch.cumsum(p, 0), u).clamp(max=len(p) - 1)


def greedy(logits, temperature, generator):
    return int(logits.argmax())


def multiplies(logits, temperature, generator):
    return int(torch.multinomial(torch.softmax(logits * temperature, -1), 1, generator=generator))


def ignores_temperature(logits, temperature, generator):
    return int(torch.multinomial(torch.softmax(logits, -1), 1, generator=generator))


def ignores_generator(logits, temperature, generator):
    return int(torch.multinomial(torch.softmax(logits / temperature, -1), 1))


def overflowing(logits, temperature, generator):
    e = torch.exp(logits / temperature)
    return int(torch.multinomial(e / e.sum(), 1, generator=generator))


def returns_probs(logits, temperature, generator):
    return torch.softmax(logits / temperature, -1)


def returns_none(logits, temperature, generator):
    torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=generator)


def test_sampling_reference_passes(capsys):
    assert check.sample_with_temperature(ref_sample) is True
    assert "✅" in capsys.readouterr().out
    assert check.sample_with_temperature(charlm.sample_with_temperature) is True
    assert check.sample_with_temperature(inverse_cdf_sample) is True


def test_sampling_stub_gets_notice(capsys):
    assert check.sample_with_temperature(stub) is None
    assert "📝" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, words", [
    (greedy, ["argmax"]),
    (multiplies, ["곱했습니다"]),
    (ignores_temperature, ["온도를 쓰지"]),
    (ignores_generator, ["generator"]),
    (overflowing, ["T = 0.01", "softmax"]),
    (returns_probs, ["텐서"]),
    (returns_none, ["None"]),
])
def test_sampling_wrong_variants_fail_in_korean(wrong, words):
    assert_korean_failure(check.sample_with_temperature, wrong, words)

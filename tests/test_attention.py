"""Lesson 11's attention translator in rnncourse.applications: the attention function, the decoder's interface
shared with lesson 10's Seq2Seq, and the word-to-syllable alignment read off a number's structure."""
import pytest
import torch

import rnncourse as rc
from rnncourse import applications as app


def test_attention_masks_padding_and_weights_sum_to_one():
    g = rc.generator(0)
    q, keys = torch.randn(3, 4, generator=g), torch.randn(3, 5, 6, generator=g)
    W_q, W_k, v = torch.randn(7, 4, generator=g), torch.randn(7, 6, generator=g), torch.randn(7, generator=g)
    mask = torch.tensor([[False, True, True, True, True]] * 2 + [[False, False, False, True, True]])
    weights, context = app.additive_attention(q, keys, W_q, W_k, v, mask)
    assert torch.all(weights[~mask] == 0)
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(3))
    torch.testing.assert_close(context, torch.einsum("bs,bsh->bh", weights, keys))


@pytest.mark.parametrize("shapes", [((3, 4), (3, 5, 6), (7, 6), (7, 6), (7,)), ((3, 4), (2, 5, 6), (7, 4), (7, 6), (7,)),
                                    ((3, 4), (3, 5, 6), (7, 4), (7, 6), (7, 1))])
def test_attention_rejects_wrong_shapes(shapes):
    with pytest.raises(ValueError):
        app.additive_attention(*(torch.zeros(s) for s in shapes))


def test_teacher_forcing_equals_step_by_step_and_serves_greedy_decoding():
    rc.seed_everything(0)
    model = app.AttentionSeq2Seq(hidden_size=8, embed_size=4).eval()
    numbers = [3200, 7, 9999, 1010]
    src, tgt = app.encode_sources(numbers), app.encode_targets(numbers)
    scores, weights = model.attend(src, tgt[:, :-1])
    assert weights.shape == (4, app.MAX_TARGET_LEN, app.MAX_SOURCE_LEN)
    assert torch.all(weights[src.unsqueeze(1).expand_as(weights) == app.PAD] == 0)
    torch.testing.assert_close(model(src, tgt[:, :-1]), scores)
    state = model.encode(src)
    for t in range(tgt.shape[1] - 1):
        step_scores, state = model.step(tgt[:, t], state)
        torch.testing.assert_close(step_scores, scores[:, t])
    assert app.greedy_decode(model, src).shape == (4, app.MAX_TARGET_LEN)
    assert len(app.translate(model, src)) == 4
    assert torch.isfinite(app.seq2seq_loss(model, src, tgt))


@pytest.mark.parametrize("n, aligned", [(3200, [0, 1, 2, 3]), (1000, [1]), (1010, [1, 2]), (12, [0, 0]),
                                        (21, [0, 0, 1]), (20, [0, 0]), (115, [1, 2, 2]), (7070, [0, 1, 2, 2]),
                                        (9999, [0, 1, 2, 3, 4, 4, 5])])
def test_alignment_examples(n, aligned):
    assert app.alignment(n) == aligned


def test_alignment_covers_every_syllable_with_a_real_word():
    for n in range(1, app.MAX_NUMBER + 1):
        aligned, words = app.alignment(n), app.english_tokens(n)
        assert len(aligned) == len(app.korean_reading(n))
        assert all(0 <= j < len(words) for j in aligned) and aligned == sorted(aligned)

import pytest
import torch

from rnncourse import tasks


def test_lag_task_targets_are_earlier_inputs():
    x, y, mask = tasks.lag_task(4, 10, 3, seed=1)
    assert x.shape == (4, 10, 1) and y.shape == (4, 10) and mask.shape == (4, 10)
    assert torch.equal(y[:, 3:], x[:, :-3, 0])
    assert not mask[:, :3].any() and mask[:, 3:].all()
    assert set(x.unique().tolist()) <= {0.0, 1.0}


def test_lag_task_is_seeded():
    a, b = tasks.lag_task(8, 12, 2, seed=5), tasks.lag_task(8, 12, 2, seed=5)
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    assert not torch.equal(a[0], tasks.lag_task(8, 12, 2, seed=6)[0])


@pytest.mark.parametrize("args", [(0, 10, 1), (4, 10, 10), (4, 10, 0), (4.0, 10, 1)])
def test_lag_task_rejects_bad_arguments(args):
    with pytest.raises(ValueError):
        tasks.lag_task(*args)


def test_negation_sentences_come_as_twins_with_the_second_clause_label():
    data = tasks.negation_sentences(50, seed=0)
    assert len(data.sentences) == 100 and len(data.labels) == 100
    for first, second in zip(data.sentences[0::2], data.sentences[1::2]):
        assert sorted(first) == sorted(second)
        cut = first.index(tasks.KO_BUT)
        assert second == first[cut + 1:] + [tasks.KO_BUT] + first[:cut]
    bags = tasks.bag_of_words(data.sentences)
    assert torch.equal(bags[0::2], bags[1::2])
    assert tasks.negation_sentences(50, seed=0).sentences == data.sentences


def test_negation_labels_follow_the_last_clause_and_its_negation():
    data = tasks.negation_sentences(200, seed=3)
    polarity = dict(tasks.KO_ADJECTIVES)
    for sentence, label in zip(data.sentences, data.labels):
        if sentence[-1] == tasks.KO_NEGATION:
            assert label == 1 - polarity[sentence[-2][:-1]]
        else:
            assert label == polarity[sentence[-1][:-1]]


def test_bag_of_words_ceiling_counts_majorities_of_equal_bags():
    a, b = ["영화가", "좋다", "하지만", "노래가", "나쁘다"], ["노래가", "나쁘다", "하지만", "영화가", "좋다"]
    assert tasks.bag_of_words_ceiling([a, b], [0, 1]) == 0.5
    assert tasks.bag_of_words_ceiling([a, b, a], [0, 1, 0]) == pytest.approx(2 / 3)
    assert tasks.bag_of_words_ceiling([a, ["영화가", "좋다"]], [0, 1]) == 1.0
    data = tasks.negation_sentences(500, seed=2)
    assert 0.7 < tasks.bag_of_words_ceiling(data.sentences, data.labels) < 0.8
    with pytest.raises(ValueError):
        tasks.bag_of_words_ceiling([a], [0, 1])


def test_one_hot_sentences_pad_at_the_front():
    x = tasks.one_hot_sentences([["영화가", "좋다"]])
    assert x.shape == (1, tasks.KO_MAX_LEN, len(tasks.KO_VOCAB))
    assert x[0, :-2].sum() == 0 and x[0, -1, tasks.KO_VOCAB.index("좋다")] == 1
    with pytest.raises(ValueError):
        tasks.one_hot_sentences([["고양이가"]])

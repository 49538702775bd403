"""Korean full-text search for Sphinx: words are indexed with and without their trailing particle (조사),
so that a query such as "기울기 소실" finds "기울기 소실은" and "소실이". Sphinx ships no Korean search language."""
from __future__ import annotations

import re

from sphinx.search import SearchLanguage

# Longest first: the first particle that leaves a stem of at least one syllable is removed.
PARTICLES = sorted(["은", "는", "이", "가", "을", "를", "의", "에", "에서", "에게", "으로", "로", "와", "과", "도",
                    "만", "까지", "부터", "보다", "처럼", "이나", "나", "이다", "입니다", "이며", "라는", "이라는",
                    "이고", "하고", "에는", "에서는", "으로는", "로는", "과는", "와는", "이란", "란"], key=len,
                   reverse=True)
WORD = re.compile(r"\w+", re.UNICODE)
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def stem(word: str) -> str:
    """A Hangul word without its trailing particle; other words lower-cased."""
    word = word.lower()
    if not HANGUL.search(word):
        return word
    for particle in PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 1:
            return word[: -len(particle)]
    return word


class SearchKorean(SearchLanguage):
    lang = "ko"
    language_name = "Korean"
    stopwords: set[str] = set()
    js_splitter_code = r"""
function splitQuery(query) {
  return query.split(/[^\p{L}\p{N}_]+/gu).filter(term => term);
}
"""
    js_stemmer_rawcode = ""
    js_stemmer_code = (
        "var PARTICLES = " + repr(PARTICLES).replace("'", '"') + ";\n"
        "var Stemmer = function() {\n"
        "  this.stemWord = function(w) {\n"
        "    w = w.toLowerCase();\n"
        "    if (!/[\\uac00-\\ud7a3]/.test(w)) return w;\n"
        "    for (const p of PARTICLES) { if (w.endsWith(p) && w.length - p.length >= 1) return w.slice(0, -p.length); }\n"
        "    return w;\n"
        "  };\n"
        "};\n"
    )

    def split(self, input: str) -> list[str]:  # noqa: A002 - Sphinx's signature
        return WORD.findall(input)

    def word_filter(self, word: str) -> bool:
        return len(word) >= 1

    def stem(self, word: str) -> str:
        return stem(word)


def setup(app):
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

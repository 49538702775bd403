"""Sphinx configuration of the course website: executed lessons rendered by MyST-NB, Korean interface and search."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "순환 신경망, 바닥부터"
author = "rnncourse"
copyright = "rnncourse"
language = "ko"
extensions = ["myst_nb", "korean_search"]
html_search_language = "ko"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_theme = "sphinx_book_theme"
html_title = "순환 신경망, 바닥부터"
html_static_path = ["_static"]
html_css_files = ["course.css"]
# Before any other script: lets the widget embedder typeset with MathJax 3.
html_js_files = [("widgets-mathjax.js", {"priority": 1})]
html_theme_options = {
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
    "navigation_with_keys": True,
}
# The notebooks were executed by scripts/build_site.py (with the course's own environment): render, never run.
nb_execution_mode = "off"
# Solution cells carry the hide-input tag: their code sits behind this toggle.
nb_code_prompt_show = "정답 보기"
nb_code_prompt_hide = "정답 숨기기"
# Widgets keep their saved state; the embedding script is served from this site (no CDN: it must work offline).
nb_ipywidgets_js = {"widgets/embed.js": {}}
myst_enable_extensions = ["dollarmath", "amsmath", "html_image"]
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]
# MathJax 3 from this site too (scripts/build_site.py unpacks it from the npm registry), not from a CDN.
mathjax_path = "mathjax/tex-mml-chtml.js"

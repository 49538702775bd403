"""The course website as a reader sees it, in headless Chromium: navigation, figures, Korean glyphs, solution
toggles, widgets from their saved state, and Korean search. Run by `make site` after the build
(build/site/html), served on a free loopback port; screenshots go to artifacts/site/."""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
import course_browser as cb  # noqa: E402  (the browser helpers of the JupyterLab test)

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "build" / "site" / "html"
ARTIFACTS = ROOT / "artifacts" / "site"
HANGUL_TEXT_JS = r"""(selector) => {
  const found = [];
  for (const el of document.querySelectorAll(selector)) {
    const text = el.textContent.trim();
    if (!/[\uAC00-\uD7A3]/.test(text)) continue;
    const s = getComputedStyle(el);
    found.push({text: text.slice(0, 40), font: `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`});
  }
  return found;
}"""


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").is_file():
        pytest.fail("build/site/html is missing: run `make site`")
    port = cb.free_loopback_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(HTML)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/index.html", timeout=2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.2)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with cb.chromium_context(cb.ensure_browser(), ARTIFACTS / "profile") as context:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield base, page, errors
    finally:
        server.terminate()
        server.wait(timeout=10)


def no_tofu(page, selector: str) -> list[str]:
    problems = []
    for label in page.evaluate(HANGUL_TEXT_JS, selector)[:12]:
        result = page.evaluate(cb.FONT_CHECK_JS, {"font": label["font"], "text": label["text"]})
        if result["tofu"] or result["allIdentical"]:
            problems.append(f"{label['text']!r} drawn as boxes in {label['font']!r}")
    return problems


def test_index_lists_every_lesson_in_korean(site):
    base, page, errors = site
    page.goto(base + "/index.html")
    links = page.locator("nav.bd-links a").all_inner_texts()
    lessons = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))
    assert len([t for t in links if t[:2].isdigit()]) == len(lessons), links
    assert any("용어집" in t for t in links), links
    assert page.locator("html").get_attribute("lang") == "ko"
    assert not no_tofu(page, "h1, nav.bd-links a")
    page.screenshot(path=str(ARTIFACTS / "index.png"))
    assert not errors, errors


def test_lesson_05_from_the_navigation(site):
    base, page, errors = site
    page.goto(base + "/index.html")
    page.locator("nav.bd-links a", has_text="05.").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("lessons/05_lstm.html")
    images = page.locator("article img")
    assert images.count() >= 3, "lesson 05's figures are missing"
    drawn = page.evaluate("() => [...document.querySelectorAll('article img')].filter("
                          "i => i.complete && i.naturalWidth > 100).length")
    assert drawn == images.count(), f"only {drawn} of {images.count()} figures were drawn"
    assert not (problems := no_tofu(page, "article h1, article h2, article p")), problems
    page.screenshot(path=str(ARTIFACTS / "lesson05.png"))
    assert not errors, errors


def test_solutions_are_hidden_behind_a_toggle(site):
    base, page, errors = site
    page.goto(base + "/lessons/05_lstm.html")
    toggle = page.locator("details.hide summary", has_text="정답 보기").first
    assert toggle.count() == 1
    details = toggle.locator("xpath=..")
    assert details.get_attribute("open") is None, "a solution is shown before the reader asks for it"
    toggle.click()
    assert details.get_attribute("open") is not None
    assert "BEGIN SOLUTION" not in page.content()


def test_widgets_show_their_saved_state(site):
    base, page, errors = site
    page.goto(base + "/lessons/00_getting_started.html")
    page.wait_for_selector(".jupyter-widgets.widget-slider, .jupyter-widgets .widget-slider", timeout=30_000)
    widget = page.locator(".jupyter-widgets").first
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(ARTIFACTS / "widgets.png"))
    assert not errors, errors


def test_korean_search_finds_the_lesson(site):
    base, page, errors = site
    page.goto(base + "/search.html?q=" + urllib.request.quote("기울기 소실"))
    page.wait_for_selector("#search-results ul li", timeout=30_000)
    titles = page.locator("#search-results ul li > a").all_inner_texts()
    assert any("기울기 소실과 폭발" in t for t in titles), titles
    page.screenshot(path=str(ARTIFACTS / "search.png"))
    assert not errors, errors


def test_a_lessons_glossary_link_opens_the_glossary(site):
    base, page, errors = site
    page.goto(base + "/lessons/04_vanishing_exploding.html")
    page.locator("article a", has_text="용어집").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/glossary.html"), page.url
    assert page.locator("article table").count() >= 1, "the glossary page has no table"
    assert not errors, errors


def test_formulas_are_typeset(site):
    base, page, errors = site
    page.goto(base + "/lessons/05_lstm.html")
    page.wait_for_selector("article mjx-container", timeout=30_000)
    assert page.locator("article mjx-container").count() >= 20, "lesson 05's formulas were not typeset"
    raw = page.evaluate("() => [...document.querySelectorAll('article p, article li')]"
                        ".map(e => e.innerText).filter(t => t.includes('\\\\partial') || t.includes('\\\\frac'))")
    assert not raw, f"TeX left as text: {raw[:3]}"
    assert not errors, errors

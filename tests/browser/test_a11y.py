"""Accessibility of the built site in headless Chromium: axe-core on every page in light and dark mode (no serious
or critical violation), kernel-free explorers operable from the keyboard and announced with their value, alt text
on every figure, code cells that wrap instead of overflowing, and search that works from a site opened from disk."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.site_checks  # make site-checks (CI), not make test

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import vendor  # noqa: E402  (tools/vendor.py)

from test_site import CHAPTER_PAGES, toc_files  # noqa: E402

SERIOUS = ("serious", "critical")
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


def site_pages(html_root: Path) -> list[str]:
    """Every page of the site (generated index and search page included), except the root redirect."""
    pages = []
    for path in sorted(html_root.rglob("*.html")):
        if "_static" in path.parts or "_sources" in path.parts:
            continue
        if 'http-equiv="Refresh"' in path.read_text(encoding="utf-8")[:2000]:
            continue  # index.html only redirects to the preface
        pages.append(path.relative_to(html_root).as_posix())
    return pages


# The pages of the table of contents and the generated ones: index, search, sphinx-proof's list of proofs.
PAGES = [f + ".html" for f in toc_files()] + ["genindex.html", "search.html", "prf-prf.html"]


def test_axe_covers_every_page(built_site):
    assert sorted(site_pages(built_site)) == sorted(PAGES)


@pytest.fixture(scope="module")
def axe_source() -> str:
    return vendor.vendor_test_tools().read_text(encoding="utf-8")


def _open(browser, url: str, mode: str):
    context = browser.new_context()
    context.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="load")
    return context, page, errors


def axe_violations(page, axe_source: str, only: list[str] | None = None, inject: bool = True) -> list[str]:
    """Serious and critical axe-core violations of the page, one line per element."""
    if inject:
        if 'class="math' in page.content():
            page.wait_for_selector("mjx-container", state="attached", timeout=30000)
        page.evaluate("document.fonts.ready")
        page.add_style_tag(content=NO_TRANSITIONS)
        page.wait_for_timeout(300)  # the theme's and a11y.js's late fixes; no colour mid-transition
        page.add_script_tag(content=axe_source)
    options = {"resultTypes": ["violations"]}
    if only:
        options["runOnly"] = only
    # MathJax's output carries its own hidden MathML for screen readers; axe checks the page around it.
    found = page.evaluate("""async (options) => (await axe.run({exclude: [['mjx-container']]}, options))
        .violations.map(v => ({id: v.id, impact: v.impact,
                               nodes: v.nodes.map(n => n.target.join(' ') + ': ' + (n.failureSummary || ''))}))""",
                          options)
    return [f"{v['id']} ({v['impact']}) {node[:300]}" for v in found if v["impact"] in SERIOUS for node in v["nodes"]]


@pytest.mark.parametrize("relative", PAGES)
def test_axe_light_and_dark(built_site, site_url, browser, axe_source, relative):
    """All axe rules in light mode; then the page switched to dark mode as the theme's colour-mode button does (the
    same DOM, other colours: the colour-contrast rule). One page load for both."""
    context, page, _ = _open(browser, f"{site_url}/{relative}", "light")
    try:
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
        report = [f"light: {line}" for line in axe_violations(page, axe_source)]
        page.evaluate("() => { const html = document.documentElement; html.dataset.mode = 'dark';"
                      " html.dataset.theme = 'dark'; }")
        page.wait_for_timeout(100)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert sum(map(int, re.findall(r"\d+", background)[:3])) < 150, f"not dark: {background}"
        report += [f"dark: {line}" for line in axe_violations(page, axe_source, ["color-contrast"], inject=False)]
    finally:
        context.close()
    assert not report, f"{relative}:\n" + "\n".join(report)


def _ax_node(page, selector: str) -> dict:
    """Role and name of an element as Chromium's accessibility tree gives them to a screen reader, and the value
    text it announces: aria-valuetext (the DevTools protocol does not report aria-valuetext, for a native range input
    or an ARIA slider alike, so the attribute is read from the element)."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})["nodes"][0]
        text = page.locator(selector).get_attribute("aria-valuetext")
        return {"role": ax["role"]["value"], "name": ax.get("name", {}).get("value", ""), "value": text}
    finally:
        cdp.detach()


@pytest.mark.parametrize("relative", CHAPTER_PAGES)
def test_explorers_are_keyboard_operable_and_announced(site_url, browser, relative):
    """Each slider is a named slider whose announced value is "parameter = value"; the arrow keys move it; the
    frame shown has an alt text naming the explorer and the same value."""
    context, page, errors = _open(browser, f"{site_url}/{relative}", "light")
    try:
        explorers = page.locator(".kf-explorer")
        assert explorers.count() >= 1
        for i in range(explorers.count()):
            root = explorers.nth(i)
            title = root.get_attribute("aria-label")
            slider = root.locator("input.kf-slider").first
            slider.evaluate("(s, i) => s.setAttribute('data-probe', i)", str(i))
            name = slider.get_attribute("data-name")
            before = _ax_node(page, f'input[data-probe="{i}"]')
            assert before["role"] == "slider" and before["name"] == name, before
            slider.scroll_into_view_if_needed()
            slider.focus()
            at_end = slider.evaluate("s => +s.value === +s.max")
            page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
            after = _ax_node(page, f'input[data-probe="{i}"]')
            value = root.locator("output").first.inner_text()
            assert after["value"] == f"{name} = {value}" != before["value"], (before, after)
            shown = root.locator("img.kf-frame:visible")
            assert shown.count() == 1
            alt = shown.get_attribute("alt")
            assert alt.startswith(title) and f"{name} = {value}" in alt, alt
        assert not errors, errors
    finally:
        context.close()


@pytest.mark.parametrize("relative", CHAPTER_PAGES)
def test_figures_have_descriptive_alt_text(built_site, relative):
    """Every image of a chapter has an alt text that says what it shows (not a file name)."""
    html = (built_site / relative).read_text(encoding="utf-8")
    images = re.findall(r"<img\b[^>]*>", html)
    assert images
    bad = []
    for tag in images:
        alt = re.search(r'\balt="([^"]*)"', tag)
        text = alt.group(1) if alt else ""
        if len(text) < 20 or re.search(r"\.(png|svg|jpe?g)$", text):
            bad.append(tag[:160])
    assert not bad, "images without a descriptive alt text:\n" + "\n".join(bad)


@pytest.mark.parametrize("relative", CHAPTER_PAGES)
def test_code_cells_do_not_overflow(site_url, browser, relative):
    """No code cell (input or output) is wider than its box: long lines wrap (at the default 1280 px window and at
    a narrow 800 px one)."""
    context, page, _ = _open(browser, f"{site_url}/{relative}", "light")
    try:
        for width in (1280, 800):
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(100)
            cut = page.evaluate("""() => [...document.querySelectorAll('div.cell pre')]
                .filter(p => p.getClientRects().length && p.scrollWidth > p.clientWidth + 1)
                .map(p => p.scrollWidth + ' > ' + p.clientWidth + ': ' + p.textContent.trim().slice(0, 60))""")
            assert page.locator("div.cell pre").count() > 0
            assert not cut, f"{width}px: " + "\n".join(cut)
    finally:
        context.close()


def test_search_from_disk_has_results_and_no_console_errors(built_site, browser):
    """The site opened from disk (file://): search finds pages and logs no error (no summary fetches)."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto((built_site / "search.html").as_uri() + "?q=lemons", wait_until="load")
        page.wait_for_selector("#search-results ul.search li", timeout=30000)
        page.wait_for_function("() => !document.querySelector('#search-progress') || "
                               "document.querySelector('#search-progress').textContent.includes('found')",
                               timeout=30000)
        page.wait_for_timeout(1000)  # summary fetches, if any were made, fail within this time
        results = page.locator("#search-results ul.search li")
        assert results.count() >= 3
        assert any("chapters/01_information_asymmetry" in (results.nth(i).locator("a").first.get_attribute("href")
                                                            or "") for i in range(results.count()))
        assert not errors, errors[:5]
    finally:
        context.close()

"""Chinese terms render as real glyphs on a machine with no CJK font: the site serves a subset CJK face
(tools/fonts.py) and the browser draws every Chinese character of a page with it, in light and dark mode.

How a glyph is checked: Chromium's DevTools protocol reports, for an element, which fonts it used to draw the
element's text and how many glyphs each drew (CSS.getPlatformFontsForNode). A character no font covers is drawn as
an empty box by a fallback font, so "drawn by the site's web font" is the test; the control test blocks the font
file and shows that the same check then fails.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.site_checks  # make site-checks (CI), not make test

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import fonts  # noqa: E402  (tools/fonts.py)

# Every page with Chinese text, all of its CJK text (term None) or the elements holding a given term.
PAGES = ["glossary.html", "intro.html", "notes_on_sources.html",
         *(f"chapters/{p.stem}.html" for p in sorted((ROOT / "chapters").glob("*.ipynb")))]
TERMS = [("glossary.html", "逆向选择"), ("glossary.html", "柠檬市场")]
FONT_FILES = "**/_static/fonts/book-cjk-*.woff"


def _open(browser, url: str, mode: str, block_font: bool = False):
    context = browser.new_context()
    # The theme reads the colour mode from localStorage before it paints.
    context.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    page = context.new_page()
    if block_font:
        page.route(FONT_FILES, lambda route: route.abort())
    page.goto(url, wait_until="load")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    return context, page


def _cjk_elements(page, term: str | None) -> list[dict]:
    """Innermost elements whose own text holds CJK characters (all of them, or those containing `term`)."""
    ranges = "".join(f"\\u{{{lo:x}}}-\\u{{{hi:x}}}" for lo, hi in fonts.CJK_RANGES)
    return page.evaluate(
        """([ranges, term]) => {
            const cjk = new RegExp('[' + ranges + ']', 'gu');
            const out = [];
            document.querySelectorAll('[data-cjk-probe]').forEach(e => e.removeAttribute('data-cjk-probe'));
            const walker = document.createTreeWalker(document.querySelector('main') || document.body,
                                                     NodeFilter.SHOW_TEXT);
            let i = 0;
            while (walker.nextNode()) {
                const node = walker.currentNode, text = node.textContent;
                const chars = text.match(cjk);
                if (!chars || (term && !text.includes(term))) continue;
                const el = node.parentElement;
                if (el.closest('mjx-container') || !el.getClientRects().length) continue;  // math; hidden text
                if (!el.hasAttribute('data-cjk-probe')) {  // one entry per element, whatever its text nodes
                    el.setAttribute('data-cjk-probe', String(i));
                    out.push({probe: String(i++), chars: 0, text: ''});
                }
                const entry = out[+el.getAttribute('data-cjk-probe')];
                entry.chars += chars.length;
                entry.text = (entry.text + text.trim()).slice(0, 40);
            }
            return out;
        }""", [ranges, term])


def unrendered_cjk(page, term: str | None) -> list[str]:
    """The page's CJK texts whose characters are not all drawn by the site's CJK web font (empty list: all are)."""
    elements = _cjk_elements(page, term)
    assert elements, f"no visible text with {term or 'CJK characters'} on {page.url}"
    problems = []
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        cdp.send("CSS.enable")
        fonts_used = {}
        for element in elements:
            node = cdp.send("DOM.querySelector",
                            {"nodeId": root, "selector": f'[data-cjk-probe="{element["probe"]}"]'})["nodeId"]
            fonts_used[element["probe"]] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
    for element in elements:
        used = fonts_used[element["probe"]]
        web = sum(f["glyphCount"] for f in used if f["isCustomFont"] and "CJK" in f["familyName"])
        if web < element["chars"]:
            problems.append(f"{element['text']!r}: {element['chars']} CJK characters, {web} drawn by the web font; "
                            f"fonts used: {[(f['familyName'], f['isCustomFont'], f['glyphCount']) for f in used]}")
    return problems


@pytest.mark.parametrize("relative,term,mode", [(page, None, "light") for page in PAGES]
                         + [(page, term, mode) for page, term in TERMS for mode in ("light", "dark")]
                         + [("glossary.html", None, "dark")])
def test_chinese_terms_are_drawn_by_the_served_font(built_site, site_url, browser, relative, term, mode):
    context, page = _open(browser, f"{site_url}/{relative}", mode)
    try:
        problems = unrendered_cjk(page, term)
        assert not problems, "\n".join(problems)
        assert page.evaluate("[...document.fonts].some(f => f.family.includes('Book CJK') && f.status === 'loaded')")
    finally:
        context.close()


def test_the_check_fails_when_the_font_is_missing(built_site, site_url, browser):
    """Control: with the font file blocked, the same page fails the same check, and the term's rendered width
    changes (on this kind of machine, with no CJK font installed, the browser falls back to empty boxes)."""
    widths = {}
    for blocked in (False, True):
        context, page = _open(browser, f"{site_url}/glossary.html", "light", block_font=blocked)
        try:
            problems = unrendered_cjk(page, "逆向选择")
            assert bool(problems) == blocked, problems
            widths[blocked] = page.evaluate("""() => { const td = [...document.querySelectorAll('td')]
                .find(c => c.textContent.trim() === '逆向选择'); const r = document.createRange();
                r.selectNodeContents(td); return r.getBoundingClientRect().width; }""")
        finally:
            context.close()
    print(f"width of 逆向选择: {widths[False]:.1f} px with the font, {widths[True]:.1f} px without")


def test_font_subset_covers_exactly_the_book_characters(built_site):
    """The served faces hold a glyph for every CJK character of the sources, and the stylesheet's unicode-range
    lists exactly those characters (computed here from the sources, compared with the font's own cmap)."""
    from fontTools.ttLib import TTFont

    chars = set(fonts.characters())
    assert {"逆", "向", "选", "择", "柠", "檬"} <= chars
    static = built_site / "_static" / "fonts"
    for _, _, name in fonts.FACES:
        cmap = {chr(c) for c in TTFont(str(static / name)).getBestCmap()}
        assert chars <= cmap, f"{name} lacks {sorted(chars - cmap)}"
        assert {c for c in cmap if fonts.is_cjk(c)} == chars
        assert (static / name).stat().st_size < 150_000
    css = (static / "cjk.css").read_text(encoding="utf-8")
    listed = set()
    for part in css.split("unicode-range:")[1].split(";")[0].split(","):
        lo, _, hi = part.strip().removeprefix("U+").partition("-")
        listed |= {chr(c) for c in range(int(lo, 16), int(hi or lo, 16) + 1)}
    assert listed == chars

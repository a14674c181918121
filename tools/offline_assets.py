"""Sphinx extension (local) for the self-contained site.

- Keep pages free of duplicate script tags: Sphinx 7.4 can register the same JavaScript file twice (for example the
  local MathJax path), which makes the browser load and run it twice. De-duplicate the registry and each page's
  script list, keeping first occurrences.
- Give every matplotlib figure of a chapter an alt text built from its cell's source (titles, axis labels, legend
  labels), so the notebooks need no change.
- Link every page's footer to the PDF of the whole book (`make pdf`).
"""
from __future__ import annotations


def _key(item) -> tuple[str, str]:
    """(file name, inline body) of a script, whether a page-context JavaScript object or a registry tuple."""
    if isinstance(item, tuple):  # registry entry: (filename, attributes)
        filename, attributes = item[0], item[1] if len(item) > 1 else {}
    else:
        filename, attributes = getattr(item, "filename", item), getattr(item, "attributes", {})
    return str(filename or ""), str((attributes or {}).get("body", ""))


def _dedupe(items):
    seen, unique = set(), []
    for item in items:
        key = _key(item)
        if key in seen:
            continue
        seen.add(key)
        unique.append(item)
    return unique


def _on_page(app, pagename, templatename, context, doctree):
    if "script_files" in context:
        context["script_files"][:] = _dedupe(context["script_files"])
    if "body" in context:
        # Sphinx marks a bibliography up as role="list" holding role="doc-biblioentry" entries (a deprecated role,
        # not a list item), so assistive technology is told of a list with no items (axe: aria-required-children).
        context["body"] = (context["body"].replace('<div role="list" class="citation-list">',
                                                   '<div class="citation-list">')
                           .replace(' role="doc-biblioentry"', ""))


def _on_builder(app):
    app.registry.js_files[:] = _dedupe(app.registry.js_files)
    # Sphinx gives a builder the node handlers registered for its own name and falls back to its format's only when
    # there are none: one extension registering `singlehtml=` handlers hides every extension's `html=` handlers
    # (sphinx-proof's nodes then fail in the single-page build of the PDF). Give singlehtml the html handlers too.
    handlers = app.registry.translation_handlers
    if app.builder.name != "html" and app.builder.format == "html" and app.builder.name in handlers:
        for node, visitors in handlers.get("html", {}).items():
            handlers[app.builder.name].setdefault(node, visitors)




# ------------------------------------------------------------------------------------------ figure alt text
# A matplotlib figure in a chapter is a PNG output of a code cell, which Sphinx would give the file path as alt text.
# The cell's source says what the figure shows: the titles, axis labels and legend labels it sets. Build the alt
# text from them (no change to the notebooks needed); a cell that sets none gets "Figure: output of the code above".

_TEXT_CALLS = {"set_title": "title", "title": "title", "suptitle": "suptitle", "set_xlabel": "xlabel",
               "xlabel": "xlabel", "set_ylabel": "ylabel", "ylabel": "ylabel"}


def _literal(node) -> str | None:
    """The text of a string literal or f-string (formatted fields shown as "…"), else None."""
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    return None


def _clean(text: str) -> str:
    """Drop $...$ TeX markers and collapse white space, for a text read aloud."""
    return " ".join(text.replace("$", "").replace("\\", "").split())


def describe_figure(source: str) -> str | None:
    """Alt text for the figure a code cell draws, from the labels in its source; None when it sets none."""
    import ast

    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    panels: dict[str, dict[str, list[str]]] = {}
    suptitle = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        key = ast.unparse(owner) if isinstance(owner, (ast.Name, ast.Subscript, ast.Attribute)) else "?"
        items: list[tuple[str, str]] = []
        method = node.func.attr
        if method in _TEXT_CALLS and node.args and _literal(node.args[0]):
            items.append((_TEXT_CALLS[method], _literal(node.args[0])))
        for kw in node.keywords:
            text = _literal(kw.value)
            if text is None:
                continue
            if method == "set" and kw.arg in {"title", "xlabel", "ylabel"}:
                items.append((kw.arg, text))
            elif kw.arg == "label" and not text.startswith("_"):
                items.append(("label", text))
        for kind, text in items:
            if kind == "suptitle":
                suptitle.append(_clean(text))
            else:
                panels.setdefault(key, {}).setdefault(kind, []).append(_clean(text))
    described = []
    for fields in panels.values():
        if not any(k in fields for k in ("title", "xlabel", "ylabel")):
            continue
        parts = []
        if "title" in fields:
            parts.append(fields["title"][0])
        axes = [f"{axis} axis: {fields[name][0]}" for axis, name in (("horizontal", "xlabel"), ("vertical", "ylabel"))
                if name in fields]
        if "label" in fields:
            axes.append("shows: " + "; ".join(dict.fromkeys(fields["label"])))
        if axes:
            parts.append("(" + ", ".join(axes) + ")")
        described.append(" ".join(parts))
    if not described and not suptitle:
        return None
    head = "Figure" if len(described) <= 1 else f"Figure with {len(described)} panels"
    return f"{head}: " + ". ".join(suptitle + described)


def _figure_alt(app, doctree, docname):
    from docutils import nodes

    for cell in doctree.findall(lambda n: isinstance(n, nodes.container) and n.get("nb_element") == "cell_code"):
        images = [img for img in cell.findall(nodes.image) if not img.get("alt") or img["alt"] == img.get("uri")]
        if not images:
            continue
        sources = [block.astext() for part in cell.children if part.get("nb_element") == "cell_code_source"
                   for block in part.findall(nodes.literal_block)]
        alt = describe_figure("\n".join(sources)) if sources else None
        for img in images:
            img["alt"] = alt or "Figure: output of the code above"


# ------------------------------------------------------------------------------------------ link to the PDF
# `make pdf` (tools/pdf.py) writes the whole book as one PDF, copied to book.pdf at the site's root. Every page's
# footer links to it, with a path relative to that page (so the link works from file:// too).

def _pdf_link(app, pagename, templatename, context, doctree):
    if app.builder.name != "html" or "pathto" not in context:
        return
    href = context["pathto"]("book.pdf", 1)
    link = f'<p class="pdf-link"><a href="{href}">The whole book as one PDF</a> (built by <code>make pdf</code>)</p>'
    context["theme_extra_footer"] = (context.get("theme_extra_footer") or "") + link


def setup(app):
    app.connect("builder-inited", _on_builder)
    app.connect("html-page-context", _on_page, priority=900)
    app.connect("html-page-context", _pdf_link)
    app.connect("doctree-resolved", _figure_alt)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

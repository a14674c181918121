"""Sphinx extension (local): keep pages free of duplicate script tags.

Sphinx 7.4 can register the same JavaScript file twice (for example the local MathJax path), which makes the
browser load and run it twice. De-duplicate the registry and each page's script list, keeping first occurrences.
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


def _on_builder(app):
    app.registry.js_files[:] = _dedupe(app.registry.js_files)


def setup(app):
    app.connect("builder-inited", _on_builder)
    app.connect("html-page-context", _on_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

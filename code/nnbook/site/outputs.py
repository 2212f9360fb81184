"""Sphinx extension: what a cell's output may put on a page: text, PNG and JPEG, nothing else.

MyST-NB shows each output as one MIME type, the first of its priority list that the output
has. In a Sphinx build it picks after reading, from the global ``nb_mime_priority_overrides``
(a page's ``mystnb`` front matter cannot change that choice), so taking every other type off
the list keeps HTML, Markdown, LaTeX, SVG, JavaScript and widget views off the page,
whatever a cell displays: an output shows its plain text, or, with none, it fails the build
(``-W``: "No mime type available in priority list"). The widgets' scripts are not loaded.
"""

from __future__ import annotations

from typing import Any

SHOWN = ("image/png", "image/jpeg", "text/plain")  # in MyST-NB's order of preference


def hidden_types() -> list[str]:
    """Every MIME type MyST-NB (and its installed renderer plugins) would rank, but ours."""
    from myst_nb.core.render import base_render_priority, load_mime_renders

    known = {mime for ranks in base_render_priority().values() for mime in ranks}
    for plugin in load_mime_renders():
        known |= {override[1] for override in getattr(plugin, "mime_priority_overrides", [])}
    return sorted(known - set(SHOWN))


def only_shown_types(app: Any, config: Any) -> None:
    """Append our overrides last, so they win over any that _config.yml sets."""
    ours = [("*", mime, None) for mime in hidden_types()]
    config.nb_mime_priority_overrides = [*config.nb_mime_priority_overrides, *ours]
    config.nb_ipywidgets_js = {}  # no require.js or widget manager from a CDN


def setup(app: Any) -> dict[str, Any]:
    """Register the restriction (after MyST-NB, whose configuration values it sets)."""
    app.setup_extension("myst_nb")
    app.connect("config-inited", only_shown_types, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

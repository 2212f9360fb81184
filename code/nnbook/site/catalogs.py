"""The translators' catalogs: extract the package's strings, update and compile every .po.

``python -m nnbook catalogs update|check|compile``. Reading and compiling one catalog at run
time is ``nnbook.i18n``'s (the reader's package); this is the tooling around it.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from nnbook.i18n import (
    DOMAIN,
    LANGUAGES,
    REPO,
    compile_language,
    locales_dir,
    po_path,
    problems,
    read_catalog,
)

KEYWORDS = {"_": None, "N_": None}


def extract() -> Catalog:
    """All marked strings of code/nnbook, with their source locations."""
    catalog = Catalog(project="nnbook", domain=DOMAIN)
    src = REPO / "code"
    for filename, lineno, message, comments, context in extract_from_dir(
        str(src), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def update() -> None:
    """Write locales/nnbook.pot and merge it into every language's .po."""
    template = extract()
    with (locales_dir() / f"{DOMAIN}.pot").open("wb") as f:
        write_po(f, template, width=88, omit_header=False, sort_output=True)
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            catalog = read_catalog(path, lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, project="nnbook", domain=DOMAIN, fuzzy=False)
        catalog.update(template, update_header_comment=False)
        catalog.fuzzy = False  # the header: our catalogs are reviewed as a whole
        catalog.obsolete.clear()  # removed strings go; git keeps their history
        with path.open("wb") as f:
            write_po(f, catalog, width=88, sort_output=True, ignore_obsolete=True)
        todo = problems(lang)
        print(f"{path}: {len(catalog)} entries, {len(todo)} to translate or review")


def compile_all() -> list[Path]:
    return [compile_language(lang) for lang in LANGUAGES]

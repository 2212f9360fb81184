"""The translators' catalogs: extract the package's strings, update, check and compile every .po.

``python -m nnbook catalogs update|check|compile``. Reading and compiling one catalog at run
time is ``nnbook.i18n``'s (the reader's package); this is the tooling around it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from nnbook.i18n import (
    DOMAIN,
    LANGUAGES,
    TranslationError,
    compile_language,
    locales_dir,
    po_path,
    problems,
    read_catalog,
)
from nnbook.paths import REPO

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


# Characters that HTML or a quoted JavaScript string gives a meaning to. The theme's templates
# and Sphinx's HTML writer put the theme's words into every page unescaped (and
# sphinx-togglebutton into a JavaScript string), so no translation or language name may hold
# one. Typographic quotes and apostrophes (’ “ ” « » „) are text, and fine.
MARKUP = re.compile(r"[<>&\"'`\\]")
MARKUP_HINT = ("translations and language names hold no markup: write ’ for an apostrophe, "
               "“ ” or « » for quotes, and no tags or &entities;")


def markup_in_catalog(path: Path) -> list[str]:
    """Each translation of one .po that holds a markup character, as ``file:line: ...``."""
    found = []
    for message in read_catalog(path):
        text = message.string if isinstance(message.string, str) else "".join(message.string)
        hit = MARKUP.search(text or "")
        if message.id and hit:
            found.append(f"{path}:{message.lineno}: {hit.group()!r} in {text!r}")
    return found


def markup_in_names(listing: Path) -> list[str]:
    """Each language name of languages.toml that holds a markup character, as file:line."""
    with listing.open("rb") as f:
        names = {code: str(entry.get("name", "")) for code, entry in tomllib.load(f).items()}
    found, table = [], None
    for number, line in enumerate(listing.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.strip("[] ")
        elif stripped.partition("=")[0].strip() == "name":
            hit = MARKUP.search(names.get(table, ""))
            if hit:
                found.append(f"{listing}:{number}: {hit.group()!r} in {names[table]!r}")
    return found


def markup_problems(folder: Path | None = None) -> list[str]:
    """Markup in any catalog's translations or any language name (locales/ by default)."""
    folder = folder or locales_dir()
    found = [p for po in sorted(folder.glob("*/LC_MESSAGES/*.po")) for p in markup_in_catalog(po)]
    return found + markup_in_names(folder / "languages.toml")


def compile_all() -> list[Path]:
    """Compile every language's catalog; markup in a translation stops it first, file:line."""
    found = markup_problems()
    if found:
        raise TranslationError(MARKUP_HINT + "\n" + "\n".join(found))
    return [compile_language(lang) for lang in LANGUAGES]

"""A new language in one command: ``python -m nnbook new-language fi``.

Adds the language to ``locales/languages.toml`` (the one list everything reads: build,
switcher, landing page, hreflang, sitemap, status, search, the tests), creates its catalogs
from the templates with Babel (``nnbook.po`` from ``nnbook.pot``; ``sphinx.po`` with the theme's
words the other languages translate) and ``book/<code>/index.md`` to translate. Every chapter
starts missing: ``python -m nnbook status`` lists them, and the build builds the chapters
translated so far.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import LOCALE_ALIASES
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from nnbook import i18n


class LanguageError(ValueError):
    """A language the book cannot take (unknown to Babel or Sphinx, or already there)."""


def sphinx_knows(code: str) -> bool:
    """Sphinx ships translations of its own words for ``code``."""
    import sphinx.locale

    return (Path(sphinx.locale.__file__).parent / code / "LC_MESSAGES").is_dir()


def new_language(code: str, book: Path, locales: Path) -> list[Path]:
    """Add language ``code``; returns the files written."""
    if code in i18n.LANGUAGES:
        raise LanguageError(f"{code!r} is already one of the book's languages")
    try:
        babel_locale = Locale.parse(LOCALE_ALIASES.get(code, code))
    except (UnknownLocaleError, ValueError) as err:
        raise LanguageError(f"Babel does not know the language {code!r}: {err}") from err
    if not sphinx_knows(code):
        raise LanguageError(f"Sphinx has no translation for {code!r} (sphinx/locale/{code})")
    written = []
    listing = locales / "languages.toml"
    name = Locale.parse(code).get_display_name(code) or code  # "polski", not "polski (Polska)"
    with listing.open("a", encoding="utf-8") as f:
        f.write(f'\n[{code}]\nlocale = "{babel_locale}"\nname = "{name}"\n')
    written.append(listing)
    folder = locales / code / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (locales / f"{i18n.DOMAIN}.pot").open("rb") as f:
        template = read_po(f)
    written.append(_write(folder / f"{i18n.DOMAIN}.po", code, template))
    first = next(iter(i18n.LANGUAGES))
    with (locales / first / "LC_MESSAGES" / "sphinx.po").open("rb") as f:
        theme_words = read_po(f)
    written.append(_write(folder / "sphinx.po", code, theme_words))
    index = book / code / "index.md"
    index.parent.mkdir(parents=True, exist_ok=True)
    source = book / first / "index.md"
    # A MyST comment (``%``): never rendered; an HTML comment would be raw HTML, which the
    # content-safety check (tests/test_content_safety.py) rejects in any page. Links to pages
    # the new language does not have yet become plain text, or the build would fail on them.
    text = PAGE_LINK.sub(lambda m: m.group(1), source.read_text(encoding="utf-8"))
    index.write_text(f"% Translate from book/{first}/index.md into {name}; link a page once "
                     "it is translated.\n" + text, encoding="utf-8")
    written.append(index)
    return written


PAGE_LINK = re.compile(r"\[([^\]]+)\]\([\w-]+\.md(?:#[\w-]*)?\)")  # [text](page.md)


def _write(path: Path, code: str, template: Catalog) -> Path:
    catalog = Catalog(locale=code, project="nnbook", domain=path.stem, fuzzy=False)
    for message in template:
        if message.id:
            catalog.add(message.id, "", locations=message.locations,
                        auto_comments=message.auto_comments, context=message.context)
    with path.open("wb") as f:
        write_po(f, catalog, width=88, sort_output=True)
    return path

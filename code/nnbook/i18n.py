"""Translations of the strings the package prints and draws, and locale-aware numbers.

Message ids are English and live in the code (marked with ``_()`` or ``N_()``); the
translations live in ``locales/<lang>/LC_MESSAGES/nnbook.po``. A missing, empty or fuzzy
translation is an error that names the catalog, never a silent fallback to English.

Extracting and updating the catalogs is the site's business (``nnbook.site.catalogs``).
"""

from __future__ import annotations

import gettext
import hashlib
import io
import tomllib
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_decimal, format_percent

from nnbook import paths
from nnbook.paths import REPO

PACKAGED_LOCALES = Path(__file__).resolve().parent / "locales"


def _language_list() -> dict[str, dict[str, str]]:
    """locales/languages.toml (shipped in the wheel as nnbook/locales/languages.toml): the one
    list of the book's languages, in order."""
    folders = [paths.from_env("NNBOOK_LOCALES"), REPO / "locales", PACKAGED_LOCALES]
    for folder in filter(None, folders):
        if (folder / "languages.toml").is_file():
            with (folder / "languages.toml").open("rb") as f:
                return tomllib.load(f)
    raise FileNotFoundError("locales/languages.toml: the list of the book's languages is missing")


_LIST = _language_list()
LANGUAGES: dict[str, str] = {code: entry["locale"] for code, entry in _LIST.items()}
LANGUAGE_NAMES: dict[str, str] = {code: entry["name"] for code, entry in _LIST.items()}
DOMAIN = "nnbook"


class TranslationError(RuntimeError):
    """A catalog is broken, or lacks a translation the code asked for."""


def locales_dir() -> Path:
    """Where the catalogs live: ``NNBOOK_LOCALES``, else the repository's ``locales/``,
    else the copy installed inside the package (``pip install`` ships it as nnbook/locales)."""
    path = paths.from_env("NNBOOK_LOCALES") or (
        REPO / "locales" if paths.in_repository() else PACKAGED_LOCALES)
    if not path.is_dir():
        raise TranslationError(f"no catalogs: folder {path} does not exist (set NNBOOK_LOCALES)")
    return path


def po_path(lang: str) -> Path:
    return locales_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path, lang: str | None = None) -> Catalog:
    """Parse one .po file; a syntax error raises TranslationError with file:line."""
    if not path.is_file():
        raise TranslationError(f"{path}: catalog missing")
    try:
        with path.open("rb") as f:
            return read_po(f, locale=lang, abort_invalid=True)
    except PoFileError as err:
        # Babel's message ends with "on <line number>": turn it into file:line.
        raise TranslationError(f"{path}:{_po_error_line(err)}: {err}") from err


def _po_error_line(err: PoFileError) -> int | str:
    # Babel counts the lines of a broken file from 0; editors count from 1.
    words = str(err).rsplit(" ", 1)
    return int(words[-1]) + 1 if words[-1].isdigit() else getattr(err, "lineno", "?")


@dataclass(frozen=True)
class Problem:
    """One entry of a catalog that is not ready: untranslated or fuzzy."""

    path: Path
    line: int
    msgid: str
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind} translation of {self.msgid!r}"


def problems(lang: str) -> list[Problem]:
    """Every untranslated or fuzzy entry of a language's catalog, with its line."""
    path = po_path(lang)
    found = []
    for msg in read_catalog(path, lang):
        if not msg.id:
            continue  # the header
        line = msg.lineno or 0
        text = msg.string if isinstance(msg.string, str) else "".join(msg.string)
        if msg.fuzzy:
            found.append(Problem(path, line, str(msg.id), "fuzzy"))
        elif not text.strip():
            found.append(Problem(path, line, str(msg.id), "missing"))
    return found


# --- the active language -----------------------------------------------------------

_active: dict = {"lang": None, "messages": {}, "path": None}


def _messages(lang: str) -> dict[str, str]:
    """A language's compiled catalog as a dict (compiled first when its .po changed)."""
    if lang not in LANGUAGES:
        raise TranslationError(f"unknown language {lang!r}; the book has {sorted(LANGUAGES)}")
    mo = mo_path(lang)
    if not mo.exists():
        compile_language(lang)
    with mo.open("rb") as f:
        return {k: v for k, v in gettext.GNUTranslations(f)._catalog.items() if k}


def activate(lang: str) -> None:
    """Make ``lang`` the language of every string and number the package produces."""
    _active.update(lang=lang, messages=_messages(lang), path=po_path(lang))


def translate(lang: str, msgid: str) -> str:
    """``msgid`` in ``lang`` without touching the active language: safe from several
    threads at once (the build writes the four languages' configurations side by side)."""
    text = _messages(lang).get(msgid)
    if not text:
        raise TranslationError(f"{po_path(lang)}: no translation of {msgid!r} "
                               "(run `python -m nnbook catalogs update`, then translate it)")
    return text


def current_language() -> str:
    if _active["lang"] is None:
        raise TranslationError("no language active: call nnbook.setup(lang) first")
    return _active["lang"]


def _(msgid: str) -> str:
    """The translation of ``msgid`` in the active language (an error if it has none)."""
    current_language()
    text = _active["messages"].get(msgid)
    if not text:
        raise TranslationError(
            f"{_active['path']}: no translation of {msgid!r} "
            "(run `python -m nnbook catalogs update`, then translate it)"
        )
    return text


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a string for extraction without translating it now (translated on use)."""
    return msgid


def locale() -> str:
    return LANGUAGES[current_language()]


MINUS = "\u2212"  # the minus sign: CLDR gives a hyphen for these locales, typesetting a minus


def number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` decimals in the active locale: 0,764 in Danish, −2 with a
    minus sign."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale()).replace("-", MINUS)


def percent(fraction: float, digits: int = 1) -> str:
    """A fraction as a percentage in the active locale: 0.9731 → 97,3 % in Danish."""
    # The locale's own pattern ("#,##0 %" in Danish, "#,##0%" in Korean) with our decimals.
    pattern = Locale.parse(locale()).percent_formats[None].pattern
    pattern = pattern.replace("0", "0" + ("." + "0" * digits if digits else ""), 1)
    return format_percent(fraction, format=pattern, locale=locale()).replace("-", MINUS)


# --- compiled catalogs -------------------------------------------------------------

def mo_path(lang: str) -> Path:
    """Compiled catalogs go under the work folder (never committed; ``paths.work_dir``),
    named by their .po's content: a .po restored with an old date, or another catalog folder
    (``NNBOOK_LOCALES``), never reads a compiled file made from other text."""
    po = po_path(lang)
    if not po.is_file():
        raise TranslationError(f"{po}: catalog missing")
    digest = hashlib.sha256(po.read_bytes()).hexdigest()[:16]
    return paths.work_dir() / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}-{digest}.mo"


def compile_language(lang: str) -> Path:
    """Check one catalog (syntax, completeness) and compile it to its .mo file."""
    catalog = read_catalog(po_path(lang), lang)
    todo = problems(lang)
    if todo:
        raise TranslationError("catalog not complete:\n" + "\n".join(map(str, todo)))
    target = mo_path(lang)
    target.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    paths.write_atomic(target, lambda tmp: tmp.write_bytes(buf.getvalue()))  # 4 languages at once
    return target

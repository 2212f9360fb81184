"""Command line of the book: ``python -m nnbook <command>``.

  build [--lang xx] [--chapter NN-slug] [--publish]
                                 build the site (every language and chapter, or those named);
                                 --publish (or NNBOOK_PUBLISH=1) refuses the placeholder
                                 address: give html.baseurl in _config.yml or NNBOOK_BASEURL
  train [--chapter NN-slug]      train what the chapters load (build does it first)
  catalogs update                extract strings from code/ and update every .po
  catalogs check                 list untranslated and fuzzy entries and markup (file:line)
  catalogs compile               check and compile every catalog
  status                         per chapter and language: present, code parity, stale
                                 against the origin (which sections); catalog completeness
  assemble                       landing page, sitemap, status, wheel, execution report
                                 from the languages in _build/html (the CI's last step)
  fingerprint                    the caches' keys (results=..., pages=...) for the CI
  scope BASE                     the languages (and whether the reader's notebooks) the
                                 site's tests must cover for the change since BASE
  new-language xx                add a language: its catalogs (Babel), book/xx/, the list
                                 in locales/languages.toml that everything reads
  data fetch [DIR]               fetch every data set and weights file from its public
                                 source into DIR (default: data/), verified
  data list                      each data set's source, licence and size
  standin [--port N] [--www DIR] the data's public hosts stood in for on 127.0.0.1, made
                                 from the data folders (for NNBOOK_SOURCES_BASE)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from nnbook import i18n
from nnbook.site import build, catalogs, languages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnbook", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the site")
    b.add_argument("--lang", action="append", choices=list(i18n.LANGUAGES),
                   help="build only this language (repeatable)")
    b.add_argument("--chapter", action="append",
                   help="build only this chapter, e.g. 01-tensors (repeatable; a preview)")
    b.add_argument("--publish", action="store_true",
                   help="a build for publishing: refuse the placeholder site address "
                        "(html.baseurl in _config.yml, or NNBOOK_BASEURL)")
    t = sub.add_parser("train", help="train the networks the chapters load")
    t.add_argument("--chapter", action="append", help="only what this chapter loads")
    c = sub.add_parser("catalogs", help="translators' catalogs")
    c.add_argument("action", choices=["update", "check", "compile"])
    sub.add_parser("status", help="translation status (stale is a warning, parity an error)")
    sub.add_parser("assemble", help="landing page, sitemap, status, wheel, report from the "
                                    "languages already built (the hosted CI's last step)")
    sub.add_parser("fingerprint", help="cache keys of the trained networks and of the pages")
    sc = sub.add_parser("scope", help="what a change since BASE touches (for the site's tests)")
    sc.add_argument("base", help="the commit the change starts from")
    n = sub.add_parser("new-language", help="add a language: catalogs, book/<code>/, the list")
    n.add_argument("code", help="a language code Babel and Sphinx know, e.g. fi")
    st = sub.add_parser("standin", help="the data's public hosts, served from the data folders")
    st.add_argument("--port", type=int, default=0)
    st.add_argument("--www", type=Path, default=None, help="where their files are laid out")
    d = sub.add_parser("data", help="the data sets from their public sources (nnbook.fetch)")
    d.add_argument("args", nargs=argparse.REMAINDER, help="fetch [DIR] | list")
    args = parser.parse_args(argv)
    if args.command == "data":
        from nnbook import fetch

        return fetch.main(args.args)
    try:
        if args.command == "build":
            if args.publish:
                os.environ["NNBOOK_PUBLISH"] = "1"
            return build.build(args.lang or list(i18n.LANGUAGES), args.chapter)
        if args.command == "train":
            from nnbook.site import pretrain

            # Train on the build's pinned kernels (the results' keys name them): restart with
            # them unless this process has them, as the build starts its trainer.
            build.ensure_pinned_kernels()

            return pretrain.main(args.chapter)
        if args.command == "assemble":
            build.assemble()
            return 0
        if args.command == "fingerprint":
            for name, value in build.fingerprints().items():
                print(f"{name}={value}")
            return 0
        if args.command == "scope":
            from nnbook.site import scope

            langs, reader, machinery = scope.scope(args.base)
            print(f"NNBOOK_TEST_LANGS={','.join(langs)}")
            print(f"NNBOOK_TEST_READER={int(reader)}")
            print(f"NNBOOK_TEST_MACHINERY={int(machinery)}")
            return 0
        if args.command == "standin":
            import tempfile

            from nnbook.site import standin

            with tempfile.TemporaryDirectory(prefix="nnbook-standin-") as tmp:
                return standin.main(args.www or Path(tmp), args.port)
        if args.command == "new-language":
            for path in languages.new_language(args.code, build.SOURCE / "book",
                                               i18n.locales_dir()):
                print(path)
            print(f"{args.code}: added. Translate its catalogs and chapters; "
                  "`python -m nnbook status` lists what is missing")
            return 0
        if args.command == "status":
            from nnbook.site import status

            text, code = status.report()
            print(text)
            return code
        if args.action == "update":
            catalogs.update()
        elif args.action == "compile":
            for path in catalogs.compile_all():
                print(path)
        else:
            todo = [p for lang in i18n.LANGUAGES for p in i18n.problems(lang)]
            todo += catalogs.markup_problems()
            for problem in todo:
                print(problem)
            print(f"{len(todo)} entries to translate or review")
            return 1 if todo else 0
    except (i18n.TranslationError, languages.LanguageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

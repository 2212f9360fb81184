"""``python -m nnbook <command>``: the book's command line, in the repository (nnbook.site.cli);
``python -m nnbook data ...`` (nnbook.fetch) works from the reader's wheel too."""

import sys

if __name__ == "__main__":  # not again in worker processes (spawn imports __main__)
    if sys.argv[1:2] == ["data"]:  # the reader's wheel has this one: nnbook.fetch
        from nnbook.fetch import main as data_main

        sys.exit(data_main(sys.argv[2:]))
    try:
        from nnbook.site.cli import main
    except ModuleNotFoundError as err:  # the reader's wheel ships the teaching code only
        if err.name not in ("nnbook.site", "nnbook.site.cli"):
            raise
        sys.exit("python -m nnbook: the book's build tools are not in the reader's package; "
                 "clone the book's repository to build it")
    sys.exit(main())

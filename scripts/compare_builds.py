"""Compare two builds of the book: the trained networks' weights and every page's printed text.

    .venv/bin/python scripts/compare_builds.py BUILD_A BUILD_B

Each BUILD is an ``NNBOOK_BUILD`` folder (``_build`` by default) of a whole or partial build.
Prints, for every network both trained, its weights digest (a sha256 of the tensors) in each
build, and for every executed page of every language whether its printed text (streams and
plain-text results, glued values included) is the same. Training times differ between builds
by design: every number equal to a time a network's record holds (seconds, minutes) is masked
before comparing. Exits 1 if any digest or text differs, so it can gate a release.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def digests(build: Path) -> dict[str, str]:
    """Network (its name and recipe key) -> weights digest, from the results records."""
    found = {}
    for record in sorted((build / "results").glob("*.json")):
        data = json.loads(record.read_text(encoding="utf-8"))
        if "weights_digest" in data:
            key = {k: v for k, v in data["key"].items() if k != "data"}
            found[f"{data['name']} {json.dumps(key, sort_keys=True)}"] = data["weights_digest"]
    return found


def times(build: Path) -> set[str]:
    """Every training time the records hold, as a page may print or glue it."""
    values: list[float] = []
    for record in (build / "results").glob("*.json"):
        data = json.loads(record.read_text(encoding="utf-8"))
        values.append(data.get("train_seconds", 0.0))
        rows = data.get("epochs", []) + data.get("points", [])
        values += [row.get("seconds", 0.0) for row in rows if isinstance(row, dict)]
    shown = set()
    for x in values:
        for text in (f"{x:.1f}", f"{x:.0f}", f"{x / 60:.1f}", f"{x:,.0f}"):
            shown |= {text, text.replace(".", ","), text.replace(",", "\u00a0")}
    return shown


NUMBER = re.compile(r"\d[\d.,\u00a0]*\d|\d")


def page_texts(build: Path) -> dict[str, list[str]]:
    """"lang/page" -> the printed text of each code cell, in order."""
    pages = {}
    for notebook in sorted(build.glob("lang/*/_build/jupyter_execute/*.ipynb")):
        lang = notebook.parts[-4]
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        texts = []
        for cell in (c for c in cells if c["cell_type"] == "code"):
            parts = []
            for out in cell.get("outputs", []):
                if out["output_type"] == "stream":
                    parts.append("".join(out["text"]))
                for mime in ("text/plain", "text/markdown"):
                    parts.append("".join(out.get("data", {}).get(mime, "")))
            texts.append("".join(parts))
        pages[f"{lang}/{notebook.stem}"] = texts
    return pages


def masked(text: str, hidden: set[str]) -> str:
    return NUMBER.sub(lambda m: "<time>" if m.group() in hidden else m.group(), text)


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    a, b = (Path(p) for p in sys.argv[1:])
    bad = 0
    da, db = digests(a), digests(b)
    print(f"{'network (name and recipe)':<44} {'weights A':<22} {'weights B':<22}")
    for entry in sorted(da.keys() | db.keys()):
        same = da.get(entry) == db.get(entry)
        bad += not same
        label = entry if len(entry) <= 44 else entry[:41] + "..."
        print(f"{label:<44} {da.get(entry, '-'):<22} {db.get(entry, '-'):<22}"
              f"{'' if same else '  DIFFERENT'}")
    hidden = times(a) | times(b)
    ta, tb = page_texts(a), page_texts(b)
    for page in sorted(ta.keys() & tb.keys()):
        first = [masked(t, hidden) for t in ta[page]]
        second = [masked(t, hidden) for t in tb[page]]
        cells = [i for i, (x, y) in enumerate(zip(first, second, strict=False)) if x != y]
        if len(first) != len(second):
            cells.append(-1)
        bad += bool(cells)
        print(f"{page:<44} {'same text' if not cells else f'DIFFERENT in code cells {cells}'}")
    only = sorted(ta.keys() ^ tb.keys())
    if only:
        print(f"pages in one build only: {', '.join(only)}")
    print(f"{len(da.keys() & db.keys())} networks and {len(ta.keys() & tb.keys())} pages compared:"
          f" {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

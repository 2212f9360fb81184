"""The execution report: per language and page, how long its cells ran and whether this
build executed it or took it from jupyter-cache.

The data comes from each language's jupyter-cache database (``list_cache_records()``: the
page, its execution seconds). Pages whose record appeared during this build were executed;
the others came from the cache (their seconds are those of the run that cached them).
Written as ``<build>/report/<lang>.json`` per language and rendered, for every language
built so far, as ``<build>/html/execution-report.html`` (linked from the landing page), after
the networks ``nnbook.site.pretrain`` trained before the pages ran.
"""

from __future__ import annotations

import html
import json
import sys
import time
from pathlib import Path

from nnbook.paths import write_atomic


def cache_records(cache_dir: Path) -> list:
    """The jupyter-cache records of one language (none when the cache does not exist yet)."""
    if not cache_dir.is_dir():
        return []
    from jupyter_cache import get_cache

    return list(get_cache(str(cache_dir)).list_cache_records())


def snapshot(cache_dir: Path) -> set[int]:
    """The record ids before a build: whatever is new afterwards was executed by the build."""
    return {record.pk for record in cache_records(cache_dir)}


def page_rows(cache_dir: Path, pages: dict[str, Path], before: set[int]) -> list[dict]:
    """One row per page (stem -> source file): seconds, and executed, cached or no code."""
    # Records are known by their page's language folder and file name, not the absolute path
    # they were executed at: a restored cache (the hosted CI, another checkout) ran elsewhere.
    latest: dict[tuple[str, ...], object] = {}
    for record in cache_records(cache_dir):
        key = Path(record.uri).parts[-2:]
        known = latest.get(key)
        if known is None or (record.accessed, record.pk) > (known.accessed, known.pk):
            latest[key] = record
    rows = []
    for stem, source in pages.items():
        record = latest.get(Path(source).parts[-2:])
        if record is None:
            rows.append({"page": stem, "status": "no code", "seconds": 0.0})
            continue
        seconds = float((record.data or {}).get("execution_seconds") or 0.0)
        status = "executed" if record.pk not in before else "cached"
        rows.append({"page": stem, "status": status, "seconds": round(seconds, 2)})
    return rows


def write_language(build: Path, lang: str, rows: list[dict], seconds: float, ok: bool) -> Path:
    """Save one language's rows (atomically) under ``<build>/report/<lang>.json``."""
    if not ok:  # a page with no cache record in a failed build: it failed or never ran
        rows = [r | {"status": "failed"} if r["status"] == "no code" else r for r in rows]
    path = build / "report" / f"{lang}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"lang": lang, "ok": ok, "build_seconds": round(seconds, 1),
            "finished": time.strftime("%Y-%m-%d %H:%M:%S"), "pages": rows}
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data, indent=1), encoding="utf-8"))
    return path


def load(build: Path) -> list[dict]:
    """Every language's saved report, in file-name order. A damaged one is left out and named
    on stderr (the end of a build goes on; that language's next build writes it again)."""
    reports = []
    for path in sorted((build / "report").glob("*.json")):
        try:
            reports.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as err:
            print(f"[nnbook] left out the damaged execution report {path}: {err}",
                  file=sys.stderr)
    return reports


def summary(report: dict) -> str:
    """One console line: executed and cached pages, seconds of execution."""
    pages = report["pages"]
    executed = [p for p in pages if p["status"] == "executed"]
    cached = [p for p in pages if p["status"] == "cached"]
    return (f"{report['lang']}: {len(executed)} page(s) executed "
            f"({sum(p['seconds'] for p in executed):.1f} s), {len(cached)} from the cache; "
            f"build {report['build_seconds']:.1f} s")


def trainings_section(build: Path) -> str:
    """The networks trained before the pages ran (``<build>/training-report.json``)."""
    path = build / "training-report.json"
    if not path.exists():
        return ""
    esc = html.escape
    saved = json.loads(path.read_text(encoding="utf-8"))
    rows = "\n".join(
        f"<tr><td><code>{esc(t['label'])}</code></td>"
        f"<td class=\"{'executed' if t['trained'] else 'cached'}\">"
        f"{'trained' if t['trained'] else 'cached'}"
        f"{' (alone)' if t['alone'] else ''}</td>"
        f"<td class=\"num\">{t['seconds']:.1f}</td>"
        f"<td><code>{esc(t.get('weights', '?'))}</code></td></tr>" for t in saved["trainings"])
    return ("<section><h2>Networks</h2>\n"
            f"<p>Trained before any page ran (<code>python -m nnbook train</code>), "
            f"{saved['seconds']:.1f} s in all; finished {esc(saved['finished'])}. The ones "
            f"marked alone ran by themselves; the others ran {saved['workers']} at a time. "
            "Each recipe fixes its own thread count, so neither changes the weights. The "
            "weights digest is a sha256 of the trained tensors: two builds of the same commit "
            "on any machine of the kind should show the same digests (see the README).</p>\n"
            "<table><thead><tr><th>network</th><th>that run</th><th>seconds</th>"
            "<th>weights digest</th></tr></thead>\n"
            f"<tbody>\n{rows}\n</tbody></table></section>")


def write_html(build: Path) -> Path:
    """``<build>/html/execution-report.html``: a table per language, slowest page first."""
    esc = html.escape
    sections = []
    for report in load(build):
        lang = report["lang"]
        rows = "\n".join(
            f"<tr><td><a href=\"{esc(lang)}/{esc(p['page'])}.html\">{esc(p['page'])}</a></td>"
            f"<td class=\"{esc(p['status'].replace(' ', '-'))}\">{esc(p['status'])}</td>"
            f"<td class=\"num\">{p['seconds']:.1f}</td></tr>"
            for p in sorted(report["pages"], key=lambda p: -p["seconds"]))
        state = "" if report.get("ok", True) else " (failed)"
        sections.append(
            f"<section><h2 lang=\"{esc(lang)}\">{esc(lang)}{state}</h2>\n"
            f"<p>{esc(summary(report))}; finished {esc(report['finished'])}</p>\n"
            "<table><thead><tr><th>page</th><th>this build</th><th>seconds</th></tr></thead>\n"
            f"<tbody>\n{rows}\n</tbody></table></section>")
    sections.insert(0, trainings_section(build))
    from nnbook.site import meta

    head = meta.maintainer_head("nnbook, for maintainers: the seconds each page's code ran in "
                                "the last build, and the networks trained before it.")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>nnbook: execution report</title>
<link rel="icon" href="favicon.svg" type="image/svg+xml">
{head}
<style>
body {{ font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid var(--line); padding: .25rem .5rem; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td code {{ overflow-wrap: anywhere; }}
td.executed {{ color: var(--executed); }} td.cached {{ color: var(--cached); }}
</style></head>
<body>
<p><a href="index.html">nnbook</a></p>
<h1>Execution report</h1>
{meta.maintainer_notice()}
<p>Per page: the seconds its code cells ran, and whether this build executed it or took its
outputs from jupyter-cache (seconds then are those of the run that cached it).</p>
{chr(10).join(sections) or "<p>No build has been reported yet.</p>"}
</body></html>
"""
    path = build / "html" / "execution-report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path

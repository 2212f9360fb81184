"""The reader's wheel: ``pip install`` of it brings the teaching code and what it imports.

Built from a copy of the packaging inputs (setuptools writes build/ and *.egg-info next to
its sources), with pip and without the network; the build publishes it with the site under
``dist/`` so that a reader's notebook installs it from the site's own address.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from nnbook.paths import REPO

PACKAGING = ("pyproject.toml", "README.md", "LICENSE")


def wheel_name() -> str:
    """The published wheel's file name (the reader's notebooks point at it)."""
    from importlib.metadata import version

    return f"nnbook-{version('nnbook')}-py3-none-any.whl"


def build_wheel(out: Path) -> Path:
    """Build nnbook's wheel into ``out`` and return its path (an error names pip's output)."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nnbook-wheel-") as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        for name in PACKAGING:
            if (REPO / name).is_file():
                shutil.copy(REPO / name, source / name)
        skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "*.mo", "site")
        shutil.copytree(REPO / "code", source / "code", ignore=skip)
        shutil.copytree(REPO / "locales", source / "locales", ignore=skip)
        built = Path(tmp) / "wheels"
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--no-index", "-q", "-w", str(built), str(source)],
            capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError("building the reader's wheel failed:\n"
                               + result.stdout + result.stderr)
        (wheel,) = built.glob("nnbook-*.whl")
        if wheel.name != wheel_name():
            raise RuntimeError(f"built {wheel.name}, but the notebooks point at {wheel_name()}: "
                               "reinstall the package (scripts/install.sh)")
        for old in out.glob("nnbook-*.whl"):
            old.unlink()
        return Path(shutil.copy(wheel, out / wheel.name))

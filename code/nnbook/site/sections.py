"""Staleness by section: which sections of an origin chapter changed since a translation.

A translation records the origin file it follows (``translated_from``, sha256[:12]). The
origin's text at that point is found in git history (the version of the file whose hash it
is); both versions are split at their headings and compared section by section, prose and
code alike, so a changed word inside a section counts even when no heading moved.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
FENCE = re.compile(r"^(`{3,}|~{3,})")


@dataclass(frozen=True)
class Section:
    heading: str  # "## Data" as written; "" for the text before the first heading
    body: str


@dataclass
class SectionChanges:
    """How an origin changed between the version a translation follows and now."""

    changed: list[tuple[str, list[str]]] = field(default_factory=list)  # heading, diff lines
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    found: bool = True  # False: the followed version is in no commit (nothing to compare)

    def summary(self) -> str:
        if not self.found:
            return "the version it follows is in no commit: compare the whole chapter"
        parts = [f"changed {', '.join(repr(h) for h, _ in self.changed)}" if self.changed else "",
                 f"new {', '.join(map(repr, self.added))}" if self.added else "",
                 f"removed {', '.join(map(repr, self.removed))}" if self.removed else "",
                 f"{len(self.unchanged)} section(s) unchanged"]
        return "; ".join(p for p in parts if p)


def split_sections(text: str) -> list[Section]:
    """A MyST page's sections, at every heading outside code blocks (front matter left out)."""
    lines = text.split("\n")
    if lines and lines[0] == "---":
        end = next((i for i in range(1, len(lines)) if lines[i] == "---"), 0)
        lines = lines[end + 1:]
    sections, heading, body, fence = [], "", [], None
    for line in lines:
        opened = FENCE.match(line)
        if fence:
            fence = None if line.strip() == fence else fence
        elif opened:
            fence = opened.group(1)
        elif HEADING.match(line):
            sections.append(Section(heading, "\n".join(body).strip("\n")))
            heading, body = line.strip(), []
            continue
        body.append(line)
    sections.append(Section(heading, "\n".join(body).strip("\n")))
    return [s for s in sections if s.heading or s.body]


def _label(heading: str) -> str:
    return heading or "(before the first heading)"


def compare(old: str, new: str) -> SectionChanges:
    """Section by section: headings aligned in order, bodies compared line by line."""
    before, after = split_sections(old), split_sections(new)
    result = SectionChanges()
    matcher = difflib.SequenceMatcher(a=[s.heading for s in before],
                                      b=[s.heading for s in after], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(before[i1:i2], after[j1:j2], strict=True):
                if a.body == b.body:
                    result.unchanged.append(_label(b.heading))
                else:
                    diff = list(difflib.unified_diff(a.body.split("\n"), b.body.split("\n"),
                                                     lineterm="", n=1))[2:]
                    result.changed.append((_label(b.heading), diff))
            continue
        result.removed.extend(_label(s.heading) for s in before[i1:i2])
        result.added.extend(_label(s.heading) for s in after[j1:j2])
    return result


def text_with_hash(path: Path, digest: str) -> str | None:
    """The version of ``path`` (in the working tree, or committed) whose sha256 starts with
    ``digest``; None when no commit holds it."""
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest().startswith(digest):
        return path.read_text(encoding="utf-8")
    return _committed(path.resolve(), digest)


@functools.lru_cache(maxsize=256)
def _committed(path: Path, digest: str) -> str | None:
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path.parent,
                             capture_output=True, text=True, check=True).stdout.strip()
        relative = path.resolve().relative_to(Path(top).resolve()).as_posix()
        commits = subprocess.run(["git", "log", "--format=%H", "--", relative], cwd=top,
                                 capture_output=True, text=True, check=True).stdout.split()
    except (subprocess.CalledProcessError, ValueError, FileNotFoundError):
        return None
    for commit in commits:
        blob = subprocess.run(["git", "show", f"{commit}:{relative}"], cwd=top,
                              capture_output=True, check=False).stdout
        if hashlib.sha256(blob).hexdigest().startswith(digest):
            return blob.decode("utf-8")
    return None


def changes_since(origin: Path, digest: str) -> SectionChanges:
    """What changed in ``origin`` since the version whose hash a translation recorded."""
    followed = text_with_hash(origin, digest)
    if followed is None:
        return SectionChanges(found=False)
    return compare(followed, origin.read_text(encoding="utf-8"))

"""scripts/install.sh decides from what is installed, not from its stamps alone, and fails
when the last check fails. Run in a scratch folder with stand-ins for python3, pip, npm, node,
apt-get and id that log what they are asked to do (nothing is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Each stand-in appends its command line to $LOG. python3 lacks ensurepip (Debian without
# python3-venv) while $ROOT/no-ensurepip exists. The venv's python fails `import torch,
# nnbook` while $ROOT/import-fails exists; pip's install of the requirements removes that
# file (a repaired environment), unless $ROOT/import-always-fails exists.
STUBS = {
    "python3": r"""
echo "python3 $*" >> "$LOG"
[ "$*" = "-c import ensurepip" ] && [ -e "$ROOT/no-ensurepip" ] && exit 1
if [ "$1" = -m ] && [ "$2" = venv ]; then
  for arg in "$@"; do [ "$arg" = --clear ] && rm -rf .venv; done
  mkdir -p .venv/bin && cp "$STUBS/venv-python" .venv/bin/python && cp "$STUBS/pip" .venv/bin/pip
fi
""",
    "venv-python": r"""
if [ "$*" != "-c " ]; then echo "python $*" >> "$LOG"; fi
case "$*" in
  *"import torch, nnbook"*)
    [ -e "$ROOT/import-fails" ] || [ -e "$ROOT/import-always-fails" ] && exit 1
    echo "torch 2.14.1" ;;
esac
exit 0
""",
    "pip": r"""
echo "pip $*" >> "$LOG"
case "$*" in *"-r requirements.txt"*) rm -f "$ROOT/import-fails" ;; esac
""",
    "npm": r"""
echo "npm $*" >> "$LOG"
prefix=$3; spec=${!#}; name=${spec%@*}; version=${spec##*@}
mkdir -p "$prefix/node_modules/$name"
echo "{\"name\": \"$name\", \"version\": \"$version\"}" > "$prefix/node_modules/$name/package.json"
""",
    "node": 'echo "node $*" >> "$LOG"',
    "apt-get": 'echo "apt-get $*" >> "$LOG"',
    "id": "echo 0",  # as root, whoever runs the tests: apt-get is a stand-in too
}


@pytest.fixture
def sandbox(tmp_path):
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    for name in ("scripts/install.sh", "requirements.txt", "pyproject.toml"):
        shutil.copy(REPO / name, root / name)
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for name, body in STUBS.items():
        (stubs / name).write_text(f"#!/usr/bin/env bash\n{body.lstrip()}")
        (stubs / name).chmod(0o755)
    log = tmp_path / "log"

    def run() -> tuple[int, list[str], str]:
        log.write_text("")
        env = {"PATH": f"{stubs}:/usr/bin:/bin", "LOG": str(log), "STUBS": str(stubs),
               "ROOT": str(root), "HOME": str(tmp_path)}
        done = subprocess.run(["bash", str(root / "scripts" / "install.sh")], env=env,
                              capture_output=True, text=True, timeout=60)
        return done.returncode, log.read_text().splitlines(), done.stdout

    run.root = root
    code, _, _ = run()  # a fresh machine: everything is installed once
    assert code == 0
    return run


def test_a_second_run_installs_nothing(sandbox):
    code, log, out = sandbox()
    assert code == 0 and "[install] ok: torch 2.14.1" in out
    assert not [line for line in log if line.startswith(("pip", "npm", "python3 -m venv"))]


def test_a_missing_interpreter_is_made_again_from_scratch_despite_the_stamp(sandbox):
    (sandbox.root / ".venv" / "bin" / "python").unlink()
    code, log, _ = sandbox()
    assert code == 0 and "python3 -m venv --clear .venv" in log
    assert any("-r requirements.txt" in line for line in log)


def test_a_venv_that_cannot_import_torch_and_nnbook_is_repaired_despite_the_stamp(sandbox):
    (sandbox.root / "import-fails").touch()
    code, log, out = sandbox()
    assert code == 0 and "python3 -m venv .venv" in log and "[install] ok" in out
    assert any("-r requirements.txt" in line for line in log)


def test_a_deleted_node_modules_is_installed_again_despite_the_stamp(sandbox):
    shutil.rmtree(sandbox.root / ".tools" / "katex" / "node_modules")
    code, log, _ = sandbox()
    assert code == 0
    assert [line.split()[-1].rsplit("@", 1)[0] for line in log if line.startswith("npm")] == [
        "katex"]


def test_the_last_check_fails_the_script(sandbox):
    (sandbox.root / "import-always-fails").touch()
    code, _, out = sandbox()
    assert code != 0 and "[install] ok" not in out


def test_python3_venv_is_installed_where_venv_cannot_work(sandbox):
    code, log, _ = sandbox()
    assert code == 0 and not any("python3-venv" in line for line in log)
    (sandbox.root / "no-ensurepip").touch()
    code, log, _ = sandbox()
    assert code == 0
    assert any(line.startswith("apt-get install") and "python3-venv" in line for line in log)

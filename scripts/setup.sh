#!/usr/bin/env bash
# Idempotent set-up of the two Python environments (see ARCHITECTURE: one HTTP boundary between them):
#   .venv       Python >= 3.11, the helpline itself (aiogram 3, SQLAlchemy 2, ...)
#   .venv-rasa  Python 3.10, rasa==3.6.21 only (Rasa 3.6 runs on Python <= 3.10)
# Each venv records a hash of what it was built from and is rebuilt only when that changes,
# so a second run takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

# python_between MIN MAX CANDIDATES...: print the first interpreter whose 3.x minor is in [MIN, MAX].
python_between() {
  local min=$1 max=$2 cand
  shift 2
  for cand in "$@"; do
    [ -n "$cand" ] || continue
    command -v "$cand" >/dev/null 2>&1 || [ -x "$cand" ] || continue
    if "$cand" -c "import sys; sys.exit(not ($min <= sys.version_info[1] <= $max and sys.version_info[0] == 3))" \
      >/dev/null 2>&1; then
      command -v "$cand" 2>/dev/null || echo "$cand"
      return 0
    fi
  done
  return 1
}

stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# pip on these machines warns about every local index it looks in; keep real errors only.
quiet_pip() { "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }

pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}

# --- the project venv -----------------------------------------------------------------------
want=$(stamp_of pyproject.toml)
if [ "$(cat .venv/.helpline-stamp 2>/dev/null)" != "$want" ]; then
  py=$(python_between 11 14 "${HELPLINE_PYTHON:-}" python3.12 python3.11 python3.13 python3 \
       "$pyenv_root"/versions/3.1[123]*/bin/python3) || {
    echo "setup: no Python 3.11+ found. Install one (e.g. 'pyenv install 3.11') or set HELPLINE_PYTHON." >&2
    exit 1
  }
  echo "setup: building .venv with $py"
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  quiet_pip .venv/bin/python -m pip install -q --upgrade pip
  quiet_pip .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" > .venv/.helpline-stamp
fi

# --- the Rasa venv --------------------------------------------------------------------------
want=$(stamp_of nlu/requirements.txt)
if [ "$(cat .venv-rasa/.helpline-stamp 2>/dev/null)" != "$want" ]; then
  py=$(python_between 10 10 "${RASA_PYTHON:-}" python3.10 "$pyenv_root"/versions/3.10*/bin/python3.10 \
       /usr/local/bin/python3.10 /usr/bin/python3.10) || {
    cat >&2 <<'MSG'
setup: Rasa 3.6 needs Python 3.10, and none was found (looked on PATH and under pyenv).
Install it, for example with pyenv:  pyenv install 3.10.13
(Debian 12 has no python3.10 package.) Or point RASA_PYTHON at a python3.10 binary.
MSG
    exit 1
  }
  echo "setup: building .venv-rasa with $py (rasa 3.6, a few minutes the first time)"
  [ -x .venv-rasa/bin/python ] || "$py" -m venv .venv-rasa
  quiet_pip .venv-rasa/bin/python -m pip install -q -r nlu/requirements.txt
  echo "$want" > .venv-rasa/.helpline-stamp
fi

# --- the NLU server's API token (var/rasa-token, 0600, git-ignored): Rasa answers only with it ---
.venv/bin/python -c "from nlu.rasa import auth_token; auth_token()"

# --- Debian packages the tests need, installed as root from the package registry when missing ---
apt_install() {  # PACKAGE WHAT-NEEDS-IT
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian's $1 (for $2)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  else
    echo "setup: $1 is missing and we are not root: 'sudo apt-get install $1' ($2 needs it)" >&2
  fi
}

# PostgreSQL: a throwaway cluster for tests/test_postgres.py (SQLite stays the default)
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_install postgresql tests/test_postgres.py
fi
# nginx in front of several webhook workers (deploy/nginx.conf), as tests/test_cluster_*.py run it
if [ ! -x /usr/sbin/nginx ]; then
  apt_install nginx tests/test_cluster_topology.py
fi
# Debian's chromium, driven by Playwright (which never downloads a browser here: no
# `playwright install`), for the review workspace's browser test
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium tests/test_review_browser.py
fi
# emoji in the screenshots of the README (`make screenshots`, tests/test_screenshots.py)
if [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then
  apt_install fonts-noto-color-emoji tests/screenshots.py
fi

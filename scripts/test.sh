#!/usr/bin/env bash
# Install the development dependencies and run every check: lint, types, the whole suite on
# SQLite, again on PostgreSQL, then the browser tests in headless Chromium.
#
#   TEST_DATABASE_URL  PostgreSQL for the second run (default: the local server, database
#                      commission_test, created if missing)
#   REQUIRE_POSTGRES=1 fail instead of skipping when PostgreSQL is unreachable (CI sets it)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'

# A CJK font too, so that screenshots of Chinese text show characters rather than boxes.
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || [ ! -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then
  echo "== installing Debian's chromium and a CJK font for the browser tests"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
fi

echo "== ruff, ruff format, mypy, the import rule"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy app tests
.venv/bin/python scripts/check_imports.py
.venv/bin/python scripts/build_css.py --check

PG_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/commission_test}"
if .venv/bin/python - "$PG_URL" <<'PY'
import sys
import psycopg
from sqlalchemy.engine import make_url
url = make_url(sys.argv[1])
try:
    psycopg.connect(host=url.host, port=url.port or 5432, user=url.username,
                    password=url.password, dbname="postgres", connect_timeout=3).close()
except Exception as error:
    print(f"PostgreSQL unreachable: {error}", file=sys.stderr)
    sys.exit(1)
PY
then
  HAVE_POSTGRES=1
elif [ "${REQUIRE_POSTGRES:-0}" = 1 ]; then
  echo "PostgreSQL is required here but unreachable at $PG_URL" >&2
  exit 1
else
  HAVE_POSTGRES=0
  echo "== PostgreSQL unreachable at $PG_URL: skipping the PostgreSQL run"
fi

# The SQLite and PostgreSQL runs go side by side (much of each is waiting on served apps and
# the network); each keeps its own databases, live-event scratch database and log.
LOGS="$(mktemp -d)"
PYTEST=(.venv/bin/pytest -q -p no:cacheprovider tests --ignore=tests/e2e)
LIVE_BASE="${LIVE_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/commission_live_test}"
if [ "$HAVE_POSTGRES" = 1 ]; then echo "== tests on SQLite and, side by side, on PostgreSQL"; else echo "== tests on SQLite"; fi
env -u TEST_DATABASE_URL LIVE_TEST_DATABASE_URL="$LIVE_BASE" "${PYTEST[@]}" \
  >"$LOGS/sqlite.log" 2>&1 &
SQLITE_RUN=$!
if [ "$HAVE_POSTGRES" = 1 ]; then
  TEST_DATABASE_URL="$PG_URL" LIVE_TEST_DATABASE_URL="${LIVE_BASE}_pg" "${PYTEST[@]}" \
    >"$LOGS/postgres.log" 2>&1 &
  POSTGRES_RUN=$!
fi
status=0
wait "$SQLITE_RUN" || status=1
echo "== tests on SQLite"; cat "$LOGS/sqlite.log"
if [ "$HAVE_POSTGRES" = 1 ]; then
  wait "$POSTGRES_RUN" || status=1
  echo "== tests on PostgreSQL"; cat "$LOGS/postgres.log"
fi
[ "$status" = 0 ] || { echo "the test suite failed (logs above)" >&2; exit 1; }

echo "== browser tests (headless Chromium)"
env -u TEST_DATABASE_URL .venv/bin/pytest -q -p no:cacheprovider tests/e2e

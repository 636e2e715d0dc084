#!/usr/bin/env bash
# Re-extract every marked string into translations/messages.pot and update each catalog.
# Run after changing user-facing text; tests/test_i18n.py fails while the template is stale.
# --ignore-dirs: Babel skips folders starting with "_" by default, which would leave out
# templates/_shared (the labels, forms and banners every page uses); only dot-folders are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
"$PYBABEL" extract -F babel.cfg -k N_ -k lazy --no-location --sort-output --ignore-dirs=".*" \
  --project=Commission --copyright-holder="Commission developers" \
  -o translations/messages.pot . >/dev/null
for catalog in translations/*/LC_MESSAGES/messages.po; do
  [ -e "$catalog" ] || continue
  "$PYBABEL" update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete >/dev/null
  break
done
# The app compiles each catalog in memory when it first needs it (app/i18n.py): no .mo file is
# written, only each catalog's statistics shown (how many messages are translated).
for catalog in translations/*/LC_MESSAGES/messages.po; do
  [ -e "$catalog" ] || continue
  locale="$(basename "$(dirname "$(dirname "$catalog")")")"
  "$PYBABEL" compile -i "$catalog" -l "$locale" -o /dev/null --statistics 2>&1 | grep -v "^$" || true
done

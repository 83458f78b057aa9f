#!/usr/bin/env bash
# The project's test command: tier 1 (engine + static checks of the addons, no Odoo
# needed), then tier 2 (the addons' own tests on a real Odoo 19) where an Odoo is found.
# See README.md, "Tests".
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"

echo "== lint (ruff)"
LINT=()
for d in invplan tests benchmarks tools addons; do [ -d "$d" ] && LINT+=("$d"); done
"$PY" -m ruff check "${LINT[@]}"
"$PY" -m ruff format --check "${LINT[@]}"

echo "== tier 1 (pytest tests/)"
"$PY" -m pytest tests/ -q -p no:cacheprovider

echo "== tier 2 (Odoo addons)"
"$PY" tools/tier2.py

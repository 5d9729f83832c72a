#!/usr/bin/env bash
# Benchmarks remodel against Django and Alembic (issue 7): builds remodel and
# the runner in release mode, installs the pinned peers into bench/.venv on
# first use, and prints one Markdown table (also saved to bench/.work/results.md).
#
#   bench/run.sh                                   # sizes 10,100,1000, 5 runs
#   bench/run.sh --sizes 10,100 --runs 3           # any option of `remodel-bench run`
#   bench/run.sh --skip-slow                       # leave out Django's migrate at 1,000 models
#   bench/run.sh --postgres postgres://user@host:5432/postgres   # or --no-postgres
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run -q --release -p remodel-bench -- run "$@"

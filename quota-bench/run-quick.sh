#!/usr/bin/env bash
# Quick profile: at most 15 minutes on 2 cores. Writes docs/benchmarks.md and docs/bench-results/*.json.
exec bash "$(dirname "$0")/run.sh" quick

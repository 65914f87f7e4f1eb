#!/usr/bin/env bash
# Full profile: every workload of the issue (1,000,000 keys, all limiters, more iterations); about 2 hours.
exec bash "$(dirname "$0")/run.sh" full

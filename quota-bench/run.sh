#!/usr/bin/env bash
# Builds the benchmarks and runs one profile: quick (at most 15 minutes on 2 cores) or full.
# Writes docs/benchmarks.md and the raw JSON under docs/bench-results/.
#
# Redis workloads use a private redis-server on a spare port (pinned to the last core, the load
# generator to the others when there are at least 2), so other Redis users neither disturb nor are
# disturbed by the measurements, and INFO commandstats / used_memory count only this run. If no
# redis-server binary is installed, they fall back to 127.0.0.1:6379 under their own key prefix.
#
# The HTTP workload starts the server's fat jar (built here when missing or older than the sources)
# pinned to core 0, and wrk (installed here when missing) pinned to the last core. The ledger
# workload uses the local PostgreSQL (QUOTA_BENCH_POSTGRES_URL, default the test database as
# postgres) in a schema of its own that it drops afterwards.
set -euo pipefail
profile="${1:?usage: run.sh quick|full}"
cd "$(dirname "$0")/.."
root="$(pwd)"
script_started="$(date +%s)"

if ! command -v wrk >/dev/null 2>&1; then
  if [[ "$(id -u)" -eq 0 ]]; then apt-get install -y wrk; else sudo apt-get install -y wrk; fi
fi

mvn -q -B -DskipTests install -pl quota-bench -am
server_jar="$root/quota-server/target/quota-server.jar"
if [[ ! -f "$server_jar" ]] || [[ -n "$(find quota-core/src/main quota-redis/src/main quota-jdbc/src/main quota-server/src/main -newer "$server_jar" -type f -print -quit)" ]]; then
  mvn -q -B package -DskipTests -pl quota-server -am
fi

results="$root/docs/bench-results"
mkdir -p "$results"
rm -f "$results"/*.json

cores="$(nproc)"
redis_port=""
redis_pid=""
copies=""
cleanup() {
  if [[ -n "$copies" ]]; then rm -rf "$copies"; fi
  if [[ -n "$redis_pid" ]]; then
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || kill "$redis_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

pin_client=()
pinning="none"
http_server_core=0
http_wrk_core=0
redis_note="127.0.0.1:6379 (shared), keys under the prefix bench:"
redis_host=127.0.0.1
redis_port_used=6379
if command -v redis-server >/dev/null 2>&1; then
  for p in $(seq 6390 6420); do
    if ! (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then redis_port=$p; break; fi
  done
  server_cmd=(redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize no)
  if [[ "$cores" -ge 2 ]] && command -v taskset >/dev/null 2>&1; then
    last=$((cores - 1))
    taskset -c "$last" "${server_cmd[@]}" >"$root/quota-bench/target/redis-bench-server.log" 2>&1 &
    pin_client=(taskset -c "0-$((last - 1))")
    http_wrk_core=$last
    pinning="redis-server on core $last, benchmark JVMs on cores 0-$((last - 1)) (Redis workloads); HTTP: quota-server on core 0, wrk on core $last (with redis-server); local JMH and ledger workloads unpinned"
  else
    "${server_cmd[@]}" >"$root/quota-bench/target/redis-bench-server.log" 2>&1 &
  fi
  redis_pid=$!
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis_port_used=$redis_port
  redis_note="private redis-server $(redis-server --version | awk '{print $3}' | sed 's/v=//') on 127.0.0.1:$redis_port, no persistence"
fi

command_line="bash quota-bench/run-$profile.sh"
java_opts=(-Xms2g -Xmx4g
  "-Dbench.command=$command_line"
  "-Dbench.commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git status --porcelain -- quota-core quota-redis quota-jdbc quota-server 2>/dev/null | grep -q . && echo ' (built with uncommitted changes in the measured modules)' || true)"
  "-Dbench.redis.host=$redis_host" "-Dbench.redis.port=$redis_port_used"
  "-Dbench.redis.note=$redis_note" "-Dbench.pinning=$pinning"
  "-Dbench.scriptStarted=$script_started"
  "-Dbench.http.serverCore=$http_server_core" "-Dbench.http.wrkCore=$http_wrk_core"
  "-Dbench.postgres.url=${QUOTA_BENCH_POSTGRES_URL:-jdbc:postgresql://127.0.0.1:5432/test?user=postgres}")
# Run from a copy, so a rebuild during the run cannot change the code under measurement.
copies="$(mktemp -d)"
jar="$copies/benchmarks.jar"
cp "$root/quota-bench/target/benchmarks.jar" "$jar"
cp "$server_jar" "$copies/quota-server.jar"
java_opts+=("-Dbench.server.jar=$copies/quota-server.jar")
log="$root/quota-bench/target/bench-$profile.log"

# Local workloads first, unpinned (JMH wants both cores for the 2-thread runs) ...
java "${java_opts[@]}" -cp "$jar" dev.quota.bench.BenchMain "$profile" "$results" "$root/docs/benchmarks.md" \
  only=local,decision,accuracy,heap 2>&1 | tee "$log"
# ... then Redis, with the client pinned away from the server ...
"${pin_client[@]}" java "${java_opts[@]}" -cp "$jar" dev.quota.bench.BenchMain "$profile" "$results" "$root/docs/benchmarks.md" \
  only=redis 2>&1 | tee -a "$log"
# ... then HTTP (the server and wrk pin themselves) and the ledger; this step writes the final report.
java "${java_opts[@]}" -cp "$jar" dev.quota.bench.BenchMain "$profile" "$results" "$root/docs/benchmarks.md" \
  only=http,ledger 2>&1 | tee -a "$log"

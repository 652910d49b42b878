#!/usr/bin/env bash
# Runs every test of CredBroker against a real redis-server, the way CI does.
#   bash tests/run.sh [extra dotnet test arguments]
# Installs redis-server, docker-compose (for the compose-file test) and curl (for the README's
# token-endpoint example) when missing, starts redis-server on a free loopback port for this run
# only, points the tests at it (CREDBROKER_TEST_REDIS), stops it afterwards, and ends with
# one line "N passed, N failed" counted from the test results (trx files).
set -uo pipefail
cd "$(dirname "$0")/.."

# What the tests run besides dotnet: command -> Debian package.
missing=()
for pair in redis-server:redis-server docker-compose:docker-compose curl:curl; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing Debian packages the tests need: ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >&2 || {
        echo "could not install ${missing[*]}" >&2
        exit 1
    }
fi

redis_dir="$(mktemp -d)"
results="$(mktemp -d)"
redis_pid=""
cleanup() {
    if [ -n "$redis_pid" ]; then
        kill "$redis_pid" 2>/dev/null
        wait "$redis_pid" 2>/dev/null
    fi
    rm -rf "$redis_dir" "$results"
}
trap cleanup EXIT

# A free port: try random ones until a redis-server stays up and answers PING.
for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 20000))
    redis-server --bind 127.0.0.1 --port "$port" --dir "$redis_dir" --save "" \
        --appendonly yes --appendfsync always --maxmemory-policy noeviction \
        --daemonize no --loglevel warning >"$redis_dir/redis.log" 2>&1 &
    redis_pid=$!
    for _ in $(seq 1 50); do
        if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then break 2; fi
        kill -0 "$redis_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; redis_pid=""
done
if [ -z "$redis_pid" ]; then
    echo "could not start redis-server on a loopback port" >&2
    cat "$redis_dir/redis.log" >&2
    exit 1
fi
export CREDBROKER_TEST_REDIS="127.0.0.1:$port"
echo "redis-server for the tests: $CREDBROKER_TEST_REDIS" >&2

# A hung test fails the run after 5 minutes instead of using up the CI budget.
dotnet test CredBroker.sln --configuration Release --logger "trx" --results-directory "$results" --blame-hang-timeout 5m "$@"
status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
    p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
    f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
done

echo "$passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    exit 1
fi

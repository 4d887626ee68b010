#!/usr/bin/env bash
# The API contract, checked from outside: starts drop-local (built binaries, a fresh data dir, a
# free port, schedules paused, rate limits raised), signs a user in and onboards them, then runs
# schemathesis `--checks all` over the served OpenAPI document. Any failure fails the run.
# Usage: tests/contract.sh <venv with schemathesis>   (tests/run.sh calls it)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-.venv}
TARGET=${CARGO_TARGET_DIR:-target}
DATA=$(mktemp -d)
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
env -u AWS_ENDPOINT_URL DROP_LOCAL_ADDR="127.0.0.1:$PORT" DROP_DB_PATH="$DATA/local.db" DROP_KEY_FILE="$DATA/keys.json" \
  DROP_LOCAL_SCHEDULES=off RATE_LIMIT_PER_IP=1000000 RATE_LIMIT_PER_USER=1000000 RATE_LIMIT_LOGIN_PER_IP=1000000 \
  RATE_LIMIT_VERIFY_PER_IP=1000000 RATE_LIMIT_VERIFY_PER_USER=1000000 \
  "$TARGET/debug/drop-local" > "$DATA/stack.log" 2>&1 &
STACK=$!
trap 'kill $STACK 2>/dev/null || true; cp "$DATA/stack.log" target/contract-stack.log 2>/dev/null; rm -rf "$DATA"' EXIT
up=""
for _ in $(seq 1 150); do
  if "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('$BASE/api/health')" 2>/dev/null; then up=1; break; fi
  sleep 0.2
done
if [ -z "$up" ]; then echo "drop-local did not start:"; cat "$DATA/stack.log"; exit 1; fi
DROP_ST_TOKEN=$("$VENV/bin/python" tests/contract_login.py "$BASE")
export DROP_ST_TOKEN
# Deterministic generation: the same cases every run, so a red run is reproducible.
"$VENV/bin/schemathesis" --config-file tests/schemathesis.toml run "$BASE/api/openapi.json" \
  --checks all --generation-deterministic --max-examples 30 --workers 1 --no-color \
  --report junit --report-dir target/contract-report

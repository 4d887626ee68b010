#!/usr/bin/env bash
# Drop's test command: installs what it needs (a Python venv with moto[server], cfn-lint and
# schemathesis), starts moto's server as the AWS peer, then runs fmt, clippy, cfn-lint and every
# test on both the embedded and the AWS adapters, then the API contract (schemathesis against
# drop-local). Prints the test runner's summary last.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
# CI builds once from clean: incremental artifacts would only take disk (the CI machine's disk is
# shared with the session's own target/, and once ran out).
export CARGO_INCREMENTAL=0
PY_DEPS=("moto[server]==5.2.5" "cfn-lint==1.51.0" "schemathesis==4.32.5")
step() { printf '\n== %s\n' "$*"; }

step "python tools (${PY_DEPS[*]})"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
want="${PY_DEPS[*]}"
if [ "$(cat "$VENV/.drop-deps" 2>/dev/null)" != "$want" ]; then
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_DEPS[@]}"
  echo "$want" > "$VENV/.drop-deps"
fi

step "chromium and chromium-driver (Debian) for the console's browser test"
if [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver > /dev/null
fi
/usr/bin/chromium --version

step "moto server"
PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p target
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" > target/moto.log 2>&1 &
MOTO=$!
trap 'kill $MOTO 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/moto-api/')" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=eu-north-1 AWS_DEFAULT_REGION=eu-north-1
echo "moto at $AWS_ENDPOINT_URL"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cfn-lint template.yaml"
"$VENV/bin/cfn-lint" template.yaml

# One feature resolution for the build, the tests and least-privilege: building bins and tests of
# the whole workspace resolves features exactly as `cargo test --workspace` does, so the test step
# compiles no dependency a second time (a narrower `-p` build resolved differently and built the
# AWS SDK twice).
step "build the Lambda binaries, drop-local and the tests"
cargo build --locked --workspace --bins --tests

# The AWS halves are #[ignore = "needs moto: tests/run.sh"]: a plain `cargo test` reports them
# as ignored; here they run (and fail without moto).
step "cargo test --include-ignored (SQLite and DynamoDB/KMS/SQS/EventBridge/S3 on moto), recording each function's AWS actions"
export DROP_RECORD_AWS_CALLS="$PWD/target/aws-calls"
rm -rf "$DROP_RECORD_AWS_CALLS"
set +e
cargo test --workspace --locked --no-fail-fast -- --include-ignored 2>&1 | tee target/test.log
status=${PIPESTATUS[0]}

step "least privilege: every policy in template.yaml allows exactly what its function did"
"${CARGO_TARGET_DIR:-target}/debug/least-privilege" 2>&1 | tee -a target/test.log
[ "${PIPESTATUS[0]}" = 0 ] || status=1
unset DROP_RECORD_AWS_CALLS

step "API contract: schemathesis --checks all against drop-local (tests/contract.sh)"
if tests/contract.sh "$VENV" 2>&1 | tee target/contract.log; then
  echo "test result: ok. 1 passed; 0 failed; (API contract)" >> target/test.log
else
  echo "test result: FAILED. 0 passed; 1 failed; (API contract)" >> target/test.log
  status=1
fi
set -e
echo
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "summary: %d passed, %d failed\n", p, f }' target/test.log
exit "$status"

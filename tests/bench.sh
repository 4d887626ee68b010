#!/usr/bin/env bash
# Drop's cold-start benchmark: release build of every Lambda binary and a hello-world Lambda in the
# same run, then each spawned N times (default 11) under the Runtime API emulator. Names after N
# measure only those functions (`bash tests/bench.sh 11 health payment-confirm`).
# With AWS_ENDPOINT_URL set (moto) the functions use the AWS adapters.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p drop-functions --bins -p drop-tests --bin hello-lambda --bin drop-bench
exec target/release/drop-bench "${1:-11}" "${@:2}"

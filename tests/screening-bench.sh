#!/usr/bin/env bash
# Screening benchmark: Drop's matcher over 250,000 synthetic names (release build of the small
# domain crate), then nomenklatura's logic-v1 on the same candidate pairs for speed and agreement.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
cargo run -q --release --locked -p drop-domain --example screening_bench -- target/screening-pairs.json
VENV=target/nomenklatura-venv
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install -q --disable-pip-version-check "nomenklatura==4.17.4"
"$VENV/bin/python" tests/screening_nomenklatura.py target/screening-pairs.json

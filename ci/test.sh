#!/usr/bin/env bash
# The whole test suite once per backend this host can run: the native one,
# then the generic POSIX backend forced with --cfg pmv_backend="posix".
# Cross-filesystem tests need a second file system: PMV_TEST_OTHER_FS
# (default /dev/shm); under CI=true its absence fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test (native backend)"
cargo test --locked

echo "== cargo test (forced posix backend)"
RUSTFLAGS="${RUSTFLAGS:-} --cfg pmv_backend=\"posix\"" CARGO_TARGET_DIR=target/posix \
    cargo test --locked

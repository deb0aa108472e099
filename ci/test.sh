#!/usr/bin/env bash
# The whole test suite once per backend this host can run: the native one,
# then the generic POSIX backend forced with --cfg pmv_backend="posix".
# Cross-filesystem tests need a second file system: PMV_TEST_OTHER_FS
# (default /dev/shm); under CI=true its absence fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

# `bash ci/test.sh posix` runs only the second (.ci/run has run the first
# as the README's test command). The long loops of tests/both_ends.rs run
# in full for the native backend, shortened (PMV_TEST_QUICK) for posix.
if [ "${1:-}" != posix ]; then
    echo "== cargo test (native backend)"
    cargo test --locked
fi

echo "== cargo test (forced posix backend)"
RUSTFLAGS="${RUSTFLAGS:-} --cfg pmv_backend=\"posix\"" CARGO_TARGET_DIR=target/posix \
    PMV_TEST_QUICK="${PMV_TEST_QUICK:-1}" cargo test --locked

#!/usr/bin/env bash
# Formatting, clippy and rustdoc, warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps

# The declared rust-version, verified: the library and both programs build
# with it (the test suite's proptest needs a newer compiler).
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
rustup toolchain install "$msrv" --profile minimal >/dev/null
CARGO_TARGET_DIR=target/msrv cargo "+$msrv" build --locked --lib --bins

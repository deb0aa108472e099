#!/usr/bin/env bash
# Formatting, clippy and rustdoc, warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --all -- --check
cargo clippy --locked --workspace --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps

# The library alone (`default-features = false`, no `cli`): it builds and
# lints clean, its documented examples run, and it depends on nothing but
# rustix, cfg-if and libc (and what they depend on).
cargo clippy --locked --lib --no-default-features -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --no-default-features
cargo test --locked --no-default-features --doc
pkg=$(sed -n 's/^name = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
direct=$(cargo tree --locked -p "$pkg" --no-default-features -e normal --depth 1 --prefix none --format '{p}' |
    tail -n +2 | cut -d' ' -f1 | sort -u | tr '\n' ' ')
if [ "$direct" != "cfg-if libc rustix " ]; then
    echo "lint: the library without 'cli' depends on: $direct(want cfg-if libc rustix)" >&2
    exit 1
fi
if cargo tree --locked -p "$pkg" --no-default-features -e normal --prefix none |
    grep -E '^(clap|indicatif|console|terminal_size)\b'; then
    echo "lint: a command-line crate is in the library's dependency tree" >&2
    exit 1
fi
echo "lint: the library without 'cli' depends on $direct"

# The declared rust-version, verified: the library and both programs build
# with it (the test suite's proptest needs a newer compiler).
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
rustup toolchain install "$msrv" --profile minimal >/dev/null
CARGO_TARGET_DIR=target/msrv cargo "+$msrv" build --locked --lib --bins

#!/usr/bin/env bash
# Type-check and lint pmv for every OS it supports, from one Linux host:
#
#   - cargo check --all-targets and cargo clippy --all-targets -D warnings
#     for each target rustup ships a standard library for, and clippy of
#     the library alone (--no-default-features);
#   - cargo +nightly check -Zbuild-std for the targets it ships none for
#     (OpenBSD, DragonFly, Solaris);
#   - the generic POSIX backend forced on a foreign target.
#
#   bash ci/cross.sh
#
# Builds go to target/cross so that they never wait on the lock of the
# host's own build in target/.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/cross}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

stable_targets=(
    x86_64-unknown-freebsd
    x86_64-unknown-netbsd
    x86_64-unknown-illumos
    aarch64-apple-darwin
    x86_64-apple-darwin
    aarch64-linux-android
    x86_64-unknown-linux-musl
)
build_std_targets=(
    x86_64-unknown-openbsd
    x86_64-unknown-dragonfly
    x86_64-pc-solaris
)

step() { printf '\n== %s\n' "$*"; }
failed=()
run() {
    # Run one check; remember a failure and go on, so one run shows them all.
    if ! "$@"; then
        failed+=("$(printf '%q ' "$@")")
    fi
}

step "toolchains"
rustup component add clippy >/dev/null
rustup target add "${stable_targets[@]}"
if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
fi
rustup component add rust-src --toolchain nightly

for t in "${stable_targets[@]}"; do
    step "$t: check, clippy; clippy of the library without the cli feature"
    run cargo check --locked --all-targets --target "$t"
    run cargo clippy --locked --all-targets --target "$t" -- -D warnings
    run cargo clippy --locked --lib --no-default-features --target "$t" -- -D warnings
done

# No rustup standard library for these: build it from source. `test` is
# built too, so the test targets are checked as well. Warnings are errors
# here as well (cargo caps the lints of std's own crates).
for t in "${build_std_targets[@]}"; do
    step "$t: check (nightly, -Zbuild-std)"
    run env RUSTFLAGS="${RUSTFLAGS:-} -D warnings" CARGO_TARGET_DIR="$CARGO_TARGET_DIR/build-std" \
        cargo +nightly check --locked --all-targets --target "$t" \
        -Zbuild-std=std,panic_abort,test
done

# The generic backend on a system that has its own: what a port to an
# unknown unix compiles. Its own directory: RUSTFLAGS changes every hash.
step "x86_64-unknown-freebsd, forced posix backend: check, clippy"
posix_flags="${RUSTFLAGS:-} --cfg pmv_backend=\"posix\""
run env RUSTFLAGS="$posix_flags" CARGO_TARGET_DIR="$CARGO_TARGET_DIR/posix" \
    cargo check --locked --all-targets --target x86_64-unknown-freebsd
run env RUSTFLAGS="$posix_flags" CARGO_TARGET_DIR="$CARGO_TARGET_DIR/posix" \
    cargo clippy --locked --all-targets --target x86_64-unknown-freebsd -- -D warnings

if [ "${#failed[@]}" -gt 0 ]; then
    printf '\ncross: %d check(s) failed:\n' "${#failed[@]}" >&2
    printf '  %s\n' "${failed[@]}" >&2
    exit 1
fi
printf '\ncross: %d targets checked, all clean\n' \
    $((${#stable_targets[@]} + ${#build_std_targets[@]} + 1))

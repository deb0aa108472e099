#!/usr/bin/env bash
# Run the library's examples (examples/*.rs) as a user would, with
# `cargo run --example`, in a scratch directory, and check what each did:
# the symlink flipped, the name claimed once and refused the second time
# (also across file systems), the directories swapped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cargo build --locked --quiet --examples
run() { cargo run --locked --quiet --manifest-path "$root/Cargo.toml" --example "$@"; }
tmp=$(mktemp -d)
other=${PMV_TEST_OTHER_FS:-/dev/shm}
far=$(mktemp -d "$other/pmv-examples.XXXXXX")
trap 'rm -rf "$tmp" "$far"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p releases/1 releases/2
ln -s releases/1 current
run flip_release -- releases/2 current
[ "$(readlink current)" = releases/2 ] || fail "flip_release: current -> $(readlink current)"
ls -a | grep -q '^\.pmv-' && fail "flip_release left a private directory"

mkdir inbox
echo one >upload.tmp
run claim -- upload.tmp inbox/42
[ "$(cat inbox/42)" = one ] && [ ! -e upload.tmp ] || fail "claim did not move upload.tmp"
echo two >upload.tmp
rc=0; run claim -- upload.tmp inbox/42 || rc=$?
[ "$rc" = 1 ] && [ "$(cat inbox/42)" = one ] && [ "$(cat upload.tmp)" = two ] ||
    fail "claim replaced a taken name (rc $rc)"
echo far >"$far/upload"
run claim -- "$far/upload" inbox/43
[ "$(cat inbox/43)" = far ] && [ ! -e "$far/upload" ] || fail "claim across file systems"

mkdir site site.new
echo old >site/index; echo new >site.new/index
if run swap_dir -- site.new site; then
    [ "$(cat site/index)" = new ] && [ "$(cat site.new/index)" = old ] || fail "swap_dir did not swap"
else
    # Only where the system has no atomic exchange: then nothing changed.
    [ "$(cat site/index)" = old ] && [ "$(cat site.new/index)" = new ] || fail "swap_dir changed something"
    [ "$(uname -s)" != Linux ] || fail "swap_dir: Linux exchanges atomically"
fi
echo "examples: flip_release, claim and swap_dir do what they say"

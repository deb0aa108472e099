#!/usr/bin/env bash
# The package as crates.io would receive it: the manifest has what the
# registry and docs.rs need, the package holds what users and packagers
# need and nothing else, and `cargo publish --dry-run --locked` builds it
# from the packaged sources alone. Extra arguments go to cargo publish
# (`--allow-dirty` to try it on uncommitted changes).
set -euo pipefail
cd "$(dirname "$0")/.."

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# The manifest: every field the registry shows or docs.rs reads.
manifest=$(sed -n '/^\[package\]/,/^\[\[bin\]\]/p' Cargo.toml)
for field in name version edition rust-version license description readme repository \
    documentation keywords categories; do
    grep -q "^$field = " <<<"$manifest" || fail "Cargo.toml [package] has no $field"
done
grep -q '^\[package.metadata.docs.rs\]' <<<"$manifest" || fail "Cargo.toml has no [package.metadata.docs.rs]"
grep -q '^name = "pmv"' <(sed -n '/^\[lib\]/,/^\[/p' Cargo.toml) ||
    fail "the library is not named pmv ([lib] name)"
for bin in pmv pln; do
    grep -q "^name = \"$bin\"" <(sed -n '/^\[\[bin\]\]/,/^$/p' Cargo.toml) || fail "no binary $bin"
done
# The package name must be free on crates.io or ours; `pmv` there is another tool.
pkg=$(sed -n 's/^name = "\(.*\)"/\1/p' <<<"$manifest" | head -n 1)
[ "$pkg" != pmv ] || fail "the package is named pmv, which on crates.io is another tool"

# The contents: what is needed, and no build output, scratch or CI.
cargo package --locked --list "$@" >"${TMPDIR:-/tmp}/pmv-package.list"
list=$(cat "${TMPDIR:-/tmp}/pmv-package.list")
rm -f "${TMPDIR:-/tmp}/pmv-package.list"
for want in Cargo.toml Cargo.lock README.md LICENSE src/lib.rs src/bin/pmv.rs src/bin/pln.rs \
    platforms/mod.rs platforms/linux.rs platforms/posix.rs \
    share/man/man1/pmv.1 share/man/man1/pln.1 \
    share/bash-completion/completions/pmv share/zsh/site-functions/_pmv \
    share/fish/vendor_completions.d/pmv.fish tests/util/mod.rs; do
    grep -qx -- "$want" <<<"$list" || fail "the package lacks $want"
done
unwanted=$(grep -E '^(target|ci|\.ci|\.github|xtask)/|(^|/)\.pmv-|(^|/)(tmp|scratch)|\.(orig|rej|swp)$|~$' <<<"$list" |
    grep -vx 'Cargo.toml.orig' || true)
[ -z "$unwanted" ] || fail "the package holds files it should not: $unwanted"
echo "package $pkg: $(wc -l <<<"$list") files"

if [ "$failures" -gt 0 ]; then
    echo "package: $failures check(s) failed" >&2
    exit 1
fi

# Build the package from its own sources, as the registry would.
# Its own target directory: the packaged crate has the same package id as
# this checkout's, and building it in target/ would leave target/'s
# fingerprints pointing at target/package/'s copy of the sources, so that
# later builds here would not see edits to src/.
CARGO_TARGET_DIR="$PWD/target/publish-check" cargo publish --dry-run --locked "$@"
echo "package: $pkg would publish"

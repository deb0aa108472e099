#!/usr/bin/env bash
# Release archives: for each target, pmv and pln built in release mode, the
# man pages and completions (`cargo run -p xtask -- dist`), README.md and
# LICENSE, as pmv-VERSION-TARGET.tar.gz, plus SHA256SUMS; then every
# archive is checked: exactly the files listed below, binaries that are
# static (Linux), report the version, and flip a symlink (the aarch64 ones
# under qemu-user, set up by ci/qemu.sh).
#
#   bash ci/release.sh                     the Linux archives: x86_64 and aarch64, static musl
#   bash ci/release.sh TARGET...           others (.github/workflows/release.yml: macOS, FreeBSD)
#
# Archives go to target/release-archives (PMV_RELEASE_OUT overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${PMV_RELEASE_OUT:-$root/target/release-archives}
[ $# -gt 0 ] || set -- x86_64-unknown-linux-musl aarch64-unknown-linux-musl

# The version of the package whose manifest is ./Cargo.toml.
version=$(cargo pkgid --manifest-path Cargo.toml | sed 's/.*[#@]//')
case $version in [0-9]*.[0-9]*) ;; *) echo "release: no version in 'cargo pkgid': $version" >&2; exit 1 ;; esac

sha256() { # FILE...: sha256sum's format, on Linux, macOS and FreeBSD
    if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}
fail() { echo "release: $*" >&2; exit 1; }

# Cross linkers and qemu for the aarch64 Linux build, where this is not one.
for t in "$@"; do
    if [ "$t" = aarch64-unknown-linux-musl ] && [ "$(uname -m)" != aarch64 ]; then
        bash ci/qemu.sh --setup
        export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc
    fi
done

# target/static is shared with ci/rootfs.sh and ci/bench.sh: one build.
export CARGO_TARGET_DIR="$root/target/static"
rm -rf "$out"
mkdir -p "$out"
# The man pages and completions, laid out as under /usr/local/share (as
# share/ in the repository): `cp -R share/. /usr/local/share/` installs them.
dist="$CARGO_TARGET_DIR/dist/share"
rm -rf "$dist"
cargo run --locked --quiet -p xtask -- dist "$dist" >/dev/null
[ -s "$dist/man/man1/pmv.1" ] && [ -s "$dist/man/man1/pln.1" ] || fail "xtask dist wrote no man pages"

# A tree as one path a line, directories with a trailing slash, sorted.
listing() { # DIR ENTRY...
    (cd "$1" && shift && find "$@" | while IFS= read -r p; do
        if [ -d "$p" ]; then echo "$p/"; else echo "$p"; fi
    done | LC_ALL=C sort)
}
# What every archive holds under its top directory NAME.
expected() { # NAME
    {
        printf '%s\n' "$1/" "$1/LICENSE" "$1/README.md" "$1/pln" "$1/pmv"
        listing "$(dirname "$dist")" share | sed "s|^|$1/|"
    } | LC_ALL=C sort
}

for target in "$@"; do
    echo "== $target"
    rustup target add "$target" >/dev/null 2>&1 || true
    cargo build --release --locked --bins --quiet --target "$target"
    name="pmv-$version-$target"
    stage="$CARGO_TARGET_DIR/stage/$name"
    rm -rf "$stage"
    mkdir -p "$stage"
    cp "$CARGO_TARGET_DIR/$target/release/pmv" "$CARGO_TARGET_DIR/$target/release/pln" \
        README.md LICENSE "$stage/"
    cp -R "$dist" "$stage/share"
    chmod 755 "$stage/pmv" "$stage/pln"
    (cd "$stage/.." && tar -czf "$out/$name.tar.gz" "$name")

    # --- check what was packed, from the archive itself ---
    check="$CARGO_TARGET_DIR/check"
    rm -rf "$check"
    mkdir -p "$check"
    tar -xzf "$out/$name.tar.gz" -C "$check"
    got=$(listing "$check" "$name")
    want=$(expected "$name")
    [ "$got" = "$want" ] || fail "$name.tar.gz holds:
$got
expected:
$want"
    for f in pmv pln; do
        [ -x "$check/$name/$f" ] || fail "$name/$f is not executable"
        case $target in
        *-linux-*)
            readelf -h "$check/$name/$f" >/dev/null || fail "$name/$f is not an ELF file"
            ! readelf -l "$check/$name/$f" | grep -q 'Requesting program interpreter' ||
                fail "$name/$f is not statically linked"
            ! readelf -d "$check/$name/$f" 2>/dev/null | grep -q NEEDED ||
                fail "$name/$f needs shared libraries"
            ;;
        esac
        echo "   $f: $(file -b "$check/$name/$f" | cut -d, -f1-4)"
    done
    # Run it where this machine can: natively, or an aarch64 Linux binary
    # under qemu-user (binfmt_misc).
    runs=0
    case $target in
    "$(uname -m)"-*linux*) [ "$(uname -s)" = Linux ] && runs=1 ;;
    aarch64-unknown-linux-*) [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && runs=1 ;;
    *) [ "$(rustc -vV | sed -n 's/^host: //p')" = "$target" ] && runs=1 ;;
    esac
    if [ "$runs" = 1 ]; then
        v=$("$check/$name/pmv" --version | sed -n 1p)
        case $v in *"$version"*) ;; *) fail "$name/pmv --version says '$v', not $version" ;; esac
        (
            cd "$check"
            ln -s a current
            ln -s b current.new
            "./$name/pmv" -T current.new current
            [ "$(readlink current)" = b ] && [ ! -L current.new ] || fail "$name/pmv -T did not flip the link"
            "./$name/pln" -sfn c current
            [ "$(readlink current)" = c ] || fail "$name/pln -sfn did not flip the link"
        )
        echo "   runs: $v; flipped a symlink with pmv -T and pln -sfn"
    else
        echo "   (not run: a $target binary does not run here)"
    fi
    rm -rf "$check"
done

(cd "$out" && sha256 -- *.tar.gz >SHA256SUMS && sha256 -c SHA256SUMS >/dev/null) ||
    fail "SHA256SUMS does not verify"
echo
(cd "$out" && ls -l -- *.tar.gz SHA256SUMS && cat SHA256SUMS)
echo "release: $# archive(s) in $out, contents checked"

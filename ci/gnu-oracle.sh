#!/usr/bin/env bash
# A current GNU mv and ln (Debian trixie's coreutils) as the oracles for
# tests/differential.rs, without touching the system's own coreutils: the
# packages are downloaded with a private apt configuration, unpacked into
# target/gnu-oracle/root and run through trixie's own dynamic loader.
#
# Writes the wrappers target/gnu-oracle/mv and target/gnu-oracle/ln (the
# test finds ln beside mv) and prints the path of mv. If trixie cannot be
# had, the wrappers run the system's /usr/bin/mv and /usr/bin/ln instead
# (the differential test then applies its documented 9.1 differences to
# mv, and leaves ln out).
#
# Usage: bash ci/gnu-oracle.sh            (then: export PMV_GNU_MV=target/gnu-oracle/mv)
set -euo pipefail
cd "$(dirname "$0")/.."

out="$PWD/target/gnu-oracle"
root="$out/root"
apt_dir="$out/apt"
debs="$out/debs"
suite="${PMV_ORACLE_SUITE:-trixie}"
# The Debian archive this machine's apt already uses (not its security
# archive), unless PMV_ORACLE_MIRROR names one.
mirror="${PMV_ORACLE_MIRROR:-}"
arch="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
# coreutils and every library its binaries load (checked with ldd below).
packages=(coreutils libc6 libacl1 libattr1 libselinux1 libpcre2-8-0 libgmp10 libssl3t64 libcap2 libzstd1)

mkdir -p "$out"
wrapper="$out/mv"

write_wrapper() { # $1: program, $2: the command line that runs it ("$@" appended), $3: where from
    cat >"$out/$1.tmp" <<EOF
#!/bin/sh
# GNU $1 for the differential test ($3).
exec $2 "\$@"
EOF
    chmod +x "$out/$1.tmp"
    mv -f "$out/$1.tmp" "$out/$1"
}

fall_back() {
    echo "gnu-oracle: $1; falling back to the system's mv and ln ($(/usr/bin/mv --version | head -n1))" >&2
    write_wrapper mv /usr/bin/mv "system mv"
    write_wrapper ln /usr/bin/ln "system ln"
    echo "$wrapper"
    exit 0
}

loader_for() { # the dynamic loader path of this architecture, inside $root
    case "$arch" in
    amd64) echo "$root/lib64/ld-linux-x86-64.so.2" ;;
    arm64) echo "$root/lib/ld-linux-aarch64.so.1" ;;
    *) return 1 ;;
    esac
}

triplet() {
    case "$arch" in
    amd64) echo x86_64-linux-gnu ;;
    arm64) echo aarch64-linux-gnu ;;
    *) return 1 ;;
    esac
}

ldr="$(loader_for)" || fall_back "no loader known for $arch"
tri="$(triplet)"
libpath="$root/lib/$tri:$root/usr/lib/$tri"
run_line() { # $1: program
    echo "'$ldr' --argv0 $1 --library-path '$libpath' '$root/usr/bin/$1'"
}
write_wrappers() {
    write_wrapper mv "$(run_line mv)" "$suite coreutils"
    write_wrapper ln "$(run_line ln)" "$suite coreutils"
}

# Already unpacked by an earlier run: reuse it.
if [ -x "$root/usr/bin/mv" ] && [ -x "$root/usr/bin/ln" ] && [ -e "$ldr" ] &&
    "$ldr" --library-path "$libpath" "$root/usr/bin/mv" --version >/dev/null 2>&1; then
    write_wrappers
    "$wrapper" --version | head -n1 >&2
    echo "$wrapper"
    exit 0
fi

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || fall_back "no apt-get/dpkg-deb"
if [ -z "$mirror" ]; then
    mirror="$(apt-get indextargets --format '$(REPO_URI) $(ORIGIN)' 2>/dev/null |
        awk '$2 == "Debian" && $1 !~ /security/ { print $1; exit }')"
fi
[ -n "$mirror" ] || fall_back "no Debian archive in this machine's apt sources (set PMV_ORACLE_MIRROR)"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || fall_back "no Debian archive keyring"

rm -rf "$apt_dir" "$debs" "$root"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/etc/preferences.d" "$debs" "$root"
cat >"$apt_dir/etc/sources.list" <<EOF
deb [signed-by=$keyring] $mirror $suite main
EOF
touch "$apt_dir/status"
apt_opts=(
    -o "Dir::Etc::sourcelist=$apt_dir/etc/sources.list"
    -o "Dir::Etc::sourceparts=-"
    -o "Dir::Etc::preferencesparts=$apt_dir/etc/preferences.d"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::State::status=$apt_dir/status"
    -o "Dir::Cache=$apt_dir/cache"
    -o "Dir::Cache::archives=$apt_dir/cache/archives"
    -o "APT::Architecture=$arch"
    -o "APT::Architectures=$arch"
    -o "Acquire::Languages=none"
    -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" -qq update >&2 || fall_back "apt-get update for $suite failed"

(
    cd "$debs"
    for p in "${packages[@]}"; do
        apt-get "${apt_opts[@]}" -qq download "$p" >&2 || echo "gnu-oracle: no $p in $suite" >&2
    done
)
ls "$debs"/coreutils_*.deb >/dev/null 2>&1 || fall_back "could not download $suite's coreutils"
for deb in "$debs"/*.deb; do
    dpkg-deb -x "$deb" "$root"
done
# Debian trixie is merged-/usr: the packages' files are under usr/ and the
# loader's path /lib64 is a symlink on a real system, not in the package.
for d in lib lib64 bin sbin; do
    if [ ! -e "$root/$d" ] && [ -d "$root/usr/$d" ]; then
        ln -s "usr/$d" "$root/$d"
    fi
done
[ -e "$ldr" ] || fall_back "no loader at $ldr after unpacking"

# Every library mv needs must come from the prefix, not the system.
missing="$("$ldr" --library-path "$libpath" --list "$root/usr/bin/mv" 2>&1 | grep 'not found' || true)"
[ -z "$missing" ] || fall_back "libraries missing: $missing"
if "$ldr" --library-path "$libpath" --list "$root/usr/bin/mv" | grep -v "$root" | grep -q '=> /'; then
    echo "gnu-oracle: warning: some libraries come from the system:" >&2
    "$ldr" --library-path "$libpath" --list "$root/usr/bin/mv" | grep -v "$root" >&2
fi
"$ldr" --library-path "$libpath" "$root/usr/bin/mv" --version >/dev/null || fall_back "$suite's mv does not run"
"$ldr" --library-path "$libpath" "$root/usr/bin/ln" --version >/dev/null || fall_back "$suite's ln does not run"

write_wrappers
"$wrapper" --version | head -n1 >&2
echo "$wrapper"

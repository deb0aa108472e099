#!/usr/bin/env bash
# Speed, system calls, size and memory of pmv and pln, measured against the
# floor (a static C program that only calls rename(2)), BusyBox and GNU
# coreutils, with hyperfine. It reports, it does not judge: it fails only
# if a tool breaks (a build, a benchmarked command, hyperfine, strace).
#
#   bash ci/bench.sh
#
# Knobs: PMV_BENCH_RUNS (timed runs of each small command, default 1000),
# PMV_BENCH_TMPFS (the tmpfs to move from; default /dev/shm, else a tmpfs
# mounted for the run when root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS
runs=${PMV_BENCH_RUNS:-1000}
warmup=$((runs / 10))

# --- tools -----------------------------------------------------------------
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have hyperfine || missing+=(hyperfine)
have strace || missing+=(strace)
have busybox || missing+=(busybox-static)
have gcc || missing+=(gcc)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || [ -n "$(find /usr/lib /usr/lib64 -name libc.a -print -quit 2>/dev/null)" ] ||
    missing+=(libc6-dev)
have strip || missing+=(binutils)
have jq || missing+=(jq)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
mv --version 2>/dev/null | grep -q GNU || { echo "bench: 'mv' is not GNU coreutils" >&2; exit 1; }

# --- build -----------------------------------------------------------------
# The static musl build is the one to deploy (README, "Static binary"): no
# dynamic loader at start-up. PMV_BENCH_TARGET picks another target.
target=${PMV_BENCH_TARGET:-x86_64-unknown-linux-musl}
echo "== building pmv and pln (release, $target)"
export CARGO_TARGET_DIR="$root/target/bench"
rustup target add "$target" >/dev/null 2>&1 || true
cargo build --release --locked -p pmv --bins --quiet --target "$target"
pmv="$CARGO_TARGET_DIR/$target/release/pmv"
pln="$CARGO_TARGET_DIR/$target/release/pln"
bb=$(command -v busybox)
gnu_mv=$(command -v mv)
gnu_ln=$(command -v ln)

work=$(mktemp -d "$CARGO_TARGET_DIR/run.XXXXXX")
mounted=
mounted_ext4=
cleanup() {
    cd "$root"
    if [ -n "$mounted" ]; then $sudo umount "$mounted" || true; fi
    if [ -n "$mounted_ext4" ]; then $sudo umount "$mounted_ext4" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# The floors: what a C program pays for the same system calls and nothing
# else, linked statically so it has no loader cost either.
cat >"$work/rename.c" <<'EOF'
#include <stdio.h>
int main(int argc, char **argv) {
    return argc == 3 && rename(argv[1], argv[2]) == 0 ? 0 : 1;
}
EOF
cat >"$work/flip.c" <<'EOF'
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
    char tmp[4096];
    if (argc != 3) return 1;
    snprintf(tmp, sizeof tmp, "%s.%ld", argv[2], (long)getpid());
    if (symlink(argv[1], tmp) != 0) return 1;
    return rename(tmp, argv[2]) == 0 ? 0 : 1;
}
EOF
gcc -static -O2 -o "$work/crename" "$work/rename.c"
gcc -static -O2 -o "$work/cflip" "$work/flip.c"
strip "$work/crename" "$work/cflip"

q() { printf '%q' "$1"; }
ms() { awk -v s="$1" 'BEGIN { if (s >= 1) printf "%.2f s", s; else if (s >= 0.01) printf "%.0f ms", s * 1000; else printf "%.3f ms", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
mib() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.2f MiB", b / 1048576; else printf "%.0f KiB", b / 1024 }'; }
median_of() { jq -r --argjson i "$2" '.results[$i].median' "$1"; }

# Count every system call of a command, children included.
syscalls() {
    local out="$work/strace.out"
    strace -f -o "$out" "$@"
    grep -cvE '^([0-9]+ +)?(\+\+\+|---)|resumed>' "$out"
}

# --- the symlink flip: mv -T -----------------------------------------------
flip="$work/flip"
mkdir "$flip"
cd "$flip"
ln -s a z
# Each command must do the job before it is timed.
check() { # expected-target name command...
    local want=$1 name=$2
    shift 2
    "$@" || { echo "bench: $name failed" >&2; exit 1; }
    [ "$(readlink z)" = "$want" ] && [ ! -L z.new ] ||
        { echo "bench: $name did not replace z" >&2; exit 1; }
}
ln -sfn b0 z.new && check b0 "C rename" "$work/crename" z.new z
ln -sfn b1 z.new && check b1 "pmv -T" "$pmv" -T z.new z
ln -sfn b2 z.new && check b2 "busybox mv -T" "$bb" mv -T z.new z
ln -sfn b3 z.new && check b3 "GNU mv -T" "$gnu_mv" -T z.new z
echo "== hyperfine: replace the symlink z with z.new ($runs runs each)"
hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
    --prepare 'ln -sfn b z.new' \
    "$(q "$work/crename") z.new z" \
    "$(q "$pmv") -T z.new z" \
    "$(q "$bb") mv -T z.new z" \
    "$(q "$gnu_mv") -T z.new z" \
    --export-json "$work/mv.json"
mv_sys=()
ln -sfn b z.new; mv_sys+=("$(syscalls "$work/crename" z.new z)")
ln -sfn b z.new; mv_sys+=("$(syscalls "$pmv" -T z.new z)")
ln -sfn b z.new; mv_sys+=("$(syscalls "$bb" mv -T z.new z)")
ln -sfn b z.new; mv_sys+=("$(syscalls "$gnu_mv" -T z.new z)")
ln -sfn b z.new
pmv_rss=$(/usr/bin/time -v "$pmv" -T z.new z 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ { print $2 }')
ln -sfn b z.new
gnu_rss=$(/usr/bin/time -v "$gnu_mv" -T z.new z 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ { print $2 }')

# --- the symlink flip: ln -sfn ---------------------------------------------
check c0 "C symlink+rename" "$work/cflip" c0 z
check c1 "pln -sfn" "$pln" -sfn c1 z
check c2 "busybox ln -sfn" "$bb" ln -sfn c2 z
check c3 "GNU ln -sfn" "$gnu_ln" -sfn c3 z
echo "== hyperfine: point the symlink z elsewhere ($runs runs each)"
hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
    "$(q "$work/cflip") b z" \
    "$(q "$pln") -sfn b z" \
    "$(q "$bb") ln -sfn b z" \
    "$(q "$gnu_ln") -sfn b z" \
    --export-json "$work/ln.json"
ln_sys=()
ln_sys+=("$(syscalls "$work/cflip" b z)")
ln_sys+=("$(syscalls "$pln" -sfn b z)")
ln_sys+=("$(syscalls "$bb" ln -sfn b z)")
ln_sys+=("$(syscalls "$gnu_ln" -sfn b z)")
cd "$root"

# --- sizes -----------------------------------------------------------------
strip -o "$work/pmv.stripped" "$pmv"
strip -o "$work/pln.stripped" "$pln"
pmv_size=$(stat -c %s "$work/pmv.stripped")
pln_size=$(stat -c %s "$work/pln.stripped")
c_size=$(stat -c %s "$work/crename")
bb_size=$(stat -c %s "$(readlink -f "$bb")")
gnu_size=$(stat -c %s "$(readlink -f "$gnu_mv")")

# --- cross-filesystem: tmpfs to disk ---------------------------------------
# Source on a tmpfs. Destination: a fresh ext4 made for the run in an image
# file on the disk (root only), else the disk itself under target/. A fresh
# file system keeps the numbers free of what else the disk has been doing:
# ext4 skips recently deleted inodes when it allocates, so a tree move
# right after someone deleted many files can take ten times as long.
disk="$work/disk"
disk_fs="the disk under target/ ($(stat -f -c %T "$work"))"
if [ "$(id -u)" = 0 ] && have mkfs.ext4 && have losetup &&
    [ "$(df -Pk "$work" | awk 'NR == 2 { print $4 }')" -ge 6291456 ]; then
    truncate -s 4G "$work/ext4.img"
    mkdir "$work/ext4"
    if mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$work/ext4.img" &&
        mount -o loop "$work/ext4.img" "$work/ext4"; then
        mounted_ext4="$work/ext4"
        disk="$work/ext4/disk"
        disk_fs="a fresh ext4 in an image file on the disk"
    fi
fi
mkdir "$disk"
tmpfs=${PMV_BENCH_TMPFS:-}
other_fs() { # a tmpfs on another device than $disk with 2.5 GiB free
    [ -d "$1" ] && [ -w "$1" ] && [ "$(stat -f -c %T "$1")" = tmpfs ] &&
        [ "$(stat -c %d "$1")" != "$(stat -c %d "$disk")" ] &&
        [ "$(df -Pk "$1" | awk 'NR == 2 { print $4 }')" -ge 2621440 ]
}
if [ -z "$tmpfs" ] && other_fs /dev/shm; then
    tmpfs=/dev/shm
elif [ -z "$tmpfs" ] && [ "$(id -u)" = 0 ]; then
    mkdir "$work/tmpfs"
    if mount -t tmpfs -o size=3g tmpfs "$work/tmpfs"; then
        mounted="$work/tmpfs"
        tmpfs="$mounted"
    fi
fi
xdev_file="not available"
xdev_tree="not available"
xdev_note=""
if [ "$(df -Pk "$disk" | awk 'NR == 2 { print $4 }')" -lt 3145728 ]; then
    xdev_note="not available: less than 3 GiB free on the disk"
elif [ -n "$tmpfs" ] && other_fs "$tmpfs"; then
    src=$(mktemp -d "$tmpfs/pmv-bench.XXXXXX")
    trap 'rm -rf "$src"; cleanup' EXIT
    # Does this pmv move across file systems yet?
    xdev_ok() { # SRC DEST: 0 moved, 1 not supported yet, exit on any other failure
        local out
        if out=$("$pmv" "$@" 2>&1); then return 0; fi
        if grep -q 'Invalid cross-device link' <<<"$out"; then return 1; fi
        echo "bench: pmv $*: $out" >&2
        exit 1
    }
    echo probe >"$src/probe"
    mkdir -p "$src/probedir/sub" && echo x >"$src/probedir/sub/f"
    file_ok=0 tree_ok=0
    xdev_ok "$src/probe" "$disk/probe" && file_ok=1
    xdev_ok "$src/probedir" "$disk/probedir" && tree_ok=1
    rm -rf "$src/probe" "$src/probedir" "$disk/probe" "$disk/probedir"

    # Peak RSS in KiB of one move, with the source freshly prepared.
    rss() { # prepare-script command...
        local prep=$1
        shift
        bash "$prep"
        /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ { print $2 }'
    }
    # A run: hyperfine with a prepare script that recreates the source and
    # removes the destination, then flushes, so every run starts alike.
    xdev_bench() { # label runs prepare-script src dst json
        local label=$1 n=$2 prep=$3 from=$4 to=$5 json=$6
        echo "== hyperfine: $label, tmpfs -> disk ($n runs each)"
        hyperfine -N --style basic --runs "$n" --prepare "bash $(q "$prep")" \
            "$(q "$pmv") $(q "$from") $(q "$to")" \
            "$(q "$gnu_mv") $(q "$from") $(q "$to")" \
            --export-json "$json"
        bash "$prep"
        "$pmv" "$from" "$to"
        [ ! -e "$from" ] && [ -e "$to" ] || { echo "bench: pmv did not move $label" >&2; exit 1; }
    }

    if [ "$file_ok" = 1 ]; then
        head -c 1G /dev/urandom >"$src/master.bin"
        cat >"$work/prep-file.sh" <<EOF
rm -f $(q "$disk/big.bin")
cp $(q "$src/master.bin") $(q "$src/big.bin")
sync
EOF
        xdev_bench "1 GiB file" 3 "$work/prep-file.sh" "$src/big.bin" "$disk/big.bin" "$work/file.json"
        cmp "$src/master.bin" "$disk/big.bin" || { echo "bench: pmv corrupted the 1 GiB file" >&2; exit 1; }
        file_pmv=$(median_of "$work/file.json" 0)
        file_gnu=$(median_of "$work/file.json" 1)
        file_pmv_rss=$(rss "$work/prep-file.sh" "$pmv" "$src/big.bin" "$disk/big.bin")
        file_gnu_rss=$(rss "$work/prep-file.sh" "$gnu_mv" "$src/big.bin" "$disk/big.bin")
        xdev_file="$(ms "$file_pmv") | $(ms "$file_gnu") | $(ratio "$file_pmv" "$file_gnu") | $file_pmv_rss KiB | $file_gnu_rss KiB"
        rm -f "$src/master.bin" "$src/big.bin" "$disk/big.bin"
    fi
    if [ "$tree_ok" = 1 ]; then
        mkdir "$src/master"
        for d in $(seq -w 0 99); do
            mkdir "$src/master/d$d"
            for f in $(seq -w 0 99); do
                printf 'file %s/%s\n' "$d" "$f" >"$src/master/d$d/f$f"
            done
        done
        # The last destination is set aside, not deleted: ext4 scans past
        # recently deleted inodes when it allocates new ones, which would
        # make every run after the first pay for the one before.
        mkdir "$disk/old"
        cat >"$work/prep-tree.sh" <<EOF
[ ! -e $(q "$disk/tree") ] || mv $(q "$disk/tree") "\$(mktemp -d $(q "$disk/old/XXXXXX"))/"
rm -rf $(q "$src/tree")
cp -a $(q "$src/master") $(q "$src/tree")
sync
EOF
        xdev_bench "10,000-file tree" 5 "$work/prep-tree.sh" "$src/tree" "$disk/tree" "$work/tree.json"
        diff -r "$src/master" "$disk/tree" >/dev/null || { echo "bench: pmv moved the tree wrongly" >&2; exit 1; }
        tree_pmv=$(median_of "$work/tree.json" 0)
        tree_gnu=$(median_of "$work/tree.json" 1)
        tree_pmv_rss=$(rss "$work/prep-tree.sh" "$pmv" "$src/tree" "$disk/tree")
        tree_gnu_rss=$(rss "$work/prep-tree.sh" "$gnu_mv" "$src/tree" "$disk/tree")
        xdev_tree="$(ms "$tree_pmv") | $(ms "$tree_gnu") | $(ratio "$tree_pmv" "$tree_gnu") | $tree_pmv_rss KiB | $tree_gnu_rss KiB"
        rm -rf "$src/master" "$src/tree" "$disk/tree" "$disk/old"
    fi
    [ "$file_ok$tree_ok" = 11 ] || xdev_note="not available: pmv does not move across file systems yet"
else
    xdev_note="not available: no tmpfs on another device (set PMV_BENCH_TMPFS, or run as root)"
fi
[ "$xdev_file" = "not available" ] && xdev_file="not available | | | |"
[ "$xdev_tree" = "not available" ] && xdev_tree="not available | | | |"

# --- report ----------------------------------------------------------------
m=()
for i in 0 1 2 3; do m+=("$(median_of "$work/mv.json" "$i")"); done
l=()
for i in 0 1 2 3; do l+=("$(median_of "$work/ln.json" "$i")"); done
# yes if a <= factor * b
within() { awk -v a="$1" -v b="$2" -v f="${3:-1}" 'BEGIN { print (a + 0 <= f * b) ? "yes" : "no" }'; }

cat <<EOF

== results: $(uname -sr), $(nproc) CPUs, medians of $runs runs, $(date -u +%Y-%m-%d)

| median time | C floor (static) | pmv / pln | BusyBox | GNU | pmv / C floor | pmv / BusyBox | pmv / GNU |
|---|---|---|---|---|---|---|---|
| \`mv -T z.new z\` (symlink flip) | $(ms "${m[0]}") | $(ms "${m[1]}") | $(ms "${m[2]}") | $(ms "${m[3]}") | $(ratio "${m[1]}" "${m[0]}") | $(ratio "${m[1]}" "${m[2]}") | $(ratio "${m[1]}" "${m[3]}") |
| \`ln -sfn b z\` | $(ms "${l[0]}") | $(ms "${l[1]}") | $(ms "${l[2]}") | $(ms "${l[3]}") | $(ratio "${l[1]}" "${l[0]}") | $(ratio "${l[1]}" "${l[2]}") | $(ratio "${l[1]}" "${l[3]}") |

| system calls (strace -f) | C floor | pmv / pln | BusyBox | GNU |
|---|---|---|---|---|
| \`mv -T z.new z\` | ${mv_sys[0]} | ${mv_sys[1]} | ${mv_sys[2]} | ${mv_sys[3]} |
| \`ln -sfn b z\` | ${ln_sys[0]} | ${ln_sys[1]} | ${ln_sys[2]} | ${ln_sys[3]} |

| size | pmv | pln | C floor (static) | BusyBox (whole, static) | GNU mv (dynamic) |
|---|---|---|---|---|---|
| stripped binary | $(mib "$pmv_size") | $(mib "$pln_size") | $(mib "$c_size") | $(mib "$bb_size") | $(mib "$gnu_size") |

Peak RSS of \`mv -T z.new z\`: pmv $pmv_rss KiB, GNU mv $gnu_rss KiB.

| cross-filesystem move, tmpfs -> disk (median) | pmv | GNU mv | pmv / GNU | pmv peak RSS | GNU mv peak RSS |
|---|---|---|---|---|---|
| 1 GiB file (3 runs) | $xdev_file |
| 10,000-file tree (5 runs) | $xdev_tree |
EOF
echo
echo "(destination: $disk_fs)"
[ -z "$xdev_note" ] || echo "($xdev_note)"
cat <<EOF

Goals:
- pmv -T at most 1.1x the C floor: $(within "${m[1]}" "${m[0]}" 1.1) ($(ratio "${m[1]}" "${m[0]}"))
- pmv -T no slower than BusyBox mv -T: $(within "${m[1]}" "${m[2]}") ($(ratio "${m[1]}" "${m[2]}"))
- pmv -T at most 30 system calls: $(within "${mv_sys[1]}" 30) (${mv_sys[1]})
- pln -sfn no slower than BusyBox ln -sfn: $(within "${l[1]}" "${l[2]}") ($(ratio "${l[1]}" "${l[2]}"))
- stripped pmv at most 1 MiB: $(within "$pmv_size" 1048576) ($(mib "$pmv_size"))

bench.sh took $((SECONDS - started)) s
EOF

#!/usr/bin/env bash
# Speed, system calls, CPU, size and memory of pmv and pln, measured
# against the floor (a static C program that only makes the same system
# calls), BusyBox and GNU coreutils. It reports, it does not judge: it
# fails only if a tool breaks (a build, a benchmarked command, strace) or a
# move is wrong.
#
#   bash ci/bench.sh          (as root for the cross-filesystem part)
#
# Two builds of pmv are measured: the default install (what
# `cargo install --locked --path .` builds: dynamic glibc on Linux) and the
# static musl build (README, "Static binary").
#
# Method. This VM hands freed memory back to its host, so a tool that runs
# on freshly freed pages pays up to 2.5x per page touched: running all runs
# of one tool, then all of another, compares two different machines. So
# every comparison is one invocation of a small driver (rot.c below) that
# runs each tool once per round, the order rotated by one every round,
# with the preparation before each run (untimed), the check after it (a
# wrong move ends the benchmark), and some fresh memory touched and freed
# just before each timed run. It records wall time, user and system CPU
# and peak RSS of every run; the tables show minimum and median.
#
# Knobs: PMV_BENCH_RUNS (rounds of each start-up comparison, default 600),
# PMV_BENCH_TMPFS (the tmpfs to move from; default /dev/shm, else a tmpfs
# mounted for the run), PMV_BENCH_XDEV_ROUNDS (rounds of every
# cross-filesystem case; default 2 to 5 per case).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS
runs=${PMV_BENCH_RUNS:-600}
warmup=$((runs / 10))

# --- tools -----------------------------------------------------------------
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
have strace || missing+=(strace)
have busybox || missing+=(busybox-static)
have gcc || missing+=(gcc)
[ -n "$(find /usr/lib /usr/lib64 -name libc.a -print -quit 2>/dev/null)" ] || missing+=(libc6-dev)
have strip || missing+=(binutils)
have file || missing+=(file)
have mkfs.ext4 || missing+=(e2fsprogs)
have mkfs.xfs || missing+=(xfsprogs)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
mv --version 2>/dev/null | grep -q GNU || { echo "bench: 'mv' is not GNU coreutils" >&2; exit 1; }

# --- build -----------------------------------------------------------------
# The default install, exactly as the README's first command makes it, and
# the static musl build.
export CARGO_TARGET_DIR="$root/target/bench"
musl=x86_64-unknown-linux-musl
echo "== building pmv and pln: cargo install --locked --path . (default), and $musl"
rm -rf "$CARGO_TARGET_DIR/install"
cargo install --locked --path . --quiet --root "$CARGO_TARGET_DIR/install" --force
rustup target add "$musl" >/dev/null 2>&1 || true
# target/static is shared with ci/rootfs.sh and ci/release.sh: one build.
CARGO_TARGET_DIR="$root/target/static" cargo build --release --locked --bins --quiet --target "$musl"
pmv="$CARGO_TARGET_DIR/install/bin/pmv"
pln="$CARGO_TARGET_DIR/install/bin/pln"
spmv="$root/target/static/$musl/release/pmv"
spln="$root/target/static/$musl/release/pln"
bb=$(command -v busybox)
gnu_mv=$(command -v mv)
gnu_ln=$(command -v ln)
linkage() { # how a binary is linked, from file(1)'s words
    case "$(file -b "$1")" in
    *static-pie*) echo "static-pie" ;;
    *"statically linked"*) echo "static" ;;
    *) echo "dynamic" ;;
    esac
}

work=$(mktemp -d "$CARGO_TARGET_DIR/run.XXXXXX")
mounts=()
cleanup() {
    cd "$root"
    local m
    for m in "${mounts[@]}"; do $sudo umount "$m" 2>/dev/null || true; done
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
# The driver of every comparison (see the top).
cat >"$work/rot.c" <<'EOF'
/* rot OUT ROUNDS WARMUP TOUCH_MIB -- [PREP...] -- [CHECK...] -- NAME CMD... [-- NAME CMD...]...
 * Round r runs command (r + j) mod n as its j-th; before each run PREP,
 * then TOUCH_MIB MiB of fresh memory touched and freed; after it CHECK.
 * PREP and CHECK see the command's NAME in $ROT_TOOL. Appends
 * "NAME wall user sys maxrss_kib" per run after the first WARMUP rounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
static int run(char **argv, struct rusage *ru) {
    int status;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) { execvp(argv[0], argv); _exit(127); }
    if (wait4(pid, &status, 0, ru) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
static void touch(size_t mib) {
    size_t len = mib << 20;
    char *p;
    if (!len) return;
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    for (size_t i = 0; i < len; i += 4096) p[i] = 1;
    munmap(p, len);
}
static char **segment(char **argv, int *i, int argc) { /* argv[*i] up to the next "--" */
    char **start = &argv[*i];
    while (*i < argc && strcmp(argv[*i], "--")) (*i)++;
    if (*i < argc) argv[(*i)++] = NULL;
    return start[0] ? start : NULL;
}
int main(int argc, char **argv) {
    char **prep, **check, **cmd[64];
    int n = 0, i = 6;
    long rounds, warm;
    size_t mib;
    FILE *out;
    if (argc < 9 || strcmp(argv[5], "--")) { fprintf(stderr, "rot: bad usage\n"); return 2; }
    rounds = atol(argv[2]); warm = atol(argv[3]); mib = (size_t)atol(argv[4]);
    prep = segment(argv, &i, argc);
    check = segment(argv, &i, argc);
    while (i < argc && n < 64) {
        cmd[n] = segment(argv, &i, argc);
        if (!cmd[n] || !cmd[n][1]) { fprintf(stderr, "rot: a command without NAME or argv\n"); return 2; }
        n++;
    }
    if (!n || !(out = fopen(argv[1], "a"))) { fprintf(stderr, "rot: no commands, or %s\n", argv[1]); return 2; }
    for (long r = 0; r < warm + rounds; r++) {
        for (int j = 0; j < n; j++) {
            char **c = cmd[(r + j) % n];
            struct rusage ru, ignored;
            struct timespec a, b;
            int rc;
            setenv("ROT_TOOL", c[0], 1);
            if (prep && (rc = run(prep, &ignored)) != 0) {
                fprintf(stderr, "rot: the preparation failed (%d) before %s\n", rc, c[0]);
                return 1;
            }
            touch(mib);
            clock_gettime(CLOCK_MONOTONIC, &a);
            rc = run(c + 1, &ru);
            clock_gettime(CLOCK_MONOTONIC, &b);
            if (rc != 0) { fprintf(stderr, "rot: %s exited %d\n", c[0], rc); return 1; }
            if (check && (rc = run(check, &ignored)) != 0) {
                fprintf(stderr, "rot: %s did the job wrongly (check: %d)\n", c[0], rc);
                return 1;
            }
            if (r >= warm)
                fprintf(out, "%s %.9f %.6f %.6f %ld\n", c[0],
                        (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
                        ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
                        ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);
        }
        if (rounds >= 10 && (r + 1 - warm) % (rounds / 10 ? rounds / 10 : 1) == 0 && r >= warm) {
            fprintf(stderr, ".");
        }
    }
    fprintf(stderr, "\n");
    return fclose(out) == 0 ? 0 : 2;
}
EOF
gcc -O2 -Wall -Werror -o "$work/rot" "$work/rot.c"
gcc -static -O2 -o "$work/crename" "$work/rename.c"
gcc -static -O2 -o "$work/cflip" "$work/flip.c"
strip "$work/crename" "$work/cflip"

q() { printf '%q' "$1"; }
ms() { awk -v s="$1" 'BEGIN { if (s >= 1) printf "%.2f s", s; else if (s >= 0.01) printf "%.0f ms", s * 1000; else printf "%.3f ms", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mib() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.2f MiB", b / 1048576; else printf "%.0f KiB", b / 1024 }'; }
kib() { awk -v k="$1" 'BEGIN { printf "%.0f KiB", k }'; }
# yes if a <= factor * b, with the margin: "yes (0.84x; 16% under)"
goal() { # a b factor
    awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN {
        if (b <= 0) { print "n/a"; exit }
        r = a / b; d = (r / f - 1) * 100
        if (r <= f) printf "yes (%.2fx; %.0f%% under the goal)", r, -d
        else printf "NO (%.2fx; %.0f%% over the goal)", r, d }'
}
within() { # count limit
    if [ "$1" -le "$2" ]; then echo "yes ($1; $(($2 - $1)) under)"; else echo "NO ($1; $(($1 - $2)) over)"; fi
}

# stats FILE TOOL COLUMN: "min median" of one column (2 wall, 3 user, 4 sys,
# 5 peak RSS) of one tool's runs.
stats() {
    awk -v t="$2" -v c="$3" '$1 == t { print $c }' "$1" | sort -g |
        awk '{ v[NR] = $1 } END { if (!NR) { print "0 0"; exit }
            printf "%s %s\n", v[1], (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
minof() { stats "$@" | cut -d' ' -f1; }
medof() { stats "$@" | cut -d' ' -f2; }
nruns() { awk -v t="$2" '$1 == t' "$1" | wc -l; }

# Count every system call of a command, children included.
syscalls() {
    local out="$work/strace.out"
    strace -f -o "$out" "$@"
    grep -cvE '^([0-9]+ +)?(\+\+\+|---)|resumed>' "$out"
}

# Rows of the tables, filled in as the cases run.
time_rows=()  # | case | tool | runs | wall min | wall median | user | sys | peak RSS |
ratio_rows=() # | case | pmv build | / C floor | / BusyBox | / GNU | best peer | / best peer |
# time_rows_of CASE FILE TOOL...: a row per tool
time_rows_of() {
    local case=$1 file=$2 t
    shift 2
    for t in "$@"; do
        time_rows+=("| $case | $t | $(nruns "$file" "$t") | $(ms "$(minof "$file" "$t" 2)") | $(ms "$(medof "$file" "$t" 2)") | $(ms "$(medof "$file" "$t" 3)") | $(ms "$(medof "$file" "$t" 4)") | $(kib "$(medof "$file" "$t" 5)") |")
    done
}
# "min / median" of pmv's wall time over a peer's
rcell() { # file pmv-name peer-name
    echo "$(ratio "$(minof "$1" "$2" 2)" "$(minof "$1" "$3" 2)") / $(ratio "$(medof "$1" "$2" 2)" "$(medof "$1" "$3" 2)")"
}
# ratio_rows_of CASE FILE PMV FLOOR-or-"" BUSYBOX GNU
ratio_rows_of() {
    local case=$1 f=$2 p=$3 floor=$4 b=$5 g=$6 best cfloor
    if [ "$(awk -v a="$(medof "$f" "$b" 2)" -v c="$(medof "$f" "$g" 2)" 'BEGIN { print (a <= c) }')" = 1 ]; then
        best=$b
    else
        best=$g
    fi
    cfloor="—"
    [ -z "$floor" ] || cfloor=$(rcell "$f" "$p" "$floor")
    ratio_rows+=("| $case | $p | $cfloor | $(rcell "$f" "$p" "$b") | $(rcell "$f" "$p" "$g") | $best | **$(rcell "$f" "$p" "$best")** |")
}

# --- start-up: the symlink flip and ln -sfn --------------------------------
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
ln -sfn b2 z.new && check b2 "static pmv -T" "$spmv" -T z.new z
ln -sfn b3 z.new && check b3 "busybox mv -T" "$bb" mv -T z.new z
ln -sfn b4 z.new && check b4 "GNU mv -T" "$gnu_mv" -T z.new z
echo "== mv -T z.new z: $runs rounds after $warmup, five tools rotated"
"$work/rot" "$work/mvT" "$runs" "$warmup" 4 -- ln -sfn b z.new -- -- \
    "C-floor" "$work/crename" z.new z -- \
    "pmv" "$pmv" -T z.new z -- \
    "pmv-musl" "$spmv" -T z.new z -- \
    "BusyBox" "$bb" mv -T z.new z -- \
    "GNU" "$gnu_mv" -T z.new z
mv_sys=()
for c in "$work/crename" "$pmv -T" "$spmv -T" "$bb mv -T" "$gnu_mv -T"; do
    ln -sfn b z.new
    # shellcheck disable=SC2086 # a command and its options
    mv_sys+=("$(syscalls $c z.new z)")
done

check c0 "C symlink+rename" "$work/cflip" c0 z
check c1 "pln -sfn" "$pln" -sfn c1 z
check c2 "static pln -sfn" "$spln" -sfn c2 z
check c3 "busybox ln -sfn" "$bb" ln -sfn c3 z
check c4 "GNU ln -sfn" "$gnu_ln" -sfn c4 z
echo "== ln -sfn b z: $runs rounds after $warmup, five tools rotated"
"$work/rot" "$work/lnsfn" "$runs" "$warmup" 4 -- -- -- \
    "C-floor" "$work/cflip" b z -- \
    "pln" "$pln" -sfn b z -- \
    "pln-musl" "$spln" -sfn b z -- \
    "BusyBox" "$bb" ln -sfn b z -- \
    "GNU" "$gnu_ln" -sfn b z
ln_sys=()
for c in "$work/cflip" "$pln -sfn" "$spln -sfn" "$bb ln -sfn" "$gnu_ln -sfn"; do
    # shellcheck disable=SC2086
    ln_sys+=("$(syscalls $c b z)")
done
cd "$root"
mvT="\`mv -T z.new z\`"
lnsfn="\`ln -sfn b z\`"
time_rows_of "$mvT" "$work/mvT" C-floor pmv pmv-musl BusyBox GNU
time_rows_of "$lnsfn" "$work/lnsfn" C-floor pln pln-musl BusyBox GNU
ratio_rows_of "$mvT" "$work/mvT" pmv C-floor BusyBox GNU
ratio_rows_of "$mvT" "$work/mvT" pmv-musl C-floor BusyBox GNU
ratio_rows_of "$lnsfn" "$work/lnsfn" pln C-floor BusyBox GNU
ratio_rows_of "$lnsfn" "$work/lnsfn" pln-musl C-floor BusyBox GNU

# --- sizes -----------------------------------------------------------------
size_of() { strip -o "$work/stripped" "$1" && stat -c %s "$work/stripped"; }
pmv_size=$(size_of "$pmv")
spmv_size=$(size_of "$spmv")
spln_size=$(size_of "$spln")
c_size=$(stat -c %s "$work/crename")
bb_size=$(stat -c %s "$(readlink -f "$bb")")
gnu_size=$(stat -c %s "$(readlink -f "$gnu_mv")")

# --- across file systems ---------------------------------------------------
# Sources on a tmpfs (and, for one case, on ext4); destinations on a fresh
# ext4 or xfs in an image file on the disk, made anew before every run: ext4
# skips recently deleted inodes when it allocates, so a tree move right
# after another can take ten times as long.
xdev_started=$SECONDS
xdev_note=""
xdev_notes=()
xrounds=${PMV_BENCH_XDEV_ROUNDS:-}
tmpfs=${PMV_BENCH_TMPFS:-}
other_tmpfs() { # a tmpfs on another device than the disk, with 2.5 GiB free
    [ -d "$1" ] && [ -w "$1" ] && [ "$(stat -f -c %T "$1")" = tmpfs ] &&
        [ "$(stat -c %d "$1")" != "$(stat -c %d "$work")" ] &&
        [ "$(df -Pk "$1" | awk 'NR == 2 { print $4 }')" -ge 2621440 ]
}
if [ "$(id -u)" != 0 ]; then
    xdev_note="not available: needs root (loop-mounted images)"
elif [ "$(df -Pk "$work" | awk 'NR == 2 { print $4 }')" -lt 6291456 ]; then
    xdev_note="not available: less than 6 GiB free on the disk"
else
    if [ -z "$tmpfs" ] && other_tmpfs /dev/shm; then
        tmpfs=/dev/shm
    elif [ -z "$tmpfs" ]; then
        mkdir "$work/tmpfs"
        mount -t tmpfs -o size=3g tmpfs "$work/tmpfs"
        mounts+=("$work/tmpfs")
        tmpfs="$work/tmpfs"
    fi
    src=$(mktemp -d "$tmpfs/pmv-bench.XXXXXX")
    trap 'rm -rf "$src"; cleanup' EXIT
    truncate -s 2G "$work/ext4.img" "$work/xfs.img" "$work/ext4src.img"
    mkdir "$work/ext4" "$work/xfs" "$work/ext4src"
    disk="$work/ext4/d"
    # A prepare script: the file systems named made afresh (unmount, mkfs,
    # mount), the commands that make the source, then a flush.
    prep() { # script "fs..." source-commands...
        local script=$1 fs
        {
            echo "set -e"
            for fs in $2; do
                echo "umount $(q "$work/$fs") 2>/dev/null || true"
                case $fs in
                xfs) echo "mkfs.xfs -q -f $(q "$work/$fs.img")" ;;
                *) echo "mkfs.ext4 -q -F -N 150000 -E lazy_itable_init=0,lazy_journal_init=0 $(q "$work/$fs.img")" ;;
                esac
                echo "mount -o loop $(q "$work/$fs.img") $(q "$work/$fs")"
            done
            echo "mkdir -p $(q "$disk")"
            shift 2
            printf '%s\n' "$@" sync
        } >"$script"
    }
    mounts+=("$work/ext4" "$work/xfs" "$work/ext4src")
    # xrun KEY LABEL ROUNDS TOUCH-MIB PREP-SCRIPT CHECK-SCRIPT SRC DEST: pmv,
    # BusyBox and GNU mv, rotated, in one invocation of the driver, with as
    # much memory touched before each run as the move will take.
    xrun() {
        local key=$1 label=$2 n=$3 touch=$4 prep=$5 chk=$6 s=$7 d=$8
        echo "== $label: $n rounds of pmv, BusyBox and GNU mv, rotated"
        "$work/rot" "$work/$key" "$n" 0 "$touch" -- bash "$prep" -- bash "$chk" -- \
            pmv "$pmv" "$s" "$d" -- \
            BusyBox "$bb" mv "$s" "$d" -- \
            GNU "$gnu_mv" "$s" "$d"
        time_rows_of "$label" "$work/$key" pmv BusyBox GNU
        ratio_rows_of "$label" "$work/$key" pmv "" BusyBox GNU
    }
    # Goals are pmv's against GNU mv (and against the best peer in the
    # ratio table).
    xgoals=()

    # 1. A 512 MiB file of random data, tmpfs -> ext4. (Files of 512 MiB
    # and 256 MiB, not 1 GiB: five rounds cost what three did, and the
    # medians of three were at the mercy of one slow run.)
    head -c 512M /dev/urandom >"$src/master.bin"
    prep "$work/p-file.sh" ext4 "rm -f $(q "$src/big.bin")" "cp $(q "$src/master.bin") $(q "$src/big.bin")"
    echo "[ ! -e $(q "$src/big.bin") ] && cmp -s $(q "$src/master.bin") $(q "$disk/big.bin")" >"$work/c-file.sh"
    xrun file "512 MiB file, tmpfs -> ext4" "${xrounds:-5}" 600 "$work/p-file.sh" "$work/c-file.sh" \
        "$src/big.bin" "$disk/big.bin"

    # 2. A 256 MiB file, ext4 -> xfs: the page cache to the page cache, no
    # tmpfs at either end.
    head -c 256M "$src/master.bin" >"$src/half.bin"
    rm -f "$src/master.bin"
    prep "$work/p-x.sh" "ext4src xfs" "cp $(q "$src/half.bin") $(q "$work/ext4src/half.bin")"
    echo "[ ! -e $(q "$work/ext4src/half.bin") ] && cmp -s $(q "$src/half.bin") $(q "$work/xfs/half.bin")" >"$work/c-x.sh"
    xrun x "256 MiB file, ext4 -> xfs" "${xrounds:-5}" 300 "$work/p-x.sh" "$work/c-x.sh" \
        "$work/ext4src/half.bin" "$work/xfs/half.bin"
    rm -f "$src/half.bin"

    # 3. A 1 GiB sparse file: 1 MiB of data at 1, 301, 601 and 901 MiB.
    head -c 4M /dev/urandom >"$src/data"
    truncate -s 1G "$src/master.sparse"
    for i in 0 1 2 3; do
        dd status=none if="$src/data" of="$src/master.sparse" bs=1M skip="$i" count=1 \
            seek=$((1 + i * 300)) conv=notrunc
    done
    prep "$work/p-sparse.sh" ext4 "rm -f $(q "$src/sparse.bin")" \
        "cp --sparse=always $(q "$src/master.sparse") $(q "$src/sparse.bin")"
    cat >"$work/c-sparse.sh" <<EOF
[ ! -e $(q "$src/sparse.bin") ] && cmp -s $(q "$src/master.sparse") $(q "$disk/sparse.bin") &&
    du -k $(q "$disk/sparse.bin") | cut -f1 >$(q "$work/du").\$ROT_TOOL
EOF
    xrun sparse "1 GiB sparse file, 4 MiB of data" "${xrounds:-5}" 64 "$work/p-sparse.sh" "$work/c-sparse.sh" \
        "$src/sparse.bin" "$disk/sparse.bin"
    xgoals+=("pmv <= 1.5x GNU mv, 1 GiB sparse file: $(goal "$(medof "$work/sparse" pmv 2)" "$(medof "$work/sparse" GNU 2)" 1.5)")
    xdev_notes+=("the sparse file takes $(kib "$(cat "$work/du.pmv")") on disk after pmv, $(kib "$(cat "$work/du.GNU")") after GNU mv, $(kib "$(cat "$work/du.BusyBox")") after BusyBox mv")
    rm -f "$src/data" "$src/master.sparse" "$src/sparse.bin"

    # 4. and 5. 10,000 files of 4 KiB of random data, 100 to a directory:
    # moved plain, and moved durably.
    mkdir "$src/master"
    for d in $(seq -w 0 99); do
        mkdir "$src/master/d$d"
        head -c 409600 /dev/urandom | (cd "$src/master/d$d" && split -a 2 -d -b 4096 - f)
    done
    prep "$work/p-tree.sh" ext4 "rm -rf $(q "$src/tree")" "cp -a $(q "$src/master") $(q "$src/tree")"
    echo "[ ! -e $(q "$src/tree") ] && diff -r $(q "$src/master") $(q "$disk/tree") >/dev/null" >"$work/c-tree.sh"
    xrun tree "10,000 x 4 KiB files, 100 dirs" "${xrounds:-3}" 128 "$work/p-tree.sh" "$work/c-tree.sh" \
        "$src/tree" "$disk/tree"
    xgoals+=("pmv <= 1.0x GNU mv, 10,000 files: $(goal "$(medof "$work/tree" pmv 2)" "$(medof "$work/tree" GNU 2)" 1.0)")
    # The system calls of that move, per file, and what the removal's read
    # leases (one open, fcntl and close per regular file) take of them.
    bash "$work/p-tree.sh"
    strace -f -c -o "$work/tree.calls" "$pmv" "$src/tree" "$disk/tree"
    bash "$work/c-tree.sh"
    tree_calls=$(awk '$NF == "total" { print $4 }' "$work/tree.calls")
    tree_leases=$(awk '$NF == "fcntl" { print $4 }' "$work/tree.calls")
    xdev_notes+=("10,000 files: $(awk -v c="$tree_calls" 'BEGIN { printf "%.1f", c / 10000 }') system calls per file (strace -f -c, copy and removal), of which ${tree_leases:-0} fcntl calls: the removal's read leases")
    # The durable move: pmv --sync against each mv followed by sync(1).
    cat >"$work/mvsync" <<'EOF'
#!/bin/sh
"$@" && sync
EOF
    chmod +x "$work/mvsync"
    label="10,000 x 4 KiB files, \`pmv --sync\` vs \`mv && sync\`"
    echo "== $label: ${xrounds:-3} rounds, rotated"
    "$work/rot" "$work/sync" "${xrounds:-3}" 0 128 -- bash "$work/p-tree.sh" -- bash "$work/c-tree.sh" -- \
        pmv "$pmv" --sync "$src/tree" "$disk/tree" -- \
        BusyBox "$work/mvsync" "$bb" mv "$src/tree" "$disk/tree" -- \
        GNU "$work/mvsync" "$gnu_mv" "$src/tree" "$disk/tree"
    time_rows_of "$label" "$work/sync" pmv BusyBox GNU
    ratio_rows_of "$label" "$work/sync" pmv "" BusyBox GNU
    xgoals+=("pmv --sync <= 1.5x mv && sync: $(goal "$(medof "$work/sync" pmv 2)" "$(medof "$work/sync" GNU 2)" 1.5)")
    rm -rf "$src/master" "$src/tree"

    # 6. 100,000 empty files, 1,000 to a directory: memory and user CPU.
    mkdir "$src/empty"
    for d in $(seq -w 0 99); do
        mkdir "$src/empty/d$d"
        (cd "$src/empty/d$d" && seq -w 0 999 | sed 's/^/f/' | xargs touch)
    done
    prep "$work/p-empty.sh" ext4 "rm -rf $(q "$src/many")" "cp -a $(q "$src/empty") $(q "$src/many")"
    cat >"$work/c-empty.sh" <<EOF
[ ! -e $(q "$src/many") ] &&
    [ "\$(find $(q "$disk/many") -mindepth 2 -type f -empty | wc -l)" = 100000 ] &&
    [ "\$(find $(q "$disk/many") -mindepth 1 -type d | wc -l)" = 100 ]
EOF
    xrun empty "100,000 empty files, 100 dirs" "${xrounds:-2}" 256 "$work/p-empty.sh" "$work/c-empty.sh" \
        "$src/many" "$disk/many"
    xgoals+=("pmv peak RSS <= 8 MiB, 100,000 files: $(goal "$(medof "$work/empty" pmv 5)" 8192 1)")
    xgoals+=("pmv user CPU <= GNU mv's, 100,000 files: $(goal "$(medof "$work/empty" pmv 3)" "$(medof "$work/empty" GNU 3)" 1)")
    rm -rf "$src/empty" "$src/many"
fi
xdev_took=$((SECONDS - xdev_started))

# --- report ----------------------------------------------------------------
# shellcheck disable=SC2016 # backquotes are markdown
cat <<EOF

== results: $(uname -sr), $(nproc) CPUs, $(date -u +%Y-%m-%d); pmv and pln: the default install ($(linkage "$pmv")), pmv-musl and pln-musl: the static musl build

Ratios of wall time, pmv's over each peer's, as "from the fastest runs / from the medians" (below 1: pmv is faster); the best peer is the one with the lower median:

| case | pmv build | ÷ C floor | ÷ BusyBox | ÷ GNU | best peer | ÷ best peer |
|---|---|---|---|---|---|---|
$(printf '%s\n' "${ratio_rows[@]}")

Every run (medians of user and system CPU and peak RSS):

| case | tool | runs | wall min | wall median | user | sys | peak RSS |
|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${time_rows[@]}")

| system calls (strace -f) | C floor | pmv / pln | pmv-musl / pln-musl | BusyBox | GNU |
|---|---|---|---|---|---|
| \`mv -T z.new z\` | ${mv_sys[0]} | ${mv_sys[1]} | ${mv_sys[2]} | ${mv_sys[3]} | ${mv_sys[4]} |
| \`ln -sfn b z\` | ${ln_sys[0]} | ${ln_sys[1]} | ${ln_sys[2]} | ${ln_sys[3]} | ${ln_sys[4]} |

| stripped size | pmv | pmv-musl | pln-musl | C floor (static) | BusyBox (whole, static) | GNU mv (dynamic) |
|---|---|---|---|---|---|---|
| | $(mib "$pmv_size") | $(mib "$spmv_size") | $(mib "$spln_size") | $(mib "$c_size") | $(mib "$bb_size") | $(mib "$gnu_size") |
EOF
echo
echo "(cross-filesystem moves took $xdev_took s; destinations made afresh before every run)"
[ -z "$xdev_note" ] || echo "(cross-filesystem moves $xdev_note)"
for n in "${xdev_notes[@]}"; do echo "($n)"; done
m() { medof "$work/$1" "$2" 2; }
cat <<EOF

Goals (medians):
- default install, pmv -T <= 1.0x BusyBox mv -T: $(goal "$(m mvT pmv)" "$(m mvT BusyBox)" 1.0)
- default install, pmv -T <= 25 system calls: $(within "${mv_sys[1]}" 25)
- static musl, pmv -T <= 0.6x BusyBox mv -T: $(goal "$(m mvT pmv-musl)" "$(m mvT BusyBox)" 0.6)
- static musl, pmv -T <= 1.1x the C floor: $(goal "$(m mvT pmv-musl)" "$(m mvT C-floor)" 1.1)
- static musl, pln -sfn <= 1.0x BusyBox ln -sfn: $(goal "$(m lnsfn pln-musl)" "$(m lnsfn BusyBox)" 1.0)
- default install, pln -sfn <= 1.0x BusyBox ln -sfn: $(goal "$(m lnsfn pln)" "$(m lnsfn BusyBox)" 1.0)
- static musl, pmv -T <= 30 system calls: $(within "${mv_sys[2]}" 30)
- stripped static musl pmv <= 1 MiB: $(within "$spmv_size" 1048576)
EOF
for g in "${xgoals[@]}"; do echo "- $g"; done
echo
echo "bench.sh took $((SECONDS - started)) s"

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
# mounted for the run when root), PMV_BENCH_XDEV_ROUNDS (rounds of every
# cross-filesystem case; default 5, 3 for the 1 GiB file and 15 for the
# sparse file, whose runs take milliseconds).
#
# Cross-filesystem moves are timed in rounds, not with hyperfine: this VM
# hands freed memory back to its host, so all runs of one tool followed by
# all runs of the other would compare two different machines. Every round
# runs pmv and GNU mv once each, which one goes first alternating, each
# from a freshly prepared source to a fresh destination; the tables show
# medians of wall time, user and system CPU and peak RSS.
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
cargo build --release --locked -p atomic-mv --bins --quiet --target "$target"
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
# The stopwatch of the cross-filesystem moves: wall time, user and system
# CPU and peak RSS (what /usr/bin/time -f '%e %U %S %M' reports, to the
# microsecond) of one command, appended to a file.
cat >"$work/xtime.c" <<'EOF'
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) { /* xtime OUT COMMAND...: exits as COMMAND */
    struct timespec a, b;
    struct rusage ru;
    int status;
    pid_t pid;
    FILE *out;
    if (argc < 3) return 2;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) != pid) return 2;
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (!(out = fopen(argv[1], "a"))) return 2;
    fprintf(out, "%.6f %.6f %.6f %ld\n",
            (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
            ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
            ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);
    if (fclose(out) != 0) return 2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
EOF
gcc -static -O2 -o "$work/xtime" "$work/xtime.c"
gcc -static -O2 -o "$work/crename" "$work/rename.c"
gcc -static -O2 -o "$work/cflip" "$work/flip.c"
strip "$work/crename" "$work/cflip"

q() { printf '%q' "$1"; }
ms() { awk -v s="$1" 'BEGIN { if (s >= 1) printf "%.2f s", s; else if (s >= 0.01) printf "%.0f ms", s * 1000; else printf "%.3f ms", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }'; }
mib() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.2f MiB", b / 1048576; else printf "%.0f KiB", b / 1024 }'; }
median_of() { jq -r --argjson i "$2" '.results[$i].median' "$1"; }
# yes if a <= factor * b
within() { awk -v a="$1" -v b="$2" -v f="${3:-1}" 'BEGIN { print (a + 0 <= f * b) ? "yes" : "no" }'; }

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
# Rows of the cross-filesystem table; a case that cannot run keeps a row
# that says so.
xdev_started=$SECONDS
xdev_note=""
xdev_notes=()
rounds=${PMV_BENCH_XDEV_ROUNDS:-}
goal_sparse="pmv <= 1.5x GNU"
goal_tree="pmv <= 1.0x GNU"
goal_empty="pmv RSS <= 8 MiB, pmv user <= GNU user"
goal_sync="pmv <= 1.5x GNU"
label_file="1 GiB file, random data"
label_sparse="1 GiB sparse file, 4 MiB of data"
label_tree="10,000 x 4 KiB files, 100 dirs"
label_empty="100,000 empty files, 100 dirs"
label_sync="10,000 x 4 KiB files, \`pmv --sync\` vs \`mv && sync\`"
na_row() { # label goal
    echo "| $1 | not available | | | | | | | | | | $2 | |"
}
row_file=$(na_row "$label_file" "none set")
row_sparse=$(na_row "$label_sparse" "$goal_sparse")
row_tree=$(na_row "$label_tree" "$goal_tree")
row_empty=$(na_row "$label_empty" "$goal_empty")
row_sync=$(na_row "$label_sync" "$goal_sync")
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

    # A prepare script: a fresh destination, the source made anew, then a
    # flush, so that every run starts alike and no run pays for the one
    # before. On the ext4 image the file system itself is made afresh: ext4
    # scans past recently deleted inodes when it allocates new ones, and
    # the 100,000-file case would not fit its inodes five times over. On
    # the plain disk the last destination tree is set aside, not deleted.
    prep() { # script dest source-commands...
        local script=$1 dest=$2
        shift 2
        {
            if [ -n "$mounted_ext4" ]; then
                echo "umount $(q "$mounted_ext4")"
                echo "mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 $(q "$work/ext4.img")"
                echo "mount -o loop $(q "$work/ext4.img") $(q "$mounted_ext4")"
                echo "mkdir $(q "$disk")"
            else
                echo "mkdir -p $(q "$disk/old")"
                echo "if [ -d $(q "$dest") ]; then mv $(q "$dest") \"\$(mktemp -d $(q "$disk/old/XXXXXX"))/\"; else rm -f $(q "$dest"); fi"
            fi
            printf '%s\n' "$@" sync
        } >"$script"
    }
    # Rounds: each times pmv_cmd and gnu_cmd once, which one goes first
    # alternating, with the prepare script before every run (not timed)
    # and the check after it: a wrong move ends the benchmark. Round 0 is
    # a warm-up, checked but not counted.
    rotate() { # key rounds prepare-script check-function
        local key=$1 n=$2 script=$3 check=$4 i tool out
        local -a order cmd
        : >"$work/$key.pmv"
        : >"$work/$key.gnu"
        echo "== $key: $n rounds of pmv and GNU mv after a warm-up, tmpfs -> disk"
        for ((i = 0; i <= n; i++)); do
            order=(pmv gnu)
            ((i % 2)) || order=(gnu pmv)
            for tool in "${order[@]}"; do
                bash -e "$script"
                if [ "$tool" = pmv ]; then cmd=("${pmv_cmd[@]}"); else cmd=("${gnu_cmd[@]}"); fi
                out="$work/$key.$tool"
                [ "$i" -gt 0 ] || out="$work/$key.warm-up"
                "$work/xtime" "$out" "${cmd[@]}" || { echo "bench: $key: ${cmd[*]} failed" >&2; exit 1; }
                "$check" "$tool" || { echo "bench: $key: ${cmd[*]} moved it wrongly" >&2; exit 1; }
                printf -v "last_$tool" %s "$(tail -n 1 "$out" | cut -d' ' -f1)"
            done
            # shellcheck disable=SC2154 # set just above
            echo "   round $i (${order[*]}): pmv $(ms "$last_pmv"), GNU $(ms "$last_gnu")"
        done
    }
    med() { # file column
        sort -g -k "$2,$2" "$1" |
            awk -v c="$2" '{ v[NR] = $c } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
    }
    # Medians of a case: wall, user, sys (s) and peak RSS (KiB) of each tool.
    xstats() { # key
        pw=$(med "$work/$1.pmv" 1) pu=$(med "$work/$1.pmv" 2) ps=$(med "$work/$1.pmv" 3) pr=$(med "$work/$1.pmv" 4)
        gw=$(med "$work/$1.gnu" 1) gu=$(med "$work/$1.gnu" 2) gs=$(med "$work/$1.gnu" 3) gr=$(med "$work/$1.gnu" 4)
    }
    kib() { awk -v k="$1" 'BEGIN { printf "%.0f KiB", k }'; }
    xrow() { # key label rounds goal met: sets row_KEY
        printf -v "row_$1" '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |' "$2" "$3" \
            "$(ms "$pw")" "$(ms "$gw")" "$(ratio "$pw" "$gw")" "$(ms "$pu")" "$(ms "$gu")" \
            "$(ms "$ps")" "$(ms "$gs")" "$(kib "$pr")" "$(kib "$gr")" "$4" "$5"
    }

    # 1. A 1 GiB file of random data.
    if [ "$file_ok" = 1 ]; then
        head -c 1G /dev/urandom >"$src/master.bin"
        prep "$work/prep-file.sh" "$disk/big.bin" \
            "rm -f $(q "$src/big.bin")" "cp $(q "$src/master.bin") $(q "$src/big.bin")"
        check_file() { [ ! -e "$src/big.bin" ] && cmp -s "$src/master.bin" "$disk/big.bin"; }
        pmv_cmd=("$pmv" "$src/big.bin" "$disk/big.bin")
        gnu_cmd=("$gnu_mv" "$src/big.bin" "$disk/big.bin")
        rotate file "${rounds:-3}" "$work/prep-file.sh" check_file
        xstats file
        xrow file "$label_file" "${rounds:-3}" "none set" "-"
        rm -f "$src/master.bin" "$src/big.bin" "$disk/big.bin"
    fi

    # 2. A 1 GiB sparse file: 1 MiB of data at 1, 301, 601 and 901 MiB,
    # holes at both ends.
    if [ "$file_ok" = 1 ]; then
        head -c 4M /dev/urandom >"$src/data"
        truncate -s 1G "$src/master.sparse"
        for i in 0 1 2 3; do
            dd status=none if="$src/data" of="$src/master.sparse" bs=1M skip="$i" count=1 \
                seek=$((1 + i * 300)) conv=notrunc
        done
        prep "$work/prep-sparse.sh" "$disk/sparse.bin" \
            "rm -f $(q "$src/sparse.bin")" "cp --sparse=always $(q "$src/master.sparse") $(q "$src/sparse.bin")"
        check_sparse() { # tool
            [ ! -e "$src/sparse.bin" ] && cmp -s "$src/master.sparse" "$disk/sparse.bin" &&
                printf -v "sparse_kib_$1" %s "$(du -k "$disk/sparse.bin" | cut -f1)"
        }
        pmv_cmd=("$pmv" "$src/sparse.bin" "$disk/sparse.bin")
        gnu_cmd=("$gnu_mv" "$src/sparse.bin" "$disk/sparse.bin")
        rotate sparse "${rounds:-15}" "$work/prep-sparse.sh" check_sparse
        xstats sparse
        xrow sparse "$label_sparse" "${rounds:-15}" "$goal_sparse" "$(within "$pw" "$gw" 1.5)"
        # shellcheck disable=SC2154 # set by check_sparse
        xdev_notes+=("the sparse file takes $(mib $((sparse_kib_pmv * 1024))) on disk after pmv, $(mib $((sparse_kib_gnu * 1024))) after GNU mv, $(mib $(($(du -k "$src/master.sparse" | cut -f1) * 1024))) on the tmpfs")
        rm -f "$src/data" "$src/master.sparse" "$src/sparse.bin" "$disk/sparse.bin"
    fi

    # 3. and 5. A tree of 10,000 files of 4 KiB of random data, 100 to a
    # directory: moved plain, and moved durably.
    if [ "$tree_ok" = 1 ]; then
        mkdir "$src/master"
        for d in $(seq -w 0 99); do
            mkdir "$src/master/d$d"
            head -c 409600 /dev/urandom | (cd "$src/master/d$d" && split -a 2 -d -b 4096 - f)
        done
        prep "$work/prep-tree.sh" "$disk/tree" \
            "rm -rf $(q "$src/tree")" "cp -a $(q "$src/master") $(q "$src/tree")"
        check_tree() { [ ! -e "$src/tree" ] && diff -r "$src/master" "$disk/tree" >/dev/null; }
        pmv_cmd=("$pmv" "$src/tree" "$disk/tree")
        gnu_cmd=("$gnu_mv" "$src/tree" "$disk/tree")
        rotate tree "${rounds:-5}" "$work/prep-tree.sh" check_tree
        xstats tree
        xrow tree "$label_tree" "${rounds:-5}" "$goal_tree" "$(within "$pw" "$gw" 1.0)"

        pmv_cmd=("$pmv" --sync "$src/tree" "$disk/tree")
        # shellcheck disable=SC2016 # expanded by sh
        gnu_cmd=(sh -c '"$0" "$1" "$2" && sync' "$gnu_mv" "$src/tree" "$disk/tree")
        rotate sync "${rounds:-5}" "$work/prep-tree.sh" check_tree
        xstats sync
        xrow sync "$label_sync" "${rounds:-5}" "$goal_sync" "$(within "$pw" "$gw" 1.5)"
        rm -rf "$src/master" "$src/tree" "$disk/tree" "$disk/old"
    fi

    # 4. 100,000 empty files, 1,000 to a directory: memory and user CPU.
    if [ "$tree_ok" = 1 ]; then
        mkdir "$src/empty"
        for d in $(seq -w 0 99); do
            mkdir "$src/empty/d$d"
            (cd "$src/empty/d$d" && seq -w 0 999 | sed 's/^/f/' | xargs touch)
        done
        prep "$work/prep-empty.sh" "$disk/many" \
            "rm -rf $(q "$src/many")" "cp -a $(q "$src/empty") $(q "$src/many")"
        check_empty() {
            [ ! -e "$src/many" ] &&
                [ "$(find "$disk/many" -mindepth 2 -type f -empty | wc -l)" = 100000 ] &&
                [ "$(find "$disk/many" -mindepth 1 -type d | wc -l)" = 100 ]
        }
        pmv_cmd=("$pmv" "$src/many" "$disk/many")
        gnu_cmd=("$gnu_mv" "$src/many" "$disk/many")
        rotate empty "${rounds:-5}" "$work/prep-empty.sh" check_empty
        xstats empty
        rss_met=$(within "$pr" 8192) user_met=$(within "$pu" "$gu")
        case "$rss_met $user_met" in
        "yes yes") met=yes ;;
        "no yes") met="no (RSS)" ;;
        "yes no") met="no (user)" ;;
        *) met="no (RSS, user)" ;;
        esac
        xrow empty "$label_empty" "${rounds:-5}" "$goal_empty" "$met"
        rm -rf "$src/empty" "$src/many" "$disk/many" "$disk/old"
    fi
    [ "$file_ok$tree_ok" = 11 ] || xdev_note="not available: pmv does not move across file systems yet"
else
    xdev_note="not available: no tmpfs on another device (set PMV_BENCH_TMPFS, or run as root)"
fi
xdev_took=$((SECONDS - xdev_started))

# --- report ----------------------------------------------------------------
m=()
for i in 0 1 2 3; do m+=("$(median_of "$work/mv.json" "$i")"); done
l=()
for i in 0 1 2 3; do l+=("$(median_of "$work/ln.json" "$i")"); done

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

cross-filesystem moves, tmpfs -> $([ -n "$mounted_ext4" ] && echo ext4 || echo disk) (medians; runs: of each tool, the tools alternating)

| case | runs | pmv wall | GNU wall | pmv/GNU | pmv user | GNU user | pmv sys | GNU sys | pmv peak RSS | GNU peak RSS | goal | met? |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
$row_file
$row_sparse
$row_tree
$row_empty
$row_sync
EOF
echo
echo "(destination: $disk_fs$([ -z "$mounted_ext4" ] || echo ", made afresh before every run"); cross-filesystem moves took $xdev_took s)"
[ -z "$xdev_note" ] || echo "($xdev_note)"
for n in "${xdev_notes[@]}"; do echo "($n)"; done
cat <<EOF

Goals:
- pmv -T at most 1.1x the C floor: $(within "${m[1]}" "${m[0]}" 1.1) ($(ratio "${m[1]}" "${m[0]}"))
- pmv -T no slower than BusyBox mv -T: $(within "${m[1]}" "${m[2]}") ($(ratio "${m[1]}" "${m[2]}"))
- pmv -T at most 30 system calls: $(within "${mv_sys[1]}" 30) (${mv_sys[1]})
- pln -sfn no slower than BusyBox ln -sfn: $(within "${l[1]}" "${l[2]}") ($(ratio "${l[1]}" "${l[2]}"))
- stripped pmv at most 1 MiB: $(within "$pmv_size" 1048576) ($(mib "$pmv_size"))

bench.sh took $((SECONDS - started)) s
EOF

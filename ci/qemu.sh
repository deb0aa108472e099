#!/usr/bin/env bash
# The test suite on Linux targets other than the host's:
#
#   aarch64-unknown-linux-musl  static, 64-bit ARM (container images on arm64), under qemu-user
#   s390x-unknown-linux-gnu     big-endian, 64-bit, under qemu-user
#   i686-unknown-linux-gnu      32-bit x86, natively (the x86_64 kernel runs 32-bit programs)
#
#   bash ci/qemu.sh            (root: registers qemu with binfmt_misc)
#   bash ci/qemu.sh --setup    (only the tools and the binfmt_misc registration)
#
# The tests spawn pmv and pln (CARGO_BIN_EXE_*), which are foreign
# binaries: binfmt_misc hands them, the test binaries themselves and every
# other foreign program to Debian's static qemu (qemu-user-static, flag F:
# the interpreter is opened once at registration, so it also works inside
# ci/rootfs.sh's chroot, which holds no qemu).
#
# What runs where (PMV_TEST_QUICK=1 everywhere: the long loops shortened):
#   - i686: the whole suite. Natively, so strace, ptrace and timing behave
#     as on the host.
#   - aarch64 and s390x: the unit tests and the integration tests of data
#     and layout (atomic, cross, exchange, faults, library, metadata,
#     security: sizes, offsets, stat fields, xattrs, ACLs, holes), and the
#     differential test against GNU mv on fewer cases (PMV_DIFF_CASES: 500
#     on aarch64, whose musl words errors otherwise, 200 on s390x);
#     aarch64, the static build for containers, also runs mv.rs (the
#     options). Not run there, each for the time it would take under
#     qemu-user (each spawned process costs 20 to 300 ms; the whole suite
#     took about 10 minutes a target) and because it does not depend on
#     the data layout: races.rs, pln.rs, both_ends.rs and hostile.rs (timing
#     and concurrency: readers that need a minimum number of flips, SIGKILL
#     at random points, race windows widened with strace, which under
#     qemu-user sees qemu's system calls rather than the program's),
#     sync.rs (the order of system calls, read with strace), progress.rs
#     (frames on a pseudo-terminal, drawn by time), readme.rs (the
#     README's shell recipes, dozens of processes each), and
#     metadata.rs's 5,000-level tree under `ulimit -n 32` (descriptor
#     budgeting; 60 s there). They run natively on x86_64 and i686.
#     PMV_QEMU_ALL=1 runs everything on every target (the reader races
#     then miss their minimum number of flips).
# s390x is linked statically (glibc): a dynamic program under qemu-user
# pays for emulating the dynamic loader at every start (the differential
# test took 350 s instead of 30).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS

if [ "$(id -u)" != 0 ]; then
    echo "qemu: needs root (apt-get, binfmt_misc)" >&2
    exit 1
fi

# --- tools -----------------------------------------------------------------
# Cross linkers and C libraries, the static qemu, and the 32-bit x86
# loader and libgcc that i686 programs need on an x86_64 host.
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have qemu-aarch64-static && have qemu-s390x-static || need+=(qemu-user-static)
have aarch64-linux-gnu-gcc || need+=(gcc-aarch64-linux-gnu)
have s390x-linux-gnu-gcc || need+=(gcc-s390x-linux-gnu)
have i686-linux-gnu-gcc || need+=(gcc-i686-linux-gnu)
[ -e /usr/s390x-linux-gnu/lib/libc.so.6 ] || need+=(libc6-dev-s390x-cross)
[ -e /usr/i686-linux-gnu/lib/libc.so.6 ] || need+=(libc6-dev-i386-cross)
[ -e /lib/ld-linux.so.2 ] || need+=(libc6-i386)
[ -e /usr/lib32/libgcc_s.so.1 ] || need+=(lib32gcc-s1)
if [ ${#need[@]} -gt 0 ]; then
    echo "== installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # qemu-user-static replaces qemu-user-binfmt, whose interpreters are
    # dynamic programs that a chroot cannot run.
    apt-get install -y -q "${need[@]}" >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
fi

# --- binfmt_misc -----------------------------------------------------------
misc=/proc/sys/fs/binfmt_misc
mountpoint -q "$misc" || mount -t binfmt_misc binfmt_misc "$misc"
for arch in aarch64 s390x; do
    entry="$misc/qemu-$arch"
    if [ -e "$entry" ] && ! grep -q '^flags: .*F' "$entry"; then
        echo -1 >"$entry" # an entry without F (qemu-user-binfmt): replace it
    fi
    [ -e "$entry" ] || cat "/usr/lib/binfmt.d/qemu-$arch.conf" >"$misc/register"
    grep -q '^enabled' "$entry" || { echo "qemu: $entry is not enabled" >&2; exit 1; }
done
[ "${1:-}" != --setup ] || exit 0

# --- build and run ---------------------------------------------------------
export CARGO_TARGET_DIR="$root/target/qemu"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_LINKER=s390x-linux-gnu-gcc
export CARGO_TARGET_I686_UNKNOWN_LINUX_GNU_LINKER=i686-linux-gnu-gcc
export CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static"
export PMV_TEST_QUICK=1
# Line tables only: the builds of three targets link faster.
export CARGO_PROFILE_DEV_DEBUG=line-tables-only
[ -n "${PMV_TEST_OTHER_FS:-}" ] || export PMV_TEST_OTHER_FS=/dev/shm
targets=(i686-unknown-linux-gnu aarch64-unknown-linux-musl s390x-unknown-linux-gnu)
rustup target add "${targets[@]}" >/dev/null 2>&1 || rustup target add "${targets[@]}"

# The integration test files of each emulated target (see the top).
layout=(atomic cross exchange faults library metadata security)
files_aarch64=("${layout[@]}" differential mv)
files_s390x=("${layout[@]}" differential)
timing=(both_ends hostile pln races sync progress readme)
skip=(--skip a_tree_deeper_than_path_max_moves_with_32_file_descriptors)
cases_aarch64=500 cases_s390x=200
if [ "${PMV_QEMU_ALL:-0}" = 1 ]; then
    files_aarch64+=("${timing[@]}")
    files_s390x+=(mv "${timing[@]}")
    skip=()
    cases_aarch64=${PMV_DIFF_CASES:-2000} cases_s390x=${PMV_DIFF_CASES:-2000}
fi
for f in tests/*.rs; do
    t=$(basename "$f" .rs)
    case " ${layout[*]} differential mv ${timing[*]} " in
    *" $t "*) ;;
    *) echo "qemu: tests/$t.rs is new: add it to ci/qemu.sh's lists" >&2; exit 1 ;;
    esac
done

summary=()
for target in "${targets[@]}"; do
    t0=$SECONDS
    echo "== $target: build"
    cargo test --locked --target "$target" --no-run --quiet
    pmv="$CARGO_TARGET_DIR/$target/debug/pmv"
    echo "   $(file -b "$pmv" | cut -d, -f1-2): $("$pmv" --version | sed -n 1p)"
    t1=$SECONDS
    args=(--lib --bins)
    after=()
    cases=${PMV_DIFF_CASES:-2000}
    case $target in
    i686-*) args+=(--tests) ;;
    aarch64-*)
        for t in "${files_aarch64[@]}"; do args+=(--test "$t"); done
        after=("${skip[@]}") cases=$cases_aarch64
        ;;
    s390x-*)
        for t in "${files_s390x[@]}"; do args+=(--test "$t"); done
        after=("${skip[@]}") cases=$cases_s390x
        ;;
    esac
    echo "== $target: cargo test ${args[*]} -- ${after[*]} (PMV_DIFF_CASES=$cases)"
    verdict=passed
    PMV_DIFF_CASES=$cases cargo test --locked --no-fail-fast --target "$target" "${args[@]}" -- "${after[@]}" ||
        verdict=FAILED
    summary+=("$target: built in $((t1 - t0)) s, tests $verdict in $((SECONDS - t1)) s")
done
echo
printf 'qemu: %s\n' "${summary[@]}"
echo "qemu: took $((SECONDS - started)) s"
! printf '%s\n' "${summary[@]}" | grep -q FAILED

#!/usr/bin/env bash
# A static musl pmv and pln in a root file system that holds nothing but
# BusyBox (no coreutils, no libc, no /lib): the world of a distroless or
# BusyBox container. Inside it, with BusyBox's own tools to check:
#
#   - a release symlink flipped with `pmv -T`, `pmv -h` and `pln -sfn`,
#     and a reader that must never find the link missing while it flips;
#   - two directories swapped with `pmv -T --exchange`;
#   - files and a tree moved onto a tmpfs mounted inside the root, i.e.
#     across file systems, and `--no-copy` refusing to.
#
#   sudo bash ci/rootfs.sh        (needs root: mount and chroot)
#
# Twice: with the x86_64 build, then with the aarch64 one, run by qemu-user
# through binfmt_misc (ci/qemu.sh --setup registers it with the F flag, so
# the kernel opens qemu before the chroot: the root holds no qemu).
# PMV_ROOTFS_TARGETS lists others. Any mismatch fails the run with a
# message saying which.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
read -r -a targets <<<"${PMV_ROOTFS_TARGETS:-x86_64-unknown-linux-musl aarch64-unknown-linux-musl}"

if [ "$(id -u)" != 0 ]; then
    echo "rootfs: needs root (it mounts a tmpfs and chroots)" >&2
    exit 1
fi

# --- tools -----------------------------------------------------------------
# A statically linked BusyBox (Debian's busybox-static), and readelf to
# tell static from dynamic.
is_static() {
    readelf -h "$1" >/dev/null && ! readelf -l "$1" | grep -q 'Requesting program interpreter'
}
missing=()
command -v readelf >/dev/null || missing+=(binutils)
if ! [ -x /bin/busybox ] || ! { command -v readelf >/dev/null && is_static /bin/busybox; }; then
    missing+=(busybox-static)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
is_static /bin/busybox || { echo "rootfs: /bin/busybox is not static" >&2; exit 1; }

# --- static pmv and pln ----------------------------------------------------
# target/static is shared with ci/release.sh and ci/bench.sh: one build.
export CARGO_TARGET_DIR="$root/target/static"
for target in "${targets[@]}"; do
    case $target in
    aarch64-*) [ "$(uname -m)" = aarch64 ] || {
        bash ci/qemu.sh --setup
        export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER=aarch64-linux-gnu-gcc
    } ;;
    esac
    rustup target add "$target" >/dev/null 2>&1 || rustup target add "$target"
    build() { cargo build --release --locked --target "$target" --bins; }
    if ! build; then
        # Only a C dependency needs musl's own compiler; get it and try again.
        command -v musl-gcc >/dev/null && exit 1
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools >/dev/null
        build
    fi
    for b in pmv pln; do
        is_static "$CARGO_TARGET_DIR/$target/release/$b" ||
            { echo "rootfs: $target/$b is not statically linked" >&2; exit 1; }
    done
done

# --- the root file system --------------------------------------------------
rootfs=
other=
cleanup() {
    # Always: unmount the tmpfs, then remove the tree (never crossing into a
    # file system that failed to unmount).
    [ -n "$rootfs" ] || return 0
    if mountpoint -q "$other" 2>/dev/null; then
        umount "$other" || umount -l "$other" || true
    fi
    rm -rf --one-file-system "$rootfs"
    rootfs=
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# one_root TARGET: a BusyBox-only root with TARGET's pmv and pln, and the
# checks run inside it.
one_root() {
target=$1
rootfs=$(mktemp -d "$root/target/rootfs.XXXXXX")
other="$rootfs/mnt/other"
echo "== rootfs: $target"
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,dev,tmp,work,mnt/other}
chmod 1777 "$rootfs/tmp"
# The shell gives background jobs /dev/null as stdin, as every container has.
mknod -m 666 "$rootfs/dev/null" c 1 3
cp /bin/busybox "$rootfs/bin/busybox"
/bin/busybox --list-full | while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$rootfs/$(dirname "$applet")"
    ln -s /bin/busybox "$rootfs/$applet"
done
install -m 755 "$CARGO_TARGET_DIR/$target/release/pmv" "$CARGO_TARGET_DIR/$target/release/pln" "$rootfs/bin/"

# The second file system, inside the root.
mount -t tmpfs -o size=64m,mode=755 pmv-rootfs-other "$other"

# Nothing but BusyBox and the two binaries may be in there.
extra=$(cd "$rootfs" && find . -type f ! -path ./bin/busybox ! -path ./bin/pmv ! -path ./bin/pln)
if [ -n "$extra" ]; then
    echo "rootfs: unexpected files in the root file system:" >&2
    echo "$extra" >&2
    exit 1
fi

cat >"$rootfs/check.sh" <<'EOF'
#!/bin/sh
# Runs inside the BusyBox-only root, under BusyBox's sh.
set -eu
fail() { echo "rootfs: FAIL: $*" >&2; exit 1; }
pass() { echo "rootfs: ok: $*"; }
link_is() { # NAME TARGET
    [ -L "$1" ] || fail "$1 is not a symlink"
    got=$(readlink "$1")
    [ "$got" = "$2" ] || fail "$1 points to '$got', expected '$2'"
}
only() { # DIR NAMES...: DIR holds exactly NAMES (no staging names left)
    dir=$1; shift
    got=$(ls -A "$dir" | sort | tr '\n' ' ')
    want=$(for n in "$@"; do echo "$n"; done | sort | tr '\n' ' ')
    [ "$got" = "$want" ] || fail "$dir holds '$got', expected '$want'"
}

[ "$(readlink /bin/sh)" = /bin/busybox ] || fail "/bin/sh is not BusyBox"
[ ! -e /lib ] && [ ! -e /usr/lib ] || fail "a /lib exists: not a bare root"
pmv --version | grep -q 'linux' || fail "pmv --version names no linux backend: $(pmv --version)"

cd /work

# 1. Flip a release symlink: pmv -T, pmv -h, pln -sfn.
mkdir -p releases/1 releases/2 releases/3 releases/4
ln -s releases/1 current
ln -s releases/2 current.new
pmv -T current.new current
link_is current releases/2
only . current releases
only releases/2
pass "pmv -T replaced a symlink to a directory, did not move into it"

ln -s releases/3 current.new
pmv -h current.new current
link_is current releases/3
only . current releases
only releases/3
pass "pmv -h replaced the symlink"

pln -sfn releases/4 current
link_is current releases/4
only . current releases
only releases/4
pass "pln -sfn replaced the symlink, no staging name left"

# A reader must never see `current` missing while it flips.
rm -f /tmp/gap /tmp/stop
(
    while [ ! -e /tmp/stop ]; do
        readlink current >/tmp/seen 2>&1 || echo gap >>/tmp/gap
    done
) &
reader=$!
i=0
while [ $i -lt 200 ]; do
    pln -sfn releases/$((i % 4 + 1)) current
    ln -s releases/$((i % 4 + 1)) current.new
    pmv -T current.new current
    i=$((i + 1))
done
touch /tmp/stop
wait $reader
[ ! -e /tmp/gap ] || fail "a reader found 'current' missing $(wc -l </tmp/gap) times"
only . current releases
pass "400 flips (pln -sfn, pmv -T), the reader never saw a gap"

# 2. Swap two directories.
mkdir A B
echo a >A/f
echo b >B/f
ino_a=$(stat -c %i A)
ino_b=$(stat -c %i B)
if ! pmv -T --exchange A B 2>/tmp/err; then
    if grep -q 'not supported on this system' /tmp/err; then
        # ENOSYS: a kernel without renameat2. Linux has had it since 3.15.
        echo "rootfs: note: the kernel has no atomic exchange: $(cat /tmp/err)"
    else
        fail "pmv -T --exchange A B: $(cat /tmp/err)"
    fi
else
    [ "$(stat -c %i A)" = "$ino_b" ] || fail "A is not the old B"
    [ "$(stat -c %i B)" = "$ino_a" ] || fail "B is not the old A"
    [ "$(cat A/f)" = b ] && [ "$(cat B/f)" = a ] || fail "contents not swapped"
    pass "pmv -T --exchange swapped two directories"
fi

# 3. Across file systems: /work is the root's disk, /mnt/other a tmpfs.
[ "$(stat -c %d /work)" != "$(stat -c %d /mnt/other)" ] || fail "/mnt/other is not another file system"
seq 1 300000 >big
sum=$(md5sum <big)
pmv big /mnt/other/big
[ ! -e big ] || fail "big still at the source"
[ "$(md5sum </mnt/other/big)" = "$sum" ] || fail "big's data changed in the move"
pass "a 2 MB file moved across file systems"

echo new >fresh
echo old >/mnt/other/fresh
pmv fresh /mnt/other/fresh
[ "$(cat /mnt/other/fresh)" = new ] || fail "the destination was not replaced"
[ ! -e fresh ] || fail "fresh still at the source"
only /mnt/other big fresh
pass "an existing destination replaced across file systems, no staging name left"

mkdir -p tree/sub
echo data >tree/sub/f
chmod 640 tree/sub/f
ln -s sub/f tree/link
ln tree/sub/f tree/hard
touch -d '2001-02-03 04:05:06' tree/sub/f
pmv tree /mnt/other/tree
[ ! -e tree ] || fail "tree still at the source"
link_is /mnt/other/tree/link sub/f
[ "$(cat /mnt/other/tree/link)" = data ] || fail "tree/link does not lead to the data"
[ "$(stat -c %a /mnt/other/tree/sub/f)" = 640 ] || fail "mode not kept: $(stat -c %a /mnt/other/tree/sub/f)"
[ "$(stat -c %Y /mnt/other/tree/sub/f)" = 981173106 ] || fail "mtime not kept: $(stat -c %y /mnt/other/tree/sub/f)"
[ "$(stat -c %i /mnt/other/tree/hard)" = "$(stat -c %i /mnt/other/tree/sub/f)" ] || fail "hard link within the tree not kept"
pass "a tree (symlink, hard link, mode, mtime) moved across file systems"

echo stay >stay
if pmv --no-copy stay /mnt/other/stay 2>/tmp/err; then
    fail "pmv --no-copy moved across file systems"
fi
[ "$(cat stay)" = stay ] && [ ! -e /mnt/other/stay ] || fail "pmv --no-copy changed something"
pass "pmv --no-copy refused to copy: $(cat /tmp/err)"

echo "rootfs: all checks passed"
EOF
chmod 755 "$rootfs/check.sh"

echo "rootfs: $(find "$rootfs" -type l | wc -l) BusyBox applets, pmv and pln ($(file -b "$rootfs/bin/pmv" | cut -d, -f1-2)); tmpfs at /mnt/other"
env -i PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/ chroot "$rootfs" /bin/sh /check.sh
cleanup
}

for t in "${targets[@]}"; do
    one_root "$t"
done

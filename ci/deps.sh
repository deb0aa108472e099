#!/usr/bin/env bash
# The system tools the test suite runs (a fresh Debian or Ubuntu machine
# lacks some of them): ACL and xattr tools, file capabilities, chattr and
# mkfs.ext4, strace (system-call shapes and widened race windows), bindfs
# (FUSE views), perl (the other user's racing process), setpriv, make (the
# README's Makefile recipe, run by tests/readme.rs). Installs
# only what is missing; needs root or sudo for that.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have setfacl || need+=(acl)
have setfattr || need+=(attr)
have setcap || need+=(libcap2-bin)
{ have chattr && have mkfs.ext4; } || need+=(e2fsprogs)
have strace || need+=(strace)
have bindfs || need+=(bindfs)
have perl || need+=(perl)
have make || need+=(make)
{ have setpriv && have losetup; } || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "== installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q "${need[@]}" >/dev/null 2>&1 ||
    { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${need[@]}" >/dev/null; }

//! The Apple backend (macOS, iOS and the other Darwin systems).
//!
//! Syscalls: `renameatx_np` with `RENAME_EXCL` and `RENAME_SWAP`
//! (macOS 10.12).
//!
//! Guarantees: both flags are atomic on APFS and HFS+. File systems that do
//! not support them (msdos, some network file systems) answer `ENOTSUP` or
//! `EINVAL`: rename-without-replace then falls back to the generic
//! `linkat`+`unlinkat`, and exchange reports the file system's refusal.
//!
//! Known OS bug (gnulib `lib/renameatu.c`): on macOS 11.2,
//! `renameatx_np(fd, "X", fd, "X", RENAME_EXCL)` succeeds when `X` exists,
//! instead of failing with `EEXIST`. As gnulib does, rename-without-replace
//! first looks at the destination with `lstat` and answers `EEXIST` if it is
//! there; the kernel's own check still catches a destination that appears
//! after that look.

use std::ffi::OsStr;
use std::io;
use std::os::fd::BorrowedFd;
use std::path::Path;

use rustix::fs::{renameat_with, AtFlags, RenameFlags};
use rustix::io::Errno;

use super::Node;

#[cfg(feature = "cli")]
pub use super::common::open_dir;
pub use super::{
    data::copy_range_rw as copy_range,
    unsupported::{read_lease, strip_acls, sync_fs},
};

/// The name of this backend, as `--version` prints it.
pub const BACKEND: &str = "apple";

#[cfg(feature = "cli")]
/// What this backend does atomically, one operation a line, as
/// `pmv --version` prints it.
pub const CAPABILITIES: &str = "\
replace: renameat, atomic
no-replace rename: renameatx_np(RENAME_EXCL), atomic; where the file system refuses the flag, linkat+unlinkat, atomic for non-directories
exchange: renameatx_np(RENAME_SWAP), atomic, where the file system supports it (APFS, HFS+)";

#[cfg(feature = "cli")]
/// This backend has a native rename-without-replace call.
pub const NATIVE_NOREPLACE: bool = true;

/// No call flushes a whole file system: each copied file is flushed.
pub const HAS_SYNCFS: bool = false;

/// Rename `from` to `to` only if `to` does not exist.
///
/// # References
/// - [rename(2) on macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/rename.2.html)
pub fn rename_noreplace(
    from_dir: BorrowedFd<'_>,
    from: &Path,
    to_dir: BorrowedFd<'_>,
    to: &Path,
) -> io::Result<&'static str> {
    // The macOS 11.2 bug above: RENAME_EXCL alone would "succeed" here.
    if rustix::fs::statat(to_dir, to, AtFlags::SYMLINK_NOFOLLOW).is_ok() {
        return Err(Errno::EXIST.into());
    }
    match renameat_with(from_dir, from, to_dir, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok("renameatx_np(RENAME_EXCL)"),
        Err(Errno::NOSYS | Errno::INVAL | Errno::NOTSUP) => {
            super::common::link_then_unlink(from_dir, from, to_dir, to)
        }
        Err(e) => Err(e.into()),
    }
}

/// Swap `a` and `b` atomically.
///
/// # References
/// - [rename(2) on macOS](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/rename.2.html)
pub fn exchange(
    a_dir: BorrowedFd<'_>,
    a: &Path,
    b_dir: BorrowedFd<'_>,
    b: &Path,
) -> io::Result<&'static str> {
    match renameat_with(a_dir, a, b_dir, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok("renameatx_np(RENAME_SWAP)"),
        Err(Errno::NOSYS) => Err(super::unsupported_system()),
        Err(Errno::INVAL | Errno::NOTSUP) => Err(super::unsupported_fs()),
        Err(e) => Err(e.into()),
    }
}

/// Copy file data with `fcopyfile(COPYFILE_DATA)` (clones on APFS where it
/// can), falling back to `read`/`write`.
///
/// # References
/// - [copyfile(3)](https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man3/copyfile.3.html)
pub fn copy_data(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    if fcopyfile(from, to, rustix::fs::CopyfileFlags::DATA).is_ok() {
        return Ok("fcopyfile(COPYFILE_DATA)");
    }
    super::data::copy_data_rw(from, to, 0, progress)
}

fn fcopyfile(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    flags: rustix::fs::CopyfileFlags,
) -> io::Result<()> {
    let state = rustix::fs::copyfile_state_alloc()?;
    // SAFETY: `state` was just allocated and is freed exactly once below.
    let r = unsafe { rustix::fs::fcopyfile(from, to, state, flags) };
    // SAFETY: as above.
    let _ = unsafe { rustix::fs::copyfile_state_free(state) };
    r.map_err(Into::into)
}

/// `fcntl(F_FULLFSYNC)`: plain `fsync` on macOS does not flush the disk's
/// cache. Falls back to `fsync` where the file system refuses it.
pub fn sync_file(fd: BorrowedFd<'_>) -> io::Result<()> {
    match rustix::fs::fcntl_fullfsync(fd) {
        Ok(()) => Ok(()),
        Err(_) => super::common::sync_file(fd),
    }
}

/// Copy extended attributes (and resource forks, and ACLs) of an open
/// file or directory with `fcopyfile(COPYFILE_XATTR | COPYFILE_ACL)`.
/// Symlinks and special files (reached by name, not by fd) keep none, as
/// on a system without extended attributes: no `*at` form exists.
pub fn copy_xattrs(
    from: Node<'_>,
    to: Node<'_>,
    warn: &mut dyn FnMut(&OsStr, io::Error),
) -> io::Result<()> {
    let (Node::Fd(from), Node::Fd(to)) = (from, to) else {
        return super::unsupported::copy_xattrs(from, to, warn);
    };
    let flags = rustix::fs::CopyfileFlags::XATTR | rustix::fs::CopyfileFlags::ACL;
    match fcopyfile(from, to, flags) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(Errno::NOTSUP.raw_os_error()) => Ok(()),
        Err(e) => Err(e),
    }
}

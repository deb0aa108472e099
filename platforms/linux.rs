//! The Linux backend (also Android).
//!
//! Syscalls: `renameat2` with `RENAME_NOREPLACE` and `RENAME_EXCHANGE`
//! (Linux 3.15; ext4 3.15, btrfs 3.17, xfs 4.0, tmpfs 3.17, overlayfs 4.x).
//!
//! Guarantees: both flags are atomic in the kernel. A kernel without
//! `renameat2` answers `ENOSYS`, remembered for the rest of the run, and a
//! file system that does not know a flag answers `EINVAL` (FUSE, NFS, 9p,
//! old ZFS): rename-without-replace then falls back to the generic
//! `linkat`+`unlinkat`, and exchange reports the file system's refusal.
//!
//! Known kernel behaviour: `EINVAL` also means "a directory into its own
//! subdirectory"; that case fails the fallback too, and the caller's
//! plain rename reports it.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{renameat_with, RenameFlags, CWD};
use rustix::io::Errno;

/// The name of this backend, as `--version` prints it.
pub const BACKEND: &str = "linux";

/// This backend has a native rename-without-replace call.
pub const NATIVE_NOREPLACE: bool = true;

static NO_RENAMEAT2: AtomicBool = AtomicBool::new(false);

fn renameat2(from: &Path, to: &Path, flags: RenameFlags) -> Result<(), Errno> {
    if NO_RENAMEAT2.load(Ordering::Relaxed) {
        return Err(Errno::NOSYS);
    }
    let r = renameat_with(CWD, from, CWD, to, flags);
    if r == Err(Errno::NOSYS) {
        NO_RENAMEAT2.store(true, Ordering::Relaxed);
    }
    r
}

/// Rename `from` to `to` only if `to` does not exist.
///
/// # References
/// - [renameat2(2)](https://man7.org/linux/man-pages/man2/renameat2.2.html)
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<&'static str> {
    match renameat2(from, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok("renameat2(RENAME_NOREPLACE)"),
        Err(Errno::NOSYS | Errno::INVAL | Errno::OPNOTSUPP) => {
            super::posix::rename_noreplace(from, to)
        }
        Err(e) => Err(e.into()),
    }
}

/// Swap `a` and `b` atomically.
///
/// # References
/// - [renameat2(2)](https://man7.org/linux/man-pages/man2/renameat2.2.html)
pub fn exchange(a: &Path, b: &Path) -> io::Result<&'static str> {
    match renameat2(a, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok("renameat2(RENAME_EXCHANGE)"),
        Err(Errno::NOSYS) => Err(super::unsupported_system()),
        Err(Errno::INVAL | Errno::OPNOTSUPP) => Err(super::unsupported_fs()),
        Err(e) => Err(e.into()),
    }
}

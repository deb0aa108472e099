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
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::OsStrExt;
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

static NO_COPY_FILE_RANGE: AtomicBool = AtomicBool::new(false);

/// Copy the rest of `from` into `to`: `copy_file_range` (in-kernel, and
/// reflinks or server-side copies where the file system can), falling
/// back to `read`/`write` where the kernel or the pair of file systems
/// refuses it (`ENOSYS`, `EXDEV` before 5.3 and again across file system
/// types since 5.19, `EINVAL`, `EOPNOTSUPP`).
///
/// # References
/// - [copy_file_range(2)](https://man7.org/linux/man-pages/man2/copy_file_range.2.html)
pub fn copy_data(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    const STEP: usize = 8 * 1024 * 1024;
    let mut copied_any = false;
    while !NO_COPY_FILE_RANGE.load(Ordering::Relaxed) {
        match rustix::fs::copy_file_range(from, None, to, None, STEP) {
            Ok(0) if copied_any => return Ok("copy_file_range"),
            // Zero at the start: an empty file, or a pseudo-file whose size
            // lies (procfs): let read/write decide.
            Ok(0) => break,
            Ok(n) => {
                copied_any = true;
                progress(n as u64)?;
            }
            Err(Errno::INTR) => {}
            Err(Errno::NOSYS) => {
                NO_COPY_FILE_RANGE.store(true, Ordering::Relaxed);
                break;
            }
            Err(
                Errno::XDEV
                | Errno::INVAL
                | Errno::OPNOTSUPP
                | Errno::BADF
                | Errno::PERM
                | Errno::TXTBSY,
            ) if !copied_any => break,
            Err(e) => return Err(e.into()),
        }
    }
    super::posix::copy_data_rw(from, to, false, progress)
}

/// `fsync`: on Linux it reaches the disk's cache flush.
pub fn sync_file(fd: BorrowedFd<'_>) -> io::Result<()> {
    rustix::fs::fsync(fd).map_err(Into::into)
}

/// Copy every extended attribute of `from` onto `to`. Attributes the
/// destination refuses (`EPERM` for `trusted.*` as non-root, `ENOTSUP` on
/// file systems without them) are dropped silently, as GNU mv does.
///
/// # References
/// - [listxattr(2)](https://man7.org/linux/man-pages/man2/listxattr.2.html)
pub fn copy_xattrs(from: BorrowedFd<'_>, to: BorrowedFd<'_>) -> io::Result<()> {
    use rustix::fs::{fgetxattr, flistxattr, fsetxattr, XattrFlags};
    let mut names = vec![0u8; 1024];
    let len = loop {
        match flistxattr(from, &mut names[..]) {
            Ok(n) => break n,
            Err(Errno::RANGE) => names.resize(names.len() * 4, 0),
            Err(Errno::NOTSUP | Errno::NOSYS) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
    };
    let mut value = vec![0u8; 4096];
    for name in names[..len].split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = std::ffi::OsStr::from_bytes(name);
        let n = loop {
            match fgetxattr(from, name, &mut value[..]) {
                Ok(n) => break Some(n),
                Err(Errno::RANGE) => value.resize(value.len() * 4, 0),
                Err(Errno::NODATA) => break None,
                Err(e) => return Err(e.into()),
            }
        };
        let Some(n) = n else { continue };
        match fsetxattr(to, name, &value[..n], XattrFlags::empty()) {
            Ok(()) | Err(Errno::PERM | Errno::NOTSUP | Errno::ACCESS) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

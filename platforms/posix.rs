//! The generic POSIX backend: every unix without a backend of its own, and
//! any host with `--cfg pmv_backend="posix"`.
//!
//! Syscalls: `renameat`, `linkat`, `unlinkat` (POSIX.1-2008); file data
//! with `read`/`write`.
//!
//! Guarantees:
//! - replace: `renameat` is atomic for readers of the destination everywhere.
//! - rename without replacing: for a non-directory, `linkat` (which fails
//!   with `EEXIST` if the name exists, atomically) then `unlinkat` of the
//!   source; readers may briefly see both names, never neither. For a
//!   directory, or where hard links are refused (`EPERM`: FAT, some FUSE
//!   file systems, Linux `protected_hardlinks`), this is unsupported.
//! - exchange: unsupported; it is never emulated.
//!
//! Needs nothing beyond POSIX.1-2008 (`*at` calls): Solaris 11, illumos,
//! OpenBSD 5.0, NetBSD 7, AIX 7, HP-UX 11i v3, Cygwin.

use std::io;
use std::os::fd::BorrowedFd;
use std::path::Path;

#[cfg(feature = "cli")]
pub use super::common::open_dir;
pub use super::{
    common::{link_then_unlink as rename_noreplace, sync_file},
    data::copy_range_rw as copy_range,
    unsupported::{copy_xattrs, read_lease, strip_acls, sync_fs},
};

/// The name of this backend, as `--version` prints it.
pub const BACKEND: &str = "posix";

#[cfg(feature = "cli")]
/// What this backend does atomically, one operation a line, as
/// `pmv --version` prints it.
pub const CAPABILITIES: &str = "\
replace: renameat, atomic
no-replace rename: linkat+unlinkat, atomic for non-directories; a directory is looked up, then renamed (racy: --atomic refuses it)
exchange: not supported (never emulated)";

#[cfg(feature = "cli")]
/// This backend has no native rename-without-replace call.
pub const NATIVE_NOREPLACE: bool = false;

/// No call flushes a whole file system: each copied file is flushed.
pub const HAS_SYNCFS: bool = false;

/// Atomic exchange: no POSIX call does it, and it is never emulated.
pub fn exchange(
    _a_dir: BorrowedFd<'_>,
    _a: &Path,
    _b_dir: BorrowedFd<'_>,
    _b: &Path,
) -> io::Result<&'static str> {
    Err(super::unsupported_system())
}

/// Copy file data: the generic backend has only `read`/`write`.
pub fn copy_data(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    super::data::copy_data_rw(from, to, 0, progress)
}

//! The BSD backend: FreeBSD, NetBSD, OpenBSD, DragonFly.
//!
//! Syscalls: `renameat`, and the generic `linkat`+`unlinkat` for
//! rename-without-replace (see `posix.rs`).
//!
//! Guarantees: replace is atomic; rename-without-replace is atomic for
//! non-directories (a hard link is made exclusively, then the source name
//! removed); exchange is reported as unsupported on this system.
//!
//! Needs: FreeBSD 10, NetBSD 7, OpenBSD 5.0, DragonFly 4 (the `*at` calls).

use std::io;
use std::path::Path;

/// The name of this backend, as `--version` prints it.
pub const BACKEND: &str = "bsd";

/// This backend has no native rename-without-replace call.
pub const NATIVE_NOREPLACE: bool = false;

/// Rename `from` to `to` only if `to` does not exist.
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<&'static str> {
    super::posix::rename_noreplace(from, to)
}

/// Swap `a` and `b` atomically: not available on these systems.
pub fn exchange(_a: &Path, _b: &Path) -> io::Result<&'static str> {
    Err(super::unsupported_system())
}

pub use super::posix::{copy_data, copy_xattrs, sync_file};

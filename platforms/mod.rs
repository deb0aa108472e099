//! Per-OS backends, chosen at build time.
//!
//! Every backend offers the same free functions (no trait, as std and
//! tempfile do it):
//!
//! | function | does |
//! |---|---|
//! | `replace(dir, from, dir, to)` | `renameat(2)`: atomic replacement of `to` |
//! | `rename_noreplace(dir, from, dir, to)` | move only if `to` does not exist, atomically |
//! | `rename_if_absent(dir, from, dir, to)` | the same by looking first, not atomic (for a move that may replace anyway) |
//! | `exchange(dir, a, dir, b)` | swap two names atomically |
//! | `open_dir(path)` | open a directory to work relative to it (`O_PATH` where there is one) |
//! | `copy_data(from, to, progress)` | copy file data, fastest way first |
//! | `next_data(fd, offset)` | the next data region of a sparse file (`SEEK_DATA`/`SEEK_HOLE`) |
//! | `sync_file(fd)`, `sync_fs(fd)` | flush a file, or a whole file system, to stable storage |
//! | `copy_xattrs(from, to, warn)` | copy extended attributes and ACLs, each on its own |
//! | `strip_acls(node)` | remove ACLs an entry inherited from its directory |
//!
//! Renames take a directory fd and a name on each side (`CWD` for a path),
//! so the cross-file-system engine never re-resolves a path it checked.
//!
//! Each returns the name of the mechanism it used, so `--debug` can say it.
//! An operation that this kernel or file system cannot do atomically returns
//! one of two errors and never an emulation: [`unsupported_system`] (the
//! kernel lacks it: `ENOSYS`) or [`unsupported_fs`] (the file system
//! refuses it: `EOPNOTSUPP`). Backends add no paths or wording to errors.
//!
//! `posix.rs` is compiled on every unix: the other backends fall back to it.
//! `--cfg pmv_backend="posix"` selects it alone on any host, so the generic
//! path runs its whole test suite on Linux.

use std::io;
use std::os::fd::BorrowedFd;

pub mod posix;

cfg_if::cfg_if! {
    if #[cfg(pmv_backend = "posix")] {
        use posix as imp;
    } else if #[cfg(any(target_os = "linux", target_os = "android"))] {
        mod linux;
        use linux as imp;
    } else if #[cfg(any(target_os = "macos", target_os = "ios", target_os = "tvos", target_os = "watchos", target_os = "visionos"))] {
        mod apple;
        use apple as imp;
    } else if #[cfg(any(target_os = "freebsd", target_os = "netbsd", target_os = "openbsd", target_os = "dragonfly"))] {
        mod bsd;
        use bsd as imp;
    } else {
        use posix as imp;
    }
}

pub use imp::{
    copy_data, copy_range, copy_xattrs, exchange, next_data, open_dir, rename_noreplace,
    strip_acls, sync_file, sync_fs, BACKEND, HAS_SYNCFS, NATIVE_NOREPLACE,
};
pub use posix::{
    catch_signals, caught_signal, copy_data_rw, hold_signals, ignore_sigpipe, make_node,
    rename_if_absent, replace, reraise, sync_dir,
};

/// Where an extended attribute is read or written: an open file or
/// directory, or an entry named in an open directory, not followed if it
/// is a symlink (symlinks and special files, which pmv does not open).
#[derive(Clone, Copy)]
pub enum Node<'a> {
    /// An open file or directory.
    Fd(BorrowedFd<'a>),
    /// The entry `name` in the directory `dir`.
    At(BorrowedFd<'a>, &'a std::ffi::CStr),
}

/// The error for "this system has no such operation".
pub fn unsupported_system() -> io::Error {
    io::Error::from_raw_os_error(rustix::io::Errno::NOSYS.raw_os_error())
}

/// The error for "this file system refuses the operation".
pub fn unsupported_fs() -> io::Error {
    io::Error::from_raw_os_error(rustix::io::Errno::OPNOTSUPP.raw_os_error())
}

/// Whether `err` says the kernel or the file system cannot do the operation,
/// as opposed to a real failure of it.
pub fn is_unsupported(err: &io::Error) -> bool {
    use rustix::io::Errno;
    matches!(
        err.raw_os_error().map(Errno::from_raw_os_error),
        Some(Errno::NOSYS | Errno::OPNOTSUPP | Errno::INVAL)
    ) || err.kind() == io::ErrorKind::Unsupported
}

/// Whether `err` says the kernel lacks the call altogether.
pub fn is_enosys(err: &io::Error) -> bool {
    err.raw_os_error() == Some(rustix::io::Errno::NOSYS.raw_os_error())
}

//! Per-OS backends, chosen at build time.
//!
//! Every backend offers the same free functions (no trait, as std and
//! tempfile do it):
//!
//! | function | does |
//! |---|---|
//! | `rename_noreplace(dir, from, dir, to)` | move only if `to` does not exist, atomically |
//! | `rename_if_absent(dir, from, dir, to)` | the same by looking first, not atomic (for a move that may replace anyway) |
//! | `exchange(dir, a, dir, b)` | swap two names atomically |
//! | `open_dir(path, follow)` | open a directory to work relative to it (`O_PATH` where there is one; `O_NOFOLLOW` unless `follow`) |
//! | `copy_data(from, to, progress)` | copy the rest of a file's data, fastest way first |
//! | `copy_range(from, to, start, end, progress)` | copy one data region of a sparse file |
//! | `sync_file(fd)`, `sync_fs(fd)` | flush a file, or a whole file system, to stable storage |
//! | `copy_xattrs(from, to, warn)` | copy extended attributes and ACLs, each on its own |
//! | `strip_acls(node)` | remove ACLs an entry inherited from its directory |
//! | `read_lease(fd)` | keep writers away from a file until `fd` is closed (Linux `F_SETLEASE`); `Ok(false)` where there are no leases |
//! | `is_empty_dir(fd)` | whether an open directory has no entries (for the private directory's proof) |
//!
//! and the constants `BACKEND`, `NATIVE_NOREPLACE` and `HAS_SYNCFS`. The
//! renames, the copies and `sync_fs` return the name of the mechanism they
//! used, so `--debug` can say it; `sync_file`, `copy_xattrs` and
//! `strip_acls` return nothing on success.
//!
//! What is the same on every system is written once and compiled on every
//! unix (as std's `sys/fs` has `common.rs`):
//!
//! - `common.rs`: a file's `stat` as [`Info`] (`lstat`, `fstat`, `statat`),
//!   `replace` (`renameat`), the hard-link way to rename without
//!   replacing that every backend falls back to, `rename_if_absent` (the
//!   same checks, then `renameat`), `open_dir`, `sync_dir`, `make_node`;
//! - `data.rs`: the `read`/`write` and `pread`/`pwrite` copies, and
//!   `next_data` (`SEEK_DATA`/`SEEK_HOLE`);
//! - `signals.rs`: holding, catching and re-raising SIGINT, SIGTERM,
//!   SIGHUP, and ignoring SIGPIPE.
//!
//! The selector below also names the helper modules each backend uses:
//! `unsupported.rs` (what a system without the call gets) and
//! `kernel_copy.rs` (the `copy_file_range` loop of Linux and FreeBSD).
//!
//! Renames take a directory fd and a name on each side (`CWD` for a path),
//! so the cross-file-system engine never re-resolves a path it checked.
//!
//! An operation that this kernel or file system cannot do atomically returns
//! one of two errors and never an emulation: [`unsupported_system`] (the
//! kernel lacks it: `ENOSYS`) or [`unsupported_fs`] (the file system
//! refuses it: `EOPNOTSUPP`). Backends add no paths or wording to errors.
//!
//! `--cfg pmv_backend="posix"` selects the generic backend on any host, so
//! its path runs the whole test suite on Linux.

use std::io;
use std::os::fd::BorrowedFd;

mod common;
mod data;
mod signals;

cfg_if::cfg_if! {
    if #[cfg(pmv_backend = "posix")] {
        mod posix;
        mod unsupported;
        use posix as imp;
    } else if #[cfg(any(target_os = "linux", target_os = "android"))] {
        mod kernel_copy;
        mod linux;
        use linux as imp;
    } else if #[cfg(any(target_os = "macos", target_os = "ios", target_os = "tvos", target_os = "watchos", target_os = "visionos"))] {
        mod apple;
        mod unsupported;
        use apple as imp;
    } else if #[cfg(any(target_os = "freebsd", target_os = "netbsd", target_os = "openbsd", target_os = "dragonfly"))] {
        mod bsd;
        #[cfg(target_os = "freebsd")]
        mod kernel_copy;
        mod unsupported;
        use bsd as imp;
    } else {
        mod posix;
        mod unsupported;
        use posix as imp;
    }
}

pub use self::{
    common::{
        fstat, is_empty_dir, listed_kind, lstat, make_node, open_dir_at, replace, statat, sync_dir,
        FileId, Info,
    },
    data::{copy_data_rw, next_data},
    imp::{
        copy_data, copy_range, copy_xattrs, exchange, read_lease, rename_noreplace, strip_acls,
        sync_file, sync_fs, BACKEND, HAS_SYNCFS,
    },
    signals::{caught_signal, hold_signals},
};
/// What only the two programs use.
#[cfg(feature = "cli")]
pub use self::{
    common::{rename_if_absent, stat},
    imp::{open_dir, CAPABILITIES, NATIVE_NOREPLACE},
    signals::{catch_signals, ignore_sigpipe, reraise},
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
/// as opposed to a real failure of it: `ENOSYS`, `EOPNOTSUPP`, or `EINVAL`
/// (what file systems answer for a rename flag they do not know).
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

//! Per-OS backends, chosen at build time.
//!
//! Every backend offers the same free functions (no trait, as std and
//! tempfile do it):
//!
//! | function | does |
//! |---|---|
//! | `replace(from, to)` | `rename(2)`: atomic replacement of `to` |
//! | `rename_noreplace(from, to)` | move only if `to` does not exist, atomically |
//! | `exchange(a, b)` | swap two names atomically |
//! | `copy_data(from, to, progress)` | copy file data, fastest way first |
//! | `sync_file(fd)` | flush a file to stable storage |
//! | `copy_xattrs(from, to)` | copy extended attributes where the system has them |
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
    copy_data, copy_xattrs, exchange, rename_noreplace, sync_file, BACKEND, NATIVE_NOREPLACE,
};
pub use posix::{
    catch_signals, caught_signal, copy_data_rw, hold_signals, ignore_sigpipe, make_node, replace,
    reraise, sync_dir,
};

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

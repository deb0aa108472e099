//! The generic POSIX backend, compiled on every unix.
//!
//! Syscalls: `renameat`, `linkat`, `unlinkat` (POSIX.1-2008).
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
use std::path::Path;

use rustix::fs::{linkat, renameat, unlinkat, AtFlags, CWD};
use rustix::io::Errno;

/// The name of this backend, as `--version` prints it.
#[allow(dead_code)]
pub const BACKEND: &str = "posix";

/// This backend has no native rename-without-replace call.
#[allow(dead_code)]
pub const NATIVE_NOREPLACE: bool = false;

/// Rename `from` to `to`, atomically replacing `to` if it exists.
///
/// # References
/// - [POSIX `renameat`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/renameat.html)
pub fn replace(from: &Path, to: &Path) -> io::Result<&'static str> {
    renameat(CWD, from, CWD, to)?;
    Ok("renameat")
}

/// Rename `from` to `to` only if `to` does not exist, with `linkat` then
/// `unlinkat`. Directories and file systems without hard links get
/// [`super::unsupported_fs`].
///
/// # References
/// - [POSIX `linkat`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/linkat.html)
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<&'static str> {
    match linkat(CWD, from, CWD, to, AtFlags::empty()) {
        Ok(()) => {}
        // Linux and the BSDs say EPERM for a directory and for file systems
        // that have no hard links; macOS says EISDIR for a directory... no
        // hard link can be had, so this mechanism is out.
        Err(Errno::PERM | Errno::ISDIR | Errno::MLINK | Errno::OPNOTSUPP | Errno::NOSYS) => {
            return Err(super::unsupported_fs())
        }
        Err(e) => return Err(e.into()),
    }
    if let Err(e) = unlinkat(CWD, from, AtFlags::empty()) {
        // Undo the link so that nothing changed; `to` is the entry we made.
        let _ = unlinkat(CWD, to, AtFlags::empty());
        return Err(e.into());
    }
    Ok("linkat+unlinkat")
}

/// Atomic exchange: no POSIX call does it, and it is never emulated.
#[allow(dead_code)]
pub fn exchange(_a: &Path, _b: &Path) -> io::Result<&'static str> {
    Err(super::unsupported_system())
}

/// While alive, SIGINT, SIGTERM and SIGHUP are held back from this thread;
/// they are delivered when it is dropped. Wraps the short window in which a
/// staging name exists, so that no signal can leave it behind.
pub struct HoldSignals {
    old: libc::sigset_t,
}

/// Hold SIGINT, SIGTERM and SIGHUP until the guard is dropped.
///
/// # References
/// - [POSIX `pthread_sigmask`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/pthread_sigmask.html)
pub fn hold_signals() -> HoldSignals {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset before use;
    // pthread_sigmask only reads `set` and writes `old`.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, sig);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        HoldSignals { old }
    }
}

impl Drop for HoldSignals {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved by hold_signals.
        unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut());
        }
    }
}

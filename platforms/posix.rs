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
use std::os::fd::BorrowedFd;
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
    // "." and ".." always exist: no-replace fails before the source is
    // looked at, as in the kernels that have the call.
    {
        use std::os::unix::ffi::OsStrExt;
        let b = to.as_os_str().as_bytes();
        let b = &b[..b.len()
            - b.iter()
                .rev()
                .take_while(|&&c| c == b'/')
                .count()
                .min(b.len().saturating_sub(1))];
        let last = b.rsplit(|&c| c == b'/').next().unwrap_or_default();
        if last == b"." || last == b".." {
            // ... once the source's directory is found.
            let dir = match from.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            rustix::fs::statat(CWD, dir, AtFlags::empty())?;
            return Err(Errno::EXIST.into());
        }
    }
    // A directory has no hard links; asking linkat would only give errors
    // about the new name (ENOENT for "d/") instead of the real answer.
    if rustix::fs::statat(CWD, from, AtFlags::SYMLINK_NOFOLLOW).is_ok_and(|st| {
        rustix::fs::FileType::from_raw_mode(st.st_mode as _) == rustix::fs::FileType::Directory
    }) {
        return Err(super::unsupported_fs());
    }
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

/// The size of one read/write step when copying file data.
const CHUNK: usize = 256 * 1024;

/// Copy the rest of `from` into `to` with `read`/`write`, calling
/// `progress` with the bytes done after each step; an error from
/// `progress` stops the copy (a caught signal). Holes are kept: an
/// all-zero chunk is skipped with `lseek` when `sparse` is set, and the
/// caller sets the final length with `ftruncate`.
pub fn copy_data_rw(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    sparse: bool,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    // Page-aligned, as GNU's copy buffer: an unaligned user buffer makes
    // the kernel's copy to and from it about twice as slow.
    const PAGE: usize = 4096;
    let mut raw = vec![0u8; CHUNK + PAGE];
    let start = raw.as_ptr().align_offset(PAGE).min(PAGE);
    let buf = &mut raw[start..start + CHUNK];
    loop {
        let n = match rustix::io::read(from, &mut *buf) {
            Ok(0) => {
                return Ok(if sparse {
                    "read/write (sparse)"
                } else {
                    "read/write"
                })
            }
            Ok(n) => n,
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        };
        if sparse && buf[..n].iter().all(|&b| b == 0) {
            rustix::fs::seek(to, rustix::fs::SeekFrom::Current(n as i64))?;
        } else {
            let mut done = 0;
            while done < n {
                match rustix::io::write(to, &buf[done..n]) {
                    Ok(w) => done += w,
                    Err(Errno::INTR) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        progress(n as u64)?;
    }
}

/// Copy file data: the generic backend has only `read`/`write`.
#[allow(dead_code)]
pub fn copy_data(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    copy_data_rw(from, to, false, progress)
}

/// Flush a file's data and metadata to stable storage.
///
/// # References
/// - [POSIX `fsync`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/fsync.html)
#[allow(dead_code)]
pub fn sync_file(fd: BorrowedFd<'_>) -> io::Result<()> {
    rustix::fs::fsync(fd).map_err(Into::into)
}

/// Flush a directory's entries. Some systems (illumos, Solaris, some
/// network file systems) refuse `fsync` on a directory with `EINVAL` or
/// `EBADF`; there is nothing more to do there.
pub fn sync_dir(fd: BorrowedFd<'_>) -> io::Result<()> {
    match rustix::fs::fsync(fd) {
        Ok(()) | Err(Errno::INVAL | Errno::BADF) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Extended attributes: the generic backend knows no portable API for
/// them, so there is nothing to copy.
#[allow(dead_code)]
pub fn copy_xattrs(_from: BorrowedFd<'_>, _to: BorrowedFd<'_>) -> io::Result<()> {
    Ok(())
}

static CAUGHT: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

extern "C" fn note_signal(sig: libc::c_int) {
    CAUGHT.store(sig, std::sync::atomic::Ordering::SeqCst);
}

/// From now on, SIGINT, SIGTERM and SIGHUP only set a flag
/// ([`caught_signal`]), so a long copy can stop at its next step, remove
/// what it staged, and then die of the signal with [`reraise`].
///
/// # References
/// - [POSIX `sigaction`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/sigaction.html)
pub fn catch_signals() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe; sigaction is given a fully initialised struct.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut old);
            if old.sa_sigaction == libc::SIG_IGN {
                continue; // ignored by our parent (nohup): keep it so
            }
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = note_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// The signal caught since [`catch_signals`], if any.
pub fn caught_signal() -> Option<i32> {
    match CAUGHT.load(std::sync::atomic::Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

/// Die of `sig` as if it had not been caught, so the parent sees the
/// signal in the exit status.
pub fn reraise(sig: i32) -> ! {
    // SAFETY: resetting a disposition and raising are plain libc calls.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
    }
    std::process::exit(128 + sig)
}

/// Create a fifo, device node or socket node at `path` with `mode` (type
/// and permission bits, as `st_mode`) and device number `rdev`.
///
/// # References
/// - [POSIX `mknod`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/mknod.html)
pub fn make_node(path: &Path, mode: u32, rdev: u64) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from_raw_os_error(Errno::INVAL.raw_os_error()))?;
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
    let r = unsafe {
        if mode & libc::S_IFMT as u32 == libc::S_IFIFO as u32 {
            libc::mkfifo(c.as_ptr(), (mode & 0o7777) as libc::mode_t)
        } else {
            libc::mknod(c.as_ptr(), mode as libc::mode_t, rdev as libc::dev_t)
        }
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Ignore SIGPIPE, so that a closed standard output (`pmv -v ... | head`)
/// makes writes fail quietly instead of killing the process between two
/// moves.
pub fn ignore_sigpipe() {
    // SAFETY: setting a signal's disposition to SIG_IGN.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

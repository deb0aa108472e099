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

use std::ffi::{CStr, OsStr};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::path::Path;

use rustix::fs::{linkat, renameat, unlinkat, AtFlags};
use rustix::io::Errno;

use super::Node;

/// The name of this backend, as `--version` prints it.
#[allow(dead_code)]
pub const BACKEND: &str = "posix";

/// This backend has no native rename-without-replace call.
#[allow(dead_code)]
pub const NATIVE_NOREPLACE: bool = false;

/// No call flushes a whole file system: each copied file is flushed.
#[allow(dead_code)]
pub const HAS_SYNCFS: bool = false;

/// Rename `from` to `to`, atomically replacing `to` if it exists.
///
/// # References
/// - [POSIX `renameat`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/renameat.html)
pub fn replace(
    from_dir: BorrowedFd<'_>,
    from: &Path,
    to_dir: BorrowedFd<'_>,
    to: &Path,
) -> io::Result<&'static str> {
    renameat(from_dir, from, to_dir, to)?;
    Ok("renameat")
}

/// Rename `from` to `to` only if `to` does not exist, with `linkat` then
/// `unlinkat`, failing first as Linux's `renameat2(RENAME_NOREPLACE)`
/// does (see [`noreplace_checks`]). Directories and file systems without
/// hard links get [`super::unsupported_fs`].
///
/// # References
/// - [POSIX `linkat`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/linkat.html)
pub fn rename_noreplace(
    from_dir: BorrowedFd<'_>,
    from: &Path,
    to_dir: BorrowedFd<'_>,
    to: &Path,
) -> io::Result<&'static str> {
    // A directory has no hard links: no atomic way here.
    if noreplace_checks(from_dir, from, to_dir, to)? {
        return Err(super::unsupported_fs());
    }
    let (from, to) = (trim_slashes(from), trim_slashes(to));
    match linkat(from_dir, from, to_dir, to, AtFlags::empty()) {
        Ok(()) => {}
        // Linux and the BSDs say EPERM for a directory and for file systems
        // that have no hard links; macOS says EISDIR for a directory... no
        // hard link can be had, so this mechanism is out.
        Err(Errno::PERM | Errno::ISDIR | Errno::MLINK | Errno::OPNOTSUPP | Errno::NOSYS) => {
            return Err(super::unsupported_fs())
        }
        Err(e) => return Err(e.into()),
    }
    if let Err(e) = unlinkat(from_dir, from, AtFlags::empty()) {
        // Undo the link so that nothing changed; `to` is the entry we made.
        let _ = unlinkat(to_dir, to, AtFlags::empty());
        return Err(e.into());
    }
    Ok("linkat+unlinkat")
}

/// Rename `from` to `to` if `to` does not exist, by looking first (as
/// gnulib's `renameatu` does without a native call), with the errors of
/// [`rename_noreplace`]: not atomic, for a move that may replace anyway.
pub fn rename_if_absent(
    from_dir: BorrowedFd<'_>,
    from: &Path,
    to_dir: BorrowedFd<'_>,
    to: &Path,
) -> io::Result<&'static str> {
    noreplace_checks(from_dir, from, to_dir, to)?;
    replace(from_dir, from, to_dir, to)
}

/// The failures of Linux's `renameat2(RENAME_NOREPLACE)`, in its order,
/// found by looking, so that every backend fails alike: each name's
/// directory must be one; `.`, `..` or `/` as the source is busy
/// (`EBUSY`) and as the destination exists; the source must exist; an
/// existing destination is `EEXIST`, before a trailing slash on a
/// non-directory is `ENOTDIR`. Returns whether the source is a directory.
fn noreplace_checks(
    from_dir: BorrowedFd<'_>,
    from: &Path,
    to_dir: BorrowedFd<'_>,
    to: &Path,
) -> io::Result<bool> {
    use rustix::fs::{statat, FileType};
    let is_dir =
        |st: &rustix::fs::Stat| FileType::from_raw_mode(st.st_mode as _) == FileType::Directory;
    for (dir, name) in [(from_dir, from), (to_dir, to)] {
        if name.as_os_str().is_empty() {
            return Err(Errno::NOENT.into());
        }
        let parent = parent_of(trim_slashes(name));
        if !is_dir(&statat(dir, parent, AtFlags::empty())?) {
            return Err(Errno::NOTDIR.into());
        }
    }
    let special = |p: &Path| matches!(last(trim_slashes(p)), b"." | b".." | b"/");
    if special(from) {
        return Err(Errno::BUSY.into());
    }
    if special(to) {
        return Err(Errno::EXIST.into());
    }
    let src = statat(from_dir, trim_slashes(from), AtFlags::SYMLINK_NOFOLLOW)?;
    if statat(to_dir, trim_slashes(to), AtFlags::SYMLINK_NOFOLLOW).is_ok() {
        return Err(Errno::EXIST.into());
    }
    let slash = |p: &Path| p.as_os_str().len() != trim_slashes(p).as_os_str().len();
    if !is_dir(&src) && (slash(from) || slash(to)) {
        return Err(Errno::NOTDIR.into());
    }
    Ok(is_dir(&src))
}

/// `p` without trailing slashes (a lone `/` stays).
fn trim_slashes(p: &Path) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    let b = p.as_os_str().as_bytes();
    let mut end = b.len();
    while end > 1 && b[end - 1] == b'/' {
        end -= 1;
    }
    Path::new(OsStr::from_bytes(&b[..end]))
}

/// The last component of `p` (trailing slashes trimmed already).
fn last(p: &Path) -> &[u8] {
    use std::os::unix::ffi::OsStrExt;
    let b = p.as_os_str().as_bytes();
    match b.iter().rposition(|&c| c == b'/') {
        Some(i) if i + 1 < b.len() => &b[i + 1..],
        _ => b,
    }
}

/// The directory part of `p` (trailing slashes trimmed already): `.` for a
/// bare name, `/` for a name in the root.
fn parent_of(p: &Path) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    let b = p.as_os_str().as_bytes();
    match b.iter().rposition(|&c| c == b'/') {
        None => Path::new("."),
        Some(0) => Path::new("/"),
        Some(i) => Path::new(OsStr::from_bytes(&b[..i])),
    }
}

/// Open the directory `path` (following symlinks), to reach entries in it
/// by name afterwards whatever happens to `path`: `O_DIRECTORY`, for
/// reading, which a directory that may be searched but not read refuses
/// (`EACCES`).
///
/// # References
/// - [POSIX `openat`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/open.html)
#[allow(dead_code)]
pub fn open_dir(path: &Path) -> io::Result<std::os::fd::OwnedFd> {
    open_dir_for(path, rustix::fs::OFlags::RDONLY)
}

/// Open the directory `path` (following symlinks) with `access`
/// (`O_RDONLY`, or a backend's `O_PATH`).
pub fn open_dir_for(path: &Path, access: rustix::fs::OFlags) -> io::Result<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let flags = access | OFlags::DIRECTORY | OFlags::CLOEXEC;
    Ok(rustix::fs::openat(
        rustix::fs::CWD,
        path,
        flags,
        Mode::empty(),
    )?)
}

/// Atomic exchange: no POSIX call does it, and it is never emulated.
#[allow(dead_code)]
pub fn exchange(
    _a_dir: BorrowedFd<'_>,
    _a: &Path,
    _b_dir: BorrowedFd<'_>,
    _b: &Path,
) -> io::Result<&'static str> {
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
/// `progress` stops the copy (a caught signal). With `hole_block` > 0,
/// every aligned block of that size that reads as zeros is skipped with
/// `lseek` instead of written, so it stays a hole; the caller sets the
/// final length with `ftruncate`.
pub fn copy_data_rw(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    hole_block: usize,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    thread_local! {
        // One page-aligned buffer for the whole run: an unaligned user
        // buffer makes the kernel's copy to and from it about twice as slow.
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    const PAGE: usize = 4096;
    BUF.with(|cell| {
        let mut raw = cell.borrow_mut();
        if raw.is_empty() {
            raw.resize(CHUNK + PAGE, 0);
        }
        let start = raw.as_ptr().align_offset(PAGE).min(PAGE);
        let buf = &mut raw[start..start + CHUNK];
        let block = if hole_block > 0 && CHUNK % hole_block == 0 {
            hole_block
        } else {
            0
        };
        loop {
            let n = match rustix::io::read(from, &mut *buf) {
                Ok(0) => {
                    return Ok(if block > 0 {
                        "read/write (holes kept)"
                    } else {
                        "read/write"
                    })
                }
                Ok(n) => n,
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            };
            let mut at = 0;
            while at < n {
                let end = if block > 0 { (at + block).min(n) } else { n };
                let piece = &buf[at..end];
                if block > 0 && piece.len() == block && is_zero(piece) {
                    rustix::fs::seek(to, rustix::fs::SeekFrom::Current(piece.len() as i64))?;
                } else {
                    write_all(to, piece)?;
                }
                at = end;
            }
            progress(n as u64)?;
        }
    })
}

/// Copy the bytes `start..end` of `from` to the same offsets of `to` with
/// `pread`/`pwrite`, leaving both file offsets alone.
pub fn copy_range_rw(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    start: u64,
    end: u64,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    let mut buf = vec![0u8; CHUNK.min((end - start) as usize).max(1)];
    let mut at = start;
    while at < end {
        let want = buf.len().min((end - at) as usize);
        let n = match rustix::io::pread(from, &mut buf[..want], at) {
            Ok(0) => break,
            Ok(n) => n,
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        };
        let mut done = 0;
        while done < n {
            match rustix::io::pwrite(to, &buf[done..n], at + done as u64) {
                Ok(w) => done += w,
                Err(Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        at += n as u64;
        progress(n as u64)?;
    }
    Ok("pread/pwrite")
}

/// Copy a byte range: the generic backend has only `pread`/`pwrite`.
#[allow(dead_code)]
pub fn copy_range(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    start: u64,
    end: u64,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    copy_range_rw(from, to, start, end, progress)
}

/// Whether `b` is all zeros, a machine word at a time.
pub fn is_zero(b: &[u8]) -> bool {
    // SAFETY: u64 has no invalid bit patterns; align_to splits safely.
    let (head, words, tail) = unsafe { b.align_to::<u64>() };
    head.iter().all(|&x| x == 0) && words.iter().all(|&w| w == 0) && tail.iter().all(|&x| x == 0)
}

/// Write all of `data` to `to`, retrying on `EINTR`.
pub fn write_all(to: BorrowedFd<'_>, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match rustix::io::write(to, data) {
            Ok(w) => data = &data[w..],
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The next region of data at or after `from` with `SEEK_DATA` and
/// `SEEK_HOLE` (Linux 3.1, FreeBSD 8, DragonFly, illumos, Solaris, macOS
/// 10.12): `Some((start, end))`, or `None` when only a hole remains.
/// Elsewhere it is unsupported, and callers find holes by reading.
pub fn next_data(fd: BorrowedFd<'_>, from: u64) -> io::Result<Option<(u64, u64)>> {
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris",
        target_vendor = "apple"
    ))]
    {
        let (data, hole) = (libc::SEEK_DATA, libc::SEEK_HOLE);
        // SAFETY: lseek on a descriptor the caller keeps open.
        let start = unsafe { libc::lseek(fd.as_raw_fd(), from as libc::off_t, data) };
        if start < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ENXIO) => Ok(None),
                _ => Err(e),
            };
        }
        // SAFETY: as above.
        let end = unsafe { libc::lseek(fd.as_raw_fd(), start, hole) };
        if end < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Some((start as u64, end as u64)))
    }
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris",
        target_vendor = "apple"
    )))]
    {
        let _ = (fd.as_raw_fd(), from);
        Err(super::unsupported_system())
    }
}

/// No call flushes a whole file system here: the caller flushes each
/// file instead.
#[allow(dead_code)]
pub fn sync_fs(_fd: BorrowedFd<'_>) -> io::Result<&'static str> {
    Err(super::unsupported_system())
}

/// Copy file data: the generic backend has only `read`/`write`.
#[allow(dead_code)]
pub fn copy_data(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    copy_data_rw(from, to, 0, progress)
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
pub fn copy_xattrs(
    _from: Node<'_>,
    _to: Node<'_>,
    _warn: &mut dyn FnMut(&OsStr, io::Error),
) -> io::Result<()> {
    Ok(())
}

/// ACLs: nothing to remove where the generic backend knows no ACL API.
#[allow(dead_code)]
pub fn strip_acls(_node: Node<'_>) -> io::Result<()> {
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

/// Create a fifo, device node or socket node `name` in the directory
/// `dir` with `mode` (type and permission bits, as `st_mode`) and device
/// number `rdev`.
///
/// # References
/// - [POSIX `mknodat`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/mknodat.html)
#[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
pub fn make_node(dir: BorrowedFd<'_>, name: &CStr, mode: u32, rdev: u64) -> io::Result<()> {
    let r = if mode & libc::S_IFMT as u32 == libc::S_IFIFO as u32 {
        make_fifo(dir, name, (mode & 0o7777) as libc::mode_t)
    } else {
        // SAFETY: `name` is a valid NUL-terminated string and `dir` is
        // open for the duration of the call.
        unsafe {
            libc::mknodat(
                dir.as_raw_fd(),
                name.as_ptr(),
                mode as libc::mode_t,
                rdev as libc::dev_t,
            )
        }
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "android"))]
fn make_fifo(dir: BorrowedFd<'_>, name: &CStr, perm: libc::mode_t) -> libc::c_int {
    // SAFETY: as in make_node.
    unsafe { libc::mkfifoat(dir.as_raw_fd(), name.as_ptr(), perm) }
}

/// Android's libc has no `mkfifoat`; its `mknodat` makes fifos.
#[cfg(target_os = "android")]
fn make_fifo(dir: BorrowedFd<'_>, name: &CStr, perm: libc::mode_t) -> libc::c_int {
    // SAFETY: as in make_node.
    unsafe { libc::mknodat(dir.as_raw_fd(), name.as_ptr(), libc::S_IFIFO | perm, 0) }
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

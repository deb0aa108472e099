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

use std::ffi::OsStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{renameat_with, RenameFlags};
use rustix::io::Errno;

use super::Node;

pub use super::common::sync_file;

/// The name of this backend, as `--version` prints it.
pub const BACKEND: &str = "linux";

#[cfg(feature = "cli")]
/// What this backend does atomically, one operation a line, as
/// `pmv --version` prints it.
pub const CAPABILITIES: &str = "\
replace: renameat, atomic
no-replace rename: renameat2(RENAME_NOREPLACE), atomic; where the file system refuses the flag, linkat+unlinkat, atomic for non-directories
exchange: renameat2(RENAME_EXCHANGE), atomic, where the file system supports it";

#[cfg(feature = "cli")]
/// This backend has a native rename-without-replace call.
pub const NATIVE_NOREPLACE: bool = true;

/// This backend flushes a whole file system in one call (`syncfs`).
pub const HAS_SYNCFS: bool = true;

static NO_RENAMEAT2: AtomicBool = AtomicBool::new(false);

fn renameat2(
    from_dir: BorrowedFd<'_>,
    from: &Path,
    to_dir: BorrowedFd<'_>,
    to: &Path,
    flags: RenameFlags,
) -> Result<(), Errno> {
    if NO_RENAMEAT2.load(Ordering::Relaxed) {
        return Err(Errno::NOSYS);
    }
    let r = renameat_with(from_dir, from, to_dir, to, flags);
    if r == Err(Errno::NOSYS) {
        NO_RENAMEAT2.store(true, Ordering::Relaxed);
    }
    r
}

/// Rename `from` to `to` only if `to` does not exist.
///
/// # References
/// - [renameat2(2)](https://man7.org/linux/man-pages/man2/renameat2.2.html)
pub fn rename_noreplace(
    from_dir: BorrowedFd<'_>,
    from: &Path,
    to_dir: BorrowedFd<'_>,
    to: &Path,
) -> io::Result<&'static str> {
    match renameat2(from_dir, from, to_dir, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok("renameat2(RENAME_NOREPLACE)"),
        Err(Errno::NOSYS | Errno::INVAL | Errno::OPNOTSUPP) => {
            super::common::link_then_unlink(from_dir, from, to_dir, to)
        }
        Err(e) => Err(e.into()),
    }
}

/// Swap `a` and `b` atomically.
///
/// # References
/// - [renameat2(2)](https://man7.org/linux/man-pages/man2/renameat2.2.html)
pub fn exchange(
    a_dir: BorrowedFd<'_>,
    a: &Path,
    b_dir: BorrowedFd<'_>,
    b: &Path,
) -> io::Result<&'static str> {
    match renameat2(a_dir, a, b_dir, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok("renameat2(RENAME_EXCHANGE)"),
        Err(Errno::NOSYS) => Err(super::unsupported_system()),
        Err(Errno::INVAL | Errno::OPNOTSUPP) => Err(super::unsupported_fs()),
        Err(e) => Err(e.into()),
    }
}

/// Open the directory `path` with `O_PATH`, to reach entries in it by name
/// afterwards whatever happens to `path`; search permission is enough, as
/// for GNU's target directory. With `follow` false a symlink as the last
/// component is refused (`O_NOFOLLOW`).
///
/// # References
/// - [open(2)](https://man7.org/linux/man-pages/man2/open.2.html)
#[cfg(feature = "cli")]
pub fn open_dir(path: &Path, follow: bool) -> io::Result<std::os::fd::OwnedFd> {
    super::common::open_dir_for(path, rustix::fs::OFlags::PATH, follow)
}

static NO_COPY_FILE_RANGE: AtomicBool = AtomicBool::new(false);

/// Copy the rest of `from` into `to`: `copy_file_range` (in-kernel, and
/// reflinks or server-side copies where the file system can), falling
/// back where the kernel or the pair of file systems refuses it (`ENOSYS`,
/// `EXDEV` before 5.3 and again across file system types since 5.19,
/// `EINVAL`, `EOPNOTSUPP`) to `sendfile`, or to `read`/`write` from tmpfs
/// (see [`copy_by_sendfile`]).
///
/// # References
/// - [copy_file_range(2)](https://man7.org/linux/man-pages/man2/copy_file_range.2.html)
pub fn copy_data(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    if !NO_COPY_FILE_RANGE.load(Ordering::Relaxed) {
        let mut call = |len| rustix::fs::copy_file_range(from, None, to, None, len);
        if super::kernel_copy::copy_all(&mut call, &refused, progress)? {
            return Ok("copy_file_range");
        }
    }
    if let Some(done) = copy_by_sendfile(from, to, progress) {
        return done;
    }
    super::data::copy_data_rw(from, to, 0, progress)
}

/// Whether `copy_data` goes on with `read`/`write` after `copy_file_range`
/// failed with `e`.
fn refused(e: Errno, copied_any: bool) -> bool {
    match e {
        // No such call, or (since 5.19) not between these two file
        // system types: a move copies between one pair, so ask no more.
        Errno::NOSYS | Errno::XDEV => {
            NO_COPY_FILE_RANGE.store(true, Ordering::Relaxed);
            true
        }
        Errno::INVAL | Errno::OPNOTSUPP | Errno::BADF | Errno::PERM | Errno::TXTBSY => !copied_any,
        _ => false,
    }
}

/// `sendfile` in 16 MiB requests, from a file on anything but tmpfs:
/// page cache to page cache in the kernel, with no copy through a user
/// buffer. `ci/bench.sh`, 256 MiB from ext4 to xfs: 67 ms, as BusyBox's
/// `sendfile` (68 ms), where `read`/`write` (GNU mv) takes 80 ms. From
/// tmpfs, whose pages it copies once more, `read`/`write` was as fast or
/// faster (512 MiB: 0.35 s against 0.39 s), so tmpfs keeps it. `None`:
/// not used, or refused before any byte moved; the caller copies with
/// `read`/`write`.
///
/// # References
/// - [sendfile(2)](https://man7.org/linux/man-pages/man2/sendfile.2.html)
fn copy_by_sendfile(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> Option<io::Result<&'static str>> {
    const STEP: usize = 16 * 1024 * 1024;
    const TMPFS_MAGIC: u64 = 0x0102_1994;
    // The field's type differs between libcs and architectures.
    let fs_type = super::common::bits(rustix::fs::fstatfs(from).ok()?.f_type);
    if fs_type == TMPFS_MAGIC {
        return None;
    }
    let mut copied_any = false;
    loop {
        match rustix::fs::sendfile(to, from, None, STEP) {
            Ok(0) if copied_any => return Some(Ok("sendfile")),
            // Nothing at the start: an empty file, or a pseudo-file whose
            // size lies: let read/write decide.
            Ok(0) => return None,
            Ok(n) => {
                copied_any = true;
                if let Err(e) = progress(n as u64) {
                    return Some(Err(e));
                }
            }
            Err(Errno::INTR) => {}
            Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) if !copied_any => return None,
            Err(e) => return Some(Err(e.into())),
        }
    }
}

/// Copy the bytes `start..end` of `from` to the same offsets of `to` (one
/// data region of a sparse file) with `copy_file_range` at explicit
/// offsets, falling back to `pread`/`pwrite` where it is refused.
///
/// # References
/// - [copy_file_range(2)](https://man7.org/linux/man-pages/man2/copy_file_range.2.html)
pub fn copy_range(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    start: u64,
    end: u64,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    let (mut off_in, mut off_out) = (start, start);
    if !NO_COPY_FILE_RANGE.load(Ordering::Relaxed) {
        let mut call = |len: usize| match (end - off_in).min(len as u64) as usize {
            0 => Ok(0),
            want => {
                rustix::fs::copy_file_range(from, Some(&mut off_in), to, Some(&mut off_out), want)
            }
        };
        if super::kernel_copy::copy_all(&mut call, &refused_in_range, progress)? {
            return Ok("copy_file_range");
        }
    }
    super::data::copy_range_rw(from, to, off_in, end, progress)
}

/// Whether `copy_range` goes on with `pread`/`pwrite` after
/// `copy_file_range` failed with `e`, at any point of the region.
fn refused_in_range(e: Errno, _copied_any: bool) -> bool {
    match e {
        Errno::NOSYS => {
            NO_COPY_FILE_RANGE.store(true, Ordering::Relaxed);
            true
        }
        Errno::XDEV
        | Errno::INVAL
        | Errno::OPNOTSUPP
        | Errno::BADF
        | Errno::PERM
        | Errno::TXTBSY => true,
        _ => false,
    }
}

/// Flush the whole file system that holds `fd` in one call, instead of
/// one `fsync` per copied file.
///
/// # References
/// - [syncfs(2)](https://man7.org/linux/man-pages/man2/syncfs.2.html)
pub fn sync_fs(fd: BorrowedFd<'_>) -> io::Result<&'static str> {
    rustix::fs::syncfs(fd)?;
    Ok("syncfs")
}

/// The path that names `name` in the directory `dir` without following a
/// symlink in its last component: there is no `*xattrat` call before
/// Linux 6.13, and `/proc/self/fd/N` resolves to the directory itself.
fn proc_path(dir: BorrowedFd<'_>, name: &std::ffi::CStr) -> std::ffi::CString {
    let mut p = format!("/proc/self/fd/{}/", dir.as_raw_fd()).into_bytes();
    p.extend_from_slice(name.to_bytes());
    std::ffi::CString::new(p).unwrap_or_default()
}

fn list(node: Node<'_>, buf: &mut Vec<u8>) -> Result<usize, Errno> {
    loop {
        let r = match node {
            Node::Fd(fd) => rustix::fs::flistxattr(fd, &mut buf[..]),
            Node::At(dir, name) => {
                rustix::fs::llistxattr(proc_path(dir, name).as_c_str(), &mut buf[..])
            }
        };
        match r {
            Err(Errno::RANGE) => buf.resize(buf.len() * 4, 0),
            other => return other,
        }
    }
}

fn get(node: Node<'_>, name: &OsStr, buf: &mut Vec<u8>) -> Result<usize, Errno> {
    loop {
        let r = match node {
            Node::Fd(fd) => rustix::fs::fgetxattr(fd, name, &mut buf[..]),
            Node::At(dir, n) => {
                rustix::fs::lgetxattr(proc_path(dir, n).as_c_str(), name, &mut buf[..])
            }
        };
        match r {
            Err(Errno::RANGE) => buf.resize(buf.len() * 4, 0),
            other => return other,
        }
    }
}

fn set(node: Node<'_>, name: &OsStr, value: &[u8]) -> Result<(), Errno> {
    use rustix::fs::XattrFlags;
    match node {
        Node::Fd(fd) => rustix::fs::fsetxattr(fd, name, value, XattrFlags::empty()),
        Node::At(dir, n) => rustix::fs::lsetxattr(
            proc_path(dir, n).as_c_str(),
            name,
            value,
            XattrFlags::empty(),
        ),
    }
}

/// Copy every extended attribute of `from` onto `to`, POSIX ACLs
/// (`system.posix_acl_*`) included, each on its own: one that `to` refuses
/// is reported to `warn` and skipped, and the others are still copied.
/// Refusals that only mean "not here" are silent, as in GNU mv: `ENOTSUP`
/// (no xattrs on this file system or kind of file), `EPERM` (`trusted.*`
/// without privilege, `user.*` on a symlink). `security.capability` is
/// written last, so that nothing written after it clears it.
///
/// # References
/// - [listxattr(2)](https://man7.org/linux/man-pages/man2/listxattr.2.html)
pub fn copy_xattrs(
    from: Node<'_>,
    to: Node<'_>,
    warn: &mut dyn FnMut(&OsStr, io::Error),
) -> io::Result<()> {
    let mut names = vec![0u8; 1024];
    let len = match list(from, &mut names) {
        Ok(n) => n,
        Err(Errno::NOTSUP | Errno::NOSYS | Errno::PERM | Errno::NOENT) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut all: Vec<&[u8]> = names[..len]
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .collect();
    // Stable: the listing's order, with the capability moved last.
    all.sort_by_key(|n| *n == b"security.capability");
    let mut value = vec![0u8; 4096];
    for name in all {
        let name = OsStr::from_bytes(name);
        let n = match get(from, name, &mut value) {
            Ok(n) => n,
            Err(Errno::NODATA | Errno::NOTSUP | Errno::PERM) => continue,
            Err(e) => return Err(e.into()),
        };
        match set(to, name, &value[..n]) {
            Ok(()) | Err(Errno::NOTSUP | Errno::PERM) => {}
            Err(e) => warn(name, e.into()),
        }
    }
    Ok(())
}

/// Remove the POSIX ACLs (access and default) that `node` inherited from
/// its directory's default ACL; a file system without ACLs has none.
pub fn strip_acls(node: Node<'_>) -> io::Result<()> {
    for name in ["system.posix_acl_access", "system.posix_acl_default"] {
        let r = match node {
            Node::Fd(fd) => rustix::fs::fremovexattr(fd, name),
            Node::At(dir, n) => rustix::fs::lremovexattr(proc_path(dir, n).as_c_str(), name),
        };
        match r {
            Ok(()) | Err(Errno::NODATA | Errno::NOTSUP | Errno::NOSYS) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Take a read lease on `fd` (a file opened for reading): while `fd` is
/// open, another process's open of the file for writing, or a truncate,
/// first waits for pmv to let go (or fails with `EWOULDBLOCK` if it is
/// non-blocking). `Ok(true)`: held, until `fd` is closed. `Ok(false)`: no
/// leases here (a file system without them, leases turned off), and
/// nothing changed. `EAGAIN`: the file is open for writing elsewhere right
/// now. `EACCES`: a file of another owner, without `CAP_LEASE`.
///
/// A lease break is signalled with SIGIO, whose default action ends the
/// process: where SIGIO still has that default, it is ignored from the
/// first lease on (a handler of the program's own is left alone).
///
/// # References
/// - [`fcntl(2)`, "Leases"](https://man7.org/linux/man-pages/man2/fcntl.2.html)
pub fn read_lease(fd: BorrowedFd<'_>) -> io::Result<bool> {
    static SIGIO_IGNORED: std::sync::Once = std::sync::Once::new();
    SIGIO_IGNORED.call_once(|| {
        // SAFETY: sigaction reads into and is given fully initialised
        // structs; SIG_IGN needs no handler.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGIO, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_DFL
            {
                libc::signal(libc::SIGIO, libc::SIG_IGN);
            }
        }
    });
    // SAFETY: F_SETLEASE takes an int argument and touches no memory.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETLEASE, libc::F_RDLCK) } == 0 {
        return Ok(true);
    }
    match Errno::from_io_error(&io::Error::last_os_error()) {
        // Open for writing elsewhere; or not this owner's file.
        Some(e @ (Errno::AGAIN | Errno::ACCESS | Errno::PERM)) => Err(e.into()),
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::os::fd::AsFd;

    /// Within one file system, both copies are done in the kernel, whole
    /// and at the right offsets.
    #[test]
    fn copy_data_and_copy_range_use_copy_file_range() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.path().join("a"), &data).unwrap();
        let from = File::open(dir.path().join("a")).unwrap();
        let (whole, region) = (dir.path().join("b"), dir.path().join("c"));
        let mut done = 0;
        let to = File::create(&whole).unwrap();
        let mech = super::copy_data(from.as_fd(), to.as_fd(), &mut |n| {
            done += n;
            Ok(())
        });
        assert_eq!(mech.unwrap(), "copy_file_range");
        assert_eq!(done, 3_000_000);
        assert!(std::fs::read(&whole).unwrap() == data);
        let to = File::create(&region).unwrap();
        let mech = super::copy_range(from.as_fd(), to.as_fd(), 1000, 2_000_000, &mut |_| Ok(()));
        assert_eq!(mech.unwrap(), "copy_file_range");
        let got = std::fs::read(&region).unwrap();
        assert_eq!(got.len(), 2_000_000);
        assert!(got[..1000].iter().all(|&b| b == 0));
        assert!(got[1000..] == data[1000..2_000_000]);
    }
}

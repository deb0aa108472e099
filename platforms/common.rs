//! What every backend shares, compiled on every unix: a file's `stat` in
//! the same types everywhere, `renameat`, the hard-link way to rename
//! without replacing (and its checks, for every backend), opening a
//! directory, flushing, and making special files.
//!
//! Syscalls: `fstatat`/`fstat`, `renameat`, `linkat`, `unlinkat`, `fsync`,
//! `mknodat`, `mkfifoat` (POSIX.1-2008).

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{linkat, renameat, unlinkat, AtFlags, FileType, Mode, Stat, Timespec};
use rustix::io::Errno;
use rustix::path::Arg;

use crate::names::{base, parent, trim};

/// What a file is, whatever its name: its device and inode numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

/// One `stat` of a file, in the same types on every system.
#[derive(Clone, Copy, Debug)]
pub struct Info {
    pub dev: u64,
    pub ino: u64,
    pub kind: FileType,
    /// `st_mode`: the kind and the permission bits.
    pub mode: u32,
    /// The permission, set-ID and sticky bits of `mode` (`& 07777`).
    pub perm: Mode,
    pub nlink: u64,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// The device a special file stands for.
    pub rdev: u64,
    /// The preferred size of one read or write.
    pub blksize: u64,
    /// Space allocated, in 512-byte blocks.
    pub blocks: u64,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
}

impl Info {
    /// The file's identity.
    pub fn id(&self) -> FileId {
        FileId {
            dev: self.dev,
            ino: self.ino,
        }
    }

    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        self.kind == FileType::Directory
    }

    /// Whether it is a symlink (only an `lstat` or a `statat` that does not
    /// follow can say so).
    pub fn is_symlink(&self) -> bool {
        self.kind == FileType::Symlink
    }
}

/// The one conversion from the system's `struct stat`, whose field types
/// differ from one system to the next.
impl From<&Stat> for Info {
    fn from(st: &Stat) -> Info {
        Info {
            dev: bits(st.st_dev),
            ino: bits(st.st_ino),
            kind: FileType::from_raw_mode(st.st_mode),
            mode: widen(st.st_mode),
            perm: Mode::from_raw_mode(st.st_mode),
            nlink: bits(st.st_nlink),
            uid: st.st_uid,
            gid: st.st_gid,
            size: bits(st.st_size),
            rdev: bits(st.st_rdev),
            blksize: bits(st.st_blksize),
            blocks: bits(st.st_blocks),
            atime: time(st.st_atime, st.st_atime_nsec),
            mtime: time(st.st_mtime, st.st_mtime_nsec),
            ctime: time(st.st_ctime, st.st_ctime_nsec),
        }
    }
}

/// A field that is an integer of at most 64 bits, signed or not, as `u64`:
/// a negative value (`dev_t` is signed on macOS) keeps its bits, as C's
/// conversion does.
pub(super) fn bits(x: impl Into<i128>) -> u64 {
    x.into() as u64
}

/// A field whose type is narrower on some systems, widened.
fn widen<T: Into<U>, U>(x: T) -> U {
    x.into()
}

/// Seconds (`time_t`) and nanoseconds (`long`, or unsigned on Linux).
fn time(sec: impl Into<i64>, nsec: impl Into<i128>) -> Timespec {
    Timespec {
        tv_sec: sec.into(),
        tv_nsec: nsec.into().try_into().unwrap_or_default(),
    }
}

/// `lstat`: `path` itself, a symlink not followed.
pub fn lstat<P: Arg>(path: P) -> io::Result<Info> {
    Ok(Info::from(&rustix::fs::lstat(path)?))
}

#[cfg(feature = "cli")]
/// `stat`: what `path` names, following symlinks.
pub fn stat<P: Arg>(path: P) -> io::Result<Info> {
    Ok(Info::from(&rustix::fs::stat(path)?))
}

/// `fstat` of an open file or directory.
pub fn fstat<Fd: AsFd>(fd: Fd) -> io::Result<Info> {
    Ok(Info::from(&rustix::fs::fstat(fd)?))
}

/// `fstatat`: the entry `name` in the directory `dir`
/// (`AtFlags::SYMLINK_NOFOLLOW`: a symlink itself).
pub fn statat<P: Arg, Fd: AsFd>(dir: Fd, name: P, flags: AtFlags) -> io::Result<Info> {
    Ok(Info::from(&rustix::fs::statat(dir, name, flags)?))
}

/// Rename `from` to `to`, atomically replacing `to` if it exists. The same
/// call on every system.
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

/// Rename `from` to `to` only if `to` does not exist, with `linkat` (which
/// fails with `EEXIST` if the name exists, atomically) then `unlinkat` of
/// `from`, failing first as Linux's `renameat2(RENAME_NOREPLACE)` does
/// (see [`noreplace_checks`]). Directories and file systems without hard
/// links get [`super::unsupported_fs`]. The generic backend's way, and the
/// others' where the file system refuses their native call.
///
/// # References
/// - [POSIX `linkat`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/linkat.html)
pub fn link_then_unlink(
    from_dir: BorrowedFd<'_>,
    from: &Path,
    to_dir: BorrowedFd<'_>,
    to: &Path,
) -> io::Result<&'static str> {
    // A directory has no hard links: no atomic way here.
    if noreplace_checks(from_dir, from, to_dir, to)? {
        return Err(super::unsupported_fs());
    }
    let (from, to) = (trim(from), trim(to));
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
/// [`link_then_unlink`]: not atomic, for a move that may replace anyway.
#[cfg(feature = "cli")]
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
    for (dir, name) in [(from_dir, from), (to_dir, to)] {
        if name.as_os_str().is_empty() {
            return Err(Errno::NOENT.into());
        }
        if !statat(dir, parent(name), AtFlags::empty())?.is_dir() {
            return Err(Errno::NOTDIR.into());
        }
    }
    let special = |p: &Path| matches!(base(p).as_bytes(), b"." | b".." | b"/");
    if special(from) {
        return Err(Errno::BUSY.into());
    }
    if special(to) {
        return Err(Errno::EXIST.into());
    }
    let src = statat(from_dir, trim(from), AtFlags::SYMLINK_NOFOLLOW)?;
    if statat(to_dir, trim(to), AtFlags::SYMLINK_NOFOLLOW).is_ok() {
        return Err(Errno::EXIST.into());
    }
    let slash = |p: &Path| p.as_os_str().len() != trim(p).as_os_str().len();
    if !src.is_dir() && (slash(from) || slash(to)) {
        return Err(Errno::NOTDIR.into());
    }
    Ok(src.is_dir())
}

/// Open the directory `path`, to reach entries in it by name afterwards
/// whatever happens to `path`: `O_DIRECTORY`, for reading, which a
/// directory that may be searched but not read refuses (`EACCES`). With
/// `follow` false a symlink as the last component is refused
/// (`O_NOFOLLOW`). Linux's backend opens with `O_PATH` instead.
///
/// # References
/// - [POSIX `openat`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/open.html)
#[cfg(all(
    feature = "cli",
    any(
        pmv_backend = "posix",
        not(any(target_os = "linux", target_os = "android"))
    )
))]
pub fn open_dir(path: &Path, follow: bool) -> io::Result<std::os::fd::OwnedFd> {
    open_dir_for(path, rustix::fs::OFlags::RDONLY, follow)
}

/// Open the directory `path` with `access` (`O_RDONLY`, or a backend's
/// `O_PATH`), following a symlink as the last component only if `follow`.
#[cfg(feature = "cli")]
pub fn open_dir_for(
    path: &Path,
    access: rustix::fs::OFlags,
    follow: bool,
) -> io::Result<std::os::fd::OwnedFd> {
    use rustix::fs::OFlags;
    let mut flags = access | OFlags::DIRECTORY | OFlags::CLOEXEC;
    if !follow {
        flags |= OFlags::NOFOLLOW;
    }
    Ok(rustix::fs::openat(
        rustix::fs::CWD,
        path,
        flags,
        Mode::empty(),
    )?)
}

/// Flush a file's data and metadata to stable storage with `fsync`, which
/// reaches the disk's cache flush on Linux and the BSDs (macOS needs more:
/// see `apple.rs`).
///
/// # References
/// - [POSIX `fsync`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/fsync.html)
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

/// Create a fifo, device node or socket node `name` in the directory
/// `dir` with `mode` (type and permission bits, as `st_mode`) and device
/// number `rdev`.
///
/// # References
/// - [POSIX `mknodat`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/mknodat.html)
pub fn make_node(dir: BorrowedFd<'_>, name: &CStr, mode: u32, rdev: u64) -> io::Result<()> {
    let mode = mode as libc::mode_t;
    let r = if mode & libc::S_IFMT == libc::S_IFIFO {
        make_fifo(dir, name, mode & 0o7777)
    } else {
        // SAFETY: `name` is a valid NUL-terminated string and `dir` is
        // open for the duration of the call.
        unsafe { libc::mknodat(dir.as_raw_fd(), name.as_ptr(), mode, rdev as libc::dev_t) }
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

/// Whether the open directory `fd` has no entries but `.` and `..`. It is
/// read from its current offset (a directory just opened: the start),
/// which it leaves at the end.
///
/// # References
/// - [Linux `getdents64`](https://man7.org/linux/man-pages/man2/getdents64.2.html),
///   [POSIX `readdir`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/readdir.html)
pub fn is_empty_dir(fd: BorrowedFd<'_>) -> io::Result<bool> {
    let dots = |name: &CStr| matches!(name.to_bytes(), b"." | b"..");
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // getdents64 on the descriptor itself: two calls for an empty
        // directory, no second descriptor.
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 1024];
        let mut entries = rustix::fs::RawDir::new(fd, &mut buf);
        while let Some(entry) = entries.next() {
            if !dots(entry?.file_name()) {
                return Ok(false);
            }
        }
        Ok(true)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        for entry in rustix::fs::Dir::read_from(fd)? {
            if !dots(entry?.file_name()) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Open the directory `path` (relative to `at`, following symlinks as the
/// path's own resolution does) only to work relative to it: `O_PATH` on
/// Linux, where search permission is enough (a directory one may write
/// and search but not read, as a drop box is), `O_RDONLY` elsewhere.
pub fn open_dir_at(at: BorrowedFd<'_>, path: &Path) -> io::Result<std::os::fd::OwnedFd> {
    use rustix::fs::OFlags;
    #[cfg(all(
        any(target_os = "linux", target_os = "android"),
        not(pmv_backend = "posix")
    ))]
    let access = OFlags::PATH;
    #[cfg(not(all(
        any(target_os = "linux", target_os = "android"),
        not(pmv_backend = "posix")
    )))]
    let access = OFlags::RDONLY;
    let flags = access | OFlags::DIRECTORY | OFlags::CLOEXEC;
    Ok(rustix::fs::openat(at, path, flags, Mode::empty())?)
}

/// The kind of a directory entry as the listing gives it (`d_type`), or
/// `Unknown` where the system's listing has none (illumos, Solaris): a
/// hint, to be looked at again before anything is done by it.
pub fn listed_kind(entry: &rustix::fs::DirEntry) -> FileType {
    #[cfg(any(target_os = "illumos", target_os = "solaris", target_os = "haiku"))]
    {
        let _ = entry;
        FileType::Unknown
    }
    #[cfg(not(any(target_os = "illumos", target_os = "solaris", target_os = "haiku")))]
    {
        entry.file_type()
    }
}

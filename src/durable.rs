//! Durable variants of the atomic operations: the same change, then the
//! directories whose entries it changed flushed to stable storage, so that
//! the change survives a power cut once the call returns.
//!
//! A rename is atomic for readers at once, but it reaches the disk only
//! when the file system writes back the directories involved; until then a
//! crash can bring back the old name. Each function here opens the
//! directories that hold the names it is given (their parents, as
//! written) before it changes anything, makes the change, and then calls
//! `fsync` on each of those directories, the one that holds the
//! destination first; the same directory is flushed once. Where a system
//! refuses `fsync` on a directory (illumos and Solaris may), there is
//! nothing more to do and that is no error.
//!
//! The data of a file that was renamed is not flushed: it was not changed.
//! To make new content durable as well, call
//! [`File::sync_all`](std::fs::File::sync_all) on it before the rename.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags, CWD};

use crate::{ops, platform};

/// A directory to flush could not be opened or flushed.
#[derive(Debug)]
pub(crate) struct DirError {
    /// The directory, as it was named, for pmv's message.
    #[cfg(feature = "cli")]
    pub dir: PathBuf,
    pub err: io::Error,
}

impl From<DirError> for io::Error {
    fn from(e: DirError) -> io::Error {
        e.err
    }
}

/// The directories that hold some names, each open once, to be flushed
/// after the names change.
pub(crate) struct Dirs(Vec<(PathBuf, OwnedFd)>);

impl Dirs {
    /// Open the directory that holds each of `names`, in that order; a
    /// directory already open (the same path, or the same `(dev, ino)`)
    /// is not opened again.
    pub(crate) fn open(names: &[&Path]) -> Result<Dirs, DirError> {
        let at: Vec<_> = names.iter().map(|n| (CWD, *n, *n)).collect();
        Dirs::open_at(&at)
    }

    /// [`Dirs::open`] for names relative to directories: each is
    /// `(dir, name, shown)`, `shown` the name as messages give it. The
    /// directory that holds a bare name is `dir` itself, reopened for
    /// reading (`openat(dir, ".")`), not found again by a path.
    pub(crate) fn open_at(names: &[(BorrowedFd<'_>, &Path, &Path)]) -> Result<Dirs, DirError> {
        let mut dirs: Vec<(PathBuf, OwnedFd)> = Vec::with_capacity(names.len());
        let mut seen: Vec<(BorrowedFd<'_>, &Path)> = Vec::with_capacity(names.len());
        for &(at, name, shown) in names {
            let dir = crate::names::parent(name);
            if seen
                .iter()
                .any(|&(a, d)| a.as_raw_fd() == at.as_raw_fd() && d == dir)
            {
                continue;
            }
            seen.push((at, dir));
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let shown = crate::names::parent(shown).to_path_buf();
            let fd = rustix::fs::openat(at, dir, flags, Mode::empty()).map_err(|e| DirError {
                #[cfg(feature = "cli")]
                dir: shown.clone(),
                err: e.into(),
            })?;
            if !dirs.is_empty() && dirs.iter().any(|(_, open)| same(open, &fd)) {
                continue;
            }
            dirs.push((shown, fd));
        }
        Ok(Dirs(dirs))
    }

    /// `fsync` each directory, in order.
    pub(crate) fn sync(&self) -> Result<(), DirError> {
        for (_dir, fd) in &self.0 {
            platform::sync_dir(fd.as_fd()).map_err(|err| DirError {
                #[cfg(feature = "cli")]
                dir: _dir.clone(),
                err,
            })?;
        }
        Ok(())
    }

    /// The directories, as named.
    #[cfg(feature = "cli")]
    pub(crate) fn names(&self) -> impl Iterator<Item = &Path> {
        self.0.iter().map(|(d, _)| d.as_path())
    }
}

/// Whether two open directories are one.
fn same(a: &OwnedFd, b: &OwnedFd) -> bool {
    match (rustix::fs::fstat(a), rustix::fs::fstat(b)) {
        (Ok(a), Ok(b)) => (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino),
        _ => false,
    }
}

/// Open the directories of `names`, run `change`, then flush them.
fn durably<T>(names: &[&Path], change: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    let dirs = Dirs::open(names)?;
    let done = change()?;
    dirs.sync()?;
    Ok(done)
}

/// [`replace`](crate::replace), then `fsync` of the directory that holds
/// `to` and, when it is another one, of the directory that held `from`.
/// When it returns `Ok`, the rename survives a crash or a power cut.
///
/// # Errors
/// Whatever opening those directories reports (then nothing was
/// changed), whatever the rename reports, or the error of a failed
/// `fsync`: then the rename was made, but may not be on disk.
///
/// # Examples
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir()?;
/// let (new, cur) = (dir.path().join("z.new"), dir.path().join("z"));
/// let mut f = std::fs::File::create(&new)?;
/// f.write_all(b"v2")?;
/// f.sync_all()?; // the content first
/// pmv::replace_durable(&new, &cur)?; // then the name
/// assert_eq!(std::fs::read_to_string(&cur)?, "v2");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn replace_durable(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<&'static str> {
    let (from, to) = (from.as_ref(), to.as_ref());
    durably(&[to, from], || ops::replace(from, to))
}

/// [`rename_noreplace`](crate::rename_noreplace), then `fsync` of the
/// directory that holds `to` and, when it is another one, of the directory
/// that held `from`. Returns the mechanism used.
///
/// # Errors
/// As [`rename_noreplace`](crate::rename_noreplace) (`EEXIST` if `to`
/// exists: nothing is flushed then), and as [`replace_durable`] for the
/// directories.
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let (tmp, name) = (dir.path().join("upload.tmp"), dir.path().join("7"));
/// std::fs::write(&tmp, "data")?;
/// pmv::rename_noreplace_durable(&tmp, &name)?;
/// assert!(!tmp.exists());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn rename_noreplace_durable(
    from: impl AsRef<Path>,
    to: impl AsRef<Path>,
) -> io::Result<&'static str> {
    let (from, to) = (from.as_ref(), to.as_ref());
    durably(&[to, from], || ops::rename_noreplace(from, to))
}

/// [`exchange`](crate::exchange), then `fsync` of the directory that holds
/// `b` and, when it is another one, of the directory that holds `a`.
/// Returns the mechanism used.
///
/// # Errors
/// As [`exchange`](crate::exchange) (nothing is flushed where exchange is
/// not supported), and as [`replace_durable`] for the directories.
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let (a, b) = (dir.path().join("a"), dir.path().join("b"));
/// std::fs::write(&a, "a")?;
/// std::fs::write(&b, "b")?;
/// match pmv::exchange_durable(&a, &b) {
///     Ok(_) => assert_eq!(std::fs::read_to_string(&a)?, "b"),
///     Err(e) => assert!(pmv::is_unsupported(&e)),
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn exchange_durable(a: impl AsRef<Path>, b: impl AsRef<Path>) -> io::Result<&'static str> {
    let (a, b) = (a.as_ref(), b.as_ref());
    durably(&[b, a], || ops::exchange(a, b))
}

/// [`flip_symlink`](crate::flip_symlink), then `fsync` of the directory
/// that holds `link` (after the private directory the link was made in is
/// gone, so that is not left behind by a crash either).
///
/// # Errors
/// As [`flip_symlink`](crate::flip_symlink), and as [`replace_durable`]
/// for the directory.
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let current = dir.path().join("current");
/// pmv::flip_symlink_durable("releases/2", &current)?;
/// assert_eq!(std::fs::read_link(&current)?, std::path::Path::new("releases/2"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn flip_symlink_durable(
    original: impl AsRef<Path>,
    link: impl AsRef<Path>,
) -> io::Result<&'static str> {
    let (original, link) = (original.as_ref(), link.as_ref());
    durably(&[link], || ops::flip_symlink(original, link))
}

/// [`link_replacing`](crate::link_replacing), then `fsync` of the
/// directory that holds `new`.
///
/// # Errors
/// As [`link_replacing`](crate::link_replacing), and as
/// [`replace_durable`] for the directory.
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let (a, b) = (dir.path().join("a"), dir.path().join("b"));
/// std::fs::write(&a, "a")?;
/// pmv::link_replacing_durable(&a, &b)?;
/// assert_eq!(std::fs::read_to_string(&b)?, "a");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn link_replacing_durable(
    original: impl AsRef<Path>,
    link: impl AsRef<Path>,
) -> io::Result<&'static str> {
    let (original, link) = (original.as_ref(), link.as_ref());
    durably(&[link], || ops::link_replacing(original, link))
}

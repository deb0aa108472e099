//! The atomic operations, for Rust callers and for the two programs.

use std::ffi::OsStr;
use std::io;
use std::os::fd::BorrowedFd;
use std::path::Path;

use rustix::fs::CWD;

use crate::platform;

/// Rename `from` to `to`, atomically replacing `to` if it exists: a reader
/// of `to` sees the old entry or the new one, never neither.
///
/// # Errors
/// Whatever `rename(2)` reports: `ENOENT` for a missing `from`, `EXDEV`
/// across file systems, `EISDIR`/`ENOTDIR` for a kind mismatch,
/// `ENOTEMPTY` for a non-empty directory `to`.
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let (new, cur) = (dir.path().join("z.new"), dir.path().join("z"));
/// std::fs::write(&new, "v2")?;
/// std::fs::write(&cur, "v1")?;
/// pmv::replace(&new, &cur)?;
/// assert_eq!(std::fs::read_to_string(&cur)?, "v2");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn replace(from: &Path, to: &Path) -> io::Result<()> {
    platform::replace(CWD, from, CWD, to).map(drop)
}

/// Rename `from` to `to` only if `to` does not exist, atomically: if `to`
/// appears at any moment, it is never overwritten. Returns the mechanism
/// used (`renameat2(RENAME_NOREPLACE)`, `linkat+unlinkat`, ...).
///
/// # Errors
/// `EEXIST` if `to` exists. An error for which [`is_unsupported`] holds when
/// neither the kernel nor a hard link can do it atomically (a directory on
/// a system without a no-replace rename); nothing was changed then.
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let (a, b) = (dir.path().join("a"), dir.path().join("b"));
/// std::fs::write(&a, "a")?;
/// std::fs::write(&b, "b")?;
/// let err = pmv::rename_noreplace(&a, &b).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
/// std::fs::remove_file(&b)?;
/// pmv::rename_noreplace(&a, &b)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<&'static str> {
    platform::rename_noreplace(CWD, from, CWD, to)
}

/// Swap `a` and `b` atomically. Never emulated: where the kernel or the
/// file system cannot, nothing changes and an error says so.
///
/// # Errors
/// `ENOENT` if either is missing; `EXDEV` across file systems; an error for
/// which [`is_unsupported`] holds where atomic exchange is not available
/// ([`unsupported_by_fs`] tells the file system's refusal from the
/// system's).
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let (a, b) = (dir.path().join("a"), dir.path().join("b"));
/// std::fs::write(&a, "a")?;
/// std::fs::write(&b, "b")?;
/// match pmv::exchange(&a, &b) {
///     Ok(_) => assert_eq!(std::fs::read_to_string(&a)?, "b"),
///     Err(e) => assert!(pmv::is_unsupported(&e)),
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn exchange(a: &Path, b: &Path) -> io::Result<&'static str> {
    platform::exchange(CWD, a, CWD, b)
}

/// Whether `err` means "not possible atomically here" rather than a failure
/// of the operation itself.
pub fn is_unsupported(err: &io::Error) -> bool {
    platform::is_unsupported(err)
}

/// Whether an unsupported-operation error came from the file system (FUSE,
/// NFS, 9p...) rather than from the kernel or OS as a whole.
pub fn unsupported_by_fs(err: &io::Error) -> bool {
    !platform::is_enosys(err) && platform::is_unsupported(err)
}

/// Make the new entry for `to` (relative to `dir`) with `make` (given its
/// path relative to `dir`: `to`'s own name inside a private directory
/// beside `to`), rename it over `to`, and remove the directory. Nothing
/// staged survives a failure, and SIGINT, SIGTERM and SIGHUP wait until
/// the rename is done or undone. Two system calls more than a bare
/// link-then-rename: `mkdirat` and `unlinkat`.
fn stage_then_replace(
    dir: BorrowedFd<'_>,
    to: &Path,
    make: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<&'static str> {
    let _held = platform::hold_signals();
    let private = crate::stage::create_path(dir, crate::stage::parent(to))?;
    let staged = private.join(crate::stage::base(to));
    let result = make(&staged).and_then(|()| platform::replace(dir, &staged, dir, to));
    // Gone after a rename, unless it was between two names of one file,
    // which rename(2) leaves both in place.
    let _ = rustix::fs::unlinkat(dir, &staged, rustix::fs::AtFlags::empty());
    // The entry is in place (or gone); an empty directory that cannot be
    // removed is not worth failing for.
    let _ = rustix::fs::unlinkat(dir, &private, rustix::fs::AtFlags::REMOVEDIR);
    result
}

/// Point the symlink `link` at `target`, atomically: a reader of `link`
/// sees the old target or the new one, never a missing name. The new link
/// is made under a temporary name beside `link`, then renamed over it.
///
/// # Errors
/// Whatever creating the link or `rename(2)` reports; `EISDIR` if `link`
/// is a real directory (never replaced). No temporary name is left behind.
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let current = dir.path().join("current");
/// pmv::flip_symlink("releases/1".as_ref(), &current)?;
/// pmv::flip_symlink("releases/2".as_ref(), &current)?;
/// assert_eq!(std::fs::read_link(&current)?, std::path::Path::new("releases/2"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn flip_symlink(target: &OsStr, link: &Path) -> io::Result<()> {
    flip_symlink_at(target, (CWD, link))
}

/// [`flip_symlink`] with `link` relative to a directory.
pub(crate) fn flip_symlink_at(
    target: &OsStr,
    (dir, link): (BorrowedFd<'_>, &Path),
) -> io::Result<()> {
    stage_then_replace(dir, link, |at| {
        rustix::fs::symlinkat(target, dir, at).map_err(Into::into)
    })
    .map(drop)
}

/// Make `new` a hard link to `existing`, atomically replacing whatever
/// `new` was.
///
/// # Errors
/// Whatever `linkat(2)` or `rename(2)` reports. No temporary name is left
/// behind.
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let (a, b) = (dir.path().join("a"), dir.path().join("b"));
/// std::fs::write(&a, "a")?;
/// std::fs::write(&b, "b")?;
/// pmv::link_replacing(&a, &b)?;
/// assert_eq!(std::fs::read_to_string(&b)?, "a");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn link_replacing(existing: &Path, new: &Path) -> io::Result<()> {
    link_replacing_at((CWD, existing), (CWD, new))
}

/// [`link_replacing`] with each name relative to a directory.
pub(crate) fn link_replacing_at(
    (from_dir, existing): (BorrowedFd<'_>, &Path),
    (dir, new): (BorrowedFd<'_>, &Path),
) -> io::Result<()> {
    stage_then_replace(dir, new, |at| {
        rustix::fs::linkat(from_dir, existing, dir, at, rustix::fs::AtFlags::empty())
            .map_err(Into::into)
    })
    .map(drop)
}

//! The atomic operations, for Rust callers and for the two programs.

use std::ffi::{CStr, OsStr};
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::CWD;

use crate::platform;
use crate::private::Private;

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
pub fn replace(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<&'static str> {
    platform::replace(CWD, from.as_ref(), CWD, to.as_ref())
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
pub fn rename_noreplace(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<&'static str> {
    platform::rename_noreplace(CWD, from.as_ref(), CWD, to.as_ref())
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
pub fn exchange(a: impl AsRef<Path>, b: impl AsRef<Path>) -> io::Result<&'static str> {
    platform::exchange(CWD, a.as_ref(), CWD, b.as_ref())
}

/// Whether `err` means "not possible atomically here" rather than a failure
/// of the operation itself: `ENOSYS` (the kernel lacks the call),
/// `EOPNOTSUPP`, an error of kind [`io::ErrorKind::Unsupported`], or
/// `EINVAL`, which FUSE, NFS, 9p and old ZFS answer for a rename flag they
/// do not know. A kernel also answers `EINVAL` for a directory moved into
/// its own subdirectory: a plain [`replace`] of the same pair tells the two
/// apart.
pub fn is_unsupported(err: &io::Error) -> bool {
    platform::is_unsupported(err)
}

/// Whether an unsupported-operation error came from the file system (FUSE,
/// NFS, 9p...) rather than from the kernel or OS as a whole.
pub fn unsupported_by_fs(err: &io::Error) -> bool {
    !platform::is_enosys(err) && platform::is_unsupported(err)
}

/// What [`stage_then_replace`] did: the mechanism, and a problem after
/// the change that the user should hear of (the private directory found
/// no longer to be the one made, left in place), worded.
pub(crate) struct Staged {
    pub mechanism: &'static str,
    pub left: Option<String>,
}

impl Staged {
    /// What the library's own functions return: the mechanism. Their
    /// callers have no terminal to be told on; a private directory left
    /// in place (`left`) is found by its `.pmv-` prefix.
    fn into_mechanism(self) -> &'static str {
        let _left = self.left;
        self.mechanism
    }
}

/// Make the new entry for `to` (relative to `dir`; shown as `shown`) with
/// `make`, given a private directory beside `to` and `to`'s own name to
/// make there; rename it over `to`, and remove the directory. Nothing
/// staged survives a failure, and SIGINT, SIGTERM and SIGHUP wait until
/// the rename is done or undone.
///
/// `to`'s directory is opened once; the private directory is made and
/// opened relative to that descriptor and proven to be the one just made
/// ([`Private::create`]), and the entry is made, renamed over `to` (in
/// the directory opened) and, on failure, removed relative to those two
/// descriptors. A user who may write `to`'s directory can rename the
/// private directory away and put a symlink or a directory of root's in
/// its place, but no name pln then acts on reaches it: by path, root's
/// `pln -sf X shared/passwd` could be led to make or remove `/etc/passwd`.
/// `with_alias`: the new entry may be another name of `to`'s own file (a
/// hard link), which `rename(2)` leaves in place; it is then removed.
///
/// [`Private::create`]: crate::private::Private::create
fn stage_then_replace(
    (dir, to): (BorrowedFd<'_>, &Path),
    shown: &Path,
    with_alias: bool,
    make: impl FnOnce(BorrowedFd<'_>, &CStr) -> io::Result<()>,
) -> io::Result<Staged> {
    let _held = platform::hold_signals();
    let opened;
    let parent = if to.as_os_str().as_bytes().contains(&b'/') {
        opened = platform::open_dir_at(dir, crate::names::parent(to))?;
        opened.as_fd()
    } else {
        dir
    };
    let private = Private::create(parent, shown)?;
    let base = Path::new(crate::names::base(to));
    let name = crate::private::cstr(base.as_os_str())?;
    // Its name in `parent` keeps the trailing slashes written (`y/` is
    // refused as rename(2) refuses it, not taken for `y`).
    let target = Path::new(crate::names::last_component(to));
    let result = make(private.fd(), &name)
        .and_then(|()| platform::replace(private.fd(), base, parent, target));
    // Gone after a rename, unless it was between two names of one file,
    // which rename(2) leaves both in place: only a hard link can be that.
    if result.is_err() || with_alias {
        let _ = rustix::fs::unlinkat(private.fd(), &name, rustix::fs::AtFlags::empty());
    }
    // The entry is in place (or gone); an empty directory that cannot be
    // removed is not worth failing for, one that is no longer ours is
    // worth a word.
    let left = private.remove().err().map(|e| e.to_string());
    result.map(|mechanism| Staged { mechanism, left })
}

/// Point the symlink `link` at `original`, atomically: a reader of `link`
/// sees the old target or the new one, never a missing name. The new link
/// is made under `link`'s own name in a private directory beside it, then
/// renamed over it. The arguments are in the order of
/// [`std::os::unix::fs::symlink`]. Returns the mechanism used.
///
/// # Errors
/// Whatever creating the link or `rename(2)` reports; `EISDIR` if `link`
/// is a real directory (never replaced). No temporary name is left behind.
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let current = dir.path().join("current");
/// pmv::flip_symlink("releases/1", &current)?;
/// pmv::flip_symlink("releases/2", &current)?;
/// assert_eq!(std::fs::read_link(&current)?, std::path::Path::new("releases/2"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn flip_symlink(
    original: impl AsRef<Path>,
    link: impl AsRef<Path>,
) -> io::Result<&'static str> {
    let link = link.as_ref();
    flip_symlink_at(original.as_ref().as_os_str(), (CWD, link), link).map(Staged::into_mechanism)
}

/// [`flip_symlink`] with `link` relative to a directory.
pub(crate) fn flip_symlink_at(
    original: &OsStr,
    link: (BorrowedFd<'_>, &Path),
    shown: &Path,
) -> io::Result<Staged> {
    stage_then_replace(link, shown, false, |at, name| {
        rustix::fs::symlinkat(original, at, name).map_err(Into::into)
    })
    .map(|s| Staged {
        mechanism: "symlinkat in a private directory, then renameat",
        ..s
    })
}

/// Make `link` a hard link to `original`, atomically replacing whatever
/// `link` was (the order of [`std::fs::hard_link`]). Returns the mechanism
/// used.
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
pub fn link_replacing(
    original: impl AsRef<Path>,
    link: impl AsRef<Path>,
) -> io::Result<&'static str> {
    let link = link.as_ref();
    link_replacing_at((CWD, original.as_ref()), (CWD, link), link).map(Staged::into_mechanism)
}

/// [`link_replacing`] with each name relative to a directory.
pub(crate) fn link_replacing_at(
    (from_dir, original): (BorrowedFd<'_>, &Path),
    link: (BorrowedFd<'_>, &Path),
    shown: &Path,
) -> io::Result<Staged> {
    stage_then_replace(link, shown, true, |at, name| {
        let flags = rustix::fs::AtFlags::empty();
        rustix::fs::linkat(from_dir, original, at, name, flags).map_err(Into::into)
    })
    .map(|s| Staged {
        mechanism: "linkat in a private directory, then renameat",
        ..s
    })
}

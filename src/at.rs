//! Names relative to a directory, as GNU's mv and ln reach a target
//! directory: opened once, then every name in it taken relative to what
//! was opened; and GNU's test of two names being one directory entry.

use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::Path;

use rustix::fs::{AtFlags, FileType, CWD};
use rustix::io::Errno;

use crate::report::errno;

/// Open the target directory `path` (GNU's `target_directory_operand`):
/// `O_PATH|O_DIRECTORY` where the system has `O_PATH`. With `follow`
/// false a symlink is "Not a directory" (GNU ln's `-n`, `O_NOFOLLOW`).
/// `None` for a directory that cannot be opened here (searchable but
/// unreadable, on a system without `O_PATH`): the caller then uses its
/// path.
///
/// # Errors
/// Why `path` is not a directory that can be reached.
pub fn open_target(path: &Path, follow: bool) -> io::Result<Option<OwnedFd>> {
    let nofollow = if follow {
        AtFlags::empty()
    } else {
        AtFlags::SYMLINK_NOFOLLOW
    };
    let kind = || crate::platform::statat(CWD, path, nofollow).map(|st| st.kind);
    let symlink = || !follow && kind().is_ok_and(|k| k == FileType::Symlink);
    if symlink() {
        return Err(Errno::NOTDIR.into());
    }
    // The open itself refuses a symlink with `-n` (`O_NOFOLLOW`): one put
    // there since the check is not followed either.
    match crate::platform::open_dir(path, follow) {
        Ok(fd) => Ok(Some(fd)),
        Err(e) if errno(&e) == Some(Errno::LOOP) && symlink() => Err(Errno::NOTDIR.into()),
        Err(e)
            if errno(&e) == Some(Errno::ACCESS)
                && kind().is_ok_and(|k| k == FileType::Directory) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// GNU's `same_nameat`: whether `a` and `b`, each a name relative to a
/// directory, are the same directory entry: the same last component as
/// written (`.` included), in directories that `lstat` says are one.
pub fn same_entry(a: (BorrowedFd<'_>, &Path), b: (BorrowedFd<'_>, &Path)) -> bool {
    use crate::names::{base, parent};
    if base(a.1) != base(b.1) {
        return false;
    }
    let id = |(dir, p): (BorrowedFd<'_>, &Path)| {
        let st = crate::platform::statat(dir, parent(p), AtFlags::SYMLINK_NOFOLLOW).ok()?;
        Some(st.id())
    };
    id(a).is_some() && id(a) == id(b)
}

//! Names relative to a directory, as GNU's mv and ln reach a target
//! directory: opened once, then every name in it taken relative to what
//! was opened; and GNU's test of two names being one directory entry.

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, CWD};
use rustix::io::Errno;

use crate::platform::FileId;
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

/// What this run has created, as GNU's `dest_info` remembers it: each
/// entry by its identity and by the name it was made under (its
/// directory's identity and its last component), so that "will not
/// overwrite just-created" is said only of that entry under that name. An
/// inode number reused for another entry, or the entry found under
/// another name, is not it.
#[derive(Default)]
pub struct Created {
    made: std::collections::HashMap<FileId, Vec<(FileId, OsString)>>,
    /// The last directory looked at, by descriptor and path: a target
    /// directory is looked at once for all its names.
    last_dir: std::cell::RefCell<Option<(i32, PathBuf, FileId)>>,
}

impl Created {
    /// The identity of the directory holding `name` (relative to `dir`).
    fn dir_of(&self, dir: BorrowedFd<'_>, name: &Path) -> Option<FileId> {
        let parent = crate::names::parent(name);
        if let Some((fd, p, id)) = &*self.last_dir.borrow() {
            if *fd == dir.as_raw_fd() && p == parent {
                return Some(*id);
            }
        }
        let id = crate::platform::statat(dir, parent, AtFlags::empty())
            .ok()?
            .id();
        *self.last_dir.borrow_mut() = Some((dir.as_raw_fd(), parent.to_path_buf(), id));
        Some(id)
    }

    /// Remember that `name` (relative to `dir`), which is `id`, was made.
    pub fn insert(&mut self, dir: BorrowedFd<'_>, name: &Path, id: FileId) {
        if let Some(d) = self.dir_of(dir, name) {
            let base = crate::names::base(name).to_os_string();
            self.made.entry(id).or_default().push((d, base));
        }
    }

    /// Whether `name` (relative to `dir`), now `id`, is an entry this run
    /// made, under that very name.
    pub fn contains(&self, dir: BorrowedFd<'_>, name: &Path, id: FileId) -> bool {
        if !self.made.contains_key(&id) {
            return false;
        }
        let Some(d) = self.dir_of(dir, name) else {
            return false;
        };
        let base = crate::names::base(name);
        self.made[&id].iter().any(|(pd, b)| *pd == d && b == base)
    }
}

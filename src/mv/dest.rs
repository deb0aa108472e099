//! DEST as GNU mv reaches it: a name relative to a directory. With a
//! target directory (`-t DIR`, `SOURCE... DIR`, and `SOURCE DIR` once DIR
//! turned out to be a directory) that directory is opened once and every
//! SOURCE goes into what was opened, whatever an earlier SOURCE moved or
//! replaced: `pmv -t l l f`, with `l` a symlink to a directory, moves the
//! link `l` and then `f` into that directory. Otherwise the directory is
//! the current one and the name is DEST as written.

use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, CWD};
use rustix::io::Errno;

use super::decide::Meta;
use super::exec::{lstat, lstat_at, Failed, Pair};
use crate::names;
use crate::report::{errno, q, Error};

/// Where one SOURCE goes.
#[derive(Clone, Copy)]
pub struct Dest<'a> {
    /// The directory `name` is in: a target directory, or the current one.
    pub dir: BorrowedFd<'a>,
    /// DEST's name in `dir`.
    pub name: &'a Path,
    /// DEST as the user sees it, in messages; it ends with `name`.
    pub shown: &'a Path,
}

impl<'a> Dest<'a> {
    /// DEST as written, from the current directory.
    pub fn path(path: &'a Path) -> Self {
        Dest {
            dir: CWD,
            name: path,
            shown: path,
        }
    }

    /// `lstat` of DEST.
    pub fn lstat(&self) -> io::Result<Meta> {
        lstat_at(self.dir, self.name)
    }

    /// Whether this process may write DEST (GNU's `writable_destination`
    /// without the symlink rule, which the caller applies).
    pub fn writable(&self) -> bool {
        use rustix::fs::{accessat, Access};
        // Real and effective IDs are the same for pmv (it is not set-ID), so
        // plain faccessat answers as GNU's AT_EACCESS does; Android lacks it.
        accessat(self.dir, self.name, Access::WRITE_OK, AtFlags::empty()).is_ok()
    }

    /// How a sibling of DEST named `rel` (relative to `dir`, as a backup
    /// name is) is shown: DEST's shown directory part, then `rel`.
    pub fn shown_sibling(&self, rel: &Path) -> PathBuf {
        use std::os::unix::ffi::{OsStrExt, OsStringExt};
        let shown = self.shown.as_os_str().as_bytes();
        let prefix = shown.len().saturating_sub(self.name.as_os_str().len());
        let mut out = shown[..prefix].to_vec();
        out.extend_from_slice(rel.as_os_str().as_bytes());
        PathBuf::from(std::ffi::OsString::from_vec(out))
    }
}

/// A target directory, opened once (GNU's `target_directory_operand`).
/// `None` where it is a directory that cannot be opened here (searchable
/// but unreadable, on a system without `O_PATH`): its path is used then.
pub fn open_target(path: &Path) -> io::Result<Option<OwnedFd>> {
    match crate::platform::open_dir(path) {
        Ok(fd) => Ok(Some(fd)),
        Err(e)
            if errno(&e) == Some(Errno::ACCESS) && super::exec::stat_dir(path).unwrap_or(false) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// GNU's `same_nameat`: whether SOURCE (from the current directory) and
/// `dst` are the same directory entry: the same last component as written
/// (`.` included), in directories that `lstat` says are one. For a DEST in
/// a target directory, that directory is the one opened.
pub fn same_entry(src: &Path, dst: &Dest) -> bool {
    same_entry_at((CWD, src), (dst.dir, dst.name))
}

/// [`same_entry`] for two names, each relative to a directory.
pub fn same_entry_at(a: (BorrowedFd, &Path), b: (BorrowedFd, &Path)) -> bool {
    if names::base(a.1) != names::base(b.1) {
        return false;
    }
    let id = |(dir, p): (BorrowedFd, &Path)| {
        lstat_at(dir, names::parent(p)).ok().map(|m| (m.dev, m.ino))
    };
    id(a).is_some() && id(a) == id(b)
}

/// `lstat` both names of a pair; a missing DEST is no error.
pub fn look<'a>(src: &'a Path, dst: Dest<'a>) -> Result<Pair<'a>, Failed> {
    let src_meta = lstat(src).map_err(|e| Error::io(format!("cannot stat {}", q(src)), e))?;
    let dst_meta = match dst.lstat() {
        Ok(m) => Some(m),
        Err(e) if errno(&e) == Some(Errno::NOENT) => None,
        Err(e) => return Err(Error::io(format!("cannot stat {}", q(dst.shown)), e).into()),
    };
    Ok(Pair {
        src,
        dst,
        src_meta,
        dst_meta,
    })
}

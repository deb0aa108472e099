//! The two names of one move: the jobs the operands make, and a pair
//! looked at with `lstat` before GNU's checks.

use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use rustix::fs::{AtFlags, CWD};
use rustix::io::Errno;

use super::decide::Meta;
use super::dest::Dest;
use super::exec::Failed;
use crate::report::{errno, q, Error};

/// One unit of work after the operands are read.
pub enum Job {
    /// Move SOURCE to exactly this name.
    Onto(PathBuf, PathBuf),
    /// Move SOURCE into the target directory, opened once: SOURCE, the
    /// directory, the name there, and DEST as shown.
    Into(PathBuf, Rc<OwnedFd>, PathBuf, PathBuf),
    /// `SRC DEST`: onto DEST, or into it if it is a directory.
    Either(PathBuf, PathBuf),
}

/// One SOURCE → DEST pair, looked at with `lstat`.
pub struct Pair<'a> {
    pub src: &'a Path,
    pub dst: Dest<'a>,
    pub src_meta: Meta,
    /// `None` when DEST does not exist.
    pub dst_meta: Option<Meta>,
}

/// `lstat`, as the decision reads it.
pub fn lstat(path: &Path) -> io::Result<Meta> {
    lstat_at(CWD, path)
}

/// `lstat` of `path` relative to `dir`.
pub fn lstat_at(dir: BorrowedFd<'_>, path: &Path) -> io::Result<Meta> {
    crate::platform::statat(dir, path, AtFlags::SYMLINK_NOFOLLOW).map(|info| Meta::from(&info))
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

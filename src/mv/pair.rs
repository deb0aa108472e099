//! The two names of one move: the jobs the operands make, and a pair
//! looked at with `lstat` before GNU's checks.

use std::io;
use std::path::{Path, PathBuf};

use rustix::io::Errno;

use super::decide::Meta;
use super::exec::Failed;
use crate::report::{errno, q, Error};

/// One unit of work after the operands are read.
pub enum Job {
    /// Move SOURCE to exactly this name.
    Onto(PathBuf, PathBuf),
    /// `SRC DEST`: onto DEST, or into it if it is a directory.
    Either(PathBuf, PathBuf),
}

/// One SOURCE → DEST pair, looked at with `lstat`.
pub struct Pair<'a> {
    pub src: &'a Path,
    pub dst: &'a Path,
    pub src_meta: Meta,
    /// `None` when DEST does not exist.
    pub dst_meta: Option<Meta>,
}

/// `lstat`, as the decision reads it.
pub fn lstat(path: &Path) -> io::Result<Meta> {
    crate::platform::lstat(path).map(|info| Meta::from(&info))
}

/// Whether `path` resolves (following symlinks) to a directory.
pub fn stat_dir(path: &Path) -> io::Result<bool> {
    crate::platform::stat(path).map(|info| info.is_dir())
}

/// `lstat` both names of a pair; a missing DEST is no error.
pub fn look<'a>(src: &'a Path, dst: &'a Path) -> Result<Pair<'a>, Failed> {
    let src_meta = lstat(src).map_err(|e| Error::io(format!("cannot stat {}", q(src)), e))?;
    let dst_meta = match lstat(dst) {
        Ok(m) => Some(m),
        Err(e) if errno(&e) == Some(Errno::NOENT) => None,
        Err(e) => return Err(Error::io(format!("cannot stat {}", q(dst)), e).into()),
    };
    Ok(Pair {
        src,
        dst,
        src_meta,
        dst_meta,
    })
}

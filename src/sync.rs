//! `--sync` for a move made by renaming (or exchanging) within one file
//! system, and for `pln`: once the names have changed, `fsync` the
//! directory that holds DEST and, when it is another one, the directory
//! that held SOURCE. (A move across file systems is flushed by the
//! engine.)

use std::os::fd::BorrowedFd;
use std::path::Path;

use crate::durable::Dirs;
use crate::report::{q, Error};

/// Flush the directories of `names` (DEST first), each `(dir, name,
/// shown)` as [`Dirs::open_at`] takes them: a name in a target directory
/// flushes the directory that was opened, not one found again by its
/// path. The step for `--debug`, such as `fsync of 'a' and 'b'`.
pub fn dirs(names: &[(BorrowedFd<'_>, &Path, &Path)]) -> Result<String, Error> {
    let cannot =
        |e: crate::durable::DirError| Error::io(format!("cannot sync {}", q(&e.dir)), e.err);
    let dirs = Dirs::open_at(names).map_err(cannot)?;
    dirs.sync().map_err(cannot)?;
    let shown: Vec<String> = dirs.names().map(q).collect();
    Ok(format!("fsync of {}", shown.join(" and ")))
}

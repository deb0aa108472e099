//! DEST as GNU mv reaches it: a name relative to a directory. With a
//! target directory (`-t DIR`, `SOURCE... DIR`, and `SOURCE DIR` once DIR
//! turned out to be a directory) that directory is opened once and every
//! SOURCE goes into what was opened, whatever an earlier SOURCE moved or
//! replaced: `pmv -t l l f`, with `l` a symlink to a directory, moves the
//! link `l` and then `f` into that directory. Otherwise the directory is
//! the current one and the name is DEST as written.

use std::io;
use std::os::fd::BorrowedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, CWD};

use super::decide::Meta;
use super::pair::lstat_at;

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
        crate::names::shown_sibling(self.shown, self.name, rel)
    }
}

/// GNU's `same_nameat` for SOURCE (from the current directory) and DEST:
/// for a DEST in a target directory, that directory is the one opened.
pub fn same_entry(src: &Path, dst: &Dest) -> bool {
    crate::at::same_entry((CWD, src), (dst.dir, dst.name))
}

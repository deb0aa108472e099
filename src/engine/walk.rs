//! The directory stack of a tree walk, relative to file descriptors.
//!
//! Each level holds the directory being read (a stream) and, when copying,
//! the directory being filled. At most `budget` levels keep their
//! descriptors open, whatever the depth: when a deeper level needs one, the
//! shallowest open level reads the rest of its names into memory and
//! closes its descriptors; on the way back up it is opened again through
//! `..` of the level below, and must be the same directory `(dev, ino)` as
//! before (otherwise someone moved it, and the walk stops). This is how
//! GNU's fts bounds its descriptors; memory stays proportional to the depth
//! except for the names read ahead in closed levels.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::{Dir, FileType, Mode, OFlags};
use rustix::io::Errno;

use crate::platform::{self, FileId, Info};

/// Open the directory `name` in `dir` without following a symlink.
pub fn open_dir(dir: BorrowedFd<'_>, name: &CStr) -> Result<OwnedFd, Errno> {
    rustix::fs::openat(
        dir,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// The source side of a level.
enum Src {
    /// Being read.
    Stream(Dir),
    /// Reopened after being closed; its names are in `saved`.
    Fd(OwnedFd),
    /// Closed to stay within the descriptor budget.
    Closed,
}

/// One directory of the walk.
pub struct Level {
    src: Src,
    dst: Option<OwnedFd>,
    /// Names still to visit (with their kind as listed), last first, read
    /// ahead when the level closed.
    saved: Vec<(CString, FileType)>,
    /// Identity of the directory read.
    pub src_id: FileId,
    /// Identity of the directory filled (copies only).
    pub dst_id: FileId,
    /// The read directory's own `fstat`, taken from its open descriptor.
    pub st: Info,
    /// Its name in its parent.
    pub name: CString,
    /// Its name in the parent being filled (copies only).
    pub dst_name: CString,
    /// Lengths of the shown paths before this level's name was added.
    pub lens: (usize, usize),
    /// Entries (or sub-trees) that stay: the directory cannot be removed.
    pub kept: usize,
    /// Read a second time after `ENOTEMPTY` with nothing kept.
    pub rescanned: bool,
}

impl Level {
    /// A level reading `src` (whose `fstat` is `st`) and filling `dst`.
    pub fn new(
        src: OwnedFd,
        st: Info,
        dst: Option<(OwnedFd, FileId)>,
        name: CString,
    ) -> io::Result<Level> {
        let (dst, dst_id) = match dst {
            Some((fd, id)) => (Some(fd), id),
            None => (None, FileId::default()),
        };
        Ok(Level {
            src: Src::Stream(Dir::new(src)?),
            dst,
            saved: Vec::new(),
            src_id: st.id(),
            dst_id,
            st,
            dst_name: name.clone(),
            name,
            lens: (0, 0),
            kept: 0,
            rescanned: false,
        })
    }

    /// The directory being read.
    pub fn src(&self) -> BorrowedFd<'_> {
        match &self.src {
            Src::Stream(d) => d.fd().expect("an open directory stream has a descriptor"),
            Src::Fd(fd) => fd.as_fd(),
            Src::Closed => unreachable!("the current level is always open"),
        }
    }

    /// The directory being filled.
    pub fn dst(&self) -> BorrowedFd<'_> {
        self.dst
            .as_ref()
            .expect("a copy level has a destination")
            .as_fd()
    }

    /// Give up the destination descriptor (the caller keeps it).
    pub fn take_dst(&mut self) -> Option<OwnedFd> {
        self.dst.take()
    }

    fn is_open(&self) -> bool {
        !matches!(self.src, Src::Closed)
    }

    /// Read the rest of the names into memory and close the descriptors.
    fn close(&mut self) -> io::Result<()> {
        if let Src::Stream(dir) = &mut self.src {
            let mut names = Vec::new();
            while let Some(entry) = dir.read() {
                let entry = entry?;
                let name = entry.file_name();
                if name != c"." && name != c".." {
                    names.push((name.to_owned(), platform::listed_kind(&entry)));
                }
            }
            names.reverse();
            names.append(&mut self.saved);
            self.saved = names;
        }
        self.src = Src::Closed;
        self.dst = None;
        Ok(())
    }

    /// The next name to visit, without `.` and `..`, and its kind as the
    /// listing gives it (`d_type`; `Unknown` where the file system does
    /// not say). The kind is a hint: the entry may be another by now.
    fn next(&mut self) -> Option<io::Result<(CString, FileType)>> {
        if let Some(entry) = self.saved.pop() {
            return Some(Ok(entry));
        }
        let Src::Stream(dir) = &mut self.src else {
            return None;
        };
        loop {
            match dir.read()? {
                Err(e) => return Some(Err(e.into())),
                Ok(entry) => {
                    let name = entry.file_name();
                    if name != c"." && name != c".." {
                        return Some(Ok((name.to_owned(), platform::listed_kind(&entry))));
                    }
                }
            }
        }
    }
}

/// The walk's stack of directories.
pub struct Stack {
    levels: Vec<Level>,
    budget: usize,
    /// Whether levels had a destination when they were closed.
    copying: bool,
}

/// Why the walk cannot go on.
pub enum Lost {
    /// A directory closed for the budget is not where it was.
    Moved,
    /// A system error reading or reopening a directory.
    Io(io::Error),
}

impl Stack {
    /// An empty stack whose descriptor budget fits the process's limit.
    pub fn new(copying: bool) -> Stack {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(1024);
        // Room for the standard streams, the operands' directories, the
        // private directories and two files being copied.
        let per_level = if copying { 2 } else { 1 };
        let budget = (limit.saturating_sub(16) / per_level).clamp(2, 64) as usize;
        Stack {
            levels: Vec::new(),
            budget,
            copying,
        }
    }

    /// Whether the walk is over.
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// The current (deepest) level.
    pub fn top(&mut self) -> &mut Level {
        self.levels.last_mut().expect("a level")
    }

    /// Descend into `level`, closing the shallowest open level if the
    /// budget is spent.
    pub fn push(&mut self, level: Level) -> io::Result<()> {
        if self.levels.iter().filter(|l| l.is_open()).count() >= self.budget {
            let n = self.levels.len();
            if let Some(l) = self.levels[..n.saturating_sub(1)]
                .iter_mut()
                .find(|l| l.is_open())
            {
                l.close()?;
            }
        }
        self.levels.push(level);
        Ok(())
    }

    /// The next name in the current level and its listed kind, or `None`
    /// when it is done.
    pub fn next(&mut self) -> Option<io::Result<(CString, FileType)>> {
        self.levels.last_mut()?.next()
    }

    /// Leave the current level, reopening its parent through `..` if it
    /// was closed.
    pub fn pop(&mut self) -> Result<Level, Lost> {
        let child = self.levels.pop().expect("a level");
        if let Some(parent) = self.levels.last_mut() {
            if !parent.is_open() {
                let src = reopen(child.src(), parent.src_id)?;
                parent.src = Src::Fd(src);
                if self.copying {
                    parent.dst = Some(reopen(child.dst(), parent.dst_id)?);
                }
            }
        }
        Ok(child)
    }
}

fn reopen(child: BorrowedFd<'_>, want: FileId) -> Result<OwnedFd, Lost> {
    let fd = rustix::fs::openat(
        child,
        c"..",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| Lost::Io(e.into()))?;
    let st = platform::fstat(&fd).map_err(Lost::Io)?;
    if st.id() != want {
        return Err(Lost::Moved);
    }
    Ok(fd)
}

//! Copying SOURCE into the private staging directory, relative to file
//! descriptors: every entry is opened without following symlinks and must
//! be what its listing said (`(dev, ino)`); metadata comes from the opened
//! descriptor's own `fstat` and is set on descriptors, or on names inside
//! the private directory, where no other user can reach them.

use std::collections::HashMap;
use std::ffi::{CStr, OsStr};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Timespec, Timestamps, CWD};
use rustix::io::Errno;

use super::walk::{self, Level, Stack};
use super::{Links, Paths, Progress};
use crate::platform::{self, FileId, Info, Node};
use crate::report::{q, Error};

/// What the removal needs to know of the copy: which entries changed
/// around the time they were copied.
#[derive(Default)]
pub struct Seen {
    /// The source file system's clock when the move began (the ctime of
    /// the private directory made beside SOURCE).
    pub t0: Timespec,
    /// `ctime` at copy time of each entry whose ctime was not older than
    /// `t0`, and of each multiply-linked regular file.
    pub recent: HashMap<FileId, Timespec>,
}

/// The copier of one operand.
pub struct Copier<'a> {
    pub verbose: bool,
    /// `fsync` every file and directory (no `syncfs` on this system).
    pub sync_each: bool,
    pub root: bool,
    pub euid: u32,
    pub egid: u32,
    pub seen: Seen,
    pub links: &'a mut Links,
    /// Told of each step; answers whether to go on.
    pub progress: &'a mut dyn FnMut(Progress) -> bool,
    pub warn: &'a mut dyn FnMut(String),
    /// The mechanism that copied file data last.
    pub mechanism: &'static str,
    /// The staging directory, for hard links made inside it.
    pub private: BorrowedFd<'a>,
    pub paths: Paths,
    /// Ids of the multiply-linked entries this operand added to `links`.
    pub linked: Vec<FileId>,
    /// The operand as written, for "not moved".
    pub operand: Vec<u8>,
    /// The private directory's name and DEST as shown: a directory of
    /// that name met in SOURCE is the copy itself, reached through another
    /// view of DEST's directory (FUSE, whose own inode numbers hide it
    /// from the identity check of DEST's ancestry).
    pub staging: (&'a CStr, Vec<u8>),
    /// Appended to the first `copied` line (`-v` with a backup).
    pub note: Option<String>,
}

fn os(b: &[u8]) -> &OsStr {
    OsStr::from_bytes(b)
}

fn times(st: &Info) -> Timestamps {
    Timestamps {
        last_access: st.atime,
        last_modification: st.mtime,
    }
}

impl Copier<'_> {
    fn shown_src(&self) -> String {
        q(os(&self.paths.src))
    }

    fn shown_dst(&self) -> String {
        q(os(&self.paths.dst))
    }

    /// `'SRC/x' was replaced while being copied; 'SRC' not moved`.
    pub fn replaced(&self) -> Error {
        Error::changed(format!(
            "{} was replaced while being copied; {} not moved",
            self.shown_src(),
            q(os(&self.operand))
        ))
    }

    fn changed(&self) -> Error {
        Error::changed(format!(
            "{} changed while being copied; {} not moved",
            self.shown_src(),
            q(os(&self.operand))
        ))
    }

    fn check_signal(&self) -> Result<(), Error> {
        if platform::caught_signal().is_some() {
            return Err(Error::io(
                format!("error writing {}", self.shown_dst()),
                Errno::INTR.into(),
            ));
        }
        Ok(())
    }

    fn remember(&mut self, st: &Info) {
        if st.ctime >= self.seen.t0 || (st.nlink > 1 && st.kind == FileType::RegularFile) {
            self.seen.recent.insert(st.id(), st.ctime);
        }
    }

    /// Copy SOURCE (`name` in `sdir`, whose `lstat` is `st`) to `dname` in
    /// the private directory. Returns the open destination of a directory.
    pub fn copy_top(
        &mut self,
        sdir: BorrowedFd<'_>,
        name: &CStr,
        st: &Info,
        ddir: BorrowedFd<'_>,
        dname: &CStr,
    ) -> Result<Option<(OwnedFd, Info)>, Error> {
        if !st.is_dir() {
            self.copy_leaf(sdir, name, st, ddir, dname)?;
            return Ok(None);
        }
        let level = self.enter(sdir, name, st, ddir, dname)?;
        self.walk(level).map(Some)
    }

    /// Open the source directory `name` and make its copy `dname`.
    fn enter(
        &mut self,
        sdir: BorrowedFd<'_>,
        name: &CStr,
        st: &Info,
        ddir: BorrowedFd<'_>,
        dname: &CStr,
    ) -> Result<Level, Error> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let (src, sst) = self.open_source(sdir, name, st, flags, "cannot access")?;
        rustix::fs::mkdirat(ddir, dname, Mode::from_raw_mode(0o700)).map_err(|e| {
            Error::io(
                format!("cannot create directory {}", self.shown_dst()),
                e.into(),
            )
        })?;
        let dst = walk::open_dir(ddir, dname)
            .map_err(io::Error::from)
            .and_then(|fd| platform::fstat(&fd).map(|s| (fd, s.id())))
            .map_err(|e| Error::io(format!("cannot access {}", self.shown_dst()), e))?;
        if self.verbose {
            crate::report::out(format_args!("created directory {}", self.shown_dst()));
        }
        let mut level = Level::new(src, sst, Some(dst), name.to_owned())
            .map_err(|e| Error::io(format!("cannot access {}", self.shown_src()), e))?;
        level.dst_name = dname.to_owned();
        Ok(level)
    }

    /// Copy a tree, depth first; returns the top directory's copy.
    fn walk(&mut self, top: Level) -> Result<(OwnedFd, Info), Error> {
        let mut stack = Stack::new(true);
        let mut top = top;
        top.lens = (self.paths.src.len(), self.paths.dst.len());
        stack
            .push(top)
            .map_err(|e| Error::io(format!("cannot access {}", self.shown_src()), e))?;
        loop {
            let Some(next) = stack.next() else {
                let mut level = stack.pop().map_err(|lost| match lost {
                    walk::Lost::Moved => self.replaced(),
                    walk::Lost::Io(e) => {
                        Error::io(format!("cannot access {}", self.shown_src()), e)
                    }
                })?;
                // The shown paths name this directory until it is done.
                let done = self.finish_dir(&level);
                self.paths.src.truncate(level.lens.0);
                self.paths.dst.truncate(level.lens.1);
                done?;
                if stack.is_empty() {
                    let fd = level.take_dst().expect("a copy level has a destination");
                    return Ok((fd, level.st));
                }
                continue;
            };
            let (name, _) =
                next.map_err(|e| Error::io(format!("cannot access {}", self.shown_src()), e))?;
            let lens = (self.paths.src.len(), self.paths.dst.len());
            self.paths.push(name.to_bytes());
            self.check_signal()?;
            let level = stack.top();
            let (sdir, ddir) = (level.src(), level.dst());
            let st = platform::statat(sdir, &name, AtFlags::SYMLINK_NOFOLLOW)
                .map_err(|e| Error::io(format!("cannot stat {}", self.shown_src()), e))?;
            if st.is_dir() && name.as_c_str() == self.staging.0 {
                return Err(Error::into_itself(format!(
                    "cannot move {} to a subdirectory of itself, {}",
                    q(os(&self.operand)),
                    q(os(&self.staging.1))
                )));
            }
            if st.is_dir() {
                let mut child = self.enter(sdir, &name, &st, ddir, &name)?;
                child.lens = lens;
                stack
                    .push(child)
                    .map_err(|e| Error::io(format!("cannot access {}", self.shown_src()), e))?;
            } else {
                self.copy_leaf(sdir, &name, &st, ddir, &name)?;
                self.paths.src.truncate(lens.0);
                self.paths.dst.truncate(lens.1);
            }
        }
    }

    fn finish_dir(&mut self, level: &Level) -> Result<(), Error> {
        self.meta(
            Node::Fd(level.src()),
            Node::Fd(level.dst()),
            &level.st,
            false,
        )?;
        if self.sync_each {
            platform::sync_dir(level.dst())
                .map_err(|e| Error::io(format!("cannot sync {}", self.shown_dst()), e))?;
        }
        Ok(())
    }

    /// Open the entry `name` (listed as `st`) without following a symlink;
    /// it must still be that file, of that kind. `failed` words other
    /// errors (`cannot open 'x' for reading`, `cannot access 'x'`).
    fn open_source(
        &self,
        sdir: BorrowedFd<'_>,
        name: &CStr,
        st: &Info,
        flags: OFlags,
        failed: &str,
    ) -> Result<(OwnedFd, Info), Error> {
        let reading = if failed == "cannot open" {
            " for reading"
        } else {
            ""
        };
        let fd = match rustix::fs::openat(sdir, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            // A symlink or a non-directory took its name, or it went.
            Err(Errno::LOOP | Errno::NOTDIR | Errno::NOENT) => return Err(self.replaced()),
            Err(e) => {
                let what = format!("{failed} {}{reading}", self.shown_src());
                return Err(Error::io(what, e.into()));
            }
        };
        let fst = platform::fstat(&fd)
            .map_err(|e| Error::io(format!("cannot fstat {}", self.shown_src()), e))?;
        if fst.id() != st.id() || fst.kind != st.kind {
            return Err(self.replaced());
        }
        Ok((fd, fst))
    }

    /// Copy one non-directory.
    fn copy_leaf(
        &mut self,
        sdir: BorrowedFd<'_>,
        name: &CStr,
        st: &Info,
        ddir: BorrowedFd<'_>,
        dname: &CStr,
    ) -> Result<(), Error> {
        // Moved names of one file are looked up even once the others are
        // gone from SOURCE (nlink 1 now), as GNU mv does.
        if !self.links.is_empty() && self.link_again(st, ddir, dname)? {
            self.remember(st);
            return self.copied();
        }
        match st.kind {
            FileType::RegularFile => self.copy_file(sdir, name, st, ddir, dname)?,
            FileType::Symlink => {
                let target =
                    rustix::fs::readlinkat(sdir, name, Vec::new()).map_err(|_| self.replaced())?;
                let again = platform::statat(sdir, name, AtFlags::SYMLINK_NOFOLLOW)
                    .map_err(|_| self.replaced())?;
                if again.id() != st.id() || !again.is_symlink() {
                    return Err(self.replaced());
                }
                rustix::fs::symlinkat(target.as_c_str(), ddir, dname).map_err(|e| {
                    Error::io(
                        format!("cannot create symbolic link {}", self.shown_dst()),
                        e.into(),
                    )
                })?;
                self.meta(Node::At(sdir, name), Node::At(ddir, dname), st, true)?;
                self.remember(st);
            }
            k => {
                let mode = st.mode & !0o7777 | 0o600;
                platform::make_node(ddir, dname, mode, st.rdev).map_err(|e| {
                    let what = if k == FileType::Fifo {
                        "fifo"
                    } else {
                        "special file"
                    };
                    Error::io(format!("cannot create {what} {}", self.shown_dst()), e)
                })?;
                self.meta(Node::At(sdir, name), Node::At(ddir, dname), st, false)?;
                self.remember(st);
            }
        }
        if st.nlink > 1 {
            if let Ok(made) = platform::statat(ddir, dname, AtFlags::SYMLINK_NOFOLLOW) {
                let rel = self.paths.dst[self.paths.rel_start..].to_vec();
                self.links
                    .insert(st.id(), super::LinkTo::Staged(rel, made.id()));
                self.linked.push(st.id());
            }
        }
        self.copied()
    }

    fn copied(&mut self) -> Result<(), Error> {
        if !(self.progress)(Progress::Entry) {
            return Err(cancelled(self.shown_dst()));
        }
        if self.verbose {
            let note = self.note.take().unwrap_or_default();
            crate::report::out(format_args!(
                "copied {} -> {}{note}",
                self.shown_src(),
                self.shown_dst()
            ));
        }
        Ok(())
    }

    /// Another name of a file copied before: link to the copy.
    fn link_again(&mut self, st: &Info, ddir: BorrowedFd<'_>, dname: &CStr) -> Result<bool, Error> {
        let Some(to) = self.links.get(&st.id()) else {
            return Ok(false);
        };
        let (made, want) = match to {
            super::LinkTo::Staged(rel, want) => (
                rustix::fs::linkat(self.private, os(rel), ddir, dname, AtFlags::empty()),
                *want,
            ),
            super::LinkTo::Committed(path, want) => (
                rustix::fs::linkat(CWD, path.as_path(), ddir, dname, AtFlags::empty()),
                *want,
            ),
        };
        if made.is_err() {
            return Ok(false);
        }
        // A committed copy can have been replaced since: it must still be
        // the file this run made.
        match platform::statat(ddir, dname, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(s) if s.id() == want => Ok(true),
            _ => {
                let _ = rustix::fs::unlinkat(ddir, dname, AtFlags::empty());
                Ok(false)
            }
        }
    }

    fn copy_file(
        &mut self,
        sdir: BorrowedFd<'_>,
        name: &CStr,
        st: &Info,
        ddir: BorrowedFd<'_>,
        dname: &CStr,
    ) -> Result<(), Error> {
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let (input, fst) = self.open_source(sdir, name, st, flags, "cannot open")?;
        let out = rustix::fs::openat(
            ddir,
            dname,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| {
            Error::io(
                format!("cannot create regular file {}", self.shown_dst()),
                e.into(),
            )
        })?;
        self.copy_data(&input, &out, &fst)?;
        let after = platform::fstat(&input)
            .map_err(|e| Error::io(format!("cannot fstat {}", self.shown_src()), e))?;
        if after.ctime != fst.ctime || after.size != fst.size {
            return Err(self.changed());
        }
        self.meta(Node::Fd(input.as_fd()), Node::Fd(out.as_fd()), &fst, false)?;
        if self.sync_each {
            platform::sync_file(out.as_fd())
                .map_err(|e| Error::io(format!("error writing {}", self.shown_dst()), e))?;
        }
        self.remember(&fst);
        Ok(())
    }

    /// File data to the end of the file: data regions only where the
    /// source has holes, the fastest whole-file copy otherwise.
    fn copy_data(&mut self, input: &OwnedFd, out: &OwnedFd, st: &Info) -> Result<(), Error> {
        let sparse = st.blocks * 512 < st.size;
        let progress = &mut *self.progress;
        let mut step = |n: u64| {
            if !progress(Progress::Bytes(n)) || platform::caught_signal().is_some() {
                return Err(io::Error::from(Errno::INTR));
            }
            Ok(())
        };
        let result = if sparse {
            copy_sparse(input.as_fd(), out.as_fd(), &mut step)
        } else {
            platform::copy_data(input.as_fd(), out.as_fd(), &mut step)
        };
        match result {
            Ok(mech) => {
                self.mechanism = mech;
                Ok(())
            }
            Err(e) => Err(self.io_error(e)),
        }
    }

    fn io_error(&self, e: io::Error) -> Error {
        // The copy loop cannot tell a read error from a write error by the
        // errno alone; the ones a destination produces are the usual ones.
        match e.raw_os_error().map(Errno::from_raw_os_error) {
            Some(Errno::NOSPC | Errno::DQUOT | Errno::FBIG | Errno::ROFS | Errno::INTR) => {
                Error::io(format!("error writing {}", self.shown_dst()), e)
            }
            _ => Error::io(format!("error reading {}", self.shown_src()), e),
        }
    }

    /// Owner, then mode, then extended attributes and ACLs (the capability
    /// last, after the owner, since a chown clears it), then times.
    /// Set-user/group-ID bits survive only where the owner and group could
    /// be kept, as GNU does.
    fn meta(
        &mut self,
        src: Node<'_>,
        dst: Node<'_>,
        st: &Info,
        symlink: bool,
    ) -> Result<(), Error> {
        let mode = self.owner(dst, st);
        if !symlink {
            let r = match dst {
                Node::Fd(fd) => rustix::fs::fchmod(fd, mode),
                // Inside the private directory: no one can swap the name.
                Node::At(dir, name) => rustix::fs::chmodat(dir, name, mode, AtFlags::empty()),
            };
            r.map_err(|e| {
                Error::io(
                    format!("preserving permissions for {}", self.shown_dst()),
                    e.into(),
                )
            })?;
        }
        self.xattrs(src, dst);
        let t = times(st);
        let r = match dst {
            Node::Fd(fd) => rustix::fs::futimens(fd, &t),
            Node::At(dir, name) => rustix::fs::utimensat(dir, name, &t, AtFlags::SYMLINK_NOFOLLOW),
        };
        // Not every system can set a symlink's times; GNU ignores that too.
        if !symlink {
            r.map_err(|e| {
                Error::io(
                    format!("preserving times for {}", self.shown_dst()),
                    e.into(),
                )
            })?;
        }
        Ok(())
    }

    /// Give `dst` the owner and group of `st` where permitted; returns the
    /// mode to set.
    fn owner(&self, dst: Node<'_>, st: &Info) -> Mode {
        use rustix::process::{Gid, Uid};
        let chown = |u: Option<Uid>, g: Option<Gid>| match dst {
            Node::Fd(fd) => rustix::fs::fchown(fd, u, g),
            Node::At(dir, name) => rustix::fs::chownat(dir, name, u, g, AtFlags::SYMLINK_NOFOLLOW),
        };
        let mut owned = true;
        if self.root || st.uid != self.euid || st.gid != self.egid {
            let (uid, gid) = (Uid::from_raw(st.uid), Gid::from_raw(st.gid));
            owned = chown(Some(uid), Some(gid)).is_ok();
            if !owned {
                let _ = chown(None, Some(gid));
            }
        }
        if !owned || !(self.root || self.euid == st.uid) {
            st.perm - (Mode::SUID | Mode::SGID)
        } else {
            st.perm
        }
    }

    /// Every extended attribute and ACL, each on its own; one refused is
    /// a warning, as in GNU mv.
    fn xattrs(&mut self, src: Node<'_>, dst: Node<'_>) {
        let shown = self.shown_dst();
        let warn = &mut *self.warn;
        let copied = platform::copy_xattrs(src, dst, &mut |attr, e| {
            warn(format!(
                "setting attribute {} for {}: {}",
                q(attr),
                shown,
                crate::report::strerror(&e)
            ))
        });
        if let Err(e) = copied {
            let line = format!(
                "cannot copy attributes of {}: {}",
                self.shown_src(),
                crate::report::strerror(&e)
            );
            (self.warn)(line);
        }
    }
}

/// Copy a file with holes: each data region `SEEK_DATA`/`SEEK_HOLE` finds,
/// or, where the system cannot find them, every block that reads as zeros
/// is skipped. The length is set at the end: the file's length then,
/// whatever it was when the copy began.
fn copy_sparse(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    step: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    let mut at = 0;
    let mut mech = "SEEK_DATA";
    loop {
        match platform::next_data(from, at) {
            Ok(Some((start, end))) => {
                mech = platform::copy_range(from, to, start, end, step)?;
                at = end;
            }
            Ok(None) => break,
            Err(e) if at == 0 && platform::is_unsupported(&e) => {
                let block = platform::fstat(to)
                    .ok()
                    .and_then(|s| usize::try_from(s.blksize).ok())
                    .unwrap_or(4096);
                rustix::fs::seek(from, rustix::fs::SeekFrom::Start(0))?;
                mech = platform::copy_data_rw(from, to, block.max(512), step)?;
                break;
            }
            Err(e) => return Err(e),
        }
    }
    let end = rustix::fs::seek(from, rustix::fs::SeekFrom::End(0))?;
    rustix::fs::ftruncate(to, end)?;
    Ok(if mech == "SEEK_DATA" {
        "SEEK_DATA/SEEK_HOLE"
    } else {
        mech
    })
}

/// The copy was stopped by its caller.
fn cancelled(what: String) -> Error {
    Error::io(format!("error writing {what}"), Errno::INTR.into())
}

//! Moving across file systems, atomic at both ends.
//!
//! Every other mv removes the destination and then copies into it, and
//! removes SOURCE piece by piece. Here:
//!
//! 1. a private directory is made beside SOURCE (which also proves SOURCE
//!    can be renamed away later: if not, nothing has changed yet);
//! 2. SOURCE is copied into a private directory beside DEST, under DEST's
//!    own name, its metadata finished there;
//! 3. one rename moves it over DEST: readers of DEST see the old entry or
//!    the whole new one;
//! 4. one rename moves SOURCE into its private directory: readers of
//!    SOURCE see all of it until then, and nothing after;
//! 5. it is removed from there.
//!
//! Everything works on file descriptors: each directory is opened relative
//! to its parent without following symlinks and checked by `(dev, ino)`
//! (see `walk.rs`, `copy.rs`, `remove.rs`), so a user who owns SOURCE and
//! changes it during the move cannot make pmv read, write or remove
//! anything outside it. A failure or a caught signal before step 3 removes
//! both private directories: SOURCE and DEST are as they were.

mod copy;
mod remove;
mod walk;

use std::collections::HashMap;
use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, CWD};
use rustix::io::Errno;

pub use walk::Id;
use walk::{id, kind, Level};

use crate::platform;
use crate::report::{q, Error};
use crate::stage::{self, Private};

/// Where an earlier copy of a multiply-linked file is, so that its other
/// names become hard links again (within a tree and across operands, as
/// GNU mv does).
pub enum LinkTo {
    /// In the staging directory of the move at hand, by path relative to
    /// it; with the copy's identity.
    Staged(Vec<u8>, Id),
    /// Committed by an earlier move of this run.
    Committed(PathBuf, Id),
}

/// Copies of multiply-linked files made by this run, by source identity.
pub type Links = HashMap<Id, LinkTo>;

/// The shown paths of the entry at hand, as the user wrote them.
pub struct Paths {
    pub src: Vec<u8>,
    pub dst: Vec<u8>,
    /// Where DEST's own name starts in `dst`: the rest is the path inside
    /// the staging directory.
    pub rel_start: usize,
}

impl Paths {
    fn push(&mut self, name: &[u8]) {
        for p in [&mut self.src, &mut self.dst] {
            if !p.ends_with(b"/") {
                p.push(b'/');
            }
            p.extend_from_slice(name);
        }
    }
}

/// How to move.
#[derive(Clone, Copy, Default)]
pub struct Settings {
    /// Never replace an existing DEST (`-n`).
    pub no_replace: bool,
    /// Fail rather than take a step that is not atomic.
    pub atomic: bool,
    /// Make the result durable.
    pub sync: bool,
    /// Say what is copied and removed.
    pub verbose: bool,
}

/// Why a move across file systems did not happen; nothing changed.
pub enum Failure {
    /// DEST exists and `-n` is on.
    Exists,
    /// The commit rename failed with this (the caller words it).
    Rename(io::Error),
    /// Anything else, worded.
    Failed(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Failed(e)
    }
}

/// The move across file systems of one operand.
pub struct Move<'a> {
    pub src: &'a Path,
    /// DEST as shown in messages.
    pub dst: &'a Path,
    /// DEST's directory and its name there: a target directory opened
    /// once, or the current directory and `dst` itself.
    pub dst_at: (BorrowedFd<'a>, &'a Path),
    /// What SOURCE was when the move was decided.
    pub expect: Id,
    pub settings: Settings,
    /// Appended to the `copied` line of a single file (`-v` with a backup).
    pub note: Option<String>,
}

/// What was done: the steps for `--debug`, and whether everything went
/// (SOURCE fully removed).
pub struct Done {
    pub steps: Vec<String>,
    pub clean: bool,
}

fn open_dir_at(at: BorrowedFd<'_>, path: &Path) -> io::Result<OwnedFd> {
    rustix::fs::openat(
        at,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(Into::into)
}

/// One end of the move: its directory, opened once, and its name there.
struct End<'p> {
    dir: OwnedFd,
    base: &'p OsStr,
    name: CString,
    /// The path as written, without trailing slashes.
    shown: Vec<u8>,
}

impl<'p> End<'p> {
    /// `path` relative to `at`, shown as `shown` (which ends with `path`).
    fn open(at: BorrowedFd<'_>, path: &'p Path, shown: &Path) -> io::Result<End<'p>> {
        let base = stage::base(path);
        let mut shown = shown.as_os_str().as_bytes().to_vec();
        shown.truncate(shown.len() - trailing(&shown));
        Ok(End {
            dir: open_dir_at(at, stage::parent(path))?,
            base,
            name: stage::cstr(base)?,
            shown,
        })
    }

    fn base(&self) -> &Path {
        Path::new(self.base)
    }
}

/// What the copy leaves for the commit and the removal.
struct Copied {
    /// The top directory's copy and its source's `fstat`, for a tree.
    top: Option<(OwnedFd, rustix::fs::Stat)>,
    seen: copy::Seen,
    /// Multiply-linked entries this move added to the links.
    linked: Vec<Id>,
    mechanism: &'static str,
    /// The copy was flushed with one `syncfs`.
    synced: bool,
}

impl Copied {
    /// The copy's steps, for `--debug`.
    fn describe(&self, private: &Private<'_>, dst: &End<'_>) -> Vec<String> {
        let mech = if self.mechanism.is_empty() {
            "copy"
        } else {
            self.mechanism
        };
        let mut steps = vec![format!(
            "{mech} into a staging directory ({}/{})",
            OsStr::from_bytes(private.name().to_bytes()).to_string_lossy(),
            dst.base.to_string_lossy()
        )];
        if self.synced {
            steps.push("syncfs".into());
        }
        steps
    }
}

impl Move<'_> {
    fn cannot(&self, e: impl Into<io::Error>) -> Failure {
        Failure::Failed(Error::io(
            format!("cannot move {} to {}", q(self.src), q(self.dst)),
            e.into(),
        ))
    }

    /// Carry out the move. Problems after DEST is in place (parts of
    /// SOURCE that could not be removed) go to `report`, and make
    /// `Done::clean` false.
    pub fn run(
        &self,
        links: &mut Links,
        progress: &mut dyn FnMut(u64) -> io::Result<()>,
        report: &mut dyn FnMut(String),
    ) -> Result<Done, Failure> {
        let mut steps = Vec::new();
        let src = End::open(CWD, self.src, self.src)
            .map_err(|e| Error::io(format!("cannot stat {}", q(self.src)), e))?;
        let st = self.source_stat(&src)?;
        // 1. SOURCE must be removable afterwards, or nothing happens.
        self.check_removable(&src, &st)?;
        let hid = Private::create(src.dir.as_fd(), Path::new("")).map_err(|e| self.cannot(e))?;
        let _ = hid.strip_acls();
        let t0 = rustix::fs::fstat(hid.fd())
            .map(|s| walk::ctime(&s))
            .map_err(|e| self.cannot(e))?;
        let dst = End::open(self.dst_at.0, self.dst_at.1, self.dst).map_err(|e| self.cannot(e))?;
        self.refuse_into_itself(&dst, &st)?;

        // 2. The copy, in a private directory beside DEST, under DEST's
        // name; nothing made inside may inherit an ACL from DEST's
        // directory.
        let private = Private::create(dst.dir.as_fd(), Path::new(""))
            .map_err(|e| create_error(&st, self.dst, e))?;
        // An inherited ACL left there would reach everything made inside.
        private.strip_acls().map_err(|e| self.cannot(e))?;
        let copied = self.copy(&src, &st, &dst, &private, t0, links, progress, report)?;
        steps.extend(copied.describe(&private, &dst));

        // 3. The commit.
        let is_dir = kind(&st) == FileType::Directory;
        let commit = self.commit(&dst, &private, &copied, is_dir, &mut steps);
        relink(links, &copied.linked, commit.is_ok().then_some(&dst));
        commit?;
        let _ = private.remove();
        if self.settings.sync {
            let _ = platform::sync_dir(dst.dir.as_fd());
        }

        // 4. and 5. SOURCE leaves its name in one step, then goes.
        let mut seen = copied.seen;
        let mut remover = remove::Remover {
            verbose: self.settings.verbose,
            seen: Some(&mut seen),
            path: src.shown.clone(),
            report,
        };
        let clean = match self.hide(&src, &st, &hid, &mut remover) {
            Some(hidden) => self.remove(&src, &hidden, &hid, &mut remover),
            None => false,
        };
        if clean {
            let _ = hid.remove();
            steps.push("renameat of SOURCE into a private directory".into());
            steps.push(
                if is_dir {
                    "source tree removed"
                } else {
                    "unlink source"
                }
                .into(),
            );
        } else {
            self.leave_remains(&src, hid, &mut remover);
        }
        Ok(Done { steps, clean })
    }

    /// SOURCE's `lstat`, which must be the file the move was decided on.
    fn source_stat(&self, src: &End<'_>) -> Result<rustix::fs::Stat, Failure> {
        let st = rustix::fs::statat(&src.dir, &src.name, AtFlags::SYMLINK_NOFOLLOW)
            .map_err(|e| Error::io(format!("cannot stat {}", q(self.src)), e.into()))?;
        if id(&st) != self.expect {
            return Err(Error::msg(format!(
                "{} was replaced while being copied; {} not moved",
                q(self.src),
                q(self.src)
            ))
            .into());
        }
        Ok(st)
    }

    /// A directory must not be copied into itself (also through a bind
    /// mount or another view of the same tree).
    fn refuse_into_itself(&self, dst: &End<'_>, st: &rustix::fs::Stat) -> Result<(), Failure> {
        let is_dir = kind(st) == FileType::Directory;
        if is_dir && inside(dst.dir.as_fd(), id(st)).map_err(|e| self.cannot(e))? {
            return Err(Error::msg(format!(
                "cannot copy a directory, {}, into itself, {}",
                q(self.src),
                q(self.dst)
            ))
            .into());
        }
        Ok(())
    }

    /// Keep the private directory beside SOURCE if anything of SOURCE is
    /// in it, and say where; else remove it.
    fn leave_remains(&self, src: &End<'_>, hid: Private<'_>, remover: &mut remove::Remover<'_>) {
        if rustix::fs::statat(hid.fd(), &src.name, AtFlags::SYMLINK_NOFOLLOW).is_err() {
            let _ = hid.remove();
            return;
        }
        let mut left = stage::parent(self.src).as_os_str().as_bytes().to_vec();
        if !left.ends_with(b"/") {
            left.push(b'/');
        }
        left.extend_from_slice(hid.name().to_bytes());
        (remover.report)(format!(
            "what remains of {} is in {}",
            q(self.src),
            q(OsStr::from_bytes(&left))
        ));
        hid.keep();
    }

    /// Copy SOURCE into `private` under DEST's name.
    #[allow(clippy::too_many_arguments)]
    fn copy(
        &self,
        src: &End<'_>,
        st: &rustix::fs::Stat,
        dst: &End<'_>,
        private: &Private<'_>,
        t0: (i64, i64),
        links: &mut Links,
        progress: &mut dyn FnMut(u64) -> io::Result<()>,
        report: &mut dyn FnMut(String),
    ) -> Result<Copied, Failure> {
        let euid = rustix::process::geteuid();
        let mut copier = copy::Copier {
            verbose: self.settings.verbose,
            sync_each: self.settings.sync && !platform::HAS_SYNCFS,
            root: euid.is_root(),
            euid: euid.as_raw(),
            egid: rustix::process::getegid().as_raw(),
            seen: copy::Seen {
                t0,
                recent: HashMap::new(),
            },
            links,
            progress,
            warn: report,
            mechanism: "",
            private: private.fd(),
            paths: Paths {
                src: src.shown.clone(),
                dst: dst.shown.clone(),
                rel_start: dst.shown.len() - dst.base.len(),
            },
            linked: Vec::new(),
            operand: src.shown.clone(),
            note: self.note.clone(),
        };
        let made = copier.copy_top(src.dir.as_fd(), &src.name, st, private.fd(), &dst.name);
        if made.is_err() {
            for k in copier.linked.drain(..) {
                copier.links.remove(&k);
            }
        }
        let mut top = made?;
        // A directory this user may not write cannot be renamed into
        // another directory: it gets that mode once it is in place.
        if let Some((fd, s)) = &mut top {
            #[allow(clippy::unnecessary_cast)]
            let mode = s.st_mode as u32 & 0o7777;
            if !copier.root && mode & 0o200 == 0 {
                let _ = rustix::fs::fchmod(&*fd, Mode::from_raw_mode((mode | 0o200) as _));
            } else {
                top = None;
            }
        }
        let mut synced = false;
        if self.settings.sync && platform::HAS_SYNCFS {
            platform::sync_fs(private.fd())
                .map_err(|e| Error::io(format!("error writing {}", q(self.dst)), e))?;
            synced = true;
        }
        Ok(Copied {
            top,
            seen: std::mem::take(&mut copier.seen),
            linked: std::mem::take(&mut copier.linked),
            mechanism: copier.mechanism,
            synced,
        })
    }

    /// Rename the copy over DEST (never over an existing one with `-n`).
    fn commit(
        &self,
        dst: &End<'_>,
        private: &Private<'_>,
        copied: &Copied,
        is_dir: bool,
        steps: &mut Vec<String>,
    ) -> Result<(), Failure> {
        let (from, to) = (private.fd(), dst.dir.as_fd());
        let name = dst.base();
        let result = if !self.settings.no_replace {
            platform::replace(from, name, to, name)
        } else {
            match platform::rename_noreplace(from, name, to, name) {
                // A directory on a system without a no-replace rename.
                Err(e) if platform::is_unsupported(&e) && is_dir => {
                    if self.settings.atomic {
                        return Err(Error::msg(format!(
                            "cannot move {} to {}: no atomic no-replace rename for a directory on this system (--atomic)",
                            q(self.src),
                            q(self.dst)
                        ))
                        .into());
                    }
                    if rustix::fs::statat(to, name, AtFlags::SYMLINK_NOFOLLOW).is_ok() {
                        return Err(Failure::Exists);
                    }
                    steps.push("lstat check (racy)".into());
                    platform::replace(from, name, to, name)
                }
                other => other,
            }
        };
        match result {
            Ok(mech) => steps.push(mech.to_string()),
            Err(e)
                if e.raw_os_error() == Some(Errno::EXIST.raw_os_error())
                    && self.settings.no_replace =>
            {
                return Err(Failure::Exists)
            }
            Err(e) => return Err(Failure::Rename(e)),
        }
        if let Some((fd, s)) = &copied.top {
            #[allow(clippy::unnecessary_cast)]
            let _ = rustix::fs::fchmod(fd, Mode::from_raw_mode((s.st_mode as u32 & 0o7777) as _));
        }
        Ok(())
    }

    /// Rename SOURCE into its private directory, if it is still what was
    /// copied; returns its `lstat` there.
    fn hide(
        &self,
        src: &End<'_>,
        st: &rustix::fs::Stat,
        hid: &Private<'_>,
        remover: &mut remove::Remover<'_>,
    ) -> Option<rustix::fs::Stat> {
        let is_dir = kind(st) == FileType::Directory;
        let now = rustix::fs::statat(&src.dir, &src.name, AtFlags::SYMLINK_NOFOLLOW);
        let seen = remover.seen.as_deref().expect("a removal after a copy");
        let same = now
            .as_ref()
            .is_ok_and(|n| id(n) == id(st) && (is_dir || remove::Remover::unchanged(seen, n)));
        if !same {
            let line = remover.changed_line();
            (remover.report)(line);
            return None;
        }
        let name = src.base();
        if let Err(e) = platform::replace(src.dir.as_fd(), name, hid.fd(), name) {
            remover.cannot_remove(&e);
            return None;
        }
        let hidden = rustix::fs::statat(hid.fd(), &src.name, AtFlags::SYMLINK_NOFOLLOW);
        // The rename moved its ctime; a write since the look above moved
        // its mtime or size (the look makes the next change's time fine
        // grained on Linux 6.13 and later).
        let written = |h: &rustix::fs::Stat| {
            let n = now.as_ref().expect("looked at above");
            !is_dir
                && (h.st_size != n.st_size
                    || (h.st_mtime, h.st_mtime_nsec) != (n.st_mtime, n.st_mtime_nsec))
        };
        match hidden {
            Ok(h) if id(&h) == id(st) && !written(&h) => {
                if self.settings.sync {
                    let _ = platform::sync_dir(src.dir.as_fd());
                }
                Some(h)
            }
            _ => {
                // Someone put another file there, or wrote to it, in
                // between: give it back.
                let _ = platform::rename_noreplace(hid.fd(), name, src.dir.as_fd(), name);
                let line = remover.changed_line();
                (remover.report)(line);
                None
            }
        }
    }

    /// Remove SOURCE from its private directory; whether all of it went.
    fn remove(
        &self,
        src: &End<'_>,
        hidden: &rustix::fs::Stat,
        hid: &Private<'_>,
        remover: &mut remove::Remover<'_>,
    ) -> bool {
        if kind(hidden) == FileType::Directory {
            let level = walk::open_dir(hid.fd(), &src.name)
                .map_err(io::Error::from)
                .and_then(|fd| Level::new(fd, *hidden, None, src.name.clone()));
            match level.map(|level| remover.tree(level)) {
                Ok(0) => {}
                Ok(_) => return false,
                Err(e) => {
                    remover.cannot_remove(&e);
                    return false;
                }
            }
        }
        // The file was checked just before it left its name (the rename
        // itself moved its ctime).
        let flags = if kind(hidden) == FileType::Directory {
            AtFlags::REMOVEDIR
        } else {
            AtFlags::empty()
        };
        match rustix::fs::unlinkat(hid.fd(), &src.name, flags) {
            Ok(()) => {
                if self.settings.verbose {
                    let what = if flags.is_empty() {
                        "removed"
                    } else {
                        "removed directory"
                    };
                    crate::report::out(format_args!("{what} {}", q(self.src)));
                }
                true
            }
            Err(e) => {
                remover.cannot_remove(&e.into());
                false
            }
        }
    }

    /// Fail now if SOURCE could not be renamed away once DEST is in place.
    fn check_removable(&self, src: &End<'_>, st: &rustix::fs::Stat) -> Result<(), Failure> {
        let euid = rustix::process::geteuid();
        let parent = rustix::fs::fstat(&src.dir).map_err(|e| self.cannot(e))?;
        let is_dir = kind(st) == FileType::Directory;
        if is_dir && id(st).0 != id(&parent).0 {
            return Err(self.cannot(Errno::BUSY)); // a mount point
        }
        #[allow(clippy::unnecessary_cast)]
        let sticky = parent.st_mode as u32 & 0o1000 != 0;
        let mine = |uid: u32| euid.as_raw() == uid;
        if sticky && !euid.is_root() && !mine(parent.st_uid) && !mine(st.st_uid) {
            return Err(self.cannot(Errno::PERM));
        }
        if is_dir && !euid.is_root() {
            // Renaming a directory into another one rewrites its `..`.
            // (Real IDs are the effective ones: pmv is not set-ID.)
            rustix::fs::accessat(
                &src.dir,
                &src.name,
                rustix::fs::Access::WRITE_OK,
                AtFlags::empty(),
            )
            .map_err(|e| self.cannot(e))?;
        }
        Ok(())
    }
}

/// After the commit (`dst` given), the staged copies of multiply-linked
/// files this move added are where DEST now is; after a failure they are
/// gone.
fn relink(links: &mut Links, linked: &[Id], dst: Option<&End<'_>>) {
    for k in linked {
        match (links.remove(k), dst) {
            (Some(LinkTo::Staged(rel, made)), Some(dst)) => {
                let mut p = dst.shown[..dst.shown.len() - dst.base.len()].to_vec();
                p.extend_from_slice(&rel);
                let path = PathBuf::from(OsStr::from_bytes(&p));
                links.insert(*k, LinkTo::Committed(path, made));
            }
            (Some(other), Some(_)) => {
                links.insert(*k, other);
            }
            _ => {}
        }
    }
}

/// The number of trailing slashes of `p` (all but a lone `/`).
fn trailing(p: &[u8]) -> usize {
    let mut n = 0;
    while n + 1 < p.len() && p[p.len() - 1 - n] == b'/' {
        n += 1;
    }
    n
}

/// Whether the directory `dir`, or one of its ancestors, is `target`:
/// moving a directory there would copy it into itself. `..` crosses mount
/// points, so bind mounts and other views of the same tree are seen.
pub fn inside(dir: BorrowedFd<'_>, target: Id) -> io::Result<bool> {
    let mut cur: Option<OwnedFd> = None;
    for _ in 0..65536 {
        let fd = cur.as_ref().map_or(dir, |f| f.as_fd());
        let here = rustix::fs::fstat(fd)?;
        if id(&here) == target {
            return Ok(true);
        }
        let up = rustix::fs::openat(
            fd,
            c"..",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        if id(&rustix::fs::fstat(&up)?) == id(&here) {
            return Ok(false);
        }
        cur = Some(up);
    }
    Ok(false)
}

fn create_error(st: &rustix::fs::Stat, dst: &Path, e: io::Error) -> Failure {
    let what = match kind(st) {
        FileType::RegularFile => "regular file",
        FileType::Directory => "directory",
        FileType::Symlink => "symbolic link",
        FileType::Fifo => "fifo",
        _ => "special file",
    };
    Failure::Failed(Error::io(format!("cannot create {what} {}", q(dst)), e))
}

/// Remove everything inside the open directory `dir` (a staging
/// directory being given up), with the same bounded walker, quietly.
pub fn clear(dir: BorrowedFd<'_>) {
    let Ok(fd) = rustix::fs::openat(
        dir,
        c".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    ) else {
        return;
    };
    let Ok(st) = rustix::fs::fstat(&fd) else {
        return;
    };
    let Ok(level) = Level::new(fd, st, None, c".".to_owned()) else {
        return;
    };
    remove::Remover {
        verbose: false,
        seen: None,
        path: Vec::new(),
        report: &mut |_| {},
    }
    .tree(level);
}

/// Whether the directory `dir` (relative to `at`) has any entry.
pub fn dir_has_entries(at: BorrowedFd<'_>, dir: &Path) -> bool {
    let Ok(fd) = open_dir_at(at, dir) else {
        return false;
    };
    let Ok(entries) = rustix::fs::Dir::new(fd) else {
        return false;
    };
    entries
        .filter_map(Result::ok)
        .any(|e| !matches!(e.file_name().to_bytes(), b"." | b".."))
}

/// The bytes of regular files under `path`, for the progress bar.
pub fn total_bytes(path: &Path) -> u64 {
    let Ok(st) = rustix::fs::lstat(path) else {
        return 0;
    };
    match kind(&st) {
        #[allow(clippy::unnecessary_cast)]
        FileType::RegularFile => st.st_size as u64,
        FileType::Directory => std::fs::read_dir(path)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| total_bytes(&e.path()))
                    .sum()
            })
            .unwrap_or(0),
        _ => 0,
    }
}

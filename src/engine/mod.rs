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

use walk::Level;

use crate::platform::{self, FileId, Info};
use crate::private::{self, Private};
use crate::report::{q, Error};

/// Where an earlier copy of a multiply-linked file is, so that its other
/// names become hard links again (within a tree and across operands, as
/// GNU mv does).
pub enum LinkTo {
    /// In the staging directory of the move at hand, by path relative to
    /// it; with the copy's identity.
    Staged(Vec<u8>, FileId),
    /// Committed by an earlier move of this run.
    Committed(PathBuf, FileId),
}

/// Copies of multiply-linked files made by this run, by source identity.
pub type Links = HashMap<FileId, LinkTo>;

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
    /// What SOURCE was when the move was decided: `(dev, ino)`.
    pub expect: (u64, u64),
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
        let base = crate::names::base(path);
        let mut shown = shown.as_os_str().as_bytes().to_vec();
        shown.truncate(shown.len() - trailing(&shown));
        Ok(End {
            dir: open_dir_at(at, crate::names::parent(path))?,
            base,
            name: private::cstr(base)?,
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
    top: Option<(OwnedFd, Info)>,
    seen: copy::Seen,
    /// Multiply-linked entries this move added to the links.
    linked: Vec<FileId>,
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
    /// SOURCE that could not be removed, or with `sync` a directory that
    /// could not be flushed) go to `report`, and make `Done::clean` false.
    pub fn run(
        &self,
        links: &mut Links,
        progress: &mut dyn FnMut(Progress) -> bool,
        report: &mut dyn FnMut(String),
    ) -> Result<Done, Failure> {
        let mut steps = Vec::new();
        let src = End::open(CWD, self.src, self.src)
            .map_err(|e| Error::io(format!("cannot stat {}", q(self.src)), e))?;
        let st = self.source_stat(&src)?;
        // 1. SOURCE must be removable afterwards, or nothing happens.
        self.check_removable(&src, &st)?;
        let hid = Private::create(src.dir.as_fd(), self.src).map_err(|e| self.cannot(e))?;
        let t0 = platform::fstat(hid.fd())
            .map(|s| s.ctime)
            .map_err(|e| self.cannot(e))?;
        let dst = End::open(self.dst_at.0, self.dst_at.1, self.dst).map_err(|e| self.cannot(e))?;
        self.refuse_into_itself(&dst, &st)?;

        // 2. The copy, in a private directory beside DEST, under DEST's
        // name; nothing made inside may inherit an ACL from DEST's
        // directory.
        let private = Private::create(dst.dir.as_fd(), self.dst)
            .map_err(|e| create_error(&st, self.dst, e))?;
        let copied = self.copy(&src, &st, &dst, &private, t0, links, progress, report)?;
        steps.extend(copied.describe(&private, &dst));

        // 3. The commit.
        let is_dir = st.is_dir();
        let commit = self.commit(&dst, &private, &copied, is_dir, &mut steps);
        relink(links, &copied.linked, commit.is_ok().then_some(&dst));
        commit?;
        if let Err(e) = private.remove() {
            report(e.to_string());
        }
        if !self.flush_dest(&dst, report, &mut steps) {
            return Ok(Done {
                steps,
                clean: false,
            });
        }

        let clean = self.let_go(&src, &st, hid, copied.seen, report, &mut steps);
        Ok(Done { steps, clean })
    }

    /// With `sync`, flush DEST's directory once the copy is in place.
    /// If that fails, DEST's new entry may not survive a power cut while
    /// SOURCE's removal might: say so and return `false`, and SOURCE
    /// stays, so that one of the two does.
    fn flush_dest(
        &self,
        dst: &End<'_>,
        report: &mut dyn FnMut(String),
        steps: &mut Vec<String>,
    ) -> bool {
        if !self.settings.sync {
            return true;
        }
        let dir = crate::names::parent(self.dst);
        match platform::sync_dir(dst.dir.as_fd()) {
            Ok(()) => {
                steps.push(format!("fsync of {}", q(dir)));
                true
            }
            Err(e) => {
                report(Error::io(format!("cannot sync {}", q(dir)), e).to_string());
                report(format!("{} is kept", q(self.src)));
                false
            }
        }
    }

    /// Steps 4 and 5: SOURCE leaves its name in one step, then goes.
    /// What cannot be removed stays in `hid` and is reported; `false`
    /// then.
    fn let_go(
        &self,
        src: &End<'_>,
        st: &Info,
        hid: Private<'_>,
        mut seen: copy::Seen,
        report: &mut dyn FnMut(String),
        steps: &mut Vec<String>,
    ) -> bool {
        let mut remover = remove::Remover {
            verbose: self.settings.verbose,
            seen: Some(&mut seen),
            path: src.shown.clone(),
            report,
            leases: true,
        };
        let mut src_synced = false;
        let clean = match self.hide(src, st, &hid, &mut remover) {
            Some((hidden, lease)) => {
                src_synced = self.settings.sync && platform::sync_dir(src.dir.as_fd()).is_ok();
                let gone = self.remove(src, &hidden, &hid, &mut remover);
                // A writer waiting for the file may go on now.
                drop(lease);
                gone
            }
            None => false,
        };
        if clean {
            if let Err(e) = hid.remove() {
                (remover.report)(e.to_string());
            }
            steps.push("renameat of SOURCE into a private directory".into());
            if src_synced {
                steps.push(format!("fsync of {}", q(crate::names::parent(self.src))));
            }
            steps.push(
                if st.is_dir() {
                    "source tree removed"
                } else {
                    "unlink source"
                }
                .into(),
            );
        } else {
            self.leave_remains(src, hid, &mut remover);
        }
        clean
    }

    /// SOURCE's `lstat`, which must be the file the move was decided on.
    fn source_stat(&self, src: &End<'_>) -> Result<Info, Failure> {
        let st = platform::statat(&src.dir, &src.name, AtFlags::SYMLINK_NOFOLLOW)
            .map_err(|e| Error::io(format!("cannot stat {}", q(self.src)), e))?;
        let (dev, ino) = self.expect;
        if st.id() != (FileId { dev, ino }) {
            return Err(Error::changed(format!(
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
    fn refuse_into_itself(&self, dst: &End<'_>, st: &Info) -> Result<(), Failure> {
        if st.is_dir() && inside(dst.dir.as_fd(), st.id()).map_err(|e| self.cannot(e))? {
            return Err(Error::into_itself(format!(
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
            if let Err(e) = hid.remove() {
                (remover.report)(e.to_string());
            }
            return;
        }
        (remover.report)(format!(
            "what remains of {} is in {}",
            q(self.src),
            q(hid.shown())
        ));
        hid.keep();
    }

    /// Copy SOURCE into `private` under DEST's name.
    #[allow(clippy::too_many_arguments)]
    fn copy(
        &self,
        src: &End<'_>,
        st: &Info,
        dst: &End<'_>,
        private: &Private<'_>,
        t0: rustix::fs::Timespec,
        links: &mut Links,
        progress: &mut dyn FnMut(Progress) -> bool,
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
            staging: (private.name(), dst.shown.clone()),
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
            if !copier.root && !s.perm.contains(Mode::WUSR) {
                let _ = rustix::fs::fchmod(&*fd, s.perm | Mode::WUSR);
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
                        return Err(Error::not_atomic(format!(
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
            let _ = rustix::fs::fchmod(fd, s.perm);
        }
        Ok(())
    }

    /// Rename SOURCE into its private directory, if it is still what was
    /// copied; returns its `lstat` there, and for a regular file the lease
    /// (see `remove::hold`) that keeps writers away until it is removed.
    fn hide(
        &self,
        src: &End<'_>,
        st: &Info,
        hid: &Private<'_>,
        remover: &mut remove::Remover<'_>,
    ) -> Option<(Info, Option<OwnedFd>)> {
        let is_dir = st.is_dir();
        let now = platform::statat(&src.dir, &src.name, AtFlags::SYMLINK_NOFOLLOW);
        let seen = remover.seen.as_deref().expect("a removal after a copy");
        let same = now
            .as_ref()
            .is_ok_and(|n| n.id() == st.id() && (is_dir || remove::Remover::unchanged(seen, n)));
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
        // A regular file is leased first, then looked at on the lease's
        // descriptor: a writer that had it open is seen, one that opens
        // it from now on waits until it is gone.
        let (hidden, lease) = match st.kind {
            FileType::RegularFile => match remove::hold(hid.fd(), &src.name, &mut remover.leases) {
                remove::Hold::Leased(fd, h) => (Ok(h), Some(fd)),
                remove::Hold::Busy => {
                    let _ = platform::rename_noreplace(hid.fd(), name, src.dir.as_fd(), name);
                    let line = remover.busy_line();
                    (remover.report)(line);
                    return None;
                }
                remove::Hold::None => (
                    platform::statat(hid.fd(), &src.name, AtFlags::SYMLINK_NOFOLLOW),
                    None,
                ),
            },
            _ => (
                platform::statat(hid.fd(), &src.name, AtFlags::SYMLINK_NOFOLLOW),
                None,
            ),
        };
        // The rename moved its ctime; a write since the look above moved
        // its mtime or size (the look makes the next change's time fine
        // grained on Linux 6.13 and later).
        let written = |h: &Info| {
            let n = now.as_ref().expect("looked at above");
            !is_dir && (h.size != n.size || h.mtime != n.mtime)
        };
        match hidden {
            Ok(h) if h.id() == st.id() && !written(&h) => Some((h, lease)),
            _ => {
                // Someone put another file there, or wrote to it, in
                // between: give it back.
                drop(lease);
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
        hidden: &Info,
        hid: &Private<'_>,
        remover: &mut remove::Remover<'_>,
    ) -> bool {
        if hidden.is_dir() {
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
        let flags = if hidden.is_dir() {
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
    fn check_removable(&self, src: &End<'_>, st: &Info) -> Result<(), Failure> {
        let euid = rustix::process::geteuid();
        let parent = platform::fstat(&src.dir).map_err(|e| self.cannot(e))?;
        let is_dir = st.is_dir();
        if is_dir && st.dev != parent.dev {
            return Err(self.cannot(Errno::BUSY)); // a mount point
        }
        let sticky = parent.perm.contains(Mode::SVTX);
        let mine = |uid: u32| euid.as_raw() == uid;
        if sticky && !euid.is_root() && !mine(parent.uid) && !mine(st.uid) {
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
fn relink(links: &mut Links, linked: &[FileId], dst: Option<&End<'_>>) {
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

/// Whether the directory that would hold `name` (relative to `at`) is
/// the directory `target` or inside it: a directory moved to `name` would
/// go into itself.
pub fn holds(target: FileId, at: BorrowedFd<'_>, name: &Path) -> bool {
    open_dir_at(at, crate::names::parent(name))
        .is_ok_and(|fd| inside(fd.as_fd(), target).unwrap_or(false))
}

/// Whether the directory `dir`, or one of its ancestors, is `target`:
/// moving a directory there would copy it into itself. `..` crosses mount
/// points, so bind mounts and other views of the same tree are seen.
pub fn inside(dir: BorrowedFd<'_>, target: FileId) -> io::Result<bool> {
    let mut cur: Option<OwnedFd> = None;
    for _ in 0..65536 {
        let fd = cur.as_ref().map_or(dir, |f| f.as_fd());
        let here = platform::fstat(fd)?;
        if here.id() == target {
            return Ok(true);
        }
        let up = rustix::fs::openat(
            fd,
            c"..",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        if platform::fstat(&up)?.id() == here.id() {
            return Ok(false);
        }
        cur = Some(up);
    }
    Ok(false)
}

fn create_error(st: &Info, dst: &Path, e: io::Error) -> Failure {
    let what = match st.kind {
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
    let Ok(st) = platform::fstat(&fd) else {
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
        leases: false,
    }
    .tree(level);
}

#[cfg(feature = "cli")]
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

/// What a copy reports as it goes, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// This many more bytes of file data copied.
    Bytes(u64),
    /// One more entry that is not a directory copied.
    Entry,
}

#[cfg(feature = "cli")]
/// What a progress display counts towards: the bytes of the regular files
/// under a path and its entries that are not directories.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    pub bytes: u64,
    pub entries: u64,
}

#[cfg(feature = "cli")]
/// The [`Size`] of `path`, not following symlinks; what cannot be read
/// counts as nothing. Each directory is read whole and closed before the
/// next, so no descriptors pile up however deep the tree.
pub fn size(path: &Path) -> Size {
    let mut size = Size::default();
    let count = |st: &platform::Info, size: &mut Size| match st.kind {
        FileType::Directory => true,
        k => {
            if k == FileType::RegularFile {
                size.bytes += st.size;
            }
            size.entries += 1;
            false
        }
    };
    let mut dirs = match platform::lstat(path) {
        Ok(st) if count(&st, &mut size) => vec![path.to_path_buf()],
        _ => return size,
    };
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let names: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        for p in names {
            if platform::lstat(&p).is_ok_and(|st| count(&st, &mut size)) {
                dirs.push(p);
            }
        }
    }
    size
}

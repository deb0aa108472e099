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
use std::ffi::OsStr;
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
    pub dst: &'a Path,
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

fn open_dir_path(path: &Path) -> io::Result<OwnedFd> {
    rustix::fs::openat(
        CWD,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(Into::into)
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
        let s_name_os = stage::base(self.src);
        let s_name = stage::cstr(s_name_os).map_err(|e| self.cannot(e))?;
        let s_dir = open_dir_path(stage::parent(self.src))
            .map_err(|e| Error::io(format!("cannot stat {}", q(self.src)), e))?;
        let st = rustix::fs::statat(&s_dir, &s_name, AtFlags::SYMLINK_NOFOLLOW)
            .map_err(|e| Error::io(format!("cannot stat {}", q(self.src)), e.into()))?;
        if id(&st) != self.expect {
            return Err(Error::msg(format!(
                "{} was replaced while being copied; {} not moved",
                q(self.src),
                q(self.src)
            ))
            .into());
        }
        let is_dir = kind(&st) == FileType::Directory;
        let euid = rustix::process::geteuid();
        let root = euid.is_root();

        // 1. SOURCE must be removable afterwards, or nothing happens.
        self.check_removable(s_dir.as_fd(), &s_name, &st, root, euid.as_raw())?;
        let hid = Private::create(s_dir.as_fd(), Path::new("")).map_err(|e| self.cannot(e))?;
        let _ = hid.strip_acls();
        let t0 = rustix::fs::fstat(hid.fd())
            .map(|s| walk::ctime(&s))
            .map_err(|e| self.cannot(e))?;

        let d_base = stage::base(self.dst);
        let d_name = stage::cstr(d_base).map_err(|e| self.cannot(e))?;
        let d_dir = open_dir_path(stage::parent(self.dst)).map_err(|e| self.cannot(e))?;
        if is_dir && inside(d_dir.as_fd(), id(&st)).map_err(|e| self.cannot(e))? {
            return Err(Error::msg(format!(
                "cannot copy a directory, {}, into itself, {}",
                q(self.src),
                q(self.dst)
            ))
            .into());
        }

        // 2. The copy, in a private directory beside DEST.
        let private = Private::create(d_dir.as_fd(), Path::new(""))
            .map_err(|e| create_error(&st, self.dst, e))?;
        // Nothing made inside may inherit an ACL from DEST's directory.
        let _ = private.strip_acls();
        let mut dst_path = self.dst.as_os_str().as_bytes().to_vec();
        let rel_start = dst_path.len() - trailing(&dst_path) - d_base.len();
        dst_path.truncate(dst_path.len() - trailing(&dst_path));
        let mut src_path = self.src.as_os_str().as_bytes().to_vec();
        src_path.truncate(src_path.len() - trailing(&src_path));
        let mut warn = |line: String| report(line);
        let mut copier = copy::Copier {
            verbose: self.settings.verbose,
            sync_each: self.settings.sync && !platform::HAS_SYNCFS,
            root,
            euid: euid.as_raw(),
            egid: rustix::process::getegid().as_raw(),
            seen: copy::Seen {
                t0,
                recent: HashMap::new(),
            },
            links,
            progress,
            warn: &mut warn,
            mechanism: "",
            private: private.fd(),
            paths: Paths {
                src: src_path.clone(),
                dst: dst_path.clone(),
                rel_start,
            },
            linked: Vec::new(),
            operand: src_path.clone(),
            note: self.note.clone(),
        };
        let made = copier.copy_top(s_dir.as_fd(), &s_name, &st, private.fd(), &d_name);
        let made = match made {
            Ok(made) => made,
            Err(e) => {
                for k in copier.linked.drain(..) {
                    copier.links.remove(&k);
                }
                return Err(e.into());
            }
        };
        steps.push(format!(
            "{} into a staging directory ({}/{})",
            if copier.mechanism.is_empty() {
                "copy"
            } else {
                copier.mechanism
            },
            OsStr::from_bytes(private.name().to_bytes()).to_string_lossy(),
            d_base.to_string_lossy()
        ));
        // A directory this user may not write cannot be renamed into
        // another directory: it gets its mode once it is in place.
        let top_mode = made.as_ref().and_then(|(fd, s)| {
            #[allow(clippy::unnecessary_cast)]
            let mode = s.st_mode as u32 & 0o7777;
            (!root && mode & 0o200 == 0)
                .then(|| rustix::fs::fchmod(fd, Mode::from_raw_mode((mode | 0o200) as _)).ok())
                .flatten()
                .map(|()| mode)
        });
        if self.settings.sync && platform::HAS_SYNCFS {
            let mech = platform::sync_fs(private.fd())
                .map_err(|e| Error::io(format!("error writing {}", q(self.dst)), e))?;
            steps.push(mech.to_string());
        }

        // 3. The commit.
        let from = Path::new(d_base);
        let commit = if self.settings.no_replace {
            match platform::rename_noreplace(private.fd(), from, d_dir.as_fd(), from) {
                Err(e) if platform::is_unsupported(&e) && is_dir => {
                    // A directory on a system without a no-replace rename.
                    if self.settings.atomic {
                        return Err(Error::msg(format!(
                            "cannot move {} to {}: no atomic no-replace rename for a directory on this system (--atomic)",
                            q(self.src),
                            q(self.dst)
                        ))
                        .into());
                    }
                    if rustix::fs::statat(&d_dir, from, AtFlags::SYMLINK_NOFOLLOW).is_ok() {
                        return Err(Failure::Exists);
                    }
                    steps.push("lstat check (racy)".into());
                    platform::replace(private.fd(), from, d_dir.as_fd(), from)
                }
                other => other,
            }
        } else {
            platform::replace(private.fd(), from, d_dir.as_fd(), from)
        };
        match commit {
            Ok(mech) => steps.push(mech.to_string()),
            Err(e)
                if e.raw_os_error() == Some(Errno::EXIST.raw_os_error())
                    && self.settings.no_replace =>
            {
                for k in copier.linked.drain(..) {
                    copier.links.remove(&k);
                }
                return Err(Failure::Exists);
            }
            Err(e) => {
                for k in copier.linked.drain(..) {
                    copier.links.remove(&k);
                }
                return Err(Failure::Rename(e));
            }
        }
        let linked = std::mem::take(&mut copier.linked);
        let mut seen = std::mem::take(&mut copier.seen);
        drop(copier);
        let _ = private.remove();
        let dst_prefix = {
            let mut p = dst_path.clone();
            p.truncate(rel_start);
            p
        };
        for k in linked {
            if let Some(LinkTo::Staged(rel, made)) = links.remove(&k) {
                let mut p = dst_prefix.clone();
                p.extend_from_slice(&rel);
                links.insert(
                    k,
                    LinkTo::Committed(PathBuf::from(OsStr::from_bytes(&p)), made),
                );
            }
        }
        if let (Some((fd, _)), Some(mode)) = (&made, top_mode) {
            let _ = rustix::fs::fchmod(fd, Mode::from_raw_mode(mode as _));
        }
        if self.settings.sync {
            let _ = platform::sync_dir(d_dir.as_fd());
        }

        // 4. SOURCE leaves its name in one step, if it is still what was
        // copied.
        let mut remover = remove::Remover {
            verbose: self.settings.verbose,
            seen: Some(&mut seen),
            path: src_path.clone(),
            report,
        };
        let now = rustix::fs::statat(&s_dir, &s_name, AtFlags::SYMLINK_NOFOLLOW);
        let same = now.as_ref().is_ok_and(|n| {
            id(n) == id(&st)
                && (is_dir || remove::Remover::unchanged(remover.seen.as_deref().unwrap(), n))
        });
        if !same {
            let line = remover.changed_line();
            (remover.report)(line);
            let _ = hid.remove();
            return Ok(Done {
                steps,
                clean: false,
            });
        }
        let name = Path::new(s_name_os);
        if let Err(e) = platform::replace(s_dir.as_fd(), name, hid.fd(), name) {
            (remover.report)(format!(
                "cannot remove {}: {}",
                q(self.src),
                crate::report::strerror(&e)
            ));
            let _ = hid.remove();
            return Ok(Done {
                steps,
                clean: false,
            });
        }
        let hidden = rustix::fs::statat(hid.fd(), &s_name, AtFlags::SYMLINK_NOFOLLOW);
        if !hidden.as_ref().is_ok_and(|h| id(h) == id(&st)) {
            // Someone put another file there in between: give it back.
            let _ = platform::rename_noreplace(hid.fd(), name, s_dir.as_fd(), name);
            let line = remover.changed_line();
            (remover.report)(line);
            let _ = hid.remove();
            return Ok(Done {
                steps,
                clean: false,
            });
        }
        if self.settings.sync {
            let _ = platform::sync_dir(s_dir.as_fd());
        }
        steps.push("renameat of SOURCE into a private directory".into());

        // 5. Removal from the private directory.
        let hidden = hidden.map_err(|e| self.cannot(e))?;
        let kept = if is_dir {
            match walk::open_dir(hid.fd(), &s_name)
                .map_err(io::Error::from)
                .and_then(|fd| Level::new(fd, hidden, None, s_name.clone()))
            {
                Ok(level) => {
                    let kept = remover.tree(level);
                    if kept == 0 {
                        match rustix::fs::unlinkat(hid.fd(), &s_name, AtFlags::REMOVEDIR) {
                            Ok(()) => {
                                if self.settings.verbose {
                                    crate::report::out(format_args!(
                                        "removed directory {}",
                                        q(self.src)
                                    ));
                                }
                                0
                            }
                            Err(e) => {
                                (remover.report)(format!(
                                    "cannot remove {}: {}",
                                    q(self.src),
                                    crate::report::strerror(&e.into())
                                ));
                                1
                            }
                        }
                    } else {
                        kept
                    }
                }
                Err(e) => {
                    (remover.report)(format!(
                        "cannot remove {}: {}",
                        q(self.src),
                        crate::report::strerror(&e)
                    ));
                    1
                }
            }
        } else {
            // Checked just before it left its name (the rename itself
            // moved its ctime).
            match rustix::fs::unlinkat(hid.fd(), &s_name, AtFlags::empty()) {
                Ok(()) => {
                    if self.settings.verbose {
                        crate::report::out(format_args!("removed {}", q(self.src)));
                    }
                    0
                }
                Err(e) => {
                    (remover.report)(format!(
                        "cannot remove {}: {}",
                        q(self.src),
                        crate::report::strerror(&e.into())
                    ));
                    1
                }
            }
        };
        if kept > 0 {
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
            return Ok(Done {
                steps,
                clean: false,
            });
        }
        let _ = hid.remove();
        steps.push(
            if is_dir {
                "source tree removed"
            } else {
                "unlink source"
            }
            .into(),
        );
        Ok(Done { steps, clean: true })
    }

    /// Fail now if SOURCE could not be renamed away once DEST is in place.
    fn check_removable(
        &self,
        s_dir: BorrowedFd<'_>,
        s_name: &std::ffi::CStr,
        st: &rustix::fs::Stat,
        root: bool,
        euid: u32,
    ) -> Result<(), Failure> {
        let parent = rustix::fs::fstat(s_dir).map_err(|e| self.cannot(e))?;
        if kind(st) == FileType::Directory && id(st).0 != id(&parent).0 {
            return Err(self.cannot(Errno::BUSY)); // a mount point
        }
        #[allow(clippy::unnecessary_cast)]
        let sticky = parent.st_mode as u32 & 0o1000 != 0;
        if sticky && !root && euid != parent.st_uid && euid != st.st_uid {
            return Err(self.cannot(Errno::PERM));
        }
        if kind(st) == FileType::Directory && !root {
            // Renaming a directory into another one rewrites its `..`.
            rustix::fs::accessat(
                s_dir,
                s_name,
                rustix::fs::Access::WRITE_OK,
                AtFlags::SYMLINK_NOFOLLOW,
            )
            .or_else(|e| {
                if e == Errno::INVAL {
                    rustix::fs::accessat(
                        s_dir,
                        s_name,
                        rustix::fs::Access::WRITE_OK,
                        AtFlags::empty(),
                    )
                } else {
                    Err(e)
                }
            })
            .map_err(|e| self.cannot(e))?;
        }
        Ok(())
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
fn inside(dir: BorrowedFd<'_>, target: Id) -> io::Result<bool> {
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

/// Whether the directory `dir` has any entry.
pub fn dir_has_entries(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut rd| rd.next().is_some())
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

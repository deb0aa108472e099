//! Moving across file systems without a gap at the destination.
//!
//! Every other mv removes the destination and then copies into it. Here
//! SOURCE is copied into a staging entry beside the destination (an
//! unpredictable name, created exclusively), which is renamed over the
//! destination in one step, and only then is SOURCE removed. Any failure
//! before that rename (a full disk, a permission, a signal) removes the
//! staging entry and leaves SOURCE and the destination as they were.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat, Timespec, Timestamps, CWD};
use rustix::io::Errno;

use crate::platform;
use crate::report::{q, Error};

/// How to copy.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Flush each file and directory before the final rename.
    pub sync: bool,
}

/// What the copy did, for `-v` and `--debug`.
#[derive(Default)]
pub struct Report {
    /// `created directory ...` and `copied ...` lines, in order.
    pub made: Vec<String>,
    /// The mechanism that copied file data (the last one used).
    pub mechanism: &'static str,
}

impl Report {
    /// The data-copy mechanism, or `fallback` when no file data was copied.
    pub fn mechanism_or(&self, fallback: &'static str) -> &'static str {
        if self.mechanism.is_empty() {
            fallback
        } else {
            self.mechanism
        }
    }
}

/// A staging entry that removes itself unless committed.
pub struct Staged {
    path: PathBuf,
    dir: bool,
    armed: bool,
}

impl Staged {
    /// The staging name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entry was renamed into place: nothing to clean up.
    pub fn commit(mut self) {
        self.armed = false;
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.armed {
            let _ = if self.dir {
                fs::remove_dir_all(&self.path)
            } else {
                fs::remove_file(&self.path)
            };
        }
    }
}

fn kind(st: &Stat) -> FileType {
    FileType::from_raw_mode(st.st_mode as _)
}

fn lstat(path: &Path) -> io::Result<Stat> {
    rustix::fs::statat(CWD, path, AtFlags::SYMLINK_NOFOLLOW).map_err(Into::into)
}

#[allow(clippy::unnecessary_cast)]
fn times(st: &Stat) -> Timestamps {
    Timestamps {
        last_access: Timespec {
            tv_sec: st.st_atime as _,
            tv_nsec: st.st_atime_nsec as _,
        },
        last_modification: Timespec {
            tv_sec: st.st_mtime as _,
            tv_nsec: st.st_mtime_nsec as _,
        },
    }
}

/// The bytes of regular files under `path`, for the progress bar.
pub fn total_bytes(path: &Path) -> u64 {
    let Ok(st) = lstat(path) else { return 0 };
    match kind(&st) {
        FileType::RegularFile => st.st_size as u64,
        FileType::Directory => fs::read_dir(path)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| total_bytes(&e.path()))
                    .sum()
            })
            .unwrap_or(0),
        _ => 0,
    }
}

/// The copier of one tree.
struct Copier<'a> {
    opts: Options,
    /// Staged and final path of every multiply-linked non-directory, by
    /// source id.
    links: HashMap<(u64, u64), (PathBuf, PathBuf)>,
    report: Report,
    progress: &'a mut dyn FnMut(u64) -> io::Result<()>,
    euid_root: bool,
}

/// Copy `src` (whose `lstat` is `st`) into a new staging entry in the
/// directory of `dst`. Messages name `dst`, never the staging name.
pub fn stage(
    src: &Path,
    dst: &Path,
    opts: Options,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> Result<(Staged, Report), Error> {
    let st = lstat(src).map_err(|e| Error::io(format!("cannot stat {}", q(src)), e))?;
    let parent = match dst.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let is_dir = kind(&st) == FileType::Directory;
    let (path, file) = crate::stage::create(parent, |p| create_entry(src, p, &st))
        .map_err(|e| create_error(&st, dst, e))?;
    let staged = Staged {
        path,
        dir: is_dir,
        armed: true,
    };
    let mut copier = Copier {
        opts,
        links: HashMap::new(),
        report: Report {
            made: Vec::new(),
            mechanism: "",
        },
        progress,
        euid_root: rustix::process::geteuid().is_root(),
    };
    copier.fill(src, staged.path(), dst, &st, file)?;
    if opts.sync {
        sync_path_dir(parent);
    }
    Ok((staged, copier.report))
}

/// Create the entry for `st` at `at`, exclusively. Returns the open file
/// for a regular file.
fn create_entry(src: &Path, at: &Path, st: &Stat) -> io::Result<Option<OwnedFd>> {
    match kind(st) {
        FileType::RegularFile => {
            let fd = rustix::fs::openat(
                CWD,
                at,
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC | OFlags::NOFOLLOW,
                Mode::from_raw_mode(0o600),
            )?;
            Ok(Some(fd))
        }
        FileType::Directory => {
            rustix::fs::mkdirat(CWD, at, Mode::from_raw_mode(0o700))?;
            Ok(None)
        }
        FileType::Symlink => {
            let target = rustix::fs::readlinkat(CWD, src, Vec::new())?;
            rustix::fs::symlinkat(target.as_c_str(), CWD, at)?;
            Ok(None)
        }
        _ => {
            #[allow(clippy::unnecessary_cast)]
            platform::make_node(at, st.st_mode as u32 & !0o7777 | 0o600, st.st_rdev as u64)?;
            Ok(None)
        }
    }
}

fn create_error(st: &Stat, dst: &Path, e: io::Error) -> Error {
    let what = match kind(st) {
        FileType::RegularFile => "regular file",
        FileType::Directory => "directory",
        FileType::Symlink => "symbolic link",
        FileType::Fifo => "fifo",
        _ => "special file",
    };
    Error::io(format!("cannot create {what} {}", q(dst)), e)
}

impl Copier<'_> {
    /// Fill the just-created entry `at` (final name `shown`) from `src`.
    fn fill(
        &mut self,
        src: &Path,
        at: &Path,
        shown: &Path,
        st: &Stat,
        file: Option<OwnedFd>,
    ) -> Result<(), Error> {
        match kind(st) {
            FileType::RegularFile => {
                let out = match file {
                    Some(fd) => fd,
                    None => rustix::fs::openat(
                        CWD,
                        at,
                        OFlags::WRONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
                        Mode::empty(),
                    )
                    .map_err(|e| {
                        Error::io(format!("cannot create regular file {}", q(shown)), e.into())
                    })?,
                };
                self.copy_file(src, &out, shown, st)?;
                self.report
                    .made
                    .push(format!("copied {} -> {}", q(src), q(shown)));
            }
            FileType::Directory => {
                self.report
                    .made
                    .push(format!("created directory {}", q(shown)));
                self.copy_dir(src, at, shown)?;
                let dir = rustix::fs::openat(
                    CWD,
                    at,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .map_err(|e| Error::io(format!("cannot access {}", q(shown)), e.into()))?;
                self.set_meta_fd(src, &dir, shown, st)?;
                if self.opts.sync {
                    platform::sync_dir(dir.as_fd())
                        .map_err(|e| Error::io(format!("cannot sync {}", q(shown)), e))?;
                }
            }
            FileType::Symlink => {
                self.report
                    .made
                    .push(format!("copied {} -> {}", q(src), q(shown)));
                self.own_path(at, st);
                // Not every system can set a symlink's times; GNU ignores that too.
                let _ = rustix::fs::utimensat(CWD, at, &times(st), AtFlags::SYMLINK_NOFOLLOW);
            }
            _ => {
                self.report
                    .made
                    .push(format!("copied {} -> {}", q(src), q(shown)));
                self.own_path(at, st);
                rustix::fs::chmodat(
                    CWD,
                    at,
                    Mode::from_raw_mode(self.mode(st) as _),
                    AtFlags::empty(),
                )
                .map_err(|e| {
                    Error::io(format!("preserving permissions for {}", q(shown)), e.into())
                })?;
                let _ = rustix::fs::utimensat(CWD, at, &times(st), AtFlags::SYMLINK_NOFOLLOW);
            }
        }
        Ok(())
    }

    fn interrupted(&mut self, n: u64) -> io::Result<()> {
        (self.progress)(n)?;
        if platform::caught_signal().is_some() {
            return Err(io::Error::from_raw_os_error(Errno::INTR.raw_os_error()));
        }
        Ok(())
    }

    fn copy_file(
        &mut self,
        src: &Path,
        out: &OwnedFd,
        shown: &Path,
        st: &Stat,
    ) -> Result<(), Error> {
        let input = rustix::fs::openat(
            CWD,
            src,
            OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
            Mode::empty(),
        )
        .map_err(|e| Error::io(format!("cannot open {} for reading", q(src)), e.into()))?;
        #[allow(clippy::unnecessary_cast)]
        let sparse = (st.st_blocks as u64) * 512 < st.st_size as u64;
        let mut step = |n: u64| self.interrupted(n);
        let copied = if sparse {
            platform::copy_data_rw(input.as_fd(), out.as_fd(), true, &mut step)
        } else {
            platform::copy_data(input.as_fd(), out.as_fd(), &mut step)
        };
        let mech = copied.map_err(|e| io_error(e, src, shown))?;
        self.report.mechanism = mech;
        if sparse {
            rustix::fs::ftruncate(out, st.st_size as u64)
                .map_err(|e| Error::io(format!("error writing {}", q(shown)), e.into()))?;
        }
        // Attributes the destination cannot take are dropped, as GNU mv does.
        let _ = platform::copy_xattrs(input.as_fd(), out.as_fd());
        self.set_meta_fd(src, out, shown, st)?;
        if self.opts.sync {
            platform::sync_file(out.as_fd())
                .map_err(|e| Error::io(format!("error writing {}", q(shown)), e))?;
        }
        Ok(())
    }

    /// Permission bits to set: set-user/group-ID bits only survive when
    /// the owner could be kept (GNU's rule).
    #[allow(clippy::unnecessary_cast)]
    fn mode(&self, st: &Stat) -> u32 {
        let mode = st.st_mode as u32 & 0o7777;
        if self.euid_root || rustix::process::geteuid().as_raw() == st.st_uid {
            mode
        } else {
            mode & !0o6000
        }
    }

    fn set_meta_fd(
        &mut self,
        src: &Path,
        fd: &OwnedFd,
        shown: &Path,
        st: &Stat,
    ) -> Result<(), Error> {
        let _ = src;
        let owned = rustix::fs::fchown(
            fd,
            Some(rustix::process::Uid::from_raw(st.st_uid)),
            Some(rustix::process::Gid::from_raw(st.st_gid)),
        )
        .is_ok();
        let mut mode = self.mode(st);
        if !owned {
            // Keep the group if we may; never keep set-ID bits for an owner
            // we could not keep.
            let _ = rustix::fs::fchown(fd, None, Some(rustix::process::Gid::from_raw(st.st_gid)));
            mode &= !0o6000;
        }
        rustix::fs::fchmod(fd, Mode::from_raw_mode(mode as _))
            .map_err(|e| Error::io(format!("preserving permissions for {}", q(shown)), e.into()))?;
        rustix::fs::futimens(fd, &times(st))
            .map_err(|e| Error::io(format!("preserving times for {}", q(shown)), e.into()))?;
        Ok(())
    }

    fn own_path(&self, at: &Path, st: &Stat) {
        let _ = rustix::fs::chownat(
            CWD,
            at,
            Some(rustix::process::Uid::from_raw(st.st_uid)),
            Some(rustix::process::Gid::from_raw(st.st_gid)),
            AtFlags::SYMLINK_NOFOLLOW,
        );
    }

    fn copy_dir(&mut self, src: &Path, at: &Path, shown: &Path) -> Result<(), Error> {
        let entries =
            fs::read_dir(src).map_err(|e| Error::io(format!("cannot access {}", q(src)), e))?;
        // In inode order, as GNU's savedir (SAVEDIR_SORT_FASTREAD) reads a
        // directory: faster on most file systems, and -v lists the same.
        let mut names: Vec<(u64, OsString)> = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(format!("cannot access {}", q(src)), e))?;
            names.push((
                std::os::unix::fs::DirEntryExt::ino(&entry),
                entry.file_name(),
            ));
        }
        names.sort();
        for (_, name) in names {
            let (s, a, d) = (src.join(&name), at.join(&name), shown.join(&name));
            let st = lstat(&s).map_err(|e| Error::io(format!("cannot stat {}", q(&s)), e))?;
            #[allow(clippy::unnecessary_cast)]
            let id = (st.st_dev as u64, st.st_ino as u64);
            if kind(&st) != FileType::Directory && st.st_nlink > 1 {
                if let Some((first, first_shown)) = self.links.get(&id) {
                    rustix::fs::linkat(CWD, first, CWD, &a, AtFlags::empty()).map_err(|e| {
                        Error::io(
                            format!("cannot create hard link {} to {}", q(&d), q(first_shown)),
                            e.into(),
                        )
                    })?;
                    self.report
                        .made
                        .push(format!("copied {} -> {}", q(&s), q(&d)));
                    continue;
                }
                self.links.insert(id, (a.clone(), d.clone()));
            }
            let file = create_entry(&s, &a, &st).map_err(|e| create_error(&st, &d, e))?;
            self.fill(&s, &a, &d, &st, file)?;
        }
        Ok(())
    }
}

fn io_error(e: io::Error, src: &Path, shown: &Path) -> Error {
    // The copy loop cannot tell a read error from a write error by the
    // errno alone; the ones a destination produces are the usual ones.
    match e.raw_os_error().map(Errno::from_raw_os_error) {
        Some(Errno::NOSPC | Errno::DQUOT | Errno::FBIG | Errno::ROFS | Errno::INTR) => {
            Error::io(format!("error writing {}", q(shown)), e)
        }
        _ => Error::io(format!("error reading {}", q(src)), e),
    }
}

/// Flush the directory at `path` (best effort: a failure to flush after
/// the rename has already succeeded cannot undo it).
pub fn sync_path_dir(path: &Path) {
    if let Ok(fd) = rustix::fs::openat(
        CWD,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        let _ = platform::sync_dir(fd.as_fd());
    }
}

/// Remove the moved SOURCE: a file with one unlink, a tree depth first.
/// Returns the `removed ...` lines for `-v`.
pub fn remove_source(src: &Path, dir: bool, lines: &mut Vec<String>) -> Result<(), Error> {
    if !dir {
        fs::remove_file(src).map_err(|e| Error::io(format!("cannot remove {}", q(src)), e))?;
        lines.push(format!("removed {}", q(src)));
        return Ok(());
    }
    // Directory order, as GNU's rm (fts without sorting) removes.
    let names: Vec<OsString> = fs::read_dir(src)
        .map_err(|e| Error::io(format!("cannot remove {}", q(src)), e))?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    for name in names {
        let p = src.join(name);
        let is_dir = lstat(&p).is_ok_and(|st| kind(&st) == FileType::Directory);
        remove_source(&p, is_dir, lines)?;
    }
    fs::remove_dir(src).map_err(|e| Error::io(format!("cannot remove {}", q(src)), e))?;
    lines.push(format!("removed directory {}", q(src)));
    Ok(())
}

/// Whether `dir` has any entry.
pub fn dir_has_entries(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut rd| rd.next().is_some())
}

//! Carrying out one move: the few functions that touch the file system.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use rustix::fs::CWD;
use rustix::io::Errno;

use super::cli::{Options, Update};
use super::decide::{self, Context, Meta, Question, Refusal, Verdict};
use crate::report::{self, q, Error};
use crate::{engine, ops};

pub const PROG: &str = "pmv";

/// Why one move did not happen.
pub enum Failed {
    /// Print this and count a failure.
    Report(Error),
    /// The user said no: count a failure, print nothing more.
    Declined,
    /// The move was made (DEST is in place) but not all of SOURCE could
    /// be removed; each problem was reported: count a failure, undo
    /// nothing.
    Incomplete,
    /// Nothing to do (`-n`, `--update`): a success.
    Skipped,
}

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        Failed::Report(e)
    }
}

type Outcome = Result<(), Failed>;

/// The state of one `pmv` run across its operands.
pub struct Mover {
    pub opts: Options,
    /// `(dev, ino)` of every destination this run has created.
    created: BTreeSet<(u64, u64)>,
    /// Whether later moves may need `created` (not the last operand).
    pub remember: bool,
    /// Several SOURCEs go into one directory.
    pub many_sources: bool,
    /// `(dev, ino)` of every source directory seen, for GNU's warning
    /// about one named twice.
    source_dirs: std::collections::BTreeMap<(u64, u64), PathBuf>,
    stdin_tty: Option<bool>,
    /// Copies of multiply-linked files moved across file systems, so that
    /// their other names, in later operands too, become links again.
    links: engine::Links,
}

/// The steps one operation took, for `--debug`.
#[derive(Default)]
struct Steps {
    names: Vec<String>,
    /// A step was not atomic for readers.
    racy: bool,
    /// SOURCE left its name in one step too (across file systems).
    both_ends: bool,
}

impl Steps {
    fn push(&mut self, step: impl Into<String>) {
        self.names.push(step.into());
    }
}

pub fn lstat(path: &Path) -> io::Result<Meta> {
    let st = rustix::fs::lstat(path)?;
    let kind = rustix::fs::FileType::from_raw_mode(st.st_mode as _);
    #[allow(clippy::unnecessary_cast)]
    Ok(Meta {
        dir: kind == rustix::fs::FileType::Directory,
        symlink: kind == rustix::fs::FileType::Symlink,
        dev: st.st_dev as u64,
        ino: st.st_ino as u64,
        mtime: (st.st_mtime as i64, st.st_mtime_nsec as i64),
        mode: st.st_mode as u32 & 0o7777,
        nlink: st.st_nlink as u64,
    })
}

/// Whether `path` resolves (following symlinks) to a directory.
pub fn stat_dir(path: &Path) -> io::Result<bool> {
    let st = rustix::fs::stat(path)?;
    Ok(rustix::fs::FileType::from_raw_mode(st.st_mode as _) == rustix::fs::FileType::Directory)
}

fn errno(e: &io::Error) -> Option<Errno> {
    e.raw_os_error().map(Errno::from_raw_os_error)
}

impl Mover {
    pub fn new(opts: Options) -> Self {
        Mover {
            opts,
            created: BTreeSet::new(),
            remember: false,
            many_sources: false,
            source_dirs: std::collections::BTreeMap::new(),
            stdin_tty: None,
            links: engine::Links::new(),
        }
    }

    fn stdin_tty(&mut self) -> bool {
        *self
            .stdin_tty
            .get_or_insert_with(|| rustix::termios::isatty(rustix::stdio::stdin()))
    }

    fn no_clobber(&self) -> bool {
        matches!(self.opts.update, Update::None | Update::NoneFail)
    }

    /// The first, no-replace attempt of moving `src` to `dst`, if this run
    /// makes one. `Ok` means the move is done.
    pub fn first_try(&mut self, src: &Path, dst: &Path) -> Option<io::Result<&'static str>> {
        if self.opts.exchange {
            return None;
        }
        if crate::platform::NATIVE_NOREPLACE || self.no_clobber() {
            return Some(ops::rename_noreplace(src, dst));
        }
        // Without a native call a plain move needs no atomic no-replace:
        // as gnulib's renameatu, look, then rename.
        Some(match lstat(dst) {
            Ok(_) => Err(io::Error::from_raw_os_error(Errno::EXIST.raw_os_error())),
            Err(_) => crate::platform::replace(CWD, src, CWD, dst),
        })
    }

    /// Move `src` to `dst`, given the result of a first try already made.
    pub fn move_pair(
        &mut self,
        src: &Path,
        dst: &Path,
        tried: Option<io::Result<&'static str>>,
    ) -> Outcome {
        let mut steps = Steps::default();
        let tried = match tried {
            Some(t) => Some(t),
            None => self.first_try(src, dst),
        };
        let mut noreplace_unsupported = false;
        // GNU does not rename twice: when the first try failed for a
        // reason of its own, that is the answer for a new destination.
        let mut first_err = None;
        if let Some(result) = tried {
            match result {
                Ok(mech) => {
                    steps.push(mech);
                    return self.done(src, dst, None, steps, None);
                }
                // -n and --update=none[-fail] look at nothing else.
                Err(e) if errno(&e) == Some(Errno::EXIST) && self.no_clobber() => {
                    return self.skip(dst)
                }
                Err(e) => {
                    steps.push(format!("no-replace rename ({})", report::strerror(&e)));
                    if crate::platform::is_unsupported(&e) {
                        noreplace_unsupported = true;
                    } else if errno(&e) != Some(Errno::EXIST) {
                        first_err = Some(e);
                    }
                }
            }
        }
        let src_meta = lstat(src).map_err(|e| Error::io(format!("cannot stat {}", q(src)), e))?;
        let dst_meta = match lstat(dst) {
            Ok(m) => Some(m),
            Err(e) if errno(&e) == Some(Errno::NOENT) => None,
            Err(e) => return Err(Error::io(format!("cannot stat {}", q(dst)), e).into()),
        };
        if self.opts.exchange {
            if let Some(d) = &dst_meta {
                // Same file, -n, --update and -i apply; kinds need not match.
                match self.check_existing(src, dst, &src_meta, d) {
                    Err(Failed::Skipped) => return self.skip(dst),
                    other => other?,
                }
            }
            return super::exchange::run(self, src, dst, dst_meta.is_some());
        }
        let mut backup = None;
        match &dst_meta {
            Some(dst_meta) => {
                match self.check_existing(src, dst, &src_meta, dst_meta) {
                    Err(Failed::Skipped) => return self.skip(dst),
                    other => other?,
                }
                if let Some((control, suffix)) = self.opts.backup.clone() {
                    // GNU makes no backup when SOURCE is "." or "..".
                    let dots = matches!(base_name(src), b"." | b"..");
                    let name = crate::backup::backup_name(dst, control, &suffix, || {
                        crate::backup::list_parent(dst)
                    });
                    if let Some(b) = name.filter(|_| !dots) {
                        backup =
                            Some(self.make_backup(src, dst, b, &src_meta, dst_meta, &mut steps)?);
                    }
                }
            }
            None if self.no_clobber() && noreplace_unsupported => {
                // Neither a no-replace rename nor a hard link is possible
                // (a directory on this system): check, then rename.
                if self.opts.atomic {
                    return Err(not_atomic(
                        src,
                        dst,
                        "no atomic no-replace rename for a directory on this system",
                    )
                    .into());
                }
                steps.push("lstat check then renameat (racy)");
                steps.racy = true;
            }
            None => {}
        }
        self.check_source_dir(src, dst, &src_meta)?;
        let atomic_noreplace = self.no_clobber() && !noreplace_unsupported;
        let result = match first_err {
            Some(e) if dst_meta.is_none() => Err(e),
            // DEST may have vanished since the first try: still never
            // replace one that appears.
            _ if atomic_noreplace => ops::rename_noreplace(src, dst),
            _ => crate::platform::replace(CWD, src, CWD, dst),
        };
        let outcome = match result {
            Ok(mech) => {
                steps.push(mech);
                if dst_meta.is_some_and(|d| d.same_file(&src_meta) && !d.dir) {
                    // rename(2) between two names of one file does nothing:
                    // finish the move by removing SOURCE's name.
                    std::fs::remove_file(src)
                        .map_err(|e| Error::io(format!("cannot remove {}", q(src)), e))?;
                    steps.push("unlink source (same file)");
                }
                let shown = backup.as_ref().map(|b: &Backup| b.path.clone());
                return self.done(src, dst, shown.as_deref(), steps, Some(src_meta));
            }
            Err(e) if errno(&e) == Some(Errno::EXIST) && atomic_noreplace => {
                self.forget_source_dir(&src_meta);
                return self.skip(dst);
            }
            Err(e) if errno(&e) == Some(Errno::XDEV) && !self.opts.no_copy => {
                let shown = backup.as_ref().map(|b| b.path.clone());
                self.across(
                    src,
                    dst,
                    &src_meta,
                    dst_meta.as_ref(),
                    shown.as_deref(),
                    steps,
                )
            }
            Err(e) => {
                if errno(&e) != Some(Errno::INVAL) {
                    self.forget_source_dir(&src_meta);
                }
                Err(rename_error(src, dst, &src_meta, e))
            }
        };
        if outcome
            .as_ref()
            .is_err_and(|f| !matches!(f, Failed::Incomplete))
        {
            if let Some(b) = &backup {
                b.undo(dst);
            }
        }
        outcome
    }

    /// GNU's bookkeeping of source directories moved into one target: the
    /// same directory named again for the same destination is a warning
    /// and skipped; for another destination, an error.
    fn check_source_dir(&mut self, src: &Path, dst: &Path, src_meta: &Meta) -> Outcome {
        if !src_meta.dir || !self.many_sources {
            return Ok(());
        }
        let id = (src_meta.dev, src_meta.ino);
        match self.source_dirs.get(&id) {
            Some(earlier) if same_entry(earlier, dst) => {
                report::error(
                    PROG,
                    format_args!(
                        "warning: source directory {} specified more than once",
                        q(src)
                    ),
                );
                Err(Failed::Skipped)
            }
            Some(earlier) => Err(Error::msg(format!(
                "will not create hard link {} to directory {}",
                q(dst),
                q(earlier)
            ))
            .into()),
            None => {
                self.source_dirs.insert(id, dst.to_path_buf());
                Ok(())
            }
        }
    }

    fn forget_source_dir(&mut self, src_meta: &Meta) {
        self.source_dirs.remove(&(src_meta.dev, src_meta.ino));
    }

    /// A skipped move: silent for `-n` and `--update=none`, an error for
    /// `--update=none-fail`; `--debug` says `skipped`.
    pub fn skip(&self, dst: &Path) -> Outcome {
        if self.opts.update == Update::NoneFail {
            return Err(refusal(Refusal::NotReplacing, dst, dst).into());
        }
        if self.opts.debug {
            report::out(format_args!("skipped {}", q(dst)));
        }
        Ok(())
    }

    /// GNU's checks when the destination exists, with the question between
    /// them.
    fn check_existing(
        &mut self,
        src: &Path,
        dst: &Path,
        src_meta: &Meta,
        dst_meta: &Meta,
    ) -> Outcome {
        let backup = self
            .opts
            .backup
            .as_ref()
            .is_some_and(|(c, _)| *c != crate::backup::Control::None);
        // Look only at what a rule can use: the terminal matters for an
        // unwritable destination, where a symlink leads only for a
        // symlink over a non-symlink.
        let writable = dst_meta.symlink || writable(dst);
        let ctx = Context {
            // GNU: numbered backups keep every version, so no refusal.
            just_created: self.created.contains(&(dst_meta.dev, dst_meta.ino))
                && !matches!(
                    self.opts.backup,
                    Some((crate::backup::Control::Numbered, _))
                ),
            writable,
            stdin_tty: !writable && self.stdin_tty(),
            backup,
            same_entry: backup && same_entry(src, dst),
            // GNU compares where the link leads with DEST by name: a link
            // to another hard link of DEST's file is fine to move.
            src_resolves_to_dst: src_meta.symlink
                && !dst_meta.symlink
                && std::fs::canonicalize(src)
                    .is_ok_and(|a| std::fs::canonicalize(dst).is_ok_and(|b| a == b)),
        };
        match decide::before_asking(src_meta, dst_meta, &self.opts, ctx) {
            Verdict::Skip => return Err(Failed::Skipped),
            Verdict::Refuse(Refusal::NotReplacing) => {
                return Err(refusal(Refusal::NotReplacing, src, dst).into())
            }
            Verdict::Refuse(r) => return Err(refusal(r, src, dst).into()),
            Verdict::Ask(question) => {
                if !ask(question, dst, dst_meta) {
                    if self.opts.debug {
                        report::out(format_args!("skipped {}", q(dst)));
                    }
                    return Err(Failed::Declined);
                }
            }
            Verdict::Replace => {}
        }
        match decide::after_asking(src_meta, dst_meta, &self.opts, ctx) {
            Verdict::Refuse(r) => Err(refusal(r, src, dst).into()),
            _ => Ok(()),
        }
    }

    /// The move crosses file systems: the engine copies SOURCE into a
    /// private directory beside DEST, renames it over DEST, then renames
    /// SOURCE away and removes it.
    fn across(
        &mut self,
        src: &Path,
        dst: &Path,
        src_meta: &Meta,
        dst_meta: Option<&Meta>,
        backup: Option<&Path>,
        mut steps: Steps,
    ) -> Outcome {
        if let Some(d) = dst_meta {
            if d.dir && src_meta.dir && engine::dir_has_entries(dst) {
                return Err(Error::io(
                    format!(
                        "inter-device move failed: {} to {}; unable to remove target",
                        q(src),
                        q(dst)
                    ),
                    io::Error::from_raw_os_error(Errno::NOTEMPTY.raw_os_error()),
                )
                .into());
            }
        }
        crate::platform::catch_signals();
        let mut bar = super::progress::Bar::new(self.opts.progress, src);
        let job = engine::Move {
            src,
            dst,
            expect: (src_meta.dev, src_meta.ino),
            settings: engine::Settings {
                no_replace: self.no_clobber(),
                atomic: self.opts.atomic,
                sync: self.opts.sync,
                verbose: self.opts.verbose,
            },
            note: backup
                .filter(|_| !src_meta.dir)
                .map(|b| format!(" (backup: {})", q(b))),
        };
        let result = job.run(&mut self.links, &mut |step| bar.update(step), &mut |line| {
            report::error(PROG, line)
        });
        bar.finish(result.is_ok());
        // Whatever was staged is gone; a signal caught after the commit
        // waited for SOURCE's removal. Now die of it, as the user asked.
        if let Some(sig) = crate::platform::caught_signal() {
            crate::platform::reraise(sig);
        }
        let done = match result {
            Ok(done) => done,
            Err(engine::Failure::Exists) => return self.skip(dst),
            Err(engine::Failure::Rename(e)) => return Err(rename_error(src, dst, src_meta, e)),
            Err(engine::Failure::Failed(e)) => return Err(e.into()),
        };
        steps.names.extend(done.steps);
        if self.remember {
            if let Ok(m) = lstat(dst) {
                self.created.insert((m.dev, m.ino));
            }
        }
        if self.opts.debug {
            steps.both_ends = done.clean;
            debug_line(src, dst, &steps);
        }
        if done.clean {
            Ok(())
        } else {
            Err(Failed::Incomplete)
        }
    }

    fn make_backup(
        &self,
        src: &Path,
        dst: &Path,
        backup: PathBuf,
        src_meta: &Meta,
        dst_meta: &Meta,
        steps: &mut Steps,
    ) -> Result<Backup, Failed> {
        // GNU guards files only: for a directory the rename of DEST onto it
        // is refused by the kernel (`cannot backup`), or replaces it empty.
        if !src_meta.dir && lstat(&backup).is_ok_and(|b| b.same_file(src_meta)) {
            return Err(Error::msg(format!(
                "backing up {} might destroy source;  {} not moved",
                q(dst),
                q(src)
            ))
            .into());
        }
        // A hard link keeps DEST in place, so readers never miss it. A
        // directory, or a DEST of another kind than SOURCE (which the
        // rename could not replace), is renamed away first, as GNU does.
        let same_kind_files = !dst_meta.dir && !src_meta.dir;
        if same_kind_files && ops::link_replacing(dst, &backup).is_ok() {
            steps.push("linkat (backup)");
            return Ok(Backup {
                path: backup,
                linked: true,
            });
        }
        if self.opts.atomic {
            return Err(not_atomic(src, dst, "the backup is made by renaming DEST away").into());
        }
        crate::platform::replace(CWD, dst, CWD, &backup)
            .map_err(|e| Error::io(format!("cannot backup {}", q(dst)), e))?;
        steps.push("renameat (backup, DEST briefly missing)");
        steps.racy = true;
        Ok(Backup {
            path: backup,
            linked: false,
        })
    }

    /// Bookkeeping after a successful move.
    fn done(
        &mut self,
        src: &Path,
        dst: &Path,
        backup: Option<&Path>,
        steps: Steps,
        meta: Option<Meta>,
    ) -> Outcome {
        if self.remember {
            if let Some(m) = meta.or_else(|| lstat(dst).ok()) {
                self.created.insert((m.dev, m.ino));
            }
        }
        if self.opts.debug {
            debug_line(src, dst, &steps);
        }
        if self.opts.verbose {
            match backup {
                Some(b) => report::out(format_args!(
                    "renamed {} -> {} (backup: {})",
                    q(src),
                    q(dst),
                    q(b)
                )),
                None => report::out(format_args!("renamed {} -> {}", q(src), q(dst))),
            }
        }
        Ok(())
    }
}

/// GNU's wording for a failed rename.
fn rename_error(src: &Path, dst: &Path, src_meta: &Meta, e: io::Error) -> Failed {
    match errno(&e) {
        Some(Errno::INVAL) if src_meta.dir => Error::msg(format!(
            "cannot move {} to a subdirectory of itself, {}",
            q(src),
            q(dst)
        )),
        Some(
            Errno::DQUOT
            | Errno::EXIST
            | Errno::ISDIR
            | Errno::MLINK
            | Errno::NOSPC
            | Errno::TXTBSY
            | Errno::NOTEMPTY,
        ) => Error::io(format!("cannot overwrite {}", q(dst)), e),
        _ => Error::io(format!("cannot move {} to {}", q(src), q(dst)), e),
    }
    .into()
}

/// Whether `a` and `b` name the same directory entry: the same parent
/// directory and the same last component.
fn same_entry(a: &Path, b: &Path) -> bool {
    // GNU's same_name: the same last component as written ("." included),
    // in directories that lstat says are one.
    if base_name(a) != base_name(b) {
        return false;
    }
    let id = |p: &Path| lstat(&dir_name(p)).ok().map(|m| (m.dev, m.ino));
    id(a).is_some() && id(a) == id(b)
}

/// gnulib's dir_name: everything before the last component, as written.
fn dir_name(path: &Path) -> PathBuf {
    let b = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str());
    let mut end = b.len();
    while end > 1 && b[end - 1] == b'/' {
        end -= 1;
    }
    match b[..end].iter().rposition(|&c| c == b'/') {
        None => PathBuf::from("."),
        Some(i) => {
            let mut d = i;
            while d > 0 && b[d - 1] == b'/' {
                d -= 1;
            }
            let d = if d == 0 { 1 } else { d };
            PathBuf::from(<OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&b[..d]))
        }
    }
}

fn debug_line(src: &Path, dst: &Path, steps: &Steps) {
    let how = match (steps.racy, steps.both_ends) {
        (true, _) => "not atomic",
        (false, true) => "atomic at both ends",
        (false, false) => "atomic",
    };
    report::error(
        PROG,
        format_args!(
            "{} -> {}: {}: {}",
            q(src),
            q(dst),
            steps.names.join(", then "),
            how
        ),
    );
}

pub fn not_atomic(src: &Path, dst: &Path, why: &str) -> Error {
    Error::msg(format!(
        "cannot move {} to {}: {} (--atomic)",
        q(src),
        q(dst),
        why
    ))
}

/// A backup made of DEST before replacing it.
struct Backup {
    path: PathBuf,
    /// Made by a hard link (DEST stayed in place), not by a rename.
    linked: bool,
}

impl Backup {
    /// The move failed: put things back as they were (GNU's un_backup).
    fn undo(&self, dst: &Path) {
        if self.linked {
            let _ = std::fs::remove_file(&self.path);
        } else if lstat(dst).is_err() {
            let _ = crate::platform::replace(CWD, &self.path, CWD, dst);
        }
    }
}

/// The last component of `path` without trailing slashes, as bytes.
fn base_name(path: &Path) -> &[u8] {
    std::os::unix::ffi::OsStrExt::as_bytes(crate::stage::base(path))
}

fn refusal(r: Refusal, src: &Path, dst: &Path) -> Error {
    Error::msg(match r {
        Refusal::SameFile => format!("{} and {} are the same file", q(src), q(dst)),
        Refusal::NotReplacing => format!("not replacing {}", q(dst)),
        Refusal::DirWithNonDir => {
            format!(
                "cannot overwrite directory {} with non-directory {}",
                q(dst),
                q(src)
            )
        }
        Refusal::NonDirWithDir => {
            format!(
                "cannot overwrite non-directory {} with directory {}",
                q(dst),
                q(src)
            )
        }
        Refusal::JustCreated => {
            format!("will not overwrite just-created {} with {}", q(dst), q(src))
        }
    })
}

fn writable(path: &Path) -> bool {
    use rustix::fs::{accessat, Access, AtFlags, CWD};
    // Real and effective IDs are the same for pmv (it is not set-ID), so
    // plain faccessat answers as GNU's AT_EACCESS does; Android lacks it.
    accessat(CWD, path, Access::WRITE_OK, AtFlags::empty()).is_ok()
}

/// Ask on stderr, read the answer from stdin (GNU's `yesno`).
fn ask(question: Question, dst: &Path, meta: &Meta) -> bool {
    let text = match question {
        Question::Overwrite => format!("{PROG}: overwrite {}? ", q(dst)),
        Question::OverrideMode => format!(
            "{PROG}: replace {}, overriding mode {:04o} ({})? ",
            q(dst),
            meta.mode,
            decide::mode_string(meta.mode)
        ),
    };
    yes(&text)
}

/// Print `prompt` on stderr and read a yes/no answer from stdin.
pub fn yes(prompt: &str) -> bool {
    let mut err = io::stderr().lock();
    let _ = err.write_all(prompt.as_bytes());
    let _ = err.flush();
    let mut line = Vec::new();
    let _ = io::stdin().lock().read_until(b'\n', &mut line);
    matches!(line.first(), Some(b'y' | b'Y'))
}

/// `DIR/basename(SRC)`, as GNU joins them (no doubled slash).
pub fn into_dir(dir: &Path, src: &Path) -> PathBuf {
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(src.as_os_str());
    let trimmed = {
        let mut end = bytes.len();
        while end > 1 && bytes[end - 1] == b'/' {
            end -= 1;
        }
        &bytes[..end]
    };
    let base = match trimmed.iter().rposition(|&b| b == b'/') {
        Some(i) if i + 1 < trimmed.len() => &trimmed[i + 1..],
        _ => trimmed,
    };
    // As gnulib's file_name_concat: DIR's trailing slashes become one.
    let dir_bytes = std::os::unix::ffi::OsStrExt::as_bytes(dir.as_os_str());
    let mut keep = dir_bytes.len();
    while keep > 1 && dir_bytes[keep - 1] == b'/' {
        keep -= 1;
    }
    let mut out =
        <OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&dir_bytes[..keep]).to_os_string();
    if !dir_bytes[..keep].ends_with(b"/") {
        out.push("/");
    }
    out.push(<OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(base));
    PathBuf::from(out)
}

#[cfg(test)]
mod tests {
    use super::into_dir;
    use std::path::Path;

    #[test]
    fn joins_like_gnu() {
        assert_eq!(into_dir(Path::new("d"), Path::new("a")), Path::new("d/a"));
        assert_eq!(
            into_dir(Path::new("d/"), Path::new("x/y/a")),
            Path::new("d/a")
        );
        assert_eq!(into_dir(Path::new("d"), Path::new("a//")), Path::new("d/a"));
        assert_eq!(into_dir(Path::new("/"), Path::new("a")), Path::new("/a"));
        assert_eq!(into_dir(Path::new("c//"), Path::new("b")), Path::new("c/b"));
        assert_eq!(
            into_dir(Path::new("b//"), Path::new("./")),
            Path::new("b/.")
        );
    }
}

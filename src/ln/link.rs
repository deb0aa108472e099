//! Making one link as GNU ln's `do_link` does: the link as asked, and
//! only if that fails, GNU's checks of the existing name, the question,
//! the backup, and one atomic replacement.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use rustix::fs::{AtFlags, CWD};
use rustix::io::Errno;

use super::{relative, Options, PROG};
use crate::backup;
use crate::platform::Info;
use crate::quote::quotef;
use crate::report::{self, errno, q, Error};

/// Where one link goes: its name in a directory (a target directory,
/// opened once, or the current one) and how it is shown.
pub struct Dest {
    pub dir: Option<Rc<OwnedFd>>,
    pub name: PathBuf,
    pub shown: PathBuf,
}

impl Dest {
    /// A name as written, from the current directory.
    pub fn path(p: impl Into<PathBuf>) -> Dest {
        let p = p.into();
        Dest {
            dir: None,
            name: p.clone(),
            shown: p,
        }
    }

    fn dir(&self) -> BorrowedFd<'_> {
        self.dir.as_ref().map_or(CWD, |f| f.as_fd())
    }

    /// The name looked at, not following a symlink.
    fn node(&self) -> io::Result<Info> {
        node_at(self.dir(), &self.name, false)
    }
}

pub struct Linker {
    opts: Options,
    /// Hard links made by this run are not to be replaced by later ones.
    remember: bool,
    created: crate::at::Created,
}

/// One link's result: `Err(None)` when the user said no.
pub type Outcome = Result<(), Option<Error>>;

/// `path` (relative to `dir`) looked at, following a last symlink or not.
fn node_at(dir: BorrowedFd<'_>, path: &Path, follow: bool) -> io::Result<Info> {
    let flags = if follow {
        AtFlags::empty()
    } else {
        AtFlags::SYMLINK_NOFOLLOW
    };
    crate::platform::statat(dir, path, flags)
}

/// A backup made of DEST before replacing it: its name relative to DEST's
/// directory, and whether it is a hard link (DEST stayed in place).
struct Backup {
    name: PathBuf,
    linked: bool,
}

impl Backup {
    /// The link was not made: DEST as it was, no backup (GNU's un-backup).
    fn undo(&self, dest: &Dest) {
        let dir = dest.dir();
        if self.linked {
            let _ = rustix::fs::unlinkat(dir, &self.name, AtFlags::empty());
        } else {
            let _ = crate::platform::replace(dir, &self.name, dir, &dest.name);
        }
    }
}

impl Linker {
    /// A run with `opts`; `remember`: hard links made are not to be
    /// replaced by later ones (GNU's `dest_set`).
    pub fn new(opts: Options, remember: bool) -> Linker {
        Linker {
            opts,
            remember,
            created: crate::at::Created::default(),
        }
    }

    /// Make the link at `dest`, once: a symlink whose text is `text`, or a
    /// hard link to `source`.
    fn create(&self, text: &Path, source: &Path, dest: &Dest) -> io::Result<()> {
        if self.opts.symbolic {
            rustix::fs::symlinkat(text, dest.dir(), &dest.name)?;
        } else {
            let flags = if self.opts.logical {
                AtFlags::SYMLINK_FOLLOW
            } else {
                AtFlags::empty()
            };
            rustix::fs::linkat(CWD, source, dest.dir(), &dest.name, flags)?;
        }
        Ok(())
    }

    /// Make the link `dest` to `source` as GNU's `do_link` does: the link
    /// as asked first (a relative one is worked out first), and only if
    /// that fails, the checks of DEST and its atomic replacement (`-f`,
    /// `-i`, `-b`).
    pub fn link(&mut self, source: &Path, dest: &Dest) -> Outcome {
        let first = (!self.opts.relative).then(|| self.create(source, source, dest));
        let failed = !matches!(first, Some(Ok(())));
        let src = if !self.opts.symbolic && (failed || self.remember) {
            Some(self.source_node(source)?)
        } else {
            None
        };
        let mut text = source.to_path_buf();
        let mut backup = None;
        if failed {
            if src.is_some_and(|s| s.is_dir()) && !self.opts.dir_links {
                return Err(Some(Error::msg(format!(
                    "{}: hard link not allowed for directory",
                    quotef(source.as_os_str())
                ))));
            }
            if self.opts.relative {
                text = relative::relative_to(source, &dest.shown);
            }
            backup = self.retry(&text, source, dest, first.and_then(Result::err), src)?;
        }
        if self.remember {
            if let Ok(d) = dest.node() {
                self.created.insert(dest.dir(), &dest.name, d.id());
            }
        }
        if self.opts.verbose {
            let arrow = if self.opts.symbolic { '-' } else { '=' };
            let (shown, text) = (q(&dest.shown), q(&text));
            match &backup {
                Some(b) => {
                    let b = q(crate::names::shown_sibling(
                        &dest.shown,
                        &dest.name,
                        &b.name,
                    ));
                    report::out(format_args!("{b} ~ {shown} {arrow}> {text}"))
                }
                None => report::out(format_args!("{shown} {arrow}> {text}")),
            }
        }
        if self.opts.sync {
            crate::sync::dirs(&[(dest.dir(), &dest.name, &dest.shown)])?;
        }
        Ok(())
    }

    /// `source` for a hard link, looked at (followed with `-L`).
    fn source_node(&self, source: &Path) -> Result<Info, Option<Error>> {
        node_at(CWD, source, self.opts.logical)
            .map_err(|e| Some(Error::io(format!("failed to access {}", q(source)), e)))
    }

    /// The link could not be made as asked (`first` says why; `None`: not
    /// tried yet). With `-f`, `-i` or `-b` and DEST there: GNU's checks,
    /// the question, the backup, then one atomic replacement; otherwise the
    /// failure stands. Returns the backup made.
    fn retry(
        &self,
        text: &Path,
        source: &Path,
        dest: &Dest,
        first: Option<io::Error>,
        src: Option<Info>,
    ) -> Result<Option<Backup>, Option<Error>> {
        let o = &self.opts;
        let mut force = o.force || o.interactive || o.backup.is_some();
        let mut backup = None;
        if force {
            match dest.node() {
                Err(e) if errno(&e) == Some(Errno::NOENT) => force = false,
                Err(e) => {
                    let what = format!("failed to access {}", q(&dest.shown));
                    return Err(Some(Error::io(what, e)));
                }
                Ok(d) => {
                    self.check_replaceable(text, dest, &d, src)?;
                    if first
                        .as_ref()
                        .is_none_or(|e| errno(e) == Some(Errno::EXIST))
                    {
                        let ask = format!("{PROG}: replace {}? ", q(&dest.shown));
                        if o.interactive && !report::yes(&ask) {
                            return Err(None);
                        }
                        match self.back_up(dest) {
                            Ok(b) => backup = b,
                            Err(e) if errno(&e) == Some(Errno::NOENT) => force = false,
                            Err(e) => {
                                let what = format!("cannot backup {}", q(&dest.shown));
                                return Err(Some(Error::io(what, e)));
                            }
                        }
                    }
                }
            }
        }
        let eexist = |e: &io::Error| errno(e) == Some(Errno::EXIST);
        let made = match first {
            Some(e) if !force || !eexist(&e) => Err(e),
            Some(_) => self.replace(text, source, dest),
            None => match self.create(text, source, dest) {
                Err(e) if force && eexist(&e) => self.replace(text, source, dest),
                other => other,
            },
        };
        if let Err(e) = made {
            if let Some(b) = &backup {
                b.undo(dest);
            }
            return Err(Some(self.create_error(text, dest, e)));
        }
        Ok(backup)
    }

    /// Back up DEST under the name `-b` gives, if any: by a hard link,
    /// which keeps DEST in place, else by renaming it away.
    fn back_up(&self, dest: &Dest) -> io::Result<Option<Backup>> {
        let Some((control, suffix)) = &self.opts.backup else {
            return Ok(None);
        };
        let dir = dest.dir();
        let list = || backup::list_parent(dir, &dest.name);
        let Some(name) = backup::backup_name(&dest.name, *control, suffix, list) else {
            return Ok(None);
        };
        let shown = crate::names::shown_sibling(&dest.shown, &dest.name, &name);
        let linked = match crate::ops::link_replacing_at((dir, &dest.name), (dir, &name), &shown) {
            Ok(staged) => {
                say_left(staged.left);
                true
            }
            Err(e) if crate::private::is_not_ours(&e) => return Err(e),
            Err(_) => false,
        };
        if !linked {
            crate::platform::replace(dir, &dest.name, dir, &name)?;
        }
        Ok(Some(Backup { name, linked }))
    }

    /// Replace DEST, which exists, with the new link in one rename.
    fn replace(&self, text: &Path, source: &Path, dest: &Dest) -> io::Result<()> {
        let to = (dest.dir(), dest.name.as_path());
        let made = if self.opts.symbolic {
            crate::ops::flip_symlink_at(text.as_os_str(), to, &dest.shown)
        } else if self.opts.logical {
            let real = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
            crate::ops::link_replacing_at((CWD, &real), to, &dest.shown)
        } else {
            crate::ops::link_replacing_at((CWD, source), to, &dest.shown)
        };
        made.map(|staged| say_left(staged.left))
    }

    /// GNU's refusals before replacing DEST (looked at: `d`): a directory,
    /// a hard link this run just made, or the link's own source (by
    /// `text`, the link's text with `-r`, as GNU looks it up).
    fn check_replaceable(
        &self,
        text: &Path,
        dest: &Dest,
        d: &Info,
        src: Option<Info>,
    ) -> Result<(), Error> {
        if d.is_dir() {
            return Err(Error::msg(format!(
                "{}: cannot overwrite directory",
                quotef(dest.shown.as_os_str())
            )));
        }
        if self.created.contains(dest.dir(), &dest.name, d.id()) {
            return Err(Error::msg(format!(
                "will not overwrite just-created {} with {}",
                q(&dest.shown),
                q(text)
            )));
        }
        // Removing DEST would remove SOURCE: with a backup that matters
        // for hard links only (a self-loop symlink loses nothing), else
        // only with -f.
        let guard = match self.opts.backup {
            Some(_) => !self.opts.symbolic,
            None => self.opts.force,
        };
        let src = src.or_else(|| node_at(CWD, text, true).ok());
        let same = src.is_some_and(|s| {
            s.id() == d.id()
                && (s.nlink == 1 || crate::at::same_entry((CWD, text), (dest.dir(), &dest.name)))
        });
        if guard && same {
            return Err(Error::msg(format!(
                "{} and {} are the same file",
                q(text),
                q(&dest.shown)
            )));
        }
        Ok(())
    }

    fn create_error(&self, text: &Path, dest: &Dest, e: io::Error) -> Error {
        let (dest, source) = (&dest.shown, text);
        if self.opts.symbolic {
            if errno(&e) == Some(Errno::NAMETOOLONG) || source.as_os_str().is_empty() {
                return Error::io(
                    format!(
                        "failed to create symbolic link {} -> {}",
                        q(dest),
                        q(source)
                    ),
                    e,
                );
            }
            return Error::io(format!("failed to create symbolic link {}", q(dest)), e);
        }
        match errno(&e) {
            Some(Errno::MLINK) => {
                Error::io(format!("failed to create hard link to {}", q(source)), e)
            }
            Some(Errno::DQUOT | Errno::EXIST | Errno::NOSPC | Errno::ROFS) => {
                Error::io(format!("failed to create hard link {}", q(dest)), e)
            }
            _ => Error::io(
                format!("failed to create hard link {} => {}", q(dest), q(source)),
                e,
            ),
        }
    }
}

/// A private directory that was no longer the one made, left in place
/// after the link was: the user hears of it, and the link stands.
fn say_left(left: Option<String>) {
    if let Some(line) = left {
        report::error(PROG, line);
    }
}

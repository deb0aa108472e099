//! [`Move`]: what `pmv -T` does, for Rust callers. One rename where one
//! does the job; across file systems, the engine that `pmv` uses: SOURCE
//! is copied into a private directory beside the destination under its
//! final name, renamed over it in one step, then SOURCE is renamed away in
//! one step and removed.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use rustix::io::Errno;

use crate::engine::{self, Progress};
use crate::report::{self, errno, Kind};
use crate::{durable, ops, platform};

/// A move of one name onto another (GNU `mv -T`), atomic at the
/// destination on every system, across file systems too.
///
/// The destination is always replaced as a whole, never moved into, even
/// when it is a directory. Built with [`Move::new`], adjusted with the
/// other methods, carried out by [`Move::run`].
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let (new, cur) = (dir.path().join("release.new"), dir.path().join("release"));
/// std::fs::create_dir(&new)?;
/// std::fs::write(new.join("app"), "v2")?;
/// let moved = pmv::Move::new(&new, &cur).run()?;
/// assert!(moved.atomic);
/// assert_eq!(std::fs::read_to_string(cur.join("app"))?, "v2");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Move<'a> {
    from: PathBuf,
    to: PathBuf,
    no_replace: bool,
    exchange: bool,
    no_copy: bool,
    atomic_only: bool,
    durable: bool,
    progress: Option<Box<dyn FnMut(u64) + 'a>>,
    cancel: Option<Box<dyn Fn() -> bool + 'a>>,
}

/// What a [`Move`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moved {
    /// The steps taken, in order (`renameat2(RENAME_NOREPLACE)`, or the
    /// copy, the commit rename and the removal of SOURCE).
    pub steps: Vec<String>,
    /// Readers of the destination saw the old entry or the new one, never
    /// neither.
    pub atomic: bool,
    /// SOURCE also left its name in one step (a rename, or a move across
    /// file systems that removed SOURCE after renaming it away).
    pub both_ends: bool,
    /// Bytes of file data copied (0 for a rename).
    pub copied: u64,
}

/// Why a [`Move`] did not happen, or did not wholly happen.
#[derive(Debug)]
#[non_exhaustive]
pub enum MoveError {
    /// The destination exists and [`Move::no_replace`] was asked for.
    /// Nothing changed.
    Exists,
    /// This system or file system cannot do the operation atomically
    /// ([`Move::exchange`], or a no-replace move of a directory where no
    /// such rename exists). Nothing changed.
    Unsupported(io::Error),
    /// The move would take a step that is not atomic, and
    /// [`Move::atomic_only`] was asked for. Nothing changed.
    NotAtomic(String),
    /// SOURCE, or something in it, changed or was replaced while it was
    /// being copied. Nothing changed.
    Changed(String),
    /// The cancel check said stop. Nothing changed.
    Cancelled,
    /// SOURCE is a directory and the destination is inside it (also
    /// through a bind mount or another view of the same tree). Nothing
    /// changed.
    IntoItself(String),
    /// The destination is in place, but not all of SOURCE could be
    /// removed; the reasons, one a line, end with where the rest is. With
    /// [`Move::durable`], also when the destination's directory could not
    /// be flushed: SOURCE is then kept whole, so that a power cut cannot
    /// lose both.
    Incomplete(String),
    /// Anything else, with what was being done. Nothing changed.
    Io {
        /// What failed, in GNU mv's words (`cannot move 'a' to 'b'`).
        context: String,
        /// The system's reason.
        source: io::Error,
    },
}

impl fmt::Display for MoveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoveError::Exists => f.write_str("the destination exists"),
            MoveError::Unsupported(e) => {
                write!(f, "not supported atomically here: {}", report::strerror(e))
            }
            MoveError::NotAtomic(m)
            | MoveError::Changed(m)
            | MoveError::IntoItself(m)
            | MoveError::Incomplete(m) => f.write_str(m),
            MoveError::Cancelled => f.write_str("cancelled"),
            MoveError::Io { context, source } => {
                write!(f, "{context}: {}", report::strerror(source))
            }
        }
    }
}

impl std::error::Error for MoveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MoveError::Unsupported(e) | MoveError::Io { source: e, .. } => Some(e),
            _ => None,
        }
    }
}

impl<'a> Move<'a> {
    /// A move of `from` onto `to`, replacing `to` if it exists.
    pub fn new(from: impl AsRef<Path>, to: impl AsRef<Path>) -> Self {
        Move {
            from: from.as_ref().to_path_buf(),
            to: to.as_ref().to_path_buf(),
            no_replace: false,
            exchange: false,
            no_copy: false,
            atomic_only: false,
            durable: false,
            progress: None,
            cancel: None,
        }
    }

    /// Never replace the destination: fail with [`MoveError::Exists`] if it
    /// exists, even if it appears at the last moment.
    pub fn no_replace(mut self) -> Self {
        self.no_replace = true;
        self
    }

    /// Swap the two names atomically instead (both must exist), or fail
    /// with [`MoveError::Unsupported`]; never emulated.
    pub fn exchange(mut self) -> Self {
        self.exchange = true;
        self
    }

    /// Do not copy across file systems: fail with `EXDEV` instead.
    pub fn no_copy(mut self) -> Self {
        self.no_copy = true;
        self
    }

    /// Fail with [`MoveError::NotAtomic`] rather than take a step that is
    /// not atomic.
    pub fn atomic_only(mut self) -> Self {
        self.atomic_only = true;
        self
    }

    /// Make the result durable: copied data is flushed before the commit,
    /// and the changed directories after it.
    pub fn durable(mut self) -> Self {
        self.durable = true;
        self
    }

    /// Call `f` with the number of bytes copied as a copy goes on.
    pub fn progress(mut self, f: impl FnMut(u64) + 'a) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Ask `f` during a copy whether to stop; when it says `true`, what was
    /// copied is removed and [`MoveError::Cancelled`] returned.
    pub fn cancel(mut self, f: impl Fn() -> bool + 'a) -> Self {
        self.cancel = Some(Box::new(f));
        self
    }

    /// Carry out the move.
    ///
    /// # Errors
    /// A [`MoveError`]; every kind but [`MoveError::Incomplete`] means
    /// that nothing changed.
    pub fn run(mut self) -> Result<Moved, MoveError> {
        let (from, to) = (self.from.clone(), self.to.clone());
        let renamed = |mech: &str| Moved {
            steps: vec![mech.to_string()],
            atomic: true,
            both_ends: true,
            copied: 0,
        };
        if self.exchange {
            let result = match self.durable {
                true => durable::exchange_durable(&from, &to),
                false => ops::exchange(&from, &to),
            };
            return result.map(renamed).map_err(|e| self.rename_error(e));
        }
        let result = match (self.no_replace, self.durable) {
            (true, true) => durable::rename_noreplace_durable(&from, &to),
            (true, false) => ops::rename_noreplace(&from, &to),
            (false, true) => durable::replace_durable(&from, &to),
            (false, false) => ops::replace(&from, &to),
        };
        match result {
            Ok(mech) => Ok(renamed(mech)),
            Err(e) if errno(&e) == Some(Errno::XDEV) && !self.no_copy => self.across(),
            Err(e) if self.no_replace && ops::is_unsupported(&e) => self.check_then_rename(e),
            Err(e) => Err(self.rename_error(e)),
        }
    }

    /// A directory on a system without a no-replace rename: look, then
    /// rename (not atomic: a destination made in between is replaced).
    fn check_then_rename(&self, unsupported: io::Error) -> Result<Moved, MoveError> {
        if platform::lstat(&self.to).is_ok() {
            return Err(MoveError::Exists);
        }
        if platform::lstat(&self.from).is_ok_and(|i| !i.is_dir()) {
            return Err(MoveError::Unsupported(unsupported));
        }
        if self.atomic_only {
            return Err(MoveError::NotAtomic(format!(
                "cannot move {} to {}: no atomic no-replace rename for a directory on this system",
                q(&self.from),
                q(&self.to)
            )));
        }
        ops::replace(&self.from, &self.to).map_err(|e| self.rename_error(e))?;
        Ok(Moved {
            steps: vec!["lstat check then renameat (racy)".into()],
            atomic: false,
            both_ends: true,
            copied: 0,
        })
    }

    /// Across file systems, with the engine.
    fn across(&mut self) -> Result<Moved, MoveError> {
        let context = || format!("cannot move {} to {}", q(&self.from), q(&self.to));
        let info = platform::lstat(&self.from).map_err(|source| MoveError::Io {
            context: format!("cannot stat {}", q(&self.from)),
            source,
        })?;
        let job = engine::Move {
            src: &self.from,
            dst: &self.to,
            dst_at: (rustix::fs::CWD, &self.to),
            expect: (info.dev, info.ino),
            settings: engine::Settings {
                no_replace: self.no_replace,
                atomic: self.atomic_only,
                sync: self.durable,
                verbose: false,
            },
            note: None,
        };
        let (mut copied, mut cancelled) = (0, false);
        let (progress, cancel) = (&mut self.progress, &self.cancel);
        let mut step = |p: Progress| {
            if let (Progress::Bytes(n), Some(f)) = (p, progress.as_mut()) {
                f(n);
            }
            if let Progress::Bytes(n) = p {
                copied += n;
            }
            cancelled = cancel.as_ref().is_some_and(|c| c());
            !cancelled
        };
        let mut problems = Vec::new();
        let result = job.run(&mut engine::Links::new(), &mut step, &mut |line| {
            problems.push(line)
        });
        let done = match result {
            Ok(done) => done,
            Err(_) if cancelled => return Err(MoveError::Cancelled),
            Err(engine::Failure::Exists) => return Err(MoveError::Exists),
            Err(engine::Failure::Rename(e)) => return Err(self.rename_error(e)),
            Err(engine::Failure::Failed(e)) => {
                return Err(match e.kind() {
                    Kind::Changed => MoveError::Changed(e.to_string()),
                    Kind::NotAtomic => MoveError::NotAtomic(e.to_string()),
                    Kind::IntoItself => MoveError::IntoItself(e.to_string()),
                    Kind::Other => match e.into_parts() {
                        (context, Some(source)) => MoveError::Io { context, source },
                        (message, None) => MoveError::Io {
                            context: context(),
                            source: io::Error::other(message),
                        },
                    },
                })
            }
        };
        if !done.clean {
            return Err(MoveError::Incomplete(problems.join("\n")));
        }
        Ok(Moved {
            steps: done.steps,
            atomic: true,
            both_ends: true,
            copied,
        })
    }

    fn rename_error(&self, e: io::Error) -> MoveError {
        if errno(&e) == Some(Errno::EXIST) && (self.no_replace || self.exchange) {
            return MoveError::Exists;
        }
        if ops::is_unsupported(&e) && (self.no_replace || self.exchange) {
            return MoveError::Unsupported(e);
        }
        let (a, b) = (q(&self.from), q(&self.to));
        if errno(&e) == Some(Errno::INVAL) && !self.exchange && self.goes_into_itself() {
            return MoveError::IntoItself(format!(
                "cannot move {a} to a subdirectory of itself, {b}"
            ));
        }
        let context = match self.exchange {
            true => format!("cannot exchange {a} and {b}"),
            false => format!("cannot move {a} to {b}"),
        };
        MoveError::Io { context, source: e }
    }
}

impl Move<'_> {
    /// Whether `from` is a directory that holds the directory `to` would
    /// be made in (the kernel's `EINVAL` for such a rename).
    fn goes_into_itself(&self) -> bool {
        platform::lstat(&self.from)
            .is_ok_and(|from| from.is_dir() && engine::holds(from.id(), rustix::fs::CWD, &self.to))
    }
}

fn q(p: &Path) -> String {
    report::q(p)
}

//! Carrying out the moves of one run, one SOURCE → DEST pair at a time:
//! the first, no-replace rename; a look at both names when it did not do
//! the job; GNU's checks and the backup; the rename; and, when it crosses
//! file systems, the engine (`across.rs`).

use std::collections::BTreeSet;
use std::io;
use std::path::Path;

use rustix::fs::CWD;
use rustix::io::Errno;

use super::across::{self, Crossed};
use super::backups::{self, Backup};
use super::cli::{Options, Update};
use super::decide::Meta;
use super::existing::{self, Facts, Proceed, SourceDirs};
use super::pair::{look, lstat, stat_dir, Job, Pair};
use super::say::{not_atomic, refusal, rename_error, Steps, PROG};
use crate::report::{self, errno, q, Error};
use crate::{engine, ops};

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
}

impl From<Error> for Failed {
    fn from(e: Error) -> Self {
        Failed::Report(e)
    }
}

/// One move's result: `Ok` when it was done or rightly skipped.
pub type Outcome = Result<(), Failed>;

/// What the first, no-replace rename of a pair found.
pub enum First {
    /// The move is done, by this mechanism.
    Done(&'static str),
    /// DEST exists.
    Exists(io::Error),
    /// This system or file system has no no-replace rename for it.
    Unsupported(io::Error),
    /// It failed for a reason of its own.
    Failed(io::Error),
    /// None is made (`--exchange`).
    NotTried,
}

/// The state of one `pmv` run across its operands.
pub struct Mover {
    opts: Options,
    /// Jobs still to run after the current one.
    left: usize,
    /// Several SOURCEs go into one directory.
    many_sources: bool,
    /// `(dev, ino)` of every destination this run has created, while
    /// later jobs may need it.
    created: BTreeSet<(u64, u64)>,
    /// Every source directory seen, for GNU's warning about one named
    /// twice.
    source_dirs: SourceDirs,
    stdin_tty: Option<bool>,
    /// Copies of multiply-linked files moved across file systems, so that
    /// their other names, in later operands too, become links again.
    links: engine::Links,
}

impl Mover {
    /// A run of `jobs` moves with `opts`.
    pub fn new(opts: Options, jobs: usize) -> Self {
        Mover {
            opts,
            left: jobs,
            many_sources: jobs > 1,
            created: BTreeSet::new(),
            source_dirs: SourceDirs::default(),
            stdin_tty: None,
            links: engine::Links::new(),
        }
    }

    /// Carry out the next job.
    pub fn run(&mut self, job: Job) -> Outcome {
        self.left = self.left.saturating_sub(1);
        match job {
            Job::Onto(src, dst) => {
                let first = self.first_try(&src, &dst);
                self.move_pair(&src, &dst, first)
            }
            Job::Either(src, dst) => self.either(&src, &dst),
        }
    }

    /// `SRC DEST` with two operands, as GNU does it: first a no-replace
    /// rename straight to DEST (one syscall when DEST is new), and only if
    /// that fails, a look at whether DEST is a directory to move into.
    fn either(&mut self, src: &Path, dst: &Path) -> Outcome {
        // The first try takes the operands as given; GNU strips trailing
        // slashes only afterwards, and keeps the first try's answer.
        let first = self.first_try(src, dst);
        let strip = |p: &Path| match self.opts.strip_trailing_slashes {
            true => crate::names::strip_trailing_slashes(p),
            false => p.to_path_buf(),
        };
        let (src, stripped_dst) = (strip(src), strip(dst));
        if matches!(first, First::Done(_)) || !stat_dir(dst).unwrap_or(false) {
            return self.move_pair(&src, &stripped_dst, first);
        }
        let inner = crate::names::into_dir(dst, &src);
        let first = self.first_try(&src, &inner);
        self.move_pair(&src, &inner, first)
    }

    /// The first, no-replace attempt of moving `src` to `dst`.
    fn first_try(&self, src: &Path, dst: &Path) -> First {
        if self.opts.exchange {
            return First::NotTried;
        }
        let result = if crate::platform::NATIVE_NOREPLACE || self.opts.no_clobber() {
            ops::rename_noreplace(src, dst)
        } else {
            // Without a native call a plain move needs no atomic
            // no-replace: as gnulib's renameatu, look, then rename.
            match lstat(dst) {
                Ok(_) => Err(io::Error::from_raw_os_error(Errno::EXIST.raw_os_error())),
                Err(_) => crate::platform::replace(CWD, src, CWD, dst),
            }
        };
        match result {
            Ok(mech) => First::Done(mech),
            Err(e) if errno(&e) == Some(Errno::EXIST) => First::Exists(e),
            Err(e) if crate::platform::is_unsupported(&e) => First::Unsupported(e),
            Err(e) => First::Failed(e),
        }
    }

    /// Move `src` to `dst`, given what the first try found.
    fn move_pair(&mut self, src: &Path, dst: &Path, first: First) -> Outcome {
        let mut steps = Steps::default();
        let tried = |e: &io::Error| format!("no-replace rename ({})", report::strerror(e));
        // GNU does not rename twice: when the first try failed for a
        // reason of its own, that is the answer for a new destination.
        let (first_err, noreplace_unsupported) = match first {
            First::Done(mech) => {
                steps.push(mech);
                return self.done(src, dst, None, steps, None);
            }
            // -n and --update=none[-fail] look at nothing else.
            First::Exists(_) if self.opts.no_clobber() => return self.skip(dst),
            First::Exists(e) => {
                steps.push(tried(&e));
                (None, false)
            }
            First::Unsupported(e) => {
                steps.push(tried(&e));
                (None, true)
            }
            First::Failed(e) => {
                steps.push(tried(&e));
                (Some(e), false)
            }
            First::NotTried => (None, false),
        };
        let pair = look(src, dst)?;
        if self.opts.exchange {
            return self.exchange(&pair);
        }
        let backup = match &pair.dst_meta {
            Some(d) => {
                if self.check_existing(&pair, d)? == Proceed::Skip {
                    return self.skip(dst);
                }
                match &self.opts.backup {
                    Some(b) => backups::make(b, self.opts.atomic, &pair, &mut steps)?,
                    None => None,
                }
            }
            None if self.opts.no_clobber() && noreplace_unsupported => {
                self.racy_noreplace(&pair, &mut steps)?;
                None
            }
            None => None,
        };
        if self.many_sources && self.source_dirs.check(&pair)? == Proceed::Skip {
            return Ok(());
        }
        let atomic_noreplace = self.opts.no_clobber() && !noreplace_unsupported;
        let result = match first_err {
            Some(e) if pair.dst_meta.is_none() => Err(e),
            // DEST may have vanished since the first try: still never
            // replace one that appears.
            _ if atomic_noreplace => ops::rename_noreplace(src, dst),
            _ => crate::platform::replace(CWD, src, CWD, dst),
        };
        let outcome = self.after_rename(&pair, result, atomic_noreplace, backup.as_ref(), steps);
        if let (Err(Failed::Report(_) | Failed::Declined), Some(b)) = (&outcome, &backup) {
            b.undo(dst);
        }
        outcome
    }

    /// What the rename of `pair` came to: done, skipped (DEST appeared
    /// under `-n`), carried on across file systems, or failed.
    fn after_rename(
        &mut self,
        pair: &Pair,
        result: io::Result<&'static str>,
        atomic_noreplace: bool,
        backup: Option<&Backup>,
        mut steps: Steps,
    ) -> Outcome {
        let (src, dst) = (pair.src, pair.dst);
        let shown = backup.map(|b| b.path.as_path());
        match result {
            Ok(mech) => {
                steps.push(mech);
                if pair
                    .dst_meta
                    .is_some_and(|d| d.same_file(&pair.src_meta) && !d.dir)
                {
                    // rename(2) between two names of one file does
                    // nothing: finish the move by removing SOURCE's name.
                    std::fs::remove_file(src)
                        .map_err(|e| Error::io(format!("cannot remove {}", q(src)), e))?;
                    steps.push("unlink source (same file)");
                }
                self.done(src, dst, shown, steps, Some(pair.src_meta))
            }
            Err(e) if errno(&e) == Some(Errno::EXIST) && atomic_noreplace => {
                self.source_dirs.forget(&pair.src_meta);
                self.skip(dst)
            }
            Err(e) if errno(&e) == Some(Errno::XDEV) && !self.opts.no_copy => {
                match across::run(&self.opts, &mut self.links, pair, shown, steps)? {
                    Crossed::Exists => self.skip(dst),
                    Crossed::Moved { clean } => {
                        self.remember(dst, None);
                        if clean {
                            Ok(())
                        } else {
                            Err(Failed::Incomplete)
                        }
                    }
                }
            }
            Err(e) => {
                if errno(&e) != Some(Errno::INVAL) {
                    self.source_dirs.forget(&pair.src_meta);
                }
                Err(rename_error(src, dst, &pair.src_meta, e).into())
            }
        }
    }

    /// `--exchange`, once both sides have been looked at: same file, `-n`,
    /// `--update` and `-i` apply; kinds need not match.
    fn exchange(&mut self, pair: &Pair) -> Outcome {
        if let Some(d) = &pair.dst_meta {
            if self.check_existing(pair, d)? == Proceed::Skip {
                return self.skip(pair.dst);
            }
        }
        super::exchange::run(&self.opts, pair.src, pair.dst, pair.dst_meta.is_some())
    }

    /// GNU's checks when DEST exists, with the question between them.
    fn check_existing(&mut self, pair: &Pair, dst_meta: &Meta) -> Result<Proceed, Failed> {
        let just_created = self.created.contains(&(dst_meta.dev, dst_meta.ino));
        let cached = &mut self.stdin_tty;
        let mut stdin_tty =
            || *cached.get_or_insert_with(|| rustix::termios::isatty(rustix::stdio::stdin()));
        let facts = Facts {
            just_created,
            stdin_tty: &mut stdin_tty,
        };
        existing::check(&self.opts, pair, dst_meta, facts)
    }

    /// Neither a no-replace rename nor a hard link is possible (a
    /// directory on this system) and DEST is missing: check, then rename,
    /// which `--atomic` refuses.
    fn racy_noreplace(&self, pair: &Pair, steps: &mut Steps) -> Outcome {
        if self.opts.atomic {
            let why = "no atomic no-replace rename for a directory on this system";
            return Err(not_atomic(pair.src, pair.dst, why).into());
        }
        steps.push("lstat check then renameat (racy)");
        steps.racy = true;
        Ok(())
    }

    /// A skipped move: silent for `-n` and `--update=none`, an error for
    /// `--update=none-fail`; `--debug` says `skipped`.
    fn skip(&self, dst: &Path) -> Outcome {
        if self.opts.update == Update::NoneFail {
            return Err(refusal(super::decide::Refusal::NotReplacing, dst, dst).into());
        }
        if self.opts.debug {
            report::out(format_args!("skipped {}", q(dst)));
        }
        Ok(())
    }

    /// Note that this run created `dst` (known by `meta`, else looked at),
    /// while later jobs may need to know.
    fn remember(&mut self, dst: &Path, meta: Option<Meta>) {
        if self.left > 0 {
            if let Some(m) = meta.or_else(|| lstat(dst).ok()) {
                self.created.insert((m.dev, m.ino));
            }
        }
    }

    /// Bookkeeping after a successful rename.
    fn done(
        &mut self,
        src: &Path,
        dst: &Path,
        backup: Option<&Path>,
        mut steps: Steps,
        meta: Option<Meta>,
    ) -> Outcome {
        // The move is made: a failed flush is reported, not undone.
        let synced = self.opts.sync.then(|| crate::sync::dirs(&[dst, src]));
        if let Some(Ok(step)) = &synced {
            steps.push(step.as_str());
        }
        self.remember(dst, meta);
        if self.opts.debug {
            steps.print(src, dst);
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
        if let Some(Err(e)) = synced {
            report::error(PROG, e);
            return Err(Failed::Incomplete);
        }
        Ok(())
    }
}

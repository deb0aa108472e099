//! Carrying out the moves of one run, one SOURCE → DEST pair at a time:
//! the first, no-replace rename; a look at both names when it did not do
//! the job; GNU's checks and the backup; the rename; and, when it crosses
//! file systems, the engine (`across.rs`).

use std::io;
use std::os::fd::AsFd;
use std::path::Path;

use rustix::fs::CWD;
use rustix::io::Errno;

use super::across::{self, Crossed};
use super::backups::{self, Backup};
use super::cli::{Options, Update};
use super::decide::Meta;
use super::dest::Dest;
use super::existing::{self, Facts, Proceed, SourceDirs};
use super::first::{first_try, First};
use super::pair::{look, Job, Pair};
use super::say::{not_atomic, refusal, rename_error, Steps, PROG};
use crate::engine;
use crate::report::{self, errno, q, Error};

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

/// The state of one `pmv` run across its operands.
pub struct Mover {
    opts: Options,
    /// Jobs still to run after the current one.
    left: usize,
    /// Several SOURCEs go into one directory.
    many_sources: bool,
    /// Every destination this run has created, while later jobs may need
    /// it.
    created: crate::at::Created,
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
            created: crate::at::Created::default(),
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
                let dst = Dest::path(&dst);
                let first = first_try(&self.opts, &src, &dst);
                self.move_pair(&src, dst, first)
            }
            Job::Into(src, dir, name, shown) => {
                let dst = Dest {
                    dir: dir.as_fd(),
                    name: &name,
                    shown: &shown,
                };
                let first = first_try(&self.opts, &src, &dst);
                self.move_pair(&src, dst, first)
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
        let first = first_try(&self.opts, src, &Dest::path(dst));
        let strip = |p: &Path| match self.opts.strip_trailing_slashes {
            true => crate::names::strip_trailing_slashes(p),
            false => p.to_path_buf(),
        };
        let src = strip(src);
        let target = match first {
            First::Done(_) => Err(()),
            _ => crate::at::open_target(dst, true).map_err(drop),
        };
        let shown = crate::names::into_dir(dst, &src);
        let into = match &target {
            Ok(Some(dir)) => Dest {
                dir: dir.as_fd(),
                name: Path::new(crate::names::base(&src)),
                shown: &shown,
            },
            // A directory that cannot be opened here: by its path.
            Ok(None) => Dest::path(&shown),
            Err(()) => return self.move_pair(&src, Dest::path(&strip(dst)), first),
        };
        let first = first_try(&self.opts, &src, &into);
        self.move_pair(&src, into, first)
    }

    /// Move `src` to `dst`, given what the first try found.
    fn move_pair(&mut self, src: &Path, dst: Dest, first: First) -> Outcome {
        let mut steps = Steps::default();
        let tried = |e: &io::Error| format!("no-replace rename ({})", report::strerror(e));
        // GNU does not rename twice: when the first try failed for a
        // reason of its own, that is the answer for a new destination.
        let (first_err, noreplace_unsupported) = match first {
            First::Done(mech) => {
                steps.push(mech);
                return self.done(src, &dst, None, steps, None);
            }
            // -n and --update=none[-fail] look at nothing else.
            First::Exists(_) if self.opts.no_clobber() => return self.skip(dst.shown),
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
                    return self.skip(dst.shown);
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
            _ if atomic_noreplace => crate::platform::rename_noreplace(CWD, src, dst.dir, dst.name),
            _ => crate::platform::replace(CWD, src, dst.dir, dst.name),
        };
        let outcome = self.after_rename(&pair, result, atomic_noreplace, backup.as_ref(), steps);
        if let (Err(Failed::Report(_) | Failed::Declined), Some(b)) = (&outcome, &backup) {
            b.undo(&dst);
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
        let (src, dst) = (pair.src, pair.dst.shown);
        let shown = backup.map(|b| b.shown.as_path());
        let dest = &pair.dst;
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
                self.done(src, dest, shown, steps, Some(pair.src_meta))
            }
            Err(e) if errno(&e) == Some(Errno::EXIST) && atomic_noreplace => {
                self.source_dirs.forget(&pair.src_meta);
                self.skip(dst)
            }
            Err(e) if errno(&e) == Some(Errno::XDEV) && !self.opts.no_copy => {
                match across::run(&self.opts, &mut self.links, pair, shown, steps)? {
                    Crossed::Exists => self.skip(dst),
                    Crossed::Moved { clean } => {
                        self.remember(&pair.dst, None);
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
                return self.skip(pair.dst.shown);
            }
        }
        super::exchange::run(&self.opts, pair)
    }

    /// GNU's checks when DEST exists, with the question between them.
    fn check_existing(&mut self, pair: &Pair, dst_meta: &Meta) -> Result<Proceed, Failed> {
        let just_created = self
            .created
            .contains(pair.dst.dir, pair.dst.name, dst_meta.id());
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
            return Err(not_atomic(pair.src, pair.dst.shown, why).into());
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
    fn remember(&mut self, dst: &Dest, meta: Option<Meta>) {
        if self.left > 0 {
            if let Some(m) = meta.or_else(|| dst.lstat().ok()) {
                self.created.insert(dst.dir, dst.name, m.id());
            }
        }
    }

    /// Bookkeeping after a successful rename.
    fn done(
        &mut self,
        src: &Path,
        dest: &Dest,
        backup: Option<&Path>,
        mut steps: Steps,
        meta: Option<Meta>,
    ) -> Outcome {
        let dst = dest.shown;
        // The move is made: a failed flush is reported, not undone.
        let synced = self
            .opts
            .sync
            .then(|| crate::sync::dirs(&[(dest.dir, dest.name, dst), (CWD, src, src)]));
        if let Some(Ok(step)) = &synced {
            steps.push(step.as_str());
        }
        self.remember(dest, meta);
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

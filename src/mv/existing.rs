//! GNU's checks before a move: when DEST exists, those before replacing
//! it, with the question (`-i`, or an unwritable DEST on a terminal)
//! between them; and a source directory named twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::cli::Options;
use super::decide::{self, Context, Meta, Question, Verdict};
use super::exec::Failed;
use super::pair::{lstat, Pair};
use super::say::{refusal, PROG};
use crate::backup::Control;
use crate::report::Error;
use crate::report::{self, q};

/// Whether to go on with the move once DEST has been looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proceed {
    /// Replace DEST.
    Replace,
    /// Leave both alone: a success (`-n`, `--update`).
    Skip,
}

/// What [`check`] needs to know beyond the pair.
pub struct Facts<'a> {
    /// This run created DEST (an earlier operand).
    pub just_created: bool,
    /// Whether standard input is a terminal, asked only when needed.
    pub stdin_tty: &'a mut dyn FnMut() -> bool,
}

/// GNU's checks when the destination exists: refuse, skip, ask, or go on.
pub fn check(
    opts: &Options,
    pair: &Pair,
    dst_meta: &Meta,
    facts: Facts,
) -> Result<Proceed, Failed> {
    let (src, dst, src_meta) = (pair.src, pair.dst, &pair.src_meta);
    let backup = opts
        .backup
        .as_ref()
        .is_some_and(|(c, _)| *c != Control::None);
    // Look only at what a rule can use: the terminal matters for an
    // unwritable destination, where a symlink leads only for a symlink
    // over a non-symlink.
    let writable = dst_meta.symlink || writable(dst);
    let ctx = Context {
        // GNU: numbered backups keep every version, so no refusal.
        just_created: facts.just_created && !matches!(opts.backup, Some((Control::Numbered, _))),
        writable,
        stdin_tty: !writable && (facts.stdin_tty)(),
        backup,
        same_entry: backup && same_entry(src, dst),
        // GNU compares where the link leads with DEST by name: a link to
        // another hard link of DEST's file is fine to move.
        src_resolves_to_dst: src_meta.symlink
            && !dst_meta.symlink
            && std::fs::canonicalize(src)
                .is_ok_and(|a| std::fs::canonicalize(dst).is_ok_and(|b| a == b)),
    };
    match decide::before_asking(src_meta, dst_meta, opts, ctx) {
        Verdict::Skip => return Ok(Proceed::Skip),
        Verdict::Refuse(r) => return Err(refusal(r, src, dst).into()),
        Verdict::Ask(question) if !ask(question, dst, dst_meta) => {
            if opts.debug {
                report::out(format_args!("skipped {}", q(dst)));
            }
            return Err(Failed::Declined);
        }
        Verdict::Ask(_) | Verdict::Replace => {}
    }
    match decide::after_asking(src_meta, dst_meta, opts, ctx) {
        Verdict::Refuse(r) => Err(refusal(r, src, dst).into()),
        _ => Ok(Proceed::Replace),
    }
}

/// Whether `a` and `b` name the same directory entry: the same last
/// component as written (`.` included), in directories that `lstat` says
/// are one (GNU's `same_name`).
pub fn same_entry(a: &Path, b: &Path) -> bool {
    use crate::names::{base, parent};
    if base(a) != base(b) {
        return false;
    }
    let id = |p: &Path| lstat(parent(p)).ok().map(|m| (m.dev, m.ino));
    id(a).is_some() && id(a) == id(b)
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
    report::yes(&text)
}

/// The source directories of a run that moves several SOURCEs, by
/// `(dev, ino)`, with where each went.
#[derive(Default)]
pub struct SourceDirs(BTreeMap<(u64, u64), PathBuf>);

impl SourceDirs {
    /// GNU's bookkeeping of source directories moved into one target: the
    /// same directory named again for the same destination is a warning
    /// and skipped; for another destination, an error.
    pub fn check(&mut self, pair: &Pair) -> Result<Proceed, Failed> {
        if !pair.src_meta.dir {
            return Ok(Proceed::Replace);
        }
        let id = (pair.src_meta.dev, pair.src_meta.ino);
        match self.0.get(&id) {
            Some(earlier) if same_entry(earlier, pair.dst) => {
                let warning = "warning: source directory";
                report::error(
                    PROG,
                    format_args!("{warning} {} specified more than once", q(pair.src)),
                );
                Ok(Proceed::Skip)
            }
            Some(earlier) => Err(Error::msg(format!(
                "will not create hard link {} to directory {}",
                q(pair.dst),
                q(earlier)
            ))
            .into()),
            None => {
                self.0.insert(id, pair.dst.to_path_buf());
                Ok(Proceed::Replace)
            }
        }
    }

    /// The move of this directory did not happen after all.
    pub fn forget(&mut self, src_meta: &Meta) {
        self.0.remove(&(src_meta.dev, src_meta.ino));
    }
}

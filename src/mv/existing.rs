//! GNU's checks before a move: when DEST exists, those before replacing
//! it, with the question (`-i`, or an unwritable DEST on a terminal)
//! between them; and a source directory named twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::cli::Options;
use super::decide::{self, Context, Meta, Question, Verdict};
use super::dest::{self, Dest};
use super::exec::Failed;
use super::pair::Pair;
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
    let (src, dst, src_meta) = (pair.src, pair.dst.shown, &pair.src_meta);
    let backup = opts
        .backup
        .as_ref()
        .is_some_and(|(c, _)| *c != Control::None);
    // Look only at what a rule can use: the terminal matters for an
    // unwritable destination, where a symlink leads only for a symlink
    // over a non-symlink.
    let writable = dst_meta.symlink || pair.dst.writable();
    let ctx = Context {
        // GNU: numbered backups keep every version, so no refusal.
        just_created: facts.just_created && !matches!(opts.backup, Some((Control::Numbered, _))),
        writable,
        stdin_tty: !writable && (facts.stdin_tty)(),
        backup,
        // Asked only where a rule can use it.
        same_entry: (src_meta.same_file(dst_meta) || (src_meta.symlink && dst_meta.symlink))
            && dest::same_entry(src, &pair.dst),
        src_resolves_to_dst: src_meta.symlink
            && !dst_meta.symlink
            && resolves_to(src, &pair.dst, dst_meta),
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

/// Whether the symlink `src` leads to DEST, GNU's way: where DEST has
/// other names, only if its canonical name is DEST's very entry (a link
/// to another name of DEST's file may replace DEST); otherwise if it
/// resolves to DEST's file.
fn resolves_to(src: &Path, dst: &Dest, dst_meta: &Meta) -> bool {
    if dst_meta.nlink > 1 {
        if let Ok(abs) = std::fs::canonicalize(src) {
            return crate::at::same_entry((rustix::fs::CWD, &abs), (dst.dir, dst.name));
        }
    }
    crate::platform::stat(src).is_ok_and(|st| (st.dev, st.ino) == (dst_meta.dev, dst_meta.ino))
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
/// `(dev, ino)`, with where each went: its name in the target directory,
/// and as shown.
#[derive(Default)]
pub struct SourceDirs(BTreeMap<(u64, u64), (PathBuf, PathBuf)>);

impl SourceDirs {
    /// GNU's bookkeeping of source directories moved into one target: the
    /// same directory named again for the same destination is a warning
    /// and skipped; for another destination, an error.
    pub fn check(&mut self, pair: &Pair) -> Result<Proceed, Failed> {
        if !pair.src_meta.dir {
            return Ok(Proceed::Replace);
        }
        let id = (pair.src_meta.dev, pair.src_meta.ino);
        let dst = &pair.dst;
        match self.0.get(&id) {
            Some((name, _)) if crate::at::same_entry((dst.dir, name), (dst.dir, dst.name)) => {
                let warning = "warning: source directory";
                report::error(
                    PROG,
                    format_args!("{warning} {} specified more than once", q(pair.src)),
                );
                Ok(Proceed::Skip)
            }
            Some((_, shown)) => Err(Error::msg(format!(
                "will not create hard link {} to directory {}",
                q(dst.shown),
                q(shown)
            ))
            .into()),
            None => {
                let went = (dst.name.to_path_buf(), dst.shown.to_path_buf());
                self.0.insert(id, went);
                Ok(Proceed::Replace)
            }
        }
    }

    /// The move of this directory did not happen after all.
    pub fn forget(&mut self, src_meta: &Meta) {
        self.0.remove(&(src_meta.dev, src_meta.ino));
    }
}

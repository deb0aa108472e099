//! What `pmv` says: GNU's wording for a refused or failed move, and the
//! `--debug` line listing the steps one move took.

use std::io;
use std::path::Path;

use rustix::io::Errno;

use super::decide::{Meta, Refusal};
use crate::report::{self, errno, q, Error};

pub const PROG: &str = "pmv";

/// The steps one operation took, for `--debug`.
#[derive(Default)]
pub struct Steps {
    pub names: Vec<String>,
    /// A step was not atomic for readers.
    pub racy: bool,
    /// SOURCE left its name in one step too (across file systems).
    pub both_ends: bool,
}

impl Steps {
    pub fn push(&mut self, step: impl Into<String>) {
        self.names.push(step.into());
    }

    /// `'SRC' -> 'DEST': step, then step: atomic`, on stderr.
    pub fn print(&self, src: &Path, dst: &Path) {
        let how = match (self.racy, self.both_ends) {
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
                self.names.join(", then "),
                how
            ),
        );
    }
}

/// GNU's wording for a failed rename.
pub fn rename_error(src: &Path, dst: &Path, src_meta: &Meta, e: io::Error) -> Error {
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
}

/// `--atomic` refused a step that is not atomic.
pub fn not_atomic(src: &Path, dst: &Path, why: &str) -> Error {
    Error::msg(format!(
        "cannot move {} to {}: {} (--atomic)",
        q(src),
        q(dst),
        why
    ))
}

/// GNU's wording for a move refused before any change.
pub fn refusal(r: Refusal, src: &Path, dst: &Path) -> Error {
    let (src, dst) = (q(src), q(dst));
    Error::msg(match r {
        Refusal::SameFile => format!("{src} and {dst} are the same file"),
        Refusal::NotReplacing => format!("not replacing {dst}"),
        Refusal::DirWithNonDir => {
            format!("cannot overwrite directory {dst} with non-directory {src}")
        }
        Refusal::NonDirWithDir => {
            format!("cannot overwrite non-directory {dst} with directory {src}")
        }
        Refusal::JustCreated => format!("will not overwrite just-created {dst} with {src}"),
    })
}

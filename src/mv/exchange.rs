//! `--exchange`: swap SOURCE and destination atomically, or fail. Never
//! emulated with three renames.

use std::io;
use std::path::Path;

use super::cli::Options;
use super::exec::Failed;
use super::say::PROG;
use crate::ops;
use crate::report::{self, q, Error};

/// Exchange `src` and `dst` (both looked at already; `dst_exists` says
/// whether the destination is there).
pub fn run(opts: &Options, src: &Path, dst: &Path, dst_exists: bool) -> Result<(), Failed> {
    let what = || format!("cannot exchange {} and {}", q(src), q(dst));
    if !dst_exists {
        // GNU says "Unknown error -1" here; the real reason is clearer.
        let enoent = io::Error::from_raw_os_error(rustix::io::Errno::NOENT.raw_os_error());
        return Err(Error::io(what(), enoent).into());
    }
    match ops::exchange(src, dst) {
        Ok(mech) => {
            let mut steps = mech.to_string();
            if opts.sync {
                steps = format!("{steps}, then {}", crate::sync::dirs(&[dst, src])?);
            }
            if opts.debug {
                report::error(
                    PROG,
                    format_args!("{} <-> {}: {steps}: atomic", q(src), q(dst)),
                );
            }
            if opts.verbose {
                report::out(format_args!("exchanged {} <-> {}", q(src), q(dst)));
            }
            Ok(())
        }
        Err(e) if ops::is_unsupported(&e) => {
            let by = if ops::unsupported_by_fs(&e) {
                "by this file system"
            } else {
                "on this system"
            };
            Err(Error::msg(format!("{}: atomic exchange is not supported {by}", what())).into())
        }
        Err(e) => Err(Error::io(what(), e).into()),
    }
}

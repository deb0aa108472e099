//! `--exchange`: swap SOURCE and destination atomically, or fail. Never
//! emulated with three renames.

use std::io;

use rustix::fs::CWD;

use super::cli::Options;
use super::decide::Meta;
use super::exec::Failed;
use super::pair::Pair;
use super::say::PROG;
use crate::ops;
use crate::report::{self, q, Error};

/// Exchange the two sides of `pair`, both looked at already.
pub fn run(opts: &Options, pair: &Pair) -> Result<(), Failed> {
    let (src, dst) = (pair.src, pair.dst.shown);
    let what = || format!("cannot exchange {} and {}", q(src), q(dst));
    if pair.dst_meta.is_none() {
        // GNU says "Unknown error -1" here; the real reason is clearer.
        let enoent = io::Error::from_raw_os_error(rustix::io::Errno::NOENT.raw_os_error());
        return Err(Error::io(what(), enoent).into());
    }
    match crate::platform::exchange(CWD, src, pair.dst.dir, pair.dst.name) {
        Ok(mech) => {
            let mut steps = mech.to_string();
            if opts.sync {
                let dirs = [(pair.dst.dir, pair.dst.name, dst), (CWD, src, src)];
                steps = format!("{steps}, then {}", crate::sync::dirs(&dirs)?);
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
        // The kernel's EINVAL for a directory swapped with something
        // inside it, which GNU reports as gnulib's ENOTSUP: the operation
        // is refused, not the flag.
        Err(e) if ops::unsupported_by_fs(&e) && one_inside_other(pair) => {
            let notsup = io::Error::from_raw_os_error(rustix::io::Errno::OPNOTSUPP.raw_os_error());
            Err(Error::io(what(), notsup).into())
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

/// Whether one side of `pair` is a directory that holds the other (at any
/// depth), which no exchange can do.
fn one_inside_other(pair: &Pair) -> bool {
    use crate::engine::holds;
    let id = |m: &Meta| crate::platform::FileId {
        dev: m.dev,
        ino: m.ino,
    };
    let src = &pair.src_meta;
    pair.dst_meta.is_some_and(|d| {
        (src.dir && holds(id(src), pair.dst.dir, pair.dst.name))
            || (d.dir && holds(id(&d), CWD, pair.src))
    })
}

//! `--exchange`: swap SOURCE and destination atomically, or fail.

use std::path::Path;

use super::decide::Meta;
use super::exec::{Failed, Mover};
use crate::ops;
use crate::report::{self, q, Error};

pub fn run(
    mover: &mut Mover,
    src: &Path,
    dst: &Path,
    _src_meta: &Meta,
    dst_meta: Option<&Meta>,
) -> Result<(), Failed> {
    let what = || format!("cannot exchange {} and {}", q(src), q(dst));
    if dst_meta.is_none() {
        return Err(Error::io(
            what(),
            std::io::Error::from_raw_os_error(rustix::io::Errno::NOENT.raw_os_error()),
        )
        .into());
    }
    match ops::exchange(src, dst) {
        Ok(mech) => {
            if mover.opts.debug {
                report::error(
                    super::exec::PROG,
                    format_args!("{} <-> {}: {mech}: atomic", q(src), q(dst)),
                );
            }
            if mover.opts.verbose {
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

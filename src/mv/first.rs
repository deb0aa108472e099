//! The first, no-replace rename GNU mv tries for each pair, before it
//! looks at either name: one system call when DEST is new.

use std::io;
use std::path::Path;

use rustix::fs::CWD;
use rustix::io::Errno;

use super::cli::Options;
use super::dest::Dest;
use crate::report::errno;

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

/// The first, no-replace attempt of moving `src` to `dst`.
pub fn first_try(opts: &Options, src: &Path, dst: &Dest) -> First {
    if opts.exchange {
        return First::NotTried;
    }
    let result = if crate::platform::NATIVE_NOREPLACE || opts.no_clobber() {
        crate::platform::rename_noreplace(CWD, src, dst.dir, dst.name)
    } else {
        // Without a native call a plain move needs no atomic no-replace:
        // as gnulib's renameatu, look, then rename.
        crate::platform::rename_if_absent(CWD, src, dst.dir, dst.name)
    };
    match result {
        Ok(mech) => First::Done(mech),
        Err(e) if errno(&e) == Some(Errno::EXIST) => First::Exists(e),
        Err(e) if crate::platform::is_unsupported(&e) => First::Unsupported(e),
        Err(e) => First::Failed(e),
    }
}

//! A move across file systems: the engine copies SOURCE into a private
//! directory beside DEST, renames the copy over DEST, then renames SOURCE
//! away and removes it. This file is `pmv`'s face on it: the refusal GNU
//! gives for a non-empty directory DEST, the progress bar, signals, and
//! what the engine's result means for the run.

use std::io;
use std::path::Path;

use rustix::io::Errno;

use super::cli::Options;
use super::exec::Failed;
use super::pair::Pair;
use super::say::{rename_error, Steps, PROG};
use crate::engine;
use crate::report::{self, q, Error};

/// How a move across file systems ended, when it did not fail.
pub enum Crossed {
    /// DEST is in place. `clean`: SOURCE is wholly gone too.
    Moved { clean: bool },
    /// DEST appeared while SOURCE was being copied, and `-n` keeps it.
    Exists,
}

/// Move `pair` across file systems. `backup` is the backup already made of
/// DEST, shown in `-v` lines; `steps` are those taken so far.
pub fn run(
    opts: &Options,
    links: &mut engine::Links,
    pair: &Pair,
    backup: Option<&Path>,
    mut steps: Steps,
) -> Result<Crossed, Failed> {
    let (src, dst, src_meta) = (pair.src, pair.dst.shown, &pair.src_meta);
    if let Some(d) = &pair.dst_meta {
        if d.dir && src_meta.dir && engine::dir_has_entries(pair.dst.dir, pair.dst.name) {
            let why = io::Error::from_raw_os_error(Errno::NOTEMPTY.raw_os_error());
            return Err(Error::io(
                format!(
                    "inter-device move failed: {} to {}; unable to remove target",
                    q(src),
                    q(dst)
                ),
                why,
            )
            .into());
        }
    }
    crate::platform::catch_signals();
    let mut bar = super::progress::Bar::new(opts.progress, src);
    let job = engine::Move {
        src,
        dst,
        dst_at: (pair.dst.dir, pair.dst.name),
        expect: (src_meta.dev, src_meta.ino),
        settings: engine::Settings {
            no_replace: opts.no_clobber(),
            atomic: opts.atomic,
            sync: opts.sync,
            verbose: opts.verbose,
        },
        note: backup
            .filter(|_| !src_meta.dir)
            .map(|b| format!(" (backup: {})", q(b))),
    };
    let result = job.run(
        links,
        &mut |step| {
            bar.update(step);
            true
        },
        &mut |line| report::error(PROG, line),
    );
    bar.finish(result.is_ok());
    // Whatever was staged is gone; a signal caught after the commit
    // waited for SOURCE's removal. Now die of it, as the user asked.
    if let Some(sig) = crate::platform::caught_signal() {
        crate::platform::reraise(sig);
    }
    let done = match result {
        Ok(done) => done,
        Err(engine::Failure::Exists) => return Ok(Crossed::Exists),
        Err(engine::Failure::Rename(e)) => return Err(rename_error(src, dst, src_meta, e).into()),
        Err(engine::Failure::Failed(e)) => return Err(e.into()),
    };
    if opts.debug {
        steps.names.extend(done.steps);
        steps.both_ends = done.clean;
        steps.print(src, dst);
    }
    Ok(Crossed::Moved { clean: done.clean })
}

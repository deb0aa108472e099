//! The `pmv` program: GNU `mv` with FreeBSD's `-h` and atomic extras.

mod across;
mod backups;
pub mod cli;
pub mod decide;
mod dest;
mod exchange;
mod exec;
mod existing;
mod first;
mod pair;
mod progress;
mod say;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cli::{Raw, Target};
use exec::{Failed, Mover};
use pair::Job;
use say::PROG;

use crate::names;
use crate::report::{self, q, Error};

const HELP_USAGE: &str = "\
Usage: pmv [OPTION]... [-T|-h] SOURCE DEST
  or:  pmv [OPTION]... SOURCE... DIRECTORY
  or:  pmv [OPTION]... -t DIRECTORY SOURCE...
Rename SOURCE to DEST, or move SOURCE(s) to DIRECTORY.
Every replacement of a name is a single rename(2): readers of DEST see the
old file or the new one, never neither. Across file systems SOURCE is copied
into a private directory (.pmv-XXXXXXXXXXXX) beside DEST, renamed over DEST,
then renamed away in one step and removed: atomic at both ends.

Mandatory arguments to long options are mandatory for short options too.
";

const HELP_FOOTER: &str = "
The last of -f, -i, -n wins. The backup suffix is '~', unless set with
--suffix or SIMPLE_BACKUP_SUFFIX. The version control method may be selected
via --backup or VERSION_CONTROL: none/off, numbered/t, existing/nil,
simple/never.

Flip a release symlink atomically, on any system:
  ln -s releases/42 current.new && pmv -T current.new current
";

fn version() -> String {
    format!(
        "pmv {}\nbackend: {}\n{}\n",
        env!("CARGO_PKG_VERSION"),
        crate::platform::BACKEND,
        crate::platform::CAPABILITIES
    )
}

/// Run `pmv` with the process's arguments.
///
/// `args` are the arguments after the program name.
pub fn main(args: Vec<OsString>) -> ExitCode {
    match cli::parse(args) {
        Ok((raw, operands)) => run(raw, operands),
        Err(stop) => crate::args::stopped(PROG, stop, help, version),
    }
}

fn help() -> String {
    format!(
        "{HELP_USAGE}{}{HELP_FOOTER}",
        crate::args::help(cli::OPTIONS)
    )
}

/// GNU's checks of the operand count, in GNU's order with `-t`/`-T`.
fn check_operands(raw: &Raw, operands: &[OsString]) -> Result<(), ExitCode> {
    let to_dir = matches!(raw.options.target, Target::Dir(_));
    let n = operands.len();
    if n <= usize::from(!to_dir) {
        match operands.first() {
            None => report::usage_error(PROG, "missing file operand"),
            Some(a) => report::usage_error(
                PROG,
                format_args!("missing destination file operand after {}", q(a)),
            ),
        }
        return Err(ExitCode::FAILURE);
    }
    if raw.conflict {
        report::error(PROG, cli::COMBINE);
        return Err(ExitCode::FAILURE);
    }
    let single = matches!(raw.options.target, Target::NoTarget | Target::NoDerefTarget);
    if single && n > 2 {
        report::usage_error(PROG, format_args!("extra operand {}", q(&operands[2])));
        return Err(ExitCode::FAILURE);
    }
    Ok(())
}

fn run(raw: Raw, operands: Vec<OsString>) -> ExitCode {
    if let Err(code) = check_operands(&raw, &operands) {
        return code;
    }
    let jobs = match plan(&raw.options, operands) {
        Ok(jobs) => jobs,
        Err(e) => {
            report::error(PROG, e);
            return ExitCode::FAILURE;
        }
    };
    let opts = match raw.finish() {
        Ok(opts) => opts,
        Err(e) => {
            report::usage_error(PROG, e.0);
            return ExitCode::FAILURE;
        }
    };
    if opts.verbose {
        crate::platform::ignore_sigpipe();
    }
    let mut mover = Mover::new(opts, jobs.len());
    let mut failed = false;
    for job in jobs {
        match mover.run(job) {
            Ok(()) => {}
            Err(Failed::Report(e)) => {
                report::error(PROG, e);
                failed = true;
            }
            Err(Failed::Declined | Failed::Incomplete) => failed = true,
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Turn the operands into jobs; fails only when the target directory is
/// unusable, which GNU treats as fatal. A target directory is opened here,
/// once, for all the moves into it.
fn plan(opts: &cli::Options, operands: Vec<OsString>) -> Result<Vec<Job>, Error> {
    let mut sources: Vec<PathBuf> = operands.into_iter().map(PathBuf::from).collect();
    let strip = |p: PathBuf| match opts.strip_trailing_slashes {
        true => names::strip_trailing_slashes(&p),
        false => p,
    };
    let (dir, fd) = match &opts.target {
        Target::Dir(d) => (d.clone(), open_target(d, "target directory")?),
        Target::NoTarget => {
            let dst = strip(sources.pop().unwrap_or_default());
            let src = strip(sources.pop().unwrap_or_default());
            return Ok(vec![Job::Onto(src, dst)]);
        }
        _ if sources.len() == 2 => {
            let dst = sources.pop().unwrap_or_default();
            let src = sources.pop().unwrap_or_default();
            let symlink =
                opts.target == Target::NoDerefTarget && pair::lstat(&dst).is_ok_and(|m| m.symlink);
            return Ok(vec![if symlink {
                Job::Onto(strip(src), strip(dst))
            } else {
                // Stripped only after GNU's first try (`Mover::either`).
                Job::Either(src, dst)
            }]);
        }
        _ => {
            let d = sources.pop().unwrap_or_default();
            let fd = open_target(&d, "target")?;
            (d, fd)
        }
    };
    let fd = fd.map(std::rc::Rc::new);
    Ok(sources
        .into_iter()
        .map(|s| {
            let s = strip(s);
            let shown = names::into_dir(&dir, &s);
            match &fd {
                Some(fd) => {
                    let name = PathBuf::from(names::base(&s));
                    Job::Into(s, fd.clone(), name, shown)
                }
                None => Job::Onto(s, shown),
            }
        })
        .collect())
}

/// Open the target directory `d` (see [`crate::at::open_target`]); GNU's error
/// if it is not one.
fn open_target(d: &Path, what: &str) -> Result<Option<std::os::fd::OwnedFd>, Error> {
    crate::at::open_target(d, true).map_err(|e| Error::io(format!("{what} {}", q(d)), e))
}

//! The `pmv` program: GNU `mv` with FreeBSD's `-h` and atomic extras.

pub mod cli;
pub mod decide;
mod exchange;
mod exec;
mod progress;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cli::{Options, Request, Target};
pub use exec::{into_dir, yes};
use exec::{stat_dir, Failed, Mover, PROG};

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
        Err(e) => {
            report::usage_error(PROG, e.0);
            ExitCode::FAILURE
        }
        Ok(Request::Help) => {
            let help = format!(
                "{HELP_USAGE}{}{HELP_FOOTER}",
                crate::args::help(cli::OPTIONS)
            );
            report::out(help.trim_end());
            ExitCode::SUCCESS
        }
        Ok(Request::Version) => {
            report::out(version().trim_end());
            ExitCode::SUCCESS
        }
        Ok(Request::Move(opts, operands)) => run(opts, operands),
        Ok(Request::Fatal(message)) => {
            report::error(PROG, message);
            ExitCode::FAILURE
        }
    }
}

fn strip_trailing_slashes(name: OsString) -> OsString {
    let mut bytes = name.into_vec();
    while bytes.len() > 1 && bytes.ends_with(b"/") {
        bytes.pop();
    }
    OsString::from_vec(bytes)
}

/// One unit of work after the operands are read.
enum Job {
    /// Move SOURCE to exactly this name.
    Onto(PathBuf, PathBuf),
    /// `SRC DEST`: onto DEST, or into it if it is a directory.
    Either(PathBuf, PathBuf),
}

fn run(opts: Options, mut operands: Vec<OsString>) -> ExitCode {
    let to_dir = matches!(opts.target, Target::Dir(_));
    let n = operands.len();
    if n <= usize::from(!to_dir) {
        match operands.first() {
            None => report::usage_error(PROG, "missing file operand"),
            Some(a) => report::usage_error(
                PROG,
                format_args!("missing destination file operand after {}", q(a)),
            ),
        }
        return ExitCode::FAILURE;
    }
    if opts.conflict {
        report::error(PROG, cli::COMBINE);
        return ExitCode::FAILURE;
    }
    if matches!(opts.target, Target::NoTarget | Target::NoDerefTarget) && n > 2 {
        report::usage_error(PROG, format_args!("extra operand {}", q(&operands[2])));
        return ExitCode::FAILURE;
    }
    let jobs = match plan(&opts, &mut operands) {
        Ok(jobs) => jobs,
        Err(e) => {
            report::error(PROG, e);
            return ExitCode::FAILURE;
        }
    };
    let mut opts = opts;
    if let Err(e) = cli::resolve_backup(&mut opts) {
        report::usage_error(PROG, e.0);
        return ExitCode::FAILURE;
    }
    if opts.verbose {
        crate::platform::ignore_sigpipe();
    }
    let mut mover = Mover::new(opts);
    mover.many_sources = jobs.len() > 1;
    let mut failed = false;
    let count = jobs.len();
    for (i, job) in jobs.into_iter().enumerate() {
        mover.remember = i + 1 < count;
        let outcome = match job {
            Job::Onto(src, dst) => mover.move_pair(&src, &dst, None),
            Job::Either(src, dst) => either(&mut mover, &src, &dst),
        };
        match outcome {
            Ok(()) => {}
            Err(Failed::Report(e)) => {
                report::error(PROG, e);
                failed = true;
            }
            Err(Failed::Declined | Failed::Incomplete) => failed = true,
            Err(Failed::Skipped) => {}
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Turn the operands into jobs; fails only when the target directory is
/// unusable, which GNU treats as fatal.
fn plan(opts: &Options, operands: &mut Vec<OsString>) -> Result<Vec<Job>, Error> {
    let mut sources: Vec<PathBuf> = operands.drain(..).map(PathBuf::from).collect();
    let strip = |p: PathBuf| {
        if opts.strip_trailing_slashes {
            PathBuf::from(strip_trailing_slashes(p.into_os_string()))
        } else {
            p
        }
    };
    let dir = match &opts.target {
        Target::Dir(d) => {
            check_dir(d, "target directory")?;
            d.clone()
        }
        Target::NoTarget => {
            let dst = strip(sources.pop().unwrap_or_default());
            let src = strip(sources.pop().unwrap_or_default());
            return Ok(vec![Job::Onto(src, dst)]);
        }
        _ if sources.len() == 2 => {
            let dst = sources.pop().unwrap_or_default();
            let src = sources.pop().unwrap_or_default();
            let symlink =
                opts.target == Target::NoDerefTarget && exec::lstat(&dst).is_ok_and(|m| m.symlink);
            return Ok(vec![if symlink {
                Job::Onto(strip(src), strip(dst))
            } else {
                // Stripped only after GNU's first try, in `either`.
                Job::Either(src, dst)
            }]);
        }
        _ => {
            let d = sources.pop().unwrap_or_default();
            check_dir(&d, "target")?;
            d
        }
    };
    Ok(sources
        .into_iter()
        .map(|s| {
            let s = strip(s);
            let dst = into_dir(&dir, &s);
            Job::Onto(s, dst)
        })
        .collect())
}

fn check_dir(d: &Path, what: &str) -> Result<(), Error> {
    match stat_dir(d) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::io(
            format!("{what} {}", q(d)),
            std::io::Error::from_raw_os_error(rustix::io::Errno::NOTDIR.raw_os_error()),
        )),
        Err(e) => Err(Error::io(format!("{what} {}", q(d)), e)),
    }
}

/// `SRC DEST` with two operands, as GNU does it: first a no-replace rename
/// straight to DEST (one syscall when DEST is new), and only if that fails,
/// a look at whether DEST is a directory to move into.
fn either(mover: &mut Mover, src: &Path, dst: &Path) -> Result<(), Failed> {
    // The first try takes the operands as given; GNU strips trailing
    // slashes only afterwards, and keeps the first try's answer.
    let tried = mover.first_try(src, dst);
    let strip = |p: &Path| {
        if mover.opts.strip_trailing_slashes {
            PathBuf::from(strip_trailing_slashes(p.as_os_str().to_os_string()))
        } else {
            p.to_path_buf()
        }
    };
    let (src, stripped_dst) = (strip(src), strip(dst));
    if let Some(Ok(_)) = tried {
        return mover.move_pair(&src, &stripped_dst, tried);
    }
    if stat_dir(dst).unwrap_or(false) {
        let inner = into_dir(dst, &src);
        mover.move_pair(&src, &inner, None)
    } else {
        mover.move_pair(&src, &stripped_dst, tried)
    }
}

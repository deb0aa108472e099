//! The `pln` program: GNU `ln`, whose replacement of an existing name
//! (`-f`) is always atomic: the new link is made under its final name in a
//! private directory beside the old one, then renamed over it.

mod link;
mod relative;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

use link::{Dest, Linker};

use crate::args::{Opt, Parsed, Stop, Takes, UsageError};
use crate::backup::{self, Control};
use crate::report::{self, q, Error};

const PROG: &str = "pln";

const HELP_USAGE: &str = "\
Usage: pln [OPTION]... [-T] TARGET LINK_NAME
  or:  pln [OPTION]... TARGET
  or:  pln [OPTION]... TARGET... DIRECTORY
  or:  pln [OPTION]... -t DIRECTORY TARGET...
Create a link to TARGET with the name LINK_NAME, or links in DIRECTORY.
With -f, an existing LINK_NAME is replaced atomically: the new link is made
under its own name in a private directory (.pmv-XXXXXXXXXXXX) beside it and
renamed over it, so LINK_NAME never goes missing.

Mandatory arguments to long options are mandatory for short options too.
";

const HELP_FOOTER: &str = "
Flip a release symlink atomically, on any system:
  pln -sfn releases/42 current
";

/// `pln`'s options, in GNU ln's `long_options` order, then the BSD `-h`.
pub const OPTIONS: &[Opt] = &[
    crate::backup::OPT_BACKUP,
    crate::backup::OPT_B,
    Opt::flag(
        "directory",
        Some('d'),
        Some("directory"),
        "[GNU] allow hard links to directories (the kernel refuses them)",
    ),
    Opt::flag("directory", Some('F'), None, "[GNU] same as -d"),
    Opt::flag(
        "no-dereference",
        Some('n'),
        Some("no-dereference"),
        "[GNU] treat LINK_NAME as a normal file if it is a symlink to a directory",
    ),
    Opt::flag(
        "no-target-directory",
        Some('T'),
        Some("no-target-directory"),
        "[GNU] treat LINK_NAME as a normal file always",
    ),
    Opt::flag(
        "force",
        Some('f'),
        Some("force"),
        "[GNU] replace existing destination files, atomically",
    ),
    Opt::flag(
        "interactive",
        Some('i'),
        Some("interactive"),
        "[GNU] prompt whether to replace destinations",
    ),
    crate::backup::OPT_SUFFIX,
    Opt::valued(
        "target-directory",
        Some('t'),
        Some("target-directory"),
        Takes::Required,
        "DIRECTORY",
        "[GNU] create the links in DIRECTORY",
    )
    .completing(crate::args::Complete::Directory),
    Opt::flag(
        "logical",
        Some('L'),
        Some("logical"),
        "[GNU] dereference TARGETs that are symbolic links",
    ),
    Opt::flag(
        "physical",
        Some('P'),
        Some("physical"),
        "[GNU] make hard links directly to symbolic links",
    ),
    Opt::flag(
        "relative",
        Some('r'),
        Some("relative"),
        "[GNU] with -s, create links relative to link location",
    ),
    Opt::flag(
        "symbolic",
        Some('s'),
        Some("symbolic"),
        "[GNU] make symbolic links instead of hard links",
    ),
    Opt::flag(
        "verbose",
        Some('v'),
        Some("verbose"),
        "[GNU] print name of each linked file",
    ),
    Opt::flag("no-dereference", Some('h'), None, "[BSD] same as -n"),
    Opt::flag(
        "sync",
        None,
        Some("sync"),
        "[pmv] make each link durable: fsync its directory once it is in place",
    ),
    crate::args::OPT_HELP,
    crate::args::OPT_VERSION,
];

/// `pln`'s options.
struct Options {
    symbolic: bool,
    force: bool,
    interactive: bool,
    logical: bool,
    no_deref: bool,
    relative: bool,
    verbose: bool,
    /// Settled after the operands, as GNU does ([`settle_backup`]).
    backup: Option<(Control, OsString)>,
    target_dir: Option<PathBuf>,
    no_target: bool,
    /// `-d`: leave hard links to directories to the kernel to refuse.
    dir_links: bool,
    /// `--sync`: flush each link's directory.
    sync: bool,
}

/// `-b`, `--backup`, `-S` as given: (CONTROL, SUFFIX).
type BackupRequest = (Option<String>, Option<OsString>);

/// Whether `a` was given after the last `b` (last wins).
fn later(m: &Parsed, a: &str, b: &str) -> bool {
    m.last(a) > m.last(b)
}

fn options(m: &Parsed) -> (Options, Option<BackupRequest>) {
    let make_backups = m.has("b") || m.has("backup") || m.has("suffix");
    let word = m
        .values("backup")
        .flatten()
        .last()
        .map(|w| w.to_string_lossy().into_owned());
    let suffix: Option<OsString> = m.values("suffix").flatten().last().map(OsString::from);
    let dirs: Vec<&std::ffi::OsStr> = m.values("target-directory").flatten().collect();
    let opts = Options {
        symbolic: m.has("symbolic"),
        force: m.has("force") && !later(m, "interactive", "force"),
        interactive: m.has("interactive") && !later(m, "force", "interactive"),
        logical: m.has("logical") && !later(m, "physical", "logical"),
        no_deref: m.has("no-dereference"),
        relative: m.has("relative"),
        verbose: m.has("verbose"),
        backup: None,
        target_dir: dirs.first().map(PathBuf::from),
        no_target: m.has("no-target-directory"),
        dir_links: m.has("directory"),
        sync: m.has("sync"),
    };
    (opts, make_backups.then_some((word, suffix)))
}

/// The backup type and suffix, checked once the operands and the target
/// directory have been (GNU's order); `none` makes no backups.
fn settle_backup(
    request: Option<BackupRequest>,
) -> Result<Option<(Control, OsString)>, UsageError> {
    let Some((word, suffix)) = request else {
        return Ok(None);
    };
    let control = backup::control(word)?;
    Ok((control != Control::None).then(|| (control, backup::suffix(suffix.as_deref()))))
}

/// GNU's check of `-t DIR` when getopt meets it: fatal at once.
fn check_target_option(id: &str, value: Option<&std::ffi::OsStr>) -> Result<(), Stop> {
    let (Some(d), "target-directory") = (value, id) else {
        return Ok(());
    };
    match crate::platform::stat(d) {
        Err(e) => Err(Stop::Fatal(
            Error::io(format!("failed to access {}", q(d)), e).to_string(),
        )),
        Ok(st) if !st.is_dir() => Err(Stop::Fatal(format!("target {} is not a directory", q(d)))),
        Ok(_) => Ok(()),
    }
}

/// Run `pln` with the process's arguments.
///
/// `args` are the arguments after the program name.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let mut dirs_seen = 0;
    let parsed = crate::args::parse_checked(OPTIONS, args, |id, value| {
        crate::args::one_target_directory(id, &mut dirs_seen)?;
        check_target_option(id, value)
    });
    let m = match parsed {
        Ok(m) => m,
        Err(stop) => return crate::args::stopped(PROG, stop, help, version),
    };
    let (opts, backup) = options(&m);
    run(opts, backup, m.operands)
}

fn help() -> String {
    format!("{HELP_USAGE}{}{HELP_FOOTER}", crate::args::help(OPTIONS))
}

fn version() -> String {
    format!(
        "pln {}\nbackend: {}\natomic: replacing a name with -f (new link staged in a private directory beside it, then renamed over it)",
        env!("CARGO_PKG_VERSION"),
        crate::BACKEND
    )
}

/// One link to make: TARGET, and where.
type Job = (PathBuf, Dest);

/// GNU's order: no operand, `-r` without `-s`, the `-T` checks, the target
/// directory, and only then the backup type.
fn run(mut opts: Options, backup: Option<BackupRequest>, operands: Vec<OsString>) -> ExitCode {
    if operands.is_empty() {
        report::usage_error(PROG, "missing file operand");
        return ExitCode::FAILURE;
    }
    if opts.relative && !opts.symbolic {
        report::error(PROG, "cannot do --relative without --symbolic");
        return ExitCode::FAILURE;
    }
    let jobs = if opts.no_target {
        no_target(&opts, &operands)
    } else {
        plan(&opts, &operands)
    };
    let Ok(jobs) = jobs else {
        return ExitCode::FAILURE;
    };
    match settle_backup(backup) {
        Ok(b) => opts.backup = b,
        Err(e) => {
            report::usage_error(PROG, e.0);
            return ExitCode::FAILURE;
        }
    }
    finish(opts, jobs)
}

/// `-T TARGET LINK_NAME`: exactly two operands, and no `-t`. Errors are
/// reported here.
fn no_target(opts: &Options, operands: &[OsString]) -> Result<Vec<Job>, ()> {
    if opts.target_dir.is_some() {
        report::error(
            PROG,
            "cannot combine --target-directory and --no-target-directory",
        );
        return Err(());
    }
    match operands {
        [target, link] => Ok(vec![(PathBuf::from(target), Dest::path(link))]),
        [only] => {
            report::usage_error(
                PROG,
                format_args!("missing destination file operand after {}", q(only)),
            );
            Err(())
        }
        [_, _, extra, ..] => {
            report::usage_error(PROG, format_args!("extra operand {}", q(extra)));
            Err(())
        }
        [] => Err(()),
    }
}

/// The other forms: `TARGET LINK_NAME`, `TARGET` (into `.`), `TARGET...
/// DIRECTORY`, `-t DIRECTORY TARGET...`. The directory is opened once
/// (not following a symlink with `-n`). Errors are reported here.
fn plan(opts: &Options, operands: &[OsString]) -> Result<Vec<Job>, ()> {
    let n = operands.len();
    let (sources, dir): (&[OsString], PathBuf) = match &opts.target_dir {
        Some(d) => (operands, d.clone()),
        None if n == 1 => {
            let s = Path::new(&operands[0]);
            let name = crate::names::base(s).into();
            let shown = crate::names::into_dir(Path::new("."), s);
            let dest = Dest {
                dir: None,
                name,
                shown,
            };
            return Ok(vec![(s.to_path_buf(), dest)]);
        }
        None => (&operands[..n - 1], PathBuf::from(&operands[n - 1])),
    };
    let fd = match crate::at::open_target(&dir, !opts.no_deref) {
        Ok(fd) => fd.map(Rc::new),
        // `TARGET LINK_NAME`: LINK_NAME is not a directory to link into.
        Err(_) if opts.target_dir.is_none() && n == 2 => {
            return Ok(vec![(
                PathBuf::from(&operands[0]),
                Dest::path(&operands[1]),
            )]);
        }
        Err(e) => {
            report::error(PROG, Error::io(format!("target {}", q(&dir)), e));
            return Err(());
        }
    };
    Ok(sources
        .iter()
        .map(|s| {
            let s = Path::new(s);
            let shown = crate::names::into_dir(&dir, s);
            let dest = match &fd {
                Some(fd) => Dest {
                    dir: Some(fd.clone()),
                    name: crate::names::base(s).into(),
                    shown,
                },
                // A directory that cannot be opened here: by its path.
                None => Dest::path(shown),
            };
            (s.to_path_buf(), dest)
        })
        .collect())
}

fn finish(opts: Options, jobs: Vec<Job>) -> ExitCode {
    if opts.verbose {
        crate::platform::ignore_sigpipe();
    }
    // GNU guards hard links just made only where one could be lost.
    let numbered = matches!(opts.backup, Some((Control::Numbered, _)));
    let remember = jobs.len() > 1 && opts.force && !opts.symbolic && !numbered;
    let mut linker = Linker::new(opts, remember);
    let mut failed = false;
    for (source, dest) in jobs {
        match linker.link(&source, &dest) {
            Ok(()) => {}
            Err(Some(e)) => {
                report::error(PROG, e);
                failed = true;
            }
            Err(None) => failed = true,
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

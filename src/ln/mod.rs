//! The `pln` program: GNU `ln`, whose replacement of an existing name
//! (`-f`) is always atomic: the new link is made under its final name in a
//! private directory beside the old one, then renamed over it.

mod relative;

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rustix::fs::{AtFlags, CWD};
use rustix::io::Errno;

use crate::args::{Opt, Parsed, Takes, UsageError};
use crate::backup::{self, Control};
use crate::quote::quotef;
use crate::report::{self, errno, q, Error};

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
    ),
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
    crate::args::OPT_HELP,
    crate::args::OPT_VERSION,
];

/// The clap description of `pln`, for its man page and completions.
pub fn command() -> clap::Command {
    crate::args::command(
        "pln",
        "Make links; with -f, replace existing names atomically",
        OPTIONS,
    )
}

/// `pln`'s options.
struct Options {
    symbolic: bool,
    force: bool,
    interactive: bool,
    logical: bool,
    no_deref: bool,
    relative: bool,
    verbose: bool,
    backup: Option<(Control, OsString)>,
    target_dir: Option<PathBuf>,
    no_target: bool,
    /// `-d`: leave hard links to directories to the kernel to refuse.
    dir_links: bool,
}

/// Whether `a` was given after the last `b` (last wins).
fn later(m: &Parsed, a: &str, b: &str) -> bool {
    m.last(a) > m.last(b)
}

fn options(m: &Parsed) -> Result<Options, UsageError> {
    let mut make_backups = m.has("b") || m.has("backup") || m.has("suffix");
    let word = m
        .values("backup")
        .flatten()
        .last()
        .map(|w| w.to_string_lossy().into_owned());
    let suffix: Option<OsString> = m.values("suffix").flatten().last().map(OsString::from);
    let backup = if make_backups {
        let control = backup::control(word)?;
        make_backups = control != Control::None;
        make_backups.then(|| (control, backup::suffix(suffix.as_deref())))
    } else {
        None
    };
    let dirs: Vec<&std::ffi::OsStr> = m.values("target-directory").flatten().collect();
    Ok(Options {
        symbolic: m.has("symbolic"),
        force: m.has("force") && !later(m, "interactive", "force"),
        interactive: m.has("interactive") && !later(m, "force", "interactive"),
        logical: m.has("logical") && !later(m, "physical", "logical"),
        no_deref: m.has("no-dereference"),
        relative: m.has("relative"),
        verbose: m.has("verbose"),
        backup,
        target_dir: dirs.first().map(PathBuf::from),
        no_target: m.has("no-target-directory"),
        dir_links: m.has("directory"),
    })
}

/// Run `pln` with the process's arguments.
///
/// `args` are the arguments after the program name.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let mut dirs_seen = 0;
    let parsed = crate::args::parse_checked(OPTIONS, args, |id, _| {
        crate::args::one_target_directory(id, &mut dirs_seen)
    })
    .and_then(|m| Ok((options(&m)?, m.operands)));
    let (opts, operands) = match parsed {
        Ok(parsed) => parsed,
        Err(stop) => return crate::args::stopped(PROG, stop, help, version),
    };
    if opts.relative && !opts.symbolic {
        report::error(PROG, "cannot do --relative without --symbolic");
        return ExitCode::FAILURE;
    }
    run(opts, operands)
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

/// One link to make: (TARGET, LINK_NAME).
type Job = (PathBuf, PathBuf);

fn run(opts: Options, operands: Vec<OsString>) -> ExitCode {
    if operands.is_empty() {
        report::usage_error(PROG, "missing file operand");
        return ExitCode::FAILURE;
    }
    let jobs = if opts.no_target {
        no_target(&opts, &operands)
    } else {
        plan(&opts, &operands)
    };
    match jobs {
        Ok(jobs) => finish(opts, jobs),
        Err(()) => ExitCode::FAILURE,
    }
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
        [target, link] => Ok(vec![(PathBuf::from(target), PathBuf::from(link))]),
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
/// DIRECTORY`, `-t DIRECTORY TARGET...`. Errors are reported here.
fn plan(opts: &Options, operands: &[OsString]) -> Result<Vec<Job>, ()> {
    let n = operands.len();
    let (sources, dir): (&[OsString], PathBuf) = match &opts.target_dir {
        Some(d) => {
            if let Err(e) = rustix::fs::stat(d) {
                let e = Error::io(format!("failed to access {}", q(d)), e.into());
                report::error(PROG, e);
                return Err(());
            }
            if !is_dir(d, false) {
                report::error(PROG, format_args!("target {} is not a directory", q(d)));
                return Err(());
            }
            (operands, d.clone())
        }
        None if n == 1 => (operands, PathBuf::from(".")),
        None => {
            let last = Path::new(&operands[n - 1]);
            if is_dir(last, opts.no_deref) {
                (&operands[..n - 1], last.to_path_buf())
            } else if n > 2 {
                let why = match rustix::fs::stat(last) {
                    Err(e) => e.into(),
                    Ok(_) => io::Error::from_raw_os_error(Errno::NOTDIR.raw_os_error()),
                };
                report::error(PROG, Error::io(format!("target {}", q(last)), why));
                return Err(());
            } else {
                return Ok(vec![(PathBuf::from(&operands[0]), last.to_path_buf())]);
            }
        }
    };
    Ok(sources
        .iter()
        .map(|s| (PathBuf::from(s), crate::names::into_dir(&dir, Path::new(s))))
        .collect())
}

fn finish(opts: Options, jobs: Vec<Job>) -> ExitCode {
    if opts.verbose {
        crate::platform::ignore_sigpipe();
    }
    let mut linker = Linker {
        remember: jobs.len() > 1,
        opts,
        created: BTreeSet::new(),
    };
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

/// Whether `path` is a directory to link into; with `-n`, a symlink to a
/// directory is not.
fn is_dir(path: &Path, no_deref: bool) -> bool {
    let st = if no_deref {
        rustix::fs::lstat(path)
    } else {
        rustix::fs::stat(path)
    };
    st.is_ok_and(|st| {
        rustix::fs::FileType::from_raw_mode(st.st_mode as _) == rustix::fs::FileType::Directory
    })
}

struct Linker {
    opts: Options,
    /// Several links are made: later ones need `created`.
    remember: bool,
    created: BTreeSet<(u64, u64)>,
}

type Outcome = Result<(), Option<Error>>;

fn id(path: &Path, follow: bool) -> io::Result<(u64, u64, bool)> {
    let st = if follow {
        rustix::fs::stat(path)?
    } else {
        rustix::fs::lstat(path)?
    };
    let dir =
        rustix::fs::FileType::from_raw_mode(st.st_mode as _) == rustix::fs::FileType::Directory;
    #[allow(clippy::unnecessary_cast)]
    Ok((st.st_dev as u64, st.st_ino as u64, dir))
}

impl Linker {
    fn create(&self, target: &Path, source: &Path, dest: &Path) -> io::Result<()> {
        if self.opts.symbolic {
            rustix::fs::symlinkat(target, CWD, dest)?;
        } else {
            let flags = if self.opts.logical {
                AtFlags::SYMLINK_FOLLOW
            } else {
                AtFlags::empty()
            };
            rustix::fs::linkat(CWD, source, CWD, dest, flags)?;
        }
        Ok(())
    }

    /// Make the link `dest` to `source`, replacing an existing `dest`
    /// atomically when asked to (`-f`, `-i`, `-b`).
    fn link(&mut self, source: &Path, dest: &Path) -> Outcome {
        let src_id = self.source_id(source)?;
        let target: PathBuf = if self.opts.relative {
            relative::relative_to(source, dest)
        } else {
            source.to_path_buf()
        };
        let replace = self.opts.force || self.opts.interactive || self.opts.backup.is_some();
        let backup = match self.create(&target, source, dest) {
            Ok(()) => None,
            Err(e) if errno(&e) == Some(Errno::EXIST) && replace => {
                self.replace(source, dest, &target, src_id)?
            }
            Err(e) => return Err(Some(self.create_error(source, dest, e))),
        };
        if self.remember {
            if let Ok(d) = id(dest, false) {
                self.created.insert((d.0, d.1));
            }
        }
        if self.opts.verbose {
            let arrow = if self.opts.symbolic { '-' } else { '=' };
            let (dest, target) = (q(dest), q(&target));
            match &backup {
                Some(b) => report::out(format_args!("{} ~ {dest} {arrow}> {target}", q(b))),
                None => report::out(format_args!("{dest} {arrow}> {target}")),
            }
        }
        Ok(())
    }

    /// For a hard link, the identity of `source` (followed with `-L`);
    /// a directory is refused unless `-d`.
    fn source_id(&self, source: &Path) -> Result<Option<(u64, u64, bool)>, Option<Error>> {
        if self.opts.symbolic {
            return Ok(None);
        }
        let sid = id(source, self.opts.logical)
            .map_err(|e| Error::io(format!("failed to access {}", q(source)), e))?;
        if sid.2 && !self.opts.dir_links {
            return Err(Some(Error::msg(format!(
                "{}: hard link not allowed for directory",
                quotef(source.as_os_str())
            ))));
        }
        Ok(Some(sid))
    }

    /// `dest` exists: check that it may be replaced, ask (`-i`), back it
    /// up (`-b`), then replace it in one rename. Returns the backup's name.
    fn replace(
        &self,
        source: &Path,
        dest: &Path,
        target: &Path,
        src_id: Option<(u64, u64, bool)>,
    ) -> Result<Option<PathBuf>, Option<Error>> {
        self.check_replaceable(source, dest, src_id)?;
        if self.opts.interactive && !report::yes(&format!("{PROG}: replace {}? ", q(dest))) {
            return Err(None);
        }
        let backup = match &self.opts.backup {
            Some((control, suffix)) => {
                backup::backup_name(dest, *control, suffix, || backup::list_parent(CWD, dest))
            }
            None => None,
        };
        if let Some(b) = &backup {
            crate::ops::link_replacing(dest, b)
                .or_else(|_| crate::platform::replace(CWD, dest, CWD, b).map(drop))
                .map_err(|e| Error::io(format!("cannot backup {}", q(dest)), e))?;
        }
        let replaced = if self.opts.symbolic {
            crate::ops::flip_symlink(target.as_os_str(), dest)
        } else if self.opts.logical {
            let real = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
            crate::ops::link_replacing(&real, dest)
        } else {
            crate::ops::link_replacing(source, dest)
        };
        replaced.map_err(|e| Some(self.create_error(source, dest, e)))?;
        Ok(backup)
    }

    /// GNU's refusals before replacing `dest`: a directory, a name this
    /// run just made, or the same file as `source`.
    fn check_replaceable(
        &self,
        source: &Path,
        dest: &Path,
        src_id: Option<(u64, u64, bool)>,
    ) -> Result<(), Error> {
        let dest_id =
            id(dest, false).map_err(|e| Error::io(format!("failed to access {}", q(dest)), e))?;
        if dest_id.2 {
            return Err(Error::msg(format!(
                "{}: cannot overwrite directory",
                quotef(dest.as_os_str())
            )));
        }
        if !self.opts.symbolic && self.created.contains(&(dest_id.0, dest_id.1)) {
            return Err(Error::msg(format!(
                "will not overwrite just-created {} with {}",
                q(dest),
                q(source)
            )));
        }
        let same = match src_id {
            Some(s) => (s.0, s.1) == (dest_id.0, dest_id.1),
            None => id(source, true).is_ok_and(|s| (s.0, s.1) == (dest_id.0, dest_id.1)),
        };
        if same {
            return Err(Error::msg(format!(
                "{} and {} are the same file",
                q(source),
                q(dest)
            )));
        }
        Ok(())
    }

    fn create_error(&self, source: &Path, dest: &Path, e: io::Error) -> Error {
        if self.opts.symbolic {
            if errno(&e) == Some(Errno::NAMETOOLONG) || source.as_os_str().is_empty() {
                return Error::io(
                    format!(
                        "failed to create symbolic link {} -> {}",
                        q(dest),
                        q(source)
                    ),
                    e,
                );
            }
            return Error::io(format!("failed to create symbolic link {}", q(dest)), e);
        }
        match errno(&e) {
            Some(Errno::MLINK) => {
                Error::io(format!("failed to create hard link to {}", q(source)), e)
            }
            Some(Errno::DQUOT | Errno::EXIST | Errno::NOSPC | Errno::ROFS) => {
                Error::io(format!("failed to create hard link {}", q(dest)), e)
            }
            _ => Error::io(
                format!("failed to create hard link {} => {}", q(dest), q(source)),
                e,
            ),
        }
    }
}

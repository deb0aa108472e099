//! `pmv`'s options: the one table that the parser, `--help`, the man page
//! and the completions use, and the fold of the parsed options into
//! [`Options`] in command-line order, as GNU's getopt loop does it.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::args::{argmatch, bad_arg_message, Complete, Opt, Parsed, Stop, Takes, UsageError};
use crate::backup::{self, Control};

/// The last of `-f`, `-i`, `-n` (GNU's `interactive` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interactive {
    /// None given: ask only for an unwritable destination on a terminal.
    Unspecified,
    /// `-f`: replace without asking.
    AlwaysYes,
    /// `-i`: ask.
    AskUser,
    /// `-n`: never replace (it also sets [`Update::None`]).
    AlwaysSkip,
}

/// Which existing destinations are replaced (`-u`, `--update`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    /// Every one (the default).
    All,
    /// Only one older than SOURCE (`-u`, `--update`, `--update=older`).
    Older,
    /// None, silently (`-n`, `--update=none`).
    None,
    /// None, and say so with exit status 1 (`--update=none-fail`).
    NoneFail,
}

/// Where each SOURCE goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `SRC DEST` or `SRC... DIR`.
    Default,
    /// `-T`: DEST itself, never into it.
    NoTarget,
    /// `-h`: DEST itself if it is a symlink, else as the default form.
    NoDerefTarget,
    /// `-t DIR`.
    Dir(PathBuf),
}

/// Everything `pmv` was asked to do, except the operands, settled: what
/// [`Raw::finish`] makes of the command line once the operands are read.
#[derive(Clone, Debug)]
pub struct Options {
    pub interactive: Interactive,
    pub update: Update,
    /// `-b`, `--backup`, `-S`: the backup type and suffix; `None` for no
    /// backups.
    pub backup: Option<(Control, OsString)>,
    pub target: Target,
    pub verbose: bool,
    pub strip_trailing_slashes: bool,
    pub exchange: bool,
    pub no_copy: bool,
    pub debug: bool,
    pub atomic: bool,
    /// `--sync`: flush copied data and changed directories.
    pub sync: bool,
    /// `-g`, `--progress`: a progress bar for copies, on a terminal.
    pub progress: bool,
}

impl Options {
    /// `-n` or `--update=none[-fail]`: never replace an existing DEST.
    pub fn no_clobber(&self) -> bool {
        matches!(self.update, Update::None | Update::NoneFail)
    }
}

/// `-b`, `--backup`, `-S` as given: (CONTROL, SUFFIX).
type BackupRequest = (Option<String>, Option<OsString>);

/// The command line as parsed, before the operands are looked at. GNU
/// checks some options only after the operands and the target directory
/// (`-t` with `-T`, the backup type), so those stay raw here.
#[derive(Debug)]
pub struct Raw {
    /// Everything but the backup settings (`backup` is `None`).
    pub options: Options,
    /// Both `-t` and `-T` were given: refused once the operands are counted.
    pub conflict: bool,
    backup: Option<BackupRequest>,
}

impl Raw {
    /// The finished options: the backup type checked and settled, after
    /// the operands and the target directory, as GNU does.
    pub fn finish(self) -> Result<Options, UsageError> {
        let mut options = self.options;
        let Some((word, suffix)) = self.backup else {
            return Ok(options);
        };
        if options.exchange || options.no_clobber() {
            return Err(UsageError(
                "cannot combine --backup with --exchange, -n, or --update=none-fail".into(),
            ));
        }
        options.backup = Some((backup::control(word)?, backup::suffix(suffix.as_deref())));
        Ok(options)
    }
}

const UPDATE: &[(&str, Update)] = &[
    ("all", Update::All),
    ("none", Update::None),
    ("none-fail", Update::NoneFail),
    ("older", Update::Older),
];

fn update_words() -> Vec<&'static str> {
    UPDATE.iter().map(|(name, _)| *name).collect()
}

/// `pmv`'s options, in GNU mv's `long_options` order (so that an
/// ambiguous abbreviation lists the same candidates), then pmv's own.
pub const OPTIONS: &[Opt] = &[
    crate::backup::OPT_BACKUP,
    crate::backup::OPT_B,
    Opt::flag(
        "context",
        Some('Z'),
        Some("context"),
        "[GNU] accepted; SELinux contexts are left to the system",
    ),
    Opt::flag(
        "debug",
        None,
        Some("debug"),
        "[GNU] say which mechanism each move used and whether it was atomic; implies -v",
    ),
    Opt::flag(
        "exchange",
        None,
        Some("exchange"),
        "[GNU] exchange SOURCE and DEST atomically, or fail",
    ),
    Opt::flag(
        "force",
        Some('f'),
        Some("force"),
        "[GNU] do not prompt before overwriting",
    ),
    Opt::flag(
        "no-dereference",
        Some('h'),
        None,
        "[FreeBSD] if DEST is a symlink, replace it instead of moving into it",
    ),
    Opt::flag(
        "interactive",
        Some('i'),
        Some("interactive"),
        "[GNU] prompt before overwrite",
    ),
    Opt::flag(
        "no-clobber",
        Some('n'),
        Some("no-clobber"),
        "[GNU] do not overwrite an existing file (atomic)",
    ),
    Opt::flag(
        "no-copy",
        None,
        Some("no-copy"),
        "[GNU] do not copy if renaming fails",
    ),
    Opt::flag(
        "no-target-directory",
        Some('T'),
        Some("no-target-directory"),
        "[GNU] treat DEST as a normal file",
    ),
    Opt::flag(
        "strip-trailing-slashes",
        None,
        Some("strip-trailing-slashes"),
        "[GNU] remove any trailing slashes from each SOURCE",
    ),
    crate::backup::OPT_SUFFIX,
    Opt::valued(
        "target-directory",
        Some('t'),
        Some("target-directory"),
        Takes::Required,
        "DIRECTORY",
        "[GNU] move all SOURCE arguments into DIRECTORY",
    )
    .completing(Complete::Directory),
    Opt::valued(
        "update",
        Some('u'),
        Some("update"),
        Takes::Optional,
        "UPDATE",
        "[GNU] replace only: all, none, none-fail, older (-u)",
    )
    .completing(Complete::Words(update_words)),
    Opt::flag(
        "verbose",
        Some('v'),
        Some("verbose"),
        "[GNU] explain what is being done",
    ),
    Opt::flag(
        "atomic",
        None,
        Some("atomic"),
        "[pmv] fail instead of any step that is not atomic",
    ),
    Opt::flag(
        "progress",
        Some('g'),
        Some("progress"),
        "[pmv] progress bar for copies across file systems",
    ),
    Opt::flag(
        "sync",
        None,
        Some("sync"),
        "[pmv] make the result durable: flush copied data, then each changed directory",
    ),
    crate::args::OPT_HELP,
    crate::args::OPT_VERSION,
];

/// Parse `pmv`'s arguments (without the program name) into the raw
/// options and the operands, or why parsing stopped.
pub fn parse(args: Vec<OsString>) -> Result<(Raw, Vec<OsString>), Stop> {
    let mut dirs_seen = 0;
    let m = crate::args::parse_checked(OPTIONS, args, |id, value| match (id, value) {
        ("update", Some(w)) => update(w).map(drop).map_err(Stop::Usage),
        (id, _) => crate::args::one_target_directory(id, &mut dirs_seen),
    })?;
    let (interactive, update, backup) = in_order(&m)?;
    let dirs: Vec<&std::ffi::OsStr> = m.values("target-directory").flatten().collect();
    let target = match (
        dirs.first(),
        m.has("no-target-directory"),
        m.has("no-dereference"),
    ) {
        (Some(d), _, _) => Target::Dir(PathBuf::from(d)),
        (None, true, _) => Target::NoTarget,
        (None, false, true) => Target::NoDerefTarget,
        (None, false, false) => Target::Default,
    };
    let options = Options {
        interactive,
        update,
        backup: None,
        target,
        // --debug implies -v, as in GNU.
        verbose: m.has("verbose") || m.has("debug"),
        strip_trailing_slashes: m.has("strip-trailing-slashes"),
        exchange: m.has("exchange"),
        no_copy: m.has("no-copy"),
        debug: m.has("debug"),
        atomic: m.has("atomic"),
        sync: m.has("sync"),
        progress: m.has("progress"),
    };
    let raw = Raw {
        options,
        conflict: !dirs.is_empty() && m.has("no-target-directory"),
        backup,
    };
    Ok((raw, m.operands))
}

/// `--update=WORD`.
fn update(word: &std::ffi::OsStr) -> Result<Update, UsageError> {
    let w = word.to_string_lossy();
    argmatch(&w, UPDATE).map_err(|e| UsageError(bad_arg_message(e, &w, "--update", UPDATE)))
}

/// The options whose last occurrence wins, folded in command-line order as
/// GNU's getopt loop does: `-f`/`-i`/`-n`, `-u`/`--update`, and the backup
/// request if any of `-b`, `--backup`, `-S` was given.
fn in_order(m: &Parsed) -> Result<(Interactive, Update, Option<BackupRequest>), UsageError> {
    let mut interactive = Interactive::Unspecified;
    let mut update_to = Update::All;
    let mut make_backups = false;
    let mut version_control: Option<String> = None;
    let mut suffix: Option<OsString> = None;
    for (id, value) in &m.opts {
        match *id {
            "force" => interactive = Interactive::AlwaysYes,
            "interactive" => interactive = Interactive::AskUser,
            "no-clobber" => interactive = Interactive::AlwaysSkip,
            "update" => {
                update_to = match value {
                    None => Update::Older,
                    Some(w) => update(w)?,
                }
            }
            "backup" | "b" => {
                make_backups = true;
                if let Some(w) = value {
                    version_control = Some(w.to_string_lossy().into_owned());
                }
            }
            "suffix" => {
                make_backups = true;
                suffix = value.clone();
            }
            _ => {}
        }
    }
    // As GNU 9.6 and later: a winning -n means --update=none, whatever the
    // order of -n and --update.
    if interactive == Interactive::AlwaysSkip {
        update_to = Update::None;
    }
    Ok((
        interactive,
        update_to,
        make_backups.then_some((version_control, suffix)),
    ))
}

pub const COMBINE: &str = "cannot combine --target-directory (-t) and --no-target-directory (-T)";

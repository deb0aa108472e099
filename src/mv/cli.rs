//! `pmv`'s options: the clap description, and the fold of the parsed
//! options into [`Options`] in command-line order, as GNU's getopt loop
//! does it (the last of `-f`, `-i`, `-n` wins).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::args::{argmatch, bad_arg_message, flag, has, BadArg, UsageError};
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

/// Everything `pmv` was asked to do, except the operands.
#[derive(Clone, Debug)]
pub struct Options {
    pub interactive: Interactive,
    pub update: Update,
    pub backup: Option<(Control, OsString)>,
    pub target: Target,
    pub verbose: bool,
    pub strip_trailing_slashes: bool,
    pub exchange: bool,
    pub no_copy: bool,
    pub debug: bool,
    pub atomic: bool,
    /// Both `-t` and `-T` were given: refused once the operands are counted.
    pub conflict: bool,
    /// `--sync`: flush copied data and changed directories.
    pub sync: bool,
    /// `-g`, `--progress`: a progress bar for copies, on a terminal.
    pub progress: bool,
}

/// What the command line asked for.
#[derive(Debug)]
pub enum Request {
    Help,
    Version,
    Move(Options, Vec<OsString>),
    /// A fatal error GNU reports without the "Try" line.
    Fatal(String),
}

const UPDATE: &[(&str, Update)] = &[
    ("all", Update::All),
    ("none", Update::None),
    ("none-fail", Update::NoneFail),
    ("older", Update::Older),
];

/// The clap description of `pmv`, in GNU's option order.
pub fn command() -> Command {
    Command::new("pmv")
        .about("Rename SOURCE to DEST, or move SOURCE(s) to DIRECTORY, atomically where the system allows")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args_override_self(true)
        .arg(
            Arg::new("backup")
                .long("backup")
                .num_args(0..=1)
                .require_equals(true)
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(String))
                .value_name("CONTROL")
                .help("[GNU] make a backup of each existing destination file"),
        )
        .arg(flag("b", Some('b'), None, "[GNU] like --backup but does not accept an argument"))
        .arg(flag("debug", None, Some("debug"), "[GNU+pmv] say which mechanism each operation used and whether it was atomic"))
        .arg(flag("exchange", None, Some("exchange"), "[GNU 9.5] exchange source and destination atomically"))
        .arg(flag("force", Some('f'), Some("force"), "[GNU] do not prompt before overwriting"))
        .arg(flag("interactive", Some('i'), Some("interactive"), "[GNU] prompt before overwrite"))
        .arg(flag("no-clobber", Some('n'), Some("no-clobber"), "[GNU] do not overwrite an existing file (atomic in pmv)"))
        .arg(flag("no-copy", None, Some("no-copy"), "[GNU 9.5] do not copy if renaming fails"))
        .arg(flag("strip-trailing-slashes", None, Some("strip-trailing-slashes"), "[GNU] remove any trailing slashes from each SOURCE argument"))
        .arg(
            Arg::new("suffix")
                .short('S')
                .long("suffix")
                .num_args(1)
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(OsString))
                .value_name("SUFFIX")
                .help("[GNU] override the usual backup suffix"),
        )
        .arg(
            Arg::new("target-directory")
                .short('t')
                .long("target-directory")
                .num_args(1)
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(OsString))
                .value_name("DIRECTORY")
                .help("[GNU] move all SOURCE arguments into DIRECTORY"),
        )
        .arg(flag("no-target-directory", Some('T'), Some("no-target-directory"), "[GNU] treat DEST as a normal file"))
        .arg(flag("no-dereference", Some('h'), None, "[FreeBSD] if DEST is a symlink, replace it rather than moving into the directory it points to"))
        .arg(
            Arg::new("update")
                .long("update")
                .num_args(0..=1)
                .require_equals(true)
                .default_missing_value("older")
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(String))
                .value_name("UPDATE")
                .help("[GNU] control which existing files are updated: all, none, none-fail, older"),
        )
        .arg(flag("u", Some('u'), None, "[GNU] equivalent to --update[=older]"))
        .arg(flag("verbose", Some('v'), Some("verbose"), "[GNU] explain what is being done"))
        .arg(flag("atomic", None, Some("atomic"), "[pmv] fail rather than take any step that is not atomic"))
        .arg(flag("progress", Some('g'), Some("progress"), "[pmv] show a progress bar for copies across file systems"))
        .arg(flag("sync", None, Some("sync"), "[pmv] flush copied data and changed directories to stable storage"))
        .arg(flag("help", None, Some("help"), "display this help and exit"))
        .arg(flag("version", None, Some("version"), "output version information and exit"))
        .arg(
            Arg::new("operands")
                .num_args(0..)
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(OsString))
                .value_name("FILE"),
        )
}

/// One option occurrence, in command-line order.
enum Event {
    Force,
    Interactive,
    NoClobber,
    Update(Option<String>),
    Backup(Option<String>),
    Suffix(OsString),
}

fn events(m: &ArgMatches) -> Vec<(usize, Event)> {
    let mut ev = Vec::new();
    let mut simple = |id: &str, make: &dyn Fn() -> Event| {
        if let Some(idx) = m.indices_of(id).filter(|_| has(m, id)) {
            ev.extend(idx.map(|i| (i, make())));
        }
    };
    simple("force", &|| Event::Force);
    simple("interactive", &|| Event::Interactive);
    simple("no-clobber", &|| Event::NoClobber);
    simple("u", &|| Event::Update(None));
    simple("b", &|| Event::Backup(None));
    let valued = |id: &str| -> Vec<(usize, Option<String>)> {
        match (m.indices_of(id), m.get_raw_occurrences(id)) {
            (Some(idx), Some(occ)) => idx
                .zip(occ)
                .map(|(i, mut vals)| (i, vals.next().map(|v| v.to_string_lossy().into_owned())))
                .collect(),
            _ => Vec::new(),
        }
    };
    for (i, v) in valued("update") {
        ev.push((i, Event::Update(v)));
    }
    for (i, v) in valued("backup") {
        ev.push((i, Event::Backup(v)));
    }
    if let (Some(idx), Some(vals)) = (m.indices_of("suffix"), m.get_many::<OsString>("suffix")) {
        ev.extend(idx.zip(vals).map(|(i, v)| (i, Event::Suffix(v.clone()))));
    }
    ev.sort_by_key(|(i, _)| *i);
    ev
}

/// Turn `pmv`'s arguments (without the program name) into a [`Request`].
pub fn parse(args: Vec<OsString>) -> Result<Request, UsageError> {
    let m = crate::args::parse(command(), args)?;
    if has(&m, "help") {
        return Ok(Request::Help);
    }
    if has(&m, "version") {
        return Ok(Request::Version);
    }
    let mut interactive = Interactive::Unspecified;
    let mut update = Update::All;
    let mut make_backups = false;
    let mut version_control: Option<String> = None;
    let mut suffix: Option<OsString> = None;
    for (_, event) in events(&m) {
        match event {
            Event::Force => interactive = Interactive::AlwaysYes,
            Event::Interactive => interactive = Interactive::AskUser,
            Event::NoClobber => interactive = Interactive::AlwaysSkip,
            Event::Update(None) => update = Update::Older,
            Event::Update(Some(word)) => {
                update = argmatch(&word, UPDATE)
                    .map_err(|e| UsageError(bad_arg_message(e, &word, "--update", UPDATE)))?;
            }
            Event::Backup(word) => {
                make_backups = true;
                if word.is_some() {
                    version_control = word;
                }
            }
            Event::Suffix(s) => {
                make_backups = true;
                suffix = Some(s);
            }
        }
    }
    // As GNU 9.6 and later: a winning -n means --update=none, whatever the
    // order of -n and --update.
    if interactive == Interactive::AlwaysSkip {
        update = Update::None;
    }
    let exchange = has(&m, "exchange");
    if make_backups && (exchange || matches!(update, Update::None | Update::NoneFail)) {
        return Err(UsageError(
            "cannot combine --backup with --exchange, -n, or --update=none-fail".into(),
        ));
    }
    let backup = if make_backups {
        let control = backup_control(version_control)?;
        Some((control, backup::suffix(suffix.as_deref())))
    } else {
        None
    };
    let dirs: Vec<&OsString> = m
        .get_many::<OsString>("target-directory")
        .map(|v| v.collect())
        .unwrap_or_default();
    if dirs.len() > 1 {
        return Ok(Request::Fatal(
            "multiple target directories specified".into(),
        ));
    }
    let target = match (
        dirs.first(),
        has(&m, "no-target-directory"),
        has(&m, "no-dereference"),
    ) {
        (Some(d), _, _) => Target::Dir(PathBuf::from(d)),
        (None, true, _) => Target::NoTarget,
        (None, false, true) => Target::NoDerefTarget,
        (None, false, false) => Target::Default,
    };
    let options = Options {
        interactive,
        update,
        backup,
        target,
        strip_trailing_slashes: has(&m, "strip-trailing-slashes"),
        exchange,
        no_copy: has(&m, "no-copy"),
        // --debug implies -v, as in GNU.
        verbose: has(&m, "verbose") || has(&m, "debug"),
        debug: has(&m, "debug"),
        atomic: has(&m, "atomic"),
        conflict: !dirs.is_empty() && has(&m, "no-target-directory"),
        sync: has(&m, "sync"),
        progress: has(&m, "progress"),
    };
    let operands = crate::args::operands(&m, "operands");
    Ok(Request::Move(options, operands))
}

/// GNU's wording for `-t` with `-T`.
pub const COMBINE: &str = "cannot combine --target-directory (-t) and --no-target-directory (-T)";

pub fn backup_control(word: Option<String>) -> Result<Control, UsageError> {
    let names: Vec<(&str, Control)> = backup::control_names()
        .map(|n| (n, backup::parse_control(n).unwrap_or(Control::Existing)))
        .collect();
    let (word, context) = match word {
        Some(w) => (w, "backup type"),
        None => match std::env::var("VERSION_CONTROL") {
            Ok(v) if !v.is_empty() => (v, "$VERSION_CONTROL"),
            _ => return Ok(Control::Existing),
        },
    };
    backup::parse_control(&word)
        .map_err(|e: BadArg| UsageError(bad_arg_message(e, &word, context, &names)))
}

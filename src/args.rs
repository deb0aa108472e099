//! Command-line parsing with GNU `getopt_long`'s behaviour and wording.
//!
//! Each program describes its options once, in a table of [`Opt`]. The
//! parser walks the arguments as `getopt_long` does (options anywhere
//! before `--`, bundled short options, unambiguous abbreviations of long
//! ones, `--opt=value` for optional values) and fails with GNU's exact
//! messages. The same table renders `--help` ([`help`]) and builds the clap
//! [`Command`] ([`command`]) from which the man pages and shell completions
//! are generated, so none of them can drift from the parser. clap itself
//! stays out of the start-up path, which matters to a program that is run
//! once per deploy step and whose real work is a single system call.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use clap::{Arg, ArgAction, Command};

/// How an option takes its argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Takes {
    /// A flag.
    Nothing,
    /// `-t DIR`, `--target-directory=DIR`, `--target-directory DIR`.
    Required,
    /// Only as `--long=VALUE`; the short form takes none (GNU's `-b`, `-u`).
    Optional,
}

/// One option of a program.
#[derive(Clone, Copy, Debug)]
pub struct Opt {
    /// The name the program looks it up by.
    pub id: &'static str,
    /// Its short form.
    pub short: Option<char>,
    /// Its long form.
    pub long: Option<&'static str>,
    /// Whether it takes an argument.
    pub takes: Takes,
    /// The argument's name in `--help`.
    pub value: &'static str,
    /// One line of help, starting with where the option comes from.
    pub help: &'static str,
}

impl Opt {
    /// A flag.
    pub const fn flag(
        id: &'static str,
        short: Option<char>,
        long: Option<&'static str>,
        help: &'static str,
    ) -> Opt {
        Opt {
            id,
            short,
            long,
            takes: Takes::Nothing,
            value: "",
            help,
        }
    }

    /// An option with an argument.
    pub const fn valued(
        id: &'static str,
        short: Option<char>,
        long: Option<&'static str>,
        takes: Takes,
        value: &'static str,
        help: &'static str,
    ) -> Opt {
        Opt {
            id,
            short,
            long,
            takes,
            value,
            help,
        }
    }
}

/// `--help`, as every program takes it.
pub const OPT_HELP: Opt = Opt::flag("help", None, Some("help"), "display this help and exit");

/// `--version`, as every program takes it.
pub const OPT_VERSION: Opt = Opt::flag(
    "version",
    None,
    Some("version"),
    "output version information and exit",
);

/// The parsed command line: options in the order given, then operands.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Each option given, by id, with its argument.
    pub opts: Vec<(&'static str, Option<OsString>)>,
    /// The operands, in order.
    pub operands: Vec<OsString>,
}

impl Parsed {
    /// Whether option `id` was given.
    pub fn has(&self, id: &str) -> bool {
        self.opts.iter().any(|(o, _)| *o == id)
    }

    /// The arguments given to option `id`, in order.
    pub fn values<'a>(&'a self, id: &'a str) -> impl Iterator<Item = Option<&'a OsStr>> + 'a {
        self.opts
            .iter()
            .filter(move |(o, _)| *o == id)
            .map(|(_, v)| v.as_deref())
    }

    /// The position of the last `id` among the options, if given.
    pub fn last(&self, id: &str) -> Option<usize> {
        self.opts.iter().rposition(|(o, _)| *o == id)
    }
}

/// The arguments after the program name, from C's `main`.
///
/// The programs define C's `main` themselves (`#![no_main]`): Rust's
/// runtime start-up (a stack guard found by reading `/proc/self/maps`, a
/// check of the standard descriptors, SIGPIPE ignored) costs more system
/// calls than the move itself.
///
/// # Safety
/// `argv` must point to `argc` valid NUL-terminated strings, as C's `main`
/// receives them.
pub unsafe fn from_argv(
    argc: std::os::raw::c_int,
    argv: *const *const std::os::raw::c_char,
) -> Vec<OsString> {
    use std::os::unix::ffi::OsStringExt;
    (1..usize::try_from(argc).unwrap_or(0))
        .map(|i| {
            // SAFETY: the caller guarantees argc valid pointers.
            let arg = unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) };
            OsString::from_vec(arg.to_bytes().to_vec())
        })
        .collect()
}

/// A usage error: printed as `prog: message`, then the "Try" line.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

/// `argmatch`'s refusal of an option's argument.
#[derive(Debug, PartialEq, Eq)]
pub enum BadArg {
    /// No name starts with the word.
    Invalid,
    /// Several names with different meanings start with it.
    Ambiguous,
}

/// Find `word` among `names` as gnulib's `argmatch` does.
pub fn argmatch<T: Copy + PartialEq>(word: &str, names: &[(&str, T)]) -> Result<T, BadArg> {
    if let Some((_, v)) = names.iter().find(|(n, _)| *n == word) {
        return Ok(*v);
    }
    let mut found: Option<T> = None;
    for (name, value) in names {
        if name.starts_with(word) {
            match found {
                Some(prev) if prev != *value => return Err(BadArg::Ambiguous),
                _ => found = Some(*value),
            }
        }
    }
    found.ok_or(BadArg::Invalid)
}

/// `quote()` in gnulib's locale style: curly quotes in a UTF-8 locale.
fn locale_quote(s: &str) -> String {
    if crate::quote::utf8_locale() {
        format!("\u{2018}{s}\u{2019}")
    } else {
        format!("'{s}'")
    }
}

/// GNU's message for a bad option argument, with the list of valid ones
/// (synonyms on one line).
pub fn bad_arg_message<T: Copy + PartialEq>(
    err: BadArg,
    word: &str,
    context: &str,
    names: &[(&str, T)],
) -> String {
    let what = match err {
        BadArg::Invalid => "invalid",
        BadArg::Ambiguous => "ambiguous",
    };
    let mut msg = format!(
        "{what} argument {} for {}\nValid arguments are:",
        locale_quote(word),
        locale_quote(context)
    );
    let mut last: Option<T> = None;
    for (name, value) in names {
        if last == Some(*value) {
            msg.push_str(&format!(", {}", locale_quote(name)));
        } else {
            msg.push_str(&format!("\n  - {}", locale_quote(name)));
        }
        last = Some(*value);
    }
    msg
}

/// GNU's rule for `-t`, shared by mv and ln: a second one is fatal when
/// getopt meets it. Call from a `parse_checked` check with a counter.
pub fn one_target_directory(id: &str, seen: &mut u32) -> Result<(), Stop> {
    if id == "target-directory" {
        *seen += 1;
        if *seen > 1 {
            return Err(Stop::Fatal("multiple target directories specified".into()));
        }
    }
    Ok(())
}

/// Why parsing stopped early, as GNU's getopt loop stops: at once, when
/// it meets the option.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// A usage error: the message, then the "Try" line.
    Usage(UsageError),
    /// An error printed without the "Try" line.
    Fatal(String),
    /// `--help` was met.
    Help,
    /// `--version` was met.
    Version,
}

impl From<UsageError> for Stop {
    fn from(e: UsageError) -> Self {
        Stop::Usage(e)
    }
}

/// What a program does when parsing stopped early, with its exit status:
/// `--help` and `--version` print `help()` or `version()` on stdout and
/// succeed; an error is printed as GNU prints it and fails.
pub fn stopped(
    prog: &str,
    stop: Stop,
    help: impl FnOnce() -> String,
    version: impl FnOnce() -> String,
) -> std::process::ExitCode {
    use std::process::ExitCode;
    match stop {
        Stop::Help => crate::report::out(help().trim_end()),
        Stop::Version => crate::report::out(version().trim_end()),
        Stop::Usage(e) => {
            crate::report::usage_error(prog, e.0);
            return ExitCode::FAILURE;
        }
        Stop::Fatal(message) => {
            crate::report::error(prog, message);
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Parse `args` (without the program name) against `table`, as
/// `getopt_long` does, calling `check` on each option as it is met, so
/// that an option's own error comes before those of later options;
/// `--help` and `--version` stop the parse where they stand. With
/// `POSIXLY_CORRECT` in the environment, as with getopt, the first operand
/// ends the options.
pub fn parse_checked(
    table: &[Opt],
    args: Vec<OsString>,
    mut check: impl FnMut(&'static str, Option<&OsStr>) -> Result<(), Stop>,
) -> Result<Parsed, Stop> {
    let mut parsed = Parsed::default();
    let mut seen = 0;
    let mut next = |parsed: &Parsed, seen: &mut usize| -> Result<(), Stop> {
        for (id, value) in &parsed.opts[*seen..] {
            match *id {
                "help" => return Err(Stop::Help),
                "version" => return Err(Stop::Version),
                _ => check(id, value.as_deref())?,
            }
        }
        *seen = parsed.opts.len();
        Ok(())
    };
    let posix = std::env::var_os("POSIXLY_CORRECT").is_some();
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        next(&parsed, &mut seen)?;
        let bytes = arg.as_bytes();
        if bytes == b"--" {
            parsed.operands.extend(iter);
            break;
        }
        if let Some(rest) = bytes.strip_prefix(b"--") {
            parsed.opts.push(long_option(table, rest, &mut iter)?);
        } else if bytes.len() > 1 && bytes[0] == b'-' {
            short_options(table, &bytes[1..], &mut iter, &mut parsed.opts)?;
        } else {
            parsed.operands.push(arg);
            // getopt's POSIX mode: options end at the first operand.
            if posix {
                parsed.operands.extend(iter);
                break;
            }
        }
    }
    next(&parsed, &mut seen)?;
    Ok(parsed)
}

/// One `--name[=value]` (`rest` is what follows `--`), taking its value
/// from the next argument when it requires one and has none.
fn long_option(
    table: &[Opt],
    rest: &[u8],
    args: &mut impl Iterator<Item = OsString>,
) -> Result<(&'static str, Option<OsString>), UsageError> {
    let (name, value) = match rest.iter().position(|&b| b == b'=') {
        Some(i) => (
            &rest[..i],
            Some(OsStr::from_bytes(&rest[i + 1..]).to_os_string()),
        ),
        None => (rest, None),
    };
    let name = String::from_utf8_lossy(name);
    let opt = find_long(table, &name)?;
    let long = opt.long.unwrap_or_default();
    let value = match (opt.takes, value) {
        (Takes::Nothing, Some(_)) => {
            return Err(UsageError(format!(
                "option '--{long}' doesn't allow an argument"
            )))
        }
        (Takes::Required, None) => Some(
            args.next()
                .ok_or_else(|| UsageError(format!("option '--{long}' requires an argument")))?,
        ),
        (_, v) => v,
    };
    Ok((opt.id, value))
}

/// A bundle of short options (`bundle` is what follows `-`); one that
/// requires a value takes the rest of the bundle, or the next argument.
fn short_options(
    table: &[Opt],
    bundle: &[u8],
    args: &mut impl Iterator<Item = OsString>,
    opts: &mut Vec<(&'static str, Option<OsString>)>,
) -> Result<(), UsageError> {
    for (i, &c) in bundle.iter().enumerate() {
        let opt = table
            .iter()
            .find(|o| c.is_ascii() && o.short == Some(c as char))
            .ok_or_else(|| {
                UsageError(format!("invalid option -- '{}'", short_char(&bundle[i..])))
            })?;
        if opt.takes != Takes::Required {
            opts.push((opt.id, None));
            continue;
        }
        let value = if i + 1 < bundle.len() {
            OsStr::from_bytes(&bundle[i + 1..]).to_os_string()
        } else {
            args.next().ok_or_else(|| {
                UsageError(format!("option requires an argument -- '{}'", c as char))
            })?
        };
        opts.push((opt.id, Some(value)));
        break;
    }
    Ok(())
}

fn short_char(bytes: &[u8]) -> String {
    let len = match bytes[0] {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    };
    String::from_utf8_lossy(&bytes[..len.min(bytes.len())]).into_owned()
}

fn find_long<'a>(table: &'a [Opt], name: &str) -> Result<&'a Opt, UsageError> {
    let with_long = || table.iter().filter(|o| o.long.is_some());
    if let Some(o) = with_long().find(|o| o.long == Some(name)) {
        return Ok(o);
    }
    let candidates: Vec<&Opt> = with_long()
        .filter(|o| !name.is_empty() && o.long.unwrap_or_default().starts_with(name))
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(UsageError(format!("unrecognized option '--{name}'"))),
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|o| format!("'--{}'", o.long.unwrap_or_default()))
                .collect();
            Err(UsageError(format!(
                "option '--{name}' is ambiguous; possibilities: {}",
                list.join(" ")
            )))
        }
    }
}

/// The option lines of `--help`: `  -s, --long=VALUE  help`, aligned.
pub fn help(table: &[Opt]) -> String {
    let left = |o: &Opt| {
        let mut l = match o.short {
            Some(c) => format!("  -{c}"),
            None => "    ".to_string(),
        };
        if let Some(long) = o.long {
            l.push_str(if o.short.is_some() { ", --" } else { "  --" });
            l.push_str(long);
            match o.takes {
                Takes::Nothing => {}
                Takes::Required => l.push_str(&format!("={}", o.value)),
                Takes::Optional => l.push_str(&format!("[={}]", o.value)),
            }
        } else if o.takes == Takes::Required {
            l.push_str(&format!(" {}", o.value));
        }
        l
    };
    let width = table.iter().map(|o| left(o).len()).max().unwrap_or(0) + 2;
    table
        .iter()
        .map(|o| format!("{:width$}{}\n", left(o), o.help))
        .collect()
}

/// The clap description of a program, built from its table, for the man
/// pages and shell completions.
pub fn command(name: &'static str, about: &'static str, table: &[Opt]) -> Command {
    let mut cmd = Command::new(name)
        .about(about)
        .disable_help_flag(true)
        .disable_version_flag(true);
    for o in table {
        // A second entry for one id is another short spelling (ln's -F).
        if cmd.get_arguments().any(|a| a.get_id() == o.id) {
            if let Some(c) = o.short {
                cmd = cmd.mut_arg(o.id, |a| a.visible_short_alias(c));
            }
            continue;
        }
        let mut arg = Arg::new(o.id).help(o.help);
        if let Some(c) = o.short {
            arg = arg.short(c);
        }
        if let Some(l) = o.long {
            arg = arg.long(l);
        }
        arg = match o.takes {
            Takes::Nothing => arg.action(ArgAction::SetTrue),
            Takes::Required => arg.action(ArgAction::Set).value_name(o.value),
            Takes::Optional => arg
                .action(ArgAction::Set)
                .num_args(0..=1)
                .require_equals(true)
                .value_name(o.value),
        };
        cmd = cmd.arg(arg);
    }
    cmd.arg(
        Arg::new("FILE")
            .num_args(0..)
            .action(ArgAction::Append)
            .value_parser(clap::value_parser!(std::path::PathBuf)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[Opt] = &[
        Opt::flag("verbose", Some('v'), Some("verbose"), "v"),
        Opt::valued(
            "suffix",
            Some('S'),
            Some("suffix"),
            Takes::Required,
            "SUFFIX",
            "s",
        ),
        Opt::flag("strip", None, Some("strip-trailing-slashes"), "x"),
        Opt::valued(
            "update",
            Some('u'),
            Some("update"),
            Takes::Optional,
            "WHEN",
            "u",
        ),
    ];

    fn p(args: &[&str]) -> Result<Parsed, UsageError> {
        parse_checked(TABLE, args.iter().map(OsString::from).collect(), |_, _| {
            Ok(())
        })
        .map_err(|e| match e {
            Stop::Usage(u) => u,
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn options_anywhere_bundles_and_abbreviations() {
        let r = p(&[
            "a",
            "--verb",
            "-vSx",
            "b",
            "--su",
            "y",
            "--up",
            "-u",
            "--update=none",
        ])
        .unwrap();
        let ids: Vec<_> = r
            .opts
            .iter()
            .map(|(i, v)| (*i, v.as_ref().map(|v| v.to_string_lossy().into_owned())))
            .collect();
        assert_eq!(
            ids,
            [
                ("verbose", None),
                ("verbose", None),
                ("suffix", Some("x".into())),
                ("suffix", Some("y".into())),
                ("update", None),
                ("update", None),
                ("update", Some("none".into())),
            ]
        );
        assert_eq!(r.operands, ["a", "b"]);
        assert_eq!(r.last("suffix"), Some(3));
        let r = p(&["--", "--verbose", "-x", "-"]).unwrap();
        assert!(r.opts.is_empty());
        assert_eq!(r.operands, ["--verbose", "-x", "-"]);
    }

    #[test]
    fn gnu_messages() {
        let e = |a: &[&str]| p(a).unwrap_err().0;
        assert_eq!(e(&["--bogus"]), "unrecognized option '--bogus'");
        assert_eq!(e(&["-x"]), "invalid option -- 'x'");
        assert_eq!(
            e(&["--verbose=3"]),
            "option '--verbose' doesn't allow an argument"
        );
        assert_eq!(
            e(&["--s"]),
            "option '--s' is ambiguous; possibilities: '--suffix' '--strip-trailing-slashes'"
        );
        assert_eq!(e(&["-S"]), "option requires an argument -- 'S'");
        assert_eq!(e(&["--suffix"]), "option '--suffix' requires an argument");
    }

    #[test]
    fn help_lines_are_aligned() {
        let h = help(TABLE);
        assert!(h.contains("  -v, --verbose "), "{h}");
        assert!(h.contains("  -S, --suffix=SUFFIX "), "{h}");
        assert!(h.contains("      --strip-trailing-slashes "), "{h}");
        assert!(h.contains("  -u, --update[=WHEN] "), "{h}");
        let col: Vec<usize> = h.lines().map(|l| l.rfind(' ').unwrap()).collect();
        assert!(col.windows(2).all(|w| w[0] == w[1]), "{h}");
    }

    #[test]
    fn command_merges_second_spellings() {
        let table = [
            Opt::flag("d", Some('d'), Some("directory"), "d"),
            Opt::flag("d", Some('F'), None, "F"),
        ];
        let c = command("t", "about", &table);
        c.clone().debug_assert();
        let d = c.get_arguments().find(|a| a.get_id() == "d").unwrap();
        assert_eq!(d.get_visible_short_aliases(), Some(vec!['F']));
    }

    #[test]
    fn command_lists_every_option() {
        let c = command("t", "about", TABLE);
        let longs: Vec<_> = c.get_arguments().filter_map(|a| a.get_long()).collect();
        assert_eq!(
            longs,
            ["verbose", "suffix", "strip-trailing-slashes", "update"]
        );
    }

    #[test]
    fn argmatch_prefixes() {
        let names = [("all", 1), ("none", 2), ("none-fail", 3), ("older", 4)];
        assert_eq!(argmatch("none", &names), Ok(2));
        assert_eq!(argmatch("no", &names), Err(BadArg::Ambiguous));
        assert_eq!(argmatch("ol", &names), Ok(4));
        assert_eq!(argmatch("x", &names), Err(BadArg::Invalid));
        assert_eq!(argmatch("", &names), Err(BadArg::Ambiguous));
    }
}

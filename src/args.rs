//! Command-line parsing with GNU `getopt_long`'s behaviour and wording.
//!
//! The clap [`Command`] of each program is the single description of its
//! options (it also feeds `--help` and the man pages). Before clap sees the
//! arguments, [`normalize`] walks them as `getopt_long` would: it expands
//! unambiguous abbreviations of long options (`--verb` for `--verbose`)
//! and reports GNU's exact messages for unknown, ambiguous or malformed
//! options, which clap words differently.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use clap::{Arg, ArgAction, ArgMatches, Command};

/// A flag (no value) with optional short and long names. Flags count, so
/// that clap keeps the position of their last occurrence for last-wins
/// folding.
pub fn flag(
    id: &'static str,
    short: Option<char>,
    long: Option<&'static str>,
    help: &'static str,
) -> Arg {
    let mut a = Arg::new(id).action(ArgAction::Count).help(help);
    if let Some(s) = short {
        a = a.short(s);
    }
    if let Some(l) = long {
        a = a.long(l);
    }
    a
}

/// Whether an option was given on the command line.
pub fn has(m: &ArgMatches, id: &str) -> bool {
    m.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
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
    let utf8 = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .filter_map(std::env::var_os)
        .find(|v| !v.is_empty())
        .map(|v| {
            let v = v.to_string_lossy().to_ascii_lowercase();
            v.contains("utf-8") || v.contains("utf8")
        })
        .unwrap_or(false);
    if utf8 {
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

#[derive(Clone, Copy, PartialEq, Eq)]
enum Takes {
    Nothing,
    Required,
    Optional,
}

struct Spec {
    id: String,
    long: Option<String>,
    short: Option<char>,
    takes: Takes,
}

fn specs(cmd: &Command) -> Vec<Spec> {
    cmd.get_arguments()
        .filter(|a| !a.is_positional())
        .map(|a| {
            let takes = match a.get_num_args() {
                Some(r) if r.max_values() == 0 => Takes::Nothing,
                Some(r) if r.min_values() == 0 => Takes::Optional,
                Some(_) => Takes::Required,
                None if a.get_action().takes_values() => Takes::Required,
                None => Takes::Nothing,
            };
            Spec {
                id: a.get_id().to_string(),
                long: a.get_long().map(str::to_string),
                short: a.get_short(),
                takes,
            }
        })
        .collect()
}

/// Rewrite `args` (without the program name) into a form clap parses
/// without surprises, or fail with `getopt_long`'s message.
pub fn normalize(cmd: &Command, args: Vec<OsString>) -> Result<Vec<OsString>, UsageError> {
    let specs = specs(cmd);
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        let bytes = arg.as_bytes();
        if bytes == b"--" {
            out.push(arg);
            out.extend(iter);
            break;
        }
        if let Some(rest) = bytes.strip_prefix(b"--") {
            let (name, value) = match rest.iter().position(|&b| b == b'=') {
                Some(i) => (&rest[..i], Some(OsStr::from_bytes(&rest[i + 1..]))),
                None => (rest, None),
            };
            let name = String::from_utf8_lossy(name).into_owned();
            let spec = find_long(&specs, &name)?;
            let long = spec.long.as_deref().unwrap_or_default();
            match (spec.takes, value) {
                (Takes::Nothing, Some(_)) => {
                    return Err(UsageError(format!(
                        "option '--{long}' doesn't allow an argument"
                    )))
                }
                (Takes::Required, None) => match iter.next() {
                    Some(v) => {
                        out.push(OsString::from(format!("--{long}")));
                        out.push(v);
                    }
                    None => {
                        return Err(UsageError(format!(
                            "option '--{long}' requires an argument"
                        )))
                    }
                },
                (_, Some(v)) => {
                    let mut o = OsString::from(format!("--{long}="));
                    o.push(v);
                    out.push(o);
                }
                (_, None) => out.push(OsString::from(format!("--{long}"))),
            }
            continue;
        }
        if bytes.len() > 1 && bytes[0] == b'-' {
            let mut i = 1;
            while i < bytes.len() {
                let c = bytes[i] as char;
                let spec = specs
                    .iter()
                    .find(|s| s.short == Some(c) && bytes[i].is_ascii())
                    .ok_or_else(|| {
                        UsageError(format!("invalid option -- '{}'", short_char(&bytes[i..])))
                    })?;
                if spec.takes == Takes::Nothing {
                    out.push(OsString::from(format!("-{c}")));
                    i += 1;
                    continue;
                }
                let value = if i + 1 < bytes.len() {
                    OsStr::from_bytes(&bytes[i + 1..]).to_os_string()
                } else {
                    iter.next().ok_or_else(|| {
                        UsageError(format!("option requires an argument -- '{c}'"))
                    })?
                };
                out.push(OsString::from(format!("-{c}")));
                out.push(value);
                let _ = &spec.id;
                break;
            }
            continue;
        }
        out.push(arg);
    }
    Ok(out)
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

fn find_long<'a>(specs: &'a [Spec], name: &str) -> Result<&'a Spec, UsageError> {
    let with_long = || specs.iter().filter(|s| s.long.is_some());
    if let Some(s) = with_long().find(|s| s.long.as_deref() == Some(name)) {
        return Ok(s);
    }
    let candidates: Vec<&Spec> = with_long()
        .filter(|s| !name.is_empty() && s.long.as_deref().unwrap_or_default().starts_with(name))
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(UsageError(format!("unrecognized option '--{name}'"))),
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|s| format!("'--{}'", s.long.as_deref().unwrap_or_default()))
                .collect();
            Err(UsageError(format!(
                "option '--{name}' is ambiguous; possibilities: {}",
                list.join(" ")
            )))
        }
    }
}

/// Parse `args` (without the program name) with `cmd`, GNU-style.
pub fn parse(cmd: Command, args: Vec<OsString>) -> Result<ArgMatches, UsageError> {
    let name = cmd.get_name().to_string();
    let args = normalize(&cmd, args)?;
    cmd.try_get_matches_from(std::iter::once(OsString::from(name)).chain(args))
        .map_err(|e| {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            UsageError(first.trim_start_matches("error: ").to_string())
        })
}

/// The operands (positionals) and their positions among all arguments.
pub fn operands(m: &ArgMatches, id: &str) -> Vec<OsString> {
    m.get_many::<OsString>(id)
        .map(|v| v.cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd() -> Command {
        Command::new("t")
            .arg(
                Arg::new("verbose")
                    .short('v')
                    .long("verbose")
                    .action(ArgAction::SetTrue),
            )
            .arg(Arg::new("suffix").short('S').long("suffix").num_args(1))
            .arg(
                Arg::new("strip")
                    .long("strip-trailing-slashes")
                    .action(ArgAction::SetTrue),
            )
            .arg(
                Arg::new("update")
                    .long("update")
                    .num_args(0..=1)
                    .require_equals(true),
            )
    }

    fn n(args: &[&str]) -> Result<Vec<String>, UsageError> {
        normalize(&cmd(), args.iter().map(OsString::from).collect())
            .map(|v| v.into_iter().map(|s| s.into_string().unwrap()).collect())
    }

    #[test]
    fn expands_and_splits() {
        assert_eq!(
            n(&["--verb", "-vSx", "a"]).unwrap(),
            ["--verbose", "-v", "-S", "x", "a"]
        );
        assert_eq!(
            n(&["--su", "y", "--up"]).unwrap(),
            ["--suffix", "y", "--update"]
        );
        assert_eq!(
            n(&["--", "--verbose", "-x"]).unwrap(),
            ["--", "--verbose", "-x"]
        );
        assert_eq!(n(&["-", "--update=none"]).unwrap(), ["-", "--update=none"]);
    }

    #[test]
    fn gnu_messages() {
        let e = |a: &[&str]| n(a).unwrap_err().0;
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
    fn argmatch_prefixes() {
        let names = [("all", 1), ("none", 2), ("none-fail", 3), ("older", 4)];
        assert_eq!(argmatch("none", &names), Ok(2));
        assert_eq!(argmatch("no", &names), Err(BadArg::Ambiguous));
        assert_eq!(argmatch("ol", &names), Ok(4));
        assert_eq!(argmatch("x", &names), Err(BadArg::Invalid));
        assert_eq!(argmatch("", &names), Err(BadArg::Ambiguous));
    }
}

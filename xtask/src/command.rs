//! A program's `clap::Command`, built from its option table, for the
//! completions clap_complete renders.
//!
//! The programs parse their arguments with their own getopt-like parser
//! (`pmv::args`), not with clap; the table is the one description of the
//! options, and this is its translation: every row of an option id becomes
//! one `Arg` (the first short and long spelling its names, the others
//! aliases), with its help, its argument's name, how many values it takes
//! and what a shell completes for them: directories for `-t`
//! (`ValueHint::DirPath`), the parser's own words for `--update` and
//! `--backup` (possible values), nothing for `-S` (`ValueHint::Other`).
//! The operands are files and directories (`ValueHint::AnyPath`).

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, Command, ValueHint};
use pmv::args::{Complete, Opt, Takes};

use crate::program::Program;

/// The id of the operands' `Arg`.
pub const OPERANDS: &str = "operands";

/// The `Command` of `p`, with every option of its table.
pub fn command(p: &Program, version: &str) -> Command {
    let mut cmd = Command::new(p.name)
        .about(p.summary.replace("\\-", "-"))
        .version(version.to_string())
        .override_usage(
            p.synopsis
                .iter()
                .map(|form| format!("{} {form}", p.name))
                .collect::<Vec<_>>()
                .join("\n       "),
        )
        // --help and --version are rows of the table like any option
        // (and pmv's -h is not help).
        .disable_help_flag(true)
        .disable_version_flag(true);
    let mut ids: Vec<&str> = Vec::new();
    for o in p.table {
        if !ids.contains(&o.id) {
            ids.push(o.id);
        }
    }
    for id in ids {
        let rows: Vec<&Opt> = p.table.iter().filter(|o| o.id == id).collect();
        cmd = cmd.arg(arg(&rows));
        // An optional argument is given only as --long=VALUE; the short
        // form takes none (GNU's -u), so it is a flag of its own.
        for o in rows.iter().filter(|o| o.takes == Takes::Optional) {
            if let Some(c) = o.short {
                cmd = cmd.arg(
                    Arg::new(short_id(c))
                        .short(c)
                        .help(o.help)
                        .action(ArgAction::Count),
                );
            }
        }
    }
    cmd.arg(
        Arg::new(OPERANDS)
            .value_name("FILE")
            .help("files and directories")
            .num_args(1..)
            .action(ArgAction::Append)
            .value_hint(ValueHint::AnyPath),
    )
}

/// The id of the flag that is the short form of an option whose long form
/// takes an optional argument.
pub fn short_id(c: char) -> String {
    format!("-{c}")
}

/// The `Arg` of one option: `rows` are its spellings in the table, the
/// first the one whose help and argument it has.
fn arg(rows: &[&Opt]) -> Arg {
    let o = rows[0];
    let mut a = Arg::new(o.id).help(o.help);
    let mut shorts = rows
        .iter()
        .filter(|r| r.takes != Takes::Optional)
        .filter_map(|r| r.short);
    let mut longs = rows.iter().filter_map(|r| r.long);
    if let Some(c) = shorts.next() {
        a = a.short(c);
    }
    if let Some(l) = longs.next() {
        a = a.long(l);
    }
    a = a
        .visible_short_aliases(shorts.collect::<Vec<_>>())
        .visible_aliases(longs.collect::<Vec<_>>());
    a = match o.id {
        "help" => a.action(ArgAction::Help),
        "version" => a.action(ArgAction::Version),
        _ => match o.takes {
            Takes::Nothing => a.action(ArgAction::Count),
            Takes::Required => a.action(ArgAction::Append).num_args(1),
            // Only as --long=VALUE; without one, the option's default.
            Takes::Optional => a
                .action(ArgAction::Append)
                .num_args(0..=1)
                .require_equals(true),
        },
    };
    if o.takes == Takes::Nothing {
        return a;
    }
    a = a.value_name(o.value);
    match o.complete {
        Complete::Nothing => a.value_hint(ValueHint::Other),
        Complete::Directory => a.value_hint(ValueHint::DirPath),
        Complete::Words(words) => a.value_parser(PossibleValuesParser::new(words())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program;

    fn commands() -> Vec<(Program, Command)> {
        program::all()
            .into_iter()
            .map(|p| {
                let cmd = command(&p, "0.0.0");
                (p, cmd)
            })
            .collect()
    }

    #[test]
    fn commands_pass_clap_debug_asserts() {
        for (_, cmd) in commands() {
            cmd.debug_assert();
        }
    }

    /// How many values `a` takes, as a table's `Takes`.
    fn takes(a: &Arg) -> Takes {
        let n = a.get_num_args().expect("built");
        match (n.min_values(), n.max_values(), a.is_require_equals_set()) {
            (0, 0, false) => Takes::Nothing,
            (1, 1, false) => Takes::Required,
            (0, 1, true) => Takes::Optional,
            other => panic!("{}: {other:?}", a.get_id()),
        }
    }

    /// Every spelling of every row of the table is an `Arg` with the row's
    /// help, argument and completion, and the `Command` has no spelling
    /// the table has not: the table and the completions cannot drift.
    #[test]
    fn every_option_of_the_table_is_in_the_command() {
        for (p, mut cmd) in commands() {
            cmd.build();
            let name = p.name;
            let opts: Vec<&Arg> = cmd.get_arguments().filter(|a| !a.is_positional()).collect();
            for o in p.table {
                // The first row of an id gives the help, as in the Command.
                let first = p.table.iter().find(|x| x.id == o.id).unwrap();
                let mut spellings = Vec::new();
                if let Some(c) = o.short {
                    let found: Vec<&&Arg> = opts
                        .iter()
                        .filter(|a| {
                            a.get_short_and_visible_aliases()
                                .unwrap_or_default()
                                .contains(&c)
                        })
                        .collect();
                    assert_eq!(found.len(), 1, "{name}: -{c}");
                    // The short form of an optional argument takes none.
                    let (id, takes) = match o.takes {
                        Takes::Optional => (short_id(c), Takes::Nothing),
                        t => (o.id.to_string(), t),
                    };
                    spellings.push((format!("-{c}"), found[0], id, takes));
                }
                if let Some(l) = o.long {
                    let found: Vec<&&Arg> = opts
                        .iter()
                        .filter(|a| {
                            a.get_long_and_visible_aliases()
                                .unwrap_or_default()
                                .contains(&l)
                        })
                        .collect();
                    assert_eq!(found.len(), 1, "{name}: --{l}");
                    spellings.push((format!("--{l}"), found[0], o.id.to_string(), o.takes));
                }
                assert!(!spellings.is_empty(), "{name}: {o:?} has no spelling");
                for (spelling, a, id, takes) in spellings {
                    let what = format!("{name} {spelling}");
                    assert_eq!(a.get_id().as_str(), id, "{what}");
                    assert_eq!(
                        a.get_help().map(|h| h.to_string()).as_deref(),
                        Some(if id == o.id { first.help } else { o.help }),
                        "{what}"
                    );
                    assert_eq!(self::takes(a), takes, "{what}");
                    if takes == Takes::Nothing {
                        continue;
                    }
                    assert_eq!(
                        a.get_value_names().map(|v| v[0].as_str()),
                        Some(o.value),
                        "{what}"
                    );
                    let values: Vec<String> = a
                        .get_possible_values()
                        .iter()
                        .map(|v| v.get_name().to_string())
                        .collect();
                    match o.complete {
                        Complete::Nothing => {
                            assert_eq!(a.get_value_hint(), ValueHint::Other, "{what}");
                            assert!(values.is_empty(), "{what}");
                        }
                        Complete::Directory => {
                            assert_eq!(a.get_value_hint(), ValueHint::DirPath, "{what}");
                            assert!(values.is_empty(), "{what}");
                        }
                        Complete::Words(words) => assert_eq!(values, words(), "{what}"),
                    }
                }
            }
            // Nothing the table has not.
            for a in &opts {
                for c in a.get_short_and_visible_aliases().unwrap_or_default() {
                    assert!(
                        p.table.iter().any(|o| o.short == Some(c)),
                        "{name}: -{c} is not in the table"
                    );
                }
                for l in a.get_long_and_visible_aliases().unwrap_or_default() {
                    assert!(
                        p.table.iter().any(|o| o.long == Some(l)),
                        "{name}: --{l} is not in the table"
                    );
                }
            }
            let operands: Vec<&Arg> = cmd.get_positionals().collect();
            assert_eq!(operands.len(), 1, "{name}");
            assert_eq!(operands[0].get_id().as_str(), OPERANDS, "{name}");
            assert_eq!(operands[0].get_value_hint(), ValueHint::AnyPath, "{name}");
        }
    }

    /// The `Command` reads a command line as the programs' parser does:
    /// bundles, `-t DIR`, and an optional argument only after `=` (`-u`
    /// and `--update` leave the next word an operand).
    #[test]
    fn commands_read_arguments_as_the_programs_do() {
        let mut all = commands().into_iter();
        let (_, pmv) = all.next().unwrap();
        let m = pmv
            .try_get_matches_from([
                "pmv",
                "-vt",
                "dir",
                "--update=none",
                "-u",
                "a",
                "--update",
                "b",
                "--backup",
                "c",
                "-S",
                ".old",
                "--",
                "-d",
            ])
            .unwrap();
        let strings = |id: &str| -> Vec<String> {
            m.get_many::<String>(id)
                .map(|v| v.cloned().collect())
                .unwrap_or_default()
        };
        assert_eq!(strings("target-directory"), ["dir"]);
        assert_eq!(strings("update"), ["none"]);
        assert_eq!(strings("suffix"), [".old"]);
        assert_eq!(strings(OPERANDS), ["a", "b", "c", "-d"]);
        assert_eq!(m.get_count("verbose"), 1);
        assert_eq!(m.get_count(&short_id('u')), 1);
        let (_, pln) = all.next().unwrap();
        let m = pln
            .try_get_matches_from(["pln", "-F", "-d", "-h", "a"])
            .unwrap();
        assert_eq!(m.get_count("directory"), 2);
        assert_eq!(m.get_count("no-dereference"), 1);
    }
}

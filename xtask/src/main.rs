//! pmv's build tasks.
//!
//! `cargo run -p xtask -- dist DIR` writes the man pages and the shell
//! completions of `pmv` and `pln` under DIR, laid out as under a
//! `share` directory (so `DIR` can be copied into `/usr/local/share`):
//!
//! ```text
//! DIR/man/man1/pmv.1                          DIR/man/man1/pln.1
//! DIR/bash-completion/completions/pmv         DIR/bash-completion/completions/pln
//! DIR/zsh/site-functions/_pmv                 DIR/zsh/site-functions/_pln
//! DIR/fish/vendor_completions.d/pmv.fish      DIR/fish/vendor_completions.d/pln.fish
//! ```
//!
//! The repository keeps them in `share/` (`ci/docs.sh` checks they are
//! what this task writes). Everything is rendered from the programs' own
//! option tables (`pmv::mv::cli::OPTIONS`, `pmv::ln::OPTIONS`), the ones
//! they parse their arguments with, so no option can be missing or stale;
//! `program.rs` adds the prose a manual has beyond the options.
//!
//! - `command.rs` translates a table into a `clap::Command` (every
//!   spelling, help, argument, value hint and possible values); its tests
//!   run clap's `debug_assert` and check that the table and the `Command`
//!   hold the same options.
//! - `zsh.rs`: the zsh completion, rendered by clap_complete from that
//!   `Command`.
//! - `bash.rs`, `fish.rs`: generators of their own, from the table, where
//!   clap_complete's scripts do not complete as the programs read their
//!   arguments (`zsh.rs` says what they miss).
//! - `man.rs`: the man pages, roff written from the table and the prose.
//!   clap_mangen renders an option's help as escaped text, so the notes
//!   on single options (the lists of CONTROL and UPDATE words, examples)
//!   could not be roff, and it has no DESCRIPTION with subsections,
//!   ATOMICITY AND LEFTOVERS, EXIT STATUS, ENVIRONMENT or EXAMPLES.

mod bash;
mod command;
mod fish;
mod man;
mod program;
mod spell;
mod zsh;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use program::Program;

const USAGE: &str = "usage: cargo run -p xtask -- dist DIR";

/// The date in the man pages' footer: when their content last changed in
/// substance. A fixed date, not today's, so that the pages are the same
/// whenever they are generated.
const DATE: &str = "2026-11-30";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [task, dir] if task == "dist" => match dist(Path::new(dir)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("xtask: {dir}: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The version of the package the pages describe.
fn version() -> String {
    let manifest = include_str!("../../Cargo.toml");
    let package = manifest.split("\n[").next().unwrap_or_default();
    package
        .lines()
        .filter_map(|l| l.strip_prefix("version"))
        .filter_map(|l| l.trim_start().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_string())
        .next()
        .unwrap_or_default()
}

/// Every file `dist` writes: its path under DIR and its content.
fn files() -> Vec<(PathBuf, String)> {
    let version = version();
    let mut out = Vec::new();
    for p in program::all() {
        let Program { name, .. } = p;
        out.push((
            PathBuf::from(format!("man/man1/{name}.1")),
            man::render(&p, &version, DATE),
        ));
        out.push((
            PathBuf::from(format!("bash-completion/completions/{name}")),
            bash::render(&p),
        ));
        out.push((
            PathBuf::from(format!("zsh/site-functions/_{name}")),
            zsh::render(&p, &version),
        ));
        out.push((
            PathBuf::from(format!("fish/vendor_completions.d/{name}.fish")),
            fish::render(&p),
        ));
    }
    out
}

fn dist(dir: &Path) -> io::Result<()> {
    for (path, content) in files() {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, content)?;
        println!("{}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spelling of every option is in each completion.
    #[test]
    fn completions_offer_every_option() {
        for p in program::all() {
            let bash = bash::render(&p);
            let zsh = zsh::render(&p, "0");
            let fish = fish::render(&p);
            let bash_words: Vec<&str> = bash
                .split(|c: char| c.is_whitespace() || c == '\'')
                .collect();
            // zsh: an `_arguments` spec per spelling, `'*-x[help]'` or
            // `'*-x+[help]:ARG:...'`; fish: `-s x`, `-l long`.
            let zsh_has = |s: &str| {
                [
                    format!("'{s}["),
                    format!("'*{s}["),
                    format!("'*{s}+["),
                    format!("'*{s}=["),
                    format!("'*{s}=-["),
                ]
                .iter()
                .any(|spec| zsh.contains(spec.as_str()))
            };
            for o in p.table {
                if let Some(c) = o.short {
                    assert!(bash_words.contains(&format!("-{c}").as_str()), "bash: -{c}");
                    assert!(zsh_has(&format!("-{c}")), "zsh: -{c}");
                    assert!(fish.contains(&format!(" -s {c} ")), "fish: -{c}");
                }
                if let Some(l) = o.long {
                    assert!(
                        bash_words.contains(&format!("--{l}").as_str()),
                        "bash: --{l}"
                    );
                    assert!(zsh_has(&format!("--{l}")), "zsh: --{l}");
                    assert!(fish.contains(&format!(" -l {l} ")), "fish: --{l}");
                }
            }
        }
    }

    /// `dist` writes each program's page and completions, nothing else.
    #[test]
    fn dist_writes_the_share_layout() {
        let paths: Vec<String> = files()
            .into_iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "man/man1/pmv.1",
                "bash-completion/completions/pmv",
                "zsh/site-functions/_pmv",
                "fish/vendor_completions.d/pmv.fish",
                "man/man1/pln.1",
                "bash-completion/completions/pln",
                "zsh/site-functions/_pln",
                "fish/vendor_completions.d/pln.fish",
            ]
        );
    }
}

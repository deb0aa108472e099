//! The zsh completion, rendered by clap_complete from the program's
//! `Command` (see `command.rs`): an `_arguments` spec for every spelling
//! of every option, `_files -/` for `-t`, the parser's words for
//! `--update=` and `--backup=`, nothing for `-S`, `_files` for operands.
//!
//! One correction is made to clap_complete's script: it writes every long
//! option with an argument as `--long=[...]`, which to zsh means the
//! argument may also be the next word, even for an `Arg` whose
//! `require_equals` says it may not. For those (`--update`, `--backup`) the
//! spec becomes `--long=-[...]`, the argument only after `=`, so that
//! `pmv --update <TAB>` completes operands, as the programs read them.
//!
//! bash and fish keep their own generators (`bash.rs`, `fish.rs`):
//! clap_complete's bash script offers options instead of files for
//! operands, nothing for `--update=`, and knows neither getopt's
//! abbreviations nor bundled short options; its fish script completes
//! `--target-directory=` through `__fish_complete_directories`, which
//! before fish 3.7 puts the `--target-directory=` in front twice, and
//! takes the next word as the argument of `--update` and `--backup`.

use clap_complete::Shell;

use crate::program::Program;

/// The zsh completion of `p`.
pub fn render(p: &Program, version: &str) -> String {
    let mut cmd = crate::command::command(p, version);
    let mut out = Vec::new();
    clap_complete::generate(Shell::Zsh, &mut cmd, p.name, &mut out);
    let mut script = String::from_utf8(out).expect("clap_complete writes UTF-8");
    let equals: Vec<&str> = cmd
        .get_opts()
        .filter(|a| a.is_require_equals_set())
        .flat_map(|a| a.get_long_and_visible_aliases().unwrap_or_default())
        .collect();
    for long in equals {
        let spec = format!("--{long}=[");
        assert_eq!(
            script.matches(&spec).count(),
            1,
            "clap_complete's zsh script has no single {spec}"
        );
        script = script.replace(&spec, &format!("--{long}=-["));
    }
    let name = p.name;
    let first = script.find('\n').map_or(script.len(), |i| i + 1);
    assert_eq!(&script[..first], format!("#compdef {name}\n"));
    script.insert_str(
        first,
        &format!(
            "# zsh completion for {name}, rendered by clap_complete from {name}'s option table\n\
             # by `cargo run -p xtask -- dist`; do not edit.\n"
        ),
    );
    script
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An argument that must follow `=` is only offered there; one that
    /// may be the next word is offered there too.
    #[test]
    fn optional_arguments_only_after_equals() {
        let [pmv, pln] = crate::program::all();
        let script = render(&pmv, "0");
        assert!(script.contains("'*--update=-["), "{script}");
        assert!(script.contains("'*--backup=-["), "{script}");
        assert!(script.contains("'*--target-directory=[") && script.contains("'*-t+["));
        assert!(script.contains("'*-u["), "-u takes no argument: {script}");
        assert!(render(&pln, "0").contains("'*--backup=-["));
    }
}

//! A zsh completion function (`_arguments`), rendered from a program's
//! option table: operands complete files and directories, and each
//! option's argument what the table says.

use std::fmt::Write;

use pmv::args::{Complete, Opt, Takes};

use crate::program::Program;
use crate::spell;

/// `s` inside single quotes.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A description inside `_arguments`' brackets.
fn description(help: &str) -> String {
    help.replace('\\', r"\\")
        .replace('[', r"\[")
        .replace(']', r"\]")
}

/// `:MESSAGE:ACTION` for an option's argument.
fn argument(o: &Opt) -> String {
    let action = match o.complete {
        Complete::Nothing => " ".to_string(),
        Complete::Directory => "_files -/".to_string(),
        Complete::Words(_) => format!("({})", spell::words(o.complete).join(" ")),
    };
    format!("{}:{action}", o.value)
}

pub fn render(p: &Program) -> String {
    let name = p.name;
    let mut w = String::new();
    let _ = writeln!(
        w,
        "#compdef {name}\n\
         # zsh completion for {name}.\n\
         # Generated from {name}'s option table by `cargo run -p xtask -- dist`; do not edit.\n"
    );
    let _ = writeln!(w, "_arguments -s -S : \\");
    for o in p.table {
        // Rows with the same id are spellings of one option: once one is
        // on the line, none is offered again.
        let same: Vec<String> = p
            .table
            .iter()
            .filter(|x| x.id == o.id)
            .flat_map(|x| {
                let short = x.short.map(|c| format!("-{c}"));
                let long = x.long.map(|l| format!("--{l}"));
                short.into_iter().chain(long)
            })
            .collect();
        let exclude = format!("({})", same.join(" "));
        let help = description(o.help);
        let mut specs = Vec::new();
        if let Some(c) = o.short {
            specs.push(match o.takes {
                Takes::Required => format!("-{c}+[{help}]:{}", argument(o)),
                _ => format!("-{c}[{help}]"),
            });
        }
        if let Some(l) = o.long {
            specs.push(match o.takes {
                Takes::Nothing => format!("--{l}[{help}]"),
                Takes::Required => format!("--{l}=[{help}]:{}", argument(o)),
                // The argument only after `=`, and optional.
                Takes::Optional => format!("--{l}=-[{help}]::{}", argument(o)),
            });
        }
        for spec in specs {
            let _ = writeln!(w, "  {} \\", quoted(&format!("{exclude}{spec}")));
        }
    }
    let _ = writeln!(w, "  '*:file:_files'");
    w
}

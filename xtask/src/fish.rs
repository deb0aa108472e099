//! fish completions, rendered from a program's option table: operands
//! complete files and directories (fish's default), and each option's
//! argument what the table says.

use std::fmt::Write;

use pmv::args::{Complete, Takes};

use crate::program::Program;
use crate::spell;

/// `s` inside single quotes, as fish reads them.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

pub fn render(p: &Program) -> String {
    let name = p.name;
    let mut w = String::new();
    let _ = writeln!(
        w,
        "# fish completion for {name}.\n\
         # Generated from {name}'s option table by `cargo run -p xtask -- dist`; do not edit.\n"
    );
    // fish's __fish_complete_directories takes the whole token, so a
    // `--opt=` in front would be doubled.
    let _ = writeln!(
        w,
        "function __{name}_directories\n    \
         __fish_complete_directories (commandline -ct | string replace -r -- '^--[^=]*=' '')\n\
         end\n"
    );
    for o in p.table {
        let arg = match o.complete {
            Complete::Nothing => String::new(),
            Complete::Directory => format!(" -a '(__{name}_directories)'"),
            Complete::Words(_) => format!(" -a {}", quoted(&spell::words(o.complete).join(" "))),
        };
        let help = quoted(o.help);
        let short = o.short.map(|c| format!(" -s {c}")).unwrap_or_default();
        let long = o.long.map(|l| format!(" -l {l}")).unwrap_or_default();
        match o.takes {
            Takes::Nothing => {
                let _ = writeln!(w, "complete -c {name}{short}{long} -d {help}");
            }
            // -x: an argument is required, and it is not a file.
            Takes::Required => {
                let _ = writeln!(w, "complete -c {name}{short}{long} -x{arg} -d {help}");
            }
            // The short form takes no argument; the long one only after `=`.
            Takes::Optional => {
                if !short.is_empty() {
                    let _ = writeln!(w, "complete -c {name}{short} -d {help}");
                }
                if !long.is_empty() {
                    let _ = writeln!(w, "complete -c {name}{long} -f{arg} -d {help}");
                }
            }
        }
    }
    w
}

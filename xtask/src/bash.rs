//! A bash completion script, rendered from a program's option table.
//!
//! Operands complete files and directories; an option's argument what the
//! table says (directories, fixed words, or nothing), whether given as
//! `--opt=ARG`, `--opt ARG`, `-o ARG` or bundled (`-vo ARG`), and with any
//! abbreviation `getopt_long` takes. Works with or without the
//! bash-completion package (which, where present, quotes and expands `~`
//! in file names); needs bash 4.

use std::fmt::Write;

use pmv::args::{Complete, Takes};

use crate::program::Program;
use crate::spell;

/// The shell code that completes an argument: `$pre` is kept in front of
/// each candidate (`--opt=` when bash did not split the word at `=`),
/// `$cur` is the word so far.
fn action(f: &str, c: Complete) -> String {
    match c {
        Complete::Nothing => ":".to_string(),
        Complete::Directory => format!("{f}_paths \"$pre\" \"$cur\" -d"),
        Complete::Words(_) => format!("{f}_words \"$pre\" \"$cur\" {}", spell::words(c).join(" ")),
    }
}

fn quote_free(word: &str) -> &str {
    assert!(
        word.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-=_".contains(c)),
        "{word:?} would need quoting"
    );
    word
}

pub fn render(p: &Program) -> String {
    let name = p.name;
    let f = format!("_{name}");
    let mut w = String::new();
    let _ = writeln!(
        w,
        "# bash completion for {name}                          -*- shell-script -*-\n\
         # Generated from {name}'s option table by `cargo run -p xtask -- dist`; do not edit.\n"
    );
    let _ = writeln!(
        w,
        r#"# Files and directories (-d: directories only) for "$2", each after "$1".
{f}_paths() {{
    local pre=$1 cur=$2
    if [[ -z $pre ]] && declare -F _filedir >/dev/null; then
        _filedir $3
        return
    fi
    compopt -o filenames 2>/dev/null
    if [[ $3 == -d ]]; then
        mapfile -t COMPREPLY < <(compgen -P "$pre" -d -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -P "$pre" -f -- "$cur")
    fi
}}

# The words after "$2" that start with "$1"... : $1 prefix, $2 word so far.
{f}_words() {{
    local pre=$1 cur=$2
    shift 2
    mapfile -t COMPREPLY < <(compgen -P "$pre" -W "$*" -- "$cur")
}}
"#
    );
    let args = spell::with_argument(p.table);
    let _ = writeln!(w, "{f}() {{");
    let _ = writeln!(
        w,
        r#"    local cur=${{COMP_WORDS[COMP_CWORD]}} prev opt= pre= i
    COMPREPLY=()
    # After "--" every word is an operand.
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${{COMP_WORDS[i]}} == -- ]]; then
            {f}_paths "" "$cur"
            return
        fi
    done
    # --opt=ARG: with '=' in COMP_WORDBREAKS (the default) bash makes
    # "--opt", "=" and "ARG" separate words; without, one.
    if [[ $cur == = && COMP_CWORD -ge 2 ]]; then
        opt=${{COMP_WORDS[COMP_CWORD-1]}} cur=
    elif [[ COMP_CWORD -ge 3 && ${{COMP_WORDS[COMP_CWORD-1]}} == = ]]; then
        opt=${{COMP_WORDS[COMP_CWORD-2]}}
    elif [[ $cur == --*=* ]]; then
        opt=${{cur%%=*}} pre=${{cur%%=*}}= cur=${{cur#*=}}
    fi
    if [[ -n $opt ]]; then
        case $opt in"#
    );
    for (o, c) in &args {
        if let Some(pattern) = spell::long_pattern(p.table, o) {
            let _ = writeln!(w, "            {pattern}) {} ;;", action(&f, *c));
        }
    }
    let _ = writeln!(
        w,
        r#"        esac
        return
    fi
    # An option whose argument is the next word: --opt ARG, -o ARG, -vo ARG.
    prev=${{COMP_WORDS[COMP_CWORD-1]}}
    case $prev in"#
    );
    for (o, c) in &args {
        if o.takes != Takes::Required {
            continue;
        }
        if let Some(pattern) = spell::long_pattern(p.table, o) {
            let _ = writeln!(w, "        {pattern}) {}; return ;;", action(&f, *c));
        }
    }
    let _ = writeln!(
        w,
        r#"        --*) ;;
        -?*)
            local rest=${{prev#-}} c
            while [[ -n $rest ]]; do
                c=${{rest:0:1}} rest=${{rest:1}}
                case $c in"#
    );
    for (o, c) in &args {
        if let (Takes::Required, Some(short)) = (o.takes, o.short) {
            let _ = writeln!(
                w,
                "                    {short}) [[ -z $rest ]] && {{ {}; return; }}; break ;;",
                action(&f, *c)
            );
        }
    }
    let candidates = spell::candidates(p.table);
    let candidates: Vec<&str> = candidates.iter().map(|s| quote_free(s)).collect();
    let _ = writeln!(
        w,
        r#"                esac
            done
            ;;
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W '{}' -- "$cur")
        [[ ${{#COMPREPLY[@]}} -eq 1 && ${{COMPREPLY[0]}} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi
    {f}_paths "" "$cur"
}}
complete -F {f} {name}"#,
        candidates.join(" ")
    );
    w
}

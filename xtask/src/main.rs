//! pmv's build tasks.
//!
//! `cargo run -p xtask -- dist DIR` writes the man pages and the shell
//! completions of `pmv` and `pln`:
//!
//! ```text
//! DIR/man/pmv.1  DIR/man/pln.1
//! DIR/completions/pmv.bash  DIR/completions/_pmv  DIR/completions/pmv.fish
//! DIR/completions/pln.bash  DIR/completions/_pln  DIR/completions/pln.fish
//! ```
//!
//! Both are rendered from the programs' own clap `Command`s
//! (`pmv::mv::cli::command()`, `pmv::ln::command()`), the description the
//! programs parse their arguments with, so they cannot drift from it.

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap_complete::Shell;

const USAGE: &str = "usage: cargo run -p xtask -- dist DIR";

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

/// One program: its name, its clap description, and what its man page adds
/// to what clap knows (the manual's cross-references).
struct Program {
    cmd: clap::Command,
    see_also: &'static str,
    /// How names are staged and what a crash can leave (roff paragraphs).
    staging: &'static str,
}

const PMV_STAGING: &str = "\
A move within one file system is one \\fBrename\\fR(2). Across file systems, \\fBpmv\\fR first \
makes a private directory \\fB.pmv-\\fR\\fIXXXXXXXXXXXX\\fR (mode 0700, created exclusively) \
beside SOURCE, which also proves SOURCE can be renamed away afterwards; if it cannot \
(a sticky directory, a mount point, no write permission), nothing is changed. It then \
copies SOURCE into a second private directory beside DEST, under DEST's own name, with \
data, holes, mode, owner, times, symlinks, special files, hard links, extended \
attributes and ACLs, opening every entry without following symlinks and checking it \
is what was listed. One rename moves the copy over DEST; one rename moves SOURCE into \
its private directory, from which it is removed. Readers see DEST change in one step \
and SOURCE vanish in one step.
.PP
An entry changed after it was copied is not removed: it stays in the private directory \
beside SOURCE, which \\fBpmv\\fR names. After SIGKILL, a crash or a power cut, a \
\\fB.pmv-\\fR\\fIXXXXXXXXXXXX\\fR directory may be left beside DEST (holding the partial \
copy under DEST's name) or beside SOURCE (empty, or holding what was not yet removed). \
DEST itself is always the old entry or the whole new one. Once no \\fBpmv\\fR runs there, \
such a directory is safe to delete: \\fBrm -rf DIR/.pmv-*\\fR.";

const PLN_STAGING: &str = "\
With \\fB-f\\fR, the new link is made under its final name inside a private directory \
\\fB.pmv-\\fR\\fIXXXXXXXXXXXX\\fR (mode 0700, created exclusively) beside LINK_NAME, then one \
\\fBrename\\fR(2) moves it over LINK_NAME and the directory is removed: LINK_NAME is never \
missing, and the new link never has a name other than its own. SIGINT, SIGTERM \
and SIGHUP wait for the rename. After SIGKILL, a \\fB.pmv-\\fR\\fIXXXXXXXXXXXX\\fR directory \
holding the new link under its final name may be left; once no \\fBpln\\fR runs there it \
is safe to delete.";

fn programs() -> Vec<Program> {
    // clap keeps a version as a `&'static str`; this process is short.
    let version: &'static str = Box::leak(version().into_boxed_str());
    vec![
        Program {
            cmd: pmv::mv::cli::command().version(version),
            see_also: "pln(1), mv(1), rename(2), renameat2(2)",
            staging: PMV_STAGING,
        },
        Program {
            cmd: pmv::ln::command().version(version),
            see_also: "pmv(1), ln(1), symlink(2), rename(2)",
            staging: PLN_STAGING,
        },
    ]
}

/// The version of the pmv package this task ships.
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

/// A man page's NAME line needs a summary (`whatis` and `apropos` read it);
/// clap's `about` is it, and this stands in only where a command has none.
fn with_about(cmd: clap::Command) -> clap::Command {
    if cmd.get_about().is_some() {
        return cmd;
    }
    match cmd.get_name() {
        "pln" => cmd.about("Make links between files; replacing a name (-f) is atomic"),
        _ => cmd,
    }
}

fn dist(dir: &Path) -> io::Result<()> {
    let man = dir.join("man");
    let completions = dir.join("completions");
    fs::create_dir_all(&man)?;
    fs::create_dir_all(&completions)?;
    for program in programs() {
        let name = program.cmd.get_name().to_string();
        let path = man.join(format!("{name}.1"));
        write_man(&program, &mut fs::File::create(&path)?)?;
        println!("{}", path.display());
        for (shell, file) in [
            (Shell::Bash, format!("{name}.bash")),
            (Shell::Zsh, format!("_{name}")),
            (Shell::Fish, format!("{name}.fish")),
        ] {
            let path = completions.join(file);
            let mut out = fs::File::create(&path)?;
            clap_complete::generate(shell, &mut program.cmd.clone(), &name, &mut out);
            out.flush()?;
            println!("{}", path.display());
        }
    }
    Ok(())
}

/// clap's own page, then the sections every man page has and clap does not
/// know about.
fn write_man(program: &Program, w: &mut dyn Write) -> io::Result<()> {
    let name = program.cmd.get_name().to_string();
    let man = clap_mangen::Man::new(with_about(program.cmd.clone()))
        .source(format!("pmv {}", version()))
        .manual("User Commands");
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    writeln!(w, ".SH \"ATOMICITY AND LEFTOVERS\"")?;
    writeln!(w, "{}", program.staging)?;
    writeln!(w, ".SH \"EXIT STATUS\"")?;
    writeln!(
        w,
        "0 if every operation succeeded, 1 if any failed (usage errors included)."
    )?;
    writeln!(w, ".SH \"SEE ALSO\"")?;
    writeln!(w, "{}", program.see_also)?;
    writeln!(w, ".PP")?;
    writeln!(w, "\\fB{name} \\-\\-help\\fR and \\fB{name} \\-\\-version\\fR (which names the backend compiled in and what it does atomically).")?;
    man.render_version_section(w)?;
    w.flush()
}

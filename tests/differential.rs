//! `pmv` against GNU `mv`, and `pln` against GNU `ln`, on thousands of
//! random trees and command lines, and on a list of fixed cases.
//!
//! Each case builds the same small tree (files, empty and non-empty
//! directories, symlinks to files, to directories, to `.`, dangling and
//! self-referring ones, all named from a small alphabet so that names
//! collide and operands reach through symlinked directories) in two
//! scratch directories, runs the GNU program in one and pmv's in the other
//! with the same arguments (`LC_ALL=C`, sometimes `POSIXLY_CORRECT`), and
//! compares exit status, stdout, stderr (with the program name made equal)
//! and the resulting trees. Any difference that is not in [`INTENDED`]
//! fails the test with the smallest case proptest can find.
//!
//! The oracles are the GNU `mv` named by `PMV_GNU_MV`, else the wrapper
//! that `ci/gnu-oracle.sh` writes (`target/gnu-oracle/mv`, a current
//! coreutils), else `mv` on `PATH` if it is GNU's; and the GNU `ln` named
//! by `PMV_GNU_LN`, else the `ln` beside that `mv`, else the wrapper, else
//! `ln` on `PATH`. Under CI (`CI=true`) a missing oracle fails the test.
//! `PMV_DIFF_CASES` changes the number of mv cases (2,000 by default) and
//! `PMV_DIFF_LN_CASES` that of ln cases (1,000); the cases come from a
//! fixed seed (`PMV_DIFF_SEED` picks another) so that a run's verdict is
//! reproducible.

mod util;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io::Write;
use std::os::unix::fs::symlink;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

use util::Scratch;

/// Differences from GNU mv and ln that are intended, each with its reason.
/// The comparison applies exactly these and nothing else (see
/// [`normalise`]).
pub const INTENDED: &[(&str, &str)] = &[
    (
        "exchange with a missing side",
        "GNU makes no system call and prints errno -1 (`Unknown error -1`); \
         pmv reports the real reason (`No such file or directory`)",
    ),
    (
        "usage error after a move or a link",
        "with two operands GNU tries its first no-replace rename (ln: its \
         first link) before it checks --backup against -n/--update=none and \
         the backup type, so it moves SOURCE (makes the link) and then \
         reports the usage error; pmv and pln reject the command line before \
         touching anything: the messages are compared, and pmv's tree must \
         be the tree before the command",
    ),
    (
        "backup left behind by a failed move",
        "when the rename after a backup fails (a directory into itself, \
         EBUSY on `.`), GNU leaves DEST under its backup name; pmv puts it \
         back, so DEST is where it was (an older backup of that name is \
         replaced by both, as making the backup replaces it), and a later \
         operand that names DEST finds it: compared when GNU's tree is \
         pmv's with one path renamed to a backup name of it, and the \
         messages differ only in lines that name that path",
    ),
    (
        "ln -r through a symlink that leads into itself",
        "gnulib's canonicalize_filename_mode never ends on a symlink whose \
         text is its own name with more after it (`b -> b/`, `b -> b/x`): \
         the rest of the name grows at every turn, so its loop check never \
         sees a state twice and GNU ln runs until memory runs out; pln \
         leaves such a link unresolved, as a loop. A GNU ln -r that has not \
         ended after 20 seconds is not compared",
    ),
    (
        "dangling symlink named with a trailing slash as DEST",
        "mv only: the kernel's rename says EEXIST while lstat says ENOENT, \
         and GNU then judges an unfilled stat buffer (`cannot overwrite \
         non-directory`, `cannot backup`, a prompt, or a silent skip under \
         -u, varying between releases); such cases are not compared",
    ),
];

/// Extra differences when the only oracle is coreutils 9.1 (Debian
/// bookworm's), which predates the behaviour pmv follows (9.5 and later).
pub const INTENDED_9_1: &[(&str, &str)] = &[
    (
        "options whose meaning changed",
        "-n, -i, -u, --update, the backup options, --exchange and --no-copy \
         changed or appeared between 9.2 and 9.6 (a winning -n means \
         --update=none, a declined prompt exits 1, -n skips before any \
         check, backups of directories...): with a 9.1 oracle they are not \
         generated",
    ),
    (
        "cannot overwrite",
        "9.4 changed `cannot move 'a' to 'b': Directory not empty` (and the \
         other errors that are about the destination: EEXIST, EISDIR, \
         EMLINK, ENOSPC, ETXTBSY, EDQUOT) to `cannot overwrite 'b': ...`",
    ),
    (
        "directory over non-directory",
        "9.1 says `cannot overwrite directory 'd' with non-directory`, later \
         releases name the source too: `... with non-directory 'f'`",
    ),
];

// ---- the oracles ------------------------------------------------------------

/// The program compared, and pmv's counterpart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prog {
    Mv,
    Ln,
}

impl Prog {
    fn gnu(self) -> &'static str {
        match self {
            Prog::Mv => "mv",
            Prog::Ln => "ln",
        }
    }

    fn ours(self) -> &'static str {
        match self {
            Prog::Mv => "pmv",
            Prog::Ln => "pln",
        }
    }
}

struct Oracle {
    path: PathBuf,
    /// `(major, minor)` of its `--version`.
    version: (u32, u32),
}

impl Oracle {
    fn old(&self) -> bool {
        self.version < (9, 5)
    }
}

fn find_oracle(prog: Prog) -> Option<Oracle> {
    let name = prog.gnu();
    let wrapper = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/gnu-oracle")
        .join(name);
    let env = |var: &str| {
        std::env::var_os(var)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    };
    let candidates: Vec<PathBuf> = match prog {
        Prog::Mv => match env("PMV_GNU_MV") {
            Some(p) => vec![p],
            None => vec![wrapper, PathBuf::from(name)],
        },
        Prog::Ln => match (env("PMV_GNU_LN"), env("PMV_GNU_MV")) {
            (Some(p), _) => vec![p],
            (None, Some(mv)) => vec![mv.with_file_name(name)],
            (None, None) => vec![wrapper, PathBuf::from(name)],
        },
    };
    candidates.into_iter().find_map(|path| {
        let out = Command::new(&path)
            .arg("--version")
            .env("LC_ALL", "C")
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().next()?;
        let ver = first.strip_prefix(&format!("{name} (GNU coreutils) "))?;
        let mut parts = ver.split(|c: char| !c.is_ascii_digit());
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(Oracle {
            path,
            version: (major, minor),
        })
    })
}

fn oracle(prog: Prog) -> Option<&'static Oracle> {
    static MV: OnceLock<Option<Oracle>> = OnceLock::new();
    static LN: OnceLock<Option<Oracle>> = OnceLock::new();
    let cell = match prog {
        Prog::Mv => &MV,
        Prog::Ln => &LN,
    };
    cell.get_or_init(|| find_oracle(prog)).as_ref()
}

/// The oracle for `prog`, or `None` to skip (allowed outside CI only).
fn oracle_or_skip(prog: Prog) -> Option<&'static Oracle> {
    let found = oracle(prog);
    if found.is_none() {
        let var = match prog {
            Prog::Mv => "PMV_GNU_MV",
            Prog::Ln => "PMV_GNU_LN",
        };
        let why = format!(
            "no GNU {} found (set {var} or run ci/gnu-oracle.sh)",
            prog.gnu()
        );
        assert!(
            std::env::var("CI").is_err(),
            "{why}: the differential test must run in CI"
        );
        eprintln!("skipping: {why}");
    }
    found
}

// ---- what is generated --------------------------------------------------------

const NAMES: &[&str] = &["a", "b", "c", "d", "a~"];

/// One entry of a generated tree.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    File(&'static str, i64),
    Dir(BTreeMap<&'static str, Node>, i64),
    Link(&'static str, i64),
}

type Tree = BTreeMap<&'static str, Node>;

/// One generated case: a tree and a command line.
#[derive(Clone)]
struct Case {
    prog: Prog,
    tree: Tree,
    args: Vec<String>,
    /// Run with `POSIXLY_CORRECT` set.
    posix: bool,
}

/// A case prints as the shell commands that reproduce it.
impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn sh(out: &mut String, dir: &str, tree: &Tree) {
            for (name, node) in tree {
                let p = format!("{dir}{name}");
                match node {
                    Node::File(c, t) => {
                        out.push_str(&format!("printf %s {c} > '{p}'; touch -d @{t} '{p}'\n"))
                    }
                    Node::Dir(sub, t) => {
                        out.push_str(&format!("mkdir '{p}'\n"));
                        sh(out, &format!("{p}/"), sub);
                        out.push_str(&format!("touch -d @{t} '{p}'\n"));
                    }
                    Node::Link(target, t) => {
                        out.push_str(&format!("ln -s '{target}' '{p}'; touch -h -d @{t} '{p}'\n"))
                    }
                }
            }
        }
        let mut s = String::from("\n");
        sh(&mut s, "", &self.tree);
        let args: Vec<String> = self.args.iter().map(|a| format!("'{a}'")).collect();
        let env = if self.posix { "POSIXLY_CORRECT=1 " } else { "" };
        s.push_str(&format!("{env}{} {}\n", self.prog.gnu(), args.join(" ")));
        f.write_str(&s)
    }
}

fn mtime() -> impl Strategy<Value = i64> {
    select(vec![1_000_000_000i64, 1_100_000_000, 1_200_000_000])
}

fn leaf() -> impl Strategy<Value = Node> {
    let targets = vec!["a", "b", "c", "d", "a~", "nope", "d/a", "b/", ".", "d/.."];
    prop_oneof![
        3 => (select(vec!["1", "2", "3"]), mtime()).prop_map(|(c, t)| Node::File(c, t)),
        1 => mtime().prop_map(|t| Node::Dir(Tree::new(), t)),
        2 => (select(targets), mtime()).prop_map(|(l, t)| Node::Link(l, t)),
    ]
}

fn node() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(2, 10, 3, |inner| {
        (
            prop::collection::btree_map(select(NAMES), inner, 1..3),
            mtime(),
        )
            .prop_map(|(m, t)| Node::Dir(m, t))
    })
}

fn tree() -> impl Strategy<Value = Tree> {
    prop::collection::btree_map(select(NAMES), node(), 0..5)
}

fn operand() -> impl Strategy<Value = String> {
    let prefix = prop_oneof![
        8 => Just(""),
        1 => Just("./"),
        3 => select(vec!["a/", "d/", "b/", "c/", "d/a/"]),
    ];
    let suffix = prop_oneof![6 => Just(""), 1 => Just("/"), 1 => Just("//")];
    let name = prop_oneof![10 => select(NAMES), 1 => Just("."), 1 => Just("nope")];
    (prefix, name, suffix).prop_map(|(p, n, s)| format!("{p}{n}{s}"))
}

/// Options that mean the same from GNU 9.1 on.
const OPTS_STABLE: &[&str] = &[
    "-f",
    "-v",
    "-fv",
    "--strip-trailing-slashes",
    "--force",
    "--verbose",
    "--no-target-directory",
    "--target-directory=d",
    "--bogus",
    "-X",
    "--s",
    "--verb",
];

/// Options that appeared or changed meaning in GNU 9.2 to 9.6.
const OPTS_NEW: &[&str] = &[
    "-n",
    "-i",
    "-u",
    "-b",
    "-vb",
    "--backup=numbered",
    "--backup=simple",
    "--backup=none",
    "--backup=x",
    "--suffix=.bak",
    "--suffix=",
    "--suffix=s/",
    "--suffix=/s",
    "-S~/",
    "--no-clobber",
    "--update",
    "--update=all",
    "--update=none",
    "--update=none-fail",
    "--update=older",
    "--update=n",
    "--update=o",
    "--no-copy",
    "--no-c",
];

/// GNU ln's options (BSD's `-h`, which pln also takes, is not GNU's).
const OPTS_LN: &[&str] = &[
    "-s",
    "-s",
    "-f",
    "-f",
    "-sf",
    "-sfn",
    "-n",
    "-i",
    "-v",
    "-r",
    "-sr",
    "-srf",
    "-L",
    "-P",
    "-d",
    "-b",
    "--backup=numbered",
    "--backup=simple",
    "--backup=none",
    "--backup=x",
    "--suffix=.bak",
    "--suffix=",
    "--suffix=s/",
    "--no-dereference",
    "--no-target-directory",
    "--target-directory=d",
    "--relative",
    "--symbolic",
    "--force",
    "--interactive",
    "--bogus",
    "-X",
    "--s",
    "--rel",
];

fn options(prog: Prog, old: bool, exchange: bool) -> impl Strategy<Value = Vec<String>> {
    let mut pool: Vec<&'static str> = match prog {
        Prog::Mv => OPTS_STABLE.to_vec(),
        Prog::Ln => OPTS_LN.to_vec(),
    };
    if prog == Prog::Mv && !old {
        pool.extend_from_slice(OPTS_NEW);
        if exchange {
            pool.extend_from_slice(&["--exchange", "--exchange"]);
        }
    }
    prop::collection::vec(select(pool).prop_map(String::from), 0..4)
}

/// How the command line names where sources go.
#[derive(Clone, Debug)]
enum Form {
    /// Operands only.
    Plain,
    /// `-T`.
    NoTargetDir,
    /// `-t DIR`.
    TargetDir(String),
}

fn case(prog: Prog, old: bool, exchange: bool) -> impl Strategy<Value = Case> {
    let target = prop_oneof![
        6 => Just(Form::Plain),
        3 => Just(Form::NoTargetDir),
        2 => operand().prop_map(Form::TargetDir),
    ];
    let operands = prop_oneof![
        1 => prop::collection::vec(operand(), 0..2),
        8 => prop::collection::vec(operand(), 2..=2),
        3 => prop::collection::vec(operand(), 3..5),
    ];
    (
        tree(),
        options(prog, old, exchange),
        target,
        operands,
        any::<bool>(),
        prop::bool::weighted(0.1),
    )
        .prop_map(move |(tree, opts, target, operands, late, posix)| {
            let mut args = opts;
            match target {
                Form::Plain => {}
                Form::NoTargetDir => args.push("-T".into()),
                Form::TargetDir(d) => {
                    args.push("-t".into());
                    args.push(d);
                }
            }
            // getopt permutes: an option after the operands still counts
            // (unless POSIXLY_CORRECT makes it an operand).
            let last = if late && args.len() > 1 && !args[args.len() - 2].starts_with("-t") {
                args.pop()
            } else {
                None
            };
            args.extend(operands);
            args.extend(last);
            Case {
                prog,
                tree,
                args,
                posix,
            }
        })
}

// ---- building, running, comparing -----------------------------------------------

fn set_time(path: &Path, secs: i64) {
    let t = rustix::fs::Timespec {
        tv_sec: secs as _,
        tv_nsec: 0,
    };
    rustix::fs::utimensat(
        rustix::fs::CWD,
        path,
        &rustix::fs::Timestamps {
            last_access: t,
            last_modification: t,
        },
        rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
    )
    .unwrap();
}

fn build(dir: &Path, tree: &Tree) {
    for (name, node) in tree {
        let p = dir.join(name);
        match node {
            Node::File(content, t) => {
                std::fs::write(&p, content).unwrap();
                set_time(&p, *t);
            }
            Node::Dir(sub, t) => {
                std::fs::create_dir(&p).unwrap();
                build(&p, sub);
                set_time(&p, *t);
            }
            Node::Link(target, t) => {
                symlink(target, &p).unwrap();
                set_time(&p, *t);
            }
        }
    }
}

/// What one program did.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    tree: Vec<String>,
}

/// Run `prog` (GNU's, named as GNU's so that it says `mv:`/`ln:`, or
/// ours) with `args` in `s`.
fn run(prog: &Path, name: &str, case: &Case, stdin: Option<&str>, s: &Scratch) -> Outcome {
    let mut cmd = Command::new(prog);
    cmd.arg0(name)
        .args(case.args.iter().map(OsString::from))
        .current_dir(s.dir.path())
        .env("LC_ALL", "C")
        .env_remove("VERSION_CONTROL")
        .env_remove("SIMPLE_BACKUP_SUFFIX")
        .env_remove("POSIXLY_CORRECT")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if case.posix {
        cmd.env("POSIXLY_CORRECT", "1");
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("running {}: {e}", prog.display()));
    if let Some(input) = stdin {
        // The program may exit without reading it all.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    }
    let (code, stdout, stderr) = wait_patiently(child);
    Outcome {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        tree: s.tree(),
    }
}

/// The exit status of a program killed for taking longer than [`PATIENCE`].
const TIMED_OUT: i32 = -2;

/// How long one run may take (GNU ln's `-r` never ends on some links: see
/// [`INTENDED`]).
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);

/// The exit status and output of `child`, killed after [`PATIENCE`].
fn wait_patiently(mut child: std::process::Child) -> (i32, Vec<u8>, Vec<u8>) {
    use std::io::Read;
    fn drain(from: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut all = Vec::new();
            if let Some(mut r) = from {
                let _ = r.read_to_end(&mut all);
            }
            all
        })
    }
    let (out, err) = (drain(child.stdout.take()), drain(child.stderr.take()));
    let start = std::time::Instant::now();
    let mut pause = std::time::Duration::from_micros(100);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().unwrap_or(-1);
        }
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            break TIMED_OUT;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(std::time::Duration::from_millis(10));
    };
    (code, out.join().unwrap(), err.join().unwrap())
}

/// Make the two outcomes comparable: the program name, then exactly the
/// differences listed in [`INTENDED`] (and [`INTENDED_9_1`] for an old
/// oracle).
fn normalise(prog: Prog, gnu: &mut Outcome, pmv: &mut Outcome, before: &[String], old: bool) {
    let prog_name = |stderr: &str, name: &str| {
        stderr
            .replace(&format!("Try '{name} --help'"), "Try 'PROG --help'")
            .replace(&format!("{name}: "), "PROG: ")
    };
    gnu.stderr = prog_name(&gnu.stderr, prog.gnu());
    pmv.stderr = prog_name(&pmv.stderr, prog.ours());
    // A usage error GNU reports after its first rename or link: pmv
    // changed nothing.
    let usage_after_move = gnu.stderr.starts_with("PROG: cannot combine --backup with")
        || gnu.stderr.contains(" for 'backup type'\n")
        || gnu.stderr.contains(" for '$VERSION_CONTROL'\n");
    if usage_after_move && pmv.stderr == gnu.stderr && pmv.tree == before {
        gnu.tree = pmv.tree.clone();
    }
    // A backup GNU left behind after its rename failed.
    if gnu.code == 1 && pmv.code == 1 {
        if let Some(path) = one_backup_rename(&pmv.tree, &gnu.tree) {
            let named = format!("'{path}'");
            let (p, g): (Vec<&str>, Vec<&str>) =
                (pmv.stderr.lines().collect(), gnu.stderr.lines().collect());
            let alike = p.len() == g.len()
                && p.iter()
                    .zip(&g)
                    .all(|(p, g)| p == g || (p.contains(&named) && g.contains(&named)));
            if alike {
                gnu.tree = pmv.tree.clone();
                gnu.stderr = pmv.stderr.clone();
            }
        }
    }
    // Exchange with a missing side.
    if gnu.stderr.contains(": Unknown error -1\n") {
        pmv.stderr = pmv
            .stderr
            .lines()
            .map(|l| {
                if l.starts_with("PROG: cannot exchange ") {
                    l.replace(": No such file or directory", ": Unknown error -1")
                } else {
                    l.to_string()
                }
            })
            .map(|l| l + "\n")
            .collect();
    }
    if old {
        gnu.stderr = directory_not_empty_9_1(&gnu.stderr);
        pmv.stderr = pmv
            .stderr
            .lines()
            .map(|l| match l.find(" with non-directory '") {
                Some(i) if l.starts_with("PROG: cannot overwrite directory ") => {
                    format!("{} with non-directory\n", &l[..i])
                }
                _ => format!("{l}\n"),
            })
            .collect();
    }
}

/// The path `P` if `after` is `before` with `P` (and everything under it)
/// renamed to a backup name of it (`before` is pmv's tree, which has the
/// path back where it was): `P~`, `P.~N~`, or `P` plus a suffix
/// given with `-S`/`--suffix` (this test's suffixes start with `.`, `~` or
/// `s`; a directory's backup name may end in the suffix's `/`).
fn one_backup_rename(before: &[String], after: &[String]) -> Option<String> {
    let path = |l: &str| {
        l.split(' ')
            .next()
            .unwrap_or("")
            .trim_end_matches('/')
            .to_string()
    };
    let gone: Vec<String> = before
        .iter()
        .filter(|l| !after.contains(l))
        .map(|l| path(l))
        .collect();
    let new: Vec<String> = after
        .iter()
        .filter(|l| !before.contains(l))
        .map(|l| path(l))
        .collect();
    for p in &gone {
        for n in &new {
            let Some(sfx) = n.strip_prefix(p.as_str()) else {
                continue;
            };
            if sfx.is_empty()
                || !(sfx.starts_with('~') || sfx.starts_with('.') || sfx.starts_with('s'))
                || sfx.contains('/')
            {
                continue;
            }
            let rename = |l: &String| {
                let lp = path(l);
                if lp == *p || lp.starts_with(&format!("{p}/")) {
                    l.replacen(p.as_str(), n.as_str(), 1)
                } else {
                    l.clone()
                }
            };
            let mut renamed: Vec<String> = before.iter().map(rename).collect();
            renamed.sort();
            let mut want = after.to_vec();
            want.sort();
            if renamed == want {
                return Some(p.clone());
            }
        }
    }
    None
}

/// 9.1's `cannot move 'a' to 'b': Directory not empty` is 9.5's
/// `cannot overwrite 'b': Directory not empty` (also for EEXIST, EISDIR...).
fn directory_not_empty_9_1(stderr: &str) -> String {
    const REASONS: &[&str] = &[
        "Directory not empty",
        "File exists",
        "Is a directory",
        "Too many links",
        "No space left on device",
        "Text file busy",
        "Disk quota exceeded",
    ];
    stderr
        .lines()
        .map(|l| {
            let rest = l.strip_prefix("PROG: cannot move ");
            match rest.and_then(|r| REASONS.iter().find(|why| r.ends_with(&format!(": {why}")))) {
                Some(why) => {
                    let r = rest.unwrap();
                    let names = &r[..r.len() - why.len() - 2];
                    // "'src' to 'dst'": the destination is after the last " to '".
                    match names.rfind(" to '") {
                        Some(i) => format!("PROG: cannot overwrite {}: {why}\n", &names[i + 4..]),
                        None => format!("{l}\n"),
                    }
                }
                None => format!("{l}\n"),
            }
        })
        .collect()
}

/// Both outcomes of one case, normalised.
fn outcomes(case: &Case, oracle: &Oracle) -> Option<(Outcome, Outcome)> {
    let (g, p) = (Scratch::new(), Scratch::new());
    build(g.dir.path(), &case.tree);
    build(p.dir.path(), &case.tree);
    if case.prog == Prog::Mv && unfilled_stat_in_gnu(case, g.dir.path()) {
        return None;
    }
    let before = g.tree();
    let prog = case.prog;
    let mut gnu = run(&oracle.path, prog.gnu(), case, None, &g);
    if gnu.code == TIMED_OUT && prog == Prog::Ln && relative(case) {
        return None;
    }
    let mut pmv = run(&util::bin(prog.ours()), prog.ours(), case, None, &p);
    normalise(prog, &mut gnu, &mut pmv, &before, oracle.old());
    Some((gnu, pmv))
}

/// Whether an ln case asks for `-r` (as far as the generated options go).
fn relative(case: &Case) -> bool {
    case.args.iter().any(|a| {
        a.starts_with("--rel") || (a.starts_with('-') && !a.starts_with("--") && a.contains('r'))
    })
}

/// Whether GNU would judge DEST from a stat buffer it never filled (see
/// [`INTENDED`]): two operands, the last one ending in `/` and naming a
/// symlink that leads nowhere.
fn unfilled_stat_in_gnu(case: &Case, dir: &Path) -> bool {
    let mut operands = Vec::new();
    let mut to_dir = false;
    let mut args = case.args.iter();
    while let Some(a) = args.next() {
        if case.posix && !operands.is_empty() {
            operands.push(a.as_str());
        } else if a == "-t" {
            to_dir = true;
            args.next();
        } else if a.starts_with("--target-directory") {
            to_dir = true;
        } else if !a.starts_with('-') || a == "-" {
            operands.push(a.as_str());
        }
    }
    match operands.as_slice() {
        [_, dst] if !to_dir && dst.ends_with('/') => {
            let p = dir.join(dst.trim_end_matches('/'));
            std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink())
                && std::fs::metadata(&p).is_err()
        }
        _ => false,
    }
}

fn check(case: &Case, oracle: &Oracle) -> Result<(), TestCaseError> {
    let Some((gnu, pmv)) = outcomes(case, oracle) else {
        return Ok(());
    };
    prop_assert_eq!(
        &pmv,
        &gnu,
        "{} (left) and GNU {} (right) differ for {:?}",
        case.prog.ours(),
        case.prog.gnu(),
        case
    );
    Ok(())
}

/// The shape of a difference, for grouping: messages with names blanked.
fn signature(gnu: &Outcome, pmv: &Outcome) -> String {
    let blank = |s: &str| {
        let mut out = String::new();
        let mut quoted = false;
        for c in s.chars() {
            if c == '\'' {
                quoted = !quoted;
                if quoted {
                    out.push_str("'X'");
                }
            } else if !quoted {
                out.push(c);
            }
        }
        out
    };
    // The first line where the messages part.
    let (p, g) = pmv
        .stderr
        .lines()
        .map(Some)
        .chain(std::iter::repeat(None))
        .zip(gnu.stderr.lines().map(Some).chain(std::iter::repeat(None)))
        .take_while(|pair| *pair != (None, None))
        .find(|(p, g)| p != g)
        .unwrap_or_default();
    format!(
        "code {} vs {}; stdout {}; tree {}; pmv: {:?}; gnu: {:?}",
        pmv.code,
        gnu.code,
        if pmv.stdout == gnu.stdout {
            "same"
        } else {
            "differs"
        },
        if pmv.tree == gnu.tree {
            "same"
        } else {
            "differs"
        },
        blank(p.unwrap_or_default()),
        blank(g.unwrap_or_default())
    )
}

/// `PMV_DIFF_EXPLORE=1`: run every case without stopping or shrinking and
/// print the smallest case of each kind of difference, for triage.
fn explore(
    strategy: impl Strategy<Value = Case>,
    runner: &mut TestRunner,
    oracle: &Oracle,
    cases: u32,
) {
    use proptest::strategy::ValueTree;
    let mut kinds: BTreeMap<String, (usize, Case, Outcome, Outcome)> = BTreeMap::new();
    let (mut differing, mut compared) = (0, 0);
    for _ in 0..cases {
        let case = strategy.new_tree(runner).unwrap().current();
        let Some((gnu, pmv)) = outcomes(&case, oracle) else {
            continue;
        };
        compared += 1;
        if gnu == pmv {
            continue;
        }
        differing += 1;
        let size = case.args.len() * 4 + format!("{case:?}").len();
        let entry = kinds
            .entry(signature(&gnu, &pmv))
            .or_insert_with(|| (size, case.clone(), gnu.clone(), pmv.clone()));
        if size < entry.0 {
            *entry = (size, case, gnu, pmv);
        }
    }
    for (sig, (_, case, gnu, pmv)) in &kinds {
        eprintln!("==== {sig}\n{case:?}ours: {pmv:?}\ngnu: {gnu:?}\n");
    }
    eprintln!("explored {cases} cases, {compared} compared, {differing} differ");
    assert!(
        kinds.is_empty(),
        "{differing} of {cases} cases differ, in {} kinds",
        kinds.len()
    );
}

/// Whether this build and file system can exchange atomically; if not,
/// `--exchange` is left out (tests/exchange.rs checks the refusal).
fn exchange_supported() -> bool {
    matches!(pmv::BACKEND, "linux" | "apple") && !util::fs_no_exchange()
}

/// Run `cases` random cases of `prog` (or explore them).
fn differential(prog: Prog, oracle: &Oracle, cases: u32) {
    let old = oracle.old();
    eprintln!(
        "oracle: {} (GNU coreutils {}.{}), {cases} cases{}",
        oracle.path.display(),
        oracle.version.0,
        oracle.version.1,
        if old {
            "; with the 9.1 differences"
        } else {
            ""
        }
    );
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        max_shrink_iters: 2000,
        ..Config::default()
    };
    // CI runs the same cases every time, so that its verdict is
    // reproducible; PMV_DIFF_SEED picks other ones, and exploration
    // (PMV_DIFF_EXPLORE) draws fresh ones unless a seed is given.
    let seed: Option<u64> = std::env::var("PMV_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok());
    let explore_only = std::env::var_os("PMV_DIFF_EXPLORE").is_some();
    let mut runner = match (explore_only, seed) {
        (true, None) => TestRunner::new(config),
        (_, seed) => {
            let mut bytes = [0u8; 32];
            bytes[..8].copy_from_slice(&seed.unwrap_or(20261122).to_le_bytes());
            let rng = proptest::test_runner::TestRng::from_seed(
                proptest::test_runner::RngAlgorithm::ChaCha,
                &bytes,
            );
            TestRunner::new_with_rng(config, rng)
        }
    };
    let strategy = case(prog, old, exchange_supported());
    if explore_only {
        return explore(strategy, &mut runner, oracle, cases);
    }
    let start = std::time::Instant::now();
    let result = runner.run(&strategy, |c| check(&c, oracle));
    eprintln!("ran for {:.1?}", start.elapsed());
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn cases(var: &str, default: u32) -> u32 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn pmv_matches_gnu_mv() {
    if let Some(oracle) = oracle_or_skip(Prog::Mv) {
        differential(Prog::Mv, oracle, cases("PMV_DIFF_CASES", 2000));
    }
}

#[test]
fn pln_matches_gnu_ln() {
    let Some(oracle) = oracle_or_skip(Prog::Ln) else {
        return;
    };
    if oracle.old() {
        // Not compared with a fallback oracle older than the behaviour pln
        // follows (see INTENDED_9_1).
        eprintln!(
            "skipping: GNU ln {}.{} is older than 9.5",
            oracle.version.0, oracle.version.1
        );
        return;
    }
    differential(Prog::Ln, oracle, cases("PMV_DIFF_LN_CASES", 1000));
}

/// The comparison itself can fail: a pmv run against a program that
/// behaves differently is caught.
#[test]
fn a_difference_is_caught() {
    let Some(oracle) = oracle_or_skip(Prog::Mv) else {
        return;
    };
    let case = Case {
        prog: Prog::Mv,
        tree: Tree::from([("a", Node::File("1", 1_000_000_000))]),
        args: vec!["a".into(), "b".into()],
        posix: false,
    };
    check(&case, oracle).unwrap();
    // `true` succeeds without moving anything: the trees differ.
    let fake = Oracle {
        path: PathBuf::from("true"),
        version: oracle.version,
    };
    let err = check(&case, &fake).unwrap_err();
    assert!(err.to_string().contains("differ"), "{err}");
}

// ---- fixed cases ----------------------------------------------------------------

/// One fixed case: a shell command that makes the tree, the program and
/// its arguments, what is typed on standard input, and whether
/// `POSIXLY_CORRECT` is set.
struct Row {
    setup: &'static str,
    prog: Prog,
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    posix: bool,
}

const fn row(setup: &'static str, prog: Prog, args: &'static [&'static str]) -> Row {
    Row {
        setup,
        prog,
        args,
        stdin: None,
        posix: false,
    }
}

/// Cases where pmv or pln once differed from GNU 9.7, each the smallest of
/// its kind: symlinked directories in operands and as `-t`, backups with
/// odd suffixes, `-r` with dangling targets, GNU's order of checks.
const ROWS: &[Row] = &[
    // Backup numbers near and past u64's limit, with leading zeros, and
    // in string order unlike number order: GNU adds one to the string.
    row(
        "echo a >a; echo b >b; echo 0 >b.~0~; echo m >b.~18446744073709551615~",
        Prog::Mv,
        &["--backup=numbered", "a", "b"],
    ),
    row(
        "echo a >a; echo b >b; echo m >b.~18446744073709551615~",
        Prog::Mv,
        &["--backup=existing", "a", "b"],
    ),
    row(
        "echo a >a; echo b >b; echo m >b.~99999999999999999999999~",
        Prog::Mv,
        &["--backup=numbered", "a", "b"],
    ),
    row(
        "echo a >a; echo b >b; echo 9 >b.~9~; echo 10 >b.~10~",
        Prog::Mv,
        &["--backup=numbered", "a", "b"],
    ),
    row(
        "echo a >a; echo b >b; echo 7 >b.~007~",
        Prog::Mv,
        &["--backup=numbered", "a", "b"],
    ),
    row(
        "echo a >a; echo b >b; echo 7 >b.~007~; echo 8 >b.~08~",
        Prog::Mv,
        &["--backup=existing", "a", "b"],
    ),
    row(
        "ln -s x b; ln -s 0 b.~0~; ln -s m b.~18446744073709551615~",
        Prog::Ln,
        &["-s", "-f", "--backup=numbered", "tgt", "b"],
    ),
    row(
        "ln -s x b; ln -s 7 b.~007~; ln -s 9 b.~9~; ln -s 10 b.~10~",
        Prog::Ln,
        &["-s", "-f", "--backup=existing", "tgt", "b"],
    ),
    row(
        "mkdir e; echo x >e/c; ln -s e b",
        Prog::Mv,
        &["-b", "e/c", "b"],
    ),
    row(
        "mkdir e; echo x >e/c; ln -s e b",
        Prog::Mv,
        &["--backup=numbered", "e/c", "b"],
    ),
    row("echo 1 >x; echo 2 >y", Prog::Mv, &["-S", "s/", "x", "y"]),
    row(
        "mkdir b; ln -s b a; echo c >c",
        Prog::Mv,
        &["-t", "a", "a", "c"],
    ),
    row(
        "mkdir b; ln -s b a; echo c >c",
        Prog::Mv,
        &["-v", "a", "c", "a"],
    ),
    row(
        "mkdir c; ln -s c d; ln -s d b; touch -h -d @1000000000 c d",
        Prog::Mv,
        &["-T", "-u", "d", "b/."],
    ),
    row("echo F >f; ln f l; ln -s f s", Prog::Mv, &["s", "l"]),
    row(
        "mkdir e; ln -s e c",
        Prog::Mv,
        &["--backup=simple", "e/.", "c"],
    ),
    row("mkdir a a~", Prog::Mv, &["-b", "-T", "a~", "a"]),
    row(
        "echo 1 >a; echo 2 >a~; echo 3 >a.~1~",
        Prog::Mv,
        &["--backup=existing", "a~", "a"],
    ),
    row(
        "echo >d; echo A >a",
        Prog::Mv,
        &["--no-clobber", "d/", "a/"],
    ),
    row(
        "echo >d; echo A >a",
        Prog::Mv,
        &["--update=none-fail", "d/", "a/"],
    ),
    row("echo >d", Prog::Mv, &["-n", "d", "d/new/."]),
    Row {
        posix: true,
        ..row("touch a", Prog::Mv, &["a", "b", "-v"])
    },
    row("ln -s missing a", Prog::Ln, &["-sr", "a", "zz"]),
    row("ln -s missing d", Prog::Ln, &["-srf", "d"]),
    row("ln -s b d", Prog::Ln, &["-srf", "d/"]),
    row("echo F >f", Prog::Ln, &["-s", "-b", "f", "."]),
    Row {
        stdin: Some("y\n"),
        ..row("echo F >a", Prog::Ln, &["-i", "a"])
    },
    Row {
        stdin: Some("y\n"),
        ..row(
            "mkdir e t; echo F >f",
            Prog::Ln,
            &["-f", "--target-directory=t", "f", "e", "--interactive", "f"],
        )
    },
    row("mkdir a; ln -s a e", Prog::Ln, &["-sn", "-t", "e", "x"]),
    row("echo x >a", Prog::Ln, &["-b", "-f", "-d", ".", "./a"]),
    row("echo x >a; ln a b", Prog::Ln, &["-f", "a", "b"]),
    row("echo >f", Prog::Ln, &["-r", "-t", "f/.", "x"]),
    row("", Prog::Ln, &["--relative", "-f"]),
    row("echo >c", Prog::Ln, &["-f", "-r", "c", "--backup=bad"]),
    row("echo >a", Prog::Ln, &["-s", "X", "a/."]),
    row("ln -s nowhere e", Prog::Ln, &["-s", "-f", "X", "e/"]),
    row("ln -s a a", Prog::Ln, &["-P", "-n", ".", ".", "a"]),
    row("echo >e", Prog::Ln, &["--rel", "-srf", "-n", "./e"]),
];

/// Exchange of a directory with what it holds, where exchange works.
const EXCHANGE_ROWS: &[Row] = &[row(
    "mkdir a; echo 1 >a/a",
    Prog::Mv,
    &["--exchange", "a", "a/a"],
)];

/// Both outcomes of a fixed case, normalised.
fn row_outcomes(r: &Row, oracle: &Oracle) -> (Outcome, Outcome) {
    let case = Case {
        prog: r.prog,
        tree: Tree::new(),
        args: r.args.iter().map(|a| a.to_string()).collect(),
        posix: r.posix,
    };
    let (g, p) = (Scratch::new(), Scratch::new());
    for s in [&g, &p] {
        let made = Command::new("sh")
            .args(["-c", r.setup])
            .current_dir(s.dir.path())
            .status()
            .unwrap();
        assert!(made.success(), "setting up {}", r.setup);
    }
    let before = g.tree();
    let prog = r.prog;
    let mut gnu = run(&oracle.path, prog.gnu(), &case, r.stdin, &g);
    let mut ours = run(&util::bin(prog.ours()), prog.ours(), &case, r.stdin, &p);
    normalise(prog, &mut gnu, &mut ours, &before, oracle.old());
    (gnu, ours)
}

#[test]
fn fixed_cases_match_gnu() {
    let (Some(mv), Some(ln)) = (oracle_or_skip(Prog::Mv), oracle_or_skip(Prog::Ln)) else {
        return;
    };
    if mv.old() || ln.old() {
        eprintln!("skipping: these cases follow GNU 9.5 and later");
        return;
    }
    let rows = ROWS
        .iter()
        .chain(EXCHANGE_ROWS.iter().filter(|_| exchange_supported()));
    let differ: Vec<String> = rows
        .filter_map(|r| {
            let oracle = if r.prog == Prog::Mv { mv } else { ln };
            let (gnu, ours) = row_outcomes(r, oracle);
            (gnu != ours).then(|| {
                let env = if r.posix { "POSIXLY_CORRECT=1 " } else { "" };
                format!(
                    "{}; {env}{} {}\n  ours: {ours:?}\n  gnu:  {gnu:?}",
                    r.setup,
                    r.prog.gnu(),
                    r.args.join(" ")
                )
            })
        })
        .collect();
    assert!(differ.is_empty(), "differ from GNU:\n{}", differ.join("\n"));
}

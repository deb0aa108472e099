//! Every recipe in README.md, run as a reader would run it, so that none
//! can be wrong.
//!
//! A fenced block whose info string is `sh` or `make` is a recipe, and so
//! is a `console` block (a transcript: `$ ` lines and their output); `text`
//! and `dockerfile` blocks are not run, and a block of any other kind, or
//! of none, fails the test until it is classified here. Each recipe is run
//! by `sh` (a Makefile by `make`) in a scratch directory, with the built
//! `pmv` and `pln` first on `PATH`, after a few setup commands, and its
//! check, found in [`RECIPES`] by the recipe's first line, looks at exit
//! status, output and the resulting tree. A recipe without an entry fails
//! the test, and so does an entry without a recipe.
//!
//! Commands that build, test or install the project itself (`cargo`,
//! `rustup`, `bash ci/...`, `install` into system directories) take minutes
//! or need root: there, shell functions of the same names stand in and
//! record their arguments; the check compares that record with the
//! commands reviewed here and checks that the CI script that runs them for
//! real does so.

mod util;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};

use util::{lines, Scratch};

/// Info strings of blocks that are not recipes. The Rust block is
/// compiled as a doc test of the library (`src/lib.rs` includes this
/// README for `cargo test --doc`).
const NOT_RUN: &[&str] = &["text", "dockerfile", "toml", "rust,no_run"];

/// A recipe's check: runs it (once or more) and looks at the result.
type Check = fn(&Recipe);

/// The check of each recipe, by the recipe's first line.
const RECIPES: &[(&str, Check)] = &[
    (
        "cargo install --locked --path . && pmv --version && pmv --help | head -3   # install pmv and pln, run pmv",
        install_and_test,
    ),
    (
        "ln -s \"releases/$version\" current.new",
        flip_release_symlink,
    ),
    ("install: build/app", makefile_install),
    (
        "pmv -T --update=none-fail upload.tmp \"inbox/$id\" && echo claimed",
        claim_a_name,
    ),
    (
        "pmv --exchange -T site.new site && rm -rf site.new   # site.new now holds the old tree",
        swap_a_directory,
    ),
    (
        "$ pmv --debug releases/42.tmp releases/42",
        debug_and_atomic,
    ),
    ("pln -sfn \"releases/$version\" current", pln_flip),
    (
        "$ pmv --sync --debug -T current.new current",
        sync_and_debug,
    ),
    ("rustup target add x86_64-unknown-linux-musl", static_build),
    ("cargo install --locked atomic-mv", install_from_crates_io),
    ("cargo install --locked --path .", install_from_a_clone),
    ("PREFIX=/usr/local", man_and_completions),
];

/// One fenced block of README.md.
struct Block {
    lang: String,
    text: String,
    /// Its opening fence's line number, for messages.
    line: usize,
}

fn blocks(readme: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in readme.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(Block {
                    lang: info.split_whitespace().next().unwrap_or("").to_string(),
                    text: String::new(),
                    line: i + 1,
                })
            }
            (Some(_), Some("")) => out.extend(open.take()),
            (Some(b), _) => {
                b.text.push_str(line);
                b.text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "README.md: a fenced block is not closed");
    out
}

/// The result of running a recipe.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    #[track_caller]
    fn ok(&self) -> &Self {
        assert_eq!((self.code, self.stderr.as_str()), (0, ""), "{self:?}");
        self
    }
}

/// One recipe and the scratch directory it runs in.
struct Recipe<'a> {
    block: &'a Block,
    s: Scratch,
}

/// Shell functions that stand in for commands that build or install the
/// project: each records its command line in `.calls`.
const STAND_INS: &str = r#"
for c in cargo rustup bash install ls; do
    eval "$c() { printf '%s\n' \"$c \$*\" >>\"\$PWD/.calls\"; }"
done
"#;

impl Recipe<'_> {
    /// Run `setup`, then the recipe, in one `sh`.
    fn sh(&self, setup: &str) -> Out {
        self.sh_script(&format!("{setup}\n{}", self.block.text))
    }

    /// The recipe with each `COMMAND  # or: OTHER` line replaced by
    /// `OTHER`, after `setup`.
    fn sh_alternative(&self, setup: &str) -> Out {
        let text: String = self
            .block
            .text
            .lines()
            .map(|l| match l.split_once("# or: ") {
                Some((_, other)) => format!("{other}\n"),
                None => format!("{l}\n"),
            })
            .collect();
        assert_ne!(text, self.block.text, "the recipe names no alternative");
        self.sh_script(&format!("{setup}\n{text}"))
    }

    fn sh_script(&self, script: &str) -> Out {
        let bin_dir = util::bin("pmv").parent().unwrap().to_path_buf();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![bin_dir];
        dirs.extend(std::env::split_paths(&path));
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(self.s.dir.path())
            .env("PATH", std::env::join_paths(dirs).unwrap())
            .env("LC_ALL", "C")
            .env_remove("VERSION_CONTROL")
            .env_remove("SIMPLE_BACKUP_SUFFIX")
            .env_remove("POSIXLY_CORRECT")
            .stdin(Stdio::null())
            .output()
            .expect("running sh");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The command lines the stand-ins recorded, and forget them.
    fn calls(&self) -> Vec<String> {
        let path = self.s.path(".calls");
        let text = fs::read_to_string(&path).unwrap_or_default();
        let _ = fs::remove_file(path);
        text.lines().map(str::to_string).collect()
    }

    /// The transcript of a `console` block: each `$ ` command with the
    /// output shown after it.
    fn transcript(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for line in self.block.text.lines() {
            match line.strip_prefix("$ ") {
                Some(cmd) => out.push((cmd.to_string(), String::new())),
                None => {
                    let (_, shown) = out.last_mut().expect("a transcript starts with `$ `");
                    shown.push_str(line);
                    shown.push('\n');
                }
            }
        }
        out
    }
}

#[test]
fn every_recipe_in_the_readme_runs_and_does_what_it_says() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let mut used = vec![false; RECIPES.len()];
    let mut ran = 0;
    for block in blocks(&readme) {
        match block.lang.as_str() {
            "sh" | "make" | "console" => {}
            lang if NOT_RUN.contains(&lang) => continue,
            lang => panic!(
                "README.md:{}: a ```{lang} block: mark it ```sh, ```console or ```make (a recipe, \
                 checked here) or ```text (not run)",
                block.line
            ),
        }
        let first = block.text.lines().next().unwrap_or("");
        let Some(i) = RECIPES.iter().position(|(key, _)| *key == first) else {
            panic!(
                "README.md:{}: no check for the recipe starting {first:?}: add one to RECIPES \
                 in tests/readme.rs",
                block.line
            );
        };
        assert!(
            !used[i],
            "README.md:{}: two recipes start {first:?}",
            block.line
        );
        used[i] = true;
        eprintln!("README.md:{}: {first}", block.line);
        RECIPES[i].1(&Recipe {
            block: &block,
            s: Scratch::new(),
        });
        ran += 1;
    }
    let stale: Vec<&str> = RECIPES
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|((key, _), _)| *key)
        .collect();
    assert!(
        stale.is_empty(),
        "checks for recipes no longer in README.md: {stale:?}"
    );
    assert_eq!(ran, RECIPES.len());
}

#[test]
fn a_recipe_without_a_check_or_an_unknown_block_is_caught() {
    let text = "text\n```sh\necho new\n```\n```zsh\nx\n```\n```text\nnot run\n```\n";
    let found = blocks(text);
    let langs: Vec<&str> = found.iter().map(|b| b.lang.as_str()).collect();
    assert_eq!(langs, ["sh", "zsh", "text"]);
    assert_eq!(found[0].text, "echo new\n");
    assert_eq!(found[0].line, 2);
    assert!(!RECIPES.iter().any(|(k, _)| *k == "echo new"));
}

/// `/.ci/run` and the `ci/` scripts, to check that they run a command.
fn ci_file(name: &str) -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[track_caller]
fn runs_line(file: &str, line: &str) {
    assert!(
        ci_file(file).lines().any(|l| l.trim() == line),
        "{file} does not run `{line}`"
    );
}

fn install_and_test(r: &Recipe) {
    let out = r.sh(STAND_INS);
    out.ok();
    assert_eq!(
        r.calls(),
        [
            "cargo install --locked --path .",
            "bash ci/deps.sh",
            "cargo test --locked"
        ]
    );
    // pmv itself ran: its version, then the first three lines of --help.
    let want_head = "Usage: pmv [OPTION]... [-T|-h] SOURCE DEST\n  or:  pmv [OPTION]... SOURCE... DIRECTORY\n  or:  pmv [OPTION]... -t DIRECTORY SOURCE...\n";
    let version = format!(
        "pmv {}\nbackend: {}\n",
        env!("CARGO_PKG_VERSION"),
        pmv::BACKEND
    );
    assert!(out.stdout.starts_with(&version), "{out:?}");
    assert!(out.stdout.ends_with(want_head), "{out:?}");
    // The test command is the one CI runs on a fresh machine.
    runs_line(".ci/run", "bash ci/deps.sh");
    runs_line(".ci/run", "cargo test --locked");
}

const RELEASES: &str = "version=42; mkdir -p releases/41 releases/42; ln -s releases/41 current";

/// The tree [`RELEASES`] made, with `current` pointing at `version`.
#[track_caller]
fn assert_releases(r: &Recipe, version: &str) {
    let current = format!("current l:releases/{version}");
    assert_eq!(
        r.s.tree(),
        lines(&[&current, "releases/", "releases/41/", "releases/42/"])
    );
}

fn flip_release_symlink(r: &Recipe) {
    r.sh(RELEASES).ok();
    assert_releases(r, "42");
    // The `# or:` form (FreeBSD's -h), flipping back.
    r.sh_alternative("version=41").ok();
    assert_releases(r, "41");
}

fn makefile_install(r: &Recipe) {
    if !have("make") {
        return;
    }
    fs::write(r.s.path("Makefile"), &r.block.text).unwrap();
    r.s.file("build/app", "v2")
        .file("root/usr/local/bin/app", "v1");
    let old = fs::metadata(r.s.path("root/usr/local/bin/app"))
        .unwrap()
        .ino();
    let out = r.sh_script("make -s DESTDIR=\"$PWD/root\" install");
    out.ok();
    let makefile = format!("Makefile f:{}", r.block.text);
    assert_eq!(
        r.s.tree(),
        lines(&[
            &makefile,
            "build/",
            "build/app f:v2",
            "root/",
            "root/usr/",
            "root/usr/local/",
            "root/usr/local/bin/",
            "root/usr/local/bin/app f:v2",
        ])
    );
    // Replaced by a rename, not written over in place.
    let new = fs::metadata(r.s.path("root/usr/local/bin/app"))
        .unwrap()
        .ino();
    assert_ne!(old, new);
}

/// Whether a tool is installed; under CI (`CI=true`) its absence fails.
fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found || std::env::var("CI").is_err(),
        "{tool} is not installed (ci/deps.sh installs it): the README's recipe must run in CI"
    );
    if !found {
        eprintln!("skipping: no {tool}");
    }
    found
}

fn claim_a_name(r: &Recipe) {
    let out = r.sh("id=7; mkdir inbox; echo one > upload.tmp");
    out.ok();
    assert_eq!(out.stdout, "claimed\n");
    assert_eq!(r.s.tree(), lines(&["inbox/", "inbox/7 f:one\n"]));

    // The name is taken: an error, and nothing changes.
    let out = r.sh("id=7; echo two > upload.tmp");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (1, "", "pmv: not replacing 'inbox/7'\n")
    );
    assert_eq!(
        r.s.tree(),
        lines(&["inbox/", "inbox/7 f:one\n", "upload.tmp f:two\n"])
    );

    // A directory of that name is not moved into.
    let out = r.sh("id=8; mkdir inbox/8");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (1, "", "pmv: not replacing 'inbox/8'\n")
    );
    assert_eq!(
        r.s.tree(),
        lines(&[
            "inbox/",
            "inbox/7 f:one\n",
            "inbox/8/",
            "upload.tmp f:two\n"
        ])
    );
}

fn swap_a_directory(r: &Recipe) {
    let out = r.sh("mkdir site site.new; echo old > site/index; echo new > site.new/index");
    match util::exchange_unsupported_here() {
        None => {
            out.ok();
            assert_eq!(r.s.tree(), lines(&["site/", "site/index f:new\n"]));
        }
        Some(why) => {
            assert_eq!(
                (out.code, out.stderr),
                (
                    1,
                    format!(
                        "pmv: cannot exchange 'site.new' and 'site': atomic exchange is not \
                         supported {why}\n"
                    )
                )
            );
            assert_eq!(
                r.s.tree(),
                lines(&[
                    "site/",
                    "site/index f:old\n",
                    "site.new/",
                    "site.new/index f:new\n"
                ])
            );
        }
    }
}

fn debug_and_atomic(r: &Recipe) {
    r.s.dir("releases/42.tmp").dir("build.tmp");
    let steps = r.transcript();
    let cmds: Vec<&str> = steps.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        cmds,
        [
            "pmv --debug releases/42.tmp releases/42",
            "pmv --atomic -n -T build.tmp build"
        ]
    );
    let outs: Vec<Out> = steps
        .iter()
        .map(|(cmd, _)| r.sh_script(&format!("{cmd} 2>&1")))
        .collect();
    // The transcript is from Linux; elsewhere the mechanism differs, and
    // without a no-replace rename the second command is refused.
    if pmv::BACKEND == "linux" && !util::fs_no_rename_flags() {
        for ((cmd, shown), out) in steps.iter().zip(&outs) {
            assert_eq!((out.code, &out.stdout), (0, shown), "{cmd}");
        }
        assert_eq!(r.s.tree(), lines(&["build/", "releases/", "releases/42/"]));
        return;
    }
    let (shown, first) = (&steps[0].1, &outs[0]);
    let renamed = shown.lines().nth(1).unwrap();
    assert_eq!(first.code, 0, "{first:?}");
    let mut got = first.stdout.lines();
    let debug = got.next().unwrap_or("");
    assert_eq!(got.next(), Some(renamed));
    assert!(
        debug.starts_with("pmv: 'releases/42.tmp' -> 'releases/42': ")
            && debug.ends_with(": atomic"),
        "{first:?}"
    );
    let second = &outs[1];
    if second.code == 0 {
        assert_eq!(r.s.tree(), lines(&["build/", "releases/", "releases/42/"]));
    } else {
        assert_eq!(
            (second.code, second.stdout.as_str()),
            (
                1,
                "pmv: cannot move 'build.tmp' to 'build': no atomic no-replace rename for a \
                 directory on this system (--atomic)\n"
            )
        );
        assert_eq!(
            r.s.tree(),
            lines(&["build.tmp/", "releases/", "releases/42/"])
        );
    }
}

fn sync_and_debug(r: &Recipe) {
    let steps = r.transcript();
    assert_eq!(steps.len(), 1);
    let (cmd, shown) = &steps[0];
    // Where the file system refuses every rename flag (FUSE), the
    // no-replace first try falls back to a hard link, which finds DEST
    // just the same: the transcript holds everywhere.
    let want = shown.clone();
    let out = r.sh_script(&format!(
        "{RELEASES}; ln -s releases/42 current.new; {cmd} 2>&1"
    ));
    assert_eq!((out.code, out.stdout), (0, want));
    assert_releases(r, "42");
}

fn pln_flip(r: &Recipe) {
    r.sh(RELEASES).ok();
    assert_releases(r, "42");
}

fn static_build(r: &Recipe) {
    r.sh(STAND_INS).ok();
    assert_eq!(
        r.calls(),
        [
            "rustup target add x86_64-unknown-linux-musl",
            "cargo build --release --locked --target x86_64-unknown-linux-musl",
            "ls -l target/x86_64-unknown-linux-musl/release/pmv target/x86_64-unknown-linux-musl/release/pln",
        ]
    );
    // ci/rootfs.sh builds the same binaries for real and runs them.
    let rootfs = ci_file("ci/rootfs.sh");
    assert!(
        rootfs.contains("PMV_ROOTFS_TARGETS:-x86_64-unknown-linux-musl"),
        "ci/rootfs.sh"
    );
    assert!(
        rootfs.contains("cargo build --release --locked --target \"$target\""),
        "ci/rootfs.sh"
    );
}

/// The package's name in Cargo.toml.
fn package_name() -> String {
    let manifest = ci_file("Cargo.toml");
    let package = manifest.split("[package]").nth(1).expect("[package]");
    let line = package
        .lines()
        .find(|l| l.starts_with("name = "))
        .expect("the package's name");
    line["name = ".len()..].trim_matches('"').to_string()
}

fn install_from_crates_io(r: &Recipe) {
    r.sh(STAND_INS).ok();
    assert_eq!(r.calls(), ["cargo install --locked atomic-mv"]);
    assert_eq!(package_name(), "atomic-mv");
}

fn install_from_a_clone(r: &Recipe) {
    r.sh(STAND_INS).ok();
    assert_eq!(r.calls(), ["cargo install --locked --path ."]);
}

/// Run for real, into a prefix the test owns (the README says any prefix
/// one owns works), from a copy of the repository's `share/`.
fn man_and_completions(r: &Recipe) {
    let share = Path::new(env!("CARGO_MANIFEST_DIR")).join("share");
    let prefix = r.s.path("prefix");
    let text = r.block.text.replacen(
        "PREFIX=/usr/local\n",
        &format!("PREFIX='{}'\n", prefix.display()),
        1,
    );
    assert_ne!(text, r.block.text, "the recipe no longer sets PREFIX first");
    let copy = format!("cp -R '{}' share", share.display());
    r.sh_script(&format!("{copy}\n{text}")).ok();
    let installed = tree_of(&prefix.join("share"));
    assert_eq!(installed, tree_of(&share));
    for file in [
        "man/man1/pmv.1",
        "man/man1/pln.1",
        "bash-completion/completions/pmv",
        "zsh/site-functions/_pmv",
        "fish/vendor_completions.d/pmv.fish",
    ] {
        assert!(
            installed.iter().any(|(p, _)| p == file),
            "{file} not installed: {installed:?}"
        );
    }
}

/// Every file under `dir`, by relative path, with its content.
fn tree_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

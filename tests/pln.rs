//! `pln` as a user runs it, and its promise: replacing a name with `-f` is
//! atomic, on every backend, and leaves no staging name behind.

mod util;

use std::path::Path;
use util::{lines, Scratch};

fn pln<I: IntoIterator<Item = &'static str>>(s: &Scratch, args: I) -> util::Run {
    s.run("pln", args)
}

fn leftovers(s: &Scratch) -> Vec<String> {
    s.tree()
        .into_iter()
        .filter(|n| n.contains(".pmv-"))
        .collect()
}

#[test]
fn gnu_ln_forms_and_messages() {
    let s = Scratch::new();
    s.file("a", "A")
        .file("b", "B")
        .dir("d")
        .dir("e")
        .symlink("d", "l");
    pln(&s, ["-s", "a", "b"]).fails("pln: failed to create symbolic link 'b': File exists\n");
    pln(&s, ["a", "b"]).fails("pln: failed to create hard link 'b': File exists\n");
    pln(&s, ["-sf", "a", "a"]).fails("pln: 'a' and 'a' are the same file\n");
    pln(&s, ["-f", "a", "a"]).fails("pln: 'a' and 'a' are the same file\n");
    pln(&s, ["d", "x"]).fails("pln: d: hard link not allowed for directory\n");
    pln(&s, ["-sfT", "a", "d"]).fails("pln: d: cannot overwrite directory\n");
    pln(&s, ["-t", "nope", "a"]).fails("pln: failed to access 'nope': No such file or directory\n");
    pln(&s, ["-t", "a", "b"]).fails("pln: target 'a' is not a directory\n");
    pln(&s, ["a", "b", "c"]).fails("pln: target 'c': No such file or directory\n");
    pln(&s, ["a", "b", "a"]).fails("pln: target 'a': Not a directory\n");
    pln(&s, ["-T", "a", "b", "c"])
        .fails("pln: extra operand 'c'\nTry 'pln --help' for more information.\n");
    pln(&s, ["nofile", "x"]).fails("pln: failed to access 'nofile': No such file or directory\n");
    pln(&s, ["-n"]).fails("pln: missing file operand\nTry 'pln --help' for more information.\n");
    pln(&s, ["-t", "d", "-t", "e", "a", "--bogus"])
        .fails("pln: multiple target directories specified\n");
    assert!(leftovers(&s).is_empty());
}

#[test]
fn creates_and_replaces() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B");
    pln(&s, ["-v", "-s", "a", "c"]).ok().stdout("'c' -> 'a'\n");
    // `--sy` abbreviates GNU's --symbolic, not pln's own --sync.
    pln(&s, ["--sy", "a", "c2"]).ok();
    assert_eq!(s.link_target("c2"), Path::new("a"));
    pln(&s, ["-v", "a", "h"]).ok().stdout("'h' => 'a'\n");
    assert_eq!(s.id("h"), s.id("a"));
    pln(&s, ["-sf", "b", "c"]).ok();
    assert_eq!(s.link_target("c"), Path::new("b"));
    pln(&s, ["-f", "b", "h"]).ok();
    assert_eq!(s.id("h"), s.id("b"));
    pln(&s, ["-vbf", "-s", "a", "c"])
        .ok()
        .stdout("'c~' ~ 'c' -> 'a'\n");
    assert_eq!(s.link_target("c~"), Path::new("b"));
    pln(&s, ["-s", "nofile", "dangling"]).ok();
    assert_eq!(s.link_target("dangling"), Path::new("nofile"));
    assert!(leftovers(&s).is_empty());
}

#[test]
fn one_operand_links_into_the_current_directory() {
    let s = Scratch::new();
    s.file("d/a", "A");
    pln(&s, ["-v", "-s", "/x/y"])
        .ok()
        .stdout("'./y' -> '/x/y'\n");
    pln(&s, ["d/a"]).ok();
    assert_eq!(s.id("a"), s.id("d/a"));
    pln(&s, ["d/a"]).fails("pln: failed to create hard link './a': File exists\n");
}

#[test]
fn no_dereference_and_bsd_h_replace_a_symlink_to_a_directory() {
    let s = Scratch::new();
    s.dir("r1").dir("r2").dir("r3").symlink("r1", "current");
    pln(&s, ["-sfn", "r2", "current"]).ok();
    assert_eq!(s.link_target("current"), Path::new("r2"));
    pln(&s, ["-sfh", "r3", "current"]).ok();
    assert_eq!(s.link_target("current"), Path::new("r3"));
    // Without -n the link's directory is the target directory.
    pln(&s, ["-sf", "r1", "current"]).ok();
    assert_eq!(s.link_target("current"), Path::new("r3"));
    assert_eq!(s.link_target("r3/r1"), Path::new("r1"));
    // A real directory is never replaced.
    pln(&s, ["-sfT", "r1", "r2"]).fails("pln: r2: cannot overwrite directory\n");
    assert!(leftovers(&s).is_empty());
}

#[test]
fn relative_links() {
    let s = Scratch::new();
    s.file("a", "A").dir("d");
    pln(&s, ["-sr", "a", "d/rel"]).ok();
    assert_eq!(s.link_target("d/rel"), Path::new("../a"));
    assert_eq!(s.read("d/rel"), "A");
    pln(&s, ["-srv", "d/x", "rel"])
        .ok()
        .stdout("'rel' -> 'd/x'\n");
    pln(&s, ["-r", "a", "b"]).fails(
        "pln: cannot do --relative without --symbolic
",
    );
    pln(&s, ["-s", "", "empty"]).fails(
        "pln: failed to create symbolic link 'empty' -> '': No such file or directory
",
    );
    pln(&s, ["-t", "d", "-T", "a"]).fails(
        "pln: cannot combine --target-directory and --no-target-directory
",
    );
}

#[test]
fn interactive_replace() {
    let s = Scratch::new();
    s.file("a", "A").symlink("a", "l").file("b", "B");
    let r = s.run_with("pln", ["-sif", "b", "l"], Some("n\n"), &[]);
    assert_eq!(r.code, 0, "-f after -i wins: {r:?}");
    assert_eq!(s.link_target("l"), Path::new("b"));
    let r = s.run_with("pln", ["-si", "a", "l"], Some("n\n"), &[]);
    assert_eq!((r.code, r.stderr.as_str()), (1, "pln: replace 'l'? "));
    assert_eq!(s.link_target("l"), Path::new("b"));
    let r = s.run_with("pln", ["-si", "a", "l"], Some("y\n"), &[]);
    assert_eq!((r.code, r.stderr.as_str()), (0, "pln: replace 'l'? "));
    assert_eq!(s.link_target("l"), Path::new("a"));
}

/// Eight `pln -sfn` processes racing on one name all succeed and leave a
/// valid link and no staging names.
#[test]
fn eight_racing_flippers() {
    let s = Scratch::new();
    for i in 0..8 {
        s.dir(&format!("r{i}"));
    }
    let root = s.dir.path().to_path_buf();
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let root = root.clone();
            std::thread::spawn(move || {
                for _ in 0..40 {
                    let out = std::process::Command::new(util::bin("pln"))
                        .args(["-sfn", &format!("r{i}"), "current"])
                        .current_dir(&root)
                        .output()
                        .unwrap();
                    assert!(out.status.success(), "{out:?}");
                    assert!(out.stderr.is_empty(), "{out:?}");
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let target = s.link_target("current");
    assert!(target.to_string_lossy().starts_with('r'), "{target:?}");
    assert!(leftovers(&s).is_empty(), "{:?}", leftovers(&s));
    assert_eq!(s.tree().len(), 9, "{:?}", s.tree());
}

#[test]
fn staging_name_never_survives_a_failure() {
    // The library call has no directory check of its own: the link is
    // staged, the rename over a non-empty directory fails, and the staged
    // name must be gone.
    let s = Scratch::new();
    s.dir("d/sub").file("d/sub/x", "X");
    let err = pmv::flip_symlink("t", s.path("d/sub")).unwrap_err();
    assert!(
        matches!(
            err.raw_os_error(),
            Some(libc::EISDIR | libc::ENOTEMPTY | libc::EEXIST)
        ),
        "{err}"
    );
    let err = pmv::link_replacing(s.path("d/sub/x"), s.path("d/sub")).unwrap_err();
    assert!(err.raw_os_error().is_some(), "{err}");
    assert_eq!(s.tree(), lines(&["d/", "d/sub/", "d/sub/x f:X"]));
    // Through pln: a real directory in the way is refused before staging.
    pln(&s, ["-sfT", "t", "d/sub"]).fails("pln: d/sub: cannot overwrite directory\n");
    assert_eq!(s.tree(), lines(&["d/", "d/sub/", "d/sub/x f:X"]));
}

// ---- corner cases where GNU ln 9.7 was followed -----------------------------

#[test]
fn relative_links_follow_dangling_and_replaced_symlinks() {
    // -r makes both names canonical the way gnulib does with missing
    // parts allowed: a dangling symlink leads to what it names.
    let s = Scratch::new();
    s.symlink("missing", "a")
        .symlink("missing", "d")
        .symlink("b", "e");
    pln(&s, ["-sr", "a", "zz"]).ok();
    assert_eq!(s.link_target("zz"), Path::new("missing"));
    // Replacing a dangling link by itself: it stays, and is not turned
    // into a loop.
    pln(&s, ["-srf", "d"]).ok();
    assert_eq!(s.link_target("d"), Path::new("missing"));
    pln(&s, ["-srf", "e/"]).ok();
    assert_eq!(s.link_target("e"), Path::new("b"));
    // A link into itself with more after it has no canonical name (GNU
    // never ends there): TARGET is kept as given.
    s.symlink("g/", "g");
    pln(&s, ["-sr", "g/x", "y"]).ok();
    assert_eq!(s.link_target("y"), Path::new("g/x"));
    assert!(leftovers(&s).is_empty());
}

#[test]
fn same_file_is_refused_only_where_gnu_refuses_it() {
    // A symlink over its own target with a backup: GNU makes the
    // self-loop, DEST's content kept as the backup.
    let s = Scratch::new();
    s.file("f", "F");
    pln(&s, ["-s", "-b", "f", "."]).ok();
    assert_eq!(s.link_target("f"), Path::new("f"));
    assert_eq!(s.read("f~"), "F");
    // -f between two hard links of one file loses nothing.
    let s = Scratch::new();
    s.file("a", "x");
    std::fs::hard_link(s.path("a"), s.path("b")).unwrap();
    pln(&s, ["-f", "a", "b"]).ok();
    assert_eq!(s.id("a"), s.id("b"));
    // -i without -f asks, even for the file itself.
    let r = s.run_with("pln", ["-i", "a"], Some("y\n"), &[]);
    assert_eq!((r.code, r.stderr.as_str()), (0, "pln: replace './a'? "));
    // With -i winning over -f, a link just made is not guarded.
    s.dir("e").dir("t");
    let r = s.run_with(
        "pln",
        ["-f", "--target-directory=t", "a", "e", "--interactive", "a"],
        Some("y\n"),
        &[],
    );
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            1,
            "pln: e: hard link not allowed for directory\npln: replace 't/a'? "
        )
    );
    pln(&s, ["-f", "-t", "t", "b", "e", "b"]).fails(
        "pln: e: hard link not allowed for directory\npln: will not overwrite just-created 't/b' with 'b'\n",
    );
    assert_eq!(s.id("t/a"), s.id("a"));
    assert!(leftovers(&s).is_empty());
}

#[test]
fn no_dereference_target_directory_must_not_be_a_symlink() {
    let s = Scratch::new();
    s.dir("a").symlink("a", "e").symlink("l", "l");
    pln(&s, ["-sn", "-t", "e", "x"]).fails("pln: target 'e': Not a directory\n");
    pln(&s, ["-P", "-n", ".", ".", "l"]).fails("pln: target 'l': Not a directory\n");
    assert_eq!(s.tree(), lines(&["a/", "e l:a", "l l:l"]));
}

#[test]
fn failed_link_leaves_no_backup() {
    // Hard links to a directory are refused by the kernel even with -d:
    // the backup made on the way is taken back.
    let s = Scratch::new();
    s.file("a", "x");
    pln(&s, ["-b", "-f", "-d", ".", "./a"])
        .fails("pln: failed to create hard link './a' => '.': Operation not permitted\n");
    assert_eq!(s.tree(), lines(&["a f:x"]));
}

#[test]
fn errors_come_in_gnu_order() {
    let s = Scratch::new();
    s.file("f", "")
        .file("c", "")
        .symlink("nowhere", "e")
        .file("g", "");
    // -t is checked when it is met, before anything else.
    pln(&s, ["-r", "-t", "f/.", "x"]).fails("pln: failed to access 'f/.': Not a directory\n");
    pln(&s, ["-t", "nope", "--bogus"])
        .fails("pln: failed to access 'nope': No such file or directory\n");
    // Then the operands, then -r, then the target, then the backup type.
    pln(&s, ["--relative", "-f"])
        .fails("pln: missing file operand\nTry 'pln --help' for more information.\n");
    pln(&s, ["-f", "-r", "c", "--backup=bad"])
        .fails("pln: cannot do --relative without --symbolic\n");
    pln(&s, ["-s", "-f", "--backup=bad", "c", "d", "x"])
        .fails("pln: target 'x': No such file or directory\n");
    // DEST vanished (a dangling symlink named with a slash): the first
    // failure stands.
    pln(&s, ["-s", "-f", "X", "e/"])
        .fails("pln: failed to create symbolic link 'e/': File exists\n");
    // The same-file message names the link's text, as -r made it.
    pln(&s, ["--rel", "-srf", "-n", "./g"]).fails("pln: 'g' and './g' are the same file\n");
    assert_eq!(s.tree(), lines(&["c f:", "e l:nowhere", "f f:", "g f:"]));
}

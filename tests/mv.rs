//! `pmv` as a user runs it: exit status, exact stderr and stdout, and the
//! resulting tree, for every form and rule in DESIGN.md. The same file runs
//! under every backend the host can build (`--cfg pmv_backend="posix"`).

mod util;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use util::{lines, Scratch};

const TRY: &str = "Try 'pmv --help' for more information.\n";

fn usage(msg: &str) -> String {
    format!("pmv: {msg}\n{TRY}")
}

// ---- operands and usage errors -------------------------------------------

#[test]
fn usage_errors_change_nothing() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B").file("c", "C").dir("d");
    let before = s.tree();
    s.pmv(Vec::<&str>::new())
        .fails(&usage("missing file operand"));
    s.pmv(["a"])
        .fails(&usage("missing destination file operand after 'a'"));
    s.pmv(["-t", "d"]).fails(&usage("missing file operand"));
    s.pmv(["-T", "a", "b", "c"])
        .fails(&usage("extra operand 'c'"));
    s.pmv(["-h", "a", "b", "d"])
        .fails(&usage("extra operand 'd'"));
    s.pmv(["-t", "d", "-T", "a"])
        .fails("pmv: cannot combine --target-directory (-t) and --no-target-directory (-T)\n");
    s.pmv(["-t", "d", "-t", "d", "a"])
        .fails("pmv: multiple target directories specified\n");
    s.pmv(["--bogus", "a", "b"])
        .fails(&usage("unrecognized option '--bogus'"));
    s.pmv(["-X", "a", "b"])
        .fails(&usage("invalid option -- 'X'"));
    s.pmv(["--verbose=1", "a", "b"])
        .fails(&usage("option '--verbose' doesn't allow an argument"));
    // As GNU's getopt: pmv's own --sync is not among the possibilities,
    // and --sy, which no GNU option starts with, names it.
    s.pmv(["--s", "a", "b"]).fails(&usage(
        "option '--s' is ambiguous; possibilities: '--strip-trailing-slashes' '--suffix'",
    ));
    s.pmv(["--sy", "-T", "missing", "b"])
        .fails("pmv: cannot stat 'missing': No such file or directory\n");
    s.pmv(["a", "b", "-t"])
        .fails(&usage("option requires an argument -- 't'"));
    s.pmv(["a", "b", "--target-directory"])
        .fails(&usage("option '--target-directory' requires an argument"));
    s.pmv(["-b", "-n", "a", "b"]).fails(&usage(
        "cannot combine --backup with --exchange, -n, or --update=none-fail",
    ));
    s.pmv(["--update=bogus", "a", "b"]).fails(&usage(
        "invalid argument 'bogus' for '--update'\nValid arguments are:\n  - 'all'\n  - 'none'\n  - 'none-fail'\n  - 'older'",
    ));
    s.pmv(["--backup=n", "a", "b"]).fails(&usage(
        "ambiguous argument 'n' for 'backup type'\nValid arguments are:\n  - 'none', 'off'\n  - 'simple', 'never'\n  - 'existing', 'nil'\n  - 'numbered', 't'",
    ));
    assert_eq!(s.tree(), before);
}

/// With `POSIXLY_CORRECT`, as with GNU's getopt, options end at the first
/// operand: a later `-v` is an operand.
#[test]
fn posixly_correct_ends_options_at_the_first_operand() {
    let s = Scratch::new();
    s.file("a", "A").dir("d");
    let posix = [("POSIXLY_CORRECT", "1")];
    s.run_with("pmv", ["a", "d", "-v"], None, &posix)
        .fails("pmv: target '-v': No such file or directory\n");
    assert_eq!(s.tree(), lines(&["a f:A", "d/"]));
    s.run_with("pmv", ["-v", "a", "d"], None, &posix)
        .ok()
        .stdout("renamed 'a' -> 'd/a'\n");
    s.run_with("pln", ["-s", "t", "l", "-v"], None, &posix)
        .fails("pln: target '-v': No such file or directory\n");
    assert!(!s.exists("l"));
}

#[test]
fn help_and_version_exit_zero() {
    let s = Scratch::new();
    let h = s.pmv(["--help"]);
    assert_eq!(h.code, 0);
    assert!(h.stdout.starts_with("Usage: pmv "), "{h:?}");
    assert!(h.stdout.contains("-T, --no-target-directory"));
    let v = s.pmv(["--version"]);
    assert_eq!(v.code, 0);
    assert!(v.stdout.starts_with("pmv "), "{v:?}");
    assert!(
        v.stdout.contains(&format!("backend: {}", pmv::BACKEND)),
        "{v:?}"
    );
    // -h is FreeBSD's, not help: with no operands it is a usage error.
    s.pmv(["-h"]).fails(&usage("missing file operand"));
}

// ---- where SOURCE goes ---------------------------------------------------

#[test]
fn rename_onto_new_name_keeps_the_inode() {
    let s = Scratch::new();
    s.file("a", "A");
    let id = s.id("a");
    s.pmv(["a", "b"]).ok().stdout("");
    assert_eq!(s.tree(), lines(&["b f:A"]));
    assert_eq!(s.id("b"), id);
}

#[test]
fn replace_existing_file() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B");
    let id = s.id("a");
    s.pmv(["a", "b"]).ok();
    assert_eq!(s.tree(), lines(&["b f:A"]));
    assert_eq!(s.id("b"), id);
}

#[test]
fn into_directory_and_many_into_directory() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B").file("x/c", "C").dir("d");
    s.pmv(["a", "d"]).ok();
    s.pmv(["b", "x/c", "d/"]).ok();
    assert_eq!(
        s.tree(),
        lines(&["d/", "d/a f:A", "d/b f:B", "d/c f:C", "x/"])
    );
}

#[test]
fn target_directory_option() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B").dir("d");
    s.pmv(["-t", "d", "a", "b"]).ok();
    assert_eq!(s.tree(), lines(&["d/", "d/a f:A", "d/b f:B"]));
    s.file("c", "C");
    s.pmv(["--target-directory=d", "c"]).ok();
    assert!(s.exists("d/c"));
    s.pmv(["-t", "nope", "d/c"])
        .fails("pmv: target directory 'nope': No such file or directory\n");
    s.pmv(["-t", "d/a", "d/c"])
        .fails("pmv: target directory 'd/a': Not a directory\n");
}

#[test]
fn last_operand_must_be_a_directory_for_many_sources() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B").file("f", "F");
    let before = s.tree();
    s.pmv(["a", "b", "x"])
        .fails("pmv: target 'x': No such file or directory\n");
    s.pmv(["a", "b", "f"])
        .fails("pmv: target 'f': Not a directory\n");
    assert_eq!(s.tree(), before);
}

#[test]
fn no_target_directory_replaces_empty_directory_and_symlinks() {
    let s = Scratch::new();
    s.dir("src").file("src/f", "F").dir("empty");
    s.pmv(["-T", "src", "empty"]).ok();
    assert_eq!(s.tree(), lines(&["empty/", "empty/f f:F"]));

    let s = Scratch::new();
    s.dir("real").file("new", "N").symlink("real", "link");
    s.pmv(["-T", "new", "link"]).ok();
    assert_eq!(s.tree(), lines(&["link f:N", "real/"]));
}

#[test]
fn plain_form_moves_into_the_directory_a_symlink_names() {
    let s = Scratch::new();
    s.dir("real").file("new", "N").symlink("real", "link");
    s.pmv(["new", "link"]).ok();
    assert_eq!(s.tree(), lines(&["link l:real", "real/", "real/new f:N"]));
}

#[test]
fn freebsd_h_replaces_a_symlink_but_moves_into_a_real_directory() {
    let s = Scratch::new();
    s.dir("r1")
        .dir("r2")
        .symlink("r1", "current")
        .symlink("r2", "current.new");
    s.pmv(["-h", "current.new", "current"]).ok();
    assert_eq!(s.tree(), lines(&["current l:r2", "r1/", "r2/"]));

    let s = Scratch::new();
    s.dir("d").file("f", "F");
    s.pmv(["-h", "f", "d"]).ok();
    assert_eq!(s.tree(), lines(&["d/", "d/f f:F"]));

    // A trailing slash means the directory the link points to.
    let s = Scratch::new();
    s.dir("real").symlink("real", "l").file("f", "F");
    s.pmv(["-h", "f", "l/"]).ok();
    assert_eq!(s.tree(), lines(&["l l:real", "real/", "real/f f:F"]));
}

#[test]
fn release_symlink_flip_with_t() {
    let s = Scratch::new();
    s.dir("releases/1")
        .dir("releases/2")
        .symlink("releases/1", "current");
    s.symlink("releases/2", "current.new");
    s.pmv(["-T", "current.new", "current"]).ok();
    assert_eq!(s.link_target("current"), std::path::Path::new("releases/2"));
    assert!(!s.exists("current.new"));
}

// ---- refusals -------------------------------------------------------------

#[test]
fn missing_source() {
    let s = Scratch::new();
    s.file("b", "B");
    s.pmv(["nope", "b"])
        .fails("pmv: cannot stat 'nope': No such file or directory\n");
    s.pmv(["", "b"])
        .fails("pmv: cannot stat '': No such file or directory\n");
    assert_eq!(s.tree(), lines(&["b f:B"]));
}

#[test]
fn same_file() {
    let s = Scratch::new();
    s.file("a", "A");
    s.pmv(["a", "a"])
        .fails("pmv: 'a' and 'a' are the same file\n");
    s.pmv(["a", "./a"])
        .fails("pmv: 'a' and './a' are the same file\n");
    std::fs::hard_link(s.path("a"), s.path("b")).unwrap();
    s.pmv(["a", "b"])
        .fails("pmv: 'a' and 'b' are the same file\n");
    assert_eq!(s.tree(), lines(&["a f:A", "b f:A"]));
}

#[test]
fn directory_into_itself() {
    let s = Scratch::new();
    s.dir("d/sub");
    let before = s.tree();
    s.pmv(["d", "d"])
        .fails("pmv: cannot move 'd' to a subdirectory of itself, 'd/d'\n");
    s.pmv(["d", "d/sub"])
        .fails("pmv: cannot move 'd' to a subdirectory of itself, 'd/sub/d'\n");
    s.pmv(["-T", "d", "d/sub/x"])
        .fails("pmv: cannot move 'd' to a subdirectory of itself, 'd/sub/x'\n");
    assert_eq!(s.tree(), before);
}

#[test]
fn kind_mismatches() {
    let s = Scratch::new();
    s.file("f", "F").dir("d").dir("e");
    let before = s.tree();
    s.pmv(["-T", "f", "d"])
        .fails("pmv: cannot overwrite directory 'd' with non-directory 'f'\n");
    s.pmv(["-T", "d", "f"])
        .fails("pmv: cannot overwrite non-directory 'f' with directory 'd'\n");
    s.file("e/d", "not a dir");
    s.pmv(["d", "e"])
        .fails("pmv: cannot overwrite non-directory 'e/d' with directory 'd'\n");
    assert_eq!(s.tree().len(), before.len() + 1);
}

#[test]
fn non_empty_directory() {
    let s = Scratch::new();
    s.dir("a").file("a/x", "X").dir("d").file("d/y", "Y");
    let before = s.tree();
    // rename(2) may say ENOTEMPTY or EEXIST here (xfs says the latter);
    // like GNU, pmv gives the kernel's reason.
    let r = s.pmv(["-T", "a", "d"]);
    assert!(
        r.code == 1
            && (r.stderr == "pmv: cannot overwrite 'd': Directory not empty\n"
                || r.stderr == "pmv: cannot overwrite 'd': File exists\n"),
        "{r:?}"
    );
    assert_eq!(s.tree(), before);
}

#[test]
fn will_not_overwrite_just_created() {
    let s = Scratch::new();
    s.file("x/f", "1").file("y/f", "2").dir("d");
    s.pmv(["x/f", "y/f", "d"])
        .fails("pmv: will not overwrite just-created 'd/f' with 'y/f'\n");
    assert_eq!(s.tree(), lines(&["d/", "d/f f:1", "x/", "y/", "y/f f:2"]));
}

#[test]
fn failure_on_one_operand_does_not_stop_the_others() {
    let s = Scratch::new();
    s.file("a", "A").file("c", "C").dir("d");
    s.pmv(["a", "missing", "c", "d"])
        .fails("pmv: cannot stat 'missing': No such file or directory\n");
    assert_eq!(s.tree(), lines(&["d/", "d/a f:A", "d/c f:C"]));
}

// ---- -f -i -n -u ----------------------------------------------------------

#[test]
fn no_clobber_skips_silently() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B");
    s.pmv(["-n", "a", "b"]).ok();
    s.pmv(["--no-clobber", "-v", "a", "b"]).ok().stdout("");
    assert_eq!(s.tree(), lines(&["a f:A", "b f:B"]));
    s.pmv(["-n", "a", "c"]).ok();
    assert_eq!(s.tree(), lines(&["b f:B", "c f:A"]));
}

#[test]
fn no_clobber_directory() {
    let s = Scratch::new();
    s.dir("a").dir("b").file("b/x", "X");
    s.pmv(["-n", "-T", "a", "b"]).ok();
    assert_eq!(s.tree(), lines(&["a/", "b/", "b/x f:X"]));
    s.pmv(["-n", "-T", "a", "c"]).ok();
    assert_eq!(s.tree(), lines(&["b/", "b/x f:X", "c/"]));
}

#[test]
fn update_variants() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B");
    s.pmv(["--update=none", "a", "b"]).ok();
    s.pmv(["--update=none-fail", "a", "b"])
        .fails("pmv: not replacing 'b'\n");
    assert_eq!(s.tree(), lines(&["a f:A", "b f:B"]));
    // -u: only replace an older destination.
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    std::fs::File::options()
        .write(true)
        .open(s.path("a"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    s.pmv(["-u", "a", "b"]).ok();
    assert_eq!(s.tree(), lines(&["a f:A", "b f:B"]));
    s.pmv(["--update=older", "b", "a"]).ok();
    assert_eq!(s.tree(), lines(&["a f:B"]));
    s.file("c", "C");
    s.pmv(["--update=all", "c", "a"]).ok();
    assert_eq!(s.tree(), lines(&["a f:C"]));
}

#[test]
fn interactive_prompt() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B");
    let r = s.run_with("pmv", ["-i", "a", "b"], Some("n\n"), &[]);
    assert_eq!((r.code, r.stderr.as_str()), (1, "pmv: overwrite 'b'? "));
    assert_eq!(s.tree(), lines(&["a f:A", "b f:B"]));
    let r = s.run_with("pmv", ["-i", "a", "b"], Some("y\n"), &[]);
    assert_eq!((r.code, r.stderr.as_str()), (0, "pmv: overwrite 'b'? "));
    assert_eq!(s.tree(), lines(&["b f:A"]));
    // No prompt when the destination does not exist.
    s.run_with("pmv", ["-i", "b", "c"], Some(""), &[]).ok();
}

#[test]
fn last_of_f_i_n_wins() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B");
    s.run_with("pmv", ["-i", "-n", "a", "b"], Some("y\n"), &[])
        .ok();
    assert_eq!(s.tree(), lines(&["a f:A", "b f:B"]));
    let r = s.run_with("pmv", ["-f", "-i", "a", "b"], Some("n\n"), &[]);
    assert_eq!((r.code, r.stderr.as_str()), (1, "pmv: overwrite 'b'? "));
    s.run_with("pmv", ["-n", "-i", "-f", "a", "b"], Some(""), &[])
        .ok();
    assert_eq!(s.tree(), lines(&["b f:A"]));
}

#[test]
fn unwritable_destination_prompt_needs_a_terminal_or_i() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B").file("c", "C");
    let mut perm = std::fs::metadata(s.path("b")).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o444);
    std::fs::set_permissions(s.path("b"), perm).unwrap();
    // stdin is not a terminal: no question, as GNU.
    s.pmv(["a", "b"]).ok();
    assert_eq!(s.read("b"), "A");
    let mut perm = std::fs::metadata(s.path("b")).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o444);
    std::fs::set_permissions(s.path("b"), perm).unwrap();
    if rustix::process::geteuid().is_root() {
        // root may write anything: the plain question.
        let r = s.run_with("pmv", ["-i", "c", "b"], Some("n\n"), &[]);
        assert_eq!(r.stderr, "pmv: overwrite 'b'? ");
    } else {
        let r = s.run_with("pmv", ["-i", "c", "b"], Some("n\n"), &[]);
        assert_eq!(
            r.stderr,
            "pmv: replace 'b', overriding mode 0444 (r--r--r--)? "
        );
    }
}

// ---- backups --------------------------------------------------------------

#[test]
fn backups_simple_numbered_existing() {
    let s = Scratch::new();
    s.file("a", "1").file("b", "0");
    s.pmv(["-b", "-v", "a", "b"])
        .ok()
        .stdout("renamed 'a' -> 'b' (backup: 'b~')\n");
    assert_eq!(s.tree(), lines(&["b f:1", "b~ f:0"]));
    s.file("a", "2");
    s.pmv(["--backup=numbered", "a", "b"]).ok();
    s.file("a", "3");
    s.pmv(["--backup=t", "a", "b"]).ok();
    assert_eq!(
        s.tree(),
        lines(&["b f:3", "b.~1~ f:1", "b.~2~ f:2", "b~ f:0"])
    );
    s.file("a", "4");
    s.pmv(["--backup=existing", "a", "b"]).ok();
    assert!(s.exists("b.~3~"));
    s.file("a", "5");
    s.pmv(["-S", ".bak", "a", "b"]).ok();
    assert!(
        s.exists("b.~4~"),
        "numbered backups exist: -S alone keeps numbering"
    );
    s.file("a", "6").file("c", "7");
    s.pmv(["-S", ".bak", "a", "c"]).ok();
    assert_eq!(s.read("c.bak"), "7");
}

#[test]
fn backup_environment() {
    let s = Scratch::new();
    s.file("a", "1").file("b", "0");
    s.run_with(
        "pmv",
        ["-b", "a", "b"],
        None,
        &[("VERSION_CONTROL", "numbered")],
    )
    .ok();
    assert_eq!(s.tree(), lines(&["b f:1", "b.~1~ f:0"]));
    s.file("a", "2");
    s.run_with(
        "pmv",
        ["--backup=simple", "a", "b"],
        None,
        &[("SIMPLE_BACKUP_SUFFIX", ".old")],
    )
    .ok();
    assert_eq!(s.read("b.old"), "1");
    s.file("a", "3");
    s.run_with("pmv", ["-b", "a", "b"], None, &[("VERSION_CONTROL", "zz")]).fails(&usage(
        "invalid argument 'zz' for '$VERSION_CONTROL'\nValid arguments are:\n  - 'none', 'off'\n  - 'simple', 'never'\n  - 'existing', 'nil'\n  - 'numbered', 't'",
    ));
}

#[test]
fn backup_of_a_directory() {
    let s = Scratch::new();
    s.dir("a").file("a/x", "new").dir("b");
    s.pmv(["-T", "-b", "a", "b"]).ok();
    assert_eq!(s.tree(), lines(&["b/", "b/x f:new", "b~/"]));
}

#[test]
fn backup_keeps_the_destination_in_place_for_files() {
    // The backup is a hard link: b's inode moves to b~ without b ever
    // missing.
    let s = Scratch::new();
    s.file("a", "new").file("b", "old");
    let old = s.id("b");
    s.pmv(["-b", "a", "b"]).ok();
    assert_eq!(s.id("b~"), old);
}

// ---- -v, slashes, odd names ----------------------------------------------

#[test]
fn verbose() {
    let s = Scratch::new();
    s.file("a", "A").dir("d");
    s.pmv(["-v", "a", "d"])
        .ok()
        .stdout("renamed 'a' -> 'd/a'\n");
}

#[test]
fn trailing_slashes() {
    let s = Scratch::new();
    s.file("f", "F").dir("d").dir("e");
    s.pmv(["f/", "g"])
        .fails("pmv: cannot stat 'f/': Not a directory\n");
    s.pmv(["d/", "e/"]).ok();
    assert_eq!(s.tree(), lines(&["e/", "e/d/", "f f:F"]));
    s.pmv(["--strip-trailing-slashes", "-v", "e/d///", "dd"])
        .ok()
        .stdout("renamed 'e/d' -> 'dd'\n");
    s.pmv(["f", "nodir/"])
        .fails("pmv: cannot move 'f' to 'nodir/': Not a directory\n");
}

#[test]
fn double_dash_and_names_beginning_with_dash() {
    let s = Scratch::new();
    s.file("-f", "F");
    s.pmv(["--", "-f", "-g"]).ok();
    assert_eq!(s.tree(), lines(&["-g f:F"]));
    s.pmv(["./-g", "-v", "h"])
        .ok()
        .stdout("renamed './-g' -> 'h'\n");
}

#[test]
fn names_are_quoted_like_gnu() {
    let s = Scratch::new();
    s.pmv(["it's a\nb", "x"])
        .fails("pmv: cannot stat 'it'\\''s a'$'\\n''b': No such file or directory\n");
    s.pmv(["it's", "x"])
        .fails("pmv: cannot stat \"it's\": No such file or directory\n");
    s.pmv(["a b", "x"])
        .fails("pmv: cannot stat 'a b': No such file or directory\n");
}

#[test]
fn non_utf8_names() {
    let s = Scratch::new();
    let name = OsStr::from_bytes(b"x\xffy");
    std::fs::write(s.path(name), "X").unwrap();
    let r = s.pmv([name, OsStr::new("-v"), OsStr::from_bytes(b"z\xe9")]);
    assert_eq!(r.code, 0, "{r:?}");
    s.pmv([name, OsStr::new("z")])
        .fails("pmv: cannot stat 'x'$'\\377''y': No such file or directory\n");
}

// ---- atomicity ------------------------------------------------------------

/// `-n` must never replace a destination that appears at any moment. A
/// thread keeps creating `dst` exclusively and then checks that the name
/// still holds its own file; a check-then-rename `-n` would, sooner or
/// later, rename over a file the thread had just created.
#[test]
fn no_clobber_is_atomic_against_a_racing_creator() {
    use std::os::unix::fs::MetadataExt;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let s = Scratch::new();
    let dst = s.path("dst");
    let stop = Arc::new(AtomicBool::new(false));
    let clobbered = Arc::new(AtomicUsize::new(0));
    let created = Arc::new(AtomicUsize::new(0));
    let creator = {
        let (dst, stop, clobbered, created) = (
            dst.clone(),
            stop.clone(),
            clobbered.clone(),
            created.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let Ok(f) = std::fs::File::options()
                    .write(true)
                    .create_new(true)
                    .open(&dst)
                else {
                    continue;
                };
                created.fetch_add(1, Ordering::Relaxed);
                let ours = f.metadata().unwrap().ino();
                std::thread::yield_now();
                match std::fs::symlink_metadata(&dst) {
                    Ok(m) if m.ino() == ours => {
                        let _ = std::fs::remove_file(&dst);
                        // Leave DEST absent a moment, or on slow file
                        // systems (FUSE) pmv would only ever find it there.
                        std::thread::sleep(std::time::Duration::from_micros(200));
                    }
                    Ok(_) if std::fs::read(&dst).is_ok_and(|c| c == b"mine") => {
                        clobbered.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
            }
        })
    };
    // At least 300 attempts, and on until both outcomes (moved, skipped)
    // have happened, within a time bound.
    let (mut moved, mut attempts) = (0, 0);
    let start = std::time::Instant::now();
    while attempts < 300
        || ((moved == 0 || moved == attempts)
            && start.elapsed() < std::time::Duration::from_secs(30))
    {
        let i = attempts;
        attempts += 1;
        let src = format!("src{i}");
        s.file(&src, "mine");
        let r = s.pmv(["-n", &src, "dst"]);
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
        if !s.exists(&src) {
            moved += 1;
            if std::fs::read(&dst).is_ok_and(|c| c == b"mine") {
                let _ = std::fs::remove_file(&dst);
            }
        } else {
            std::fs::remove_file(s.path(&src)).unwrap();
        }
    }
    stop.store(true, Ordering::Relaxed);
    creator.join().unwrap();
    assert_eq!(
        clobbered.load(Ordering::Relaxed),
        0,
        "pmv -n replaced a file created under it"
    );
    assert!(created.load(Ordering::Relaxed) > 0, "the creator never ran");
    assert!(
        moved > 0 && moved < attempts,
        "both outcomes should occur: moved {moved} of {attempts}"
    );
}

#[test]
fn closed_stdout_does_not_stop_the_moves() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B").file("c", "C").dir("d");
    // The reader of stdout is gone before pmv writes its first line.
    let mut child = std::process::Command::new(util::bin("pmv"))
        .args(["-v", "a", "b", "c", "d"])
        .current_dir(s.dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert_eq!(s.tree(), lines(&["d/", "d/a f:A", "d/b f:B", "d/c f:C"]));
}

// ---- corner cases where GNU mv 9.7 was followed -----------------------------

#[test]
fn target_directory_is_opened_once() {
    // Every SOURCE goes into the directory DIR named when the command
    // started, although the first SOURCE is the symlink DIR itself.
    for args in [["-t", "a", "a", "c"], ["a", "c", "a", "-v"]] {
        let s = Scratch::new();
        s.dir("b").symlink("b", "a").file("c", "C");
        let r = s.pmv(args);
        r.ok();
        if args[3] == "-v" {
            r.stdout("renamed 'a' -> 'a/a'\nrenamed 'c' -> 'a/c'\n");
        }
        assert_eq!(s.tree(), lines(&["b/", "b/a l:b", "b/c f:C"]));
    }
}

#[test]
fn backup_of_the_very_entry_through_a_symlinked_directory() {
    // b/c, reached through the symlink b, is e/c itself: backing it up
    // would take SOURCE away.
    for opt in ["-b", "--backup=numbered"] {
        let s = Scratch::new();
        s.file("e/c", "X").symlink("e", "b");
        s.pmv([opt, "e/c", "b"])
            .fails("pmv: 'e/c' and 'b/c' are the same file\n");
        assert_eq!(s.tree(), lines(&["b l:e", "e/", "e/c f:X"]));
    }
    let s = Scratch::new();
    s.dir("e").symlink("e", "c");
    s.pmv(["--backup=simple", "e/.", "c"])
        .fails("pmv: 'e/.' and 'c/.' are the same file\n");
    assert_eq!(s.tree(), lines(&["c l:e", "e/"]));
}

#[test]
fn backup_suffix_ending_in_a_slash_is_used() {
    // GNU takes a suffix with slashes only at its end: the backup name
    // `ys/` is then refused by the kernel, and nothing moves.
    let s = Scratch::new();
    s.file("x", "1").file("y", "2");
    s.pmv(["-S", "s/", "x", "y"])
        .fails("pmv: cannot backup 'y': Not a directory\n");
    assert_eq!(s.tree(), lines(&["x f:1", "y f:2"]));
    // A slash before a name is not one component: `~` is used instead.
    s.pmv(["-S", "s/t", "x", "y"]).ok();
    assert_eq!(s.tree(), lines(&["y f:1", "y~ f:2"]));
}

#[test]
fn symlink_onto_a_directory_it_leads_to_by_another_name() {
    // `d` leads to `c`, which `b/.` also names. Where `c` has two links
    // (`.` inside it), GNU compares entries, and `b/.` is not `c`'s; where
    // a directory always has one link (btrfs), GNU compares files, and
    // they are the same.
    let s = Scratch::new();
    s.dir("c").symlink("c", "d").symlink("d", "b");
    s.touch("c", 1_000_000_000).touch("d", 1_000_000_000);
    let links = std::fs::metadata(s.path("c")).unwrap().nlink();
    if links > 1 {
        s.pmv(["-T", "-u", "d", "b/."]).ok().stdout("");
        s.pmv(["-T", "d", "b/."])
            .fails("pmv: cannot overwrite directory 'b/.' with non-directory 'd'\n");
    } else {
        let same = "pmv: 'd' and 'b/.' are the same file\n";
        s.pmv(["-T", "-u", "d", "b/."]).fails(same);
        s.pmv(["-T", "d", "b/."]).fails(same);
    }
    assert_eq!(s.tree(), lines(&["b l:d", "c/", "d l:c"]));
    // A symlink over the only name of its file would lose it; over
    // another hard link of the file, nothing is lost.
    let s = Scratch::new();
    s.file("f", "F").symlink("f", "s");
    std::fs::hard_link(s.path("f"), s.path("l")).unwrap();
    s.pmv(["s", "f"])
        .fails("pmv: 's' and 'f' are the same file\n");
    s.pmv(["s", "l"]).ok();
    assert_eq!(s.tree(), lines(&["f f:F", "l l:f"]));
}

#[test]
fn posixly_correct_takes_a_later_double_dash_as_an_operand() {
    let s = Scratch::new();
    s.file("a", "A").dir("d");
    let posix = [("POSIXLY_CORRECT", "1")];
    let r = s.run_with("pmv", ["a", "b", "-v"], None, &posix);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "pmv: target '-v': No such file or directory\n")
    );
    let r = s.run_with("pmv", ["-v", "a", "--", "d"], None, &posix);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            1,
            "renamed 'a' -> 'd/a'\n",
            "pmv: cannot stat '--': No such file or directory\n"
        )
    );
    assert_eq!(s.tree(), lines(&["d/", "d/a f:A"]));
}

#[test]
fn no_clobber_with_trailing_slashes_fails_as_linux_does() {
    // Linux's no-replace rename says EEXIST before it looks at a trailing
    // slash; every backend answers alike.
    let s = Scratch::new();
    s.file("d", "").file("a", "A");
    s.pmv(["--no-clobber", "d/", "a/"]).ok();
    s.pmv(["--update=none-fail", "d/", "a/"])
        .fails("pmv: not replacing 'a/'\n");
    s.pmv(["-n", "d", "d/new/."])
        .fails("pmv: cannot stat 'd/new/.': Not a directory\n");
    s.pmv(["d/", "a/"])
        .fails("pmv: cannot stat 'd/': Not a directory\n");
    s.pmv(["d", "a/"])
        .fails("pmv: cannot stat 'a/': Not a directory\n");
    assert_eq!(s.tree(), lines(&["a f:A", "d f:"]));
}

#[test]
fn source_that_is_the_backup_name_is_refused_for_directories_too() {
    // GNU refuses when SOURCE is DEST's simple backup name, whatever the
    // kind and even where the backup would be numbered (`existing`).
    let s = Scratch::new();
    s.file("a/x", "1").dir("a~");
    s.pmv(["-b", "-T", "a~", "a"])
        .fails("pmv: backing up 'a' might destroy source;  'a~' not moved\n");
    assert_eq!(s.tree(), lines(&["a/", "a/x f:1", "a~/"]));
    let s = Scratch::new();
    s.file("a", "1").file("a~", "2").file("a.~1~", "3");
    s.pmv(["--backup=existing", "a~", "a"])
        .fails("pmv: backing up 'a' might destroy source;  'a~' not moved\n");
    s.pmv(["--backup=numbered", "a~", "a"]).ok();
    assert_eq!(s.tree(), lines(&["a f:2", "a.~1~ f:3", "a.~2~ f:1"]));
}

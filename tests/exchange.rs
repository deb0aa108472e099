//! `pmv --exchange`: an atomic swap where the kernel can, a clear refusal
//! where it cannot, never an emulation.

mod util;

use util::{exchange_unsupported as unsupported, exchange_unsupported_here as unsupported_here};
use util::{lines, Scratch};

fn check_swap(s: &Scratch, on_test_fs: bool) {
    s.file("a", "A").dir("b").file("b/x", "X");
    let (ia, ib) = (s.id("a"), s.id("b"));
    let r = s.pmv(["--exchange", "-T", "a", "b"]);
    let refused = if on_test_fs {
        unsupported_here()
    } else {
        unsupported()
    };
    match refused {
        None => {
            r.ok();
            assert_eq!(s.tree(), lines(&["a/", "a/x f:X", "b f:A"]));
            assert_eq!((s.id("a"), s.id("b")), (ib, ia));
        }
        Some(why) => {
            r.fails(&format!(
                "pmv: cannot exchange 'a' and 'b': atomic exchange is not supported {why}\n"
            ));
            assert_eq!(s.tree(), lines(&["a f:A", "b/", "b/x f:X"]));
        }
    }
}

#[test]
fn exchange_on_the_test_file_system() {
    check_swap(&Scratch::new(), true);
}

#[test]
fn exchange_on_the_second_file_system() {
    let Some(other) = util::other_fs() else {
        return;
    };
    let s = Scratch {
        dir: tempfile::Builder::new()
            .prefix("pmv-test-")
            .tempdir_in(other)
            .unwrap(),
    };
    check_swap(&s, false);
}

#[test]
fn exchange_needs_both_sides() {
    let s = Scratch::new();
    s.file("a", "A");
    s.pmv(["--exchange", "-T", "a", "nope"])
        .fails("pmv: cannot exchange 'a' and 'nope': No such file or directory\n");
    s.pmv(["--exchange", "-T", "nope", "a"])
        .fails("pmv: cannot stat 'nope': No such file or directory\n");
    assert_eq!(s.tree(), lines(&["a f:A"]));
}

#[test]
fn exchange_refuses_backup() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B");
    s.pmv(["--exchange", "-b", "a", "b"]).fails(
        "pmv: cannot combine --backup with --exchange, -n, or --update=none-fail\nTry 'pmv --help' for more information.\n",
    );
}

#[test]
fn exchange_into_directory_form_and_verbose() {
    let s = Scratch::new();
    s.file("a", "new").file("d/a", "old");
    if let Some(why) = unsupported_here() {
        s.pmv(["--exchange", "-v", "a", "d"]).fails(&format!(
            "pmv: cannot exchange 'a' and 'd/a': atomic exchange is not supported {why}\n"
        ));
        assert_eq!(s.tree(), lines(&["a f:new", "d/", "d/a f:old"]));
        return;
    }
    s.pmv(["--exchange", "-v", "a", "d"])
        .ok()
        .stdout("exchanged 'a' <-> 'd/a'\n");
    assert_eq!(s.tree(), lines(&["a f:old", "d/", "d/a f:new"]));
}

#[test]
fn exchange_across_file_systems_is_refused() {
    let Some(other) = util::other_fs() else {
        return;
    };
    let s = Scratch::new();
    s.file("a", "A");
    let far = tempfile::tempdir_in(other).unwrap();
    std::fs::write(far.path().join("b"), "B").unwrap();
    let b = far.path().join("b");
    let r = s.pmv([
        "--exchange".as_ref(),
        "-T".as_ref(),
        "a".as_ref(),
        b.as_os_str(),
    ]);
    assert_eq!(r.code, 1);
    let want = match unsupported() {
        None => "Invalid cross-device link".to_string(),
        Some(why) => format!("atomic exchange is not supported {why}"),
    };
    assert!(
        r.stderr.starts_with("pmv: cannot exchange 'a' and ")
            && r.stderr.ends_with(&format!("{want}\n")),
        "{r:?}"
    );
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "B");
    assert_eq!(s.read("a"), "A");
}

#[test]
fn exchange_with_no_clobber_skips_and_interactive_asks() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B");
    s.pmv(["--exchange", "-n", "a", "b"]).ok();
    assert_eq!(s.tree(), lines(&["a f:A", "b f:B"]));
    s.pmv(["--exchange", "a", "a"])
        .fails("pmv: 'a' and 'a' are the same file\n");
    let r = s.run_with("pmv", ["--exchange", "-i", "a", "b"], Some("n\n"), &[]);
    assert_eq!((r.code, r.stderr.as_str()), (1, "pmv: overwrite 'b'? "));
    assert_eq!(s.tree(), lines(&["a f:A", "b f:B"]));
    let r = s.run_with("pmv", ["--exchange", "-i", "a", "b"], Some("y\n"), &[]);
    match unsupported_here() {
        None => {
            assert_eq!((r.code, r.stderr.as_str()), (0, "pmv: overwrite 'b'? "));
            assert_eq!(s.tree(), lines(&["a f:B", "b f:A"]));
        }
        Some(why) => {
            let want = format!(
                "pmv: overwrite 'b'? pmv: cannot exchange 'a' and 'b': atomic exchange is not supported {why}\n"
            );
            assert_eq!((r.code, r.stderr.as_str()), (1, want.as_str()));
            assert_eq!(s.tree(), lines(&["a f:A", "b f:B"]));
        }
    }
}

#[test]
fn exchange_of_a_directory_with_what_it_holds() {
    // The kernel's EINVAL: the exchange is impossible, not the flag
    // unsupported; GNU's words for it.
    let s = Scratch::new();
    s.file("a/a", "1");
    let why = match unsupported() {
        None => "Operation not supported".to_string(),
        Some(why) => format!("atomic exchange is not supported {why}"),
    };
    s.pmv(["--exchange", "a", "a/a"])
        .fails(&format!("pmv: cannot exchange 'a' and 'a/a': {why}\n"));
    s.pmv(["--exchange", "-T", "a/a", "a"])
        .fails(&format!("pmv: cannot exchange 'a/a' and 'a': {why}\n"));
    assert_eq!(s.tree(), lines(&["a/", "a/a f:1"]));
}

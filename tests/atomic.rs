//! `--debug` names the mechanism of each move and whether it was atomic;
//! `--atomic` refuses, before changing anything, any step that is not.

mod util;

use util::{lines, Scratch};

/// The no-replace rename this build's backend uses natively, if any, on
/// the test file system (FUSE, NFS and 9p refuse the kernel's flags:
/// `ci/fsmatrix.sh` says so with `PMV_TEST_FS_NO_RENAME_FLAGS`).
fn native_noreplace() -> Option<&'static str> {
    if util::fs_no_rename_flags() {
        return None;
    }
    match pmv::BACKEND {
        "linux" => Some("renameat2(RENAME_NOREPLACE)"),
        "apple" => Some("renameatx_np(RENAME_EXCL)"),
        _ => None,
    }
}

/// How a plain move onto a new name goes: the native no-replace rename;
/// else, on a backend that has one but a file system that refuses it, the
/// hard-link fallback; else gnulib's look-then-rename.
fn new_name_mechanism() -> &'static str {
    match (native_noreplace(), pmv::BACKEND) {
        (Some(m), _) => m,
        (None, "linux" | "apple") => "linkat+unlinkat",
        _ => "renameat",
    }
}

#[test]
fn debug_names_the_mechanism() {
    let s = Scratch::new();
    s.file("a", "A").file("b", "B");
    let r = s.pmv(["--debug", "a", "c"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, "renamed 'a' -> 'c'\n", "--debug implies -v");
    assert_eq!(
        r.stderr,
        format!("pmv: 'a' -> 'c': {}: atomic\n", new_name_mechanism())
    );
    let r = s.pmv(["--debug", "c", "b"]);
    let want = "pmv: 'c' -> 'b': no-replace rename (File exists), then renameat: atomic\n";
    assert_eq!((r.code, r.stderr.as_str()), (0, want));
    assert_eq!(s.tree(), lines(&["b f:A"]));
}

#[test]
fn debug_no_clobber_file_uses_a_link_where_there_is_no_native_call() {
    let s = Scratch::new();
    s.file("a", "A");
    let r = s.pmv(["--debug", "-n", "a", "b"]);
    let m = native_noreplace().unwrap_or("linkat+unlinkat");
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (0, format!("pmv: 'a' -> 'b': {m}: atomic\n").as_str())
    );
    s.file("c", "C");
    let r = s.pmv(["--debug", "-n", "c", "b"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "skipped 'b'\n", "")
    );
}

#[test]
fn no_clobber_directory_without_native_call_is_racy_and_atomic_refuses_it() {
    let s = Scratch::new();
    s.dir("d");
    match native_noreplace() {
        Some(m) => {
            let r = s.pmv(["--atomic", "--debug", "-n", "-T", "d", "e"]);
            assert_eq!(
                (r.code, r.stderr.as_str()),
                (0, format!("pmv: 'd' -> 'e': {m}: atomic\n").as_str())
            );
        }
        None => {
            s.pmv(["--atomic", "-n", "-T", "d", "e"]).fails(
                "pmv: cannot move 'd' to 'e': no atomic no-replace rename for a directory on this system (--atomic)\n",
            );
            assert_eq!(s.tree(), lines(&["d/"]));
            let r = s.pmv(["--debug", "-n", "-T", "d", "e"]);
            assert_eq!(r.code, 0, "{r:?}");
            assert!(
                r.stderr
                    .ends_with("lstat check then renameat (racy), then renameat: not atomic\n"),
                "{r:?}"
            );
        }
    }
    assert!(s.exists("e") || s.exists("d"));
}

#[test]
fn atomic_refuses_renaming_a_directory_away_for_a_backup() {
    let s = Scratch::new();
    s.dir("a").dir("b").file("b/x", "X");
    s.pmv(["--atomic", "-b", "-T", "a", "b"]).fails(
        "pmv: cannot move 'a' to 'b': the backup is made by renaming DEST away (--atomic)\n",
    );
    assert_eq!(s.tree(), lines(&["a/", "b/", "b/x f:X"]));
    // A file's backup is a hard link: DEST never goes missing, so --atomic
    // allows it.
    s.file("f", "new").file("g", "old");
    let r = s.pmv(["--atomic", "--debug", "-b", "f", "g"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("linkat (backup)") && r.stderr.ends_with(": atomic\n"),
        "{r:?}"
    );
    assert_eq!((s.read("g"), s.read("g~")), ("new".into(), "old".into()));
}

/// The line of `pmv --version` that states what `op` does in this build.
fn claim(version: &str, op: &str) -> String {
    let prefix = format!("{op}: ");
    version
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("--version states nothing about {op}: {version:?}"))
        .to_string()
}

/// `--version` states what `--exchange` does in this build, and `--exchange`
/// does that: it swaps where the claim says atomic, and where it refuses,
/// the claim says so, or names the condition (system, file system) that
/// was not met.
#[test]
fn version_states_what_exchange_does() {
    let s = Scratch::new();
    let v = s.pmv(["--version"]);
    assert_eq!(v.code, 0, "{v:?}");
    let exchange = claim(&v.stdout, "exchange");
    s.file("a", "A").file("b", "B");
    let r = s.pmv(["--exchange", "-T", "a", "b"]);
    let refused = |why: &str| {
        r.stderr
            == format!("pmv: cannot exchange 'a' and 'b': atomic exchange is not supported {why}\n")
    };
    if r.code == 0 {
        assert_eq!((s.read("a"), s.read("b")), ("B".into(), "A".into()));
        assert!(
            exchange.contains("atomic") && !exchange.starts_with("not supported"),
            "--exchange swapped, but --version says {exchange:?}"
        );
    } else if refused("on this system") {
        assert!(
            exchange.starts_with("not supported") || exchange.contains("where the system has it"),
            "--exchange is not supported on this system, but --version says {exchange:?}"
        );
    } else if refused("by this file system") {
        assert!(
            exchange.contains("where the file system supports it"),
            "the file system refused --exchange, but --version says {exchange:?}"
        );
    } else {
        panic!("--exchange failed for another reason: {r:?}");
    }
}

/// `--version` names the mechanism `-n` uses for a file in this build.
#[test]
fn version_states_what_no_clobber_does() {
    let s = Scratch::new();
    let v = s.pmv(["--version"]);
    let noreplace = claim(&v.stdout, "no-replace rename");
    assert!(claim(&v.stdout, "replace").starts_with("renameat, atomic"));
    s.file("a", "A");
    let r = s.pmv(["-n", "--debug", "a", "c"]);
    assert_eq!(r.code, 0, "{r:?}");
    let mechanism = r
        .stderr
        .strip_prefix("pmv: 'a' -> 'c': ")
        .and_then(|m| m.strip_suffix(": atomic\n"))
        .unwrap_or_else(|| panic!("-n on a file was not atomic: {r:?}"));
    assert!(
        noreplace.contains(mechanism),
        "-n used {mechanism}, but --version says {noreplace:?}"
    );
}

#[test]
fn version_names_the_backend() {
    let s = Scratch::new();
    let r = s.pmv(["--version"]);
    assert!(
        r.stdout.contains(&format!("backend: {}", pmv::BACKEND)),
        "{r:?}"
    );
    let r = s.run("pln", ["--version"]);
    assert!(
        r.stdout.contains(&format!("backend: {}", pmv::BACKEND)),
        "{r:?}"
    );
}

//! A shared sticky directory (`chmod 1777`, like `/tmp`) where another user
//! has planted files and symlinks at names beginning with `.pmv-`, pmv's
//! staging prefix. Moves across file systems into that directory (which
//! stage there) and `pln -sf` (which stages a link there) must succeed
//! without following, replacing or removing any planted entry.
//!
//! Needs root (to plant entries as another user): under CI it must run.

mod util;

use std::fs;
use std::os::unix::fs::{lchown, symlink, MetadataExt, PermissionsExt};
use std::path::Path;

use util::Scratch;

const ATTACKER: u32 = 65534;

/// One planted entry and what it must still be afterwards.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    name: String,
    uid: u32,
    kind: String,
}

fn describe(dir: &Path, name: &str) -> Entry {
    let p = dir.join(name);
    let m = fs::symlink_metadata(&p).unwrap();
    let kind = if m.file_type().is_symlink() {
        format!("link -> {}", fs::read_link(&p).unwrap().display())
    } else if m.is_dir() {
        format!("dir with {} entries", fs::read_dir(&p).unwrap().count())
    } else {
        format!("file {:?}", fs::read_to_string(&p).unwrap())
    };
    Entry {
        name: name.to_string(),
        uid: m.uid(),
        kind,
    }
}

fn planted_names() -> Vec<String> {
    let mut names: Vec<String> = [
        ".pmv-",
        ".pmv-a",
        ".pmv-x",
        ".pmv-000000000000",
        ".pmv-AAAAAAAAAAAA",
        ".pmv-aaaaaaaaaaaa",
        ".pmv-zzzzzzzzzzzz",
        ".pmv-tmp",
        ".pmv-dest",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Many names of the staging form: `.pmv-` and 12 random characters.
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..400 {
        let mut n = String::from(".pmv-");
        for _ in 0..12 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            n.push(ALNUM[(x % ALNUM.len() as u64) as usize] as char);
        }
        names.push(n);
    }
    names
}

#[test]
fn planted_staging_names_are_never_followed_or_replaced() {
    if !rustix::process::geteuid().is_root() {
        assert!(
            std::env::var("CI").is_err(),
            "CI runs as root: the test must run"
        );
        eprintln!("skipping: not root (planting entries as another user needs root)");
        return;
    }
    let Some(other) = util::other_fs() else {
        return;
    };
    let s = Scratch::new();
    fs::set_permissions(s.dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    // What an attacker would like pmv to write through or delete.
    s.file("victim", "precious")
        .dir("victim-dir")
        .file("victim-dir/keep", "K");
    s.dir("shared");
    let shared = s.path("shared");
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = s.path("victim");
    let victim_dir = s.path("victim-dir");
    let names = planted_names();
    for (i, name) in names.iter().enumerate() {
        let p = shared.join(name);
        match i % 4 {
            0 => symlink(&victim, &p).unwrap(),
            1 => symlink(&victim_dir, &p).unwrap(),
            2 => fs::write(&p, "planted").unwrap(),
            _ => symlink(shared.join("nowhere"), &p).unwrap(),
        }
        lchown(&p, Some(ATTACKER), Some(ATTACKER)).unwrap_or_else(|e| panic!("{p:?}: {e}"));
    }
    let before: Vec<Entry> = names.iter().map(|n| describe(&shared, n)).collect();

    // The victim's own entries in the shared directory, and files to move
    // in from the other file system.
    s.file("shared/app", "v1").file("shared/tree/old", "O");
    s.symlink("tree", "shared/current");
    let far = tempfile::Builder::new()
        .prefix("pmv-far-")
        .tempdir_in(other)
        .unwrap();
    let f = far.path();
    fs::write(f.join("app"), "v2").unwrap();
    fs::write(f.join("new"), "N").unwrap();
    fs::create_dir_all(f.join("t/sub")).unwrap();
    fs::write(f.join("t/sub/y"), "Y").unwrap();
    symlink("sub/y", f.join("t/sl")).unwrap();
    fs::create_dir_all(f.join("t2")).unwrap();
    fs::write(f.join("t2/z"), "Z").unwrap();

    let p = |x: &Path| x.as_os_str().to_owned();
    // Cross-file-system file moves: replacing, and onto a new name.
    s.run("pmv", [p(&f.join("app")), "shared/app".into()]).ok();
    s.run("pmv", [p(&f.join("new")), "shared/".into()]).ok();
    // Cross-file-system tree moves: into the directory, and onto a name.
    s.run("pmv", [p(&f.join("t")), "shared".into()]).ok();
    s.run("pmv", ["-T".into(), p(&f.join("t2")), "shared/t3".into()])
        .ok();
    // Atomic link replacement, many times over.
    for i in 0..50 {
        let target = if i % 2 == 0 { "t" } else { "tree" };
        s.run("pln", ["-sfn", target, "shared/current"]).ok();
        s.run("pln", ["-sf", target, "shared/link"]).ok();
    }
    s.run("pln", ["-sfn", "t", "shared/current"]).ok();

    assert_eq!(s.read("shared/app"), "v2");
    assert_eq!(s.read("shared/new"), "N");
    assert_eq!(s.read("shared/t/sub/y"), "Y");
    assert_eq!(s.link_target("shared/t/sl"), Path::new("sub/y"));
    assert_eq!(s.read("shared/t3/z"), "Z");
    assert_eq!(s.link_target("shared/current"), Path::new("t"));
    assert_eq!(s.link_target("shared/link"), Path::new("t"));
    // Nothing planted was touched, nothing was written through it.
    let after: Vec<Entry> = names.iter().map(|n| describe(&shared, n)).collect();
    assert_eq!(after, before);
    assert_eq!(s.read("victim"), "precious");
    assert_eq!(
        fs::read_dir(&victim_dir).unwrap().count(),
        1,
        "{:?}",
        s.tree()
    );
    assert_eq!(s.read("victim-dir/keep"), "K");
    // And no staging name of pmv's own was left among them.
    let staging: Vec<String> = fs::read_dir(&shared)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pmv-"))
        .collect();
    assert_eq!(
        staging.len(),
        names.len(),
        "a staging entry was left behind"
    );
}

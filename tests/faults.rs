//! Fault injection: a read-only file system, permissions, over-long names,
//! symlink loops, a source that vanishes during a copy, and SIGKILL in the
//! middle of one. Each checks the exact message, exit status 1, and that
//! nothing was lost or left half done.
//!
//! Tests that mount or change user need root: under CI (`CI=true`, which
//! runs as root) they must run; elsewhere, without root, they say so and
//! skip.

mod util;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use util::{lines, Run, Scratch};

const NOBODY: u32 = 65534;

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Whether a test that needs root can run; under CI it must.
fn root_or_skip(what: &str) -> bool {
    if is_root() {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI runs as root: {what} must run"
    );
    eprintln!("skipping {what}: not root");
    false
}

/// A scratch directory every user may enter.
fn open_scratch() -> Scratch {
    let s = Scratch::new();
    fs::set_permissions(s.dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    s
}

/// A scratch directory on the second file system, every user may enter.
fn far() -> Option<Scratch> {
    let other = util::other_fs()?;
    let s = Scratch {
        dir: tempfile::Builder::new()
            .prefix("pmv-far-")
            .tempdir_in(other)
            .unwrap(),
    };
    fs::set_permissions(s.dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    Some(s)
}

fn staging_names(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pmv-"))
        .collect()
}

fn run_in(dir: &Path, prog: &Path, args: &[&std::ffi::OsStr], as_nobody: bool) -> Run {
    let mut cmd = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args([
            format!("--reuid={NOBODY}"),
            format!("--regid={NOBODY}"),
            "--clear-groups".into(),
        ])
        .arg(prog);
        c
    } else {
        Command::new(prog)
    };
    let out = cmd
        .args(args)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The binaries copied where an unprivileged user may run them (the
/// build directory may be under a home only root can enter).
struct Bins {
    dir: tempfile::TempDir,
}

impl Bins {
    fn new() -> Bins {
        let dir = tempfile::Builder::new()
            .prefix("pmv-bin-")
            .tempdir_in(util::scratch_root())
            .unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        for prog in ["pmv", "pln"] {
            fs::copy(util::bin(prog), dir.path().join(prog)).unwrap();
        }
        Bins { dir }
    }

    fn get(&self, prog: &str) -> PathBuf {
        self.dir.path().join(prog)
    }
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

/// A directory bind-mounted read-only over itself; unmounted when dropped.
struct ReadOnly {
    path: PathBuf,
}

impl ReadOnly {
    fn mount(path: &Path) -> ReadOnly {
        let ok = |c: &mut Command| c.status().is_ok_and(|s| s.success());
        assert!(
            ok(Command::new("mount").arg("--bind").arg(path).arg(path)),
            "mount --bind {}",
            path.display()
        );
        let guard = ReadOnly {
            path: path.to_path_buf(),
        };
        assert!(
            ok(Command::new("mount")
                .args(["-o", "remount,bind,ro"])
                .arg(path)),
            "remount read-only"
        );
        guard
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        let done = Command::new("umount")
            .arg(&self.path)
            .status()
            .is_ok_and(|s| s.success());
        if !done {
            let _ = Command::new("umount").arg("-l").arg(&self.path).status();
        }
    }
}

// ---- EROFS ------------------------------------------------------------------

#[test]
fn read_only_destination_changes_nothing() {
    if !root_or_skip("the read-only bind mount test") {
        return;
    }
    let s = Scratch::new();
    s.file("a", "A")
        .file("ro/b", "old")
        .dir("tree/sub")
        .file("tree/sub/x", "X");
    let before = s.tree();
    let ro = ReadOnly::mount(&s.path("ro"));
    // A bind mount is another mount: rename(2) says EXDEV, and the copy
    // into a staging entry is refused at once.
    s.pmv(["a", "ro/b"])
        .fails("pmv: cannot create regular file 'ro/b': Read-only file system\n");
    s.pmv(["a", "ro/new"])
        .fails("pmv: cannot create regular file 'ro/new': Read-only file system\n");
    s.pmv(["tree", "ro/"])
        .fails("pmv: cannot create directory 'ro/tree': Read-only file system\n");
    s.pmv(["ro/b", "ro/c"])
        .fails("pmv: cannot move 'ro/b' to 'ro/c': Read-only file system\n");
    s.pmv(["-n", "ro/b", "ro/c"])
        .fails("pmv: cannot move 'ro/b' to 'ro/c': Read-only file system\n");
    s.run("pln", ["-sf", "a", "ro/b"])
        .fails("pln: failed to create symbolic link 'ro/b': Read-only file system\n");
    s.run("pln", ["-s", "a", "ro/l"])
        .fails("pln: failed to create symbolic link 'ro/l': Read-only file system\n");
    assert_eq!(s.tree(), before);
    drop(ro);
    assert!(staging_names(&s.path("ro")).is_empty());
}

// ---- EACCES, EPERM ----------------------------------------------------------

#[test]
fn unwritable_directory_as_an_unprivileged_user() {
    if !root_or_skip("the unprivileged-user test") {
        return;
    }
    let bins = Bins::new();
    let s = open_scratch();
    s.file("own/a", "mine").file("locked/x", "L");
    fs::set_permissions(s.path("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    for p in ["own", "own/a"] {
        std::os::unix::fs::chown(s.path(p), Some(NOBODY), Some(NOBODY)).unwrap();
    }
    let before = s.tree();
    let pmv = bins.get("pmv");
    let run = |args: &[&str]| {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| os(a)).collect();
        run_in(s.dir.path(), &pmv, &args, true)
    };
    run(&["own/a", "locked/b"])
        .fails("pmv: cannot move 'own/a' to 'locked/b': Permission denied\n");
    run(&["-T", "own/a", "locked/x"])
        .fails("pmv: cannot move 'own/a' to 'locked/x': Permission denied\n");
    run(&["locked/x", "own/x"])
        .fails("pmv: cannot move 'locked/x' to 'own/x': Permission denied\n");
    run(&["-n", "own/a", "locked/b"])
        .fails("pmv: cannot move 'own/a' to 'locked/b': Permission denied\n");
    let pln = bins.get("pln");
    run_in(
        s.dir.path(),
        &pln,
        &[os("-sf"), os("x"), os("locked/l")],
        true,
    )
    .fails("pln: failed to create symbolic link 'locked/l': Permission denied\n");
    assert_eq!(s.tree(), before);

    // Across file systems the staging entry cannot be created either.
    let Some(f) = far() else { return };
    f.file("a", "far").dir("t/u").file("t/u/y", "Y");
    for p in ["a", "t", "t/u", "t/u/y"] {
        std::os::unix::fs::chown(f.path(p), Some(NOBODY), Some(NOBODY)).unwrap();
    }
    std::os::unix::fs::chown(f.dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let far_before = f.tree();
    let a = f.path("a");
    run_in(s.dir.path(), &pmv, &[a.as_os_str(), os("locked/b")], true)
        .fails("pmv: cannot create regular file 'locked/b': Permission denied\n");
    let t = f.path("t");
    run_in(s.dir.path(), &pmv, &[t.as_os_str(), os("locked/")], true)
        .fails("pmv: cannot create directory 'locked/t': Permission denied\n");
    assert_eq!(f.tree(), far_before);
    assert_eq!(s.tree(), before);
}

#[test]
fn sticky_directory_protects_another_users_file() {
    if !root_or_skip("the sticky directory test") {
        return;
    }
    let bins = Bins::new();
    let s = open_scratch();
    s.file("sticky/b", "theirs").file("sticky/mine", "mine");
    fs::set_permissions(s.path("sticky"), fs::Permissions::from_mode(0o1777)).unwrap();
    std::os::unix::fs::chown(s.path("sticky/b"), Some(1234), Some(1234)).unwrap();
    std::os::unix::fs::chown(s.path("sticky/mine"), Some(NOBODY), Some(NOBODY)).unwrap();
    let before = s.tree();
    let pmv = bins.get("pmv");
    run_in(
        s.dir.path(),
        &pmv,
        &[os("sticky/mine"), os("sticky/b")],
        true,
    )
    .fails("pmv: cannot move 'sticky/mine' to 'sticky/b': Operation not permitted\n");
    run_in(
        s.dir.path(),
        &pmv,
        &[os("-T"), os("sticky/mine"), os("sticky/b")],
        true,
    )
    .fails("pmv: cannot move 'sticky/mine' to 'sticky/b': Operation not permitted\n");
    let pln = bins.get("pln");
    run_in(
        s.dir.path(),
        &pln,
        &[os("-sf"), os("mine"), os("sticky/b")],
        true,
    )
    .fails("pln: failed to create symbolic link 'sticky/b': Operation not permitted\n");
    assert_eq!(s.tree(), before);
    assert_eq!(fs::metadata(s.path("sticky/b")).unwrap().uid(), 1234);

    // Across file systems: the copy is staged, the final rename is refused,
    // and the staging entry goes away.
    let Some(f) = far() else { return };
    f.file("a", "far");
    std::os::unix::fs::chown(f.path("a"), Some(NOBODY), Some(NOBODY)).unwrap();
    std::os::unix::fs::chown(f.dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let a = f.path("a");
    run_in(s.dir.path(), &pmv, &[a.as_os_str(), os("sticky/b")], true).fails(&format!(
        "pmv: cannot move '{}' to 'sticky/b': Operation not permitted\n",
        a.display()
    ));
    assert_eq!(f.read("a"), "far");
    assert_eq!(s.tree(), before);
}

// ---- ENAMETOOLONG, ELOOP ------------------------------------------------------

#[test]
fn name_too_long() {
    let s = Scratch::new();
    s.file("a", "A");
    let long = "x".repeat(300);
    s.pmv(["a", long.as_str()])
        .fails(&format!("pmv: cannot stat '{long}': File name too long\n"));
    s.pmv([long.as_str(), "b"])
        .fails(&format!("pmv: cannot stat '{long}': File name too long\n"));
    s.pmv(["-T", "a", long.as_str()])
        .fails(&format!("pmv: cannot stat '{long}': File name too long\n"));
    s.run("pln", ["-s", "a", long.as_str()]).fails(&format!(
        "pln: failed to create symbolic link '{long}' -> 'a': File name too long\n"
    ));
    // With -f, GNU ln looks at the name it could not make, and says so.
    s.run("pln", ["-sf", "a", long.as_str()]).fails(&format!(
        "pln: failed to access '{long}': File name too long\n"
    ));
    assert_eq!(s.tree(), lines(&["a f:A"]));
}

#[test]
fn symlink_loop_in_a_path() {
    let s = Scratch::new();
    s.file("a", "A")
        .symlink("loop", "loop")
        .dir("d")
        .symlink("../loop", "d/l");
    let before = s.tree();
    const LOOP: &str = "Too many levels of symbolic links";
    s.pmv(["a", "loop/b"])
        .fails(&format!("pmv: cannot stat 'loop/b': {LOOP}\n"));
    s.pmv(["loop/x", "a"])
        .fails(&format!("pmv: cannot stat 'loop/x': {LOOP}\n"));
    s.pmv(["a", "d/l/x"])
        .fails(&format!("pmv: cannot stat 'd/l/x': {LOOP}\n"));
    s.pmv(["-t", "loop", "a"])
        .fails(&format!("pmv: target directory 'loop': {LOOP}\n"));
    s.pmv(["a", "a", "loop"])
        .fails(&format!("pmv: target 'loop': {LOOP}\n"));
    assert_eq!(s.tree(), before);
    // The loop itself is only a name: -T replaces it.
    s.pmv(["-T", "a", "loop"]).ok();
    assert_eq!(s.read("loop"), "A");
}

// ---- a source that vanishes during a copy -----------------------------------------

/// While a directory is copied across file systems, another thread deletes
/// the files pmv has not reached yet. pmv either fails cleanly (the
/// destination does not exist, the source is still there) or succeeds;
/// it never leaves a staging entry or a partly written file.
#[test]
fn source_vanishing_during_a_tree_copy() {
    let Some(f) = far() else { return };
    const FILES: usize = 1000;
    let content = |i: usize| format!("{i:04}").repeat(4 * 1024);
    let (mut failed, mut succeeded) = (0, 0);
    for round in 0..4 {
        let s = Scratch::new();
        let src = f.path(format!("t{round}"));
        for i in 0..FILES {
            let p = src.join("d").join(format!("f{i:04}"));
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, content(i)).unwrap();
        }
        let stop = Arc::new(AtomicBool::new(false));
        let deleter = {
            let (src, stop, dst_dir) = (src.clone(), stop.clone(), s.dir.path().to_path_buf());
            std::thread::spawn(move || {
                // Wait for the copy to start (pmv has listed the directory
                // by then), then delete from the end, where it has not
                // been yet.
                let start = Instant::now();
                while !stop.load(Ordering::Relaxed)
                    && staging_names(&dst_dir).is_empty()
                    && start.elapsed() < Duration::from_secs(20)
                {
                    std::hint::spin_loop();
                }
                std::thread::sleep(Duration::from_millis(1 + round as u64 * 3));
                for i in (FILES / 2..FILES).rev() {
                    let p = src.join("d").join(format!("f{i:04}"));
                    let _ = fs::remove_file(p);
                }
            })
        };
        let r = s.run("pmv", [src.as_os_str(), os("dst")]);
        stop.store(true, Ordering::Relaxed);
        deleter.join().unwrap();
        assert!(
            staging_names(s.dir.path()).is_empty(),
            "round {round}: {r:?}"
        );
        match r.code {
            0 => {
                succeeded += 1;
                assert_eq!(r.stderr, "");
                assert!(
                    !src.exists(),
                    "round {round}: source still there after success"
                );
            }
            1 => {
                failed += 1;
                assert!(
                    !r.stderr.is_empty() && r.stderr.lines().all(|l| l.starts_with("pmv: ")),
                    "round {round}: {r:?}"
                );
                if !s.exists("dst") {
                    assert!(src.join("d/f0000").exists(), "round {round}: source lost");
                }
            }
            _ => panic!("round {round}: {r:?}"),
        }
        // Whatever arrived is whole.
        if s.exists("dst") {
            for entry in walk_files(&s.path("dst")) {
                let name = entry.file_name().unwrap().to_string_lossy().into_owned();
                let i: usize = name[1..].parse().unwrap();
                assert_eq!(fs::read_to_string(&entry).unwrap(), content(i), "{entry:?}");
            }
        }
    }
    eprintln!("vanishing source: {failed} clean failures, {succeeded} successes");
    assert!(failed > 0, "the source never vanished under the copy");
}

fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

// ---- SIGKILL ------------------------------------------------------------------

/// SIGKILL cannot be caught: killed in the middle of a copy across file
/// systems, pmv leaves its private staging directory behind, under a
/// recognisable name (`.pmv-` and 12 random characters) and holding the
/// entry under its final name, and the destination is the old version or
/// the whole new one, never a partial file.
#[test]
fn sigkill_during_a_copy_leaves_old_or_new_and_a_recognisable_staging_name() {
    let Some(f) = far() else { return };
    const SIZE: u64 = 256 << 20;
    let big = f.path("big");
    // Written, not sparse, so that the whole size is copied.
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(fs::File::create(&big).unwrap());
        let chunk = vec![b'N'; 1 << 20];
        for _ in 0..SIZE >> 20 {
            file.write_all(&chunk).unwrap();
        }
        file.flush().unwrap();
    }
    let mut seen_old = 0;
    for (round, delay_ms) in [0u64, 5, 20, 40].into_iter().enumerate() {
        let s = Scratch::new();
        s.file("dst", "old");
        let mut child = Command::new(util::bin("pmv"))
            .arg(&big)
            .arg(s.path("dst"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while staging_names(s.dir.path()).is_empty()
            && child.try_wait().unwrap().is_none()
            && start.elapsed() < Duration::from_secs(30)
        {
            std::hint::spin_loop();
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let status = child.wait().unwrap();
        let dst = fs::metadata(s.path("dst")).unwrap();
        if dst.len() == 3 {
            seen_old += 1;
            assert_eq!(s.read("dst"), "old", "round {round}");
            assert_eq!(
                fs::metadata(&big).unwrap().len(),
                SIZE,
                "round {round}: source damaged"
            );
        } else {
            assert_eq!(dst.len(), SIZE, "round {round}: partial destination");
        }
        let left = staging_names(s.dir.path());
        if std::os::unix::process::ExitStatusExt::signal(&status) == Some(libc::SIGKILL)
            && dst.len() == 3
        {
            assert_eq!(left.len(), 1, "round {round}: {left:?}");
        }
        for name in &left {
            assert_eq!(name.len(), ".pmv-".len() + 12, "{name}");
            assert!(
                name[5..].chars().all(|c| c.is_ascii_alphanumeric()),
                "{name}"
            );
            // A private directory holding the entry under its final name.
            let meta = fs::symlink_metadata(s.path(name)).unwrap();
            assert!(meta.is_dir(), "{name}");
            assert_eq!(meta.permissions().mode() & 0o777, 0o700, "{name}");
            let inside: Vec<String> = fs::read_dir(s.path(name))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            // Empty if killed between its mkdir and the file's creation
            // (a window that a slow FUSE file system makes wide).
            assert!(inside.is_empty() || inside == ["dst"], "{name}: {inside:?}");
            if let Ok(staged) = fs::symlink_metadata(s.path(name).join("dst")) {
                assert!(staged.is_file() && staged.len() <= SIZE, "{name}");
            }
            // What the README says to do with it: delete it.
            fs::remove_dir_all(s.path(name)).unwrap();
        }
        if !big.exists() {
            break;
        }
    }
    assert!(seen_old > 0, "pmv was never killed before its rename");
}

/// A tmpfs of `size` mounted for one test, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=1777"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "mount tmpfs");
        Tmpfs { dir }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let umount = |lazy: bool| {
            let mut c = Command::new("umount");
            if lazy {
                c.arg("-l");
            }
            c.arg(self.dir.path()).status().is_ok_and(|s| s.success())
        };
        if !umount(false) {
            std::thread::sleep(Duration::from_millis(100));
            let _ = umount(false) || umount(true);
        }
    }
}

/// An unprivileged user's tree with a read-only directory, moved onto a
/// file system too small for it: the failed copy is removed whole, the
/// read-only directory's copy included, and SOURCE is untouched.
#[test]
fn a_failed_copy_of_a_read_only_directory_leaves_no_staging() {
    if !root_or_skip("the read-only staging clean-up test") {
        return;
    }
    let bins = Bins::new();
    let s = open_scratch();
    s.file("t/ro/a", "A").file("t/z/big", &"x".repeat(3 << 20));
    fs::set_permissions(s.path("t/ro"), fs::Permissions::from_mode(0o555)).unwrap();
    for p in ["t", "t/ro", "t/ro/a", "t/z", "t/z/big"] {
        std::os::unix::fs::chown(s.path(p), Some(NOBODY), Some(NOBODY)).unwrap();
    }
    fs::set_permissions(s.dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let small = Tmpfs::mount("1m");
    let r = run_in(
        s.dir.path(),
        &bins.get("pmv"),
        &[os("t"), small.dir.path().as_os_str()],
        true,
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.ends_with(": No space left on device\n"), "{r:?}");
    assert_eq!(staging_names(small.dir.path()), Vec::<String>::new());
    assert_eq!(fs::read_dir(small.dir.path()).unwrap().count(), 0);
    assert_eq!(s.read("t/ro/a"), "A");
    assert_eq!(staging_names(s.dir.path()), Vec::<String>::new());
}

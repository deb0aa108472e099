//! Moves across file systems: atomic at the destination, nothing lost.
//! They need a second file system (`util::other_fs`): under CI a missing
//! one fails the run.

mod util;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use util::{lines, Scratch};

use util::far;

fn p(path: &Path) -> &std::ffi::OsStr {
    path.as_os_str()
}

fn staging_left(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".pmv-")
        })
        .collect()
}

#[test]
fn file_keeps_data_mode_times_owner_and_xattrs() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    f.file("a", "hello");
    let src = f.path("a");
    fs::set_permissions(&src, fs::Permissions::from_mode(0o640)).unwrap();
    let when = std::time::UNIX_EPOCH + std::time::Duration::new(981_173_106, 123_456_789);
    fs::File::options()
        .write(true)
        .open(&src)
        .unwrap()
        .set_times(fs::FileTimes::new().set_accessed(when).set_modified(when))
        .unwrap();
    let root = rustix::process::geteuid().is_root();
    if root {
        std::os::unix::fs::chown(&src, Some(1234), Some(4321)).unwrap();
    }
    let xattr = util::set_xattr(&src, "user.pmv", b"v1");
    s.file("b", "old");
    let r = s.run("pmv", [p(&src), "-v".as_ref(), "b".as_ref()]);
    r.ok();
    assert_eq!(
        r.stdout,
        format!(
            "copied '{}' -> 'b'\nremoved '{}'\n",
            src.display(),
            src.display()
        )
    );
    assert!(!src.exists());
    let m = fs::metadata(s.path("b")).unwrap();
    assert_eq!(s.read("b"), "hello");
    assert_eq!(m.mode() & 0o7777, 0o640);
    assert_eq!((m.mtime(), m.mtime_nsec()), (981_173_106, 123_456_789));
    assert_eq!((m.atime(), m.atime_nsec()), (981_173_106, 123_456_789));
    if root {
        assert_eq!((m.uid(), m.gid()), (1234, 4321));
    }
    // The generic backend knows no portable xattr API (see posix.rs).
    if xattr && pmv::BACKEND != "posix" {
        assert_eq!(
            util::get_xattr(&s.path("b"), "user.pmv").as_deref(),
            Some(&b"v1"[..])
        );
    }
    assert!(staging_left(s.dir.path()).is_empty());
}

#[test]
fn tree_keeps_links_symlinks_fifos_and_modes() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    f.file("t/sub/y", "Y")
        .file("t/x", "X")
        .dir("t/empty")
        .symlink("sub/y", "t/sl");
    fs::hard_link(f.path("t/sub/y"), f.path("t/hl")).unwrap();
    util::mkfifo(&f.path("t/fifo"));
    fs::set_permissions(f.path("t/sub"), fs::Permissions::from_mode(0o750)).unwrap();
    let when = std::time::UNIX_EPOCH + std::time::Duration::new(1_000_000_000, 5);
    let src = f.path("t");
    s.run("pmv", [p(&src), ".".as_ref()]).ok();
    assert!(!src.exists());
    assert_eq!(
        s.tree(),
        lines(&[
            "t/",
            "t/empty/",
            "t/fifo special",
            "t/hl f:Y",
            "t/sl l:sub/y",
            "t/sub/",
            "t/sub/y f:Y",
            "t/x f:X"
        ])
    );
    assert_eq!(
        s.id("t/hl"),
        s.id("t/sub/y"),
        "hard links inside the tree stay hard links"
    );
    assert!(fs::symlink_metadata(s.path("t/fifo"))
        .unwrap()
        .file_type()
        .is_fifo_like());
    assert_eq!(
        fs::metadata(s.path("t/sub")).unwrap().mode() & 0o7777,
        0o750
    );
    let _ = when;
    assert!(staging_left(s.dir.path()).is_empty());
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}

impl FifoLike for fs::FileType {
    fn is_fifo_like(&self) -> bool {
        std::os::unix::fs::FileTypeExt::is_fifo(self)
    }
}

#[test]
fn tree_verbose_and_directory_times() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    f.file("d/e/g", "G").file("d/f", "F");
    let when = std::time::UNIX_EPOCH + std::time::Duration::new(1_234_567_890, 42);
    let dirfile = fs::File::open(f.path("d/e")).unwrap();
    dirfile
        .set_times(fs::FileTimes::new().set_accessed(when).set_modified(when))
        .unwrap();
    let src = f.path("d");
    let r = s.run("pmv", ["-v".as_ref(), p(&src), "x".as_ref()]);
    r.ok();
    let d = src.display();
    let out: Vec<&str> = r.stdout.lines().collect();
    // Entries are listed in directory order, which depends on the file
    // system: compare as sets, and check the order that is guaranteed.
    let mut got = out.clone();
    got.sort();
    let mut want = vec![
        "created directory 'x'".to_string(),
        "created directory 'x/e'".to_string(),
        format!("copied '{d}/e/g' -> 'x/e/g'"),
        format!("copied '{d}/f' -> 'x/f'"),
        format!("removed '{d}/e/g'"),
        format!("removed directory '{d}/e'"),
        format!("removed '{d}/f'"),
        format!("removed directory '{d}'"),
    ];
    want.sort();
    assert_eq!(got, want);
    let at = |line: &str| out.iter().position(|l| *l == line).unwrap();
    assert_eq!(at("created directory 'x'"), 0);
    assert!(at("created directory 'x/e'") < at(&format!("copied '{d}/e/g' -> 'x/e/g'")));
    assert!(
        at(&format!("copied '{d}/f' -> 'x/f'")) < at(&format!("removed '{d}/f'")),
        "copy, then remove"
    );
    assert!(at(&format!("removed '{d}/e/g'")) < at(&format!("removed directory '{d}/e'")));
    assert_eq!(at(&format!("removed directory '{d}'")), out.len() - 1);
    let m = fs::metadata(s.path("x/e")).unwrap();
    assert_eq!((m.mtime(), m.mtime_nsec()), (1_234_567_890, 42));
}

#[test]
fn replaces_existing_destination_atomically_and_refuses_non_empty_directory() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    f.file("a", "new").dir("d").file("d/x", "X");
    s.file("a", "old").dir("d").file("d/keep", "K");
    s.run("pmv", [p(&f.path("a")), ".".as_ref()]).ok();
    assert_eq!(s.read("a"), "new");
    let src = f.path("d");
    s.run("pmv", [p(&src), ".".as_ref()]).fails(&format!(
        "pmv: inter-device move failed: '{}' to './d'; unable to remove target: Directory not empty\n",
        src.display()
    ));
    assert_eq!(s.read("d/keep"), "K");
    assert_eq!(f.read("d/x"), "X");
    // An empty directory is replaced.
    fs::remove_file(s.path("d/keep")).unwrap();
    s.run("pmv", [p(&src), ".".as_ref()]).ok();
    assert_eq!(s.tree(), lines(&["a f:new", "d/", "d/x f:X"]));
}

#[test]
fn no_clobber_no_copy_and_atomic() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    f.file("a", "new").dir("tree");
    s.file("a", "old");
    let a = f.path("a");
    s.run("pmv", ["-n".as_ref(), p(&a), ".".as_ref()]).ok();
    assert_eq!((s.read("a"), f.read("a")), ("old".into(), "new".into()));
    s.run("pmv", ["--no-copy".as_ref(), p(&a), "b".as_ref()])
        .fails(&format!(
            "pmv: cannot move '{}' to 'b': Invalid cross-device link\n",
            a.display()
        ));
    // A tree leaves SOURCE in one rename and appears at DEST in one:
    // --atomic allows it.
    let tree = f.path("tree");
    s.run("pmv", ["--atomic".as_ref(), p(&tree), "t".as_ref()])
        .ok();
    assert!(!tree.exists() && s.exists("t"));
    fs::create_dir(&tree).unwrap();
    // A single file is atomic at the destination: --atomic allows it.
    s.run("pmv", ["--atomic".as_ref(), p(&a), "b".as_ref()])
        .ok();
    assert_eq!(s.read("b"), "new");
    let r = s.run("pmv", ["--debug".as_ref(), p(&tree), "t".as_ref()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.ends_with(": atomic at both ends\n") && r.stderr.contains("staging"),
        "{r:?}"
    );
}

#[test]
fn sparse_files_stay_sparse() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    let src = f.path("sparse");
    let file = fs::File::create(&src).unwrap();
    file.set_len(64 << 20).unwrap();
    drop(file);
    s.run("pmv", [p(&src), "sparse".as_ref()]).ok();
    let m = fs::metadata(s.path("sparse")).unwrap();
    assert_eq!(m.len(), 64 << 20);
    assert!(
        m.blocks() * 512 < 1 << 20,
        "{} blocks for a 64 MiB hole",
        m.blocks()
    );
}

/// A reader of the destination, while it is replaced across file systems
/// again and again, never sees it missing or partly written.
#[test]
fn readers_never_see_a_gap_or_a_partial_file() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let Some(f) = far() else { return };
    let s = Scratch::new();
    const SIZE: usize = 256 * 1024;
    s.file("cur", &"A".repeat(SIZE));
    let stop = Arc::new(AtomicBool::new(false));
    let (gaps, partial, reads) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let reader = {
        let (path, stop, gaps, partial, reads) = (
            s.path("cur"),
            stop.clone(),
            gaps.clone(),
            partial.clone(),
            reads.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match fs::read(&path) {
                    Ok(data) => {
                        reads.fetch_add(1, Ordering::Relaxed);
                        if data.len() != SIZE || data.iter().any(|&b| b != data[0]) {
                            partial.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => {
                        gaps.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        })
    };
    for i in 0..100 {
        let letter = if i % 2 == 0 { "B" } else { "C" };
        f.file("next", &letter.repeat(SIZE));
        s.run("pmv", [p(&f.path("next")), "cur".as_ref()]).ok();
    }
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    assert!(reads.load(Ordering::Relaxed) > 0);
    assert_eq!(
        gaps.load(Ordering::Relaxed),
        0,
        "the destination went missing"
    );
    assert_eq!(
        partial.load(Ordering::Relaxed),
        0,
        "a partial file was seen"
    );
    assert!(staging_left(s.dir.path()).is_empty());
}

/// A small tmpfs, mounted for one test and unmounted when dropped.
struct SmallFs {
    dir: tempfile::TempDir,
}

impl SmallFs {
    fn mount(size: &str) -> Option<SmallFs> {
        let dir = tempfile::tempdir().unwrap();
        let ok = rustix::process::geteuid().is_root()
            && Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
        if ok {
            return Some(SmallFs { dir });
        }
        assert!(
            std::env::var("CI").is_err(),
            "CI runs as root: the full-disk test must run"
        );
        eprintln!("skipping: cannot mount a tmpfs (not root)");
        None
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        // A just-exited child can keep the mount busy for a moment: retry,
        // then detach it lazily, so the mount point can always be removed.
        let umount = |args: &[&str]| {
            Command::new("umount")
                .args(args)
                .arg(self.dir.path())
                .status()
                .is_ok_and(|s| s.success())
        };
        for _ in 0..20 {
            if umount(&[]) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = umount(&["-l"]);
    }
}

#[test]
fn full_disk_leaves_everything_as_it_was() {
    let Some(small) = SmallFs::mount("1m") else {
        return;
    };
    let s = Scratch::new();
    s.file("big", &"x".repeat(4 << 20));
    let dst = small.dir.path().join("dst");
    fs::write(&dst, "old").unwrap();
    let r = s.run("pmv", ["big".as_ref(), p(&dst)]);
    r.fails(&format!(
        "pmv: error writing '{}': No space left on device\n",
        dst.display()
    ));
    assert_eq!(fs::read_to_string(&dst).unwrap(), "old");
    assert_eq!(fs::metadata(s.path("big")).unwrap().len(), 4 << 20);
    assert!(
        staging_left(small.dir.path()).is_empty(),
        "{:?}",
        staging_left(small.dir.path())
    );
}

/// SIGINT, SIGTERM and SIGHUP in the middle of a copy: the staging entry
/// is removed, SOURCE and destination are untouched, and pmv dies of the
/// signal.
#[test]
fn signal_in_the_middle_of_a_copy() {
    // SOURCE on the second file system (a tmpfs in CI), DEST here: from
    // tmpfs the data moves by read/write in 256 KiB steps, the copy with
    // the most steps; from a disk file system sendfile moves the 512 MiB
    // fast enough that a loaded machine can schedule the signal after it.
    let Some(there) = far() else { return };
    let here = Scratch::new();
    let big = there.path("big");
    // Written (not sparse), so every byte is copied.
    let chunk = vec![1u8; 8 << 20];
    let mut file = fs::File::create(&big).unwrap();
    for _ in 0..64 {
        std::io::Write::write_all(&mut file, &chunk).unwrap();
    }
    drop(file);
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let dst = here.path("dst");
        fs::write(&dst, "old").unwrap();
        let mut child = Command::new(util::bin("pmv"))
            .arg(&big)
            .arg(&dst)
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        let mut seen = false;
        while start.elapsed() < std::time::Duration::from_secs(20) {
            if !staging_left(here.dir.path()).is_empty() {
                seen = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
        }
        assert!(seen, "the copy finished before it could be interrupted");
        unsafe { libc::kill(child.id() as i32, sig) };
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(sig), "{status:?}");
        assert_eq!(fs::read_to_string(&dst).unwrap(), "old");
        assert_eq!(fs::metadata(&big).unwrap().len(), 512 << 20);
        assert!(
            staging_left(here.dir.path()).is_empty(),
            "{:?}",
            staging_left(here.dir.path())
        );
    }
}

#[test]
fn source_that_cannot_be_removed_changes_nothing() {
    // Checked before DEST is touched: SOURCE could not be renamed away
    // afterwards, so nothing happens (GNU would replace DEST, then fail).
    if rustix::process::geteuid().is_root() {
        let Some(f) = far() else { return };
        let s = Scratch::new();
        f.file("ro/a", "A");
        s.file("a", "old");
        let ro = f.path("ro");
        let bound = Command::new("mount")
            .args(["--bind"])
            .arg(&ro)
            .arg(&ro)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new("mount")
                .args(["-o", "remount,bind,ro"])
                .arg(&ro)
                .status()
                .is_ok_and(|s| s.success());
        if !bound {
            let _ = Command::new("umount").arg(&ro).status();
            assert!(
                std::env::var("CI").is_err(),
                "CI runs as root: bind mounts must work"
            );
            return;
        }
        let a = ro.join("a");
        let r = s.run("pmv", [p(&a), "a".as_ref()]);
        let _ = Command::new("umount").arg(&ro).status();
        r.fails(&format!(
            "pmv: cannot move '{}' to 'a': Read-only file system\n",
            a.display()
        ));
        assert_eq!(s.read("a"), "old");
        assert_eq!(f.read("ro/a"), "A");
        assert!(staging_left(s.dir.path()).is_empty());
        assert!(staging_left(&ro).is_empty());
    }
}

/// The data path of a file copy, as `--debug` names it: `sendfile` from a
/// disk file system to one of another type (where `copy_file_range`
/// refuses the pair), `read`/`write` from tmpfs (where `sendfile` would
/// copy each page once more). Each direction is checked where this host's
/// pair of file systems gives that case.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn data_path_across_file_system_types() {
    const TMPFS: u64 = 0x0102_1994;
    const FUSE: u64 = 0x6573_5546;
    #[allow(clippy::unnecessary_cast)]
    fn fs_type(p: &Path) -> u64 {
        rustix::fs::statfs(p).unwrap().f_type as u64
    }
    let Some(f) = far() else { return };
    let s = Scratch::new();
    let (near_type, far_type) = (fs_type(s.dir.path()), fs_type(f.dir.path()));
    let data = vec![7u8; 1 << 20];
    let mut checked = 0;
    for (from, to, from_type, to_type) in
        [(&s, &f, near_type, far_type), (&f, &s, far_type, near_type)]
    {
        let want = match from_type {
            _ if from_type == to_type || from_type == FUSE || to_type == FUSE => continue,
            // The generic backend copies with read/write only.
            _ if cfg!(pmv_backend = "posix") => "then read/write into",
            TMPFS => "then read/write into",
            _ => "then sendfile into",
        };
        fs::write(from.path("data"), &data).unwrap();
        let r = s.pmv([
            "--debug".as_ref(),
            p(&from.path("data")),
            p(&to.path("data")),
        ]);
        assert_eq!(r.code, 0, "{r:?}");
        assert!(r.stderr.contains(want), "expected '{want}': {r:?}");
        assert_eq!(fs::read(to.path("data")).unwrap(), data);
        assert!(!from.path("data").exists());
        fs::remove_file(to.path("data")).unwrap();
        checked += 1;
    }
    if checked == 0 {
        eprintln!("skipping: both file systems are of one type (or FUSE): copy_file_range's case");
    }
}

#[test]
fn target_directory_on_another_file_system_is_opened_once() {
    // `l` names a directory on the other file system; moving `l` itself
    // into it first does not change where the next SOURCE goes.
    let Some(f) = far() else { return };
    let s = Scratch::new();
    f.dir("b");
    s.symlink(f.path("b").to_str().unwrap(), "l").file("c", "C");
    s.pmv(["-t", "l", "l", "c"]).ok();
    assert_eq!(s.tree(), Vec::<String>::new());
    let b = f.path("b").display().to_string();
    assert_eq!(f.tree(), lines(&["b/", &format!("b/l l:{b}"), "b/c f:C"]));
    assert!(staging_left(&f.path("b")).is_empty());
}

/// A writer process, killed if the test fails before letting it go.
struct Writer(std::process::Child);

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A writer that holds `file` open for appending, blocked on the fifo
/// `go`; once the test writes a line to `go`, it appends `late` through
/// the descriptor it holds and exits.
fn held_open_for_writing(file: &Path, go: &Path) -> Writer {
    assert!(Command::new("mkfifo").arg(go).status().unwrap().success());
    let child = Command::new("sh")
        .arg("-c")
        .arg(r#"exec 3>>"$1"; echo ready > "$2.ready"; read x < "$2"; echo late >&3"#)
        .arg("sh")
        .arg(file)
        .arg(go)
        .spawn()
        .unwrap();
    // The descriptor is open once the writer has said so.
    let mut ready = go.as_os_str().to_owned();
    ready.push(".ready");
    let ready_path = PathBuf::from(ready);
    while fs::read_to_string(&ready_path).map_or(true, |r| r != "ready\n") {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    Writer(child)
}

fn let_go(mut writer: Writer, go: &Path) {
    fs::write(go, "go\n").unwrap();
    assert!(writer.0.wait().unwrap().success());
}

/// A file of SOURCE's tree that another process holds open for writing is
/// not removed after the copy (where the system has leases: Linux): a
/// write it makes later would be lost with it. It stays in the private
/// directory beside SOURCE, named, with that later write; the rest of
/// SOURCE is removed and DEST is complete.
#[test]
fn a_file_held_open_for_writing_is_kept_with_its_later_writes() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    f.file("t/log", "early\n").file("t/other", "x\n");
    let writer = held_open_for_writing(&f.path("t/log"), &s.path("go"));
    let r = s.run("pmv", [p(&f.path("t")), "d".as_ref()]);
    let leases =
        cfg!(any(target_os = "linux", target_os = "android")) && !cfg!(pmv_backend = "posix");
    assert_eq!(s.read("d/log"), "early\n");
    assert_eq!(s.read("d/other"), "x\n");
    if !leases {
        // No lease: checked, then removed; the README states the window.
        let_go(writer, &s.path("go"));
        r.ok();
        return;
    }
    let kept = staging_left(f.dir.path());
    assert_eq!(kept.len(), 1, "{r:?}");
    let log = kept[0].join("t/log");
    assert_eq!(
        r.stderr,
        format!(
            "pmv: not removing '{}': open for writing elsewhere\npmv: what remains of '{}' is in '{}'\n",
            f.path("t/log").display(),
            f.path("t").display(),
            kept[0].display()
        )
    );
    assert_eq!(r.code, 1);
    assert!(fs::symlink_metadata(kept[0].join("t/other")).is_err());
    let_go(writer, &s.path("go"));
    assert_eq!(fs::read_to_string(&log).unwrap(), "early\nlate\n");
}

/// The same for SOURCE itself, a single file: it is given back its name,
/// and the later write is in it.
#[test]
fn a_source_file_held_open_for_writing_is_given_back() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    f.file("log", "early\n");
    let writer = held_open_for_writing(&f.path("log"), &s.path("go"));
    let r = s.run("pmv", [p(&f.path("log")), "d".as_ref()]);
    let leases =
        cfg!(any(target_os = "linux", target_os = "android")) && !cfg!(pmv_backend = "posix");
    assert_eq!(s.read("d"), "early\n");
    if !leases {
        let_go(writer, &s.path("go"));
        r.ok();
        return;
    }
    assert_eq!(
        r.stderr,
        format!(
            "pmv: not removing '{}': open for writing elsewhere\n",
            f.path("log").display()
        )
    );
    assert_eq!(r.code, 1);
    assert!(staging_left(f.dir.path()).is_empty());
    let_go(writer, &s.path("go"));
    assert_eq!(fs::read_to_string(f.path("log")).unwrap(), "early\nlate\n");
}

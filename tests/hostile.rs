//! A hostile owner: root moves a tree that another user (uid 65534) owns
//! across file systems while that user, a second process really running
//! with that uid, races pmv. Each window is widened with strace (a delay
//! injected into one system call), so the race is hit on every run, not by
//! luck. Also: a file seen through bindfs, a directory moved into itself
//! through a bind mount, the check of SOURCE before anything changes, and
//! the privacy of the staging directory.
//!
//! Needs root (to change user and to mount): under CI (`CI=true`) every
//! test must run; elsewhere, without root or a tool, it says so and skips.
// These tests drive Linux tools (strace, bindfs, setpriv, bind mounts);
// every other system runs the rest of the suite.
#![cfg(any(target_os = "linux", target_os = "android"))]

mod util;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{lchown, symlink, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serial_test::serial;
use util::{Run, Scratch};

/// The hostile owner.
const NOBODY: u32 = 65534;

/// What root's private files hold; never seen outside them.
const SECRET: &str = "TOP-SECRET-4c1d9e0b";

/// Under CI (`CI` set, as `faults.rs` and `util` read it) nothing skips.
fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Whether a test can run: root and every tool on `PATH` (strace also able
/// to trace). Under CI it must.
fn ready(what: &str, tools: &[&str]) -> bool {
    if !rustix::process::geteuid().is_root() {
        assert!(!in_ci(), "CI runs as root: {what} must run");
        eprintln!("skipping {what}: not root");
        return false;
    }
    for tool in tools {
        let found = std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(tool).is_file()));
        let works = found
            && (*tool != "strace"
                || Command::new("strace")
                    .args(["-f", "-o", "/dev/null", "true"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success()));
        if !works {
            assert!(!in_ci(), "{what} needs {tool}, and must run in CI");
            eprintln!("skipping {what}: {tool} is missing or does not work");
            return false;
        }
    }
    true
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

fn mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// `lchown` a whole tree to `uid:uid`.
fn chown_tree(path: &Path, uid: u32) {
    lchown(path, Some(uid), Some(uid)).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    if fs::symlink_metadata(path).unwrap().is_dir() {
        for e in fs::read_dir(path).unwrap() {
            chown_tree(&e.unwrap().path(), uid);
        }
    }
}

/// The `.pmv-*` names in `dir`.
fn staging(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pmv-"))
        .collect()
}

/// The `.pmv-*` names in `dir` that root (pmv) owns; the attacker's own
/// plantings are its business.
fn root_staging(dir: &Path) -> Vec<String> {
    staging(dir)
        .into_iter()
        .filter(|n| fs::symlink_metadata(dir.join(n)).is_ok_and(|m| m.uid() == 0))
        .collect()
}

/// Every entry under `root` with its kind, sorted; symlinks not followed.
fn listing(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            let m = fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                out.push(format!("{rel}/"));
                walk(root, &p, out);
            } else if m.file_type().is_symlink() {
                out.push(format!("{rel} -> {}", fs::read_link(&p).unwrap().display()));
            } else {
                out.push(format!("{rel} ({} bytes)", m.len()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Regular files under `root` (symlinks not followed) that contain `what`.
fn files_containing(root: &Path, what: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let Ok(rd) = fs::read_dir(root) else {
        return hits;
    };
    for e in rd {
        let p = e.unwrap().path();
        let m = fs::symlink_metadata(&p).unwrap();
        if m.is_dir() {
            hits.extend(files_containing(&p, what));
        } else if m.is_file() && String::from_utf8_lossy(&fs::read(&p).unwrap()).contains(what) {
            hits.push(p);
        }
    }
    hits
}

fn output(cmd: &mut Command) -> Run {
    let out = cmd
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

/// Run `prog` in `dir`, as root or as uid 65534.
fn run_in(dir: &Path, prog: &Path, args: &[&OsStr], as_nobody: bool) -> Run {
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
    output(cmd.args(args).current_dir(dir))
}

/// Run pmv as root in `dir` under strace, every call of `syscalls` delayed
/// by `micros` on entry: the window an attacker needs, on every run.
fn traced(dir: &Path, syscalls: &str, micros: u64, args: &[&OsStr]) -> Run {
    output(
        Command::new("strace")
            .args(["-f", "-o", "/dev/null", "-e"])
            .arg(format!("trace={syscalls}"))
            .arg("-e")
            .arg(format!("inject={syscalls}:delay_enter={micros}"))
            .arg(util::bin("pmv"))
            .args(args)
            .current_dir(dir),
    )
}

/// The binaries copied where uid 65534 may run them (the build directory
/// may be under a home only root can enter).
struct Bins {
    dir: tempfile::TempDir,
}

impl Bins {
    fn new() -> Bins {
        let dir = tempfile::Builder::new()
            .prefix("pmv-bin-")
            .tempdir_in(util::scratch_root())
            .unwrap();
        mode(dir.path(), 0o755);
        for prog in ["pmv", "pln"] {
            fs::copy(util::bin(prog), dir.path().join(prog)).unwrap();
        }
        Bins { dir }
    }

    fn pmv(&self) -> PathBuf {
        self.dir.path().join("pmv")
    }

    fn pln(&self) -> PathBuf {
        self.dir.path().join("pln")
    }
}

/// What every attacker script starts with: its control directory (`log`,
/// `loot`, and `stop`, which the test creates to end it), a check of its
/// own uid with `id -u`, and a deadline of its own.
const PRELUDE: &str = r#"
use strict; use warnings;
my $ctl = shift @ARGV;
open(my $log, '>>', "$ctl/log") or die "log: $!";
{ my $old = select($log); $| = 1; select($old); }
my $id = `id -u`; chomp $id;
print $log "uid $id\n";
my $deadline = time + 20;
sub done { return -e "$ctl/stop" || time > $deadline; }
sub nap { select(undef, undef, undef, $_[0]); }
"#;

/// The other user: a perl script run by `setpriv` as uid 65534, killed
/// when dropped if it is still running.
struct Attacker {
    child: Child,
    ctl: tempfile::TempDir,
}

impl Attacker {
    /// Start `body` in `cwd` (entered as root, before the uid changes)
    /// and wait until it says `ready`.
    fn start(body: &str, cwd: &Path, args: &[&OsStr]) -> Attacker {
        let ctl = tempfile::Builder::new()
            .prefix("pmv-attacker-")
            .tempdir_in(util::scratch_root())
            .unwrap();
        mode(ctl.path(), 0o755);
        lchown(ctl.path(), Some(NOBODY), Some(NOBODY)).unwrap();
        let stderr = fs::File::create(ctl.path().join("stderr")).unwrap();
        let child = Command::new("setpriv")
            .args([
                format!("--reuid={NOBODY}"),
                format!("--regid={NOBODY}"),
                "--clear-groups".into(),
            ])
            .arg("perl")
            .arg("-e")
            .arg(format!("{PRELUDE}{body}"))
            .arg("--")
            .arg(ctl.path())
            .args(args)
            .current_dir(cwd)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut a = Attacker { child, ctl };
        let start = Instant::now();
        while !a.log().lines().any(|l| l == "ready") {
            if let Some(status) = a.child.try_wait().unwrap() {
                panic!(
                    "the attacker exited ({status}) before it was ready: {}{}",
                    a.log(),
                    a.file("stderr")
                );
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the attacker never got ready: {}",
                a.log()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let log = a.log();
        assert_eq!(
            log.lines().next(),
            Some("uid 65534"),
            "the attacker must run as uid 65534: {log}"
        );
        a
    }

    fn file(&self, name: &str) -> String {
        String::from_utf8_lossy(&fs::read(self.ctl.path().join(name)).unwrap_or_default())
            .into_owned()
    }

    fn log(&self) -> String {
        self.file("log")
    }

    /// Everything the attacker managed to read.
    fn loot(&self) -> String {
        self.file("loot")
    }

    /// Tell it to stop, wait (bounded), and return its log and stderr.
    fn stop(&mut self) -> String {
        fs::write(self.ctl.path().join("stop"), "").unwrap();
        let start = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        format!("{}{}", self.log(), self.file("stderr"))
    }
}

impl Drop for Attacker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A mount, undone when dropped (retried while busy, then detached).
struct Mount {
    path: PathBuf,
    fuse: bool,
}

impl Mount {
    fn new(cmd: &mut Command, path: &Path, fuse: bool) -> Mount {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Mount {
            path: path.to_path_buf(),
            fuse,
        }
    }

    fn tmpfs(at: &Path, size: &str) -> Mount {
        Mount::new(
            Command::new("mount")
                .args(["-t", "tmpfs", "-o"])
                .arg(format!("size={size}"))
                .arg("tmpfs")
                .arg(at),
            at,
            false,
        )
    }

    fn bind(from: &Path, at: &Path) -> Mount {
        Mount::new(
            Command::new("mount").arg("--bind").arg(from).arg(at),
            at,
            false,
        )
    }

    fn bindfs(from: &Path, at: &Path) -> Mount {
        Mount::new(Command::new("bindfs").arg(from).arg(at), at, true)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let quiet = |c: &mut Command| {
            c.stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        for _ in 0..40 {
            let fuse_unmounted = self.fuse
                && ["fusermount", "fusermount3"]
                    .iter()
                    .any(|f| quiet(Command::new(f).arg("-u").arg(&self.path)));
            if fuse_unmounted || quiet(Command::new("umount").arg(&self.path)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = quiet(Command::new("umount").arg("-l").arg(&self.path));
    }
}

fn count(dir: &Path) -> usize {
    fs::read_dir(dir).unwrap().count()
}

// ---- 1. removal: a subdirectory swapped for a symlink ----------------------

/// Waits until DEST's `x` exists (the commit) and SOURCE's `x` has lost a
/// file (the removal has begun), then renames `x` away and puts a symlink
/// to root's private directory in its place. Runs in SOURCE (its cwd).
const SWAP_DURING_REMOVAL: &str = r#"
my ($dest_x, $target, $files) = @ARGV;
print $log "ready\n";
until (-d $dest_x) { exit 0 if done(); nap(0.001); }
print $log "committed\n";
while (1) {
    exit 0 if done();
    opendir(my $d, "x") or do { print $log "opendir x: $!\n"; exit 0; };
    my $n = grep { !/^\.\.?$/ } readdir($d);
    closedir($d);
    last if $n < $files;
    nap(0.0005);
}
rename("x", "x.away") or print $log "rename x: $!\n";
symlink($target, "x") or print $log "symlink x: $!\n";
print $log "swapped\n";
"#;

/// Root moves alice's tree (3,000 files in `x`) off the second file system.
/// Once the removal of SOURCE has begun, alice renames `x` away and puts a
/// symlink to a root-only directory (full of files of the same names) in
/// its place. SOURCE is removed relative to identity-checked directory fds:
/// nothing in the root-only directory goes, and DEST is complete.
#[test]
#[serial]
fn owner_swapping_a_subdirectory_for_a_symlink_during_removal_deletes_nothing_outside() {
    if !ready("the removal race", &["strace", "setpriv", "perl"]) {
        return;
    }
    let Some(f) = far() else { return };
    let s = open_scratch();
    const FILES: usize = 3000;
    // Root's private directory, its files named as alice's.
    let rootonly = s.path("rootonly");
    s.dir("rootonly");
    for i in 0..FILES {
        fs::write(rootonly.join(format!("f{i:04}")), "root's\n").unwrap();
    }
    mode(&rootonly, 0o700);
    let before = count(&rootonly);
    // alice's tree on the other file system; A is root's.
    f.dir("A/alice/x");
    for i in 0..FILES {
        fs::write(f.path(format!("A/alice/x/f{i:04}")), format!("alice {i}\n")).unwrap();
    }
    let alice = f.path("A/alice");
    chown_tree(&alice, NOBODY);
    s.dir("dst");
    let dest_x = s.path("dst/alice/x");
    let files = FILES.to_string();
    let mut attacker = Attacker::start(
        SWAP_DURING_REMOVAL,
        &alice,
        &[dest_x.as_os_str(), rootonly.as_os_str(), files.as_ref()],
    );
    let r = traced(
        s.dir.path(),
        "unlink,unlinkat",
        300,
        &[alice.as_os_str(), "dst/".as_ref()],
    );
    let log = attacker.stop();
    let after = count(&rootonly);
    assert_eq!(
        after,
        before,
        "{} root-only files deleted through the owner's symlink; pmv: {r:?}; attacker: {log}",
        before.saturating_sub(after)
    );
    assert!(
        log.contains("swapped"),
        "the owner never swapped x during the removal: {log}; pmv: {r:?}"
    );
    for i in 0..FILES {
        let p = s.path(format!("dst/alice/x/f{i:04}"));
        assert_eq!(
            fs::read_to_string(&p).ok(),
            Some(format!("alice {i}\n")),
            "DEST incomplete at {p:?}: {r:?}"
        );
    }
}

// ---- 2. copy: a subdirectory exchanged with a symlink -------------------------

/// Exchanges `x` and `l` (a directory and a symlink) with
/// `renameat2(RENAME_EXCHANGE)` until told to stop. Runs in SOURCE. The
/// call's number is perl's own (`syscall.ph`), which is not the test's
/// when the test runs as another architecture (i686, or under qemu-user);
/// the test's is the fallback.
const EXCHANGE_LOOP: &str = r#"
my $sysno = eval { require "syscall.ph"; &SYS_renameat2 } // $ARGV[0];
my ($a, $b) = ("x", "l");
print $log "ready\n";
my ($n, $bad, $err) = (0, 0, "");
until (done()) {
    if (syscall($sysno, -100, $a, -100, $b, 2) == 0) { $n++; } else { $bad++; $err = "$!"; }
    nap(0.0002);
}
print $log "exchanges $n failed $bad $err\n";
"#;

/// While root copies alice's tree, alice keeps exchanging its subdirectory
/// `x` with a symlink to a root-only tree of 0600 files holding a secret
/// (same names). Nothing outside SOURCE is read into DEST; a copy that
/// notices says `was replaced while being copied` and leaves no staging.
#[test]
#[serial]
fn owner_exchanging_a_subdirectory_with_a_symlink_during_the_copy_leaks_nothing() {
    if !ready("the copy race", &["strace", "setpriv", "perl"]) {
        return;
    }
    let Some(f) = far() else { return };
    let s = open_scratch();
    const FILES: usize = 100;
    // Root's private tree: 0600 files holding a secret, named as alice's.
    let rootonly = s.path("rootonly");
    s.dir("rootonly");
    for i in 0..FILES {
        let p = rootonly.join(format!("f{i:03}"));
        fs::write(&p, format!("{SECRET} {i}\n")).unwrap();
        mode(&p, 0o600);
    }
    mode(&rootonly, 0o700);
    f.dir("t/x");
    for i in 0..FILES {
        fs::write(f.path(format!("t/x/f{i:03}")), format!("public {i}\n")).unwrap();
    }
    symlink(&rootonly, f.path("t/l")).unwrap();
    let t = f.path("t");
    chown_tree(&t, NOBODY);
    s.dir("dst");
    let sysno = libc::SYS_renameat2.to_string();
    let mut attacker = Attacker::start(EXCHANGE_LOOP, &t, &[sysno.as_ref()]);
    let r = traced(
        s.dir.path(),
        "openat",
        2000,
        &[t.as_os_str(), "dst/".as_ref()],
    );
    let log = attacker.stop();
    let dest = s.path("dst/t");
    let leaked = files_containing(&dest, SECRET);
    assert!(
        leaked.is_empty(),
        "{} files under DEST hold root's secret (e.g. {:?}); pmv: {r:?}",
        leaked.len(),
        leaked.first()
    );
    assert!(
        staging(&s.path("dst")).is_empty(),
        "staging left in DEST's directory: {:?}; pmv: {r:?}",
        staging(&s.path("dst"))
    );
    if r.code != 0 && fs::symlink_metadata(&dest).is_err() {
        // The copy failed (not the removal after the commit).
        assert!(
            r.stderr.contains("was replaced while being copied"),
            "the copy failed for another reason: {r:?}"
        );
        assert_eq!(r.code, 1, "{r:?}");
    }
    let exchanges: u64 = log
        .lines()
        .find_map(|l| l.strip_prefix("exchanges "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(exchanges > 0, "the owner never exchanged x and l: {log}");
}

// ---- 3. a fifo into a sticky directory: symlinks at every name ---------------

/// Plants symlinks to the victim at the final name and at guessed staging
/// names, then replaces every `.pmv-*` entry of its own (it owns one once
/// pmv has given it the fifo's owner) with a symlink to the victim.
const SYMLINKS_IN_STICKY_DIR: &str = r#"
my ($dir, $victim, @plant) = @ARGV;
for my $name (@plant) { symlink($victim, "$dir/$name") or print $log "plant $name: $!\n"; }
print $log "ready\n";
my %seen;
until (done()) {
    opendir(my $d, $dir) or last;
    my @names = grep { /^\.pmv-/ } readdir($d);
    closedir($d);
    for my $name (@names) {
        my $p = "$dir/$name";
        my @st = lstat($p) or next;
        next if -l _;
        print $log "saw $name uid $st[4]\n" unless $seen{"$name $st[4]"}++;
        next unless $st[4] == $<;
        unlink($p) or next;
        symlink($victim, $p) and print $log "swapped $name\n";
    }
    nap(0.0005);
}
"#;

/// Root moves alice's fifo into a sticky 1777 directory on the other file
/// system while alice plants symlinks to a root-owned 0755 file at every
/// name she can guess or see there, during a slowed chown/chmod. The
/// metadata is set inside the private directory: root's file keeps its
/// mode and owner, and the fifo arrives with alice as owner and its mode.
#[test]
#[serial]
fn fifo_into_a_sticky_directory_never_changes_what_a_symlink_points_at() {
    if !ready("the sticky-directory race", &["strace", "setpriv", "perl"]) {
        return;
    }
    let Some(f) = far() else { return };
    let s = open_scratch();
    s.file("victim", "#!/bin/sh\n");
    let victim = s.path("victim");
    mode(&victim, 0o755);
    util::mkfifo(&s.path("fifo"));
    mode(&s.path("fifo"), 0o640);
    lchown(s.path("fifo"), Some(NOBODY), Some(NOBODY)).unwrap();
    f.dir("sticky");
    let sticky = f.path("sticky");
    mode(&sticky, 0o1777);
    let mut attacker = Attacker::start(
        SYMLINKS_IN_STICKY_DIR,
        f.dir.path(),
        &[
            sticky.as_os_str(),
            victim.as_os_str(),
            "fifo".as_ref(),
            ".pmv-000000000000".as_ref(),
            ".pmv-aaaaaaaaaaaa".as_ref(),
        ],
    );
    let r = traced(
        s.dir.path(),
        "fchownat,fchown,fchmodat,fchmod",
        200_000,
        &["fifo".as_ref(), sticky.as_os_str()],
    );
    let log = attacker.stop();
    let v = fs::symlink_metadata(&victim).unwrap();
    assert_eq!(
        (v.mode() & 0o7777, v.uid(), v.gid()),
        (0o755, 0, 0),
        "root's file was changed through a symlink (mode {:04o}, owner {}:{}); pmv: {r:?}; attacker: {log}",
        v.mode() & 0o7777,
        v.uid(),
        v.gid()
    );
    let moved = fs::symlink_metadata(sticky.join("fifo")).unwrap();
    assert!(
        moved.file_type().is_fifo(),
        "DEST is not the fifo: {:?}; pmv: {r:?}; attacker: {log}",
        moved.file_type()
    );
    assert_eq!(
        (moved.mode() & 0o7777, moved.uid(), moved.gid()),
        (0o640, NOBODY, NOBODY),
        "the fifo's mode and owner; pmv: {r:?}"
    );
    assert!(
        log.contains("saw .pmv-"),
        "the attacker never saw a staging entry: {log}; pmv: {r:?}"
    );
    assert_eq!(
        root_staging(&sticky),
        Vec::<String>::new(),
        "staging left; pmv: {r:?}"
    );
    assert!(fs::symlink_metadata(s.path("fifo")).is_err(), "{r:?}");
}

// ---- 4. DEST is SOURCE seen through bindfs ----------------------------------

/// DEST is SOURCE seen through bindfs (another device): after the commit,
/// SOURCE's name refers to the new copy, not to what was copied, so it is
/// not removed, and the data survives under its name.
#[test]
#[serial]
fn same_file_through_bindfs_keeps_its_data() {
    if !ready("the bindfs test", &["bindfs"]) {
        return;
    }
    let s = Scratch::new();
    s.file("real/dir/file", "data\n").dir("view");
    let _view = Mount::bindfs(&s.path("real"), &s.path("view"));
    assert_eq!(s.read("view/dir/file"), "data\n");
    let r = run_in(
        &s.path("real"),
        &util::bin("pmv"),
        &["dir/file".as_ref(), "../view/dir/file".as_ref()],
        false,
    );
    assert_eq!(
        fs::read_to_string(s.path("real/dir/file")).ok().as_deref(),
        Some("data\n"),
        "the file's data did not survive under its name: {r:?}"
    );
    r.fails("pmv: not removing 'dir/file': changed after it was copied\n");
    assert_eq!(staging(&s.path("real/dir")), Vec::<String>::new());
}

// ---- 5. into itself through a bind mount ---------------------------------------

/// DEST inside SOURCE, reached through a bind mount (rename says EXDEV):
/// spec step 2 compares DEST's ancestors with SOURCE by `(dev, ino)` and
/// refuses before anything is copied, on a small tmpfs so that a runaway
/// copy would fail fast.
#[test]
#[serial]
fn directory_into_itself_through_a_bind_mount_copies_nothing() {
    if !ready("the bind-mount test", &["mount", "umount"]) {
        return;
    }
    let t = Scratch::new();
    t.dir("E");
    let e = t.path("E");
    // Small: a runaway copy fills it fast instead of the scratch disk.
    let _tmpfs = Mount::tmpfs(&e, "64m");
    t.dir("E/bm/d/sub").file("E/bm/d/a", "A").dir("E/bmv");
    let _bind = Mount::bind(&e.join("bm"), &e.join("bmv"));
    let before = listing(&e.join("bm"));
    let used = || {
        let v = rustix::fs::statvfs(&e).unwrap();
        v.f_blocks - v.f_bfree
    };
    let used_before = used();
    let r = run_in(
        t.dir.path(),
        &util::bin("pmv"),
        &["E/bm/d".as_ref(), "E/bmv/d/sub/".as_ref()],
        false,
    );
    let want = "pmv: cannot copy a directory, 'E/bm/d', into itself, 'E/bmv/d/sub/d'\n";
    assert!(
        r.code == 1 && r.stderr == want,
        "expected exit 1 and {want:?}, got exit {} and {:.300}",
        r.code,
        r.stderr
    );
    assert_eq!(listing(&e.join("bm")), before, "changed: {r:?}");
    assert!(staging(&e.join("bm")).is_empty());
    assert!(staging(&e.join("bm/d/sub")).is_empty());
    assert!(!e.join("bm/d/sub/d").exists());
    // The library says which error it is.
    let err = pmv::Move::new(e.join("bm/d"), e.join("bmv/d/sub/d"))
        .run()
        .unwrap_err();
    assert!(matches!(err, pmv::MoveError::IntoItself(_)), "{err:?}");
    assert_eq!(listing(&e.join("bm")), before);
    assert!(
        used() <= used_before,
        "{} blocks left used",
        used() - used_before
    );
}

/// The same through a FUSE view (bindfs) of SOURCE's parent: FUSE gives
/// its own inode numbers, so DEST's ancestry does not show SOURCE; the
/// copy then meets its own private directory inside SOURCE and stops
/// there, with GNU mv's message, leaving nothing behind (it used to copy
/// itself into itself until FUSE said `File name too long`).
#[test]
#[serial]
fn directory_into_itself_through_bindfs_is_stopped_at_its_private_directory() {
    if !ready(
        "the bindfs into-itself test",
        &["bindfs", "mount", "umount"],
    ) {
        return;
    }
    let t = Scratch::new();
    t.dir("E");
    let e = t.path("E");
    let _tmpfs = Mount::tmpfs(&e, "64m");
    t.dir("E/p/d/sub").file("E/p/d/a", "A").dir("E/v");
    let _fuse = Mount::bindfs(&e.join("p"), &e.join("v"));
    let before = listing(&e.join("p"));
    let r = run_in(
        t.dir.path(),
        &util::bin("pmv"),
        &["E/p/d".as_ref(), "E/v/d/sub/".as_ref()],
        false,
    );
    let want = "pmv: cannot move 'E/p/d' to a subdirectory of itself, 'E/v/d/sub/d'\n";
    assert!(
        r.code == 1 && r.stderr == want,
        "expected exit 1 and {want:?}, got exit {} and {:.300}",
        r.code,
        r.stderr
    );
    assert_eq!(listing(&e.join("p")), before, "changed: {r:?}");
    assert!(staging(&e.join("p")).is_empty());
    assert!(staging(&e.join("p/d/sub")).is_empty());
}

// ---- 6. SOURCE checked before anything changes ------------------------------

/// Spec step 1: as uid 65534, a cross-file-system move whose SOURCE cannot
/// be removed afterwards (root's file in root's sticky directory; its own
/// file in a directory it cannot write) fails before anything changes:
/// DEST (its own) is the same inode with the same content, nothing staged.
#[test]
#[serial]
fn unremovable_source_fails_before_dest_is_replaced() {
    if !ready("the check-before-change test", &["setpriv"]) {
        return;
    }
    let Some(f) = far() else { return };
    let bins = Bins::new();
    let s = open_scratch();
    s.file("own/dest", "old");
    chown_tree(&s.path("own"), NOBODY);
    // Root's file, readable by all, in root's sticky directory.
    f.file("sticky/f", "root's");
    mode(&f.path("sticky"), 0o1777);
    mode(&f.path("sticky/f"), 0o644);
    // The user's own file, in root's directory it cannot write.
    f.file("locked/g", "mine");
    lchown(f.path("locked/g"), Some(NOBODY), Some(NOBODY)).unwrap();
    mode(&f.path("locked"), 0o755);
    for (src, why) in [
        (f.path("sticky/f"), "Operation not permitted"),
        (f.path("locked/g"), "Permission denied"),
    ] {
        let dest = s.path("own/dest");
        let id = |p: &Path| fs::symlink_metadata(p).map(|m| (m.dev(), m.ino())).ok();
        let (dest_id, src_before) = (id(&dest), fs::read(&src).unwrap());
        let r = run_in(
            s.dir.path(),
            &bins.pmv(),
            &[src.as_os_str(), "own/dest".as_ref()],
            true,
        );
        assert_eq!(
            (
                r.code,
                r.stderr.as_str(),
                fs::read_to_string(&dest).ok().as_deref(),
                id(&dest)
            ),
            (
                1,
                format!(
                    "pmv: cannot move '{}' to 'own/dest': {why}\n",
                    src.display()
                )
                .as_str(),
                Some("old"),
                dest_id
            ),
            "(exit, stderr, DEST content, DEST id)"
        );
        assert_eq!(fs::read(&src).ok(), Some(src_before));
        for dir in [
            s.dir.path(),
            &s.path("own"),
            &f.path("sticky"),
            &f.path("locked"),
        ] {
            assert_eq!(staging(dir), Vec::<String>::new(), "in {dir:?}");
        }
    }
}

// ---- 7. the staging directory is private ---------------------------------------

/// Watches D for `.pmv-*` entries not its own: reads what it can (into
/// `loot`), tries to steal what is in a staging directory, and once pmv
/// has held an entry for 20 ms replaces a staged file with its own, or
/// moves a staging directory away and puts its own in its place with its
/// own file under the final name (and keeps reading that file, should
/// root write into it). Removes its plantings at the end.
const PRY_INTO_STAGING: &str = r#"
my ($dir, $final) = @ARGV;
open(my $loot, '>>', "$ctl/loot") or die "loot: $!";
{ my $old = select($loot); $| = 1; select($old); }
my %last;
sub grab {
    my ($p) = @_;
    open(my $f, '<', $p) or return 0;
    local $/;
    my $c = <$f>;
    $c = "" unless defined $c;
    return 1 if defined $last{$p} && $last{$p} eq $c;
    $last{$p} = $c;
    print $loot "$p: $c\n";
    print $log "read $p\n";
    return 1;
}
print $log "ready\n";
my ($k, $iter) = (0, 0);
my (%seen, %hit);
until (done()) {
    $iter++;
    opendir(my $d, $dir) or last;
    my @names = grep { /^\.pmv-/ } readdir($d);
    closedir($d);
    for my $name (@names) {
        my $p = "$dir/$name";
        my @st = lstat($p) or next;
        my ($isdir, $isfile) = (-d _, -f _);
        if ($st[4] == $<) {
            # Its own planting: whatever root may have written into it.
            grab("$p/$final") if $isdir;
            next;
        }
        unless (defined $seen{$name}) {
            $seen{$name} = $iter;
            print $log "saw $name\n";
        }
        $k++;
        if ($isfile) {
            grab($p);
        } elsif ($isdir && opendir(my $in, $p)) {
            for my $e (grep { !/^\.\.?$/ } readdir($in)) {
                grab("$p/$e");
                rename("$p/$e", "$dir/stolen.$k.$e") and print $log "stole $name/$e\n";
            }
            closedir($in);
        }
        # Take the name only from an entry pmv has held for a while
        # (20 ms and more): what is tested is what pmv does with a staging
        # entry it has, not whether it can be stopped from making one.
        next if $iter - $seen{$name} < 40 || $hit{$name}++;
        if ($isfile) {
            if (open(my $f, '>', "$dir/evil.$k")) {
                print $f "EVIL\n";
                close($f);
                rename("$dir/evil.$k", $p) and print $log "replaced $name\n";
            }
        } elsif ($isdir && rename($p, "$dir/moved.$k")) {
            print $log "moved $name\n";
            if (mkdir($p, 0777) && open(my $f, '>', "$p/$final")) {
                print $f "EVIL\n";
                close($f);
                print $log "planted $name/$final\n";
            }
        }
    }
    grab("$dir/$final");
    nap(0.0005);
}
opendir(my $d, $dir) or exit 0;
for my $name (grep { /^\.pmv-/ } readdir($d)) {
    my $p = "$dir/$name";
    my @st = lstat($p) or next;
    next unless $st[4] == $<;
    unlink("$p/$final");
    rmdir($p) or unlink($p);
}
print $log "end\n";
"#;

/// Spec step 3: root moves a 0600 file holding a secret into a 0777 (not
/// sticky) directory, with a default ACL for uid 65534 where the system has
/// them, while uid 65534 tries to read, steal, move or replace whatever
/// `.pmv-*` entry appears during a slowed chown/chmod/utimensat. It reads
/// nothing, DEST is exactly SOURCE (root, 0600, no inherited ACL), and pmv
/// leaves no staging of its own.
#[test]
#[serial]
fn staging_in_a_world_writable_directory_is_private() {
    if !ready("the staging-privacy race", &["strace", "setpriv", "perl"]) {
        return;
    }
    let Some(f) = far() else { return };
    let s = open_scratch();
    s.file("data", &format!("{SECRET}\n"));
    mode(&s.path("data"), 0o600);
    f.dir("D");
    let d = f.path("D");
    mode(&d, 0o777);
    // A default ACL that would let the attacker in, where the system has
    // them: pmv must remove what its staging directory inherits.
    let acl = Command::new("setfacl")
        .args(["-m", "u:65534:rwx", "-m", "d:u:65534:rwx"])
        .arg(&d)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|st| st.success());
    if !acl {
        eprintln!("no POSIX ACLs on {}: testing without", d.display());
    }
    let mut attacker = Attacker::start(
        PRY_INTO_STAGING,
        f.dir.path(),
        &[d.as_os_str(), "data".as_ref()],
    );
    let r = traced(
        s.dir.path(),
        "fchownat,fchown,fchmodat,fchmod,utimensat",
        150_000,
        &["data".as_ref(), d.as_os_str()],
    );
    let log = attacker.stop();
    let loot = attacker.loot();
    assert!(
        !loot.contains(SECRET),
        "the attacker read the secret: {loot}; attacker: {log}; pmv: {r:?}"
    );
    let dest = d.join("data");
    assert_eq!(
        fs::read_to_string(&dest).ok(),
        Some(format!("{SECRET}\n")),
        "DEST is not what was moved; pmv: {r:?}; attacker: {log}"
    );
    let m = fs::symlink_metadata(&dest).unwrap();
    assert_eq!(
        (m.mode() & 0o7777, m.uid(), m.gid()),
        (0o600, 0, 0),
        "DEST's mode and owner; pmv: {r:?}; attacker: {log}"
    );
    // The generic backend has no ACL API (README, "Across file systems").
    if acl && pmv::BACKEND != "posix" {
        assert_eq!(
            util::get_xattr(&dest, "system.posix_acl_access"),
            None,
            "DEST kept an ACL inherited from D; pmv: {r:?}"
        );
    }
    assert!(
        log.contains("saw .pmv-"),
        "the attacker never saw a staging entry: {log}; pmv: {r:?}"
    );
    assert_eq!(
        root_staging(&d),
        Vec::<String>::new(),
        "staging left; pmv: {r:?}"
    );
    assert!(staging(s.dir.path()).is_empty(), "{r:?}");
}

// ---- 8. pln -sf into a directory another user may write ------------------------

/// Watches D for root's `.pmv-*` staging directories and, for each, moves
/// it away and puts a symlink to VICTIM in its place: whatever pln then
/// does by a path through the staging directory happens in VICTIM.
const REDIRECT_STAGING: &str = r#"
my ($dir, $victim) = @ARGV;
print $log "ready\n";
my $k = 0;
until (done()) {
    opendir(my $d, $dir) or last;
    my @names = grep { /^\.pmv-/ } readdir($d);
    closedir($d);
    for my $name (@names) {
        my $p = "$dir/$name";
        my @st = lstat($p) or next;
        next if -l _ || !-d _ || $st[4] != 0;
        $k++;
        rename($p, "$dir/moved.$k") or next;
        symlink($victim, $p) and print $log "redirected $name\n";
    }
    nap(0.0002);
}
"#;

/// A scratch directory holding root's `etc` (0700, with a `passwd`) and
/// `D`, a directory uid 65534 owns and may write; and `D`'s path.
fn root_etc_and_shared_d() -> (Scratch, PathBuf) {
    let s = open_scratch();
    s.file("etc/passwd", "root:x:0:0\n").dir("D");
    mode(&s.path("etc"), 0o700);
    let d = s.path("D");
    lchown(&d, Some(NOBODY), Some(NOBODY)).unwrap();
    mode(&d, 0o755);
    (s, d)
}

/// Root runs `pln -sf NEW D/passwd` in a directory D that uid 65534 may
/// write (not sticky), while that user swaps root's staging directory for
/// a symlink to a root-only directory holding its own `passwd`, in the
/// window after `mkdirat` (widened). Made by path, the staged link would
/// go through the symlink: `symlinkat` there fails with `EEXIST`, and the
/// clean-up `unlinkat` then removes root's `passwd`. pln works in the
/// staging directory through a descriptor opened without following
/// symlinks, so nothing outside D changes.
#[test]
#[serial]
fn pln_staging_swapped_for_a_symlink_reaches_nothing_outside() {
    if !ready("the pln staging race", &["strace", "setpriv", "perl"]) {
        return;
    }
    let (s, d) = root_etc_and_shared_d();
    s.file("D/passwd", "old\n");
    let before = listing(&s.path("etc"));
    let mut attacker = Attacker::start(
        REDIRECT_STAGING,
        s.dir.path(),
        &[d.as_os_str(), s.path("etc").as_os_str()],
    );
    let r = output(
        Command::new("strace")
            .args(["-f", "-o", "/dev/null", "-e", "trace=mkdirat,mkdir"])
            .args(["-e", "inject=mkdirat,mkdir:delay_exit=300000"])
            .arg(util::bin("pln"))
            .args(["-sf", "NEW", "D/passwd"])
            .current_dir(s.dir.path()),
    );
    let log = attacker.stop();
    assert!(
        log.contains("redirected .pmv-"),
        "the attacker never redirected a staging directory: {log}; pln: {r:?}"
    );
    assert_eq!(
        listing(&s.path("etc")),
        before,
        "root's directory changed through the staging name; pln: {r:?}; attacker: {log}"
    );
    assert_eq!(s.read("etc/passwd"), "root:x:0:0\n");
    // pln refused to stage through the symlink, and D/passwd is as it was.
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(s.read("D/passwd"), "old\n");
    assert_eq!(root_staging(&d), Vec::<String>::new(), "{r:?}");
}

/// Waits until root's trace shows the target directory being opened, then
/// puts a symlink to root's private directory at that name. Runs in the
/// scratch directory.
const PLANT_AT_OPEN: &str = r#"
my ($trace, $name, $victim) = @ARGV;
print $log "ready\n";
until (done()) {
    if (open(my $t, '<', $trace)) {
        local $/;
        my $seen = <$t> // '';
        if (index($seen, "openat(AT_FDCWD, \"$name\"") >= 0) {
            symlink($victim, $name) and print $log "planted $name\n";
            last;
        }
    }
    nap(0.0002);
}
"#;

/// Root runs `pln -sfn NEW D/current` with `D/current` absent, in a
/// directory D that uid 65534 may write. pln sees no symlink there, and
/// in the window before it opens `D/current` as a directory to link into
/// (widened), that user puts there a symlink to a root-only directory.
/// Following it, root would make `NEW` inside that directory; `-n` opens
/// without following (`O_NOFOLLOW`), so the symlink is the name replaced
/// and nothing outside D changes. Eight `pln -sfn` racing on one new name
/// hit the same window without any attacker.
#[test]
#[serial]
fn pln_no_dereference_target_turned_symlink_is_not_followed() {
    if !ready("the pln -n target race", &["strace", "setpriv", "perl"]) {
        return;
    }
    let (s, d) = root_etc_and_shared_d();
    let before = listing(&s.path("etc"));
    let trace = s.path("trace");
    let mut attacker = Attacker::start(
        PLANT_AT_OPEN,
        s.dir.path(),
        &[
            trace.as_os_str(),
            OsStr::new("D/current"),
            s.path("etc").as_os_str(),
        ],
    );
    let r = output(
        Command::new("strace")
            .args(["-f", "-P", "D/current", "-o"])
            .arg(&trace)
            .args(["-e", "trace=openat", "-e"])
            .arg("inject=openat:delay_enter=500000")
            .arg(util::bin("pln"))
            .args(["-sfn", "NEW", "D/current"])
            .current_dir(s.dir.path()),
    );
    let log = attacker.stop();
    assert!(
        log.contains("planted D/current"),
        "the attacker never planted its symlink: {log}; pln: {r:?}"
    );
    assert_eq!(
        listing(&s.path("etc")),
        before,
        "root linked into the directory the symlink leads to; pln: {r:?}; attacker: {log}"
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        fs::read_link(s.path("D/current")).unwrap(),
        Path::new("NEW")
    );
    assert_eq!(root_staging(&d), Vec::<String>::new(), "{r:?}");
}

// ---- 9. the private directory exchanged with a directory of root's -----------

/// Watches DIR for a `.pmv-*` directory of root's and exchanges it, once,
/// with root's 0700 directory R (`renameat2(RENAME_EXCHANGE)`, in a
/// directory it may write): pmv's next call through that name reaches R.
/// Then, if asked, renames THEN_FROM over THEN_TO (making a copy fail).
const EXCHANGE_STAGING: &str = r#"
my ($sysno, $dir, $r, @then) = @ARGV;
$sysno = eval { require "syscall.ph"; &SYS_renameat2 } // $sysno;
print $log "ready\n";
OUTER: until (done()) {
    opendir(my $d, $dir) or last;
    my @names = grep { /^\.pmv-/ } readdir($d);
    closedir($d);
    for my $name (@names) {
        my @st = lstat("$dir/$name") or next;
        next if -l _ || !-d _ || $st[4] != 0;
        # FUSE refuses RENAME_EXCHANGE: two renames do the same here.
        my $done = syscall($sysno, -100, "$dir/$name", -100, "$dir/$r", 2) == 0
            || (rename("$dir/$name", "$dir/$r.ours") && rename("$dir/$r", "$dir/$name")
                && rename("$dir/$r.ours", "$dir/$r"));
        if ($done) {
            print $log "exchanged $name\n";
            if (@then) {
                rename("$dir/$then[0]", "$dir/$then[1]") and print $log "replaced $then[1]\n";
            }
            last OUTER;
        }
        print $log "exchange $name: $!\n";
    }
    nap(0.0002);
}
"#;

/// A directory R of root's (0700, like a `lost+found` or a directory made
/// with sudo) in `dir`, holding root-only files named `names`.
fn root_only_dir(dir: &Path, names: &[&str]) -> PathBuf {
    let r = dir.join("R");
    fs::create_dir(&r).unwrap();
    for name in names {
        let p = r.join(name);
        fs::write(&p, format!("{SECRET} {name}\n")).unwrap();
        mode(&p, 0o600);
    }
    mode(&r, 0o700);
    r
}

/// Runs `prog` (a path) as root in `cwd` under strace, each `mkdirat`
/// delayed on exit: the private directory exists, not yet opened, while
/// uid 65534 exchanges it with root's R in `watched` (which it owns).
/// Returns pmv's run and the attacker's log, which must show the
/// exchange.
fn exchanged_staging(
    cwd: &Path,
    watched: &Path,
    then: &[&str],
    prog: &Path,
    args: &[&OsStr],
) -> (Run, String) {
    let sysno = libc::SYS_renameat2.to_string();
    let mut attack: Vec<&OsStr> = vec![sysno.as_ref(), watched.as_os_str(), "R".as_ref()];
    attack.extend(then.iter().map(OsStr::new));
    let mut attacker = Attacker::start(EXCHANGE_STAGING, watched, &attack);
    let r = output(
        Command::new("strace")
            .args(["-f", "-o", "/dev/null", "-e", "trace=mkdirat,mkdir"])
            .args(["-e", "inject=mkdirat,mkdir:delay_exit=1000000"])
            .arg(prog)
            .args(args)
            .current_dir(cwd),
    );
    let log = attacker.stop();
    assert!(
        log.contains("exchanged .pmv-"),
        "the attacker never exchanged a private directory: {log}; run: {r:?}"
    );
    (r, log)
}

/// After the attack: root's R (now under the private directory's name, or
/// back at `R`) holds every file it held, and pmv said which directory it
/// refused.
fn root_dir_kept(watched: &Path, names: &[&str], r: &Run, log: &str) {
    let mut held: Vec<String> = files_containing(watched, SECRET)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    held.sort();
    let mut want: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    want.sort();
    assert_eq!(
        held, want,
        "root's files in R were removed; run: {r:?}; attacker: {log}"
    );
    assert!(
        r.stderr
            .contains("is not the private directory just made: it is not empty"),
        "{r:?}"
    );
    assert_eq!(r.code, 1, "{r:?}");
}

const ROOTS: [&str; 4] = ["passwd", "shadow", "key", "data"];

/// Root moves alice's file `data` off the second file system; alice owns
/// SOURCE's directory, which also holds root's R. She exchanges pmv's new
/// private directory beside SOURCE with R, then replaces SOURCE so that
/// the copy fails: the clean-up emptied R (every root file in it gone).
/// The opened directory is not empty, so it is refused before anything is
/// done in it.
#[test]
#[serial]
fn private_directory_beside_source_exchanged_with_roots_is_refused() {
    if !ready("the SOURCE-side takeover", &["strace", "setpriv", "perl"]) {
        return;
    }
    let Some(f) = far() else { return };
    let s = open_scratch();
    f.file("D/data", "alice's\n").file("D/other", "other\n");
    let d = f.path("D");
    chown_tree(&d, NOBODY);
    root_only_dir(&d, &ROOTS);
    s.dir("dst");
    let src = d.join("data");
    let (r, log) = exchanged_staging(
        s.dir.path(),
        &d,
        &["other", "data"],
        &util::bin("pmv"),
        &[src.as_os_str(), "dst/".as_ref()],
    );
    root_dir_kept(&d, &ROOTS, &r, &log);
    assert!(fs::symlink_metadata(s.path("dst/data")).is_err(), "{r:?}");
    assert!(staging(&s.path("dst")).is_empty(), "{r:?}");
}

/// Root moves a file onto the second file system into D, a directory
/// alice owns that holds root's R (with a file named as DEST). She
/// exchanges pmv's private directory beside DEST with R: the copy then
/// failed on R's `data` and the clean-up emptied R. Refused now, and
/// SOURCE stays.
#[test]
#[serial]
fn private_directory_beside_dest_exchanged_with_roots_is_refused() {
    if !ready("the DEST-side takeover", &["strace", "setpriv", "perl"]) {
        return;
    }
    let Some(f) = far() else { return };
    let s = open_scratch();
    s.file("data", "root's new data\n");
    f.dir("D");
    let d = f.path("D");
    chown_tree(&d, NOBODY);
    root_only_dir(&d, &ROOTS);
    let (r, log) = exchanged_staging(
        s.dir.path(),
        &d,
        &[],
        &util::bin("pmv"),
        &["data".as_ref(), d.as_os_str()],
    );
    root_dir_kept(&d, &ROOTS, &r, &log);
    assert!(
        r.stderr.starts_with("pmv: cannot create regular file "),
        "{r:?}"
    );
    assert_eq!(s.read("data"), "root's new data\n");
    assert!(fs::symlink_metadata(d.join("data")).is_err(), "{r:?}");
}

/// Root's `pln -sf NEW D/link` in D, alice's, holding root's R with an
/// entry `link`: after the exchange, pln's error path removed R's `link`.
#[test]
#[serial]
fn pln_private_directory_exchanged_with_roots_is_refused() {
    if !ready("the pln takeover", &["strace", "setpriv", "perl"]) {
        return;
    }
    let s = open_scratch();
    s.file("D/link", "alice's\n");
    let d = s.path("D");
    chown_tree(&d, NOBODY);
    let names = ["link", "passwd"];
    root_only_dir(&d, &names);
    let (r, log) = exchanged_staging(
        s.dir.path(),
        &d,
        &[],
        &util::bin("pln"),
        &["-sf".as_ref(), "NEW".as_ref(), "D/link".as_ref()],
    );
    root_dir_kept(&d, &names, &r, &log);
    assert!(
        r.stderr
            .starts_with("pln: failed to create symbolic link 'D/link': 'D/.pmv-"),
        "{r:?}"
    );
    assert_eq!(s.read("D/link"), "alice's\n");
}

/// Root's `pmv -b new D/b` in alice's D: the backup is a hard link staged
/// in a private directory; R holds a `b~`, which the error path removed.
/// Refused now: nothing moved, no backup, DEST as it was.
#[test]
#[serial]
fn backup_private_directory_exchanged_with_roots_is_refused() {
    if !ready("the pmv -b takeover", &["strace", "setpriv", "perl"]) {
        return;
    }
    let s = open_scratch();
    s.file("D/b", "alice's\n").file("new", "root's\n");
    let d = s.path("D");
    chown_tree(&d, NOBODY);
    let names = ["b~", "passwd"];
    root_only_dir(&d, &names);
    let (r, log) = exchanged_staging(
        s.dir.path(),
        &d,
        &[],
        &util::bin("pmv"),
        &["-b".as_ref(), "new".as_ref(), "D/b".as_ref()],
    );
    root_dir_kept(&d, &names, &r, &log);
    assert!(
        r.stderr.starts_with("pmv: cannot backup 'D/b': 'D/.pmv-"),
        "{r:?}"
    );
    assert_eq!(s.read("D/b"), "alice's\n");
    assert_eq!(s.read("new"), "root's\n");
}

/// The library's `flip_symlink` (run by the `flip_release` example) in
/// alice's D, which holds root's R with an entry `current`.
#[test]
#[serial]
fn library_flip_symlink_private_directory_exchanged_with_roots_is_refused() {
    if !ready("the library takeover", &["strace", "setpriv", "perl"]) {
        return;
    }
    let s = open_scratch();
    let d = s.path("D");
    fs::create_dir(&d).unwrap();
    symlink("releases/1", d.join("current")).unwrap();
    chown_tree(&d, NOBODY);
    let names = ["current", "passwd"];
    root_only_dir(&d, &names);
    let example = util::bin("pmv")
        .parent()
        .unwrap()
        .join("examples/flip_release");
    if !example.exists() {
        // `cargo test` builds the examples; `cargo test --test hostile`
        // alone does not.
        let built = Command::new(env!("CARGO"))
            .args(["build", "--locked", "--example", "flip_release"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(built.success() && example.exists(), "{example:?}");
    }
    let (r, log) = exchanged_staging(
        s.dir.path(),
        &d,
        &[],
        &example,
        &["releases/2".as_ref(), "D/current".as_ref()],
    );
    let mut held: Vec<String> = files_containing(&d, SECRET)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    held.sort();
    assert_eq!(held, ["current", "passwd"], "run: {r:?}; attacker: {log}");
    assert!(
        r.stderr
            .contains("is not the private directory just made: it is not empty"),
        "{r:?}"
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        fs::read_link(d.join("current")).unwrap(),
        Path::new("releases/1")
    );
}

// ---- 10. another user renaming in the same directory at the same time ------

/// Waits until root's trace shows PATTERN (a call delayed on entry), then
/// carries out its operations in order: `rename A B`, `symlink TARGET
/// NAME`, `write NAME TEXT`. Runs in the scratch directory.
const ACT_AT_CALL: &str = r#"
my ($trace, $pattern, @ops) = @ARGV;
print $log "ready\n";
until (done()) {
    if (open(my $t, '<', $trace)) {
        local $/;
        my $seen = <$t> // '';
        if (index($seen, $pattern) >= 0) {
            while (@ops) {
                my ($op, $a, $b) = splice(@ops, 0, 3);
                my $ok;
                if ($op eq 'rename') { $ok = rename($a, $b); }
                elsif ($op eq 'symlink') { $ok = symlink($a, $b); }
                elsif (open(my $f, '>', $a)) { $ok = print $f $b; close($f); }
                print $log ($ok ? "did $op $a $b\n" : "$op $a: $!\n");
            }
            last;
        }
    }
    nap(0.0002);
}
"#;

/// Runs pmv as root in the scratch directory under strace, `calls` traced
/// and delayed by a second on entry (room for the other user on a busy machine), while uid 65534 waits for `pattern` in
/// the trace and then does `ops` (see [`ACT_AT_CALL`]). Every op must
/// have been done, unless pmv is expected to refuse (`refused`: the words
/// it says) before any call.
fn renamed_meanwhile(
    s: &Scratch,
    calls: &str,
    pattern: &str,
    ops: &[&str],
    args: &[&str],
    refused: Option<&str>,
) -> (Run, String) {
    let trace = s.path("trace");
    let mut attack: Vec<&OsStr> = vec![trace.as_os_str(), pattern.as_ref()];
    attack.extend(ops.iter().map(OsStr::new));
    let mut attacker = Attacker::start(ACT_AT_CALL, s.dir.path(), &attack);
    let r = output(
        Command::new("strace")
            .args(["-f", "-o"])
            .arg(&trace)
            .arg(format!("-etrace={calls}"))
            .arg(format!("-einject={calls}:delay_enter=1000000"))
            .arg(util::bin("pmv"))
            .args(args)
            .current_dir(s.dir.path()),
    );
    let log = attacker.stop();
    if let Some(why) = refused {
        // Refused before any call that could be raced.
        assert!(r.stderr.contains(why), "{r:?}");
        return (r, log);
    }
    assert_eq!(
        log.matches("did ").count(),
        ops.len() / 3,
        "the attacker did not do everything: {log}; pmv: {r:?}"
    );
    (r, log)
}

/// A scratch directory with root's `etc` (0700, holding `passwd`) and D,
/// alice's, holding `files` (alice's too).
fn etc_and_alices_d(files: &[(&str, &str)]) -> (Scratch, Vec<String>) {
    let (s, d) = root_etc_and_shared_d();
    for (name, text) in files {
        s.file(&format!("D/{name}"), text);
    }
    chown_tree(&d, NOBODY);
    let etc = listing(&s.path("etc"));
    (s, etc)
}

/// `pmv --exchange -T D/a D/b` while alice replaces `b` with a symlink to
/// root's `etc` as the exchange is being made: the exchange swaps names,
/// never what a symlink leads to.
#[test]
#[serial]
fn exchange_while_the_owner_renames_reaches_nothing_outside() {
    if !ready("the exchange race", &["strace", "setpriv", "perl"]) {
        return;
    }
    let (s, etc) = etc_and_alices_d(&[("a", "a\n"), ("b", "b\n")]);
    let (r, log) = renamed_meanwhile(
        &s,
        "renameat2,renameat,rename",
        "D/a",
        &["rename", "D/b", "D/b.alice", "symlink", "../etc", "D/b"],
        &["--exchange", "-T", "D/a", "D/b"],
        util::exchange_unsupported().map(|_| "atomic exchange is not supported"),
    );
    assert_eq!(listing(&s.path("etc")), etc, "pmv: {r:?}; attacker: {log}");
    assert_eq!(s.read("etc/passwd"), "root:x:0:0\n");
    match util::exchange_unsupported_here() {
        None => {
            assert_eq!(r.code, 0, "{r:?}");
            assert_eq!(fs::read_link(s.path("D/a")).unwrap(), Path::new("../etc"));
            assert_eq!(s.read("D/b"), "a\n");
            assert_eq!(s.read("D/b.alice"), "b\n");
        }
        // Refused by the system before any call, or by the file system
        // (FUSE) at the call: nothing exchanged.
        Some(_) => {
            assert_eq!(r.code, 1, "{r:?}");
            assert_eq!(s.read("D/a"), "a\n");
        }
    }
}

/// `pmv -n new D/b` with `D/b` absent when pmv looks, created by alice
/// while the no-replace rename is on its way: hers is never overwritten.
#[test]
#[serial]
fn no_clobber_while_the_owner_creates_the_name_keeps_hers() {
    if !ready("the -n race", &["strace", "setpriv", "perl"]) {
        return;
    }
    let (s, _) = etc_and_alices_d(&[]);
    s.file("new", "root's\n");
    let (r, log) = renamed_meanwhile(
        &s,
        "renameat2,renameat,rename,linkat,link",
        "\"new\"",
        &["write", "D/b", "alice's\n"],
        &["-n", "new", "D/b"],
        None,
    );
    assert_eq!(s.read("D/b"), "alice's\n", "pmv: {r:?}; attacker: {log}");
    assert_eq!(s.read("new"), "root's\n", "{r:?}");
    assert_eq!(r.code, 0, "{r:?}");
}

/// `pmv -t D/sub a`: once pmv has opened `D/sub`, alice renames it away
/// and puts a symlink to root's `etc` there. `a` goes into the directory
/// opened, never into `etc`.
#[test]
#[serial]
fn target_directory_swapped_for_a_symlink_is_not_followed_later() {
    if !ready("the -t DIR race", &["strace", "setpriv", "perl"]) {
        return;
    }
    let (s, etc) = etc_and_alices_d(&[("sub/x", "x\n")]);
    s.file("a", "root's\n");
    let (r, log) = renamed_meanwhile(
        &s,
        "renameat2,renameat,rename",
        "\"a\"",
        &["rename", "D/sub", "D/moved", "symlink", "../etc", "D/sub"],
        &["-t", "D/sub", "a"],
        None,
    );
    assert_eq!(listing(&s.path("etc")), etc, "pmv: {r:?}; attacker: {log}");
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(s.read("D/moved/a"), "root's\n");
    assert!(fs::symlink_metadata(s.path("a")).is_err());
}

/// `pmv -b new D/b` while alice replaces `b` with a symlink to root's
/// `passwd` as the backup is being made: the backup is of the name (the
/// symlink itself), `passwd` is untouched, and `new` is in place.
#[test]
#[serial]
fn backup_while_the_owner_renames_reaches_nothing_outside() {
    if !ready("the --backup race", &["strace", "setpriv", "perl"]) {
        return;
    }
    let (s, etc) = etc_and_alices_d(&[("b", "alice's\n")]);
    s.file("new", "root's\n");
    let (r, log) = renamed_meanwhile(
        &s,
        "linkat,link",
        "\"D/b\"",
        &[
            "rename",
            "D/b",
            "D/b.alice",
            "symlink",
            "../etc/passwd",
            "D/b",
        ],
        &["-b", "new", "D/b"],
        None,
    );
    assert_eq!(listing(&s.path("etc")), etc, "pmv: {r:?}; attacker: {log}");
    assert_eq!(s.read("etc/passwd"), "root:x:0:0\n");
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(s.read("D/b"), "root's\n");
    assert_eq!(
        fs::read_link(s.path("D/b~")).unwrap(),
        Path::new("../etc/passwd")
    );
    assert_eq!(s.read("D/b.alice"), "alice's\n");
}

// ---- 11. "just created", and an inode number used again -------------------

/// Root's `pmv -t pub x/sock y/other` into a sticky directory on ext4,
/// which gives a freed inode number to the next new file. Once `x/sock`
/// (alice's) is in place as `pub/sock` and pmv is renaming `y/other`
/// (that call delayed), alice removes `pub/sock` and makes a symlink
/// `pub/other`, which gets the inode number `pub/sock` had. That
/// is not the entry pmv made, nor under the name pmv made it: the second
/// move replaces `pub/other`, as GNU's mv (which remembers the name with
/// the inode) does, instead of refusing it as "just-created".
#[test]
#[serial]
fn a_reused_inode_number_under_another_name_is_not_just_created() {
    if !ready(
        "the reused inode number",
        &["strace", "setpriv", "perl", "mkfs.ext4"],
    ) {
        return;
    }
    let s = open_scratch();
    let img = s.path("ext4.img");
    fs::File::create(&img).unwrap().set_len(32 << 20).unwrap();
    let made = Command::new("mkfs.ext4")
        .args(["-q", "-F"])
        .arg(&img)
        .status()
        .unwrap();
    assert!(made.success());
    let mnt = s.path("mnt");
    fs::create_dir(&mnt).unwrap();
    let _mount = Mount::new(
        Command::new("mount")
            .args(["-o", "loop"])
            .arg(&img)
            .arg(&mnt),
        &mnt,
        false,
    );
    mode(&mnt, 0o755);
    for d in ["pub", "x", "y"] {
        fs::create_dir(mnt.join(d)).unwrap();
    }
    mode(&mnt.join("pub"), 0o1777);
    fs::write(mnt.join("x/sock"), "alice's\n").unwrap();
    fs::write(mnt.join("y/other"), "root's\n").unwrap();
    chown_tree(&mnt.join("x"), NOBODY);
    let trace = s.path("trace");
    let reuse = r#"
my ($trace, $dir) = @ARGV;
print $log "ready\n";
until (done()) {
    if (open(my $t, '<', $trace)) {
        local $/;
        my $seen = <$t> // '';
        if ($seen =~ /(rename|link)[^\n]*"other"/) {
            my $ino = (lstat("$dir/sock"))[1];
            unlink("$dir/sock") or print $log "unlink: $!\n";
            symlink("elsewhere", "$dir/other") or print $log "symlink: $!\n";
            my $now = (lstat("$dir/other"))[1];
            print $log "inode $ino then $now\n";
            last;
        }
    }
    nap(0.0002);
}
"#;
    let pubdir = mnt.join("pub");
    let mut attacker = Attacker::start(reuse, &mnt, &[trace.as_os_str(), pubdir.as_os_str()]);
    let r = output(
        Command::new("strace")
            .args(["-f", "-o"])
            .arg(&trace)
            .args([
                "-etrace=renameat2,renameat,rename,linkat,link",
                "-einject=renameat2,renameat,rename,linkat,link:delay_enter=1000000:when=2",
            ])
            .arg(util::bin("pmv"))
            .args(["-t", "pub", "x/sock", "y/other"])
            .current_dir(&mnt),
    );
    let log = attacker.stop();
    let reused = log
        .lines()
        .find_map(|l| l.strip_prefix("inode "))
        .and_then(|l| l.split_once(" then "))
        .is_some_and(|(a, b)| a == b);
    assert!(
        reused,
        "the inode number was not used again: {log}; pmv: {r:?}"
    );
    assert_eq!(r.code, 0, "pmv: {r:?}; attacker: {log}");
    assert_eq!(
        fs::read_to_string(pubdir.join("other")).unwrap(),
        "root's\n"
    );
}

/// `pln -sf` as uid 65534 into its drop box: a directory it may write and
/// search but not read (0333). The directory is opened only to work in it
/// (`O_PATH`), so the private directory is made there and the link
/// replaced, as it was when the private directory was made by path.
#[test]
#[serial]
fn pln_into_a_directory_that_cannot_be_read() {
    if !ready("the drop-box test", &["setpriv"]) {
        return;
    }
    let bins = Bins::new();
    let s = open_scratch();
    s.file("box/l", "old\n");
    chown_tree(&s.path("box"), NOBODY);
    mode(&s.path("box"), 0o333);
    let r = run_in(
        s.dir.path(),
        &bins.pln(),
        &["-sf".as_ref(), "NEW".as_ref(), "box/l".as_ref()],
        true,
    );
    mode(&s.path("box"), 0o755);
    let unreadable_dirs_open =
        cfg!(any(target_os = "linux", target_os = "android")) && pmv::BACKEND != "posix";
    if unreadable_dirs_open {
        assert_eq!(r.code, 0, "{r:?}");
        assert_eq!(fs::read_link(s.path("box/l")).unwrap(), Path::new("NEW"));
    } else {
        // O_RDONLY needs read permission: refused, nothing changed.
        assert_eq!(r.code, 1, "{r:?}");
        assert_eq!(s.read("box/l"), "old\n");
    }
    assert!(staging(&s.path("box")).is_empty(), "{r:?}");
}

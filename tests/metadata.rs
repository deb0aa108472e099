//! Metadata kept by a move across file systems: POSIX ACLs (and none
//! gained from the destination's default ACL), an attribute the
//! destination refuses, file capabilities, extended attributes on every
//! kind of entry, holes, data appended during the copy, hard links across
//! operands, an immutable file that stays behind, and a tree deeper than
//! `PATH_MAX` moved with 32 file descriptors.
//!
//! The tests that mount file systems (a tmpfs and an ext4 image on a loop
//! device) need root: under CI (`CI=true`, which runs as root) they must
//! run; elsewhere, without root, they say so and skip. The real tools are
//! used to set and read metadata: `setfacl`, `getfacl`, `setfattr`,
//! `getfattr`, `setcap`, `getcap`, `chattr`, `mkfs.ext4`, `losetup`.
// These tests drive Linux tools (setfacl, setfattr, setcap, chattr, loop-mounted ext4);
// every other system runs the rest of the suite.
#![cfg(any(target_os = "linux", target_os = "android"))]

mod util;

use std::ffi::OsStr;
use std::fs;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rustix::fs::{Mode, OFlags, CWD};
use rustix::io::Errno;

use util::{Run, Scratch};

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Whether a test that needs root can run; under CI it must.
/// The generic POSIX backend knows no xattr or ACL API and keeps none
/// (README, "Across file systems"): the attribute tests are for the
/// backends that have one. Both backends run in CI (`ci/test.sh`).
fn backend_keeps_attributes(what: &str) -> bool {
    if pmv::BACKEND == "posix" {
        eprintln!("{what}: the generic backend keeps no extended attributes or ACLs");
        return false;
    }
    true
}

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

use util::far;

/// The `.pmv-*` names in `dir`.
fn staging(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pmv-"))
        .collect();
    names.sort();
    names
}

/// Every name under `root`, relative, directories with a trailing `/`,
/// sorted.
fn listing(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_string_lossy();
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                out.push(format!("{rel}/"));
                walk(root, &path, out);
            } else {
                out.push(rel.into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Run `prog` with the C locale and no standard input.
fn run(prog: &Path, args: &[&dyn AsRef<OsStr>]) -> Run {
    let out = Command::new(prog)
        .args(args.iter().map(|a| a.as_ref()))
        .current_dir("/")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", prog.display()));
    finished(out)
}

/// A finished child as a [`Run`]; death by a signal is code -1, with the
/// signal noted after its standard error.
fn finished(out: std::process::Output) -> Run {
    let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if let Some(sig) = std::os::unix::process::ExitStatusExt::signal(&out.status) {
        stderr.push_str(&format!("[killed by signal {sig}]"));
    }
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

fn pmv(args: &[&dyn AsRef<OsStr>]) -> Run {
    run(&util::bin("pmv"), args)
}

/// Run a system tool that must succeed; its standard output.
#[track_caller]
fn tool(prog: &str, args: &[&dyn AsRef<OsStr>]) -> String {
    let r = run(Path::new(prog), args);
    assert_eq!(
        r.code,
        0,
        "{prog} {:?}: {r:?}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>()
    );
    r.stdout
}

/// Whether a system tool succeeds.
fn tool_ok(prog: &str, args: &[&dyn AsRef<OsStr>]) -> bool {
    run(Path::new(prog), args).code == 0
}

/// One extended attribute of `path` (not following a symlink), `None`
/// when it has none of that name.
fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 1 << 16];
    match rustix::fs::lgetxattr(path, name, &mut buf[..]) {
        Ok(n) => Some(buf[..n].to_vec()),
        Err(Errno::NODATA) => None,
        Err(e) => panic!("getxattr {} {name}: {e}", path.display()),
    }
}

/// Every extended attribute of `path` with its value, sorted by name.
fn xattrs(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut list = vec![0u8; 1 << 16];
    let n = rustix::fs::llistxattr(path, &mut list[..]).unwrap();
    let mut out: Vec<(String, Vec<u8>)> = list[..n]
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| {
            let name = String::from_utf8_lossy(n).into_owned();
            let value = xattr(path, &name).unwrap();
            (name, value)
        })
        .collect();
    out.sort();
    out
}

/// `getfacl` of one entry, numeric, without its `# file:` line.
fn acl(path: &Path) -> String {
    tool("getfacl", &[&"-n", &"-p", &path])
        .lines()
        .filter(|l| !l.starts_with("# file:"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `getfattr` of one entry (every namespace, hex values, not following a
/// symlink), without its `# file:` line.
fn attrs(path: &Path) -> String {
    tool(
        "getfattr",
        &[
            &"-h",
            &"-d",
            &"-m",
            &"-",
            &"-e",
            &"hex",
            &"--absolute-names",
            &path,
        ],
    )
    .lines()
    .filter(|l| !l.starts_with("# file:"))
    .collect::<Vec<_>>()
    .join("\n")
}

/// The text of an errno, as `strerror` gives it.
fn strerror(errno: i32) -> String {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    text.split(" (os error").next().unwrap().to_string()
}

/// `n` bytes of a pattern that no two seeds share and that has no zero.
fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| ((i / 7 + seed as usize * 31) % 251) as u8 + 1)
        .collect()
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A file system mounted for one test: a tmpfs, or an ext4 image on a
/// loop device. Dropping it clears immutable flags, unmounts it and
/// detaches the loop device, even when an assertion failed.
struct Mount {
    dir: tempfile::TempDir,
    device: Option<String>,
    _image: Option<tempfile::TempDir>,
    /// Mounted by this test (else a directory on the file system under
    /// test, which stays mounted).
    mounted: bool,
}

impl Mount {
    fn mount_point() -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix("pmv-mnt-")
            .tempdir()
            .unwrap()
    }

    #[track_caller]
    fn tmpfs(size: &str) -> Mount {
        let m = Mount {
            dir: Mount::mount_point(),
            device: None,
            _image: None,
            mounted: true,
        };
        tool(
            "mount",
            &[
                &"-t",
                &"tmpfs",
                &"-o",
                &format!("size={size},mode=0755"),
                &"tmpfs",
                &m.dir.path(),
            ],
        );
        m
    }

    /// A 32 MiB ext4 image with 4 KiB blocks; `features` go to `mkfs.ext4`.
    #[track_caller]
    fn ext4(features: &[&str]) -> Mount {
        let image = tempfile::Builder::new()
            .prefix("pmv-img-")
            .tempdir()
            .unwrap();
        let img = image.path().join("fs.img");
        fs::File::create(&img).unwrap().set_len(32 << 20).unwrap();
        let mut args: Vec<&dyn AsRef<OsStr>> = vec![&"-q", &"-F", &"-b", &"4096"];
        for f in features {
            args.push(f);
        }
        args.push(&img);
        tool("mkfs.ext4", &args);
        let mut device = None;
        for _ in 0..20 {
            let r = run(Path::new("losetup"), &[&"--find", &"--show", &img]);
            if r.code == 0 {
                device = Some(r.stdout.trim().to_string());
                break;
            }
            // Another test took the free device first.
            std::thread::sleep(Duration::from_millis(50));
        }
        let m = Mount {
            dir: Mount::mount_point(),
            device: Some(device.expect("losetup --find --show")),
            _image: Some(image),
            mounted: true,
        };
        tool("mount", &[m.device.as_ref().unwrap(), &m.dir.path()]);
        m
    }

    /// The file system under test (`PMV_TEST_DIR`, which `ci/fsmatrix.sh`
    /// points at ext4, xfs, btrfs, tmpfs...) where it is one of those four,
    /// so the attribute tests run on each; else a fresh ext4 image.
    #[track_caller]
    fn under_test() -> Mount {
        const KINDS: [i64; 4] = [0xEF53, 0x5846_5342, 0x9123_683E, 0x0102_1994];
        let root = util::scratch_root();
        #[allow(clippy::unnecessary_cast)] // its type differs per target
        let kind = rustix::fs::statfs(&root).map(|s| s.f_type as i64);
        if std::env::var_os("PMV_TEST_DIR").is_some() && kind.is_ok_and(|k| KINDS.contains(&k)) {
            return Mount {
                dir: tempfile::Builder::new()
                    .prefix("pmv-meta-")
                    .tempdir_in(root)
                    .unwrap(),
                device: None,
                _image: None,
                mounted: false,
            };
        }
        Mount::ext4(&[])
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        if !self.mounted {
            return;
        }
        let dir = self.dir.path();
        if self.device.is_some() {
            let _ = run(Path::new("chattr"), &[&"-R", &"-f", &"-i", &dir]);
        }
        // A just-exited child can keep the mount busy for a moment: retry,
        // then detach it lazily, so the mount point can always be removed.
        let mut unmounted = false;
        for _ in 0..20 {
            if tool_ok("umount", &[&dir]) {
                unmounted = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if !unmounted {
            let _ = tool_ok("umount", &[&"-l", &dir]);
        }
        if let Some(dev) = &self.device {
            // A busy device is detached when its last user goes.
            let _ = tool_ok("losetup", &[&"-d", dev]);
        }
    }
}

/// Removes trees too deep for `remove_dir_all` (`rm -rf` walks them
/// fd-relatively) before the scratch directories holding them go.
struct RmRf(Vec<PathBuf>);

impl Drop for RmRf {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = tool_ok("rm", &[&"-rf", p]);
        }
    }
}

// 1.
/// Access ACLs on every entry and default ACLs on every directory of a
/// tree survive a move from tmpfs to ext4, with owners and modes.
#[test]
fn acls_are_kept_on_every_entry() {
    if !backend_keeps_attributes("acls are kept on every entry") {
        return;
    }
    if !root_or_skip("the ACL test") {
        return;
    }
    let tm = Mount::tmpfs("16m");
    let ext = Mount::under_test();
    let t = tm.path("t");
    fs::create_dir(&t).unwrap();
    tool("chown", &[&"0:5001", &t]);
    chmod(&t, 0o770);
    tool(
        "setfacl",
        &[&"-m", &"u::rwx,u:1000:rwx,g::r-x,m::rwx,o::---", &t],
    );
    tool("setfacl", &[&"-m", &"d:u:1000:rwx", &t]);
    // Created after the default ACL: each inherits it, then gets its own.
    fs::create_dir(t.join("sub")).unwrap();
    tool(
        "setfacl",
        &[&"-m", &"u:1001:r-x,g:1002:rwx", &t.join("sub")],
    );
    tool("setfacl", &[&"-m", &"d:g:1006:r-x", &t.join("sub")]);
    fs::write(t.join("f"), "F").unwrap();
    tool("setfacl", &[&"-m", &"u:1003:rw-,g:1004:r--", &t.join("f")]);
    fs::write(t.join("sub/g"), "G").unwrap();
    tool("chown", &[&"1234:4321", &t.join("sub/g")]);
    tool("setfacl", &[&"-m", &"u:1005:r--", &t.join("sub/g")]);
    let names = ["", "f", "sub", "sub/g"];
    let want: Vec<String> = names.iter().map(|n| acl(&t.join(n))).collect();
    assert!(
        want[0].contains("\nuser:1000:rwx")
            && want[0].contains("\ndefault:user:1000:rwx")
            && want[0].contains("# group: 5001"),
        "{}",
        want[0]
    );
    assert!(want[2].contains("\ndefault:group:1006:r-x"), "{}", want[2]);
    let d = ext.path("dst");
    fs::create_dir(&d).unwrap();
    pmv(&[&t, &d]).ok();
    let dest = d.join("t");
    assert_eq!(listing(&dest), ["f", "sub/", "sub/g"]);
    for (n, w) in names.iter().zip(&want) {
        assert_eq!(&acl(&dest.join(n)), w, "the ACL of 't/{n}'");
    }
    assert!(xattr(&dest, "system.posix_acl_default").is_some());
    assert!(!t.exists(), "SOURCE is gone");
    assert_eq!(staging(&d), Vec::<String>::new());
    assert_eq!(staging(tm.dir.path()), Vec::<String>::new());
}

// 2.
/// Entries moved into a directory with a default ACL get no ACL from it:
/// the moved entries have exactly the permissions SOURCE had.
#[test]
fn no_acl_is_gained_from_the_destination_directory() {
    if !backend_keeps_attributes("no acl is gained from the destination directory") {
        return;
    }
    if !root_or_skip("the inherited-ACL test") {
        return;
    }
    let tm = Mount::tmpfs("16m");
    let ext = Mount::under_test();
    let src = tm.path("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("f"), "F").unwrap();
    chmod(&src.join("f"), 0o640);
    fs::create_dir(src.join("d")).unwrap();
    fs::write(src.join("d/g"), "G").unwrap();
    chmod(&src.join("d/g"), 0o604);
    chmod(&src.join("d"), 0o751);
    let names = [("f", 0o640), ("d", 0o751), ("d/g", 0o604)];
    for (n, m) in names {
        assert_eq!(mode(&src.join(n)), m);
        assert_eq!(xattr(&src.join(n), "system.posix_acl_access"), None);
    }
    let d = ext.path("dst");
    fs::create_dir(&d).unwrap();
    tool("setfacl", &[&"-m", &"d:u:1000:rwx,d:g:1001:rwx", &d]);
    // What the default ACL does to an entry created there.
    fs::write(d.join("probe"), "").unwrap();
    assert!(acl(&d.join("probe")).contains("\nuser:1000:rwx"));
    fs::remove_file(d.join("probe")).unwrap();

    pmv(&[&src.join("f"), &src.join("d"), &d]).ok();
    let rwx = |bits: u32| -> String {
        [(4, 'r'), (2, 'w'), (1, 'x')]
            .iter()
            .map(|&(b, c)| if bits & b != 0 { c } else { '-' })
            .collect()
    };
    for (n, m) in names {
        let p = d.join(n);
        assert_eq!(mode(&p), m, "the mode of '{n}'");
        assert_eq!(
            xattr(&p, "system.posix_acl_access"),
            None,
            "'{n}' gained an access ACL: {}",
            acl(&p)
        );
        assert_eq!(
            xattr(&p, "system.posix_acl_default"),
            None,
            "'{n}' gained a default ACL: {}",
            acl(&p)
        );
        let entries: Vec<String> = tool("getfacl", &[&"-c", &"-n", &"-p", &p])
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        assert_eq!(
            entries,
            [
                format!("user::{}", rwx(m >> 6)),
                format!("group::{}", rwx(m >> 3)),
                format!("other::{}", rwx(m)),
            ],
            "the ACL of '{n}'"
        );
    }
    assert_eq!(fs::read_to_string(d.join("d/g")).unwrap(), "G");
    assert_eq!(listing(&src), Vec::<String>::new(), "SOURCE is gone");
    assert_eq!(staging(&d), Vec::<String>::new());
}

// 3.
/// An attribute too big for the destination's file system (ext4 without
/// `ea_inode` takes one block per inode) is skipped alone, with GNU's
/// warning, and exit status 0; the attributes listed after it and the
/// ACL are copied.
#[test]
fn an_attribute_the_destination_refuses_is_skipped_alone_with_a_warning() {
    if !backend_keeps_attributes(
        "an attribute the destination refuses is skipped alone with a warning",
    ) {
        return;
    }
    if !root_or_skip("the refused-attribute test") {
        return;
    }
    let tm = Mount::tmpfs("16m");
    let ext = Mount::ext4(&["-O", "^ea_inode"]);
    let big = "a".repeat(60 << 10);
    // The errno ext4 gives for that value here.
    let probe = ext.path("probe");
    fs::write(&probe, "").unwrap();
    let errno = rustix::fs::setxattr(
        &probe,
        "user.a_big",
        big.as_bytes(),
        rustix::fs::XattrFlags::empty(),
    )
    .expect_err("ext4 without ea_inode refuses a 60 KiB value");
    let text = strerror(errno.raw_os_error());
    fs::remove_file(&probe).unwrap();

    let make = |name: &str| -> PathBuf {
        let p = tm.path(name);
        fs::write(&p, "data").unwrap();
        // The big one first: where the list keeps the order of creation
        // it is listed before the others.
        tool("setfattr", &[&"-n", &"user.a_big", &"-v", &big, &p]);
        tool("setfattr", &[&"-n", &"user.z_small", &"-v", &"small", &p]);
        tool("setfattr", &[&"-n", &"trusted.t", &"-v", &"tv", &p]);
        let _ = tool_ok("setfattr", &[&"-n", &"security.s", &"-v", &"sv", &p]);
        tool("setfacl", &[&"-m", &"u:1000:rw-", &p]);
        p
    };

    // GNU mv in the same situation, for the wording and the errno.
    let gnu = run(Path::new("mv"), &[&"--version"]);
    if gnu.code == 0 && gnu.stdout.contains("GNU coreutils") {
        let src = make("g");
        let dst = ext.path("g");
        let r = run(Path::new("mv"), &[&src, &dst]);
        assert_eq!(r.code, 0, "{r:?}");
        // coreutils 9.1 quotes the attribute's name in both places (its
        // two quoteaf() calls share one buffer); pmv names DEST.
        let prefix = "mv: setting attribute 'user.a_big' for '";
        let suffix = format!("': {text}\n");
        assert!(
            r.stderr.starts_with(prefix)
                && r.stderr.ends_with(&suffix)
                && r.stderr.lines().count() == 1,
            "GNU mv says {:?}; this test expects the errno text {text:?}",
            r.stderr
        );
    }

    let src = make("f");
    let want: Vec<(String, Vec<u8>)> = xattrs(&src)
        .into_iter()
        .filter(|(n, _)| n != "user.a_big")
        .collect();
    assert!(
        want.iter().any(|(n, _)| n == "system.posix_acl_access")
            && want.iter().any(|(n, _)| n == "trusted.t")
            && want.iter().any(|(n, _)| n == "user.z_small"),
        "{want:?}"
    );
    let dst = ext.path("f");
    let r = pmv(&[&src, &dst]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "",
            format!(
                "pmv: setting attribute 'user.a_big' for '{}': {text}\n",
                dst.display()
            )
            .as_str()
        ),
        "{r:?}"
    );
    assert_eq!(fs::read_to_string(&dst).unwrap(), "data");
    assert_eq!(xattrs(&dst), want, "every other attribute and the ACL");
    assert!(acl(&dst).contains("\nuser:1000:rw-"));
    assert!(!src.exists(), "SOURCE is gone");
    assert_eq!(staging(ext.dir.path()), Vec::<String>::new());
}

// 4.
/// `security.capability` survives the move (it must be set after the
/// owner, since chown clears it), with owner and mode.
#[test]
fn file_capabilities_are_kept() {
    if !backend_keeps_attributes("file capabilities are kept") {
        return;
    }
    if !root_or_skip("the capability test") {
        return;
    }
    let tm = Mount::tmpfs("16m");
    let ext = Mount::under_test();
    let src = tm.path("true");
    fs::copy("/bin/true", &src).unwrap();
    tool("chown", &[&"1234:4321", &src]);
    chmod(&src, 0o751);
    tool("setcap", &[&"cap_net_bind_service+ep", &src]);
    let cap = xattr(&src, "security.capability").expect("setcap sets security.capability");
    let shown = tool("getcap", &[&src]);
    assert!(shown.contains("cap_net_bind_service"), "{shown}");
    let dst = ext.path("true");
    pmv(&[&src, &dst]).ok();
    assert_eq!(
        tool("getcap", &[&dst]),
        shown.replace(&*src.to_string_lossy(), &dst.to_string_lossy())
    );
    assert_eq!(xattr(&dst, "security.capability"), Some(cap));
    let m = fs::metadata(&dst).unwrap();
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777), (1234, 4321, 0o751));
    assert!(!src.exists(), "SOURCE is gone");
}

// 5.
/// `user.*` and `trusted.*` attributes of directories, fifos and symlinks
/// survive the move (ext4 to tmpfs).
#[test]
fn xattrs_of_directories_fifos_and_symlinks_are_kept() {
    if !backend_keeps_attributes("xattrs of directories fifos and symlinks are kept") {
        return;
    }
    if !root_or_skip("the xattr test") {
        return;
    }
    let ext = Mount::under_test();
    let tm = Mount::tmpfs("16m");
    let t = ext.path("t");
    fs::create_dir_all(t.join("sub")).unwrap();
    fs::write(t.join("sub/f"), "F").unwrap();
    util::mkfifo(&t.join("fifo"));
    std::os::unix::fs::symlink("sub", t.join("link")).unwrap();
    let set = |path: &Path, name: &str, value: &str| {
        tool("setfattr", &[&"-h", &"-n", &name, &"-v", &value, &path]);
    };
    set(&t, "user.dir", "d1");
    set(&t, "trusted.dir", "d2");
    set(&t.join("sub"), "user.sub", "s1");
    set(&t.join("sub"), "trusted.sub", "s2");
    set(&t.join("sub/f"), "user.file", "f1");
    // Linux refuses user.* on fifos (EPERM): trusted.* only, then.
    let _ = tool_ok(
        "setfattr",
        &[&"-n", &"user.fifo", &"-v", &"p1", &t.join("fifo")],
    );
    set(&t.join("fifo"), "trusted.fifo", "p2");
    set(&t.join("link"), "trusted.link", "l1");
    let names = ["", "sub", "sub/f", "fifo", "link"];
    let want: Vec<String> = names.iter().map(|n| attrs(&t.join(n))).collect();
    for (n, w) in names.iter().zip(&want) {
        assert!(w.contains("trusted.") || w.contains("user."), "{n}: {w}");
    }
    pmv(&[&t, &tm.dir.path()]).ok();
    let dest = tm.path("t");
    assert_eq!(listing(&dest), ["fifo", "link", "sub/", "sub/f"]);
    for (n, w) in names.iter().zip(&want) {
        assert_eq!(&attrs(&dest.join(n)), w, "the attributes of 't/{n}'");
    }
    assert!(!t.exists(), "SOURCE is gone");
}

// 6.
/// Holes are kept at block granularity: DEST allocates about as many
/// blocks as SOURCE (tmpfs to ext4), and the data is the same.
#[test]
fn holes_are_kept_at_block_granularity() {
    if !root_or_skip("the sparse-file test") {
        return;
    }
    let tm = Mount::tmpfs("16m");
    let ext = Mount::ext4(&[]);
    const BLOCK: usize = 4096;
    let files: [(&str, u64, Vec<u64>); 2] = [
        ("two", 3 << 20, vec![0, 2 << 20]),
        (
            "sixteen",
            16 * (64 << 10),
            (0..16).map(|i| i * (64 << 10)).collect(),
        ),
    ];
    let mut before = Vec::new();
    for (i, (name, len, at)) in files.iter().enumerate() {
        let f = fs::File::create(tm.path(name)).unwrap();
        for (j, off) in at.iter().enumerate() {
            f.write_all_at(&pattern(BLOCK, (i * 16 + j) as u8), *off)
                .unwrap();
        }
        f.set_len(*len).unwrap();
        drop(f);
        let m = fs::metadata(tm.path(name)).unwrap();
        assert!(
            m.blocks() * 512 < *len / 4,
            "'{name}' is not sparse on SOURCE"
        );
        before.push((m.blocks(), fs::read(tm.path(name)).unwrap()));
    }
    let d = ext.path("dst");
    fs::create_dir(&d).unwrap();
    pmv(&[&tm.path("two"), &tm.path("sixteen"), &d]).ok();
    for ((name, len, _), (blocks, data)) in files.iter().zip(before) {
        let p = d.join(name);
        let m = fs::metadata(&p).unwrap();
        assert_eq!(m.len(), *len);
        assert!(
            m.blocks() <= 2 * blocks && 2 * m.blocks() >= blocks,
            "'{name}': {} blocks of 512 bytes on DEST, {blocks} on SOURCE",
            m.blocks()
        );
        assert!(fs::read(&p).unwrap() == data, "'{name}': data differs");
        assert!(!tm.path(name).exists());
    }
}

// 7.
/// An immutable file cannot be removed from SOURCE: everything else is,
/// DEST is complete, the error is GNU's, and what remains is in pmv's
/// private directory beside SOURCE.
#[test]
fn an_immutable_file_stays_behind_in_the_private_directory() {
    if !root_or_skip("the immutable-file test") {
        return;
    }
    let ext = Mount::ext4(&[]);
    let tm = Mount::tmpfs("16m");
    let s = ext.path("src");
    let a = s.join("a");
    fs::create_dir_all(a.join("sub")).unwrap();
    fs::write(a.join("first"), "1").unwrap();
    fs::write(a.join("locked"), "L").unwrap();
    fs::write(a.join("sub/z"), "Z").unwrap();
    tool("chattr", &[&"+i", &a.join("locked")]);
    let r = pmv(&[&a, &tm.dir.path()]);
    assert_eq!(r.code, 1, "{r:?}");
    let src = a.display();
    assert!(
        r.stderr.contains(&format!(
            "pmv: cannot remove '{src}/locked': Operation not permitted\n"
        )),
        "{r:?}"
    );
    // DEST is complete.
    let dest = tm.path("a");
    assert_eq!(listing(&dest), ["first", "locked", "sub/", "sub/z"]);
    for (n, c) in [("first", "1"), ("locked", "L"), ("sub/z", "Z")] {
        assert_eq!(fs::read_to_string(dest.join(n)).unwrap(), c);
    }
    assert_eq!(staging(tm.dir.path()), Vec::<String>::new());
    // SOURCE was renamed into the private directory, and only the locked
    // file and the directory holding it remain there.
    assert!(!a.exists(), "SOURCE's name still exists: {r:?}");
    let private = staging(&s);
    assert_eq!(private.len(), 1, "{private:?}");
    assert_eq!(private[0].len(), ".pmv-".len() + 12, "{private:?}");
    assert_eq!(listing(&s).len(), 3, "{:?}", listing(&s));
    let private = s.join(&private[0]);
    assert_eq!(listing(&private), ["a/", "a/locked"]);
    assert!(
        r.stderr.contains(&format!(
            "pmv: what remains of '{src}' is in '{}'\n",
            private.display()
        )),
        "{r:?}"
    );
}

// 8.
/// Data appended to SOURCE while pmv copies it is in DEST, or the move
/// fails and SOURCE keeps it: never a DEST truncated to the size SOURCE
/// had when the copy started. pmv is stopped (SIGSTOP) while its staging
/// directory exists beside DEST, 1 MiB is appended, and pmv continues.
#[test]
fn data_appended_during_the_copy_is_kept_or_the_move_fails() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    const SIZE: u64 = 120 << 20;
    const DATA: usize = 16 << 20;
    const MORE: usize = 1 << 20;
    let head = pattern(DATA, 1);
    let tail = pattern(DATA, 2);
    let more = pattern(MORE, 3);
    let check = |path: &Path| {
        let file = fs::File::open(path).unwrap();
        let len = file.metadata().unwrap().len();
        assert_eq!(
            len,
            SIZE + MORE as u64,
            "'{}' lost the appended bytes",
            path.display()
        );
        for (want, at) in [(&head, 0), (&tail, SIZE - DATA as u64), (&more, SIZE)] {
            let mut got = vec![0u8; want.len()];
            file.read_exact_at(&mut got, at).unwrap();
            assert!(&got == want, "'{}': data differs at {at}", path.display());
        }
    };
    for attempt in 0..10 {
        let name = format!("big{attempt}");
        let (src, dst) = (f.path(&name), s.path(&name));
        let file = fs::File::create(&src).unwrap();
        file.write_all_at(&head, 0).unwrap();
        file.write_all_at(&tail, SIZE - DATA as u64).unwrap();
        drop(file);
        let mut writer = fs::OpenOptions::new().append(true).open(&src).unwrap();
        let ino = writer.metadata().unwrap().ino();
        let mut child = Command::new(util::bin("pmv"))
            .arg(&src)
            .arg(&dst)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let mut caught = false;
        loop {
            if !staging(s.dir.path()).is_empty() {
                unsafe { libc::kill(pid, libc::SIGSTOP) };
                // Stopped before the staging directory went: before the
                // commit, so before pmv looks at SOURCE again.
                caught = stopped(pid) && !staging(s.dir.path()).is_empty();
                if caught {
                    writer.write_all(&more).unwrap();
                }
                unsafe { libc::kill(pid, libc::SIGCONT) };
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
        }
        let r = finished(child.wait_with_output().unwrap());
        if !caught {
            let _ = fs::remove_file(&src);
            let _ = fs::remove_file(&dst);
            continue;
        }
        if r.code == 0 {
            r.ok();
            check(&dst);
            assert!(!src.exists(), "SOURCE is gone");
        } else {
            assert_eq!(r.code, 1, "{r:?}");
            assert!(
                writer.metadata().unwrap().nlink() > 0,
                "the move failed and SOURCE was removed: {r:?}"
            );
            // SOURCE under its name, or in pmv's private directory beside it.
            let mut names = vec![src.clone()];
            for p in staging(f.dir.path()) {
                names.push(f.path(&p).join(&name));
            }
            let at = names
                .into_iter()
                .find(|p| fs::symlink_metadata(p).is_ok_and(|m| m.ino() == ino))
                .unwrap_or_else(|| panic!("SOURCE is nowhere: {r:?}"));
            check(&at);
        }
        assert_eq!(staging(s.dir.path()), Vec::<String>::new());
        return;
    }
    panic!("pmv was never stopped in the middle of the copy in 10 attempts");
}

/// Wait until process `pid` is stopped (`true`) or has exited (`false`).
fn stopped(pid: i32) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return false;
        };
        // "pid (comm) S ...": the state follows the last ')'.
        match stat[stat.rfind(')').unwrap() + 1..]
            .trim_start()
            .chars()
            .next()
        {
            Some('T' | 't') => return true,
            Some('Z' | 'X') | None => return false,
            _ => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    false
}

// 9.
/// Hard links between operands stay hard links: `pmv f g OTHER/` makes
/// two names of one inode, and so do `a/1` and `b/1` in `pmv a b OTHER/`.
#[test]
fn hard_links_across_operands_stay_one_inode() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    let other = format!("{}/", f.dir.path().display());
    let same = |x: &str, y: &str| {
        let (a, b) = (
            fs::symlink_metadata(f.path(x)).unwrap(),
            fs::symlink_metadata(f.path(y)).unwrap(),
        );
        assert_eq!(
            (a.dev(), a.ino()),
            (b.dev(), b.ino()),
            "'{x}' and '{y}' are not one inode"
        );
        assert_eq!(a.nlink(), 2);
    };

    s.file("f", "F");
    fs::hard_link(s.path("f"), s.path("g")).unwrap();
    s.pmv(["f", "g", other.as_str()]).ok();
    assert!(!s.exists("f") && !s.exists("g"));
    assert_eq!((f.read("f"), f.read("g")), ("F".into(), "F".into()));
    same("f", "g");

    s.file("a/1", "one").file("a/2", "two").dir("b");
    fs::hard_link(s.path("a/1"), s.path("b/1")).unwrap();
    s.pmv(["a", "b", other.as_str()]).ok();
    assert!(!s.exists("a") && !s.exists("b"));
    assert_eq!(f.read("b/1"), "one");
    same("a/1", "b/1");
    assert_eq!(staging(f.dir.path()), Vec::<String>::new());
    assert_eq!(staging(s.dir.path()), Vec::<String>::new());
}

// 10.
const DEPTH: usize = 5000;

fn open_dir(at: &OwnedFd, name: &str) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat(
        at,
        name,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

fn open_root(path: &Path) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat(
        CWD,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// `root/d/d/.../d/bottom`, `DEPTH` directories deep, built fd-relatively:
/// its paths are far longer than `PATH_MAX`.
fn build_deep(root: &Path, bottom: &[u8]) {
    fs::create_dir(root).unwrap();
    let mut fd = open_root(root).unwrap();
    for _ in 0..DEPTH {
        rustix::fs::mkdirat(&fd, "d", Mode::from_raw_mode(0o755)).unwrap();
        fd = open_dir(&fd, "d").unwrap();
    }
    let file = rustix::fs::openat(
        &fd,
        "bottom",
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    )
    .unwrap();
    fs::File::from(file).write_all(bottom).unwrap();
}

/// The bottom file of a tree made by [`build_deep`], checking that every
/// level holds exactly what it should.
fn read_deep(root: &Path) -> Result<Vec<u8>, String> {
    let mut fd = open_root(root).map_err(|e| format!("{}: {e}", root.display()))?;
    for level in 0..=DEPTH {
        let mut names = Vec::new();
        for entry in rustix::fs::Dir::read_from(&fd).map_err(|e| e.to_string())? {
            let entry = entry.map_err(|e| e.to_string())?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != "." && name != ".." {
                names.push(name);
            }
        }
        let want = if level == DEPTH { "bottom" } else { "d" };
        if names != [want] {
            return Err(format!("level {level} holds {names:?}"));
        }
        if level < DEPTH {
            fd = open_dir(&fd, "d").map_err(|e| format!("level {level}: {e}"))?;
        }
    }
    let file = rustix::fs::openat(
        &fd,
        "bottom",
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| e.to_string())?;
    let mut data = Vec::new();
    fs::File::from(file)
        .read_to_end(&mut data)
        .map_err(|e| e.to_string())?;
    Ok(data)
}

/// pmv under `ulimit -n 32`.
fn pmv_with_32_fds(src: &Path, dst: &Path) -> Run {
    run(
        Path::new("sh"),
        &[
            &"-c",
            &"ulimit -n 32 && exec \"$0\" \"$@\"",
            &util::bin("pmv"),
            &src,
            &dst,
        ],
    )
}

/// A tree 5,000 levels deep moves across file systems with 32 file
/// descriptors; and when it cannot (a full destination), it is cleaned up
/// with 32 file descriptors too: no `.pmv-*` left, SOURCE intact.
#[test]
fn a_tree_deeper_than_path_max_moves_with_32_file_descriptors() {
    let Some(f) = far() else { return };
    // A FUSE file system such as bindfs looks every name up by its whole
    // path in user space, so it cannot hold a tree deeper than PATH_MAX.
    const FUSE: i64 = 0x6573_5546;
    #[allow(clippy::unnecessary_cast)] // its type differs per target
    let on_fuse = rustix::fs::statfs(util::scratch_root()).is_ok_and(|s| s.f_type as i64 == FUSE);
    let s = if on_fuse {
        eprintln!("the deep tree goes to /tmp: the file system under test is FUSE");
        Scratch {
            dir: tempfile::Builder::new()
                .prefix("pmv-test-")
                .tempdir_in("/tmp")
                .unwrap(),
        }
    } else {
        Scratch::new()
    };
    let _rm = RmRf(vec![f.path("deep"), s.path("deep"), f.path("deep2")]);
    build_deep(&f.path("deep"), b"bottom\n");
    let r = pmv_with_32_fds(&f.path("deep"), &s.path("deep"));
    r.ok();
    assert_eq!(read_deep(&s.path("deep")), Ok(b"bottom\n".to_vec()));
    assert!(!f.path("deep").exists(), "SOURCE is gone");
    assert_eq!(staging(f.dir.path()), Vec::<String>::new());
    assert_eq!(staging(s.dir.path()), Vec::<String>::new());

    if !root_or_skip("the deep tree onto a full tmpfs") {
        return;
    }
    let small = Mount::tmpfs("2m");
    let bottom = pattern(4 << 20, 9);
    build_deep(&f.path("deep2"), &bottom);
    let _rm_small = RmRf(vec![small.path("deep2")]);
    let r = pmv_with_32_fds(&f.path("deep2"), &small.path("deep2"));
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains(": No space left on device\n"), "{r:?}");
    assert_eq!(staging(small.dir.path()), Vec::<String>::new());
    assert!(!small.path("deep2").exists());
    assert_eq!(staging(f.dir.path()), Vec::<String>::new());
    assert!(
        read_deep(&f.path("deep2")) == Ok(bottom),
        "SOURCE is not intact"
    );
}

/// A file that cannot leave its name (immutable) is moved with a backup of
/// DEST: DEST is the new file, the backup of the old one stays, SOURCE
/// stays where it was, and pmv says so and exits 1.
#[test]
fn an_unremovable_source_keeps_the_backup_of_dest() {
    if !root_or_skip("the immutable-source backup test") {
        return;
    }
    let ext = Mount::ext4(&[]);
    let tm = Mount::tmpfs("16m");
    let src = ext.path("f");
    fs::write(&src, "new").unwrap();
    tool("chattr", &[&"+i", &src]);
    let dst = tm.path("f");
    fs::write(&dst, "old").unwrap();
    let r = pmv(&[&"-b", &src, &dst]);
    tool("chattr", &[&"-i", &src]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr,
        format!(
            "pmv: cannot remove '{}': Operation not permitted\n",
            src.display()
        ),
        "{r:?}"
    );
    assert_eq!(fs::read_to_string(&dst).unwrap(), "new");
    assert_eq!(
        fs::read_to_string(tm.path("f~")).unwrap(),
        "old",
        "the backup of DEST must stay"
    );
    assert_eq!(fs::read_to_string(&src).unwrap(), "new");
    assert_eq!(staging(ext.dir.path()), Vec::<String>::new());
    assert_eq!(staging(tm.dir.path()), Vec::<String>::new());
}

//! The test harness: a scratch directory, the real binaries run in it as a
//! user runs them, and checks of exit status, exact output and the tree.
#![allow(dead_code)]

pub mod strace;

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where scratch directories go: `PMV_TEST_DIR` (the filesystem matrix
/// points it at each mounted file system), else the system temp dir.
pub fn scratch_root() -> PathBuf {
    std::env::var_os("PMV_TEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

/// A second file system for cross-device tests: `PMV_TEST_OTHER_FS`, else
/// `/dev/shm`. Under CI (`CI=true`) its absence fails the test instead of
/// skipping it.
pub fn other_fs() -> Option<PathBuf> {
    let dir = std::env::var_os("PMV_TEST_OTHER_FS")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/dev/shm".into());
    let ok = fs::metadata(&dir).is_ok_and(|m| m.is_dir())
        && fs::metadata(scratch_root()).is_ok_and(|m| m.dev() != fs::metadata(&dir).unwrap().dev());
    if ok {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").is_err(),
        "no second file system at {} (set PMV_TEST_OTHER_FS): cross-device tests must run in CI",
        dir.display()
    );
    eprintln!("skipping: no second file system at {}", dir.display());
    None
}

/// A scratch directory on the second file system ([`other_fs`]), if there
/// is one.
pub fn far() -> Option<Scratch> {
    let other = other_fs()?;
    Some(Scratch {
        dir: tempfile::Builder::new()
            .prefix("pmv-far-")
            .tempdir_in(other)
            .unwrap(),
    })
}

/// Whether the file system under test (`PMV_TEST_DIR`) cannot exchange
/// atomically although the backend can: the filesystem matrix sets
/// `PMV_TEST_FS_NO_EXCHANGE=1` for FUSE (bindfs), which refuses every
/// rename flag.
pub fn fs_no_exchange() -> bool {
    std::env::var_os("PMV_TEST_FS_NO_EXCHANGE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Whether exchange works on an ordinary local file system, decided from
/// the OS this test was built for, not by asking the library: `None` if it
/// swaps, else the reason pmv must give.
pub fn exchange_unsupported() -> Option<&'static str> {
    if cfg!(pmv_backend = "posix") {
        // The generic backend never exchanges.
        return Some("on this system");
    }
    if cfg!(any(
        target_os = "linux",
        target_os = "android",
        target_vendor = "apple"
    )) {
        // renameat2(RENAME_EXCHANGE) (Linux 3.15), renameatx_np(RENAME_SWAP).
        return None;
    }
    if cfg!(target_os = "freebsd") {
        // renameat2(AT_RENAME_EXCHANGE) from FreeBSD 15.1 (osreldate
        // 1501000) on.
        let osreldate = std::process::Command::new("sysctl")
            .args(["-n", "kern.osreldate"])
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|v| v.trim().parse::<u32>().ok())
            .expect("sysctl -n kern.osreldate");
        return (osreldate < 1_501_000).then_some("on this system");
    }
    Some("on this system")
}

/// The same on the file system under test, which may refuse what the
/// backend can do ([`fs_no_exchange`]).
pub fn exchange_unsupported_here() -> Option<&'static str> {
    exchange_unsupported().or(fs_no_exchange().then_some("by this file system"))
}

/// The test file system refuses every `renameat2` flag (FUSE, NFS, 9p):
/// `ci/fsmatrix.sh` sets `PMV_TEST_FS_NO_RENAME_FLAGS` there.
pub fn fs_no_rename_flags() -> bool {
    std::env::var_os("PMV_TEST_FS_NO_RENAME_FLAGS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(
            (self.code, self.stderr.as_str()),
            (0, ""),
            "expected success: {self:?}"
        );
        self
    }

    #[track_caller]
    pub fn fails(&self, stderr: &str) -> &Self {
        assert_eq!(
            (self.code, self.stderr.as_str()),
            (1, stderr),
            "expected failure: {self:?}"
        );
        self
    }

    #[track_caller]
    pub fn stdout(&self, want: &str) -> &Self {
        assert_eq!(self.stdout, want, "stdout of {self:?}");
        self
    }
}

/// A scratch directory with helpers to build and inspect a tree in it.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // A process killed in the middle of a request to a FUSE file
        // system (bindfs) can have it carried out after its death, and
        // an entry appear after the directory was listed: try again.
        for _ in 0..40 {
            match fs::remove_dir_all(self.dir.path()) {
                Ok(()) => return,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
            }
        }
    }
}

impl Scratch {
    pub fn new() -> Self {
        Scratch {
            dir: tempfile::Builder::new()
                .prefix("pmv-test-")
                .tempdir_in(scratch_root())
                .unwrap(),
        }
    }

    pub fn path(&self, name: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn file(&self, name: &str, content: &str) -> &Self {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(p, content).unwrap();
        self
    }

    pub fn dir(&self, name: &str) -> &Self {
        fs::create_dir_all(self.path(name)).unwrap();
        self
    }

    pub fn symlink(&self, target: &str, name: &str) -> &Self {
        symlink(target, self.path(name)).unwrap();
        self
    }

    pub fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
    }

    pub fn exists(&self, name: impl AsRef<Path>) -> bool {
        fs::symlink_metadata(self.path(name)).is_ok()
    }

    /// Set both times of `name` (not following a symlink) to `secs`.
    pub fn touch(&self, name: &str, secs: i64) -> &Self {
        let t = rustix::fs::Timespec {
            tv_sec: secs as _,
            tv_nsec: 0,
        };
        let times = rustix::fs::Timestamps {
            last_access: t,
            last_modification: t,
        };
        let nofollow = rustix::fs::AtFlags::SYMLINK_NOFOLLOW;
        rustix::fs::utimensat(rustix::fs::CWD, self.path(name), &times, nofollow).unwrap();
        self
    }

    pub fn link_target(&self, name: &str) -> PathBuf {
        fs::read_link(self.path(name)).unwrap()
    }

    /// `(dev, ino)` of a name, not following symlinks.
    pub fn id(&self, name: impl AsRef<Path>) -> (u64, u64) {
        let m = fs::symlink_metadata(self.path(name)).unwrap();
        (m.dev(), m.ino())
    }

    /// Every name under the scratch dir with what it is: `f:content`,
    /// `d`, `l:target`, sorted. Compares whole trees in one assertion.
    pub fn tree(&self) -> Vec<String> {
        let mut out = Vec::new();
        walk(self.dir.path(), self.dir.path(), &mut out);
        out.sort();
        out
    }

    /// Run a program with `args`, in the scratch dir, with the C locale.
    pub fn run<I, S>(&self, prog: &str, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_with(prog, args, None, &[])
    }

    /// Like [`Scratch::run`], with standard input and extra environment.
    pub fn run_with<I, S>(
        &self,
        prog: &str,
        args: I,
        stdin: Option<&str>,
        env: &[(&str, &str)],
    ) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(bin(prog));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("LC_ALL", "C")
            .env_remove("VERSION_CONTROL")
            .env_remove("SIMPLE_BACKUP_SUFFIX")
            .env_remove("POSIXLY_CORRECT")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            // The program may exit without reading it all.
            let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        }
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn pmv<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run("pmv", args)
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let meta = fs::symlink_metadata(&path).unwrap();
        if meta.file_type().is_symlink() {
            out.push(format!(
                "{rel} l:{}",
                fs::read_link(&path).unwrap().display()
            ));
        } else if meta.is_dir() {
            out.push(format!("{rel}/"));
            walk(root, &path, out);
        } else if !meta.is_file() {
            // A fifo or device: opening it could block.
            out.push(format!("{rel} special"));
        } else {
            out.push(format!(
                "{rel} f:{}",
                String::from_utf8_lossy(&fs::read(&path).unwrap())
            ));
        }
    }
}

/// The path of one of the crate's binaries.
pub fn bin(prog: &str) -> PathBuf {
    match prog {
        "pmv" => PathBuf::from(env!("CARGO_BIN_EXE_pmv")),
        other => {
            let mut p = PathBuf::from(env!("CARGO_BIN_EXE_pmv"));
            p.set_file_name(other);
            p
        }
    }
}

/// `tree()`-style list from literal lines, for comparisons.
pub fn lines(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Set an extended attribute; `false` where the system has no xattr API
/// that pmv uses (it then copies none either).
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
pub fn set_xattr(path: &Path, name: &str, value: &[u8]) -> bool {
    rustix::fs::setxattr(path, name, value, rustix::fs::XattrFlags::empty()).is_ok()
}

/// See the other `set_xattr`.
#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
pub fn set_xattr(_path: &Path, _name: &str, _value: &[u8]) -> bool {
    false
}

/// Read an extended attribute.
#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
pub fn get_xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    let n = rustix::fs::getxattr(path, name, &mut buf[..]).ok()?;
    buf.truncate(n);
    Some(buf)
}

/// See the other `get_xattr`.
#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
pub fn get_xattr(_path: &Path, _name: &str) -> Option<Vec<u8>> {
    None
}

/// Make a fifo (POSIX `mkfifo`; rustix has no `mkfifoat` on Apple).
pub fn mkfifo(path: &Path) {
    let c =
        std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str())).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o600) },
        0,
        "mkfifo {}",
        path.display()
    );
}

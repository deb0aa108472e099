//! `--sync` (pmv and pln) and the library's durable variants: the change
//! first, then `fsync` of each directory whose entries it changed, the one
//! that holds DEST first, each once; without `--sync`, nothing flushed.
//!
//! The order and the directories are read from `strace -f -y` (Linux),
//! which names the directory behind each descriptor; under CI a missing
//! strace fails the test. The library's functions are traced in a child
//! run of this same test binary ([`durable_child`]). That `--sync` and
//! `--debug` work together is checked everywhere.

mod util;

use std::path::Path;

use util::Scratch;

#[test]
fn debug_names_the_directories_flushed() {
    let s = Scratch::new();
    s.file("z.new", "new")
        .file("z", "old")
        .file("a/f", "F")
        .dir("b");
    s.pmv(["--sync", "--debug", "-T", "z.new", "z"])
        .ok_stderr_ends(", then fsync of '.': atomic\n");
    s.pmv(["--sync", "--debug", "a/f", "b/"])
        .ok_stderr_ends(", then fsync of 'b' and 'a': atomic\n");
    assert_eq!(s.read("z"), "new");
    assert_eq!(s.read("b/f"), "F");
    s.run("pln", ["--sync", "-sfn", "b/f", "z"]).ok();
    assert_eq!(s.link_target("z"), Path::new("b/f"));
}

trait OkStderr {
    fn ok_stderr_ends(&self, tail: &str);
}

impl OkStderr for util::Run {
    #[track_caller]
    fn ok_stderr_ends(&self, tail: &str) {
        assert!(
            self.code == 0 && self.stderr.ends_with(tail),
            "expected success ending {tail:?}: {self:?}"
        );
    }
}

#[cfg(target_os = "linux")]
mod traced {
    use super::*;
    use std::ffi::OsStr;
    use std::process::{Command, Stdio};

    use util::strace::ready as strace_ready;

    /// One traced call: its name, whether it succeeded, the directory
    /// behind its first argument (`3</d>`) and behind its result.
    #[derive(Debug)]
    struct Call {
        name: String,
        ok: bool,
        fd: Option<String>,
        ret_fd: Option<String>,
        line: String,
    }

    /// The path in `3</path>`.
    fn fd_path(s: &str) -> Option<String> {
        let start = s.find('<')? + 1;
        let end = start + s[start..].find('>')?;
        Some(s[start..end].to_string())
    }

    fn parse(text: &str) -> Vec<Call> {
        let mut calls = Vec::new();
        for line in util::strace::lines(text) {
            // `name(args)   = ret`, padded before the `=`.
            let (Some(open), Some(eq)) = (line.find('('), line.rfind(" = ")) else {
                continue;
            };
            if !line[..eq].trim_end().ends_with(')') {
                continue;
            }
            let ret = line[eq + 3..].trim();
            calls.push(Call {
                name: line[..open].to_string(),
                ok: !ret.starts_with('-'),
                fd: fd_path(line[open + 1..].split(',').next().unwrap_or("")),
                ret_fd: fd_path(ret),
                line: line.clone(),
            });
        }
        calls
    }

    const CHANGES: &[&str] = &[
        "rename",
        "renameat",
        "renameat2",
        "link",
        "linkat",
        "symlink",
        "symlinkat",
        "unlink",
        "unlinkat",
        "mkdir",
        "mkdirat",
    ];
    const FLUSHES: &[&str] = &["fsync", "fdatasync", "syncfs", "sync"];

    /// Run `prog args` in `dir` under strace; its exit status and calls.
    fn trace(dir: &Path, prog: &Path, args: &[&OsStr], env: &[(&str, &str)]) -> (i32, Vec<Call>) {
        let log = tempfile::NamedTempFile::new().unwrap();
        let out = Command::new("strace")
            .args(["-f", "-y", "-qq", "-e"])
            .arg(format!(
                "trace={},{},openat",
                CHANGES.join(","),
                FLUSHES.join(",")
            ))
            .arg("-o")
            .arg(log.path())
            .arg(prog)
            .args(args)
            .current_dir(dir)
            .envs(env.iter().copied())
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert!(!text.is_empty(), "strace wrote no trace: {out:?}");
        (out.status.code().unwrap_or(-1), parse(&text))
    }

    /// The directories flushed, in order, each checked to come after
    /// every change the run made.
    #[track_caller]
    fn flushed_after_changes(calls: &[Call]) -> Vec<String> {
        let shown = || {
            calls
                .iter()
                .filter(|c| c.name != "openat")
                .map(|c| format!("  {}", c.line))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let last_change = calls
            .iter()
            .rposition(|c| c.ok && CHANGES.contains(&c.name.as_str()))
            .unwrap_or_else(|| panic!("nothing changed:\n{}", shown()));
        let flushes: Vec<(usize, &Call)> = calls
            .iter()
            .enumerate()
            .filter(|(_, c)| FLUSHES.contains(&c.name.as_str()))
            .collect();
        for (i, c) in &flushes {
            assert!(
                *i > last_change && c.name == "fsync" && c.ok,
                "a flush before the last change, or not an fsync:\n{}",
                shown()
            );
        }
        flushes
            .iter()
            .map(|(_, c)| {
                c.fd.clone()
                    .unwrap_or_else(|| panic!("no path for {}", c.line))
            })
            .collect()
    }

    #[track_caller]
    fn no_flush(calls: &[Call]) {
        let flushes: Vec<&str> = calls
            .iter()
            .filter(|c| FLUSHES.contains(&c.name.as_str()))
            .map(|c| c.line.as_str())
            .collect();
        assert!(flushes.is_empty(), "flushed without --sync: {flushes:?}");
    }

    /// The scratch directory as strace names it, and a subdirectory.
    fn real(s: &Scratch, sub: &str) -> String {
        let p = std::fs::canonicalize(s.dir.path()).unwrap();
        let p = if sub.is_empty() { p } else { p.join(sub) };
        p.to_string_lossy().into_owned()
    }

    fn os(s: &str) -> &OsStr {
        s.as_ref()
    }

    fn pmv(s: &Scratch, args: &[&str]) -> (i32, Vec<Call>) {
        let args: Vec<&OsStr> = args.iter().map(|a| os(a)).collect();
        trace(s.dir.path(), &util::bin("pmv"), &args, &[])
    }

    fn pln(s: &Scratch, args: &[&str]) -> (i32, Vec<Call>) {
        let args: Vec<&OsStr> = args.iter().map(|a| os(a)).collect();
        trace(s.dir.path(), &util::bin("pln"), &args, &[])
    }

    #[test]
    fn pmv_sync_flushes_the_directory_after_the_rename() {
        if !strace_ready() {
            return;
        }
        let s = Scratch::new();
        s.file("z.new", "2").file("z", "1");
        let (code, calls) = pmv(&s, &["--sync", "-T", "z.new", "z"]);
        assert_eq!(code, 0);
        assert_eq!(flushed_after_changes(&calls), [real(&s, "")]);
        assert_eq!(s.read("z"), "2");

        s.file("z.new", "3");
        let (code, calls) = pmv(&s, &["-T", "z.new", "z"]);
        assert_eq!(code, 0);
        no_flush(&calls);
        assert_eq!(s.read("z"), "3");
    }

    #[test]
    fn pmv_sync_flushes_dest_then_source_directory() {
        if !strace_ready() {
            return;
        }
        let s = Scratch::new();
        s.file("a/f", "F")
            .file("a/g", "G")
            .file("b/g", "old")
            .dir("c");
        // A new name, a replaced one, and one moved into a directory.
        for args in [
            &["--sync", "a/f", "b/f"][..],
            &["--sync", "-T", "a/g", "b/g"],
            &["--sync", "b/f", "c"],
        ] {
            let (code, calls) = pmv(&s, args);
            assert_eq!(code, 0, "{args:?}");
            let (from, to) = match args.last() {
                Some(&"c") => ("b", "c"),
                _ => ("a", "b"),
            };
            assert_eq!(
                flushed_after_changes(&calls),
                [real(&s, to), real(&s, from)],
                "{args:?}"
            );
        }
        assert_eq!(s.read("b/g"), "G");
        assert_eq!(s.read("c/f"), "F");
    }

    #[test]
    fn pmv_sync_no_clobber_flushes_a_move_and_nothing_for_a_skip() {
        if !strace_ready() {
            return;
        }
        let s = Scratch::new();
        s.file("a/f", "F").dir("b");
        let (code, calls) = pmv(&s, &["--sync", "-n", "a/f", "b/f"]);
        assert_eq!(code, 0);
        assert_eq!(
            flushed_after_changes(&calls),
            [real(&s, "b"), real(&s, "a")]
        );
        s.file("a/f", "again");
        let (code, calls) = pmv(&s, &["--sync", "-n", "a/f", "b/f"]);
        assert_eq!(code, 0);
        no_flush(&calls);
        assert_eq!((s.read("a/f"), s.read("b/f")), ("again".into(), "F".into()));
    }

    #[test]
    fn pmv_sync_exchange_flushes_both_directories() {
        if !strace_ready() {
            return;
        }
        let s = Scratch::new();
        s.file("a/x", "X").file("b/y", "Y");
        let (code, calls) = pmv(&s, &["--sync", "--exchange", "a/x", "b/y"]);
        match util::exchange_unsupported_here() {
            None => {
                assert_eq!(code, 0);
                assert!(
                    calls
                        .iter()
                        .any(|c| c.ok && c.line.contains("RENAME_EXCHANGE")),
                    "no exchange"
                );
                assert_eq!(
                    flushed_after_changes(&calls),
                    [real(&s, "b"), real(&s, "a")]
                );
                assert_eq!((s.read("a/x"), s.read("b/y")), ("Y".into(), "X".into()));
            }
            Some(_) => {
                assert_eq!(code, 1);
                no_flush(&calls);
            }
        }
        let (_, calls) = pmv(&s, &["--exchange", "a/x", "b/y"]);
        no_flush(&calls);
    }

    #[test]
    fn pln_sync_flushes_the_link_directory_after_the_link() {
        if !strace_ready() {
            return;
        }
        let s = Scratch::new();
        s.file("f", "F").file("g", "G").dir("d");
        let d = real(&s, "d");
        // A new symlink, one replaced (staged, renamed over), a new hard
        // link and one replaced.
        for args in [
            &["--sync", "-s", "r1", "d/current"][..],
            &["--sync", "-sfn", "r2", "d/current"],
            &["--sync", "f", "d/hard"],
            &["--sync", "-f", "g", "d/hard"],
        ] {
            let (code, calls) = pln(&s, args);
            assert_eq!(code, 0, "{args:?}");
            assert_eq!(
                flushed_after_changes(&calls),
                std::slice::from_ref(&d),
                "{args:?}"
            );
        }
        assert_eq!(s.link_target("d/current"), Path::new("r2"));
        assert_eq!(s.read("d/hard"), "G");
        let (code, calls) = pln(&s, &["-sfn", "r3", "d/current"]);
        assert_eq!(code, 0);
        no_flush(&calls);
    }

    /// Run `prog args` in `dir` under strace with every change (the calls
    /// of [`CHANGES`]) delayed on entry by a quarter second; once the
    /// first is under way, `meanwhile` runs. Its exit status and calls.
    fn trace_racing(
        dir: &Path,
        prog: &Path,
        args: &[&str],
        meanwhile: impl FnOnce(),
    ) -> (i32, Vec<Call>) {
        let log = tempfile::NamedTempFile::new().unwrap();
        let calls = format!("{},{},openat", CHANGES.join(","), FLUSHES.join(","));
        let mut child = Command::new("strace")
            .args(["-f", "-y", "-qq", "-e"])
            .arg(format!("trace={calls}"))
            .arg("-e")
            .arg(format!("inject={}:delay_enter=250000", CHANGES.join(",")))
            .arg("-o")
            .arg(log.path())
            .arg(prog)
            .args(args)
            .current_dir(dir)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        // strace writes a call's name and arguments when it enters it.
        let start = std::time::Instant::now();
        loop {
            let text = std::fs::read_to_string(log.path()).unwrap_or_default();
            if util::strace::lines(&text)
                .iter()
                .any(|l| CHANGES.iter().any(|c| l.starts_with(&format!("{c}("))))
            {
                break;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(20),
                "no change under way: {text}"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        meanwhile();
        let status = child.wait().unwrap();
        let text = std::fs::read_to_string(log.path()).unwrap();
        (status.code().unwrap_or(-1), parse(&text))
    }

    /// `--sync` with `-t DIR` flushes the directory that was opened and
    /// moved or linked into, not whatever has DIR's name by then: DIR is
    /// renamed to `D2` and a new `D` made while the change is under way.
    #[test]
    fn sync_with_a_target_directory_flushes_the_directory_opened() {
        if !strace_ready() {
            return;
        }
        for (prog, args) in [
            ("pmv", &["--sync", "-t", "D", "a"][..]),
            ("pln", &["--sync", "-s", "-t", "D", "a"]),
        ] {
            let s = Scratch::new();
            s.file("a", "A").dir("D");
            let swap = || {
                std::fs::rename(s.path("D"), s.path("D2")).unwrap();
                std::fs::create_dir(s.path("D")).unwrap();
            };
            let (code, calls) = trace_racing(s.dir.path(), &util::bin(prog), args, swap);
            assert_eq!(code, 0, "{prog} {args:?}");
            let mut want = vec![real(&s, "D2")];
            if prog == "pmv" {
                want.push(real(&s, ""));
            }
            assert_eq!(flushed_after_changes(&calls), want, "{prog} {args:?}");
            assert!(
                s.path("D2/a").symlink_metadata().is_ok(),
                "{prog}: {:?}",
                s.tree()
            );
            assert!(
                s.path("D/a").symlink_metadata().is_err(),
                "{prog}: {:?}",
                s.tree()
            );
        }
    }

    /// A copy across file systems whose directory cannot be flushed (`EIO`
    /// injected into the first `fsync` of a directory): DEST is in place
    /// and SOURCE is kept, so that a power cut cannot lose both; pmv says
    /// so and fails.
    #[test]
    fn pmv_sync_across_keeps_source_when_dest_directory_cannot_be_flushed() {
        if !strace_ready() {
            return;
        }
        let Some(f) = util::far() else { return };
        let s = Scratch::new();
        s.file("a", "A");
        // The generic backend flushes the copied file first (no syncfs).
        let nth = if cfg!(pmv_backend = "posix") { 2 } else { 1 };
        let out = Command::new("strace")
            .args(["-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync", "-e"])
            .arg(format!("inject=fsync:error=EIO:when={nth}+"))
            .arg(util::bin("pmv"))
            .args([os("--sync"), os("a"), f.path("a").as_os_str()])
            .current_dir(s.dir.path())
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(
            stderr,
            format!(
                "pmv: cannot sync '{}': Input/output error\npmv: 'a' is kept\n",
                f.dir.path().display()
            )
        );
        assert_eq!(s.tree(), util::lines(&["a f:A"]));
        assert_eq!(f.tree(), util::lines(&["a f:A"]));
    }

    /// The library's durable variants, each run in a child process
    /// ([`durable_child`]) under strace.
    #[test]
    fn library_durable_variants_flush_after_the_change() {
        if !strace_ready() {
            return;
        }
        let exe = std::env::current_exe().unwrap();
        let args = [
            os("--ignored"),
            os("--exact"),
            os("traced::durable_child"),
            os("--test-threads=1"),
        ];
        let cases: &[(&str, &[&str])] = &[
            ("replace", &["b", "a"]),
            ("rename_noreplace", &["b", "a"]),
            ("exchange", &["b", "a"]),
            ("flip_symlink", &["b"]),
            ("link_replacing", &["b"]),
        ];
        for (op, dirs) in cases {
            let s = Scratch::new();
            s.file("a/x", "X").file("b/y", "Y");
            let (code, calls) = trace(s.dir.path(), &exe, &args, &[("PMV_DURABLE_OP", op)]);
            if *op == "exchange" && util::exchange_unsupported_here().is_some() {
                assert_ne!(code, 0);
                no_flush(&calls);
                continue;
            }
            assert_eq!(code, 0, "{op}");
            let want: Vec<String> = dirs.iter().map(|d| real(&s, d)).collect();
            assert_eq!(flushed_after_changes(&calls), want, "{op}");
            // Each directory was opened before anything changed.
            let first_change = calls
                .iter()
                .position(|c| c.ok && CHANGES.contains(&c.name.as_str()))
                .unwrap();
            for dir in &want {
                let opened = calls
                    .iter()
                    .position(|c| c.name == "openat" && c.ret_fd.as_deref() == Some(dir));
                assert!(
                    opened.is_some_and(|i| i < first_change),
                    "{op}: {dir} not opened before the change"
                );
            }
        }
    }

    /// Not a test on its own: the child process of
    /// [`library_durable_variants_flush_after_the_change`], which runs one
    /// durable operation (`PMV_DURABLE_OP`) on `a/x` and `b/y` in its
    /// working directory.
    #[test]
    #[ignore = "run under strace by library_durable_variants_flush_after_the_change"]
    fn durable_child() {
        let op = std::env::var("PMV_DURABLE_OP").expect("PMV_DURABLE_OP");
        let (x, y) = (Path::new("a/x"), Path::new("b/y"));
        match op.as_str() {
            "replace" => drop(pmv::replace_durable(x, y).unwrap()),
            "rename_noreplace" => {
                let _ = pmv::rename_noreplace_durable(x, Path::new("b/new")).unwrap();
            }
            "exchange" => {
                let _ = pmv::exchange_durable(x, y).unwrap();
            }
            "flip_symlink" => drop(pmv::flip_symlink_durable("t", y).unwrap()),
            "link_replacing" => drop(pmv::link_replacing_durable(x, y).unwrap()),
            other => panic!("unknown operation {other}"),
        }
    }
}

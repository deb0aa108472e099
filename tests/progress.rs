//! `pmv -g` across file systems, on a pseudo-terminal: what the progress
//! line shows while it is drawn, what stays on the screen, and that
//! nothing at all is printed when stderr is not a terminal.
//!
//! The test opens the pseudo-terminal itself (POSIX `posix_openpt`), gives
//! it 100 columns, runs pmv with stderr (and stdout, for `-v`) on it, and
//! replays what pmv wrote through a small screen model that knows the few
//! control sequences a one-line progress bar uses (`\r`, `\n`, erase line,
//! cursor up). Every line erased while it held text is a frame of the bar.

mod util;

use std::ffi::CStr;
use std::fs;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Stdio};

use util::Scratch;

const COLUMNS: u16 = 100;

use util::far;

/// The master side of a new pseudo-terminal, `COLUMNS` wide, and its
/// slave side.
fn open_pty() -> (fs::File, fs::File) {
    // SAFETY: plain libc calls on descriptors owned here; ptsname's
    // static buffer is copied before anything else can call it (this file
    // calls it only under the lock).
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _held = LOCK.lock().unwrap();
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(master < 0 || libc::fcntl(master, libc::F_SETFD, libc::FD_CLOEXEC) == 0);
        assert!(
            master >= 0,
            "posix_openpt: {}",
            std::io::Error::last_os_error()
        );
        let master = fs::File::from(OwnedFd::from_raw_fd(master));
        let fd = std::os::fd::AsRawFd::as_raw_fd(&master);
        assert_eq!(libc::grantpt(fd), 0, "grantpt");
        assert_eq!(libc::unlockpt(fd), 0, "unlockpt");
        let name = libc::ptsname(fd);
        assert!(!name.is_null(), "ptsname");
        let name = CStr::from_ptr(name).to_str().unwrap().to_owned();
        let size = libc::winsize {
            ws_row: 30,
            ws_col: COLUMNS,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        assert_eq!(libc::ioctl(fd, libc::TIOCSWINSZ, &size), 0, "TIOCSWINSZ");
        let slave = fs::File::options()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(name)
            .unwrap();
        (master, slave)
    }
}

use std::os::unix::fs::OpenOptionsExt;

/// What one run of pmv left.
struct Shown {
    code: i32,
    /// Everything written to the terminal.
    raw: String,
    /// stdout when it was not the terminal.
    stdout: String,
    /// stderr when it was not the terminal.
    stderr: String,
}

/// Where pmv's stdout and stderr go.
#[derive(Clone, Copy, PartialEq)]
enum On {
    /// stderr on the terminal, stdout to a pipe.
    Stderr,
    /// Both on the terminal.
    Both,
    /// stdout on the terminal, stderr to a pipe.
    Stdout,
}

fn run_on_pty(dir: &Path, args: &[&std::ffi::OsStr], on: On) -> Shown {
    let (mut master, slave) = open_pty();
    let mut cmd = Command::new(util::bin("pmv"));
    cmd.args(args)
        .current_dir(dir)
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    match on {
        On::Stderr => cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::from(slave.try_clone().unwrap())),
        On::Both => cmd
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave.try_clone().unwrap())),
        On::Stdout => cmd
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::piped()),
    };
    let child = cmd.spawn().unwrap();
    // Only the child holds the terminal now (the command kept copies of
    // the slave side): reading ends when it exits.
    drop(cmd);
    drop(slave);
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match master.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // EIO: the last slave descriptor was closed (Linux).
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let out = child.wait_with_output().unwrap();
    Shown {
        code: out.status.code().unwrap_or(-1),
        raw: String::from_utf8_lossy(&raw).into_owned(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The screen after replaying `raw`, and the frames: each line's text at
/// the moment it was erased.
#[derive(Debug, Default)]
struct Screen {
    lines: Vec<Vec<char>>,
    frames: Vec<String>,
}

impl Screen {
    fn replay(raw: &str) -> Screen {
        let mut s = Screen {
            lines: vec![Vec::new()],
            frames: Vec::new(),
        };
        let (mut row, mut col) = (0usize, 0usize);
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => col = 0,
                '\n' => {
                    row += 1;
                    if row == s.lines.len() {
                        s.lines.push(Vec::new());
                    }
                }
                '\x1b' => {
                    if chars.peek() != Some(&'[') {
                        chars.next();
                        continue;
                    }
                    chars.next();
                    let mut params = String::new();
                    let mut end = ' ';
                    for c in chars.by_ref() {
                        if c.is_ascii_digit() || c == ';' || c == '?' {
                            params.push(c);
                        } else {
                            end = c;
                            break;
                        }
                    }
                    let n: usize = params.parse().unwrap_or(0);
                    let line = &mut s.lines[row];
                    match end {
                        'K' => {
                            let from = if n == 2 { 0 } else { col.min(line.len()) };
                            if from == 0 && !line.is_empty() {
                                s.frames.push(line.iter().collect());
                            }
                            line.truncate(from);
                        }
                        'A' => row = row.saturating_sub(n.max(1)),
                        'G' => col = n.saturating_sub(1),
                        // Cursor shown or hidden, colours: nothing to keep.
                        _ => {}
                    }
                }
                c => {
                    let line = &mut s.lines[row];
                    if line.len() < col {
                        line.resize(col, ' ');
                    }
                    if col < line.len() {
                        line[col] = c;
                    } else {
                        line.push(c);
                    }
                    col += 1;
                }
            }
        }
        s
    }

    /// The lines that hold text, trimmed.
    fn text(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|l| l.iter().collect::<String>().trim_end().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }
}

/// `moved NAME: WHAT in N.N s`, with the time checked for its form only.
#[track_caller]
fn assert_summary(line: &str, head: &str) {
    let rest = line
        .strip_prefix(head)
        .unwrap_or_else(|| panic!("{line:?} does not start with {head:?}"));
    let secs = rest
        .strip_prefix(" in ")
        .and_then(|r| r.strip_suffix(" s"))
        .unwrap_or_else(|| panic!("{line:?}: no duration"));
    assert!(
        secs.parse::<f64>().is_ok(),
        "{line:?}: {secs:?} is not a number of seconds"
    );
}

#[track_caller]
fn assert_frames(frames: &[String], head: &str, total: &str) {
    assert!(!frames.is_empty(), "no progress line was drawn");
    for f in frames {
        assert!(f.starts_with(head), "frame {f:?} does not start {head:?}");
        assert!(f.contains(&format!("/{total} ")), "frame {f:?}: total");
        assert!(
            f.contains(" ETA ") && f.contains('[') && f.contains(']'),
            "frame {f:?}: no bar or ETA"
        );
        assert!(
            f.chars().count() <= COLUMNS as usize,
            "frame {f:?} is wider than the terminal"
        );
    }
    let first = &frames[0];
    assert!(
        first.starts_with(head) && first.contains(&format!(" 0 B/{total} ")),
        "first frame {first:?}"
    );
}

fn os(s: &str) -> &std::ffi::OsStr {
    s.as_ref()
}

/// A file moved both ways between the test file system and the second
/// one: the bar names it, shows bytes of the total and a labelled ETA,
/// then leaves one summary line.
#[test]
fn a_file_shows_its_name_and_leaves_a_summary() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    let data: Vec<u8> = (0..24u32 << 20).map(|i| (i % 251) as u8).collect();
    fs::write(s.path("big"), &data).unwrap();
    let there = f.path("big");
    let shown = run_on_pty(
        s.dir.path(),
        &[os("-g"), os("big"), there.as_os_str()],
        On::Stderr,
    );
    assert_eq!(
        (shown.code, shown.stdout.as_str()),
        (0, ""),
        "{}",
        shown.raw
    );
    let screen = Screen::replay(&shown.raw);
    assert_frames(&screen.frames, "'big'", "24.00 MiB");
    let text = screen.text();
    assert_eq!(text.len(), 1, "{text:?}");
    assert_summary(&text[0], "moved 'big': 24.00 MiB");
    assert_eq!(fs::read(&there).unwrap(), data);
    assert!(!s.exists("big"));

    // And back, named by a path on the other file system.
    let shown = run_on_pty(
        s.dir.path(),
        &[os("-g"), there.as_os_str(), os("back")],
        On::Stderr,
    );
    assert_eq!(shown.code, 0, "{}", shown.raw);
    let screen = Screen::replay(&shown.raw);
    let name = format!("'{}'", there.display());
    if name.chars().count() <= 40 {
        assert_frames(&screen.frames, &name, "24.00 MiB");
        assert_summary(&screen.text()[0], &format!("moved {name}: 24.00 MiB"));
    } else {
        // A long path keeps its end.
        let text = screen.text();
        assert!(text[0].starts_with("moved ...") && text[0].contains("/big': 24.00 MiB in "));
    }
    assert_eq!(screen.text().len(), 1);
    assert_eq!(fs::read(s.path("back")).unwrap(), data);
}

/// A tree: "n of m files", counting up; the summary counts them.
#[test]
fn a_tree_counts_its_files() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    s.dir("tree/sub/deeper");
    for (i, name) in ["tree/a", "tree/sub/b", "tree/sub/deeper/c"]
        .iter()
        .enumerate()
    {
        fs::write(s.path(name), vec![b'x'; (i + 1) << 20]).unwrap();
    }
    s.symlink("a", "tree/link");
    let shown = run_on_pty(
        s.dir.path(),
        &[os("-g"), os("tree"), f.dir.path().as_os_str()],
        On::Stderr,
    );
    assert_eq!(shown.code, 0, "{}", shown.raw);
    let screen = Screen::replay(&shown.raw);
    assert_frames(&screen.frames, "'tree': ", "6.00 MiB");
    assert!(screen.frames[0].starts_with("'tree': 0 of 4 files "));
    let mut last = 0;
    for frame in &screen.frames {
        let done: u32 = frame["'tree': ".len()..]
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("frame {frame:?}: no count"));
        assert!(
            frame.contains(&format!("'tree': {done} of 4 files ")) && done >= last && done <= 4,
            "frame {frame:?} after {last}"
        );
        last = done;
    }
    let text = screen.text();
    assert_eq!(text.len(), 1, "{text:?}");
    assert_summary(&text[0], "moved 'tree': 4 files, 6.00 MiB");
    assert!(f.exists("tree/sub/deeper/c") && !s.exists("tree"));
}

/// With `-v` on the same terminal, each line pmv prints goes above the
/// bar, never into it: the screen holds the -v lines, then the summary.
#[test]
fn verbose_lines_go_above_the_bar() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    s.file("tree/a", "A").file("tree/b", "B");
    let dest = f.path("tree");
    let shown = run_on_pty(
        s.dir.path(),
        &[os("-gv"), os("tree"), dest.as_os_str()],
        On::Both,
    );
    assert_eq!(shown.code, 0, "{}", shown.raw);
    let d = dest.display();
    let mut text = Screen::replay(&shown.raw).text();
    let summary = text.pop().unwrap();
    assert_summary(&summary, "moved 'tree': 2 files, 2 B");
    // Directory entries come in the order the file system lists them.
    let mut got = text.clone();
    got.sort();
    let mut want = vec![
        format!("copied 'tree/a' -> '{d}/a'"),
        format!("copied 'tree/b' -> '{d}/b'"),
        format!("created directory '{d}'"),
        "removed 'tree/a'".to_string(),
        "removed 'tree/b'".to_string(),
        "removed directory 'tree'".to_string(),
    ];
    want.sort();
    assert_eq!(got, want, "screen: {text:?}");
}

/// Nothing on a stderr that is not a terminal, even when stdout is one,
/// and nothing with both piped.
#[test]
fn nothing_when_stderr_is_not_a_terminal() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    s.file("a", &"x".repeat(1 << 20)).file("t/b", "B");
    let shown = run_on_pty(
        s.dir.path(),
        &[os("-g"), os("a"), f.path("a").as_os_str()],
        On::Stdout,
    );
    assert_eq!(
        (shown.code, shown.raw.as_str(), shown.stderr.as_str()),
        (0, "", "")
    );
    let t = f.path("t");
    s.pmv([os("-g"), os("t"), t.as_os_str()]).ok().stdout("");
    assert!(f.exists("a") && f.exists("t/b"));
}

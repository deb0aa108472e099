//! Reading `strace -f` output: whether strace runs here, and the trace as
//! one line per call, whichever process or thread made it.

use std::collections::HashMap;
use std::process::{Command, Stdio};

/// Whether strace runs here; under CI (`CI=true`) its absence fails the
/// test instead of skipping it.
pub fn ready() -> bool {
    let ok = Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "strace is missing (ci/deps.sh installs it): CI must run the strace tests"
        );
        eprintln!("skipping: strace not found");
    }
    ok
}

/// The calls of a trace, one line each (`name(args) = ret`): the process
/// id that `-f` puts in front is dropped, and a call interrupted by
/// another thread's (`<unfinished ...>`, then `<... name resumed>`) is
/// joined again.
pub fn lines(text: &str) -> Vec<String> {
    let mut pending: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for raw in text.lines() {
        let (pid, rest) = match raw.split_once(char::is_whitespace) {
            Some((p, r)) if p.bytes().all(|b| b.is_ascii_digit()) => (p, r.trim_start()),
            _ => ("", raw),
        };
        if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            pending.insert(pid.to_string(), head.to_string());
        } else if let Some(tail) = rest.strip_prefix("<... ") {
            if let (Some((_, tail)), Some(head)) =
                (tail.split_once(" resumed>"), pending.remove(pid))
            {
                out.push(format!("{head}{tail}"));
            }
        } else {
            out.push(rest.to_string());
        }
    }
    out
}

//! Concurrency: many writers flipping one name with `pmv -T`, and several
//! readers resolving it while it flips. Every run is bounded in flips and
//! in time, and the checks do not depend on the interleaving: every write
//! succeeds, no reader ever misses the name, nothing is left behind.

mod util;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use util::Scratch;

const WRITERS: usize = 8;
const FLIPS_PER_WRITER: usize = 40;
const READERS: usize = 4;
const LIMIT: Duration = Duration::from_secs(60);

/// Names in `dir` that a flip may leave behind if it goes wrong: pmv's
/// staging names and the writers' own staged links.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pmv-") || n.starts_with("current.new"))
        .collect()
}

fn pmv_t(root: &Path, from: &str) -> std::process::Output {
    std::process::Command::new(util::bin("pmv"))
        .args(["-T", from, "current"])
        .current_dir(root)
        .env("LC_ALL", "C")
        .output()
        .unwrap()
}

/// Eight processes at once, each staging its own link under a unique name
/// and moving it over `current` with `pmv -T`: every move succeeds, and
/// afterwards `current` is a link to one of the releases and nothing else
/// is left.
#[test]
fn eight_concurrent_pmv_t_writers() {
    let s = Scratch::new();
    for i in 0..WRITERS {
        s.file(&format!("r{i}/id"), &i.to_string());
    }
    s.symlink("r0", "current");
    let root = s.dir.path().to_path_buf();
    let start = Instant::now();
    let done = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..WRITERS)
        .map(|i| {
            let (root, done) = (root.clone(), done.clone());
            std::thread::spawn(move || {
                for n in 0..FLIPS_PER_WRITER {
                    if start.elapsed() > LIMIT {
                        break;
                    }
                    let staged = format!("current.new.{i}.{n}");
                    std::os::unix::fs::symlink(format!("r{i}"), root.join(&staged)).unwrap();
                    let out = pmv_t(&root, &staged);
                    assert!(
                        out.status.success() && out.stderr.is_empty(),
                        "writer {i} flip {n}: {out:?}"
                    );
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let flips = done.load(Ordering::Relaxed);
    assert!(
        flips >= WRITERS * 10,
        "only {flips} flips in {LIMIT:?}: the machine is too slow for this test to mean anything"
    );
    let target = s.link_target("current");
    let t = target.to_string_lossy();
    assert!(
        t.len() == 2 && t.starts_with('r') && (0..WRITERS).any(|i| t == format!("r{i}")),
        "current -> {t}"
    );
    assert_eq!(s.read("current/id"), t[1..]);
    assert!(leftovers(&root).is_empty(), "{:?}", leftovers(&root));
    assert_eq!(s.tree().len(), 2 * WRITERS + 1, "{:?}", s.tree());
}

/// What the readers saw.
#[derive(Default)]
struct Seen {
    reads: AtomicUsize,
    missing: AtomicUsize,
    wrong: AtomicUsize,
}

/// `READERS` threads open and read `current/file` in a loop while
/// `flip(n)` replaces `current` again and again; none may ever fail to
/// open it or read anything but a whole release's content.
fn readers_while_flipping(flip: impl Fn(&Scratch, usize) -> util::Run) {
    let s = Scratch::new();
    s.file("releases/1/file", "one")
        .file("releases/2/file", "two")
        .symlink("releases/1", "current");
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Seen::default());
    let per_reader: Vec<Arc<AtomicUsize>> = (0..READERS)
        .map(|_| Arc::new(AtomicUsize::new(0)))
        .collect();
    let readers: Vec<_> = per_reader
        .iter()
        .map(|mine| {
            let (path, stop, seen, mine): (PathBuf, _, _, _) = (
                s.path("current/file"),
                stop.clone(),
                seen.clone(),
                mine.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match std::fs::read_to_string(&path) {
                        Ok(text) if text == "one" || text == "two" => {
                            seen.reads.fetch_add(1, Ordering::Relaxed);
                            mine.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(_) => {
                            seen.wrong.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(_) => {
                            seen.missing.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    let start = Instant::now();
    let mut flips = 0;
    while flips < 1000 && start.elapsed() < LIMIT {
        let r = flip(&s, flips);
        assert_eq!((r.code, r.stderr.as_str()), (0, ""), "flip {flips}: {r:?}");
        flips += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    assert!(flips >= 200, "only {flips} flips in {LIMIT:?}");
    for (i, n) in per_reader.iter().enumerate() {
        assert!(n.load(Ordering::Relaxed) > 0, "reader {i} never read");
    }
    assert_eq!(
        seen.missing.load(Ordering::Relaxed),
        0,
        "a reader found current/file missing ({} good reads, {flips} flips)",
        seen.reads.load(Ordering::Relaxed)
    );
    assert_eq!(
        seen.wrong.load(Ordering::Relaxed),
        0,
        "a reader saw other content"
    );
    assert!(
        leftovers(s.dir.path()).is_empty(),
        "{:?}",
        leftovers(s.dir.path())
    );
}

#[test]
fn four_readers_never_see_a_pmv_t_flip_missing() {
    readers_while_flipping(|s, n| {
        let target = format!("releases/{}", 2 - n % 2);
        std::os::unix::fs::symlink(&target, s.path("current.new")).unwrap();
        s.pmv(["-T", "current.new", "current"])
    });
}

#[test]
fn four_readers_never_see_a_pln_sfn_flip_missing() {
    readers_while_flipping(|s, n| {
        let target = format!("releases/{}", 2 - n % 2);
        s.run("pln", ["-sfn", target.as_str(), "current"])
    });
}

//! Both ends of a move across file systems (the rebuilt engine's contract):
//! a reader of SOURCE sees the whole tree until one instant, then nothing;
//! a reader of DEST sees nothing until one instant, then the whole tree;
//! `--atomic` accepts a tree; SIGKILL at any point loses nothing and leaves
//! only private `.pmv-*` directories; and the staging entry is built under
//! its final name inside a private directory (checked with strace).
//!
//! They need a second file system (`util::other_fs`); the strace tests need
//! strace (Linux), and under CI its absence fails them. All run one at a
//! time (`serial`): the reader and SIGKILL tests measure timing and would
//! skew each other on a small machine.

mod util;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serial_test::serial;
use util::{lines, Scratch};

use util::far;

/// `.pmv-` and 12 ASCII letters or digits.
fn is_private_name(name: &str) -> bool {
    name.len() == ".pmv-".len() + 12
        && name.starts_with(".pmv-")
        && name[5..].bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Every name in `dir`, sorted (empty if `dir` cannot be read).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The names in `dir` that start with `.pmv-`.
fn staging_names(dir: &Path) -> Vec<String> {
    names(dir)
        .into_iter()
        .filter(|n| n.starts_with(".pmv-"))
        .collect()
}

fn os(s: &str) -> &OsStr {
    s.as_ref()
}

// ---- readers of SOURCE and of DEST --------------------------------------------

/// The tree the readers watch: 20 directories of 99 empty files, 2,000
/// entries.
const DIRS: usize = 20;
const PER_DIR: usize = 99;
const ENTRIES: usize = DIRS * (PER_DIR + 1);
/// Moves per reader test: 100, or 20 where `PMV_TEST_QUICK` is set (the
/// file-system matrix and the generic backend's run, which repeat the
/// suite; the full counts run once per CI in the README's test command).
fn move_count() -> usize {
    if quick() {
        20
    } else {
        100
    }
}

fn quick() -> bool {
    std::env::var_os("PMV_TEST_QUICK").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The two ends of move `k` in the reader tests, as indexes into
/// `[first fs, second fs]`: nine moves in ten go from the test file
/// system (`PMV_TEST_DIR`) to the second one (a tmpfs by default, where
/// creating 2,000 files is cheap; on a busy disk it can take seconds),
/// SOURCE being made again between them from hard links; every tenth
/// comes back.
fn ends(k: usize) -> (usize, usize) {
    if k % 10 == 9 {
        (1, 0)
    } else {
        (0, 1)
    }
}

/// Moves in both directions use `--atomic` now and then.
fn atomic_move(k: usize) -> bool {
    k % 5 == 2 || k % 20 == 9
}

fn build_big_tree(root: &Path) {
    fs::create_dir(root).unwrap();
    for d in 0..DIRS {
        let dir = root.join(format!("d{d:02}"));
        fs::create_dir(&dir).unwrap();
        for f in 0..PER_DIR {
            fs::File::create(dir.join(format!("f{f:02}"))).unwrap();
        }
    }
}

/// A copy of `template` at `root` made of hard links (cheap to make).
fn link_tree(template: &Path, root: &Path) {
    fs::create_dir(root).unwrap();
    for d in 0..DIRS {
        let dir = format!("d{d:02}");
        fs::create_dir(root.join(&dir)).unwrap();
        for f in 0..PER_DIR {
            let name = format!("{dir}/f{f:02}");
            fs::hard_link(template.join(&name), root.join(&name)).unwrap();
        }
    }
}

/// What one recursive listing of a root saw.
enum Listing {
    /// All `ENTRIES` entries, no error.
    All,
    /// The root was not there when the listing started.
    Absent,
    /// The listing was cut short or came up short, and by then the root
    /// was gone (or was another directory): the tree went away in one step
    /// while it was being walked.
    Vanished,
    /// The root was still the same directory after a listing that came up
    /// short (or long, or failed): a partial tree was visible.
    Partial(String),
}

fn count_entries(dir: &Path, count: &mut usize) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        *count += 1;
        if entry.file_type()?.is_dir() {
            count_entries(&entry.path(), count)?;
        }
    }
    Ok(())
}

fn list(root: &Path) -> Listing {
    let id = |m: &fs::Metadata| (m.dev(), m.ino());
    let before = match fs::symlink_metadata(root) {
        Ok(m) => id(&m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Listing::Absent,
        Err(e) => return Listing::Partial(format!("lstat failed: {e}")),
    };
    let mut count = 0;
    let walked = count_entries(root, &mut count);
    if walked.is_ok() && count == ENTRIES {
        return Listing::All;
    }
    match fs::symlink_metadata(root) {
        Ok(m) if id(&m) == before => Listing::Partial(format!(
            "{count} of {ENTRIES} entries{}",
            match walked {
                Ok(()) => String::new(),
                Err(e) => format!(", then an error although the root was still there: {e}"),
            }
        )),
        _ => Listing::Vanished,
    }
}

/// The private directories in `parent` (one of the two scratch
/// directories, which hold only `name` and `.pmv-*`): each must be a real
/// directory holding nothing but an entry called `name` (the new entry
/// under its final name beside DEST, or SOURCE's remains beside SOURCE).
fn check_private_dirs(parent: &Path, name: &str, out: &mut Vec<String>) {
    for n in names(parent) {
        if n == name {
            continue;
        }
        let p = parent.join(&n);
        if !n.starts_with(".pmv-") {
            out.push(format!("unexpected name {}", p.display()));
            continue;
        }
        match fs::symlink_metadata(&p) {
            Ok(m) if !m.is_dir() => {
                out.push(format!(
                    "{} is a {:?}, not a private directory holding the entry",
                    p.display(),
                    m.file_type()
                ));
                continue;
            }
            Ok(_) => {}
            Err(_) => continue, // removed meanwhile
        }
        if let Some(other) = names(&p).into_iter().find(|e| e != name) {
            out.push(format!(
                "{} holds {other:?}: only an entry named {name:?} belongs in a private directory",
                p.display()
            ));
        }
    }
}

/// What the reader thread found; `seq` is the number of the move under
/// way, which tells the reader which root to list.
#[derive(Default)]
struct Watch {
    stop: AtomicBool,
    seq: AtomicUsize,
    walks: AtomicUsize,
    all: AtomicUsize,
    absent: AtomicUsize,
    vanished: AtomicUsize,
    straddled: AtomicUsize,
    partial: Mutex<Vec<String>>,
    shape: Mutex<Vec<String>>,
}

impl Watch {
    fn troubled(&self) -> bool {
        !self.partial.lock().unwrap().is_empty() || !self.shape.lock().unwrap().is_empty()
    }

    /// Wait for `n` more listings (bounded), so that every state between
    /// two moves is seen.
    fn wait_walks(&self, n: usize) {
        let target = self.walks.load(SeqCst) + n;
        let start = Instant::now();
        while self.walks.load(SeqCst) < target && start.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

/// The reader thread; stopped and joined when dropped (also on a failed
/// assertion, before the scratch directories go).
struct Reader {
    watch: Arc<Watch>,
    thread: Option<JoinHandle<()>>,
}

impl Reader {
    /// List SOURCE of move `seq` (or, `of_dest`, its DEST) again and
    /// again, and check the private directories in `parents`.
    fn start(roots: [PathBuf; 2], parents: [PathBuf; 2], of_dest: bool) -> Reader {
        let watch = Arc::new(Watch::default());
        let w = watch.clone();
        let thread = std::thread::spawn(move || {
            while !w.stop.load(SeqCst) {
                let seq = w.seq.load(SeqCst);
                let (src, dst) = ends(seq);
                let root = &roots[if of_dest { dst } else { src }];
                let listing = list(root);
                let mut shape = Vec::new();
                for p in &parents {
                    check_private_dirs(p, "t", &mut shape);
                }
                for s in shape {
                    let s = format!("during move {seq}: {s}");
                    let mut v = w.shape.lock().unwrap();
                    if v.len() < 20 && !v.contains(&s) {
                        v.push(s);
                    }
                }
                if w.seq.load(SeqCst) != seq {
                    // The next move started: the root may have changed
                    // role under the listing.
                    w.straddled.fetch_add(1, SeqCst);
                    continue;
                }
                match listing {
                    Listing::All => w.all.fetch_add(1, SeqCst),
                    Listing::Absent => w.absent.fetch_add(1, SeqCst),
                    Listing::Vanished => w.vanished.fetch_add(1, SeqCst),
                    Listing::Partial(m) => {
                        let mut v = w.partial.lock().unwrap();
                        if v.len() < 20 {
                            v.push(format!("move {seq}, {}: {m}", root.display()));
                        }
                        0
                    }
                };
                w.walks.fetch_add(1, SeqCst);
                std::thread::sleep(Duration::from_micros(100));
            }
        });
        Reader {
            watch,
            thread: Some(thread),
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.watch.stop.store(true, SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Move a 2,000-entry tree between the two file systems `move_count()` times, in
/// both directions, some with `--atomic`, while a thread lists SOURCE (or
/// DEST) of the move under way: every listing sees all 2,000 entries or
/// none. Between moves the tree only appears or goes away by rename(2).
fn readers_see_all_or_nothing(of_dest: bool) {
    let Some(f) = far() else { return };
    if util::fs_no_exchange() {
        // FUSE (bindfs): its rename is not atomic for concurrent lookups.
        eprintln!("skipping: readers on a FUSE file system");
        return;
    }
    let s = Scratch::new();
    // Beside the two ends: a template to link SOURCE from, and a place to
    // rename the last DEST to before deleting it.
    let (spare, trash) = (Scratch::new(), far().unwrap());
    let role = if of_dest { "DEST" } else { "SOURCE" };
    let roots = [s.path("t"), f.path("t")];
    let parents = [s.dir.path().to_path_buf(), f.dir.path().to_path_buf()];
    let template = spare.path("template");
    build_big_tree(&template);
    link_tree(&template, &roots[0]);
    let mut tree_at = 0;
    let started = Instant::now();
    let reader = Reader::start(roots.clone(), parents.clone(), of_dest);
    let w = reader.watch.clone();
    let mut failure = None;
    let mut moves = 0;
    for k in 0..move_count() {
        w.seq.store(k, SeqCst);
        let (src, dst) = ends(k);
        if tree_at != src {
            // Whole in one step: the last DEST goes, a new SOURCE comes.
            let old = trash.path(format!("old{k}"));
            fs::rename(&roots[tree_at], &old).unwrap();
            fs::remove_dir_all(&old).unwrap();
            let new = spare.path(format!("new{k}"));
            link_tree(&template, &new);
            fs::rename(&new, &roots[src]).unwrap();
        }
        let (src, dst) = (&roots[src], &roots[dst]);
        let atomic = atomic_move(k);
        let mut args = Vec::new();
        if atomic {
            args.push(os("--atomic"));
        }
        args.extend([src.as_os_str(), dst.as_os_str()]);
        let what = format!(
            "move {k}: pmv {}{} {}",
            if atomic { "--atomic " } else { "" },
            src.display(),
            dst.display()
        );
        let r = s.pmv(args);
        if (r.code, r.stderr.as_str()) != (0, "") {
            failure = Some(format!("{what}: {r:?}"));
            break;
        }
        if !matches!(list(dst), Listing::All) || fs::symlink_metadata(src).is_ok() {
            failure = Some(format!("{what}: the tree was not moved whole"));
            break;
        }
        let left: Vec<String> = parents.iter().flat_map(|p| staging_names(p)).collect();
        if !left.is_empty() {
            failure = Some(format!("{what}: left {left:?}"));
            break;
        }
        moves += 1;
        tree_at = ends(k).1;
        w.wait_walks(2);
        if w.troubled() {
            break;
        }
    }
    drop(reader);
    let (all, absent, vanished, straddled) = (
        w.all.load(SeqCst),
        w.absent.load(SeqCst),
        w.vanished.load(SeqCst),
        w.straddled.load(SeqCst),
    );
    eprintln!(
        "readers of {role}: {moves} moves in {:.1?}; listings: {all} whole, {absent} absent, \
         {vanished} cut short by the tree going away, {straddled} straddling two moves (ignored)",
        started.elapsed()
    );
    let partial = w.partial.lock().unwrap().clone();
    assert!(
        partial.is_empty(),
        "a reader of {role} saw a partial tree (the root still in place with fewer than \
         {ENTRIES} entries):\n{}",
        partial.join("\n")
    );
    let shape = w.shape.lock().unwrap().clone();
    assert!(
        shape.is_empty(),
        "a reader of the two directories saw something other than private directories \
         `.pmv-XXXXXXXXXXXX/` holding the entry under its final name 't':\n{}",
        shape.join("\n")
    );
    if let Some(f) = failure {
        panic!("{f}");
    }
    assert!(
        all > 0 && absent + vanished > 0,
        "the reader of {role} never saw both states: {all} whole, {} none",
        absent + vanished
    );
}

#[test]
#[serial]
fn readers_of_source_see_the_whole_tree_or_nothing() {
    readers_see_all_or_nothing(false);
}

#[test]
#[serial]
fn readers_of_dest_see_nothing_or_the_whole_tree() {
    readers_see_all_or_nothing(true);
}

// ---- --atomic and --debug ---------------------------------------------------

#[test]
#[serial]
fn atomic_accepts_a_tree_and_debug_says_atomic_at_both_ends() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    f.file("t/sub/y", "Y")
        .file("t/x", "X")
        .dir("t/empty")
        .symlink("sub/y", "t/sl")
        .file("u/a", "A")
        .file("u/deep/er/b", "B");
    let t = f.path("t");
    let r = s.pmv([os("--atomic"), t.as_os_str(), os("t")]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "", ""),
        "--atomic must accept a tree moved across file systems: {r:?}"
    );
    assert!(
        fs::symlink_metadata(&t).is_err(),
        "SOURCE still there after --atomic"
    );
    let u = f.path("u");
    let r = s.pmv([os("--debug"), u.as_os_str(), os("u")]);
    // --debug implies --verbose, as in GNU mv.
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.starts_with("created directory 'u'\n"), "{r:?}");
    assert_eq!(
        r.stderr.lines().count(),
        1,
        "--debug prints one line: {r:?}"
    );
    assert!(
        r.stderr.ends_with(": atomic at both ends\n") && r.stderr.contains("staging"),
        "--debug on a tree moved across file systems: {:?}",
        r.stderr
    );
    assert!(fs::symlink_metadata(&u).is_err());
    assert_eq!(
        s.tree(),
        lines(&[
            "t/",
            "t/empty/",
            "t/sl l:sub/y",
            "t/sub/",
            "t/sub/y f:Y",
            "t/x f:X",
            "u/",
            "u/a f:A",
            "u/deep/",
            "u/deep/er/",
            "u/deep/er/b f:B",
        ])
    );
    assert_eq!(names(f.dir.path()), Vec::<String>::new());
}

// ---- SIGKILL at random points ---------------------------------------------------

/// SIGKILL runs: 200, or 40 where `PMV_TEST_QUICK` is set.
fn kill_runs() -> usize {
    if quick() {
        40
    } else {
        200
    }
}
const SMALL_DIRS: usize = 4;
const SMALL_PER_DIR: usize = 50;

/// A tree as `relative path -> content` (`None` for a directory).
type Tree = BTreeMap<String, Option<Vec<u8>>>;

fn small_tree() -> Tree {
    let mut t = Tree::new();
    for d in 0..SMALL_DIRS {
        t.insert(format!("d{d}"), None);
        for f in 0..SMALL_PER_DIR {
            t.insert(
                format!("d{d}/f{f:02}"),
                Some(format!("file {d}/{f} of the small tree\n").into_bytes()),
            );
        }
    }
    t
}

fn build(root: &Path, tree: &Tree) {
    fs::create_dir(root).unwrap();
    for (rel, content) in tree {
        match content {
            None => fs::create_dir(root.join(rel)).unwrap(),
            Some(c) => fs::write(root.join(rel), c).unwrap(),
        }
    }
}

/// The tree at `root`, `None` if `root` does not exist.
fn read_tree(root: &Path) -> Result<Option<Tree>, String> {
    fn walk(root: &Path, dir: &Path, out: &mut Tree) -> io::Result<()> {
        for e in fs::read_dir(dir)? {
            let p = e?.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let m = fs::symlink_metadata(&p)?;
            if m.is_dir() {
                out.insert(rel, None);
                walk(root, &p, out)?;
            } else if m.is_file() {
                out.insert(rel, Some(fs::read(&p)?));
            } else {
                out.insert(rel, Some(format!("<{:?}>", m.file_type()).into_bytes()));
            }
        }
        Ok(())
    }
    match fs::symlink_metadata(root) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", root.display())),
        Ok(m) if !m.is_dir() => return Err(format!("{} is not a directory", root.display())),
        Ok(_) => {}
    }
    let mut out = Tree::new();
    walk(root, root, &mut out).map_err(|e| format!("{}: {e}", root.display()))?;
    Ok(Some(out))
}

/// How `got` differs from `want`, briefly.
fn diff(got: &Tree, want: &Tree) -> String {
    let missing: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    let wrong: Vec<&String> = want
        .iter()
        .filter(|(k, v)| got.get(*k).is_some_and(|g| g != *v))
        .map(|(k, _)| k)
        .collect();
    let mut out = format!("{} of {} entries", got.len(), want.len());
    for (what, v) in [
        ("missing", missing),
        ("extra", extra),
        ("with other content", wrong),
    ] {
        if let Some(first) = v.first() {
            out += &format!(", {} {what} (e.g. {first})", v.len());
        }
    }
    out
}

/// Where a killed move stopped, as seen from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stop {
    /// DEST absent, nothing staged anywhere: killed before anything began.
    Before,
    /// DEST absent, a private directory exists: killed while copying.
    Copying,
    /// DEST whole, SOURCE still whole at its path: killed after the commit.
    Committed,
    /// DEST whole, SOURCE gone from its path, its remains in `S/.pmv-*`:
    /// killed while removing it.
    Removing,
    /// DEST whole, SOURCE gone, nothing left but maybe empty private
    /// directories (or pmv finished).
    Done,
}

/// What a killed `pmv S/t D/t` left: where it stopped, and every rule it
/// broke, as `(rule, details)`.
fn after_kill(s: &Path, d: &Path, want: &Tree) -> (Stop, Vec<(&'static str, String)>) {
    let mut bad = Vec::new();
    for dir in [s, d] {
        for n in names(dir) {
            if n != "t" && !n.starts_with(".pmv-") {
                bad.push((
                    "a leftover outside any private directory",
                    dir.join(n).display().to_string(),
                ));
            }
        }
    }
    let mut private = [Vec::new(), Vec::new()];
    for (i, dir) in [s, d].into_iter().enumerate() {
        for n in staging_names(dir) {
            let p = dir.join(&n);
            let m = fs::symlink_metadata(&p).unwrap();
            if !is_private_name(&n) || !m.is_dir() || m.mode() & 0o777 != 0o700 {
                bad.push((
                    "a leftover `.pmv-*` that is not a private directory of mode 0700",
                    format!(
                        "{}: {:?}, mode {:o}",
                        p.display(),
                        m.file_type(),
                        m.mode() & 0o7777
                    ),
                ));
            }
            if !m.is_dir() {
                continue;
            }
            let inside = names(&p);
            if inside.iter().any(|e| e != "t") {
                bad.push((
                    "a private directory holding more than the entry under its final name 't'",
                    format!("{} holds {inside:?}", p.display()),
                ));
            }
            private[i].push(p);
        }
    }
    let [s_private, d_private] = private;
    if s_private.len() > 1 || d_private.len() > 1 {
        bad.push((
            "more than one private directory beside one end",
            format!("beside SOURCE {s_private:?}, beside DEST {d_private:?}"),
        ));
    }
    let mut read = |p: &Path| {
        read_tree(p).unwrap_or_else(|e| {
            bad.push(("an unreadable tree", e));
            None
        })
    };
    let src = read(&s.join("t"));
    let dst = read(&d.join("t"));
    let remains: Vec<Tree> = s_private
        .iter()
        .filter_map(|p| read(&p.join("t")))
        .collect();
    // Nothing lost: every file is somewhere, whole.
    let lost: Vec<&String> = want
        .iter()
        .filter(|(rel, content)| {
            let has = |t: &Tree| t.get(*rel) == Some(*content);
            content.is_some()
                && !(src.as_ref().is_some_and(has)
                    || remains.iter().any(has)
                    || dst.as_ref().is_some_and(has))
        })
        .map(|(rel, _)| rel)
        .collect();
    if !lost.is_empty() {
        bad.push((
            "files lost (in none of SOURCE, its remains beside SOURCE, DEST)",
            format!(
                "{} files, e.g. {:?}; SOURCE: {}; remains: [{}]; DEST: {}",
                lost.len(),
                lost[0],
                src.as_ref().map_or("absent".into(), |t| diff(t, want)),
                remains
                    .iter()
                    .map(|t| diff(t, want))
                    .collect::<Vec<_>>()
                    .join("; "),
                dst.as_ref().map_or("absent".into(), |t| diff(t, want)),
            ),
        ));
    }
    match &dst {
        Some(t) if t != want => bad.push(("DEST partial", diff(t, want))),
        _ => {}
    }
    match &src {
        Some(t) if t != want => bad.push((
            "SOURCE partly removed at its own path (not renamed away in one step)",
            diff(t, want),
        )),
        _ => {}
    }
    let stop = match (&src, &dst) {
        (_, None) if s_private.is_empty() && d_private.is_empty() => Stop::Before,
        (_, None) => Stop::Copying,
        (Some(_), Some(_)) => Stop::Committed,
        (None, Some(_)) if !remains.is_empty() => Stop::Removing,
        (None, Some(_)) => Stop::Done,
    };
    (stop, bad)
}

/// A small xorshift generator; the seed is printed (and can be set with
/// `PMV_TEST_SEED`) so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("PMV_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    ^ u64::from(std::process::id()) << 32
            })
            | 1;
        eprintln!("SIGKILL test: PMV_TEST_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn remove_any(p: &Path) {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(p).unwrap(),
        Ok(_) => fs::remove_file(p).unwrap(),
        Err(_) => {}
    }
}

/// SIGKILL at a random moment of a 200-file tree moved across file
/// systems, 200 times, in both directions: SOURCE is never lost before DEST
/// is whole, DEST is absent or whole, SOURCE is whole at its path or gone
/// from it, and every leftover is a private `.pmv-*` directory (at most one
/// beside each end) holding only the entry under its final name.
#[test]
#[serial]
fn sigkill_at_random_points_loses_nothing_and_leaves_only_private_dirs() {
    let Some(f) = far() else { return };
    let s = Scratch::new();
    let sides = [s.dir.path().to_path_buf(), f.dir.path().to_path_buf()];
    let want = small_tree();
    build(&sides[0].join("t"), &want);
    let pmv = util::bin("pmv");
    let started = Instant::now();
    // How long a whole move takes each way: the kills are spread over it.
    let mut took = [Duration::ZERO; 2];
    let mut cur = 0;
    for _ in 0..4 {
        let t0 = Instant::now();
        let r = s.pmv([sides[cur].join("t"), sides[1 - cur].join("t")]);
        took[cur] = took[cur].max(t0.elapsed());
        r.ok();
        cur = 1 - cur;
    }
    let mut rng = Rng::new();
    let mut stops: BTreeMap<Stop, usize> = BTreeMap::new();
    let mut broken: BTreeMap<&str, (usize, String)> = BTreeMap::new();
    let kill_runs = kill_runs();
    for run in 0..kill_runs {
        let (src_dir, dst_dir) = (&sides[cur], &sides[1 - cur]);
        // Uniform over the whole move and a bit beyond, and one run in ten
        // within the first millisecond (before anything is copied).
        let span = if run % 10 == 0 {
            1000
        } else {
            took[cur].as_micros() as u64 * 5 / 4
        };
        let delay = rng.below(span);
        let child = Command::new(&pmv)
            .arg(src_dir.join("t"))
            .arg(dst_dir.join("t"))
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(delay));
        // SAFETY: our own child, not yet waited for.
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let out = child.wait_with_output().unwrap();
        let what = format!(
            "run {run} ({} -> {}, killed after {delay} µs, {:?})",
            src_dir.display(),
            dst_dir.display(),
            out.status
        );
        let (stop, mut bad) = after_kill(src_dir, dst_dir, &want);
        if out.status.signal() != Some(libc::SIGKILL) && !out.status.success() {
            bad.push((
                "pmv failed",
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ));
        }
        *stops.entry(stop).or_default() += 1;
        for (rule, detail) in bad {
            broken
                .entry(rule)
                .or_insert_with(|| {
                    (
                        0,
                        format!(
                            "{what}: {detail}\n    beside SOURCE: {:?}\n    beside DEST: {:?}",
                            names(src_dir),
                            names(dst_dir)
                        ),
                    )
                })
                .0 += 1;
        }
        // Keep one whole copy (DEST if it is whole: the next run goes
        // back), or start again from a new one.
        for dir in [src_dir, dst_dir] {
            for n in staging_names(dir) {
                remove_any(&dir.join(n));
            }
        }
        let whole = |p: PathBuf| read_tree(&p).ok().flatten().as_ref() == Some(&want);
        if whole(dst_dir.join("t")) {
            remove_any(&src_dir.join("t"));
            cur = 1 - cur;
        } else if whole(src_dir.join("t")) {
            remove_any(&dst_dir.join("t"));
        } else {
            remove_any(&src_dir.join("t"));
            remove_any(&dst_dir.join("t"));
            build(&src_dir.join("t"), &want);
        }
    }
    eprintln!(
        "SIGKILL: {kill_runs} runs in {:.1?} (a whole move took {:?} / {:?}); stopped: {stops:?}",
        started.elapsed(),
        took[0],
        took[1]
    );
    assert!(
        broken.is_empty(),
        "after SIGKILL:\n{}",
        broken
            .iter()
            .map(|(rule, (n, example))| format!("- {rule}: {n} runs, first: {example}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let absent = stops.get(&Stop::Before).unwrap_or(&0) + stops.get(&Stop::Copying).unwrap_or(&0);
    let whole = kill_runs - absent;
    assert!(
        absent > 0 && whole > 0,
        "the kills did not cover both sides of the commit: {stops:?}"
    );
}

// ---- strace: the staging entry is made under its final name ------------------------

#[cfg(target_os = "linux")]
mod traced {
    use super::*;
    use std::path::Component;

    use util::strace::ready as strace_ready;

    /// One system call from `strace -f -y` output.
    #[derive(Debug)]
    struct Call {
        line: String,
        name: String,
        args: Vec<String>,
        ret: String,
    }

    fn parse_call(line: &str) -> Option<Call> {
        let open = line.find('(')?;
        let name = &line[..open];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        let (mut args, mut start, mut depth, mut quoted, mut escaped) =
            (Vec::new(), open + 1, 0usize, false, false);
        let mut end = None;
        for (i, c) in line.char_indices().skip_while(|(i, _)| *i <= open) {
            if quoted {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => quoted = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => quoted = true,
                '(' | '[' | '{' | '<' => depth += 1,
                ')' | ']' | '}' | '>' if depth > 0 => depth -= 1,
                ')' => {
                    end = Some(i);
                    break;
                }
                ',' if depth == 0 => {
                    args.push(line[start..i].trim().to_string());
                    start = i + 1;
                }
                _ => {}
            }
        }
        let end = end?;
        let last = line[start..end].trim();
        if !last.is_empty() {
            args.push(last.to_string());
        }
        let ret = line[end + 1..]
            .trim_start()
            .strip_prefix("= ")?
            .split_whitespace()
            .next()?
            .to_string();
        Some(Call {
            line: line.to_string(),
            name: name.to_string(),
            args,
            ret,
        })
    }

    fn parse_trace(text: &str) -> Vec<Call> {
        util::strace::lines(text)
            .iter()
            .filter_map(|l| parse_call(l))
            .collect()
    }

    fn unquote(arg: &str) -> String {
        arg.strip_prefix('"')
            .and_then(|a| a.strip_suffix('"'))
            .unwrap_or(arg)
            .replace("\\\\", "\\")
    }

    /// The directory a dirfd argument names: `AT_FDCWD`, `AT_FDCWD</p>`,
    /// `3</p>` (strace -y).
    fn dir_of(arg: &str, cwd: &Path) -> PathBuf {
        match arg.find('<') {
            Some(i) => {
                let p = arg[i + 1..].strip_suffix('>').unwrap_or(&arg[i + 1..]);
                PathBuf::from(p.strip_suffix(" (deleted)").unwrap_or(p))
            }
            None if arg == "AT_FDCWD" => cwd.to_path_buf(),
            None => PathBuf::from(format!("/<unknown dir fd {arg}>")),
        }
    }

    /// `path` relative to the dirfd `dirfd`, lexically normalized.
    fn at(dirfd: &str, path: &str, cwd: &Path) -> PathBuf {
        let p = unquote(path);
        let full = if p.starts_with('/') {
            PathBuf::from(p)
        } else {
            dir_of(dirfd, cwd).join(p)
        };
        let mut out = PathBuf::new();
        for c in full.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    out.pop();
                }
                c => out.push(c),
            }
        }
        out
    }

    /// The calls that matter, with their paths resolved.
    #[derive(Debug, PartialEq)]
    enum Ev {
        Mkdir(PathBuf, String),
        Symlink(String, PathBuf),
        Link(PathBuf, PathBuf),
        Open(PathBuf, String),
        Rename(PathBuf, PathBuf),
        Rmdir(PathBuf),
        Unlink(PathBuf),
    }

    struct Step {
        ok: bool,
        line: String,
        ev: Ev,
    }

    fn steps(calls: &[Call], cwd: &Path) -> Vec<Step> {
        let mut out = Vec::new();
        for c in calls {
            let a = &c.args;
            let p = |i: usize| at("AT_FDCWD", &a[i], cwd);
            let pa = |d: usize, i: usize| at(&a[d], &a[i], cwd);
            let ev = match (c.name.as_str(), a.len()) {
                ("mkdir", 2) => Ev::Mkdir(p(0), a[1].clone()),
                ("mkdirat", 3) => Ev::Mkdir(pa(0, 1), a[2].clone()),
                ("symlink", 2) => Ev::Symlink(unquote(&a[0]), p(1)),
                ("symlinkat", 3) => Ev::Symlink(unquote(&a[0]), pa(1, 2)),
                ("link", 2) => Ev::Link(p(0), p(1)),
                ("linkat", 5) => Ev::Link(pa(0, 1), pa(2, 3)),
                ("open", 2 | 3) => Ev::Open(p(0), a[1].clone()),
                ("openat", 3 | 4) => Ev::Open(pa(0, 1), a[2].clone()),
                ("rename", 2) => Ev::Rename(p(0), p(1)),
                ("renameat", 4) | ("renameat2", 5) => Ev::Rename(pa(0, 1), pa(2, 3)),
                ("rmdir", 1) => Ev::Rmdir(p(0)),
                ("unlinkat", 3) if a[2].contains("AT_REMOVEDIR") => Ev::Rmdir(pa(0, 1)),
                ("unlinkat", 3) => Ev::Unlink(pa(0, 1)),
                ("unlink", 1) => Ev::Unlink(p(0)),
                _ => continue,
            };
            out.push(Step {
                ok: !c.ret.starts_with('-') && c.ret != "?",
                line: c.line.clone(),
                ev,
            });
        }
        out
    }

    /// The trace, for assertion messages: what touched `dirs`.
    fn dump(steps: &[Step], dirs: &[&Path]) -> String {
        steps
            .iter()
            .filter(|s| {
                let paths: Vec<&Path> = match &s.ev {
                    Ev::Mkdir(p, _)
                    | Ev::Symlink(_, p)
                    | Ev::Open(p, _)
                    | Ev::Rmdir(p)
                    | Ev::Unlink(p) => {
                        vec![p]
                    }
                    Ev::Link(a, b) | Ev::Rename(a, b) => vec![a, b],
                };
                paths.iter().any(|p| dirs.iter().any(|d| p.starts_with(d)))
            })
            .map(|s| format!("  {}", s.line))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Run `prog args` in `dir` under `strace -f -y`; its result and the
    /// calls that matter.
    fn trace(dir: &Path, prog: &str, args: &[&OsStr]) -> (util::Run, Vec<Step>) {
        let out = tempfile::NamedTempFile::new().unwrap();
        let res = Command::new("strace")
            .args(["-f", "-y", "-s", "4096", "-e"])
            .arg(
                "trace=mkdir,mkdirat,symlink,symlinkat,link,linkat,open,openat,\
                 rename,renameat,renameat2,unlink,unlinkat,rmdir",
            )
            .arg("-o")
            .arg(out.path())
            .arg(util::bin(prog))
            .args(args)
            .current_dir(dir)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let run = util::Run {
            code: res.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&res.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&res.stderr).into_owned(),
        };
        let text = fs::read_to_string(out.path()).unwrap();
        assert!(!text.is_empty(), "strace wrote no trace: {run:?}");
        (run, steps(&parse_trace(&text), dir))
    }

    enum Made<'a> {
        Symlink(&'a str),
        Link(&'a Path),
        File,
    }

    /// Where the steps of one staged entry are in the trace.
    struct Shape {
        made: usize,
        commit: usize,
    }

    /// The private directories made in `dir` (index in the trace, path).
    fn private_mkdirs(steps: &[Step], dir: &Path) -> Vec<(usize, PathBuf, String)> {
        steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match &s.ev {
                Ev::Mkdir(p, mode)
                    if s.ok
                        && p.parent() == Some(dir)
                        && p.file_name()
                            .is_some_and(|n| is_private_name(&n.to_string_lossy())) =>
                {
                    Some((i, p.clone(), mode.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// In this order: `mkdirat(.., "DIR/.pmv-XXXXXXXXXXXX", 0700)`, the
    /// entry made as `.pmv-…/NAME`, one rename of `.pmv-…/NAME` to
    /// `DIR/NAME` (the only successful rename to `DIR/NAME`), then
    /// `.pmv-…` removed.
    fn staged(steps: &[Step], dir: &Path, name: &str, made: Made, dump: &str) -> Shape {
        let mk = private_mkdirs(steps, dir);
        assert_eq!(
            mk.len(),
            1,
            "expected one mkdirat(..., \"{}/.pmv-XXXXXXXXXXXX\", 0700):\n{dump}",
            dir.display()
        );
        let (mkdir, private, mode) = mk.into_iter().next().unwrap();
        assert_eq!(mode, "0700", "the private directory's mode:\n{dump}");
        let entry = private.join(name);
        let target = dir.join(name);
        let made_at = steps
            .iter()
            .enumerate()
            .skip(mkdir + 1)
            .find(|(_, s)| {
                s.ok && match (&made, &s.ev) {
                    (Made::Symlink(t), Ev::Symlink(tt, p)) => tt == t && *p == entry,
                    (Made::Link(src), Ev::Link(from, p)) => from == src && *p == entry,
                    (Made::File, Ev::Open(p, flags)) => {
                        *p == entry
                            && flags.contains("O_CREAT")
                            && flags.contains("O_EXCL")
                            && (flags.contains("O_WRONLY") || flags.contains("O_RDWR"))
                    }
                    _ => false,
                }
            })
            .map(|(i, _)| i)
            .unwrap_or_else(|| {
                panic!(
                    "the new entry is not made as {} (inside the private directory, under \
                     its final name) after the mkdirat:\n{dump}",
                    entry.display()
                )
            });
        let commits: Vec<(usize, &PathBuf)> = steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match &s.ev {
                Ev::Rename(from, to) if s.ok && *to == target => Some((i, from)),
                _ => None,
            })
            .collect();
        assert_eq!(
            commits.len(),
            1,
            "expected one rename to {}:\n{dump}",
            target.display()
        );
        let (commit, from) = commits[0];
        assert!(
            *from == entry && commit > made_at,
            "the rename to {} must move {} there, after it was made:\n{dump}",
            target.display(),
            entry.display()
        );
        let rmdir = steps
            .iter()
            .position(|s| s.ok && s.ev == Ev::Rmdir(private.clone()));
        assert!(
            rmdir.is_some_and(|i| i > commit),
            "the private directory {} is not removed (unlinkat AT_REMOVEDIR) after the rename:\n{dump}",
            private.display()
        );
        Shape {
            made: made_at,
            commit,
        }
    }

    fn canonical(p: &Path) -> PathBuf {
        fs::canonicalize(p).unwrap()
    }

    #[test]
    #[serial]
    fn strace_pln_sfn_makes_the_symlink_in_a_private_directory() {
        if !strace_ready() {
            return;
        }
        let s = Scratch::new();
        s.symlink("a", "cur");
        let dir = canonical(s.dir.path());
        let (r, steps) = trace(&dir, "pln", &[os("-sfn"), os("b"), os("cur")]);
        r.ok();
        assert_eq!(s.link_target("cur"), Path::new("b"));
        assert_eq!(names(&dir), ["cur"]);
        let dump = dump(&steps, &[&dir]);
        staged(&steps, &dir, "cur", Made::Symlink("b"), &dump);
        assert_eq!(
            steps
                .iter()
                .filter(|s| s.ok && matches!(s.ev, Ev::Rename(..)))
                .count(),
            1,
            "one rename in all:\n{dump}"
        );
    }

    #[test]
    #[serial]
    fn strace_pln_f_makes_the_hard_link_in_a_private_directory() {
        if !strace_ready() {
            return;
        }
        let s = Scratch::new();
        s.file("a", "A").file("hard", "H");
        let dir = canonical(s.dir.path());
        let (r, steps) = trace(&dir, "pln", &[os("-f"), os("a"), os("hard")]);
        r.ok();
        assert_eq!(s.id("hard"), s.id("a"));
        assert_eq!(names(&dir), ["a", "hard"]);
        let dump = dump(&steps, &[&dir]);
        staged(&steps, &dir, "hard", Made::Link(&dir.join("a")), &dump);
        assert_eq!(
            steps
                .iter()
                .filter(|s| s.ok && matches!(s.ev, Ev::Rename(..)))
                .count(),
            1,
            "one rename in all:\n{dump}"
        );
    }

    /// `pmv FAR/file here`: beside SOURCE a private directory first; the
    /// file made in a private directory in `here` under its final name,
    /// renamed out, the directory removed; then SOURCE renamed into its
    /// private directory, unlinked there, and that directory removed.
    #[test]
    #[serial]
    fn strace_cross_fs_move_stages_the_file_under_its_final_name() {
        if !strace_ready() {
            return;
        }
        let Some(f) = far() else { return };
        let s = Scratch::new();
        f.file("file", "new");
        s.dir("here");
        let sdir = canonical(f.dir.path());
        let d = canonical(&s.path("here"));
        let (r, steps) = trace(
            &canonical(s.dir.path()),
            "pmv",
            &[sdir.join("file").as_os_str(), os("here")],
        );
        r.ok();
        assert_eq!(s.read("here/file"), "new");
        assert_eq!(names(&d), ["file"]);
        assert_eq!(names(&sdir), Vec::<String>::new());
        let dump = dump(&steps, &[&d, &sdir]);
        let shape = staged(&steps, &d, "file", Made::File, &dump);
        // SOURCE's end.
        let mk = private_mkdirs(&steps, &sdir);
        assert_eq!(
            mk.len(),
            1,
            "expected one private directory made beside SOURCE:\n{dump}"
        );
        let (mkdir, private, mode) = mk.into_iter().next().unwrap();
        assert!(
            mode == "0700" && mkdir < shape.made,
            "the private directory beside SOURCE is made (0700) before anything is copied:\n{dump}"
        );
        let src = sdir.join("file");
        let moved: Vec<(usize, &PathBuf)> = steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match &s.ev {
                Ev::Rename(from, to) if s.ok && *from == src => Some((i, to)),
                _ => None,
            })
            .collect();
        let remains = private.join("file");
        assert!(
            moved.len() == 1 && *moved[0].1 == remains && moved[0].0 > shape.commit,
            "after the commit SOURCE is renamed once, into {}:\n{dump}",
            remains.display()
        );
        let unlink = steps
            .iter()
            .position(|s| s.ok && s.ev == Ev::Unlink(remains.clone()));
        assert!(
            unlink.is_some_and(|i| i > moved[0].0),
            "SOURCE is removed from inside its private directory:\n{dump}"
        );
        let rmdir = steps
            .iter()
            .position(|s| s.ok && s.ev == Ev::Rmdir(private.clone()));
        assert!(
            rmdir.is_some_and(|i| Some(i) > unlink),
            "the private directory beside SOURCE is removed last:\n{dump}"
        );
    }

    // ---- SIGKILL in the staging window ----------------------------------------

    /// `(pid, state, ppid, pgrp)` of every process.
    fn processes() -> Vec<(i32, char, i32, i32)> {
        let mut out = Vec::new();
        for e in fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(stat) = fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            let Some((_, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let f: Vec<&str> = rest.split_whitespace().collect();
            if f.len() < 3 {
                continue;
            }
            let (Ok(ppid), Ok(pgrp)) = (f[1].parse(), f[2].parse()) else {
                continue;
            };
            out.push((pid, f[0].chars().next().unwrap_or('?'), ppid, pgrp));
        }
        out
    }

    fn alive(pid: i32) -> bool {
        processes()
            .iter()
            .any(|&(p, state, _, _)| p == pid && !matches!(state, 'Z' | 'X'))
    }

    /// A program run under strace with every rename delayed by three
    /// seconds, in a process group of its own; SIGKILLed (strace and the
    /// traced program) when dropped. The delay has to outlast a loaded
    /// machine's time between the test's look and its kill (one second
    /// did not, at a load average of 15); a move across file systems
    /// makes two renames (both refused with EXDEV) before it stages.
    struct Delayed {
        child: std::process::Child,
        killed: bool,
    }

    impl Delayed {
        fn spawn(dir: &Path, prog: &str, args: &[&OsStr]) -> Delayed {
            use std::os::unix::process::CommandExt;
            let child = Command::new("strace")
                .args(["-f", "-qq", "-o", "/dev/null"])
                .args(["-e", "trace=rename,renameat,renameat2"])
                .args(["-e", "inject=rename,renameat,renameat2:delay_enter=3000000"])
                .arg(util::bin(prog))
                .args(args)
                .current_dir(dir)
                .env("LC_ALL", "C")
                .process_group(0)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            Delayed {
                child,
                killed: false,
            }
        }

        /// Poll `ready` until it holds (`true`) or the program ends.
        fn wait_for(&mut self, mut ready: impl FnMut() -> bool) -> bool {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(20) {
                if ready() {
                    return true;
                }
                if self.child.try_wait().unwrap().is_some() {
                    return ready();
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            false
        }

        /// SIGKILL strace and what it traces; the pids still alive after.
        fn kill(&mut self) -> Vec<i32> {
            self.killed = true;
            let leader = self.child.id() as i32;
            let pids: Vec<i32> = processes()
                .iter()
                .filter(|&&(p, _, ppid, pgrp)| p == leader || ppid == leader || pgrp == leader)
                .map(|&(p, ..)| p)
                .collect();
            for &p in &pids {
                // SAFETY: plain kill(2) of processes this test started.
                unsafe { libc::kill(p, libc::SIGKILL) };
            }
            // SAFETY: the process group this test started.
            unsafe { libc::kill(-leader, libc::SIGKILL) };
            let _ = self.child.wait();
            let start = Instant::now();
            loop {
                let left: Vec<i32> = pids.iter().copied().filter(|&p| alive(p)).collect();
                if left.is_empty() || start.elapsed() > Duration::from_secs(5) {
                    return left;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    impl Drop for Delayed {
        fn drop(&mut self) {
            if !self.killed {
                let _ = self.kill();
            }
        }
    }

    /// The `.pmv-*` directories in `dir` holding an entry `name`.
    fn staged_entries(dir: &Path, name: &str) -> Vec<PathBuf> {
        staging_names(dir)
            .into_iter()
            .map(|n| dir.join(n))
            .filter(|p| fs::symlink_metadata(p).is_ok_and(|m| m.is_dir()))
            .map(|p| p.join(name))
            .filter(|p| fs::symlink_metadata(p).is_ok())
            .collect()
    }

    /// What a kill in the staging window must leave beside DEST: exactly
    /// one private directory, holding exactly the entry `name`.
    fn one_private_dir_holding(dir: &Path, name: &str) -> PathBuf {
        let left = staging_names(dir);
        assert_eq!(
            left.len(),
            1,
            "one private directory beside DEST: {:?}",
            names(dir)
        );
        let private = dir.join(&left[0]);
        let m = fs::symlink_metadata(&private).unwrap();
        assert!(
            is_private_name(&left[0]) && m.is_dir() && m.mode() & 0o777 == 0o700,
            "{} must be a directory `.pmv-XXXXXXXXXXXX` of mode 0700: {:?}, mode {:o}",
            private.display(),
            m.file_type(),
            m.mode() & 0o7777
        );
        assert_eq!(names(&private), [name], "inside {}", private.display());
        private.join(name)
    }

    #[test]
    #[serial]
    fn sigkill_before_plns_rename_leaves_the_old_link_and_one_private_dir() {
        if !strace_ready() {
            return;
        }
        let s = Scratch::new();
        s.symlink("a", "cur");
        let dir = s.dir.path();
        let mut run = Delayed::spawn(dir, "pln", &[os("-sfn"), os("b"), os("cur")]);
        let seen = run.wait_for(|| {
            staged_entries(dir, "cur")
                .iter()
                .any(|p| fs::read_link(p).is_ok_and(|t| t == Path::new("b")))
        });
        let survivors = run.kill();
        assert!(
            survivors.is_empty(),
            "still running after SIGKILL: {survivors:?}"
        );
        assert!(
            seen,
            "no private directory `.pmv-*/` holding the new link 'cur' appeared before pln's \
             rename; the directory now holds {:?}, 'cur' -> {:?}",
            names(dir),
            fs::read_link(s.path("cur"))
        );
        assert_eq!(s.link_target("cur"), Path::new("a"), "the old link stays");
        let entry = one_private_dir_holding(dir, "cur");
        assert_eq!(fs::read_link(&entry).unwrap(), Path::new("b"));
        assert_eq!(names(dir).len(), 2, "{:?}", names(dir));
    }

    #[test]
    #[serial]
    fn sigkill_before_the_commit_of_a_cross_fs_move_leaves_one_private_dir() {
        if !strace_ready() {
            return;
        }
        let Some(f) = far() else { return };
        let s = Scratch::new();
        let content = "n".repeat(64 * 1024);
        f.file("file", &content);
        s.file("here/file", "old");
        let here = s.path("here");
        let src = f.path("file");
        let mut run = Delayed::spawn(s.dir.path(), "pmv", &[src.as_os_str(), os("here")]);
        let seen = run.wait_for(|| {
            staged_entries(&here, "file")
                .iter()
                .any(|p| fs::metadata(p).is_ok_and(|m| m.len() == content.len() as u64))
        });
        let survivors = run.kill();
        assert!(
            survivors.is_empty(),
            "still running after SIGKILL: {survivors:?}"
        );
        assert!(
            seen,
            "no private directory `.pmv-*/` holding the copy under its final name 'file' \
             appeared before the commit; 'here' now holds {:?}, the source side {:?}",
            names(&here),
            names(f.dir.path())
        );
        assert_eq!(s.read("here/file"), "old", "DEST unchanged");
        assert_eq!(f.read("file"), content, "SOURCE intact");
        let entry = one_private_dir_holding(&here, "file");
        assert_eq!(fs::read_to_string(entry).unwrap(), content);
        assert_eq!(names(&here).len(), 2, "{:?}", names(&here));
        // Beside SOURCE: at most one private directory, empty (SOURCE is
        // renamed into it only after the commit).
        let beside = staging_names(f.dir.path());
        assert!(beside.len() <= 1, "{beside:?}");
        for n in &beside {
            let p = f.path(n);
            assert!(
                fs::symlink_metadata(&p).unwrap().is_dir() && names(&p).is_empty(),
                "{} must be an empty private directory: {:?}",
                p.display(),
                names(&p)
            );
        }
        assert_eq!(names(f.dir.path()).len(), 1 + beside.len());
    }
}

//! The library's operations with relative paths, from a changed current
//! directory (process-wide state, hence `serial`). Staging names are made
//! beside the destination as written, never from the current directory's
//! absolute path (which can be too long, or not searchable).

mod util;

use std::path::Path;

use serial_test::serial;

/// Runs `f` with the current directory in a fresh scratch directory.
fn in_scratch(f: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    let back = std::env::current_dir().unwrap();
    std::env::set_current_dir(dir.path()).unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(dir.path())));
    std::env::set_current_dir(back).unwrap();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".pmv-"))
        .collect()
}

#[test]
#[serial]
fn flip_symlink_with_relative_names() {
    in_scratch(|dir| {
        std::fs::create_dir("sub").unwrap();
        pmv::flip_symlink("r1", Path::new("current")).unwrap();
        pmv::flip_symlink("r2", Path::new("current")).unwrap();
        pmv::flip_symlink("x", Path::new("sub/link")).unwrap();
        assert_eq!(std::fs::read_link("current").unwrap(), Path::new("r2"));
        assert_eq!(
            std::fs::read_link(dir.join("sub/link")).unwrap(),
            Path::new("x")
        );
        assert!(leftovers(dir).is_empty() && leftovers(&dir.join("sub")).is_empty());
    });
}

#[test]
#[serial]
fn rename_noreplace_and_link_replacing_with_relative_names() {
    in_scratch(|dir| {
        std::fs::write("a", "A").unwrap();
        std::fs::write("b", "B").unwrap();
        let e = pmv::rename_noreplace(Path::new("a"), Path::new("b")).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        pmv::link_replacing(Path::new("a"), Path::new("b")).unwrap();
        assert_eq!(std::fs::read_to_string("b").unwrap(), "A");
        pmv::replace(Path::new("a"), Path::new("c")).unwrap();
        assert!(!dir.join("a").exists());
        assert!(leftovers(dir).is_empty());
    });
}

/// `pmv::Move` moves a directory tree across file systems with the public
/// API alone. DEST appears whole: a reader that finds DEST finds every
/// file of it with all its content; afterwards SOURCE is gone, no private
/// directory is left on either side, and the result says what was done.
#[test]
fn move_moves_a_tree_across_file_systems_atomically_at_dest() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    let Some(far) = util::far() else { return };
    let here = tempfile::tempdir().unwrap();
    let src = far.path("release");
    for i in 0..200 {
        let d = src.join(format!("d{}", i % 10));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(format!("f{i}")), "new".repeat(1000)).unwrap();
    }
    let dst = here.path().join("current");

    let stop = Arc::new(AtomicBool::new(false));
    let (partial, whole) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let reader = {
        let (dst, stop, partial, whole) =
            (dst.clone(), stop.clone(), partial.clone(), whole.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if std::fs::symlink_metadata(&dst).is_err() {
                    continue;
                }
                // The last file copied, and one of the first.
                let last = std::fs::read_to_string(dst.join("d9/f199"));
                let first = std::fs::read_to_string(dst.join("d0/f0"));
                match (last, first) {
                    (Ok(a), Ok(b)) if a.len() == 3000 && b.len() == 3000 => {
                        whole.fetch_add(1, Ordering::Relaxed)
                    }
                    _ => partial.fetch_add(1, Ordering::Relaxed),
                };
            }
        })
    };
    let mut copied_seen = 0;
    let moved = pmv::Move::new(&src, &dst)
        .progress(|n| copied_seen += n)
        .run()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();

    assert_eq!(
        partial.load(Ordering::Relaxed),
        0,
        "a reader saw DEST partly there"
    );
    assert!(whole.load(Ordering::Relaxed) > 0);
    assert!(moved.atomic && moved.both_ends, "{moved:?}");
    assert_eq!(moved.copied, 200 * 3000);
    assert_eq!(copied_seen, moved.copied);
    assert!(!src.exists(), "SOURCE is gone");
    let files = walk(&dst);
    assert_eq!(files, 200);
    assert!(leftovers(here.path()).is_empty());
    assert!(leftovers(far.dir.path()).is_empty());
}

/// The regular files under `dir`.
fn walk(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

/// The typed errors: an existing DEST with `no_replace`, a missing
/// SOURCE, and a cancelled copy, each changing nothing.
/// A directory moved into itself is its own error, on one file system
/// (the kernel's `EINVAL`) as across two (tests/hostile.rs, through a bind
/// mount), and nothing changes.
#[test]
fn a_directory_into_itself_is_its_own_error() {
    let here = tempfile::tempdir().unwrap();
    let d = here.path().join("d");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    for to in [d.join("sub/d"), d.join("d")] {
        let e = pmv::Move::new(&d, &to).run().unwrap_err();
        match &e {
            pmv::MoveError::IntoItself(m) => {
                assert!(m.contains("subdirectory of itself"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!to.exists());
    }
    assert!(d.join("sub").is_dir());
}

#[test]
fn move_errors_are_typed_and_change_nothing() {
    let Some(far) = util::far() else { return };
    let here = tempfile::tempdir().unwrap();
    let (a, b) = (far.path("a"), here.path().join("b"));
    std::fs::write(&a, "A".repeat(1 << 20)).unwrap();
    std::fs::write(&b, "B").unwrap();
    let e = pmv::Move::new(&a, &b).no_replace().run().unwrap_err();
    assert!(matches!(e, pmv::MoveError::Exists), "{e:?}");
    let e = pmv::Move::new(here.path().join("none"), &b)
        .run()
        .unwrap_err();
    match e {
        pmv::MoveError::Io { context, source } => {
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            assert!(context.contains("none"), "{context}");
        }
        other => panic!("{other:?}"),
    }
    let e = pmv::Move::new(&a, &b).cancel(|| true).run().unwrap_err();
    assert!(matches!(e, pmv::MoveError::Cancelled), "{e:?}");
    let e = pmv::Move::new(&a, &b).no_copy().run().unwrap_err();
    assert!(
        matches!(&e, pmv::MoveError::Io { source, .. } if source.raw_os_error() == Some(18)),
        "EXDEV: {e:?}"
    );
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "B");
    assert_eq!(std::fs::metadata(&a).unwrap().len(), 1 << 20);
    assert!(leftovers(here.path()).is_empty());
    assert!(leftovers(far.dir.path()).is_empty());
}

//! The library's operations with relative paths, from a changed current
//! directory (process-wide state, hence `serial`). Staging names are made
//! beside the destination as written, never from the current directory's
//! absolute path (which can be too long, or not searchable).

mod util;

use std::path::Path;

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
fn flip_symlink_with_relative_names() {
    let _serial = crate::util::serial();
    in_scratch(|dir| {
        std::fs::create_dir("sub").unwrap();
        pmv::flip_symlink("r1".as_ref(), Path::new("current")).unwrap();
        pmv::flip_symlink("r2".as_ref(), Path::new("current")).unwrap();
        pmv::flip_symlink("x".as_ref(), Path::new("sub/link")).unwrap();
        assert_eq!(std::fs::read_link("current").unwrap(), Path::new("r2"));
        assert_eq!(
            std::fs::read_link(dir.join("sub/link")).unwrap(),
            Path::new("x")
        );
        assert!(leftovers(dir).is_empty() && leftovers(&dir.join("sub")).is_empty());
    });
}

#[test]
fn rename_noreplace_and_link_replacing_with_relative_names() {
    let _serial = crate::util::serial();
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

//! GNU's rules for taking file names apart and putting them together, in
//! one place: the directory part, the last component, a name joined into a
//! directory, and trailing slashes. All work on bytes as written, without
//! looking at the file system, as gnulib's `dir_name`, `last_component` and
//! `file_name_concat` do.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
#[cfg(feature = "cli")]
use std::{ffi::OsString, os::unix::ffi::OsStringExt, path::PathBuf};

/// `bytes` without its trailing slashes (a lone `/` stays).
fn trim_slashes(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 1 && bytes[end - 1] == b'/' {
        end -= 1;
    }
    &bytes[..end]
}

/// `path` without its trailing slashes (a lone `/` stays).
pub fn trim(path: &Path) -> &Path {
    Path::new(OsStr::from_bytes(trim_slashes(path.as_os_str().as_bytes())))
}

/// The directory that holds `path`, as written: everything before its last
/// component, or `.` for a bare name (gnulib's `dir_name`).
///
/// `a/b` → `a`, `a//b/` → `a`, `/a` → `/`, `a` → `.`.
pub fn parent(path: &Path) -> &Path {
    let b = trim_slashes(path.as_os_str().as_bytes());
    match b.iter().rposition(|&c| c == b'/') {
        None => Path::new("."),
        Some(i) => {
            let mut d = i;
            while d > 0 && b[d - 1] == b'/' {
                d -= 1;
            }
            Path::new(OsStr::from_bytes(&b[..d.max(1)]))
        }
    }
}

/// The last component of `path`, without trailing slashes, as written.
///
/// `a/b/` → `b`, `/` → `/`, `.` → `.`.
pub fn base(path: &Path) -> &OsStr {
    let b = trim_slashes(path.as_os_str().as_bytes());
    let start = match b.iter().rposition(|&c| c == b'/') {
        Some(i) if i + 1 < b.len() => i + 1,
        _ => 0,
    };
    OsStr::from_bytes(&b[start..])
}

/// The last component of `path` as gnulib's `last_component` gives it:
/// what follows the last slash that has a name after it, trailing slashes
/// kept (`a/b/` → `b/`, `/` → ``).
pub fn last_component(path: &Path) -> &OsStr {
    let b = path.as_os_str().as_bytes();
    let leading = b.iter().take_while(|&&c| c == b'/').count();
    let start = (leading + 1..b.len())
        .rev()
        .find(|&i| b[i - 1] == b'/' && b[i] != b'/')
        .unwrap_or(leading);
    OsStr::from_bytes(&b[start..])
}

#[cfg(feature = "cli")]
/// `DIR/basename(SRC)`, as GNU joins them: DIR's trailing slashes become
/// one, and no slash is doubled.
pub fn into_dir(dir: &Path, src: &Path) -> PathBuf {
    let dir = trim_slashes(dir.as_os_str().as_bytes());
    let mut out = dir.to_vec();
    if !out.ends_with(b"/") {
        out.push(b'/');
    }
    out.extend_from_slice(base(src).as_bytes());
    PathBuf::from(OsString::from_vec(out))
}

#[cfg(feature = "cli")]
/// How the sibling `rel` of a name is shown, given the name as shown
/// (`shown`, which ends with `name`, the name in its directory): the shown
/// directory part, then `rel` (`d/a` with `a~` → `d/a~`).
pub fn shown_sibling(shown: &Path, name: &Path, rel: &Path) -> PathBuf {
    let shown = shown.as_os_str().as_bytes();
    let prefix = shown.len().saturating_sub(name.as_os_str().len());
    let mut out = shown[..prefix].to_vec();
    out.extend_from_slice(rel.as_os_str().as_bytes());
    PathBuf::from(OsString::from_vec(out))
}

#[cfg(feature = "cli")]
/// `name` without trailing slashes (`--strip-trailing-slashes`).
pub fn strip_trailing_slashes(name: &Path) -> PathBuf {
    trim(name).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> &Path {
        Path::new(s)
    }

    #[test]
    fn parent_as_gnulib_dir_name() {
        for (path, want) in [
            ("a", "."),
            ("a/", "."),
            ("a/b", "a"),
            ("a//b/", "a"),
            ("a/b//c", "a/b"),
            ("/a", "/"),
            ("//a", "/"),
            ("/", "/"),
            ("./a", "."),
            ("../a/b", "../a"),
            ("a/.", "a"),
        ] {
            assert_eq!(parent(p(path)), p(want), "parent of {path}");
        }
    }

    #[test]
    fn base_is_the_last_component() {
        for (path, want) in [
            ("a", "a"),
            ("a/b", "b"),
            ("a/b//", "b"),
            ("/", "/"),
            ("//", "/"),
            (".", "."),
            ("d/..", ".."),
            ("", ""),
        ] {
            assert_eq!(base(p(path)), OsStr::new(want), "base of {path}");
        }
    }

    #[test]
    fn last_component_as_gnulib() {
        for (path, want) in [
            ("a", "a"),
            ("a/b", "b"),
            ("a/b/", "b/"),
            ("a//b//", "b//"),
            ("/", ""),
            ("//a", "a"),
            ("", ""),
        ] {
            assert_eq!(last_component(p(path)), OsStr::new(want), "{path}");
        }
    }

    #[test]
    fn joins_like_gnu() {
        for (dir, src, want) in [
            ("d", "a", "d/a"),
            ("d/", "x/y/a", "d/a"),
            ("d", "a//", "d/a"),
            ("/", "a", "/a"),
            ("c//", "b", "c/b"),
            ("b//", "./", "b/."),
        ] {
            assert_eq!(into_dir(p(dir), p(src)), p(want), "{dir} + {src}");
        }
    }

    #[test]
    fn strips_trailing_slashes_but_keeps_root() {
        assert_eq!(strip_trailing_slashes(p("a//")), p("a"));
        assert_eq!(strip_trailing_slashes(p("a/b")), p("a/b"));
        assert_eq!(strip_trailing_slashes(p("//")), p("/"));
    }
}

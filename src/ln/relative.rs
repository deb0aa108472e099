//! `-r`: the link's text, relative to the directory that holds the link,
//! computed on canonical paths (missing trailing parts kept as written),
//! as GNU's `relpath` does.

use std::path::{Path, PathBuf};

/// Make `path` absolute and resolve symlinks in the part that exists.
fn canonical_missing(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    // Walk up to the longest prefix that exists, remembering what was cut.
    let mut existing = abs.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    let mut out = loop {
        if let Ok(c) = std::fs::canonicalize(&existing) {
            break c;
        }
        match existing.file_name() {
            Some(name) => rest.push(name.to_os_string()),
            None => return abs,
        }
        existing.pop();
    };
    for part in rest.iter().rev() {
        match part.to_str() {
            Some("..") => {
                out.pop();
            }
            Some(".") => {}
            _ => out.push(part),
        }
    }
    out
}

/// The path from the directory of `link` to `target`.
pub fn relative_to(target: &Path, link: &Path) -> PathBuf {
    let target = canonical_missing(target);
    let dir = canonical_missing(
        link.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    );
    let t: Vec<_> = target.components().collect();
    let d: Vec<_> = dir.components().collect();
    let common = t.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..d.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

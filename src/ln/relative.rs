//! `-r`: the link's text, relative to the directory that holds the link,
//! as GNU's `convert_abs_rel` makes it: both names made canonical the way
//! gnulib's `canonicalize_filename_mode (CAN_MISSING)` does (every symlink
//! that exists followed, the last one included, missing parts kept as
//! written), then the path from one to the other (`relpath`). Names are
//! bytes throughout.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// How many symlinks are followed before loops are looked for, as gnulib.
const LINKS_BEFORE_LOOP_CHECK: u32 = 20;

/// How many symlinks are followed at most. gnulib has no such bound and
/// never ends on a link that leads into itself with more after it (`b ->
/// b/` or `b -> b/x`: the rest to go grows, so no state repeats); here the
/// name then has no canonical form, and `-r` keeps TARGET as given.
const LINKS_AT_MOST: u32 = 256;

/// `name` made absolute with every existing symlink in it resolved and
/// `.` and `..` taken out after resolving; `None` where gnulib fails (an
/// empty name, no current directory) or never ends ([`LINKS_AT_MOST`]).
fn canonical_missing(name: &[u8]) -> Option<Vec<u8>> {
    if name.is_empty() {
        return None;
    }
    let mut out: Vec<u8> = if name[0] == b'/' {
        b"/".to_vec()
    } else {
        std::env::current_dir().ok()?.into_os_string().into_vec()
    };
    let mut todo = name.to_vec();
    let mut pos = 0;
    let mut links = 0;
    let mut seen: HashSet<(u64, u64, Vec<u8>)> = HashSet::new();
    while pos < todo.len() {
        while todo.get(pos) == Some(&b'/') {
            pos += 1;
        }
        let start = pos;
        while pos < todo.len() && todo[pos] != b'/' {
            pos += 1;
        }
        match &todo[start..pos] {
            b"" => break,
            b"." => continue,
            b".." => {
                pop_component(&mut out);
                continue;
            }
            component => {
                if !out.ends_with(b"/") {
                    out.push(b'/');
                }
                out.extend_from_slice(component);
            }
        }
        let Ok(target) = std::fs::read_link(OsStr::from_bytes(&out)) else {
            continue;
        };
        links += 1;
        if links > LINKS_AT_MOST {
            return None;
        }
        if links > LINKS_BEFORE_LOOP_CHECK {
            // The same symlink reached again with the same rest to go:
            // a loop, which CAN_MISSING leaves unresolved.
            let mut parent = out.clone();
            pop_component(&mut parent);
            let st = crate::platform::stat(OsStr::from_bytes(&parent)).ok()?;
            let key = (st.dev, st.ino, todo[start..].to_vec());
            if !seen.insert(key) {
                continue;
            }
        }
        let target = target.into_os_string().into_vec();
        if target.first() == Some(&b'/') {
            out = b"/".to_vec();
        } else {
            pop_component(&mut out);
        }
        let mut next = target;
        next.extend_from_slice(&todo[pos..]);
        todo = next;
        pos = 0;
    }
    Some(out)
}

/// Take the last component off an absolute name; `/` stays.
fn pop_component(path: &mut Vec<u8>) {
    let cut = path.iter().rposition(|&c| c == b'/').unwrap_or(0);
    path.truncate(cut.max(1));
}

/// The length of the longest common prefix of the canonical names `a` and
/// `b` that ends at a component boundary (coreutils' `path_common_prefix`).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    if (a.get(1) == Some(&b'/')) != (b.get(1) == Some(&b'/')) {
        return 0;
    }
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let mut at = a[..same]
        .iter()
        .rposition(|&c| c == b'/')
        .map_or(0, |i| i + 1);
    let (ra, rb) = (&a[same..], &b[same..]);
    if (ra.is_empty() && (rb.is_empty() || rb[0] == b'/')) || (rb.is_empty() && ra[0] == b'/') {
        at = same;
    }
    at
}

/// coreutils' `relpath`: `file` relative to the directory `dir`, both
/// canonical; `None` when they share nothing.
fn relpath(file: &[u8], dir: &[u8]) -> Option<Vec<u8>> {
    let common = common_prefix(dir, file);
    if common == 0 {
        return None;
    }
    let skip_slash = |s: &[u8]| s.strip_prefix(b"/").map_or(s.to_vec(), <[u8]>::to_vec);
    let (up, rest) = (skip_slash(&dir[common..]), skip_slash(&file[common..]));
    let mut out = Vec::new();
    if up.is_empty() {
        out.extend_from_slice(if rest.is_empty() { b"." } else { &rest });
        return Some(out);
    }
    out.extend_from_slice(b"..");
    for _ in up.iter().filter(|&&c| c == b'/') {
        out.extend_from_slice(b"/..");
    }
    if !rest.is_empty() {
        out.push(b'/');
        out.extend_from_slice(&rest);
    }
    Some(out)
}

/// The text of a link at `link` that leads to `target`, relative to the
/// link's directory; `target` itself where no relative name can be made.
pub fn relative_to(target: &Path, link: &Path) -> PathBuf {
    let dir = crate::names::parent(link);
    let rel = canonical_missing(dir.as_os_str().as_bytes()).and_then(|d| {
        let t = canonical_missing(target.as_os_str().as_bytes())?;
        relpath(&t, &d)
    });
    match rel {
        Some(r) => PathBuf::from(std::ffi::OsString::from_vec(r)),
        None => target.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relpath_as_coreutils() {
        for (file, dir, want) in [
            ("/a/b", "/a", "b"),
            ("/a", "/a", "."),
            ("/a", "/a/b/c", "../.."),
            ("/a/x", "/a/b/c", "../../x"),
            ("/ab", "/a", "../ab"),
            ("/a", "/", "a"),
            ("/", "/a", ".."),
        ] {
            let got = relpath(file.as_bytes(), dir.as_bytes()).unwrap();
            assert_eq!(String::from_utf8(got).unwrap(), want, "{file} from {dir}");
        }
    }

    #[test]
    fn missing_and_dangling_names() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::os::unix::fs::symlink("missing", d.join("a")).unwrap();
        std::os::unix::fs::symlink("self", d.join("self")).unwrap();
        std::os::unix::fs::symlink("grow/", d.join("grow")).unwrap();
        std::os::unix::fs::symlink("deeper/x", d.join("deeper")).unwrap();
        let canon = |p: &Path| {
            let c = canonical_missing(p.as_os_str().as_bytes()).unwrap();
            PathBuf::from(std::ffi::OsString::from_vec(c))
        };
        let never_ends = |p: &Path| canonical_missing(p.as_os_str().as_bytes()).is_none();
        let real = std::fs::canonicalize(d).unwrap();
        // A dangling link leads to what it names; a loop stays as named.
        assert_eq!(canon(&d.join("a")), real.join("missing"));
        assert_eq!(canon(&d.join("self")), real.join("self"));
        // Links whose rest grows at every turn have no canonical form.
        assert!(never_ends(&d.join("grow")));
        assert!(never_ends(&d.join("deeper")));
        let target = d.join("grow/x");
        assert_eq!(relative_to(&target, &d.join("l")), target);
        assert_eq!(canon(&d.join("x/../y")), real.join("y"));
        assert_eq!(canon(&d.join("a/..")), real);
    }
}

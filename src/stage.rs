//! Staging names: an unpredictable name beside a destination, created
//! exclusively, retried on collision.
//!
//! The name is joined onto the destination's directory as given (often
//! relative), never onto the current directory's absolute path: that
//! would need search permission on every ancestor (GNU ln works in a
//! directory whose parent the user cannot search) and could exceed
//! `PATH_MAX` in a deep tree.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::path::{Path, PathBuf};

/// The prefix of every staging name; a leftover one (after SIGKILL or a
/// power cut) is recognisable by it.
pub const PREFIX: &str = ".pmv-";

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Twelve random characters. `RandomState` is seeded from the system's
/// random source once per process and differs for each call.
fn random_name() -> String {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(std::process::id().into());
    let mut bits =
        h.finish() as u128 | ((RandomState::new().build_hasher().finish() as u128) << 64);
    let mut name = String::from(PREFIX);
    for _ in 0..12 {
        name.push(ALPHABET[(bits % ALPHABET.len() as u128) as usize] as char);
        bits /= ALPHABET.len() as u128;
    }
    name
}

/// The directory that holds `path`, as written (`.` for a bare name).
pub fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Call `make` with fresh staging names in `dir` until it creates one; it
/// must fail with `EEXIST` when the name is taken (exclusive creation).
pub fn create<R>(
    dir: &Path,
    mut make: impl FnMut(&Path) -> io::Result<R>,
) -> io::Result<(PathBuf, R)> {
    let mut last = io::Error::from(io::ErrorKind::AlreadyExists);
    for _ in 0..64 {
        let path = dir.join(random_name());
        match make(&path) {
            Ok(r) => return Ok((path, r)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_well_formed() {
        let a: Vec<String> = (0..100).map(|_| random_name()).collect();
        let mut b = a.clone();
        b.sort();
        b.dedup();
        assert_eq!(b.len(), 100);
        assert!(a
            .iter()
            .all(|n| n.len() == PREFIX.len() + 12 && n.starts_with(PREFIX)));
    }

    #[test]
    fn retries_on_collision_and_stays_relative() {
        let mut tries = 0;
        let (p, ()) = create(Path::new("rel"), |_| {
            tries += 1;
            if tries < 3 {
                Err(io::Error::from(io::ErrorKind::AlreadyExists))
            } else {
                Ok(())
            }
        })
        .unwrap();
        assert_eq!(tries, 3);
        assert!(p.starts_with("rel") && p.is_relative());
        assert_eq!(parent(Path::new("x")), Path::new("."));
    }
}

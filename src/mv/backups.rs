//! `-b`: the backup of DEST made before it is replaced, and its undoing
//! when the move then fails (GNU's `un_backup`).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use super::decide::Meta;
use super::dest::Dest;
use super::exec::Failed;
use super::pair::Pair;
use super::say::{not_atomic, Steps};
use crate::backup::Control;
use crate::ops;
use crate::report::{q, Error};

/// A backup made of DEST before replacing it.
pub struct Backup {
    /// Its name, relative to DEST's directory.
    path: PathBuf,
    /// Its name as shown.
    pub shown: PathBuf,
    /// Made by a hard link (DEST stayed in place), not by a rename.
    linked: bool,
}

/// Back up `pair.dst` (which exists) under the name `-b`/`--backup` gives,
/// if any. A hard link keeps DEST in place, so readers never miss it; a
/// directory, or a DEST of another kind than SOURCE (which the rename
/// could not replace), is renamed away first, as GNU does, which
/// `--atomic` refuses.
pub fn make(
    backup: &(Control, OsString),
    atomic: bool,
    pair: &Pair,
    steps: &mut Steps,
) -> Result<Option<Backup>, Failed> {
    let (src, dest, dst) = (pair.src, &pair.dst, pair.dst.shown);
    let Some(dst_meta) = &pair.dst_meta else {
        return Ok(None);
    };
    // GNU makes no backup when SOURCE is "." or "..".
    if matches!(crate::names::base(src).as_encoded_bytes(), b"." | b"..") {
        return Ok(None);
    }
    let (control, suffix) = backup;
    let list = || crate::backup::list_parent(dest.dir, dest.name);
    let Some(path) = crate::backup::backup_name(dest.name, *control, suffix, list) else {
        return Ok(None);
    };
    let shown = dest.shown_sibling(&path);
    let src_meta = &pair.src_meta;
    if *control != Control::Numbered && source_is_dst_backup(src, src_meta, dest, suffix) {
        return Err(Error::msg(format!(
            "backing up {} might destroy source;  {} not moved",
            q(dst),
            q(src)
        ))
        .into());
    }
    let linked = !dst_meta.dir
        && !src_meta.dir
        && match ops::link_replacing_at((dest.dir, dest.name), (dest.dir, &path), &shown) {
            Ok(staged) => {
                if let Some(line) = staged.left {
                    crate::report::error(super::say::PROG, line);
                }
                true
            }
            Err(e) if crate::private::is_not_ours(&e) => {
                return Err(Error::io(format!("cannot backup {}", q(dst)), e).into())
            }
            Err(_) => false,
        };
    if linked {
        steps.push("linkat (backup)");
        return Ok(Some(Backup {
            path,
            shown,
            linked,
        }));
    }
    if atomic {
        return Err(not_atomic(src, dst, "the backup is made by renaming DEST away").into());
    }
    crate::platform::replace(dest.dir, dest.name, dest.dir, &path)
        .map_err(|e| Error::io(format!("cannot backup {}", q(dst)), e))?;
    steps.push("renameat (backup, DEST briefly missing)");
    steps.racy = true;
    Ok(Some(Backup {
        path,
        shown,
        linked,
    }))
}

/// GNU's `source_is_dst_backup`: SOURCE's last component is DEST's plus
/// the simple backup suffix, and DEST's simple backup name leads to
/// SOURCE's file: backing DEST up would replace SOURCE.
fn source_is_dst_backup(src: &Path, src_meta: &Meta, dest: &Dest, suffix: &OsStr) -> bool {
    use crate::names::last_component;
    let mut backup_base = last_component(dest.name).to_os_string();
    backup_base.push(suffix);
    if last_component(src) != backup_base {
        return false;
    }
    let mut backup = dest.name.as_os_str().to_os_string();
    backup.push(suffix);
    crate::platform::statat(dest.dir, Path::new(&backup), rustix::fs::AtFlags::empty())
        .is_ok_and(|st| (st.dev, st.ino) == (src_meta.dev, src_meta.ino))
}

impl Backup {
    /// The move failed: put things back as they were (GNU's un_backup).
    pub fn undo(&self, dst: &Dest) {
        if self.linked {
            let _ = rustix::fs::unlinkat(dst.dir, &self.path, rustix::fs::AtFlags::empty());
        } else if dst.lstat().is_err() {
            let _ = crate::platform::replace(dst.dir, &self.path, dst.dir, dst.name);
        }
    }
}

//! Replace a name atomically, on every POSIX system.
//!
//! `rename(2)` replaces a name in one step: readers see the old entry or
//! the new one, never neither. This crate exposes that, the stronger
//! operations some kernels have (rename without replacing, atomic
//! exchange), and the move `pmv` makes across file systems, with the
//! strongest guarantee each system allows and an error, never a silent
//! emulation, where it cannot.
//!
//! # Which call for which job
//!
//! | job | call |
//! |---|---|
//! | flip a release symlink (`ln -sfn`, without a gap) | [`flip_symlink`] |
//! | put a file or a directory tree in place, on this file system or from another | [`Move`] |
//! | claim a name: move only if nothing is there, atomically | [`Move::no_replace`], or [`rename_noreplace`] |
//! | swap a directory into place, keeping the old one | [`Move::exchange`], or [`exchange`] |
//! | rename over a name (one `rename(2)`) | [`replace`] |
//! | hard-link over a name | [`link_replacing`] |
//!
//! ```no_run
//! // Deploy: the new tree, built anywhere, replaces nothing or an empty
//! // directory in one step; readers never see it half there.
//! let moved = pmv::Move::new("/tmp/build/site", "/srv/site.new").run()?;
//! assert!(moved.atomic);
//! // Then point `current` at it; readers see the old target or the new.
//! pmv::flip_symlink("site.new", "/srv/current")?;
//! // Claim a name: fails with MoveError::Exists if it is taken.
//! match pmv::Move::new("upload.tmp", "inbox/42").no_replace().run() {
//!     Ok(_) => println!("claimed"),
//!     Err(pmv::MoveError::Exists) => println!("taken"),
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The guarantee, per system
//!
//! | | replace | no-replace | exchange |
//! |---|---|---|---|
//! | Linux (`renameat2`) | atomic | atomic | atomic where the file system takes the flag |
//! | macOS (`renameatx_np`) | atomic | atomic | atomic (APFS, HFS+) |
//! | FreeBSD 15.1+ (`renameat2`) | atomic | atomic | atomic where the file system takes the flag |
//! | other BSDs, illumos, the generic backend | atomic | atomic for files (`linkat` + `unlinkat`); a directory is refused by [`rename_noreplace`], checked then renamed by [`Move`] unless [`Move::atomic_only`] | not supported |
//!
//! Across file systems, [`Move`] copies SOURCE into a private directory
//! beside the destination, under the destination's name, renames it over
//! the destination in one step, then renames SOURCE away in one step and
//! removes it: atomic at both ends. What a crash can leave is one private
//! directory named `.pmv-XXXXXXXXXXXX`.
//!
//! # What the errors mean
//!
//! The primitives return [`std::io::Error`]s as the system gave them:
//! `EEXIST` (`ErrorKind::AlreadyExists`) from [`rename_noreplace`] when the
//! name is taken, `EXDEV` across file systems, and an error for which
//! [`is_unsupported`] holds when this system or file system cannot do the
//! operation atomically ([`unsupported_by_fs`] tells which); nothing
//! changed then. [`Move`] returns a [`MoveError`] that names those cases
//! (exists, unsupported, would not be atomic, changed while being moved,
//! cancelled) apart from plain I/O errors, and the one case where
//! something did change: [`MoveError::Incomplete`], the destination in
//! place but part of SOURCE left behind.
//!
//! Each primitive has a durable variant ([`replace_durable`], ...) that
//! also flushes the directories it changed, after the change, so that it
//! survives a power cut once the call returns; [`Move::durable`] does the
//! same for a move.
//!
//! The per-OS code lives in `platforms/`, one file per family, chosen at
//! build time; `--cfg pmv_backend="posix"` forces the generic one.
//!
//! The package is `atomic-mv` on crates.io; the library in it is `pmv`. Its
//! feature `cli` (on by default) builds the `pmv` and `pln` programs. A
//! program that only calls these functions turns it off, and then depends
//! on rustix, cfg-if and libc alone:
//!
//! ```toml
//! [dependencies]
//! atomic-mv = { version = "0.1", default-features = false }
//! ```
#![deny(missing_docs)]

#[path = "../platforms/mod.rs"]
#[allow(missing_docs)]
mod platform;

// The two programs (feature `cli`, on by default). Public only for the
// binaries and for the build tasks that render the man pages and shell
// completions from the option tables; not part of the library's API.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod args;
// Directory fds that outlive their names, for `-t DIR` and pln's targets.
#[cfg(feature = "cli")]
mod at;
#[cfg(feature = "cli")]
mod backup;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod ln;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod mv;
// GNU's name rules; the library itself needs only `parent`.
mod names;
// `--sync` of a rename, for both programs.
#[cfg(feature = "cli")]
mod sync;

mod durable;
mod engine;
mod moving;
mod ops;
mod private;
mod quote;
mod report;

pub use durable::{
    exchange_durable, flip_symlink_durable, link_replacing_durable, rename_noreplace_durable,
    replace_durable,
};
pub use moving::{Move, MoveError, Moved};

/// The README's Rust examples, compiled by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
pub use ops::{
    exchange, flip_symlink, is_unsupported, link_replacing, rename_noreplace, replace,
    unsupported_by_fs,
};

/// The backend compiled into this build: `linux`, `apple`, `bsd` or `posix`.
pub const BACKEND: &str = platform::BACKEND;

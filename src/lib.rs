//! Replace a name atomically, on every POSIX system.
//!
//! `rename(2)` replaces a name in one step: readers see the old entry or
//! the new one, never neither. This crate exposes that, and the stronger
//! operations some kernels have (rename without replacing, atomic
//! exchange), with the strongest guarantee each system allows and an error,
//! never a silent emulation, where it cannot.
//!
//! - [`replace`]: rename over an existing name.
//! - [`rename_noreplace`]: rename only if the destination does not exist.
//! - [`exchange`]: swap two names.
//! - [`flip_symlink`]: point a symlink elsewhere without a gap.
//! - [`link_replacing`]: make a hard link over an existing name.
//!
//! Each has a durable variant ([`replace_durable`], ...) that also flushes
//! the directories it changed, after the change, so that it survives a
//! power cut once the call returns.
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
pub use ops::{
    exchange, flip_symlink, is_unsupported, link_replacing, rename_noreplace, replace,
    unsupported_by_fs,
};

/// The backend compiled into this build: `linux`, `apple`, `bsd` or `posix`.
pub const BACKEND: &str = platform::BACKEND;

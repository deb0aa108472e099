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
//! The per-OS code lives in `platforms/`, one file per family, chosen at
//! build time; `--cfg pmv_backend="posix"` forces the generic one.
#![deny(missing_docs)]

#[path = "../platforms/mod.rs"]
#[allow(missing_docs)]
mod platform;

pub mod args;
mod at;
pub mod backup;
mod engine;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod ln;
#[doc(hidden)]
#[allow(missing_docs)]
pub mod mv;
mod names;
mod ops;
pub mod quote;
pub mod report;
mod stage;

pub use ops::{
    exchange, flip_symlink, is_unsupported, link_replacing, rename_noreplace, replace,
    unsupported_by_fs,
};

/// The backend compiled into this build: `linux`, `apple`, `bsd` or `posix`.
pub const BACKEND: &str = platform::BACKEND;

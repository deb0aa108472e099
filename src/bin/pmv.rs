//! `pmv`: see `pmv --help`.
#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
use std::os::raw::{c_char, c_int};

/// C's `main`: see [`pmv::args::from_argv`] for why not Rust's.
#[cfg(not(test))]
#[no_mangle]
extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    // SAFETY: argc and argv come from the C runtime.
    let args = unsafe { pmv::args::from_argv(argc, argv) };
    c_int::from(pmv::mv::main(args) != std::process::ExitCode::SUCCESS)
}

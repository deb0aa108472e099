//! Flip a release symlink: `current` points at the new release in one
//! step, on every system (no gap where `current` is missing).
//!
//! ```text
//! cargo run --example flip_release -- releases/42 current
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [release, link] = args.as_slice() else {
        eprintln!("usage: flip_release RELEASE LINK");
        return ExitCode::from(2);
    };
    match pmv::flip_symlink(release, link) {
        Ok(how) => {
            println!("{link} -> {release} ({how})");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("flip_release: cannot point {link} at {release}: {e}");
            ExitCode::FAILURE
        }
    }
}

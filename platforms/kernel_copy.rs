//! The `copy_file_range` loop of the systems that have the call (Linux 4.5,
//! FreeBSD 13): the whole rest of a file in steps, at both files' offsets,
//! in the kernel. Each backend gives its own call and says which of its
//! errors mean "use `read`/`write` instead".

use std::io;

use rustix::io::Errno;

/// The most one call copies: a progress bar and a signal are seen at least
/// this often.
const STEP: usize = 8 * 1024 * 1024;

/// Copy the rest of a file with `call` (one `copy_file_range` of at most
/// the given length at both file offsets; the bytes copied, 0 at the end),
/// calling `progress` after each step.
///
/// `Ok(true)`: all of it was copied. `Ok(false)`: the caller copies the
/// rest with `read`/`write`, from where the offsets are: nothing came at
/// the start (an empty file, or a pseudo-file whose size lies: procfs), or
/// the call failed with an error for which `refused(error, copied_any)`
/// holds.
pub fn to_end(
    call: &mut dyn FnMut(usize) -> Result<usize, Errno>,
    refused: &dyn Fn(Errno, bool) -> bool,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<bool> {
    let mut copied_any = false;
    loop {
        match call(STEP) {
            Ok(0) => return Ok(copied_any),
            Ok(n) => {
                copied_any = true;
                progress(n as u64)?;
            }
            Err(Errno::INTR) => {}
            Err(e) if refused(e, copied_any) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
    }
}

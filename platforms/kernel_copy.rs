//! The `copy_file_range` loop of the systems that have the call (Linux 4.5,
//! FreeBSD 13): a file, or one region of it, copied in the kernel in
//! steps. Each backend gives its own call and says which of its errors
//! mean "use `read`/`write` instead".

use std::io;

use rustix::io::Errno;

/// The most one call copies: a progress bar and a signal are seen at least
/// this often.
const STEP: usize = 8 * 1024 * 1024;

/// Copy with `call` (one `copy_file_range` of at most the given length;
/// the bytes copied, 0 at the end) until it copies nothing more, calling
/// `progress` after each step.
///
/// `Ok(true)`: all of it was copied. `Ok(false)`: the caller copies the
/// rest with `read`/`write`, from where the call stopped: nothing came at
/// the start (an empty file, or a pseudo-file whose size lies: procfs), or
/// the call failed with an error for which `refused(error, copied_any)`
/// holds.
pub fn copy_all(
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `copy_all` over `answers` (one per call, in order); returns
    /// its result, the lengths asked for, and the progress reported.
    fn run(
        answers: &[Result<usize, Errno>],
        refused: &dyn Fn(Errno, bool) -> bool,
    ) -> (io::Result<bool>, Vec<usize>, Vec<u64>) {
        let mut left = answers.iter();
        let mut asked = Vec::new();
        let mut call = |len| {
            asked.push(len);
            *left.next().expect("no call after the end")
        };
        let mut seen = Vec::new();
        let result = copy_all(&mut call, refused, &mut |n| {
            seen.push(n);
            Ok(())
        });
        (result, asked, seen)
    }

    fn never(_: Errno, _: bool) -> bool {
        false
    }

    #[test]
    fn copies_in_steps_until_the_call_copies_nothing() {
        let (r, asked, seen) = run(&[Ok(5), Err(Errno::INTR), Ok(3), Ok(0)], &never);
        assert!(r.unwrap());
        assert_eq!(asked, [STEP; 4]);
        assert_eq!(seen, [5, 3]);
    }

    #[test]
    fn nothing_at_the_start_leaves_the_copy_to_read_write() {
        let (r, asked, seen) = run(&[Ok(0)], &never);
        assert!(!r.unwrap());
        assert_eq!((asked.len(), seen.len()), (1, 0));
    }

    #[test]
    fn a_refused_error_falls_back_and_another_fails() {
        let before_any = |e, any: bool| e == Errno::XDEV && !any;
        let (r, _, _) = run(&[Err(Errno::XDEV)], &before_any);
        assert!(!r.unwrap());
        let (r, _, seen) = run(&[Ok(7), Err(Errno::XDEV)], &before_any);
        let err = r.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(Errno::XDEV.raw_os_error()));
        assert_eq!(seen, [7]);
        let (r, _, _) = run(&[Err(Errno::IO)], &before_any);
        assert_eq!(
            r.unwrap_err().raw_os_error(),
            Some(Errno::IO.raw_os_error())
        );
    }

    #[test]
    fn an_error_from_progress_stops_the_copy() {
        let mut calls = 0;
        let mut call = |_| {
            calls += 1;
            Ok(1)
        };
        let r = copy_all(&mut call, &never, &mut |_| Err(Errno::INTR.into()));
        assert_eq!(
            r.unwrap_err().raw_os_error(),
            Some(Errno::INTR.raw_os_error())
        );
        assert_eq!(calls, 1);
    }
}

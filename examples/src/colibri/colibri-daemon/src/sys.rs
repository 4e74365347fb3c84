//! The few POSIX calls the daemon needs that std does not offer (fork,
//! setsid, dup2, signal handling), declared by hand so the daemon needs
//! no crate beyond its own.  The signatures are the same on FreeBSD and
//! Linux (pid_t and int are 32-bit there).

use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::sync::atomic::{AtomicPtr, Ordering};

extern "C" {
    fn fork() -> c_int;
    fn setsid() -> c_int;
    fn dup2(old: c_int, new: c_int) -> c_int;
    fn unlink(path: *const c_char) -> c_int;
    fn signal(sig: c_int, handler: usize) -> usize;
    fn _exit(code: c_int) -> !;
}

const SIGINT: c_int = 2;
const SIGTERM: c_int = 15;

/// The pidfile to remove when SIGTERM/SIGINT arrives (leaked CString).
static PIDFILE: AtomicPtr<c_char> = AtomicPtr::new(std::ptr::null_mut());

extern "C" fn on_signal(_sig: c_int) {
    let p = PIDFILE.load(Ordering::SeqCst);
    // SAFETY: unlink and _exit are async-signal-safe; p is null or a
    // leaked, never freed C string.
    unsafe {
        if !p.is_null() {
            unlink(p);
        }
        _exit(0);
    }
}

/// On SIGTERM or SIGINT: remove `pidfile` (if any) and exit 0.
pub fn exit_on_signals(pidfile: Option<&str>) {
    if let Some(p) = pidfile.and_then(|p| CString::new(p).ok()) {
        PIDFILE.store(p.into_raw(), Ordering::SeqCst);
    }
    // SAFETY: installing a handler that only calls async-signal-safe code.
    unsafe {
        signal(SIGTERM, on_signal as *const () as usize);
        signal(SIGINT, on_signal as *const () as usize);
    }
}

/// fork(2): Ok(0) in the child, Ok(pid) in the parent.
pub fn fork_process() -> std::io::Result<i32> {
    // SAFETY: called while the process has a single thread.
    let pid = unsafe { fork() };
    if pid < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(pid)
    }
}

/// setsid(2) and stdin/stdout/stderr to /dev/null (stderr to `log` if
/// given): the child side of daemonizing.
pub fn detach(log: Option<&std::fs::File>) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: plain system calls on descriptors we own.
    unsafe {
        if setsid() < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let null = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/null")?;
        let nfd = null.as_raw_fd();
        let efd = log.map_or(nfd, |f| f.as_raw_fd());
        if dup2(nfd, 0) < 0 || dup2(nfd, 1) < 0 || dup2(efd, 2) < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

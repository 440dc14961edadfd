//! Each login flow holds a few file descriptors (its PTY, its socket); the
//! usual soft limit of 1024 would cap a busy server near 250 flows. Raise
//! the soft limit to the hard one at start, as servers commonly do.

/// Raises the soft limit on open files to the hard limit; returns the new one.
pub fn raise_open_files_limit() -> Option<u64> {
    // SAFETY: getrlimit/setrlimit on a struct we own.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return None;
            }
        }
        Some(limit.rlim_cur)
    }
}

//! Per-client limits (DESIGN.md, "Security model"): at most 10 flow starts
//! and 5 bad keys a minute from one address. Past the bad-key limit the
//! address is refused outright, right key or not, until the minute is over,
//! so a key cannot be guessed by brute force.

use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::Mutex,
    time::{Duration, Instant},
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub const STARTS_PER_MINUTE: u32 = 10;
pub const BAD_KEYS_PER_MINUTE: u32 = 5;
const LOCKOUT: Duration = Duration::from_secs(60);

pub struct Limits {
    starts: DefaultKeyedRateLimiter<IpAddr>,
    bad_keys: DefaultKeyedRateLimiter<IpAddr>,
    locked: Mutex<HashMap<IpAddr, Instant>>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(STARTS_PER_MINUTE, BAD_KEYS_PER_MINUTE)
    }
}

impl Limits {
    pub fn new(starts_per_minute: u32, bad_keys_per_minute: u32) -> Self {
        Self {
            starts: RateLimiter::keyed(per_minute(starts_per_minute)),
            bad_keys: RateLimiter::keyed(per_minute(bad_keys_per_minute)),
            locked: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Instant>> {
        self.locked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `false` while `ip` is locked out for too many bad keys.
    pub fn may_try_key(&self, ip: IpAddr) -> bool {
        let mut locked = self.lock();
        match locked.get(&ip) {
            Some(until) if *until > Instant::now() => false,
            Some(_) => {
                locked.remove(&ip);
                true
            }
            None => true,
        }
    }

    /// Counts a bad key from `ip`; `false` once it is one too many (the
    /// address is then locked out for a minute).
    pub fn bad_key(&self, ip: IpAddr) -> bool {
        if self.bad_keys.check_key(&ip).is_ok() {
            return true;
        }
        let now = Instant::now();
        let mut locked = self.lock();
        locked.retain(|_, until| *until > now);
        locked.insert(ip, now + LOCKOUT);
        false
    }

    /// Counts a flow start from `ip`; `false` when over the limit.
    pub fn start(&self, ip: IpAddr) -> bool {
        self.starts.check_key(&ip).is_ok()
    }

    /// Forgets addresses that have been quiet for a while (call now and then).
    pub fn forget_idle(&self) {
        self.starts.retain_recent();
        self.bad_keys.retain_recent();
        let now = Instant::now();
        self.lock().retain(|_, until| *until > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));

    #[test]
    fn ten_starts_a_minute_per_address() {
        let limits = Limits::default();
        for i in 0..STARTS_PER_MINUTE {
            assert!(limits.start(A), "start {i}");
        }
        assert!(!limits.start(A));
        assert!(limits.start(B), "another address has its own budget");
    }

    #[test]
    fn the_sixth_bad_key_locks_the_address_out() {
        let limits = Limits::default();
        for i in 0..BAD_KEYS_PER_MINUTE {
            assert!(limits.may_try_key(A));
            assert!(limits.bad_key(A), "bad key {i}");
        }
        assert!(!limits.bad_key(A));
        assert!(!limits.may_try_key(A), "even the right key waits");
        assert!(limits.may_try_key(B));
        limits.forget_idle();
        assert!(!limits.may_try_key(A), "the lockout outlives a clean-up");
    }
}

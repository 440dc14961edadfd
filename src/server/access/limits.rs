//! Per-client limits (docs/security.md): at most 10 flow starts
//! and 5 wrong keys a minute from one address. Past the wrong-key limit the
//! wrong keys are answered `rate_limited`; the right key always goes through.
//! An address is not a person (a NAT, a shared proxy, a DNS-rebinding page
//! on loopback): locking an address out would let anyone there lock the
//! owner out. Guessing is no threat to a key of 16 characters and more (a
//! generated one has about 190 bits).

use std::{net::IpAddr, num::NonZeroU32};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub(crate) const STARTS_PER_MINUTE: u32 = 10;
pub(crate) const BAD_KEYS_PER_MINUTE: u32 = 5;

pub struct Limits {
    starts: DefaultKeyedRateLimiter<IpAddr>,
    bad_keys: DefaultKeyedRateLimiter<IpAddr>,
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
    pub(crate) fn new(starts_per_minute: u32, bad_keys_per_minute: u32) -> Self {
        Self {
            starts: RateLimiter::keyed(per_minute(starts_per_minute)),
            bad_keys: RateLimiter::keyed(per_minute(bad_keys_per_minute)),
        }
    }

    /// Counts a wrong key from `ip`; `false` once there were too many this
    /// minute. It never changes how the right key is answered.
    pub(crate) fn bad_key(&self, ip: IpAddr) -> bool {
        self.bad_keys.check_key(&ip).is_ok()
    }

    /// Counts a flow start from `ip`; `false` when over the limit.
    pub(crate) fn start(&self, ip: IpAddr) -> bool {
        self.starts.check_key(&ip).is_ok()
    }

    /// Forgets addresses that have been quiet for a while (call now and then).
    pub(crate) fn forget_idle(&self) {
        self.starts.retain_recent();
        self.bad_keys.retain_recent();
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
    fn the_sixth_bad_key_a_minute_is_one_too_many() {
        let limits = Limits::default();
        for i in 0..BAD_KEYS_PER_MINUTE {
            assert!(limits.bad_key(A), "bad key {i}");
        }
        assert!(!limits.bad_key(A));
        assert!(limits.bad_key(B), "another address has its own budget");
    }
}

//! A cap on what one client address holds at once: open websockets
//! (`DISPATCH_MAX_SOCKETS_PER_ADDRESS`), TLS handshakes in progress. One
//! address cannot hold the server's connections (and their memory) by
//! opening them and never finishing. An IPv6 client owns a whole /64 and
//! can pick any address in it, so those count per /64.

use std::{
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex},
};

/// Places taken, counted per address group. Cheap to clone.
#[derive(Clone)]
pub struct AddressCap {
    inner: Arc<Inner>,
}

struct Inner {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One place taken; dropping it frees the place.
pub(crate) struct Place {
    inner: Arc<Inner>,
    group: IpAddr,
}

/// The group an address counts in: IPv4 (IPv4-mapped included) alone,
/// IPv6 by its /64.
pub(crate) fn address_group(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

impl AddressCap {
    pub(crate) fn new(max_per_address: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                max: max_per_address.max(1),
                open: Mutex::default(),
            }),
        }
    }

    pub(crate) fn max_per_address(&self) -> usize {
        self.inner.max
    }

    /// One more place for `ip`, or `None` when its group holds as many as it may.
    pub(crate) fn try_open(&self, ip: IpAddr) -> Option<Place> {
        let group = address_group(ip);
        let mut open = self.inner.lock();
        let count = open.entry(group).or_insert(0);
        if *count >= self.inner.max {
            return None;
        }
        *count += 1;
        Some(Place {
            inner: self.inner.clone(),
            group,
        })
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        // Each entry is written whole: a poisoned map is still right.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut open = self.inner.lock();
        if let Some(count) = open.get_mut(&self.group) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                // Quiet addresses take no memory.
                open.remove(&self.group);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn each_address_has_its_own_places_and_a_closed_socket_frees_one() {
        let cap = AddressCap::new(2);
        let a1 = cap.try_open(ip("127.0.0.2")).unwrap();
        let _a2 = cap.try_open(ip("127.0.0.2")).unwrap();
        assert!(cap.try_open(ip("127.0.0.2")).is_none());
        assert!(cap.try_open(ip("127.0.0.3")).is_some());
        drop(a1);
        assert!(cap.try_open(ip("127.0.0.2")).is_some());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            address_group(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(address_group(ip("::ffff:10.0.0.2")), ip("10.0.0.2"));
        let cap = AddressCap::new(1);
        let _held = cap.try_open(ip("2001:db8:1:2::1")).unwrap();
        assert!(cap.try_open(ip("2001:db8:1:2::ffff")).is_none());
        assert!(cap.try_open(ip("2001:db8:1:3::1")).is_some());
    }

    #[test]
    fn a_quiet_address_is_forgotten() {
        let cap = AddressCap::new(3);
        drop(cap.try_open(ip("10.1.1.1")));
        assert!(cap.inner.lock().is_empty());
    }
}

//! The network edge: the serve loop (header deadline), TLS (from files or
//! an ACME service) and the certificate served, the client's address and
//! scheme behind trusted proxies, the open-files limit, and the stop on a
//! signal.

pub mod acme;
pub mod acme_cache;
pub mod certificate;
pub mod rlimit;
pub mod serve;
pub mod shutdown;
pub mod tls;
pub(crate) mod transport;

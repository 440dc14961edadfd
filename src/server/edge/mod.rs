//! The network edge: the serve loop (header deadline), TLS, the client's
//! address and scheme behind trusted proxies, the open-files limit, and the
//! stop on a signal.

pub mod rlimit;
pub mod serve;
pub mod shutdown;
pub mod tls;
pub mod transport;

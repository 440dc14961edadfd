//! Who may use the server: the access key, the per-address limits and
//! caps, and the checks on a request's `Origin` and `Host`.

pub(crate) mod address_cap;
pub mod host_check;
pub mod key;
pub(crate) mod limits;
pub(crate) mod origin;

//! The HTTP routes other than the websocket: the REST API, the Leptos
//! settings and site, and the headers every answer gets.

pub(crate) mod api;
pub(crate) mod headers;
pub(crate) mod page_cache;
pub(crate) mod project_api;
pub mod site;

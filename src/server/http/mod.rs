//! The HTTP routes other than the websocket: the REST API, the Leptos
//! settings and site, and the headers every answer gets.

pub mod api;
pub mod headers;
pub mod page_cache;
pub mod project_api;
pub mod site;

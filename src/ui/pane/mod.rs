//! The Claude pane of a project: a conversation with Claude run on the
//! server, which signs in inline when Claude says it must.

pub mod model;
pub mod sign_in;
pub mod view;

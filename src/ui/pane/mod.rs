//! The Claude pane of a project: a conversation with Claude run on the
//! server, which signs in inline when Claude says it must.

pub(crate) mod model;
pub(crate) mod sign_in;
pub(crate) mod view;

//! Code that loads when first needed, in WASM chunks of its own (`cargo
//! leptos build --split`), and what the page says when a chunk cannot be
//! fetched. Split points are `fallible`: a failed fetch is an `Err` the page
//! shows and can retry, not a panic that stops the whole page, and it is not
//! remembered, so the next call fetches again.

use std::{future::Future, pin::Pin};

/// Work that runs in a chunk and is awaited by the caller.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub type Task<T> = Pin<Box<dyn Future<Output = T>>>;

/// What the person reads when a chunk could not be fetched.
pub const NOT_LOADED: &str =
    "Part of this page could not be loaded (is the connection down?). Try again.";

//! Code that loads when first needed, in WASM chunks of its own (`cargo
//! leptos build --split`), and what the page says when a chunk cannot be
//! fetched. Split points are `fallible`: a failed fetch is an `Err` the page
//! shows and can retry, not a panic that stops the whole page, and it is not
//! remembered, so the next call fetches again.

use std::{
    future::Future,
    pin::{pin, Pin},
    task::{Context, Poll, Waker},
};

/// Work that runs in a chunk and is awaited by the caller.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub(crate) type Task<T> = Pin<Box<dyn Future<Output = T>>>;

/// The future's output if it is ready at its first poll: a split point's
/// call once its chunk is in. A view built so is built under the caller's
/// owner (built inside a future, as a `Suspend` does, its signals were
/// disposed while it still showed).
pub(crate) fn ready_now<T>(future: impl Future<Output = T>) -> Option<T> {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => Some(value),
        Poll::Pending => None,
    }
}

/// What the person reads when a chunk could not be fetched.
pub(crate) const NOT_LOADED: &str =
    "Part of this page could not be loaded (is the connection down?). Try again.";

/// Room the splitter needs to keep each chunk's data in its chunk.
///
/// wasm-split moves each data symbol of the linker's one merged `.rodata`
/// segment into the module that uses it, and starts each module's part on
/// the segment's alignment. When that padding makes the parts longer than the
/// input segment, it gives up and leaves the whole segment in the main
/// module: every chunk's strings, about 6 KB gzip of every first load. It
/// happened on unrelated changes by as little as 3 bytes ("Overlong segment 0
/// by 3 after relocation"). These bytes sit in that segment (`#[used]` keeps
/// them through the linker), and no code reads them, so the splitter puts
/// them in no module and their room absorbs the padding (at most alignment
/// minus one per module, and more as relocations shift). 256 bytes ran out
/// once already (after the live screen and the client events' enum);
/// `scripts/check-split.mjs` says when this does. They do not reach the
/// browser.
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
#[used]
static SPLIT_SLACK: [u8; 1024] = [0x5a; 1024];

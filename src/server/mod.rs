//! The server half: configuration, access control, routes.

pub mod access;
pub mod claude;
pub mod config;
pub mod edge;
pub(crate) mod flow_registry;
pub mod healthcheck;
pub mod http;
pub(crate) mod install;
pub(crate) mod metrics;
pub(crate) mod projects;
pub(crate) mod prompt_places;
pub(crate) mod socket;
pub mod state;

use axum::{
    routing::{get, post},
    Router,
};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;

use crate::app::{shell, App};
use state::AppState;

/// The whole HTTP surface: API routes, then the Leptos pages and static files.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let api = http::headers::no_store(
        Router::<AppState>::new()
            .route("/healthz", get(http::api::healthz))
            .route("/metrics", get(http::api::metrics))
            .route(
                "/api/claude/auth",
                get(http::api::claude_status)
                    .post(http::api::store_api_key)
                    .delete(http::api::logout),
            )
            .route("/api/claude/auth/check", post(http::api::check_sign_in))
            .route("/api/claude/activity", get(http::api::activity))
            .route(
                "/api/projects",
                get(http::project_api::list).post(http::project_api::create),
            ),
    );
    let pages = Router::<AppState>::new()
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Pages that render the same for everyone are rendered once; each
        // answer gets its own nonce (inside the compression: kept plain).
        .layer(axum::middleware::from_fn_with_state(
            http::page_cache::PageCache::default(),
            http::page_cache::serve,
        ))
        // Pages gzipped as they go. The site's WASM, JS and CSS are sent as
        // the .gz/.br copies the build made (`make build`), which this
        // layer leaves as they are; it compresses only what has none.
        .layer(CompressionLayer::new())
        // After the layer: the websocket upgrade is not a body to compress.
        .route("/ws", get(socket::upgrade));
    let transport = state.transport.clone();
    let hosts = state.hosts.clone();
    // Outermost first: who the client is, then whether it asked for one of
    // our names, then the routes.
    http::headers::secure(api.merge(pages).with_state(state))
        .layer(axum::middleware::from_fn_with_state(
            hosts,
            access::host_check::refuse_foreign_hosts,
        ))
        .layer(axum::middleware::from_fn_with_state(
            transport,
            edge::transport::identify_client,
        ))
}

//! `/api/projects`: the project folders a Claude session can run in.

use axum::{extract::State, http::StatusCode, Json};

use crate::protocol::project::{NewProject, ProjectList};
use crate::server::{
    http::api::{ApiFailure, Authorized},
    state::AppState,
};

/// `GET /api/projects`.
pub(crate) async fn list(
    _: Authorized,
    State(state): State<AppState>,
) -> Result<Json<ProjectList>, ApiFailure> {
    let projects = state.session_config.projects.clone();
    let names = tokio::task::spawn_blocking(move || projects.list())
        .await
        .map_err(|e| ApiFailure::BadRequest(e.to_string()))??;
    Ok(Json(ProjectList {
        root: state.session_config.projects.root().display().to_string(),
        projects: names,
    }))
}

/// `POST /api/projects {"name": "…"}`: creates the folder.
pub(crate) async fn create(
    _: Authorized,
    State(state): State<AppState>,
    body: Result<Json<NewProject>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiFailure> {
    let Json(body) = body
        .map_err(|_| ApiFailure::BadRequest("Send JSON like {\"name\": \"my-project\"}.".into()))?;
    let projects = state.session_config.projects.clone();
    let name = tokio::task::spawn_blocking(move || projects.create(&body.name))
        .await
        .map_err(|e| ApiFailure::BadRequest(e.to_string()))??;
    tracing::info!(project = %name, "project created");
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"success": true, "name": name})),
    ))
}

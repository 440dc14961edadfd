//! The home page: the projects under the server's projects folder, a way to
//! create one, and the Claude status from the same check as Settings — the
//! login prompt stands in place of "New Claude session" until signed in.
//! Also the page of one project, with its Claude pane.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{
    access::{Access, StatusState},
    claude_status::ClaudeStatusPanel,
    login::section::ClaudeAuthSection,
    pane::view::ClaudePane,
};
use crate::protocol::project::{validate_name, ProjectList};

#[component]
pub(crate) fn ProjectsPage() -> impl IntoView {
    let access = Access::expect();
    let projects = RwSignal::new(None::<Result<ProjectList, String>>);
    let reload = move || {
        #[cfg(feature = "hydrate")]
        if let Some(key) = access.key() {
            leptos::task::spawn_local(async move {
                projects.set(Some(crate::ui::rest::fetch_projects(&key).await));
            });
        }
    };
    let ready = access.has_key_checked();
    let signed_in =
        move || matches!(access.state.get(), StatusState::Ready(status) if status.authenticated);
    Effect::new(move |_| {
        if ready.get() {
            reload();
        }
    });
    view! {
        <h1>"Projects"</h1>
        <p class="lead">"Work with Claude Code in this server's project folders, from any browser."</p>
        {move || if !ready.get() {
            view! { <ClaudeStatusPanel/> }.into_any()
        } else if signed_in() {
            ().into_any()
        } else {
            view! { <ClaudeAuthSection/> }.into_any()
        }}
        <Show when=move || ready.get()>
            <section class="card" aria-labelledby="projects-title">
                <h2 id="projects-title">"Your projects"</h2>
                {move || match projects.get() {
                    None => view! { <p class="hint">"Loading projects…"</p> }.into_any(),
                    Some(Err(why)) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
                    Some(Ok(list)) if list.projects.is_empty() => view! {
                        <p class="hint" data-testid="no-projects">
                            {format!("No projects yet in {}. Create one below.", list.root)}
                        </p>
                    }
                    .into_any(),
                    Some(Ok(list)) => view! {
                        <ul class="projects" data-testid="projects">
                            {list.projects.into_iter().map(|name| view! {
                                <ProjectItem name signed_in=Signal::derive(signed_in)/>
                            }).collect_view()}
                        </ul>
                        <p class="hint">{format!("In {}", list.root)}</p>
                    }
                    .into_any(),
                }}
                <NewProjectForm on_created=Callback::new(move |()| reload())/>
            </section>
        </Show>
    }
}

#[component]
fn ProjectItem(name: String, signed_in: Signal<bool>) -> impl IntoView {
    let href = format!("/projects/{name}");
    view! {
        <li class="project" data-testid="project">
            <a href=href.clone() class="project-name">{name.clone()}</a>
            {move || signed_in.get().then(|| view! {
                <a href=href.clone() class="btn-primary btn-link">"New Claude session"</a>
            })}
        </li>
    }
}

#[component]
fn NewProjectForm(on_created: Callback<()>) -> impl IntoView {
    let access = Access::expect();
    let (name, set_name) = signal(String::new());
    let (problem, set_problem) = signal(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = name.get_untracked();
        let valid = match validate_name(&typed) {
            Ok(valid) => valid.to_owned(),
            Err(why) => {
                set_problem.set(Some(why));
                return;
            }
        };
        set_problem.set(None);
        let Some(key) = access.key() else { return };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match crate::ui::rest::create_project(&key, &valid).await {
                Ok(()) => {
                    set_name.set(String::new());
                    on_created.run(());
                }
                Err(why) => set_problem.set(Some(why)),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (key, valid, on_created);
    };
    view! {
        <form class="stack new-project" on:submit=submit>
            <label for="project-name">"New project"</label>
            <div class="row">
                <input
                    id="project-name"
                    type="text"
                    autocapitalize="off"
                    spellcheck="false"
                    placeholder="my-project"
                    prop:value=name
                    on:input=move |ev| set_name.set(event_target_value(&ev))
                />
                <button type="submit" class="btn-secondary">"Create project"</button>
            </div>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        </form>
    }
}

/// `/projects/:name`: the project's Claude pane.
#[component]
pub(crate) fn ProjectPage() -> impl IntoView {
    let access = Access::expect();
    let params = use_params_map();
    let name = move || params.with(|p| p.get("name").unwrap_or_default());
    let ready = access.has_key_checked();
    view! {
        <p><a href="/">"← Projects"</a></p>
        <h1>{name}</h1>
        {move || if ready.get() {
            // A new pane (and conversation) per project.
            let project = name();
            view! { <ClaudePane project/> }.into_any()
        } else {
            view! { <ClaudeStatusPanel/> }.into_any()
        }}
    }
}

//! The header: the name and the main navigation, with the page the person
//! is on marked `aria-current`.
//!
//! Plain links: the router takes every same-site link's click anyway, and
//! leptos_router's `<A>` cost about 2 KB gzip of the first load here (the
//! project pages use plain links too: `<A>` is in no WASM module).

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The parts of the site the navigation names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    /// `/` and every project's page.
    Projects,
    Settings,
}

/// The section a path belongs to, if any.
pub(crate) fn section_of(path: &str) -> Option<Section> {
    let path = path.trim_end_matches('/');
    if path.is_empty() || path.starts_with("/projects/") {
        Some(Section::Projects)
    } else if path == "/settings" {
        Some(Section::Settings)
    } else {
        None
    }
}

#[component]
pub(crate) fn Header() -> impl IntoView {
    let location = use_location();
    let current = move |section: Section| {
        move || (section_of(&location.pathname.get()) == Some(section)).then_some("page")
    };
    view! {
        <header class="topbar">
            <a href="/" class="brand">"Dispatch"</a>
            <nav aria-label="Main">
                <a href="/" aria-current=current(Section::Projects)>"Projects"</a>
                <a href="/settings" aria-current=current(Section::Settings)>"Settings"</a>
            </nav>
        </header>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_belongs_to_its_section() {
        assert_eq!(section_of("/"), Some(Section::Projects));
        assert_eq!(section_of(""), Some(Section::Projects));
        assert_eq!(section_of("/projects/demo"), Some(Section::Projects));
        assert_eq!(section_of("/settings"), Some(Section::Settings));
        assert_eq!(section_of("/settings/"), Some(Section::Settings));
        assert_eq!(section_of("/settingsx"), None);
        assert_eq!(section_of("/projectsx"), None);
        assert_eq!(section_of("/no-such-page"), None);
    }
}

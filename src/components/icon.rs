//! Small line icons, drawn inline so they follow the text colour and need no
//! font or file. Decorative: the control around an icon carries its name.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconKind {
    Chart,
    Copy,
    Check,
    Rotate,
    Trash,
}

impl IconKind {
    fn path(self) -> &'static str {
        match self {
            IconKind::Chart => "M4 20V10M10 20V4M16 20v-7M22 20H2",
            IconKind::Copy => "M9 9h11v11H9zM5 15H4V4h11v1",
            IconKind::Check => "M4 12l5 5L20 6",
            IconKind::Rotate => "M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7",
            IconKind::Trash => "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
        }
    }
}

#[component]
pub fn Icon(kind: IconKind) -> impl IntoView {
    view! {
        <svg
            class="ks-icon"
            viewBox="0 0 24 24"
            width="16"
            height="16"
            aria-hidden="true"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
        >
            <path d=kind.path() />
        </svg>
    }
}

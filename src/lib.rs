//! The keyscope console: a Leptos single-page app rendered against the
//! keyscope JSON API.

pub mod api;
mod app;
pub mod components;
pub mod format;
pub mod openapi;
pub mod pages;
pub mod session;
pub mod snippets;
pub mod widgets;

pub use app::App;

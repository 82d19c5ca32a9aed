//! One module per screen.

mod keys;
mod placeholders;

pub use keys::KeysPage;
pub use placeholders::{KeyUsagePage, NotFoundPage, ProjectApiPage, SettingsPage, SignInPage};

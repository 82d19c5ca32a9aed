//! One module per screen.

mod keys;
mod placeholders;
mod sign_in;

pub use keys::KeysPage;
pub use placeholders::{KeyUsagePage, NotFoundPage, ProjectApiPage, SettingsPage};
pub use sign_in::SignInPage;

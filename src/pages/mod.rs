//! One module per screen.

mod api_docs;
mod key_dialogs;
mod keys;
mod placeholders;
mod projects;
mod request_log;
mod sign_in;
mod usage;

pub use api_docs::ApiDocsPage;
pub use keys::KeysPage;
pub use placeholders::NotFoundPage;
pub use projects::{ProjectApiPage, ProjectsPage};
pub use request_log::RequestLogPage;
pub use sign_in::SignInPage;
pub use usage::{KeyUsagePage, ProjectUsagePage, WorkspaceUsagePage};

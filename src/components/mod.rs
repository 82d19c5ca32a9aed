//! Reusable pieces of the console. Leaf components receive their data as
//! props; pages fetch it.

mod access;
mod copy_button;
mod feedback;
mod field;
mod icon;
mod key_badges;
mod modal;
mod relative_time;
mod request_badges;
mod secret_view;

pub use access::RequireKeyManager;
pub use copy_button::CopyButton;
pub use feedback::{ErrorPanel, Loading, NotBuilt};
pub use field::TextField;
pub use icon::{Icon, IconKind};
pub use key_badges::{ScopeChips, StatusBadge};
pub use modal::Modal;
pub use relative_time::RelativeTime;
pub use request_badges::{MethodBadge, OutcomeBadge};
pub use secret_view::SecretView;

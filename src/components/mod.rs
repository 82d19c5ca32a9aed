//! Reusable pieces of the console. Leaf components receive their data as
//! props; pages fetch it.

mod copy_button;
mod feedback;
mod field;
mod key_badges;
mod relative_time;
mod request_badges;

pub use copy_button::CopyButton;
pub use feedback::{ErrorPanel, Loading, NotBuilt};
pub use field::TextField;
pub use key_badges::{ScopeChips, StatusBadge};
pub use relative_time::RelativeTime;
pub use request_badges::{MethodBadge, OutcomeBadge};

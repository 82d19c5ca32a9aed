//! Reusable pieces of the console. Leaf components receive their data as
//! props; pages fetch it.

mod feedback;
mod field;
mod key_badges;
mod relative_time;

pub use feedback::{ErrorPanel, Loading, NotBuilt};
pub use field::TextField;
pub use key_badges::{ScopeChips, StatusBadge};
pub use relative_time::RelativeTime;

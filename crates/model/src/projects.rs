//! Projects group a workspace's keys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    #[serde(with = "crate::timestamp")]
    pub created_at: DateTime<Utc>,
}

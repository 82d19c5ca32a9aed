//! Offset pagination parameters, parsed once at the edge.

use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    pub offset: u64,
}

impl PageRequest {
    pub const DEFAULT_LIMIT: u32 = 20;
    pub const MAX_LIMIT: u32 = 100;

    /// Parses `limit` and `offset` from query pairs. Any parameter not named in
    /// `other_known` is refused, so a typo (`limt=5`) is an error rather than a
    /// silently ignored filter.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        other_known: &[&str],
    ) -> Result<Self, FieldError> {
        let mut page = PageRequest::default();
        for (name, value) in pairs {
            match name {
                "limit" => {
                    let limit: u32 = value.parse().map_err(|_| {
                        FieldError::new(
                            "limit",
                            format!(
                                "limit must be a whole number between 1 and {}, not `{value}`",
                                Self::MAX_LIMIT
                            ),
                        )
                    })?;
                    if !(1..=Self::MAX_LIMIT).contains(&limit) {
                        return Err(FieldError::new(
                            "limit",
                            format!(
                                "limit must be between 1 and {}, not {limit}",
                                Self::MAX_LIMIT
                            ),
                        ));
                    }
                    page.limit = limit;
                }
                "offset" => {
                    page.offset = value.parse().map_err(|_| {
                        FieldError::new(
                            "offset",
                            format!("offset must be a whole number of 0 or more, not `{value}`"),
                        )
                    })?;
                }
                name if other_known.contains(&name) => {}
                name => {
                    let mut allowed = vec!["limit", "offset"];
                    allowed.extend_from_slice(other_known);
                    return Err(FieldError::new(
                        name,
                        format!(
                            "unknown query parameter `{name}`; allowed: {}",
                            allowed.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(page)
    }

    /// The query string for this page, as the client sends it.
    pub fn to_query(&self) -> String {
        format!("limit={}&offset={}", self.limit, self.offset)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: Self::DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_nothing_is_given() {
        assert_eq!(PageRequest::parse([], &[]), Ok(PageRequest::default()));
    }

    #[test]
    fn parses_limit_and_offset() {
        let page = PageRequest::parse([("limit", "5"), ("offset", "10")], &[]).expect("valid");
        assert_eq!(
            page,
            PageRequest {
                limit: 5,
                offset: 10
            }
        );
    }

    #[test]
    fn limit_out_of_range_names_the_field() {
        for bad in ["0", "101", "-1", "ten"] {
            let error = PageRequest::parse([("limit", bad)], &[]).expect_err("out of range");
            assert_eq!(error.field, "limit", "for {bad}");
        }
    }

    #[test]
    fn unknown_parameters_are_refused_by_name() {
        let error = PageRequest::parse([("limt", "5")], &[]).expect_err("typo");
        assert_eq!(error.field, "limt");
        assert!(error.message.contains("allowed: limit, offset"));
    }

    #[test]
    fn known_extra_parameters_are_left_to_the_caller() {
        assert!(PageRequest::parse([("status", "active")], &["status"]).is_ok());
    }
}

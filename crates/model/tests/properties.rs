//! Property tests of every parser in the model (issue #16): fuzzing on
//! stable Rust. Each parser is fed arbitrary text and near-valid text (valid
//! input with something changed) and must never panic; what it accepts must
//! keep the parser's invariants, and what it refuses must name the field.
//!
//! `cargo test -p keyscope-model` runs proptest's default 256 cases a
//! property; `make fuzz` runs the same properties with
//! `PROPTEST_CASES=200000`. A failure proptest finds is saved under
//! `proptest-regressions/` (committed: it is replayed first on every run)
//! and should also become a named unit test next to the parser it broke.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use keyscope_model::key_requests::{MAX_EXPIRY_DAYS, MAX_RATE_PER_MINUTE};
use keyscope_model::keys::RANDOM_LENGTH;
use keyscope_model::usage::MAX_RANGE_DAYS;
use keyscope_model::{
    base62_from_random_bytes, timestamp, CreateKeyRequest, Cursor, KeyChanges, KeySecret, KeySpec,
    LogFilter, Name, Outcome, PageRequest, Permission, Plan, Scope, ScopeSet, SecretFormatError,
    UpdateKeyRequest, UsageQuery,
};
use proptest::prelude::*;

const BASE62: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CHECKSUM_LENGTH: usize = 6;

// ---- generators -----------------------------------------------------------

/// Text of any chars, short: most parsers refuse early, so length matters
/// less than variety.
fn any_text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..48).prop_map(|chars| chars.into_iter().collect())
}

fn base62_text(length: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(BASE62.as_bytes()), length)
        .prop_map(|bytes| bytes.into_iter().map(char::from).collect())
}

fn environment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&["live", "test"][..])
}

fn secret() -> impl Strategy<Value = String> {
    (environment(), base62_text(RANDOM_LENGTH)).prop_map(|(environment, random)| {
        KeySecret::compose(environment, &random)
            .expect("a valid environment and 22 base62 characters compose")
            .expose()
            .to_owned()
    })
}

/// A character that is not `original`: often base62 (so the shape survives
/// and only the checksum can catch it), sometimes anything.
fn other_char(original: char) -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(BASE62.as_bytes()).prop_map(char::from),
        1 => any::<char>(),
    ]
    .prop_filter("a change", move |replacement| *replacement != original)
}

fn replace_char(text: &str, index: usize, replacement: char) -> String {
    text.chars()
        .enumerate()
        .map(|(at, c)| if at == index { replacement } else { c })
        .collect()
}

/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the instants RFC
/// 3339 in UTC can write.
const FIRST_MILLIS: i64 = -62_167_219_200_000;
const LAST_MILLIS: i64 = 253_402_300_799_999;

/// A millisecond instant anywhere RFC 3339 in UTC can write.
fn millis() -> impl Strategy<Value = i64> {
    prop_oneof![
        FIRST_MILLIS..=LAST_MILLIS,
        // The years people type.
        0i64..4_102_444_800_000,
        Just(FIRST_MILLIS),
        Just(LAST_MILLIS),
    ]
}

/// RFC 3339 text, mostly near-valid: any day and time fields, including
/// out-of-range ones and second 60 (a leap second), fractions of any
/// length, offsets up to and past ±24:00, odd separators and years of the
/// wrong width or sign.
fn rfc3339() -> impl Strategy<Value = String> {
    let year = prop_oneof![
        8 => (0u32..=9999).prop_map(|year| format!("{year:04}")),
        1 => prop::sample::select(&["0000", "9999", "10000", "+2026", "-001", "99999", "202", "２０２６"][..])
            .prop_map(str::to_owned),
    ];
    let fraction = prop_oneof![
        Just(String::new()),
        prop::collection::vec(0u8..10, 1..13).prop_map(|digits| format!(
            ".{}",
            digits.iter().map(u8::to_string).collect::<String>()
        )),
        Just(".".to_owned()),
    ];
    let offset = prop_oneof![
        Just("Z".to_owned()),
        Just("z".to_owned()),
        (prop::sample::select(&['+', '-'][..]), 0u32..=25, 0u32..=61)
            .prop_map(|(sign, hours, minutes)| format!("{sign}{hours:02}:{minutes:02}")),
        Just(String::new()),
        Just("+0100".to_owned()),
    ];
    (
        year,
        0u32..=13,
        0u32..=32,
        prop::sample::select(&['T', 't', ' ', '_'][..]),
        0u32..=24,
        0u32..=60,
        prop_oneof![9 => 0u32..=59, 1 => 60u32..=61],
        fraction,
        offset,
    )
        .prop_map(
            |(year, month, day, separator, hour, minute, second, fraction, offset)| {
                format!("{year}-{month:02}-{day:02}{separator}{hour:02}:{minute:02}:{second:02}{fraction}{offset}")
            },
        )
}

/// A valid RFC 3339 time: a millisecond instant written in some offset
/// (a day in from the ends, so its local date too has four digits).
fn valid_rfc3339() -> impl Strategy<Value = String> {
    const DAY: i64 = 86_400_000;
    let instant = millis().prop_map(|millis| millis.clamp(FIRST_MILLIS + DAY, LAST_MILLIS - DAY));
    (instant, -1439i32..=1439).prop_map(|(millis, offset_minutes)| {
        let offset = chrono::FixedOffset::east_opt(offset_minutes * 60).expect("within a day");
        timestamp::from_millis(millis)
            .with_timezone(&offset)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    })
}

/// A valid RFC 3339 time on the first or last two days RFC 3339 can write,
/// in any offset: in UTC it may be in year -1 or 10000.
fn edge_rfc3339() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["0000-01-01", "0000-01-02", "9999-12-30", "9999-12-31"][..]),
        0u32..24,
        0u32..60,
        prop::sample::select(&['+', '-'][..]),
        0u32..24,
        0u32..60,
    )
        .prop_map(|(day, hour, minute, sign, offset_hours, offset_minutes)| {
            format!("{day}T{hour:02}:{minute:02}:00{sign}{offset_hours:02}:{offset_minutes:02}")
        })
}

fn time_text() -> impl Strategy<Value = String> {
    prop_oneof![2 => rfc3339(), 2 => valid_rfc3339(), 1 => edge_rfc3339(), 1 => any_text()]
}

/// A query value: arbitrary, numeric at the edges, or with the odd
/// encodings a client might send (the server decodes pairs before the
/// parsers see them, so an escape here is literal text).
fn query_value() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any_text(),
        1 => any::<i64>().prop_map(|number| number.to_string()),
        1 => prop::sample::select(&[
            "", " ", "0", "1", "+1", "-0", "007", "1000", "1001", "100", "101", "99", "599", "600",
            "4294967295", "4294967296", "18446744073709551615", "18446744073709551616", "1e3",
            " 10", "10 ", "１０", "%31", "1%00", "get", "GeT", "FETCH", "completed", "Completed",
            "rate_limited", "5.req_a", "req_", ".", "..", "1.req_ä", "-9223372036854775808.req_x",
            "key_1", "  key_1  ", "\u{0}", "\u{feff}1",
        ][..])
        .prop_map(str::to_owned),
        1 => time_text(),
    ]
}

const LOG_FIELDS: [&str; 11] = [
    "key_id",
    "project_id",
    "resource_id",
    "from",
    "to",
    "status",
    "method",
    "endpoint",
    "response_code",
    "limit",
    "cursor",
];

/// A query name: mostly a known one (so values get parsed), sometimes a
/// near miss or anything.
fn query_name(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(known).prop_map(str::to_owned),
        1 => prop::sample::select(&["LIMIT", "limit ", " from", "lim%69t", "key-id", "", "cursor[]", "to\u{0}"][..])
            .prop_map(str::to_owned),
        1 => any_text(),
    ]
}

fn query_pairs(known: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((query_name(known), query_value()), 0..6)
}

fn borrowed(pairs: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    pairs
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
}

fn cursor_id() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(BASE62.as_bytes()), 0..30).prop_map(|bytes| {
        format!(
            "req_{}",
            bytes.into_iter().map(char::from).collect::<String>()
        )
    })
}

/// A scope as the API writes it: a permission on every resource or on one
/// named in lowercase letters, digits and `_` (never `all`, which is how
/// "every resource" is spelt).
fn scope() -> impl Strategy<Value = Scope> {
    let resource = prop_oneof![
        Just(None),
        "[a-z0-9_]{1,12}"
            .prop_filter("`all` means every resource", |resource| resource != "all")
            .prop_map(Some),
    ];
    (prop::sample::select(&Permission::ALL[..]), resource).prop_map(|(permission, resource)| {
        Scope {
            permission,
            resource,
        }
    })
}

fn scope_token() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => scope().prop_map(|scope| scope.to_string()),
        1 => prop::sample::select(&["read:all", "admin:", "read:Keys", "Read", "write:a:b", ":", "delete:é", "read :keys"][..])
            .prop_map(str::to_owned),
        1 => any_text(),
    ]
}

fn now() -> impl Strategy<Value = DateTime<Utc>> {
    // The server passes the clock: any time of this century or the next.
    (946_684_800_000i64..7_258_118_400_000).prop_map(timestamp::from_millis)
}

/// Whether an instant can go on the wire: `timestamp::format` writes it and
/// `timestamp::deserialize` (the web app's reader) reads it back the same.
fn round_trips_on_the_wire(at: DateTime<Utc>) -> bool {
    let text = timestamp::format(&at);
    let read: Result<DateTime<Utc>, _> =
        timestamp::deserialize(serde_json::Value::String(text.clone()));
    read.is_ok_and(|read| read.timestamp_millis() == at.timestamp_millis())
}

// ---- key secrets and their checksum ----------------------------------------

proptest! {
    #[test]
    fn any_text_is_parsed_as_a_secret_without_panicking(text in any_text()) {
        if let Ok(secret) = KeySecret::parse(&text) {
            prop_assert_eq!(secret.expose(), text.as_str());
            prop_assert!(secret.display_prefix().starts_with("ks_"));
            prop_assert_eq!(secret.last_four().len(), 4);
        }
    }

    #[test]
    fn a_composed_secret_parses_and_its_checksum_verifies(
        environment in environment(),
        random in base62_text(RANDOM_LENGTH),
    ) {
        let secret = KeySecret::compose(environment, &random).expect("valid parts");
        let text = secret.expose();
        prop_assert_eq!(text.len(), "ks_".len() + environment.len() + 1 + RANDOM_LENGTH + CHECKSUM_LENGTH);
        let parsed = KeySecret::parse(text).expect("a composed secret parses");
        prop_assert_eq!(parsed.expose(), text);
        prop_assert_eq!(
            parsed.display_prefix(),
            format!("ks_{environment}_{}", &random[..4])
        );
        prop_assert_eq!(parsed.last_four(), &text[text.len() - 4..]);
    }

    /// The detection guarantee, proved and here checked exhaustively per
    /// secret: every single-character substitution is refused. A changed
    /// character in `ks_<env>_` or outside base62 breaks the shape
    /// (`Malformed`); a base62 character changed in the random part changes
    /// one byte of the CRC-32's input, and CRC-32 detects every error burst
    /// of up to 32 bits, so the CRC changes, and 6 base62 digits write every
    /// 32-bit value differently (62^6 > 2^32), so the checksum text changes
    /// (`BadChecksum`); a base62 character changed in the checksum itself no
    /// longer equals the one computed (`BadChecksum`).
    #[test]
    fn every_single_character_substitution_is_refused(secret in secret()) {
        let body_start = secret.len() - RANDOM_LENGTH - CHECKSUM_LENGTH;
        for (index, original) in secret.char_indices() {
            for replacement in BASE62.chars().chain(['_', '-', ' ', 'é', '\u{0}']) {
                if replacement == original {
                    continue;
                }
                let typo = replace_char(&secret, index, replacement);
                let expected = if index >= body_start && BASE62.contains(replacement) {
                    SecretFormatError::BadChecksum
                } else {
                    SecretFormatError::Malformed
                };
                // `live` -> `test` is four changes, never one.
                prop_assert_eq!(KeySecret::parse(&typo).err(), Some(expected), "{}", typo);
            }
        }
    }

    #[test]
    fn a_secret_with_one_character_changed_is_refused(
        (secret, index, replacement) in secret().prop_flat_map(|secret| {
            let length = secret.len();
            (Just(secret), 0..length)
        }).prop_flat_map(|(secret, index)| {
            let original = secret.as_bytes()[index] as char;
            (Just(secret), Just(index), other_char(original))
        })
    ) {
        let typo = replace_char(&secret, index, replacement);
        prop_assert!(KeySecret::parse(&typo).is_err(), "{}", typo);
    }

    /// Adjacent transpositions: two neighbouring characters swapped within
    /// the CRC's input are a burst of at most 16 bits, always detected;
    /// within the checksum the text no longer matches. The one swap that
    /// crosses from the random part into the checksum changes both and is
    /// not guaranteed (see `the_swap_across_the_checksum_boundary_is_not_guaranteed`).
    #[test]
    fn adjacent_transpositions_are_refused(
        (secret, index) in secret().prop_flat_map(|secret| {
            let length = secret.len();
            (Just(secret), 0..length - 1)
        })
    ) {
        let bytes = secret.as_bytes();
        let boundary = secret.len() - CHECKSUM_LENGTH - 1;
        prop_assume!(bytes[index] != bytes[index + 1] && index != boundary);
        let mut swapped = bytes.to_vec();
        swapped.swap(index, index + 1);
        let swapped = String::from_utf8(swapped).expect("ASCII");
        prop_assert!(KeySecret::parse(&swapped).is_err(), "{}", swapped);
    }

    /// No guarantee to prove, so this only checks it is caught in practice:
    /// the swapped pair changes the CRC's input by one byte and the checksum
    /// by its first digit, which collide about once in 62^5.
    #[test]
    fn the_swap_across_the_checksum_boundary_is_not_guaranteed(secret in secret()) {
        let boundary = secret.len() - CHECKSUM_LENGTH - 1;
        let mut swapped = secret.as_bytes().to_vec();
        prop_assume!(swapped[boundary] != swapped[boundary + 1]);
        swapped.swap(boundary, boundary + 1);
        let swapped = String::from_utf8(swapped).expect("ASCII");
        prop_assert!(KeySecret::parse(&swapped).is_err(), "{}", swapped);
    }

    #[test]
    fn inserting_or_deleting_a_character_is_malformed(
        (secret, index, inserted) in secret().prop_flat_map(|secret| {
            let length = secret.len();
            (Just(secret), 0..length, any::<char>())
        })
    ) {
        let mut deleted = secret.clone();
        deleted.remove(index);
        prop_assert_eq!(KeySecret::parse(&deleted).err(), Some(SecretFormatError::Malformed));
        let mut longer = secret.clone();
        longer.insert(index, inserted);
        prop_assert_eq!(KeySecret::parse(&longer).err(), Some(SecretFormatError::Malformed));
        prop_assert_eq!(
            KeySecret::parse(&secret[..index]).err(),
            Some(SecretFormatError::Malformed)
        );
    }

    #[test]
    fn random_bytes_map_onto_base62_without_bias_or_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..80)
    ) {
        let text = base62_from_random_bytes(bytes.iter().copied());
        let usable = bytes.iter().filter(|byte| **byte < 248).count();
        prop_assert_eq!(text.len(), usable.min(RANDOM_LENGTH));
        prop_assert!(text.bytes().all(|byte| BASE62.as_bytes().contains(&byte)));
        if text.len() == RANDOM_LENGTH {
            prop_assert!(KeySecret::compose("live", &text).is_ok());
        }
    }

    #[test]
    fn compose_refuses_what_parse_would(environment in any_text(), random in any_text()) {
        if let Ok(secret) = KeySecret::compose(&environment, &random) {
            prop_assert!(KeySecret::parse(secret.expose()).is_ok());
        }
    }
}

// ---- the request log's cursor and filter ------------------------------------

proptest! {
    #[test]
    fn any_text_is_parsed_as_a_cursor_without_panicking(text in any_text()) {
        match Cursor::parse(&text) {
            Ok(cursor) => prop_assert_eq!(Cursor::parse(&cursor.encode()), Ok(cursor)),
            Err(error) => prop_assert_eq!(error.field, "cursor"),
        }
    }

    #[test]
    fn encoding_then_parsing_a_cursor_is_identity(occurred_at in any::<i64>(), id in cursor_id()) {
        let cursor = Cursor { occurred_at, id };
        prop_assert_eq!(Cursor::parse(&cursor.encode()), Ok(cursor));
    }

    /// A cursor with one byte flipped (where the result is still text):
    /// no panic, and what is accepted is still a cursor this API could give
    /// out.
    #[test]
    fn a_cursor_with_a_flipped_byte_parses_without_panicking(
        occurred_at in any::<i64>(),
        id in cursor_id(),
        index in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let mut bytes = Cursor { occurred_at, id }.encode().into_bytes();
        let index = index.index(bytes.len());
        bytes[index] ^= 1 << bit;
        if let Ok(text) = String::from_utf8(bytes) {
            match Cursor::parse(&text) {
                Ok(cursor) => {
                    prop_assert!(cursor.id.starts_with("req_"));
                    prop_assert!(cursor.id[4..].bytes().all(|byte| byte.is_ascii_alphanumeric()));
                    prop_assert_eq!(Cursor::parse(&cursor.encode()), Ok(cursor));
                }
                Err(error) => prop_assert_eq!(error.field, "cursor"),
            }
        }
    }

    /// Whatever the pairs, no panic; an accepted filter keeps its bounds and
    /// a refusal names a parameter that was given (or `to`, for a range that
    /// ends before it starts).
    #[test]
    fn any_query_is_parsed_as_a_log_filter_without_panicking(pairs in query_pairs(&LOG_FIELDS)) {
        match LogFilter::parse(borrowed(&pairs)) {
            Ok(filter) => {
                prop_assert!((1..=LogFilter::MAX_LIMIT).contains(&filter.limit));
                prop_assert!(filter.response_code.is_none_or(|code| (100..=599).contains(&code)));
                if let (Some(from), Some(to)) = (filter.from, filter.to) {
                    prop_assert!(from < to);
                }
                for text in [&filter.key_id, &filter.project_id, &filter.resource_id, &filter.endpoint]
                    .into_iter()
                    .flatten()
                {
                    prop_assert!(!text.is_empty() && text.trim() == text);
                }
                let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
                prop_assert!(filter.method.as_deref().is_none_or(|method| methods.contains(&method)));
                for at in [filter.from, filter.to].into_iter().flatten() {
                    prop_assert!(round_trips_on_the_wire(at), "{}", at);
                }
            }
            Err(error) => {
                prop_assert!(
                    pairs.iter().any(|(name, _)| *name == error.field),
                    "{} names no parameter given", error.field
                );
            }
        }
    }

    /// A filter written out as valid pairs, each possibly sent twice (the
    /// first time with another valid value: the last one counts), parses
    /// back to the same values.
    #[test]
    fn a_log_filter_built_from_valid_pairs_keeps_its_values(
        key_id in prop::option::of("[a-z0-9_]{1,16}"),
        resource_id in prop::option::of("[ -~]{0,3}[!-~]"),
        endpoint in prop::option::of("/[a-z0-9/_]{0,20}"),
        outcome in prop::option::of(prop::sample::select(&Outcome::ALL[..])),
        method in prop::option::of(prop::sample::select(&["get", "HEAD", "Post", "PUT", "patch", "DELETE", "options"][..])),
        response_code in prop::option::of(100u16..=599),
        limit in prop::option::of(1..=LogFilter::MAX_LIMIT),
        range in prop::option::of((millis(), 1i64..=86_400_000 * 800)),
        cursor in prop::option::of((any::<i64>(), cursor_id())),
        padding in prop::sample::select(&["", " ", "\t", "  "][..]),
        repeated in prop::collection::vec(any::<bool>(), 11),
    ) {
        let range = range.filter(|(from, length)| from.checked_add(*length).is_some_and(|to| to <= LAST_MILLIS));
        let from = range.map(|(from, _)| timestamp::from_millis(from));
        let to = range.map(|(from, length)| timestamp::from_millis(from + length));
        let cursor = cursor.map(|(occurred_at, id)| Cursor { occurred_at, id });
        let mut wanted: Vec<(&str, String)> = Vec::new();
        let mut push = |name: &'static str, value: Option<String>, decoy: &str| {
            if let Some(value) = value {
                if repeated[LOG_FIELDS.iter().position(|field| *field == name).expect("a field")] {
                    wanted.push((name, decoy.to_owned()));
                }
                wanted.push((name, value));
            }
        };
        push("key_id", key_id.clone().map(|id| format!("{padding}{id}{padding}")), "key_other");
        push("resource_id", resource_id.clone(), "other");
        push("endpoint", endpoint.clone(), "/other");
        push("status", outcome.map(|outcome| outcome.as_str().to_owned()), "failed");
        push("method", method.map(str::to_owned), "GET");
        push("response_code", response_code.map(|code| code.to_string()), "200");
        push("limit", limit.map(|limit| limit.to_string()), "7");
        push("from", from.map(|at| timestamp::format(&at)), "1970-01-01T00:00:00Z");
        push("to", to.map(|at| at.to_rfc3339()), "9999-01-01T00:00:00Z");
        push("cursor", cursor.as_ref().map(Cursor::encode), "1.req_decoy");
        let pairs: Vec<(&str, &str)> = wanted.iter().map(|(name, value)| (*name, value.as_str())).collect();
        let filter = LogFilter::parse(pairs.iter().copied()).expect("valid pairs parse");
        prop_assert_eq!(filter.key_id, key_id);
        prop_assert_eq!(filter.project_id, None);
        prop_assert_eq!(filter.resource_id, resource_id.map(|id| id.trim().to_owned()));
        prop_assert_eq!(filter.endpoint, endpoint);
        prop_assert_eq!(filter.outcome, outcome);
        prop_assert_eq!(filter.method, method.map(str::to_ascii_uppercase));
        prop_assert_eq!(filter.response_code, response_code);
        prop_assert_eq!(filter.limit, limit.unwrap_or(LogFilter::DEFAULT_LIMIT));
        prop_assert_eq!(filter.from, from);
        prop_assert_eq!(filter.to, to);
        prop_assert_eq!(filter.cursor, cursor);
    }

    /// One bad value among valid ones: the refusal names its field.
    #[test]
    fn a_bad_log_filter_value_names_its_field(
        field in prop::sample::select(&["from", "to", "status", "method", "response_code", "limit", "cursor"][..]),
        value in query_value(),
    ) {
        let pairs = [("key_id", "key_1"), (field, value.as_str()), ("endpoint", "/v1")];
        if let Err(error) = LogFilter::parse(pairs) {
            prop_assert_eq!(error.field, field);
        }
    }
}

// ---- usage ranges -----------------------------------------------------------

const USAGE_FIELDS: [&str; 4] = ["key_id", "project_id", "from", "to"];

proptest! {
    /// Whatever the pairs, no panic; an accepted range is whole hours, runs
    /// forwards, spans at most MAX_RANGE_DAYS and can be written back on the
    /// wire; a refusal names a parameter given or the range's `from`/`to`.
    #[test]
    fn any_query_is_parsed_as_a_usage_range_without_panicking(
        pairs in query_pairs(&USAGE_FIELDS),
        now in now(),
    ) {
        match UsageQuery::parse(borrowed(&pairs), now) {
            Ok(query) => {
                prop_assert!(query.from < query.to);
                prop_assert!(query.to - query.from <= Duration::days(MAX_RANGE_DAYS));
                for at in [query.from, query.to] {
                    prop_assert_eq!(at.timestamp_millis() % 3_600_000, 0, "{} is not a whole hour", at);
                    prop_assert!(round_trips_on_the_wire(at), "{}", at);
                }
            }
            Err(error) => prop_assert!(
                pairs.iter().any(|(name, _)| *name == error.field)
                    || ["from", "to"].contains(&error.field.as_str()),
                "{} names no parameter", error.field
            ),
        }
    }

    /// A valid range comes back covering at least what was asked (rounded
    /// out to whole hours), or is refused for its length or its order.
    #[test]
    fn a_valid_range_is_rounded_out_to_whole_hours(
        from in valid_rfc3339(),
        to in valid_rfc3339(),
        now in now(),
    ) {
        let parse = |text: &str| DateTime::parse_from_rfc3339(text).expect("valid").with_timezone(&Utc);
        let (asked_from, asked_to) = (parse(&from), parse(&to));
        match UsageQuery::parse([("from", from.as_str()), ("to", to.as_str())], now) {
            Ok(query) => {
                prop_assert!(query.from <= asked_from && asked_to <= query.to);
                prop_assert!(query.from > asked_from - Duration::hours(1));
                prop_assert!(query.to < asked_to + Duration::hours(1));
            }
            Err(error) => {
                prop_assert!(["from", "to"].contains(&error.field.as_str()));
                prop_assert!(
                    asked_to <= asked_from
                        || asked_to - asked_from > Duration::days(MAX_RANGE_DAYS) - Duration::hours(2)
                        || !round_trips_on_the_wire(asked_from - Duration::hours(1))
                        || !round_trips_on_the_wire(asked_to + Duration::hours(1)),
                    "{} to {} refused: {}", from, to, error.message
                );
            }
        }
    }

    #[test]
    fn without_from_the_range_is_the_seven_days_before_to(to in valid_rfc3339(), now in now()) {
        if let Ok(query) = UsageQuery::parse([("to", to.as_str())], now) {
            prop_assert!(query.to - query.from >= Duration::days(7));
            prop_assert!(query.to - query.from <= Duration::days(7) + Duration::hours(1));
        }
    }
}

// ---- offset pages -----------------------------------------------------------

proptest! {
    #[test]
    fn any_query_is_parsed_as_a_page_without_panicking(pairs in query_pairs(&["limit", "offset", "status"])) {
        match PageRequest::parse(borrowed(&pairs), &["status"]) {
            Ok(page) => prop_assert!((1..=PageRequest::MAX_LIMIT).contains(&page.limit)),
            Err(error) => {
                prop_assert!(pairs.iter().any(|(name, _)| *name == error.field));
                prop_assert!(error.field != "status");
            }
        }
    }

    #[test]
    fn a_page_round_trips_through_its_query(limit in 1..=PageRequest::MAX_LIMIT, offset in any::<u64>()) {
        let page = PageRequest { limit, offset };
        let query = page.to_query();
        let pairs = query.split('&').map(|pair| pair.split_once('=').expect("name=value"));
        prop_assert_eq!(PageRequest::parse(pairs, &[]), Ok(page));
    }
}

// ---- scopes -----------------------------------------------------------------

proptest! {
    #[test]
    fn any_text_is_parsed_as_scopes_without_panicking(text in any_text(), method in any_text()) {
        if let Ok(scope) = text.parse::<Scope>() {
            prop_assert_eq!(scope.to_string().parse::<Scope>(), Ok(scope));
        }
        if let Ok(set) = ScopeSet::parse_list(&text) {
            prop_assert_eq!(ScopeSet::parse_list(&set.to_string()), Ok(set));
        }
        let required = Scope::required_for(&method, &text);
        prop_assert_eq!(required.to_string().parse::<Scope>(), Ok(required));
    }

    #[test]
    fn a_scope_round_trips_through_its_text(scope in scope()) {
        prop_assert_eq!(scope.to_string().parse::<Scope>(), Ok(scope));
    }

    /// A set's stored form parses back to it, whatever the order, repeats
    /// and whitespace it was written with.
    #[test]
    fn a_scope_set_round_trips_through_its_stored_form(
        scopes in prop::collection::vec(scope(), 0..8),
        order in any::<u64>(),
        separator in prop::sample::select(&[" ", "  ", "\t", "\n", " \u{3000}"][..]),
    ) {
        let set = ScopeSet::new(scopes.clone());
        prop_assert_eq!(ScopeSet::parse_list(&set.to_string()), Ok(set.clone()));
        let mut tokens: Vec<String> = scopes.iter().chain(scopes.iter().take(2)).map(Scope::to_string).collect();
        let len = tokens.len().max(1) as u64;
        tokens.rotate_left((order % len) as usize);
        prop_assert_eq!(ScopeSet::parse_list(&tokens.join(separator)), Ok(set));
    }

    #[test]
    fn a_list_with_one_bad_scope_is_refused(
        scopes in prop::collection::vec(scope_token(), 0..6),
    ) {
        let all_valid = scopes.iter().all(|token| token.parse::<Scope>().is_ok() || token.trim().is_empty());
        let parsed = ScopeSet::parse_list(&scopes.join(" "));
        if !scopes.iter().any(|token| token.contains(char::is_whitespace)) {
            prop_assert_eq!(parsed.is_ok(), all_valid);
        }
    }
}

// ---- key requests: names, expiry, and their dates -------------------------

const KEY_FIELDS: [&str; 8] = [
    "name",
    "description",
    "scopes",
    "role",
    "expires_at",
    "expires_in_days",
    "environment",
    "rate_limit_per_minute",
];

fn create_request() -> impl Strategy<Value = CreateKeyRequest> {
    let name = prop_oneof![3 => "[ -~]{0,70}", 1 => any_text()];
    let description = prop::option::of(prop_oneof![
        any_text(),
        (250usize..260).prop_map(|length| "d".repeat(length))
    ]);
    let scopes = prop::option::of(prop::collection::vec(scope_token(), 0..4));
    let role = prop::option::of(prop_oneof![
        prop::sample::select(&["viewer", "editor", "admin", "Admin", "owner", ""][..])
            .prop_map(str::to_owned),
        any_text(),
    ]);
    let expires_in_days = prop::option::of(prop_oneof![0u32..=MAX_EXPIRY_DAYS + 1, any::<u32>()]);
    let expires_at = prop::option::of(millis().prop_map(timestamp::from_millis));
    let plan = prop::option::of(prop::sample::select(&Plan::ALL[..]));
    let rate = prop::option::of(prop_oneof![
        0u32..=2,
        MAX_RATE_PER_MINUTE - 1..=MAX_RATE_PER_MINUTE + 1,
        any::<u32>()
    ]);
    let environment = prop::option::of(prop_oneof![
        prop::sample::select(&["live", "test", "prod", "LIVE", ""][..]).prop_map(str::to_owned),
        any_text(),
    ]);
    (
        name,
        description,
        scopes,
        role,
        expires_in_days,
        expires_at,
        plan,
        rate,
        environment,
    )
        .prop_map(
            |(
                name,
                description,
                scopes,
                role,
                expires_in_days,
                expires_at,
                plan,
                rate_limit_per_minute,
                environment,
            )| CreateKeyRequest {
                name,
                description,
                scopes,
                role,
                project_id: None,
                expires_in_days,
                expires_at,
                plan,
                rate_limit_per_minute,
                environment,
            },
        )
}

proptest! {
    #[test]
    fn any_name_is_parsed_without_panicking(text in any_text()) {
        match Name::parse(&text) {
            Ok(name) => {
                prop_assert_eq!(name.as_str(), text.trim());
                prop_assert!((1..=Name::MAX_CHARS).contains(&name.as_str().chars().count()));
                prop_assert!(!name.as_str().chars().any(char::is_control));
            }
            Err(error) => prop_assert_eq!(error.field, "name"),
        }
    }

    /// Any create request: no panic; an accepted one expires in the future
    /// (within MAX_EXPIRY_DAYS when asked in days) and can be written back
    /// on the wire; a refusal names a field of the request.
    #[test]
    fn any_create_request_is_parsed_without_panicking(request in create_request(), now in now()) {
        let in_days = request.expires_in_days;
        match KeySpec::parse(request, now) {
            Ok(spec) => {
                if let Some(expires_at) = spec.expires_at {
                    prop_assert!(expires_at > now);
                    prop_assert!(round_trips_on_the_wire(expires_at), "{}", expires_at);
                    if in_days.is_some() {
                        prop_assert!(expires_at <= now + Duration::days(i64::from(MAX_EXPIRY_DAYS)));
                    }
                }
                prop_assert!(!spec.scopes.is_empty());
                prop_assert!(["live", "test"].contains(&spec.environment));
                prop_assert!(spec
                    .rate_limit_per_minute
                    .is_none_or(|rate| (1..=MAX_RATE_PER_MINUTE).contains(&rate)));
            }
            Err(error) => prop_assert!(KEY_FIELDS.contains(&error.field.as_str()), "{}", error.field),
        }
    }

    /// `expires_at` as the JSON bodies carry it, for a create and for an
    /// update: no panic; accepted means in the future and writable back.
    #[test]
    fn any_expiry_text_is_parsed_without_panicking(text in time_text(), now in now()) {
        let update: UpdateKeyRequest = serde_json::from_value(serde_json::json!({ "expires_at": text }))
            .expect("any string is an update's expires_at");
        match KeyChanges::parse(update, now) {
            Ok(changes) => {
                let expires_at = changes.expires_at.flatten().expect("an expiry was given");
                prop_assert!(expires_at > now);
                prop_assert!(round_trips_on_the_wire(expires_at), "{} from {}", expires_at, text);
            }
            Err(error) => prop_assert_eq!(error.field, "expires_at"),
        }
        let create: Result<CreateKeyRequest, _> =
            serde_json::from_value(serde_json::json!({ "name": "ci", "expires_at": text }));
        if let Ok(create) = create {
            if let Ok(spec) = KeySpec::parse(create, now) {
                let expires_at = spec.expires_at.expect("an expiry was given");
                prop_assert!(round_trips_on_the_wire(expires_at), "{} from {}", expires_at, text);
            }
        }
    }
}

// ---- timestamps on the wire -------------------------------------------------

proptest! {
    #[test]
    fn milliseconds_round_trip(millis in millis()) {
        let at = timestamp::from_millis(millis);
        prop_assert_eq!(at.timestamp_millis(), millis);
        prop_assert!(round_trips_on_the_wire(at), "{}", at);
    }

    #[test]
    fn any_time_text_is_read_without_panicking(text in time_text()) {
        let read: Result<DateTime<Utc>, _> = timestamp::deserialize(serde_json::Value::String(text.clone()));
        if let Ok(at) = read {
            prop_assert!(round_trips_on_the_wire(at), "{} from {}", at, text);
            prop_assert!((0..=9999).contains(&at.year()));
            prop_assert!(at.hour() < 24);
        }
    }

    #[test]
    fn a_leap_second_reads_and_writes_back(millis in millis(), fraction in 0u32..1000) {
        let day = timestamp::from_millis(millis).date_naive();
        let Some(leap) = day
            .and_hms_milli_opt(23, 59, 59, 1000 + fraction)
            .map(|naive| Utc.from_utc_datetime(&naive))
        else {
            return Ok(());
        };
        let text = timestamp::format(&leap);
        prop_assert!(text.contains(":60."), "{}", text);
        let read: Result<DateTime<Utc>, _> = timestamp::deserialize(serde_json::Value::String(text.clone()));
        prop_assert_eq!(read.ok(), Some(leap));
    }
}

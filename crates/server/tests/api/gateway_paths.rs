//! Gateway paths against the upstreams that read them (issue #15, finding
//! 2): every path the gateway accepts reaches an upstream with the first
//! segment its scope was checked on.

use keyscope_model::Scope;
use keyscope_server::service::gateway::split_path;
use proptest::prelude::*;

// ---- the property: accepted paths reach upstreams as checked ------------

/// What nginx acts on: the path decoded once, slashes merged, then dot
/// segments removed (RFC 3986, 5.2.4). `None` where a `%` starts no escape,
/// which nginx refuses.
fn nginx_view(path: &str) -> Option<Vec<u8>> {
    let decoded = percent_decoded(path.as_bytes())?;
    Some(remove_dot_segments(&merge_slashes(&decoded)))
}

/// What a laxer upstream acts on: Java servers drop `;params` from each
/// segment before decoding, and Windows and Java servers take `\` for `/`.
fn lax_view(path: &str) -> Option<Vec<u8>> {
    let without_params: Vec<&str> = path
        .split('/')
        .map(|segment| segment.split(';').next().unwrap_or_default())
        .collect();
    let decoded = percent_decoded(without_params.join("/").as_bytes())?;
    let slashed: Vec<u8> = decoded
        .into_iter()
        .map(|byte| if byte == b'\\' { b'/' } else { byte })
        .collect();
    Some(remove_dot_segments(&merge_slashes(&slashed)))
}

fn percent_decoded(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some((&byte, after)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(after.get(..2)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &after[2..];
        } else {
            decoded.push(byte);
            rest = after;
        }
    }
    Some(decoded)
}

fn merge_slashes(path: &[u8]) -> Vec<u8> {
    let mut merged: Vec<u8> = Vec::with_capacity(path.len());
    for &byte in path {
        if !(byte == b'/' && merged.last() == Some(&b'/')) {
            merged.push(byte);
        }
    }
    merged
}

/// RFC 3986, 5.2.4, step by step.
fn remove_dot_segments(path: &[u8]) -> Vec<u8> {
    let mut input = path.to_vec();
    let mut output: Vec<u8> = Vec::new();
    let drop_last_segment = |output: &mut Vec<u8>| {
        let last_slash = output.iter().rposition(|&byte| byte == b'/').unwrap_or(0);
        output.truncate(last_slash);
    };
    while !input.is_empty() {
        if input.starts_with(b"../") {
            input.drain(..3);
        } else if input.starts_with(b"./") || input.starts_with(b"/./") {
            // `./` goes; `/./` becomes `/`.
            input.drain(..2);
        } else if input == b"/." {
            input = b"/".to_vec();
        } else if input.starts_with(b"/../") {
            input.drain(..3);
            drop_last_segment(&mut output);
        } else if input == b"/.." {
            input = b"/".to_vec();
            drop_last_segment(&mut output);
        } else if input == b"." || input == b".." {
            input.clear();
        } else {
            let start = usize::from(input.first() == Some(&b'/'));
            let end = input[start..]
                .iter()
                .position(|&byte| byte == b'/')
                .map_or(input.len(), |at| at + start);
            output.extend(input.drain(..end));
        }
    }
    output
}

fn first_segment(path: &[u8]) -> &[u8] {
    path.split(|&byte| byte == b'/')
        .find(|segment| !segment.is_empty())
        .unwrap_or_default()
}

/// A fragment of a path segment: mostly plain, the rest every way of
/// writing a separator, a dot, a parameter or an escape.
fn piece() -> impl Strategy<Value = String> {
    let fixed =
        |pieces: &'static [&'static str]| prop::sample::select(pieces).prop_map(str::to_owned);
    prop_oneof![
        12 => fixed(&["things", "admin", "v1", "files", "a", "x_1", "Things"]),
        3 => fixed(&[".", "..", "%2e", "%2E", ".%2e", "%2e.", "%2E%2e", "..."]),
        2 => fixed(&["%2f", "%2F", "%5c", "%5C", "\\"]),
        2 => fixed(&[";", ";jsessionid=1", "%3b", "%3B"]),
        2 => fixed(&["%25", "%252e", "%252F", "%", "%2", "%zz"]),
        2 => fixed(&["%20", "%C3%A9", "%c3%a9", "%C0%AE", "%74", "%61dmin", "%00"]),
        3 => (any::<u8>(), any::<bool>()).prop_map(|(byte, upper)| if upper {
            format!("%{byte:02X}")
        } else {
            format!("%{byte:02x}")
        }),
    ]
}

/// A gateway path (after `/gateway/{api_id}`): segments of pieces, some
/// empty (so `//`), with or without a trailing slash.
fn gateway_path() -> impl Strategy<Value = String> {
    let segment = prop::collection::vec(piece(), 0..3).prop_map(|pieces| pieces.concat());
    (prop::collection::vec(segment, 0..5), any::<bool>()).prop_map(|(segments, trailing)| {
        let mut path = format!("/{}", segments.join("/"));
        if trailing && !path.ends_with('/') {
            path.push('/');
        }
        path
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn accepted_paths_reach_upstreams_as_checked(path in gateway_path()) {
        let uri_path = format!("/gateway/api_1{path}");
        if let Ok((api_id, checked)) = split_path(&uri_path) {
            prop_assert_eq!(api_id, "api_1");
            prop_assert_eq!(checked.as_sent, path.as_str(), "forwarded as sent");
            let required = Scope::required_for("GET", &checked.decoded);
            for (upstream, view) in [("nginx", nginx_view(checked.as_sent)), ("lax", lax_view(checked.as_sent))] {
                let view = view.expect("an upstream reads every accepted path");
                prop_assert_eq!(
                    first_segment(&view),
                    first_segment(checked.decoded.as_bytes()),
                    "{} reads another first segment", upstream
                );
                prop_assert_eq!(
                    &view[..],
                    checked.decoded.as_bytes(),
                    "{} reads another path", upstream
                );
                prop_assert_eq!(
                    Scope::required_for("GET", &String::from_utf8_lossy(&view)),
                    required.clone(),
                    "{} needs another scope", upstream
                );
            }
        }
    }

    #[test]
    fn any_text_is_split_without_panicking(text in prop::collection::vec(any::<char>(), 0..40)) {
        let text: String = text.into_iter().collect();
        let _ = split_path(&text);
        let _ = split_path(&format!("/gateway/api_1/{text}"));
    }

    #[test]
    fn plain_paths_are_accepted_as_they_are(
        segments in prop::collection::vec(prop::sample::select(&["things", "v1", "7", "a_b", "caf%C3%A9", "a%20b"][..]), 1..5)
    ) {
        let path = format!("/{}", segments.join("/"));
        let uri_path = format!("/gateway/api_1{path}");
        let accepted = split_path(&uri_path);
        prop_assert!(accepted.is_ok(), "{} refused", path);
    }
}

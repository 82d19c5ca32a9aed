//! The console's security headers (CSP, framing, referrer, sniffing), the
//! API's, and the console files' cache lifetimes.

use crate::helpers::spawn_app;

const CONSOLE_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// A file named as trunk names the app's module: stem, content hash.
const HASHED_MODULE: &str = "keyscope-web-app-0123456789abcdef.js";

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} on {}", response.url()))
        .to_str()
        .expect("ASCII")
}

fn assert_console_headers(response: &reqwest::Response) {
    assert_eq!(header(response, "content-security-policy"), CONSOLE_POLICY);
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(header(response, "x-frame-options"), "DENY");
    assert_eq!(header(response, "referrer-policy"), "same-origin");
    // Plain HTTP: no HSTS (a browser ignores it there, and it would be a
    // promise the server cannot keep).
    assert!(!response.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn the_console_runs_under_a_policy_without_inline_script_or_eval() {
    let policy = CONSOLE_POLICY;
    assert!(!policy.contains("'unsafe-inline'"));
    assert!(!policy.contains("'unsafe-eval'"));
    assert!(policy.contains("'wasm-unsafe-eval'"));

    let (app, _data) = spawn_app().await;
    std::fs::write(
        app.web_dir().join(HASHED_MODULE),
        "export default async function init() {}",
    )
    .expect("asset written");
    std::fs::create_dir_all(app.web_dir().join("public")).expect("public/");
    std::fs::write(app.web_dir().join("public/start.js"), "// copied as it is")
        .expect("unhashed file written");

    // A client route: index.html, revalidated on every use.
    for path in ["/keys", "/", "/index.html"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), 200, "{path}");
        assert!(header(&page, "content-type").starts_with("text/html"));
        assert_console_headers(&page);
        assert_eq!(header(&page, "cache-control"), "no-cache", "{path}");
    }

    // A hashed file: a year, never revalidated.
    let module = app.get(&format!("/{HASHED_MODULE}")).await;
    assert_eq!(module.status(), 200);
    assert_console_headers(&module);
    assert_eq!(
        header(&module, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&module, "content-type").contains("javascript"));

    // A file copied as it is: revalidated, as its name does not change
    // with its content.
    let copied = app.get("/public/start.js").await;
    assert_eq!(copied.status(), 200);
    assert_console_headers(&copied);
    assert_eq!(header(&copied, "cache-control"), "no-cache");

    // A hashed name that is not there (an old build's, asked by a stale
    // page) gets index.html from the fallback: not to be kept a year.
    let stale = app.get("/keyscope-web-app-fedcba9876543210.js").await;
    assert!(header(&stale, "content-type").starts_with("text/html"));
    assert_eq!(header(&stale, "cache-control"), "no-cache");

    app.stop().await;
}

#[tokio::test]
async fn api_answers_are_not_sniffed_and_carry_no_console_policy() {
    let (app, _data) = spawn_app().await;
    for (path, status) in [("/healthz", 200), ("/v1/keys", 401), ("/v1/nothing", 404)] {
        let answer = app.get(path).await;
        assert_eq!(answer.status(), status, "{path}");
        assert_eq!(
            header(&answer, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert!(
            !answer.headers().contains_key("content-security-policy"),
            "{path}"
        );
    }
    app.stop().await;
}

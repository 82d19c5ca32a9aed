//! How a project's backend and its customers call keyscope: the page the
//! credentials dialog links to. Public: it holds no secrets.

use leptos::prelude::*;

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    view! {
        <section class="ks-page ks-docs">
            <h1>"Calling the API"</h1>
            <p class="ks-muted">"Every answer is JSON: " <code>"{\"success\": true, \"data\": …}"</code> " or the error envelope " <code>"{\"success\": false, \"error\": {\"code\", \"message\", \"details\"}}"</code> "."</p>

            <h2>"Your customers: call with their API key"</h2>
            <pre><code>"curl https://your-api.example/orders \\\n  -H \"Authorization: Bearer ks_live_…\""</code></pre>
            <p>"The header " <code>"x-api-key: ks_live_…"</code> " works too. Each key carries scopes: GET and HEAD need " <code>"read"</code> ", POST, PUT and PATCH need " <code>"write"</code> ", DELETE needs " <code>"delete"</code> "; " <code>"admin"</code> " grants all."</p>

            <h2>"Your backend: verify a key"</h2>
            <p>"Present the project's " <strong>"Project Key"</strong> " (from Get Credentials) and the customer's key. The call counts against the key's limits and is recorded in the request log."</p>
            <pre><code>"curl -X POST /v1/keys/verify \\\n  -H \"Authorization: Bearer ksp_…\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{\"key\": \"ks_live_…\", \"method\": \"GET\", \"endpoint\": \"/orders/7\"}'"</code></pre>

            <h2>"Or let keyscope stand in front: the gateway"</h2>
            <p>"Give the project an upstream URL; calls to " <code>"/gateway/<API ID>/<path>"</code> " are authenticated, scope-checked, rate-limited, logged and forwarded. The caller's key never reaches your upstream."</p>

            <h2>"Limits and errors"</h2>
            <ul>
                <li><code>"X-RateLimit-Limit"</code> ", " <code>"X-RateLimit-Remaining"</code> ", " <code>"X-RateLimit-Reset"</code> " (epoch seconds) on every key-authenticated answer."</li>
                <li>"401 with a code that says why: " <code>"MISSING_API_KEY"</code> ", " <code>"MALFORMED_API_KEY"</code> ", " <code>"INVALID_API_KEY"</code> ", " <code>"KEY_REVOKED"</code> ", " <code>"KEY_DISABLED"</code> ", " <code>"KEY_EXPIRED"</code> "."</li>
                <li>"403 " <code>"INSUFFICIENT_SCOPE"</code> ": the key lacks the scope; " <code>"details.required_scope"</code> " names it."</li>
                <li>"429 " <code>"RATE_LIMITED"</code> ": wait " <code>"Retry-After"</code> " seconds; " <code>"details.window"</code> " names the limit (minute, day, period)."</li>
            </ul>
        </section>
    }
}

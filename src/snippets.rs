//! Ready-to-paste calls with a new key filled in, as the secret view shows them.

/// The language a snippet is written in, with the label its tab shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnippetLanguage {
    Curl,
    Python,
    JavaScript,
}

impl SnippetLanguage {
    pub const ALL: [SnippetLanguage; 3] = [
        SnippetLanguage::Curl,
        SnippetLanguage::Python,
        SnippetLanguage::JavaScript,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SnippetLanguage::Curl => "curl",
            SnippetLanguage::Python => "Python",
            SnippetLanguage::JavaScript => "JavaScript",
        }
    }

    /// A call of `GET {origin}/v1/key`, which answers with the calling key:
    /// the smallest call that proves the key works.
    pub fn snippet(self, origin: &str, secret: &str) -> String {
        let url = format!("{origin}/v1/key");
        match self {
            SnippetLanguage::Curl => {
                format!("curl {url} \\\n  -H \"Authorization: Bearer {secret}\"")
            }
            SnippetLanguage::Python => format!(
                "import requests\n\n\
                 response = requests.get(\n    \"{url}\",\n    headers={{\"Authorization\": \"Bearer {secret}\"}},\n)\n\
                 print(response.json())"
            ),
            SnippetLanguage::JavaScript => format!(
                "const response = await fetch(\"{url}\", {{\n  headers: {{ Authorization: \"Bearer {secret}\" }},\n}});\n\
                 console.log(await response.json());"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_snippet_calls_the_origin_with_the_secret_as_a_bearer_token() {
        for language in SnippetLanguage::ALL {
            let snippet = language.snippet("http://127.0.0.1:8080", "ks_live_abc");
            assert!(
                snippet.contains("http://127.0.0.1:8080/v1/key"),
                "{snippet}"
            );
            assert!(snippet.contains("Bearer ks_live_abc"), "{snippet}");
        }
    }

    #[test]
    fn the_curl_call_is_one_command() {
        let snippet = SnippetLanguage::Curl.snippet("http://localhost", "ks_live_abc");
        assert_eq!(
            snippet,
            "curl http://localhost/v1/key \\\n  -H \"Authorization: Bearer ks_live_abc\""
        );
    }
}

//! The settings as the real binary reads them: flag over environment over
//! configuration file over default, seen in `keyscope config print`; wrong
//! and unknown settings refused before anything starts, naming them.

use crate::binary::run;
use std::path::Path;
use std::process::Output;

const MASTER_KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("utf-8")
}

/// Refused as a wrong setting: exit code 2, a message and no panic.
fn refusal_of(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "refused: {stderr}");
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    assert!(output.stdout.is_empty(), "nothing printed: {stderr}");
    stderr
}

/// The line of `config print` that sets `key`.
fn line_of<'a>(printed: &'a str, key: &str) -> &'a str {
    printed
        .lines()
        .find(|line| line.starts_with(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no line for {key}: {printed}"))
}

fn write_file(directory: &Path, text: &str) -> String {
    let path = directory.join("keyscope.toml");
    std::fs::write(&path, text).expect("configuration file written");
    path.to_str().expect("a UTF-8 path").to_owned()
}

#[test]
fn a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default() {
    let directory = tempfile::TempDir::new().expect("temporary directory");
    let file = write_file(
        directory.path(),
        r#"
listen = "127.0.0.1:7001"
retention_days = 7
workers = 3
demo = true
web_dir = "from-the-file"
"#,
    );
    let printed = stdout_of(&run(
        &[
            "config",
            "print",
            "--config",
            &file,
            "--retention-days",
            "9",
            "--demo=false",
        ],
        &[
            ("KEYSCOPE_LISTEN", "127.0.0.1:7002"),
            ("KEYSCOPE_RETENTION_DAYS", "8"),
        ],
    ));
    let settings: toml::Table = printed.parse().expect("config print writes TOML");
    // In the file, the environment and on the command line: the flag.
    assert_eq!(
        settings["retention_days"].as_integer(),
        Some(9),
        "{printed}"
    );
    assert!(line_of(&printed, "retention_days").ends_with("# flag --retention-days"));
    // In the file and the environment: the environment.
    assert_eq!(settings["listen"].as_str(), Some("127.0.0.1:7002"));
    assert!(line_of(&printed, "listen").ends_with("# env KEYSCOPE_LISTEN"));
    // Only in the file: the file.
    assert_eq!(settings["workers"].as_integer(), Some(3));
    assert_eq!(settings["web_dir"].as_str(), Some("from-the-file"));
    assert!(line_of(&printed, "workers").ends_with("# file"));
    // An on/off setting the file turns on and a flag turns off.
    assert_eq!(settings["demo"].as_bool(), Some(false));
    // Nowhere: the default.
    assert_eq!(settings["data_dir"].as_str(), Some("keyscope-data"));
    assert!(line_of(&printed, "data_dir").ends_with("# default"));
    assert_eq!(settings["log_format"].as_str(), Some("text"));
}

#[test]
fn config_print_masks_secrets_and_reads_back_as_the_same_settings() {
    let directory = tempfile::TempDir::new().expect("temporary directory");
    let printed = stdout_of(&run(
        &[
            "config",
            "print",
            "--metrics-token",
            "metrics-token-secret",
            "--log-format",
            "json",
        ],
        &[("KEYSCOPE_MASTER_KEY", MASTER_KEY)],
    ));
    assert!(!printed.contains(MASTER_KEY), "master key shown: {printed}");
    assert!(
        !printed.contains("metrics-token-secret"),
        "metrics token shown: {printed}"
    );
    let settings: toml::Table = printed.parse().expect("TOML");
    assert_eq!(settings["master_key"].as_str(), Some("***"));
    assert_eq!(settings["metrics_token"].as_str(), Some("***"));
    assert!(line_of(&printed, "master_key").ends_with("# env KEYSCOPE_MASTER_KEY"));
    // Unset settings are comments, not values TOML has no word for.
    assert!(printed.contains("# workers is unset"), "{printed}");

    // Fed back as the file, the secrets written in, it gives the same
    // settings, all now from the file.
    let file = write_file(
        directory.path(),
        &printed
            .replace(
                r#"master_key = "***""#,
                &format!(r#"master_key = "{MASTER_KEY}""#),
            )
            .replace(
                r#"metrics_token = "***""#,
                r#"metrics_token = "metrics-token-secret""#,
            ),
    );
    let reprinted = stdout_of(&run(&["config", "print", "--config", &file], &[]));
    let reread: toml::Table = reprinted.parse().expect("TOML");
    assert_eq!(reread, settings, "{reprinted}");
    assert!(line_of(&reprinted, "log_format").ends_with("# file"));
    assert!(line_of(&reprinted, "master_key").ends_with("# file"));
}

#[test]
fn a_wrong_value_is_refused_at_start_naming_its_setting() {
    let directory = tempfile::TempDir::new().expect("temporary directory");
    let data_dir = directory.path().join("db");
    let data_dir = data_dir.to_str().expect("UTF-8");

    // On the command line.
    let refused = refusal_of(&run(
        &[
            "serve",
            "--data-dir",
            data_dir,
            "--listen",
            "localhost:http",
        ],
        &[],
    ));
    assert!(
        refused.contains("`listen`")
            && refused.contains("--listen")
            && refused.contains("on the command line"),
        "{refused}"
    );

    // In the environment.
    let refused = refusal_of(&run(
        &["serve", "--data-dir", data_dir],
        &[("KEYSCOPE_CLIENT_TIMEOUT_SECONDS", "0")],
    ));
    assert!(
        refused.contains("`client_timeout_seconds`")
            && refused.contains("--client-timeout-seconds")
            && refused.contains("KEYSCOPE_CLIENT_TIMEOUT_SECONDS"),
        "{refused}"
    );

    // In the file, even when the environment overrides it; a secret's
    // value is not repeated.
    let file = write_file(directory.path(), "master_key = \"not-hex-secret\"\n");
    let refused = refusal_of(&run(
        &["serve", "--data-dir", data_dir, "--config", &file],
        &[("KEYSCOPE_MASTER_KEY", MASTER_KEY)],
    ));
    assert!(
        refused.contains("`master_key`")
            && refused.contains("--master-key")
            && refused.contains(&file)
            && refused.contains("64 hex characters"),
        "{refused}"
    );
    assert!(!refused.contains("not-hex-secret"), "{refused}");

    let file = write_file(directory.path(), "gateway_timeout_seconds = 0\n");
    let refused = refusal_of(&run(
        &["serve", "--data-dir", data_dir, "--config", &file],
        &[],
    ));
    assert!(
        refused.contains("`gateway_timeout_seconds`")
            && refused.contains("--gateway-timeout-seconds"),
        "{refused}"
    );

    let refused = refusal_of(&run(
        &["serve", "--data-dir", data_dir, "--log-format", "xml"],
        &[],
    ));
    assert!(
        refused.contains("`log_format`") && refused.contains("text, json"),
        "{refused}"
    );

    assert!(
        !Path::new(data_dir).exists(),
        "refused before anything started"
    );
}

#[test]
fn an_unknown_key_or_a_missing_file_is_refused() {
    let directory = tempfile::TempDir::new().expect("temporary directory");
    let file = write_file(directory.path(), "listen = \"127.0.0.1:0\"\nlisen = 1\n");
    let refused = refusal_of(&run(&["config", "print", "--config", &file], &[]));
    assert!(
        refused.contains("unknown setting `lisen`") && refused.contains(&file),
        "{refused}"
    );

    let file = write_file(directory.path(), "[gateway]\ntimeout = 3\n");
    let refused = refusal_of(&run(
        &["config", "print"],
        &[("KEYSCOPE_CONFIG", file.as_str())],
    ));
    assert!(refused.contains("unknown setting `gateway`"), "{refused}");

    let missing = directory.path().join("missing.toml");
    let refused = refusal_of(&run(
        &[
            "config",
            "print",
            "--config",
            missing.to_str().expect("UTF-8"),
        ],
        &[],
    ));
    assert!(
        refused.contains("cannot read the configuration file"),
        "{refused}"
    );
}

#[test]
fn help_lists_every_setting_with_its_default_and_the_precedence() {
    let help = stdout_of(&run(&["--help"], &[]));
    for expected in [
        "--listen",
        "KEYSCOPE_LISTEN",
        "127.0.0.1:8080",
        "--gateway-timeout-seconds",
        "KEYSCOPE_LOG_FORMAT",
        "log_format",
        "Precedence: command-line flag > environment variable > configuration file",
    ] {
        assert!(help.contains(expected), "{expected} in: {help}");
    }
}

/// Operator commands read the file too: its data directory and master key.
#[test]
fn operator_commands_read_the_data_directory_from_the_file() {
    let directory = tempfile::TempDir::new().expect("temporary directory");
    let data_dir = directory.path().join("no-such-db");
    let file = write_file(
        directory.path(),
        &format!(
            "data_dir = {}\n",
            toml::Value::String(data_dir.display().to_string())
        ),
    );
    let output = run(&["keys", "list", "--config", &file], &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no workspace yet"),
        "the file's data directory was used: {stderr}"
    );
}

/// The README's table of settings keeps up with the declarations: each row
/// of `keyscope --help`'s listing (flag, variable, file key, default) is a
/// row of the README's table.
#[test]
fn the_readme_lists_every_setting_with_its_default() {
    let readme = include_str!("../../../../README.md");
    let help = stdout_of(&run(&["--help"], &[]));
    let rows: Vec<Vec<&str>> = help
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("flag "))
        .skip(1)
        .map(|line| line.split_whitespace().collect())
        .filter(|cells: &Vec<&str>| cells.len() == 4)
        .collect();
    assert!(rows.len() > 10, "the listing is found: {help}");
    for cells in rows {
        let [flag, env, key, default] = [cells[0], cells[1], cells[2], cells[3]];
        let default = if default == "unset" {
            "unset".to_owned()
        } else {
            format!("`{default}`")
        };
        assert!(
            readme.lines().any(|line| {
                line.starts_with(&format!("| `{flag}` | `{env}` | `{key}` | {default} |"))
            }),
            "the README has no row `| `{flag}` | `{env}` | `{key}` | {default} | …`"
        );
    }
}

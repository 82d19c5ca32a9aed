//! Where a setting's value comes from, first found first: a command-line
//! flag, then an environment variable, then the configuration file
//! (`--config`, `KEYSCOPE_CONFIG`), then the setting's default.
//!
//! clap already ranks flags over variables over defaults. The file is slid
//! in beneath the variables by making its values the arguments' defaults
//! before the command line is read for good, so a flag or a variable still
//! wins, and a value from the file goes through its setting's own value
//! parser like a value given any other way. Chosen over `figment` or
//! `config`, which would need every setting declared a second time (a serde
//! struct beside the clap one) and a bridge to tell where a value came
//! from: here clap's `ArgMatches::value_source` tells it, and the `toml`
//! crate only turns the file into a table.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command, CommandFactory};
use std::any::TypeId;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The global argument naming the configuration file: not a setting itself
/// (a file cannot name itself).
const CONFIG: &str = "config";

const PRECEDENCE: &str = "Precedence: command-line flag > environment variable > \
configuration file (--config, KEYSCOPE_CONFIG) > default. In the file each \
setting's key is its flag's name with `_` for `-` (`--data-dir`: `data_dir`).";

/// Why the command line is not run.
#[derive(Debug)]
pub enum Refusal {
    /// clap's own verdict: a usage error, or `--help` and `--version`.
    Clap(clap::Error),
    /// A wrong setting or configuration file, explained.
    Setting(String),
}

impl Refusal {
    /// Writes the refusal to the terminal and gives the exit code: 2 for a
    /// wrong setting or usage, 0 after `--help`.
    pub fn report(&self) -> ExitCode {
        match self {
            Self::Clap(error) => {
                let _ = error.print();
                ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
            }
            Self::Setting(message) => {
                eprintln!("error: {message}");
                ExitCode::from(2)
            }
        }
    }
}

/// The command line as read, and what it was read against.
pub struct Loaded {
    pub matches: ArgMatches,
    /// The command `matches` came from, with the file's values as defaults:
    /// the settings' declarations.
    command: Command,
    file: Option<ConfigFile>,
}

/// The settings found in the configuration file.
struct ConfigFile {
    path: PathBuf,
    /// Each setting's value as text, for its value parser.
    values: BTreeMap<String, String>,
}

/// Reads `args` (the program's name first), the environment and the
/// configuration file it names.
pub fn load(args: Vec<OsString>) -> Result<Loaded, Refusal> {
    let command = command();
    // A first reading only to find the configuration file; it also refuses
    // a wrong flag or variable before the file is opened.
    let first = command
        .clone()
        .try_get_matches_from(&args)
        .map_err(|error| explain(error, &command, &args))?;
    let file = match innermost(&first).get_one::<PathBuf>(CONFIG) {
        Some(path) => Some(ConfigFile::read(path, &command)?),
        None => None,
    };
    let mut command = match &file {
        Some(file) => each_setting(command, &|arg| file.as_default(arg)),
        None => command,
    };
    let matches = command
        .try_get_matches_from_mut(&args)
        .map_err(|error| explain(error, &command, &args))?;
    Ok(Loaded {
        matches,
        command,
        file,
    })
}

/// The derived command line, with what all settings share: on/off
/// settings that take `=false`, and the list of settings in the help.
fn command() -> Command {
    let command = each_setting(super::Cli::command(), &on_off);
    let listing = settings_listing(&command);
    command
        .after_help(listing)
        .mut_subcommand("serve", |serve| serve.after_help(PRECEDENCE))
        .mut_subcommand("config", |config| {
            config.mut_subcommand("print", |print| print.after_help(PRECEDENCE))
        })
}

/// A setting: an argument with an environment variable.
fn is_setting(arg: &Arg) -> bool {
    arg.get_env().is_some() && arg.get_id() != CONFIG
}

/// Secret settings are those whose variable's value `--help` hides.
fn is_secret(arg: &Arg) -> bool {
    arg.is_hide_env_values_set()
}

/// Every setting of `command` and of its subcommands, changed by `change`.
fn each_setting(command: Command, change: &impl Fn(Arg) -> Arg) -> Command {
    command
        .mut_args(|arg| if is_setting(&arg) { change(arg) } else { arg })
        .mut_subcommands(|subcommand| each_setting(subcommand, change))
}

/// The settings, as `keyscope serve` declares them: the file may hold any
/// of them, and operator commands read those they share with it.
fn settings(command: &Command) -> Vec<&Arg> {
    command
        .find_subcommand("serve")
        .map(|serve| {
            serve
                .get_arguments()
                .filter(|arg| is_setting(arg))
                .collect()
        })
        .unwrap_or_default()
}

/// An on/off setting also takes `--demo=false`, so the command line can
/// turn off what the file or the environment turned on; and `yes`/`no`,
/// `1`/`0`, `on`/`off` besides `true`/`false`.
fn on_off(arg: Arg) -> Arg {
    if !matches!(arg.get_action(), ArgAction::SetTrue) {
        return arg;
    }
    arg.action(ArgAction::Set)
        .num_args(0..=1)
        .require_equals(true)
        .default_value("false")
        .default_missing_value("true")
        .value_name("BOOL")
        .value_parser(clap::builder::BoolishValueParser::new())
}

/// Every setting with its flag, variable, file key and default, for the
/// top-level `--help`.
fn settings_listing(command: &Command) -> String {
    let rows: Vec<[String; 4]> = settings(command)
        .into_iter()
        .map(|arg| {
            [
                flag_of(arg),
                env_of(arg),
                arg.get_id().to_string(),
                default_of(arg),
            ]
        })
        .collect();
    let header = [
        "flag".to_owned(),
        "environment".to_owned(),
        "file key".to_owned(),
        "default".to_owned(),
    ];
    let mut widths = [0; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut listing = format!(
        "Settings of `serve` and `config print` (operator commands read the data \
         and log settings); `keyscope serve --help` says what each does.\n{PRECEDENCE}\n\n"
    );
    for row in std::iter::once(&header).chain(&rows) {
        let line = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect::<Vec<_>>()
            .join("  ");
        let _ = writeln!(listing, "  {}", line.trim_end());
    }
    listing
}

fn flag_of(arg: &Arg) -> String {
    format!(
        "--{}",
        arg.get_long().unwrap_or_else(|| arg.get_id().as_str())
    )
}

fn env_of(arg: &Arg) -> String {
    arg.get_env()
        .map(|env| env.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn default_of(arg: &Arg) -> String {
    let defaults: Vec<_> = arg
        .get_default_values()
        .iter()
        .map(|value| value.to_string_lossy())
        .collect();
    if defaults.is_empty() {
        "unset".to_owned()
    } else {
        defaults.join(" ")
    }
}

/// The matches of the subcommand that runs (`serve`, `config print`, ...).
fn innermost(matches: &ArgMatches) -> &ArgMatches {
    let mut innermost = matches;
    while let Some((_, subcommand)) = innermost.subcommand() {
        innermost = subcommand;
    }
    innermost
}

impl ConfigFile {
    fn read(path: &Path, command: &Command) -> Result<Self, Refusal> {
        let shown = path.display();
        let text = std::fs::read_to_string(path).map_err(|error| {
            Refusal::Setting(format!(
                "cannot read the configuration file {shown} (--config, KEYSCOPE_CONFIG): {error}"
            ))
        })?;
        let table: toml::Table = text.parse().map_err(|error| {
            Refusal::Setting(format!(
                "the configuration file {shown} is not valid TOML: {error}"
            ))
        })?;
        let settings = settings(command);
        let mut values = BTreeMap::new();
        for (key, value) in table {
            let Some(arg) = settings.iter().find(|arg| arg.get_id() == key.as_str()) else {
                let known: Vec<_> = settings.iter().map(|arg| arg.get_id().as_str()).collect();
                return Err(Refusal::Setting(format!(
                    "unknown setting `{key}` in the configuration file {shown}; the settings are {}",
                    known.join(", ")
                )));
            };
            let text = match value {
                toml::Value::String(text) => text,
                toml::Value::Integer(number) => number.to_string(),
                toml::Value::Boolean(on) => on.to_string(),
                other => {
                    return Err(Refusal::Setting(format!(
                        "setting `{key}` in the configuration file {shown} ({}) must be a \
                         string, a whole number or true/false, not of type {}",
                        names_of(arg),
                        other.type_str()
                    )))
                }
            };
            // Checked here, even if a flag or variable overrides it, so that
            // the error names the file; clap would name only the flag.
            check(arg, &text).map_err(|error| {
                Refusal::Setting(invalid(
                    arg,
                    error.get(ContextKind::InvalidValue),
                    &reason_of(&error),
                    &format!("in the configuration file {shown}"),
                ))
            })?;
            values.insert(key, text);
        }
        Ok(Self {
            path: path.to_path_buf(),
            values,
        })
    }

    fn as_default(&self, arg: Arg) -> Arg {
        match self.values.get(arg.get_id().as_str()) {
            Some(value) => arg.default_value(value.clone()),
            None => arg,
        }
    }
}

/// Runs `text` through the setting's value parser: a command of this one
/// argument, with `text` its default and nothing else to read.
fn check(arg: &Arg, text: &str) -> Result<(), clap::Error> {
    let alone = arg
        .clone()
        .env(None::<&str>)
        .global(false)
        .required(false)
        .default_value(text.to_owned());
    Command::new("keyscope")
        .no_binary_name(true)
        .arg(alone)
        .try_get_matches_from(Vec::<OsString>::new())
        .map(drop)
}

/// A refusal naming the setting a wrong value was for, with every name it
/// goes by; clap's own error for anything else.
fn explain(error: clap::Error, command: &Command, args: &[OsString]) -> Refusal {
    if !matches!(
        error.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return Refusal::Clap(error);
    }
    let long = match error.get(ContextKind::InvalidArg) {
        // Shown as `--listen <LISTEN>` or `--demo[=<BOOL>]`.
        Some(ContextValue::String(shown)) => shown
            .trim_start_matches('-')
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .next()
            .unwrap_or_default()
            .to_owned(),
        _ => return Refusal::Clap(error),
    };
    let settings = settings(command);
    let Some(arg) = settings.iter().find(|arg| arg.get_long() == Some(&long)) else {
        return Refusal::Clap(error);
    };
    let flag = flag_of(arg);
    let on_command_line = args.iter().skip(1).any(|given| {
        given.to_str().is_some_and(|given| {
            given == flag
                || given
                    .strip_prefix(flag.as_str())
                    .is_some_and(|rest| rest.starts_with('='))
        })
    });
    let from = if on_command_line {
        "on the command line".to_owned()
    } else {
        format!("in the environment variable {}", env_of(arg))
    };
    Refusal::Setting(invalid(
        arg,
        error.get(ContextKind::InvalidValue),
        &reason_of(&error),
        &from,
    ))
}

/// `invalid value 'x' for setting listen (...) on the command line: why`;
/// a secret's value is left out, since errors reach terminals and logs.
fn invalid(arg: &Arg, value: Option<&ContextValue>, reason: &str, from: &str) -> String {
    let value = match value {
        Some(ContextValue::String(value)) if !is_secret(arg) => format!("'{value}' "),
        _ => String::new(),
    };
    format!(
        "invalid value {value}for setting `{}` ({}) {from}: {reason}",
        arg.get_id(),
        names_of(arg)
    )
}

fn names_of(arg: &Arg) -> String {
    format!(
        "flag {}, environment variable {}, file key `{}`",
        flag_of(arg),
        env_of(arg),
        arg.get_id()
    )
}

fn reason_of(error: &clap::Error) -> String {
    if let Some(source) = std::error::Error::source(error) {
        return source.to_string();
    }
    match error.get(ContextKind::ValidValue) {
        Some(ContextValue::Strings(valid)) => format!("expected one of {}", valid.join(", ")),
        _ => error
            .kind()
            .as_str()
            .unwrap_or("not a valid value")
            .to_owned(),
    }
}

impl Loaded {
    /// The settings of the command that runs as TOML, each value commented
    /// with where it came from; secrets as "***". Fed back as a file (the
    /// secrets filled in), it gives the same settings.
    pub fn effective_settings(&self) -> String {
        let mut command = &self.command;
        let mut matches = &self.matches;
        while let Some((name, subcommand)) = matches.subcommand() {
            match command.find_subcommand(name) {
                Some(found) => command = found,
                None => break,
            }
            matches = subcommand;
        }
        let file = match &self.file {
            Some(file) => file.path.display().to_string(),
            None => "none".to_owned(),
        };
        let mut text = format!(
            "# The settings `keyscope serve` runs with, from `keyscope config print`.\n\
             # {PRECEDENCE}\n\
             # Configuration file: {file}.\n\
             # Secrets show as \"***\": write in the real values before using this as a file.\n\n"
        );
        let lines: Vec<(String, String)> = command
            .get_arguments()
            .filter(|arg| is_setting(arg))
            .map(|arg| self.line(arg, matches))
            .collect();
        let width = lines.iter().map(|(line, _)| line.len()).max().unwrap_or(0);
        for (line, source) in lines {
            let _ = writeln!(text, "{line:width$}  # {source}");
        }
        text
    }

    /// `key = value` (or a comment when unset), and where the value came
    /// from.
    fn line(&self, arg: &Arg, matches: &ArgMatches) -> (String, String) {
        let id = arg.get_id().as_str();
        let raw = matches
            .get_raw(id)
            .and_then(|mut values| values.next())
            .map(|value| value.to_string_lossy().into_owned());
        let source = match matches.value_source(id) {
            Some(ValueSource::CommandLine) => format!("flag {}", flag_of(arg)),
            Some(ValueSource::EnvVariable) => format!("env {}", env_of(arg)),
            Some(ValueSource::DefaultValue)
                if self
                    .file
                    .as_ref()
                    .is_some_and(|file| file.values.contains_key(id)) =>
            {
                "file".to_owned()
            }
            _ => "default".to_owned(),
        };
        let Some(raw) = raw else {
            return (format!("# {id} is unset"), source);
        };
        let value = if is_secret(arg) && !raw.is_empty() {
            toml_string("***")
        } else {
            toml_value(arg, matches, &raw)
        };
        (format!("{id} = {value}"), source)
    }
}

/// A value as TOML: on/off settings as booleans, counts as integers,
/// everything else (addresses, paths, names) as a string.
fn toml_value(arg: &Arg, matches: &ArgMatches, raw: &str) -> String {
    let kind = arg.get_value_parser().type_id();
    if kind == TypeId::of::<bool>() {
        if let Ok(Some(on)) = matches.try_get_one::<bool>(arg.get_id().as_str()) {
            return on.to_string();
        }
    }
    let whole_numbers = [
        TypeId::of::<u8>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<i32>(),
        TypeId::of::<i64>(),
        TypeId::of::<std::num::NonZeroU16>(),
        TypeId::of::<std::num::NonZeroU32>(),
        TypeId::of::<std::num::NonZeroU64>(),
        TypeId::of::<std::num::NonZeroUsize>(),
    ];
    if whole_numbers.iter().any(|number| kind == *number) {
        if let Ok(number) = raw.trim().parse::<i64>() {
            return number.to_string();
        }
    }
    toml_string(raw)
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_from(args: &[&str]) -> Result<Loaded, Refusal> {
        load(args.iter().map(OsString::from).collect())
    }

    fn refusal_text(refusal: Refusal) -> String {
        match refusal {
            Refusal::Setting(message) => message,
            Refusal::Clap(error) => panic!("a setting's refusal, not clap's: {error}"),
        }
    }

    #[test]
    fn the_command_line_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn every_setting_has_a_flag_and_a_help() {
        let command = command();
        let settings = settings(&command);
        assert!(settings.len() > 10, "the settings are found");
        for arg in settings {
            assert!(arg.get_long().is_some(), "{} has a flag", arg.get_id());
            assert!(arg.get_help().is_some(), "{} has a help", arg.get_id());
        }
    }

    #[test]
    fn a_wrong_flag_is_refused_naming_every_name_of_its_setting() {
        let message = refusal_text(
            load_from(&["keyscope", "serve", "--gateway-timeout-seconds", "0"])
                .err()
                .expect("refused"),
        );
        assert!(
            message.contains("`gateway_timeout_seconds`")
                && message.contains("--gateway-timeout-seconds")
                && message.contains("KEYSCOPE_GATEWAY_TIMEOUT_SECONDS")
                && message.contains("on the command line"),
            "{message}"
        );
    }

    #[test]
    fn a_wrong_secret_is_refused_without_its_value() {
        let message = refusal_text(
            load_from(&["keyscope", "serve", "--master-key", "not-hex-at-all"])
                .err()
                .expect("refused"),
        );
        assert!(message.contains("`master_key`"), "{message}");
        assert!(!message.contains("not-hex-at-all"), "{message}");
    }

    #[test]
    fn on_off_settings_take_false_on_the_command_line() {
        let loaded =
            load_from(&["keyscope", "serve", "--demo=false", "--secure-cookies"]).expect("read");
        let serve = innermost(&loaded.matches);
        assert_eq!(serve.get_one::<bool>("demo"), Some(&false));
        assert_eq!(serve.get_one::<bool>("secure_cookies"), Some(&true));
    }
}

//! Splits the web app's wasm into lazily loaded chunks, between cargo and
//! wasm-bindgen.
//!
//! trunk 0.21 has no step of its own there, so `make web` puts
//! `scripts/wasm-split/wasm-bindgen` first on PATH: trunk calls it as it would
//! call wasm-bindgen, and it runs this with the same arguments. When the wasm
//! carries split points (Leptos' lazy routes, built with `--cfg
//! keyscope_split` and linked with `--emit-relocs`), this
//!
//! 1. splits it: the main module, plus one module per lazy route and one per
//!    group of routes that share code, with a JS loader that fetches them;
//! 2. runs the real wasm-bindgen on the main module, keeping the linker's
//!    exports that the chunks import;
//! 3. optimises each chunk with wasm-opt (trunk optimises only the main
//!    module) and leaves chunks and loader in `<out-dir>/wasm-split/`, which
//!    trunk's post-build hook (`scripts/wasm-split/stage.sh`) copies into the
//!    site as `wasm-split/`.
//!
//! Any other call (`--version`, a wasm without split points) goes to
//! wasm-bindgen unchanged, so a plain `trunk build` or `trunk serve` still
//! works: lazy routes are then ordinary async views.

use anyhow::{bail, Context};
use std::ffi::OsString;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory, under wasm-bindgen's `--out-dir` and under the site root,
/// that holds the chunks and their loader.
const SPLIT_DIR: &str = "wasm-split";
const LOADER: &str = "loader.js";
/// The custom section wasm_split_helpers writes for each split point.
const SPLIT_POINT_SECTION: &[u8] = b"__wasm_split_unstable";

fn main() -> anyhow::Result<()> {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let Some(call) = BindgenCall::parse(&args) else {
        return wasm_bindgen(&args);
    };
    let input =
        std::fs::read(&call.input).with_context(|| format!("reading {}", call.input.display()))?;
    let split_dir = call.out_dir.join(SPLIT_DIR);
    if split_dir.exists() {
        std::fs::remove_dir_all(&split_dir)
            .with_context(|| format!("clearing {}", split_dir.display()))?;
    }
    if !contains(&input, SPLIT_POINT_SECTION) {
        return wasm_bindgen(&args);
    }

    let main_wasm = call.out_dir.join(format!("{}_split.wasm", call.out_name));
    // The loader sits in SPLIT_DIR beside the site's main module, which trunk
    // names `<out-name>-<SeaHash of the input wasm, hex>.js`.
    let main_module = format!("../{}-{:x}.js", call.out_name, trunk_file_hash(&input)?);
    let link_name = format!("./{SPLIT_DIR}/{LOADER}");
    // The splitter writes the loader at `output_dir/link_name`, the path the
    // main module imports it by; it moves up beside the chunks below.
    let written_loader = split_dir.join(&link_name);
    if let Some(nested) = written_loader.parent() {
        std::fs::create_dir_all(nested)
            .with_context(|| format!("creating {}", nested.display()))?;
    }
    let split = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&input);
        options.output_dir = &split_dir;
        options.main_out_path = &main_wasm;
        options.link_name = &link_name;
        options.main_module = &main_module;
        options
    })
    .map_err(|error| anyhow::anyhow!("splitting {}: {error:?}", call.input.display()))?;
    std::fs::rename(&written_loader, split_dir.join(LOADER))
        .with_context(|| format!("moving {}", written_loader.display()))?;
    if let Some(nested) = written_loader.parent() {
        let _ = std::fs::remove_dir(nested);
    }

    let mut bindgen_args: Vec<OsString> = args
        .iter()
        .map(|arg| {
            if Path::new(arg) == call.input {
                main_wasm.clone().into_os_string()
            } else {
                arg.clone()
            }
        })
        .collect();
    bindgen_args.push("--keep-lld-exports".into());
    wasm_bindgen(&bindgen_args)?;

    for chunk in &split.split_modules {
        let status = Command::new("wasm-opt")
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
            ])
            .arg(chunk)
            .arg("-o")
            .arg(chunk)
            .status()
            .context("running wasm-opt (npm's binaryen, node_modules/.bin)")?;
        if !status.success() {
            bail!("wasm-opt failed on {}", chunk.display());
        }
    }
    eprintln!(
        "keyscope-wasm-split: {} lazily loaded chunks in {}",
        split.split_modules.len(),
        split_dir.display()
    );
    Ok(())
}

/// What trunk asked wasm-bindgen for.
struct BindgenCall {
    input: PathBuf,
    out_dir: PathBuf,
    out_name: String,
}

impl BindgenCall {
    fn parse(args: &[OsString]) -> Option<Self> {
        let mut input = None;
        let mut out_dir = None;
        let mut out_name = None;
        for arg in args.iter().filter_map(|arg| arg.to_str()) {
            if let Some(value) = arg.strip_prefix("--out-dir=") {
                out_dir = Some(PathBuf::from(value));
            } else if let Some(value) = arg.strip_prefix("--out-name=") {
                out_name = Some(value.to_owned());
            } else if arg.ends_with(".wasm") {
                input = Some(PathBuf::from(arg));
            }
        }
        Some(Self {
            input: input?,
            out_dir: out_dir?,
            out_name: out_name?,
        })
    }
}

/// The real wasm-bindgen: the wrapper script has taken itself off PATH.
fn wasm_bindgen(args: &[OsString]) -> anyhow::Result<()> {
    let status = Command::new("wasm-bindgen")
        .args(args)
        .status()
        .context("running wasm-bindgen")?;
    if !status.success() {
        std::process::exit(status.code().unwrap_or(1));
    }
    Ok(())
}

/// trunk's cache-busting hash of a file: SeaHash over its bytes, streamed.
fn trunk_file_hash(bytes: &[u8]) -> anyhow::Result<u64> {
    let mut hasher = seahash::SeaHasher::new();
    std::io::copy(&mut &bytes[..], &mut hasher)?;
    Ok(hasher.finish())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

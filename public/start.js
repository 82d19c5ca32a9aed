// Starts the console: what trunk's default inline initializer does, as a
// file, so that the Content-Security-Policy can forbid inline script.
// Trunk.toml's `pattern_script` writes this tag with the hashed names of the
// app's JS module and wasm in its data attributes. A module script runs
// after the document is parsed, and after the deferred ECharts before it.
const { appJs, appWasm } = document.querySelector('script[data-app-js]').dataset;
const bindings = await import(appJs);
const wasm = await bindings.default({ module_or_path: appWasm });
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));

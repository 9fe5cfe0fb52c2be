//! The `<head>` tags that load the bundle: its stylesheet, its JS glue and its WASM, under the
//! names the build gave them.
//!
//! In place of Leptos's `HashedStylesheet` and `HydrationScripts`, for three reasons. Its
//! `modulepreload` link carries no nonce, so under the page's nonce-based CSP the browser refuses
//! it and fetches the JS glue only once the page has been parsed. Its script, a deferred module,
//! starts loading the bundle only then too. And both read `hash.txt` again on every page.

use std::{path::PathBuf, sync::OnceLock};

use leptos::{config::LeptosOptions, nonce::use_nonce, prelude::*};

/// The bundle's file names (without extension), read once: `hash.txt` does not change while the
/// server runs.
struct Names {
    stem_css: String,
    stem_js: String,
    stem_wasm: String,
    /// The loader of the WASM chunks fetched on first use (`--split`), which the JS glue imports.
    split_js: String,
}

impl Names {
    fn get(options: &LeptosOptions) -> &'static Names {
        static NAMES: OnceLock<Names> = OnceLock::new();
        NAMES.get_or_init(|| Names::read(options))
    }

    /// The server refuses to start when `hash_files` is on and `hash.txt` is missing, so a file
    /// that cannot be read here leaves the plain names.
    fn read(options: &LeptosOptions) -> Names {
        let hashes = if options.hash_files {
            std::env::current_exe()
                .ok()
                .and_then(|binary| Some(binary.parent()?.join(options.hash_file.as_ref())))
                .and_then(|path: PathBuf| std::fs::read_to_string(path).ok())
                .unwrap_or_default()
        } else {
            String::new()
        };
        let hash = |kind: &str| {
            hashes.lines().find_map(|line| {
                let (file, hash) = line.split_once(':')?;
                (file.trim() == kind).then(|| hash.trim())
            })
        };
        let stem = |kind: &str| match hash(kind) {
            Some(hash) => format!("{}.{hash}", options.output_name),
            None => options.output_name.to_string(),
        };
        Names {
            stem_css: stem("css"),
            stem_js: stem("js"),
            stem_wasm: stem("wasm"),
            // Unhashed, cargo-leptos names it with underscores in place of the hash.
            split_js: format!(
                "__wasm_split.{}.js",
                hash("split").unwrap_or("______________________")
            ),
        }
    }
}

/// The stylesheet; `id="leptos"` is where `cargo leptos watch` swaps in a changed one.
#[component]
pub fn BundleStylesheet(options: LeptosOptions) -> impl IntoView {
    let names = Names::get(&options);
    let href = format!("/{}/{}.css", options.site_pkg_dir, names.stem_css);
    view! { <link id="leptos" rel="stylesheet" href=href /> }
}

/// Preloads the JS glue and the WASM, and a script that starts compiling the WASM at once, while
/// the page is still being parsed, then hydrates the page once it has been parsed whole (the
/// resources serialized at its end included).
#[component]
pub fn BundleScripts(options: LeptosOptions) -> impl IntoView {
    let names = Names::get(&options);
    let pkg = &options.site_pkg_dir;
    let js = format!("/{pkg}/{}.js", names.stem_js);
    let wasm = format!("/{pkg}/{}.wasm", names.stem_wasm);
    let split_js = format!("/{pkg}/{}", names.split_js);
    let script = format!(
        "const bundle = import({js:?}).then((glue) => \
         glue.default({{ module_or_path: {wasm:?} }}).then(() => glue));\
         const hydrate = () => bundle.then((glue) => glue.hydrate());\
         if (document.readyState === \"loading\") {{ \
         document.addEventListener(\"DOMContentLoaded\", hydrate, {{ once: true }}); \
         }} else {{ hydrate(); }}"
    );
    let nonce = use_nonce();
    view! {
        <link rel="modulepreload" href=js nonce=nonce.clone() />
        // The glue imports it: without this, its fetch would wait for the glue's.
        <link rel="modulepreload" href=split_js nonce=nonce.clone() />
        // `fetch()` in the glue asks in CORS mode; a preload must too, or it is not reused.
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="anonymous" />
        <script type="module" async nonce=nonce>
            {script}
        </script>
    }
}

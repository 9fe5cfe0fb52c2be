//! Turns the catalogs in `locales/` into code: one function per message (`tr::activity_title()`,
//! `tr::retry_in(seconds)`), whose parameters are the message's placeholders, so a call that
//! names a missing key or forgets a value does not compile. A locale that lacks a message
//! English has, has one English lacks, names other placeholders, or lacks a plural form its
//! language needs is a warning of the build and fails `make test` (the list is
//! `catalogs::PROBLEMS`, which a test asserts empty); meanwhile that message is shown in
//! English. A malformed English catalog fails the build.
//!
//! Layout: `locales/<locale>/<group>.json` holds what both the page and the server read;
//! `locales/<locale>/server/<group>.json` what only the server reads (mails, the HTML it makes
//! itself), which never goes to the browser. A message is a string, or an object of plural
//! forms keyed by CLDR category, with `{count}` for the number.

use std::{
    collections::{BTreeMap, BTreeSet},
    env,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
};

use serde_json::Value;

/// The locales, English first: what a message falls back to and what the others are checked
/// against. Each with the plural categories its language has (CLDR 47 `plurals.xml`, which
/// `Intl.PluralRules` in current browsers and ICU4X 2.x on the server follow).
const LOCALES: [(&str, &[&str]); 6] = [
    ("en", &["one", "other"]),
    ("de", &["one", "other"]),
    ("fr", &["one", "many", "other"]),
    ("es", &["one", "many", "other"]),
    ("ja", &["other"]),
    ("ar", &["zero", "one", "two", "few", "many", "other"]),
];

#[derive(Clone, Debug, PartialEq)]
enum Message {
    Text(String),
    Plural(BTreeMap<String, String>),
}

impl Message {
    fn placeholders(&self) -> BTreeSet<String> {
        match self {
            Message::Text(text) => placeholders(text),
            Message::Plural(forms) => forms.values().flat_map(|form| placeholders(form)).collect(),
        }
    }
}

/// A message: its group, its key, and whether the browser reads it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Id {
    /// Shared messages first: the browser's list is the start of the server's.
    server_only: bool,
    group: String,
    key: String,
}

impl Id {
    fn function(&self) -> String {
        format!("{}_{}", self.group, self.key)
    }
    fn name(&self) -> String {
        let side = if self.server_only { "server/" } else { "" };
        format!("{side}{}.json: {}", self.group, self.key)
    }
}

type Catalog = BTreeMap<Id, Message>;

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("locales");
    println!("cargo::rerun-if-changed={}", root.display());
    let catalogs: Vec<Catalog> = LOCALES
        .iter()
        .map(|(locale, _)| read_locale(&root.join(locale)))
        .collect();
    let mut problems = Vec::new();
    let english = &catalogs[0];
    let mut catalogs = catalogs.clone();
    let mut functions = BTreeSet::new();
    for (id, message) in english {
        if !functions.insert(id.function()) {
            problems.push(format!(
                "en/{}: its function, tr::{}, is another message's too",
                id.name(),
                id.function()
            ));
        }
        if !is_identifier(&id.group) || !is_identifier(&id.key) {
            problems.push(format!(
                "en/{}: names are lower_snake_case, for the function they become",
                id.name()
            ));
        }
        if let Message::Plural(forms) = message
            && !placeholders_of_forms(forms).contains("count")
        {
            problems.push(format!(
                "en/{}: a plural message names {{count}}",
                id.name()
            ));
        }
    }
    if !problems.is_empty() {
        panic!(
            "the English catalogs are malformed:\n  {}",
            problems.join("\n  ")
        );
    }
    for ((locale, categories), catalog) in LOCALES.iter().zip(catalogs.iter_mut()) {
        check(locale, categories, english, catalog, &mut problems);
    }
    for problem in &problems {
        println!("cargo::warning=locales/{problem}");
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    fs::write(out.join("messages.rs"), messages_code(english)).expect("OUT_DIR is writable");
    fs::write(out.join("catalogs.rs"), catalogs_code(&catalogs, &problems))
        .expect("OUT_DIR is writable");
}

fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn read_locale(dir: &Path) -> Catalog {
    let mut catalog = Catalog::new();
    for (sub, server_only) in [(dir.to_path_buf(), false), (dir.join("server"), true)] {
        let Ok(entries) = fs::read_dir(&sub) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        files.sort();
        for file in files {
            let group = file
                .file_stem()
                .and_then(|stem| stem.to_str())
                .expect("UTF-8 file names")
                .to_owned();
            let text = fs::read_to_string(&file)
                .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
            let json: Value = serde_json::from_str(&text)
                .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
            let Value::Object(messages) = json else {
                panic!("{}: an object of messages", file.display());
            };
            for (key, value) in messages {
                let message = match value {
                    Value::String(text) => Message::Text(text),
                    Value::Object(forms) => Message::Plural(
                        forms
                            .into_iter()
                            .map(|(category, form)| match form {
                                Value::String(form) => (category, form),
                                _ => panic!("{}: {key}.{category}: a string", file.display()),
                            })
                            .collect(),
                    ),
                    _ => panic!("{}: {key}: a string or plural forms", file.display()),
                };
                let id = Id {
                    server_only,
                    group: group.clone(),
                    key,
                };
                catalog.insert(id, message);
            }
        }
    }
    catalog
}

/// Notes what is wrong with `catalog`, and puts English in the place of each message that is.
fn check(
    locale: &str,
    categories: &[&str],
    english: &Catalog,
    catalog: &mut Catalog,
    problems: &mut Vec<String>,
) {
    for id in catalog.keys().filter(|id| !english.contains_key(id)) {
        problems.push(format!("{locale}/{}: not in English", id.name()));
    }
    catalog.retain(|id, _| english.contains_key(id));
    for (id, source) in english {
        let Some(message) = catalog.get(id) else {
            problems.push(format!("{locale}/{}: missing", id.name()));
            catalog.insert(id.clone(), source.clone());
            continue;
        };
        let flawed = problems.len();
        let name = format!("{locale}/{}", id.name());
        match (source, message) {
            (Message::Text(_), Message::Text(text)) => {
                if text.trim().is_empty() {
                    problems.push(format!("{name}: empty"));
                }
            }
            (Message::Plural(_), Message::Plural(forms)) => {
                let have: BTreeSet<&str> = forms.keys().map(String::as_str).collect();
                let want: BTreeSet<&str> = categories.iter().copied().collect();
                if have != want {
                    problems.push(format!(
                        "{name}: plural forms {have:?}, where {locale} has {want:?}"
                    ));
                }
                for (category, form) in forms {
                    let extra: Vec<String> = placeholders(form)
                        .difference(&source.placeholders())
                        .cloned()
                        .collect();
                    if !extra.is_empty() || form.trim().is_empty() {
                        problems.push(format!("{name}.{category}: empty, or names {extra:?}"));
                    }
                }
            }
            _ => problems.push(format!("{name}: plural in one locale, not in the other")),
        }
        // A plural form may leave the number out ("a minute ago", Arabic's dual); otherwise
        // each locale names exactly English's placeholders.
        let mut want = source.placeholders();
        let mut have = message.placeholders();
        if matches!(source, Message::Plural(_)) {
            want.remove("count");
            have.remove("count");
        }
        if want != have {
            problems.push(format!(
                "{name}: placeholders {have:?}, where English has {want:?}"
            ));
        }
        if unbalanced(message) {
            problems.push(format!("{name}: a {{ or }} without its pair"));
        }
        if problems.len() > flawed {
            catalog.insert(id.clone(), source.clone());
        }
    }
}

fn placeholders_of_forms(forms: &BTreeMap<String, String>) -> BTreeSet<String> {
    forms.values().flat_map(|form| placeholders(form)).collect()
}

/// The `{name}`s of a text.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        names.insert(after[..end].to_owned());
        rest = &after[end + 1..];
    }
    names
}

fn unbalanced(message: &Message) -> bool {
    let texts: Vec<&String> = match message {
        Message::Text(text) => vec![text],
        Message::Plural(forms) => forms.values().collect(),
    };
    texts.iter().any(|text| {
        let mut open = false;
        for c in text.chars() {
            match (c, open) {
                ('{', false) => open = true,
                ('}', true) => open = false,
                ('{' | '}', _) => return true,
                _ => {}
            }
        }
        open
    })
}

/// The functions, shared by both builds: each looks its message up by index in the active
/// locale's list.
fn messages_code(english: &Catalog) -> String {
    let shared = english.keys().filter(|id| !id.server_only).count();
    let mut code = String::new();
    writeln!(code, "/// How many messages the page reads.").unwrap();
    writeln!(code, "pub const SHARED_MESSAGES: usize = {shared};").unwrap();
    for (index, (id, message)) in english.iter().enumerate() {
        let doc = match message {
            Message::Text(text) => text.clone(),
            Message::Plural(forms) => forms.get("other").cloned().unwrap_or_default(),
        };
        writeln!(code, "/// {}", doc.replace('\n', " ")).unwrap();
        if id.server_only {
            writeln!(code, "#[cfg(feature = \"ssr\")]").unwrap();
        }
        let function = id.function();
        let mut names: Vec<String> = message.placeholders().into_iter().collect();
        let plural = matches!(message, Message::Plural(_));
        names.retain(|name| !(plural && name == "count"));
        let parameters: String = names
            .iter()
            .map(|name| format!(", {name}: impl ::std::fmt::Display"))
            .collect();
        let arguments: String = names
            .iter()
            .map(|name| format!("(\"{name}\", &{name} as &dyn ::std::fmt::Display), "))
            .collect();
        match (plural, names.is_empty()) {
            (false, true) => writeln!(
                code,
                "pub fn {function}() -> &'static str {{ super::text({index}) }}"
            ),
            (false, false) => writeln!(
                code,
                "pub fn {function}({}) -> String {{ super::fill(super::text({index}), &[{arguments}]) }}",
                &parameters[2..]
            ),
            (true, _) => writeln!(
                code,
                "pub fn {function}(count: u64{parameters}) -> String {{ super::fill(super::plural({index}, count), &[(\"count\", &count as &dyn ::std::fmt::Display), {arguments}]) }}"
            ),
        }
        .unwrap();
    }
    code
}

/// The server's tables: every locale's messages, and for each locale the JSON list of the
/// shared ones that the page's shell carries to the browser.
fn catalogs_code(catalogs: &[Catalog], problems: &[String]) -> String {
    let mut code = String::new();
    writeln!(
        code,
        "/// What disagrees with English, for a test to fail on."
    )
    .unwrap();
    writeln!(code, "#[cfg(test)]").unwrap();
    writeln!(code, "pub static PROBLEMS: &[&str] = &{problems:?};").unwrap();
    writeln!(
        code,
        "pub static CATALOGS: [&[Entry]; {}] = [",
        catalogs.len()
    )
    .unwrap();
    for catalog in catalogs {
        code.push_str("    &[\n");
        for message in catalog.values() {
            match message {
                Message::Text(text) => writeln!(code, "        Entry::Text({text:?}),"),
                Message::Plural(forms) => {
                    let forms: String = forms
                        .iter()
                        .map(|(category, form)| format!("({category:?}, {form:?}), "))
                        .collect();
                    writeln!(code, "        Entry::Plural(&[{forms}]),")
                }
            }
            .unwrap();
        }
        code.push_str("    ],\n");
    }
    code.push_str("];\n");
    writeln!(code, "pub static PAGE_JSON: [&str; {}] = [", catalogs.len()).unwrap();
    for catalog in catalogs {
        let shared: Vec<Value> = catalog
            .iter()
            .filter(|(id, _)| !id.server_only)
            .map(|(_, message)| match message {
                Message::Text(text) => Value::String(text.clone()),
                Message::Plural(forms) => Value::Object(
                    forms
                        .iter()
                        .map(|(category, form)| (category.clone(), Value::String(form.clone())))
                        .collect(),
                ),
            })
            .collect();
        // Inside `<script>`, `<` could end it: JSON may write it as an escape.
        let json = serde_json::to_string(&shared)
            .expect("strings serialize")
            .replace('<', "\\u003c");
        writeln!(code, "    {json:?},").unwrap();
    }
    code.push_str("];\n");
    code
}

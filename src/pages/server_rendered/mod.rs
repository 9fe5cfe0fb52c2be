//! The pages the server makes whole and the browser never hydrates: the start page, the
//! signed-out page, the 404, and the language menu at the foot of every page. Links and plain
//! forms are all they need, so they load no WASM and read the same without JavaScript.

pub mod home;
pub mod language_menu;
pub mod not_found;
pub mod signed_out;

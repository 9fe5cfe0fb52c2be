//! What a person sees. Components live beside the page that uses them.

pub mod address;
pub mod home;
pub mod language_menu;
pub mod not_found;
pub mod security;
pub mod signed_out;

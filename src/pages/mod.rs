//! What a person sees. Components live beside the page that uses them.

pub mod home;
pub mod not_found;
pub mod security;

//! TEMPORARY compile scaffold, replaced by the real server functions after the merge.
use crate::model::{AppError, AuthenticatorView, EnrollmentTicket, UserView};
use leptos::prelude::*;

#[server(endpoint = "me")]
pub async fn me() -> Result<UserView, AppError> {
    unimplemented!()
}
#[server(endpoint = "list_authenticators")]
pub async fn list_authenticators() -> Result<Vec<AuthenticatorView>, AppError> {
    unimplemented!()
}
#[server(endpoint = "start_enrollment")]
pub async fn start_enrollment(email: String) -> Result<EnrollmentTicket, AppError> {
    let _ = email;
    unimplemented!()
}
#[server(endpoint = "prebuilt_ui_url")]
pub async fn prebuilt_ui_url() -> Result<String, AppError> {
    unimplemented!()
}
#[server(endpoint = "remove_authenticator")]
pub async fn remove_authenticator(
    id: String,
    #[server(default)] accepts_no_fallback: bool,
) -> Result<Vec<AuthenticatorView>, AppError> {
    let _ = (id, accepts_no_fallback);
    unimplemented!()
}

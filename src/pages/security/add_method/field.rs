use leptos::prelude::*;

/// A labelled input with an optional hint and its error message underneath; the input itself
/// is the child, which points `aria-describedby` at [`described_by`].
#[component]
pub fn Field(
    id: &'static str,
    #[prop(into)] label: String,
    hint: Option<&'static str>,
    error: RwSignal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=format!("{id}-hint")>{hint}</p> })}
            {children()}
            <p class="field-error" id=format!("{id}-error") hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
        </div>
    }
}

/// What describes the input `id`: its hint, if it has one, and its error while there is one.
pub fn described_by(
    id: &'static str,
    has_hint: bool,
    error: RwSignal<Option<String>>,
) -> impl Fn() -> Option<String> + Copy {
    move || {
        let parts: Vec<String> = [
            has_hint.then(|| format!("{id}-hint")),
            error.get().map(|_| format!("{id}-error")),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// The code input, as every flow asks for it.
#[component]
pub fn CodeField(
    id: &'static str,
    #[prop(into)] label: String,
    code: RwSignal<String>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    view! {
        <Field id label hint=None error>
            <input
                id=id
                name="code"
                class="code-input"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                spellcheck="false"
                maxlength="11"
                required
                prop:value=move || code.get()
                on:input=move |event| code.set(event_target_value(&event))
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=described_by(id, false, error)
            />
        </Field>
    }
}

//! The app's two languages. The choice is shared (the app's reducer holds it and hands it
//! down as a context); at first it follows the browser's language, then the learner's
//! pick, kept in localStorage.

use yew::prelude::*;

pub use crate::lessons::Lang;

use super::persist;

pub const LANG_KEY: &str = "kvlab:lang";

thread_local! {
    /// The language in force, for code outside the components (notes that [`super::exec`]
    /// writes into a tab's transcript).
    static CURRENT: std::cell::Cell<Lang> = const { std::cell::Cell::new(Lang::En) };
}

/// The language in force (as [`use_lang`], for code that is not a component).
pub fn current() -> Lang {
    CURRENT.with(|c| c.get())
}

/// The saved choice, else the browser's language.
pub fn initial() -> Lang {
    let lang = if let Some(saved) = persist::get(LANG_KEY) {
        if saved == "ko" {
            Lang::Ko
        } else {
            Lang::En
        }
    } else {
        web_sys::window()
            .and_then(|w| w.navigator().language())
            .map_or(Lang::En, |tag| Lang::from_tag(&tag))
    };
    CURRENT.with(|c| c.set(lang));
    lang
}

pub fn save(lang: Lang) {
    CURRENT.with(|c| c.set(lang));
    let _ = persist::set(LANG_KEY, lang.code());
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = el.set_attribute("lang", lang.code());
    }
}

/// The language in force, for any component under the app.
#[hook]
pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}

/// Picks a text: `tr(lang, "Reset", "초기화")`.
pub fn tr(lang: Lang, en: &'static str, ko: &'static str) -> &'static str {
    lang.pick(en, ko)
}

/// Formats a text in the language in force: `trf!(lang, "{n} keys", "키 {n}개")`. Only
/// the chosen language's text is formatted.
macro_rules! trf {
    ($lang:expr, $en:literal, $ko:literal $(,)?) => {
        match $lang {
            $crate::lessons::Lang::En => format!($en),
            $crate::lessons::Lang::Ko => format!($ko),
        }
    };
}
pub(crate) use trf;

//! Keeping state across visits and sharing it: the keyspace and transcripts in
//! localStorage, dump.rdb files to export and import, share links that carry a command
//! script in the URL fragment, and file downloads.
//!
//! The keyspace is kept as Redis keeps it: an RDB image, what `SAVE` writes (version 10,
//! as redis-server 7.0.15 writes it, the probabilistic family as RedisBloom's module
//! values), base64-encoded under `kvlab.rdb` since localStorage holds only text. RDB
//! files carry no configuration, so beside the image a small JSON sidecar
//! (`kvlab.rdb.extra`, in the snapshot format, without keys) keeps the modifiable
//! configuration, merged back after the image is loaded. Earlier versions kept the
//! probabilistic keys in that sidecar too (their images lacked them): such a sidecar is
//! still merged, keys included, and the next save writes them into the image. An older
//! visit's whole-keyspace JSON snapshot (`kvlab.snapshot`) is read once, and replaced by
//! the image at the next save.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;

use super::engine;
use super::state::{Entry, Tab};

/// The keyspace as an RDB image, base64.
pub const RDB_KEY: &str = "kvlab.rdb";
/// What the image leaves out (the configuration), as a JSON snapshot without keys.
pub const SIDECAR_KEY: &str = "kvlab.rdb.extra";
pub const BAD_RDB_KEY: &str = "kvlab.rdb.bad";
/// The JSON snapshot of earlier versions (read once, for migration).
pub const SNAPSHOT_KEY: &str = "kvlab.snapshot";
pub const BAD_SNAPSHOT_KEY: &str = "kvlab.snapshot.bad";
pub const TRANSCRIPT_KEY: &str = "kvlab.transcript";
pub const HISTORY_KEY: &str = "kvlab.history";
pub const THEME_KEY: &str = "kvlab.theme";
/// Transcript entries kept per tab when saving.
const SAVED_ENTRIES: usize = 200;
const SHARE_PREFIX: &str = "#run=";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Stores a value; `Err` carries the browser's reason (a full quota, storage disabled).
pub fn set(key: &str, value: &str) -> Result<(), String> {
    let s = storage().ok_or("localStorage is not available")?;
    s.set_item(key, value).map_err(|e| {
        js_sys::Reflect::get(&e, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_else(|| "storage error".into())
    })
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

#[derive(Serialize, Deserialize)]
struct SavedTab {
    label: String,
    entries: Vec<Entry>,
}

/// What loading the saved state found.
pub enum Boot {
    Nothing,
    Restored(usize),
    /// An older visit's JSON snapshot was read (it becomes an RDB image at the next save).
    Migrated(usize),
    /// The saved keyspace could not be read: why, and the raw text with a file name for
    /// it (kept for download).
    Corrupt(String, String, String),
}

/// Restores the keyspace saved by an earlier visit: the RDB image and its sidecar, or
/// an older visit's JSON snapshot.
pub fn load_keyspace() -> Boot {
    if let Some(raw) = get(RDB_KEY) {
        let loaded = crate::base64::decode(&raw)
            .ok_or_else(|| "the stored image is not valid base64".to_string())
            .and_then(|image| {
                let eng = engine();
                let mut eng = eng.borrow_mut();
                let n = eng.load_rdb(&image)?;
                // The engine started from this image as redis-server starts from its
                // dump.rdb: a crash before the next save comes back to it.
                eng.core.persist.last_image = Some(image);
                Ok(n)
            });
        let n = match loaded {
            Ok(n) => n,
            Err(e) => {
                let _ = set(BAD_RDB_KEY, &raw);
                remove(RDB_KEY);
                return Boot::Corrupt(e, raw, "kvlab-unreadable-dump.rdb.base64".into());
            }
        };
        let Some(extra) = get(SIDECAR_KEY) else {
            return Boot::Restored(n);
        };
        let merged = engine().borrow_mut().merge_json(&extra);
        return match merged {
            Ok(m) => Boot::Restored(n + m),
            Err(e) => {
                let _ = set(BAD_SNAPSHOT_KEY, &extra);
                remove(SIDECAR_KEY);
                Boot::Corrupt(
                    e.to_string(),
                    extra,
                    "kvlab-unreadable-snapshot.json".into(),
                )
            }
        };
    }
    let Some(raw) = get(SNAPSHOT_KEY) else {
        return Boot::Nothing;
    };
    let result = engine().borrow_mut().restore_json(&raw);
    match result {
        Ok(n) => Boot::Migrated(n),
        Err(e) => {
            let _ = set(BAD_SNAPSHOT_KEY, &raw);
            remove(SNAPSHOT_KEY);
            Boot::Corrupt(e.to_string(), raw, "kvlab-unreadable-snapshot.json".into())
        }
    }
}

/// The transcripts saved by an earlier visit (labels and entries per tab).
pub fn load_transcripts() -> Vec<(String, Vec<Entry>)> {
    get(TRANSCRIPT_KEY)
        .and_then(|t| serde_json::from_str::<Vec<SavedTab>>(&t).ok())
        .map(|tabs| tabs.into_iter().map(|t| (t.label, t.entries)).collect())
        .unwrap_or_default()
}

/// Saves the keyspace and the transcripts. In-memory state is never touched, so a full
/// quota only means the last save did not happen.
pub fn save(tabs: &[Tab]) -> Result<(), String> {
    let (image, extra) = {
        let e = engine();
        let e = e.borrow();
        (crate::base64::encode(&e.save_rdb()), e.sidecar_json())
    };
    set(RDB_KEY, &image)?;
    set(SIDECAR_KEY, &extra)?;
    // The older JSON snapshot has been replaced.
    remove(SNAPSHOT_KEY);
    let saved: Vec<SavedTab> = tabs
        .iter()
        .map(|t| SavedTab {
            label: t.label.clone(),
            entries: t.transcript[t.transcript.len().saturating_sub(SAVED_ENTRIES)..]
                .iter()
                .map(|e| (**e).clone())
                .collect(),
        })
        .collect();
    set(
        TRANSCRIPT_KEY,
        &serde_json::to_string(&saved).unwrap_or_default(),
    )
}

/// Offers `content` to the user as a file download.
pub fn download(filename: &str, content: &str) {
    let parts = js_sys::Array::of1(&content.into());
    let mime = if filename.ends_with(".json") {
        "application/json"
    } else {
        "text/plain"
    };
    download_parts(filename, &parts, mime);
}

/// Offers binary `content` (a dump.rdb) to the user as a file download.
pub fn download_bytes(filename: &str, content: &[u8]) {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(content));
    download_parts(filename, &parts, "application/octet-stream");
}

fn download_parts(filename: &str, parts: &js_sys::Array, mime: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(a) = doc
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(filename);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// The script carried by the page's URL fragment (`#run=...`), if any.
pub fn shared_script() -> Option<Vec<String>> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let encoded = hash.strip_prefix(SHARE_PREFIX)?;
    let text = js_sys::decode_uri_component(encoded).ok()?.as_string()?;
    let lines = crate::console::script_lines(&text);
    (!lines.is_empty()).then_some(lines)
}

/// Removes the share fragment from the address bar without reloading.
pub fn clear_shared_script() {
    if let Some(w) = web_sys::window() {
        let path = w.location().pathname().unwrap_or_default();
        let search = w.location().search().unwrap_or_default();
        if let Ok(h) = w.history() {
            let _ = h.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("{path}{search}")),
            );
        }
    }
}

/// A link to this page that offers to run `lines`.
pub fn share_link(lines: &[String]) -> String {
    let Some(w) = web_sys::window() else {
        return String::new();
    };
    let loc = w.location();
    let base = format!(
        "{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default()
    );
    let script = lines.join("\n");
    let encoded: String = js_sys::encode_uri_component(&script).into();
    format!("{base}{SHARE_PREFIX}{encoded}")
}

/// Puts text on the clipboard (best effort: browsers allow it on user gestures).
pub fn copy_to_clipboard(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Applies a theme (`light`, `dark`, or empty for the system's) to the page.
pub fn apply_theme(theme: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        if theme.is_empty() {
            let _ = root.remove_attribute("data-theme");
        } else {
            let _ = root.set_attribute("data-theme", theme);
        }
    }
}

/// The app's cluster-mode setting (`cluster-enabled yes`), kept across visits.
pub const CLUSTER_KEY: &str = "kvlab:cluster";

pub fn cluster_setting() -> bool {
    get(CLUSTER_KEY).as_deref() == Some("yes")
}

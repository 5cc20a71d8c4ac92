//! Keeping state across visits and sharing it: the keyspace in IndexedDB (localStorage
//! when IndexedDB is missing or fails), transcripts and settings in localStorage,
//! dump.rdb files to export and import, share links that carry a command script in the
//! URL fragment, and file downloads.
//!
//! The keyspace is kept as Redis keeps it: an RDB image, what `SAVE` writes (version 10,
//! as redis-server 7.0.15 writes it, the probabilistic family as RedisBloom's module
//! values), stored as bytes in IndexedDB ([`super::idb`], record `dump.rdb`), which holds
//! far more than localStorage's ~5 MB. RDB files carry no configuration, so beside the
//! image a small JSON sidecar (`dump.rdb.extra`, in the snapshot format, without keys)
//! keeps the modifiable configuration, merged back after the image is loaded. With
//! `appendonly yes` the in-memory AOF's two files (base and incremental part) are stored
//! too, in the same transaction, and the next visit starts from them as redis-server
//! starts from its AOF when `appendonly` is yes (the image stays as the dump.rdb a crash
//! without the AOF comes back to).
//!
//! Without IndexedDB the same files go to localStorage, base64-encoded (`kvlab.rdb`,
//! `kvlab.rdb.extra`, `kvlab.aof.base`, `kvlab.aof.incr`), each save stamped with its
//! time so that the newer of the two stores is read. Earlier versions kept the image in
//! localStorage: it is read once and moves to IndexedDB at the next save. Earlier still,
//! the probabilistic keys were in the sidecar (such a sidecar is still merged, keys
//! included), and before that a whole-keyspace JSON snapshot (`kvlab.snapshot`) was kept:
//! it is read once too.

use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;

use super::state::{Entry, Tab};
use super::{engine, idb};

/// The keyspace as an RDB image, base64.
pub const RDB_KEY: &str = "kvlab.rdb";
/// What the image leaves out (the configuration), as a JSON snapshot without keys.
pub const SIDECAR_KEY: &str = "kvlab.rdb.extra";
pub const BAD_RDB_KEY: &str = "kvlab.rdb.bad";
/// The in-memory AOF's files, base64, when they are kept in localStorage.
pub const AOF_BASE_KEY: &str = "kvlab.aof.base";
pub const AOF_INCR_KEY: &str = "kvlab.aof.incr";
/// When the files in localStorage were saved (ms; none: before IndexedDB was used).
pub const SAVED_AT_KEY: &str = "kvlab.rdb.at";
/// The records in IndexedDB, named as redis-server's files.
const IDB_RDB: &str = "dump.rdb";
const IDB_EXTRA: &str = "dump.rdb.extra";
const IDB_AOF_BASE: &str = "appendonly.aof.base.rdb";
const IDB_AOF_INCR: &str = "appendonly.aof.incr.aof";
const IDB_SAVED_AT: &str = "saved.at";
const IDB_BAD_RDB: &str = "dump.rdb.bad";
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
    /// `appendonly yes`: the keyspace came from the stored AOF, as Redis starts.
    RestoredFromAof(usize),
    /// The stored AOF did not load (why): the keyspace came from the RDB image.
    AofRefused(String, usize),
    /// An older visit's JSON snapshot was read (it becomes an RDB image at the next save).
    Migrated(usize),
    /// The saved keyspace could not be read: why, and the raw text with a file name for
    /// it (kept for download).
    Corrupt(String, String, String),
}

/// The files an earlier visit stored, read at start.
#[derive(Default)]
struct Stored {
    /// The RDB image (`Err`: the localStorage text that is not base64).
    image: Option<Result<Vec<u8>, String>>,
    extra: Option<String>,
    aof: Option<(Vec<u8>, Vec<u8>)>,
    saved_at: f64,
    in_idb: bool,
}

thread_local! {
    static STORED: std::cell::RefCell<Stored> = std::cell::RefCell::new(Stored::default());
    /// A save is under way (IndexedDB writes are asynchronous).
    static SAVING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn stored_in_local_storage() -> Stored {
    let bytes = |key: &str| get(key).and_then(|t| crate::base64::decode(&t));
    let aof = match (bytes(AOF_BASE_KEY), bytes(AOF_INCR_KEY)) {
        (Some(b), Some(i)) => Some((b, i)),
        _ => None,
    };
    Stored {
        image: get(RDB_KEY).map(|raw| crate::base64::decode(&raw).ok_or(raw)),
        extra: get(SIDECAR_KEY),
        aof,
        saved_at: get(SAVED_AT_KEY)
            .and_then(|t| t.parse().ok())
            .unwrap_or(0.0),
        in_idb: false,
    }
}

async fn stored_in_idb() -> Result<Stored, String> {
    idb::open().await?;
    let mut got = idb::get(&[IDB_RDB, IDB_EXTRA, IDB_AOF_BASE, IDB_AOF_INCR, IDB_SAVED_AT])
        .await?
        .into_iter();
    let mut next = || got.next().flatten();
    let bytes = |v: Option<idb::Value>| match v {
        Some(idb::Value::Bytes(b)) => Some(b),
        _ => None,
    };
    let text = |v: Option<idb::Value>| match v {
        Some(idb::Value::Text(t)) => Some(t),
        _ => None,
    };
    let image = bytes(next()).map(Ok);
    let extra = text(next());
    let aof = match (bytes(next()), bytes(next())) {
        (Some(b), Some(i)) => Some((b, i)),
        _ => None,
    };
    let saved_at = text(next()).and_then(|t| t.parse().ok()).unwrap_or(0.0);
    Ok(Stored {
        image,
        extra,
        aof,
        saved_at,
        in_idb: true,
    })
}

/// Reads what an earlier visit stored, before the app starts: IndexedDB's files, or
/// localStorage's when they are newer (a save that fell back to it) or IndexedDB holds
/// none (an earlier version's image, read once) or is not available.
pub async fn read_stored() {
    let local = stored_in_local_storage();
    let chosen = match stored_in_idb().await {
        Ok(idb) if idb.image.is_some() && idb.saved_at >= local.saved_at => idb,
        Ok(idb) if local.image.is_none() => idb,
        _ => local,
    };
    STORED.with(|s| *s.borrow_mut() = chosen);
}

/// Keeps an unreadable stored image aside (for download) and out of the next start.
fn set_aside(raw: &Result<Vec<u8>, String>, in_idb: bool) -> String {
    let text = match raw {
        Ok(bytes) => crate::base64::encode(bytes),
        Err(text) => text.clone(),
    };
    if in_idb {
        let bytes = raw.as_ref().ok().cloned().unwrap_or_default();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = idb::write(vec![(IDB_BAD_RDB, idb::Value::Bytes(bytes))], &[IDB_RDB]).await;
        });
    } else {
        let _ = set(BAD_RDB_KEY, &text);
        remove(RDB_KEY);
    }
    text
}

/// Restores the keyspace saved by an earlier visit (read by [`read_stored`]): the AOF
/// when the configuration says `appendonly yes`, else the RDB image, with its sidecar;
/// or an older visit's JSON snapshot.
pub fn load_keyspace() -> Boot {
    let stored = STORED.with(|s| std::mem::take(&mut *s.borrow_mut()));
    if let Some(raw) = stored.image {
        let loaded = match &raw {
            Ok(image) => {
                let eng = engine();
                let mut eng = eng.borrow_mut();
                let n = eng.load_rdb(image);
                if n.is_ok() {
                    // The engine started from this image as redis-server starts from its
                    // dump.rdb: a crash before the next save comes back to it.
                    eng.core.persist.last_image = Some(image.clone());
                }
                n
            }
            Err(_) => Err("the stored image is not valid base64".to_string()),
        };
        let n = match loaded {
            Ok(n) => n,
            Err(e) => {
                let text = set_aside(&raw, stored.in_idb);
                return Boot::Corrupt(e, text, "kvlab-unreadable-dump.rdb.base64".into());
            }
        };
        let mut n = n;
        if let Some(extra) = stored.extra {
            let merged = engine().borrow_mut().merge_json(&extra);
            match merged {
                Ok(m) => n += m,
                Err(e) => {
                    let _ = set(BAD_SNAPSHOT_KEY, &extra);
                    remove(SIDECAR_KEY);
                    return Boot::Corrupt(
                        e.to_string(),
                        extra,
                        "kvlab-unreadable-snapshot.json".into(),
                    );
                }
            }
        }
        // appendonly yes: Redis starts from the AOF, not from dump.rdb.
        let eng = engine();
        let mut eng = eng.borrow_mut();
        let Some((base, incr)) = stored
            .aof
            .filter(|_| eng.core.config.get("appendonly").as_deref() == Some("yes"))
        else {
            return Boot::Restored(n);
        };
        return match eng.load_aof_parts(&base, &incr) {
            Ok(n) => Boot::RestoredFromAof(n),
            Err(e) => {
                // What the replay may have changed goes: the image again.
                let n = raw
                    .as_ref()
                    .ok()
                    .and_then(|image| eng.load_rdb(image).ok())
                    .unwrap_or(0);
                Boot::AofRefused(e, n)
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

/// Whether a save is under way (the next one waits for it).
pub fn saving() -> bool {
    SAVING.with(|s| s.get())
}

/// The transcripts as saved (the last entries of each tab), as JSON.
pub fn transcripts_json(tabs: &[Tab]) -> String {
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
    serde_json::to_string(&saved).unwrap_or_default()
}

/// Saves the keyspace (the RDB image, its sidecar, and the AOF's files under
/// `appendonly yes`), then the transcripts (`transcripts`, from [`transcripts_json`]):
/// to IndexedDB, or to localStorage when IndexedDB is missing or refuses. In-memory
/// state is never touched, so a full quota only means the last save did not happen.
pub async fn save(transcripts: String) -> Result<(), String> {
    SAVING.with(|s| s.set(true));
    let r = save_keyspace().await;
    SAVING.with(|s| s.set(false));
    r?;
    set(TRANSCRIPT_KEY, &transcripts)
}

async fn save_keyspace() -> Result<(), String> {
    let (image, extra, aof) = {
        let e = engine();
        let e = e.borrow();
        let aof = e.aof_parts().map(|p| (p.base.to_vec(), p.incr.to_vec()));
        (e.save_rdb(), e.sidecar_json(), aof)
    };
    let now = js_sys::Date::now().to_string();
    let mut idb_error = None;
    if idb::available() {
        let mut puts = vec![
            (IDB_RDB, idb::Value::Bytes(image.clone())),
            (IDB_EXTRA, idb::Value::Text(extra.clone())),
            (IDB_SAVED_AT, idb::Value::Text(now.clone())),
        ];
        let mut deletes = Vec::new();
        match &aof {
            Some((base, incr)) => {
                puts.push((IDB_AOF_BASE, idb::Value::Bytes(base.clone())));
                puts.push((IDB_AOF_INCR, idb::Value::Bytes(incr.clone())));
            }
            None => deletes.extend([IDB_AOF_BASE, IDB_AOF_INCR]),
        }
        match idb::write(puts, &deletes).await {
            Ok(()) => {
                // What earlier versions (or a fallback save) left in localStorage.
                for key in [
                    RDB_KEY,
                    SIDECAR_KEY,
                    SNAPSHOT_KEY,
                    AOF_BASE_KEY,
                    AOF_INCR_KEY,
                    SAVED_AT_KEY,
                ] {
                    remove(key);
                }
                return Ok(());
            }
            Err(e) => idb_error = Some(e),
        }
    }
    let local = (|| {
        set(RDB_KEY, &crate::base64::encode(&image))?;
        set(SIDECAR_KEY, &extra)?;
        match &aof {
            Some((base, incr)) => {
                set(AOF_BASE_KEY, &crate::base64::encode(base))?;
                set(AOF_INCR_KEY, &crate::base64::encode(incr))?;
            }
            None => {
                remove(AOF_BASE_KEY);
                remove(AOF_INCR_KEY);
            }
        }
        set(SAVED_AT_KEY, &now)?;
        // The older JSON snapshot has been replaced.
        remove(SNAPSHOT_KEY);
        Ok(())
    })();
    match (local, idb_error) {
        (Ok(()), _) => Ok(()),
        (Err(e), None) => Err(e),
        (Err(e), Some(i)) => Err(format!("IndexedDB: {i}; localStorage: {e}")),
    }
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

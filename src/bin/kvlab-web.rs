//! The browser entry point that trunk builds. All of the app is in the library
//! (`kvlab::ui`); this binary only starts it.

#[cfg(target_arch = "wasm32")]
fn main() {
    kvlab::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("kvlab-web is the browser app: build it with `trunk build` (see README.md)");
}

//! Lays out a release build's code so that what an idle console runs sits
//! side by side. The kernel maps an executable's code in blocks of 64 KB
//! or more around each page it runs, so code spread thinly over the whole
//! text keeps most of it resident; `src/hot_text.order` lists the
//! functions a running console keeps calling (see `benches/hot_text.sh`,
//! which regenerates it), and the linker places them first.
//!
//! The linker also writes its map (where each function landed) to
//! `OUT_DIR/opsdeck.map`: the build is stripped, so that script resolves
//! the addresses it samples through the map.
//!
//! Only where the linker is known to take `--symbol-ordering-file`: the
//! toolchain's own LLD, the default for x86_64 Linux. A name the list has
//! and the build does not (code changed since it was made) is skipped.

fn main() {
    println!("cargo:rerun-if-changed=src/hot_text.order");
    println!("cargo:rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let release = var("PROFILE") == "release";
    let default_lld = var("TARGET") == "x86_64-unknown-linux-gnu";
    let own_linker = std::env::var_os("RUSTC_LINKER").is_some() || var("CARGO_ENCODED_RUSTFLAGS").contains("link");
    if !(release && default_lld) || own_linker {
        return;
    }
    let order = std::path::Path::new(&var("CARGO_MANIFEST_DIR")).join("src/hot_text.order");
    if order.is_file() {
        println!("cargo:rustc-link-arg-bin=opsdeck=-Wl,--symbol-ordering-file={}", order.display());
        println!("cargo:rustc-link-arg-bin=opsdeck=-Wl,--no-warn-symbol-ordering");
    }
    let map = std::path::Path::new(&var("OUT_DIR")).join("opsdeck.map");
    println!("cargo:rustc-link-arg-bin=opsdeck=-Wl,-Map={}", map.display());
    // Names in the map as the ordering file needs them: mangled.
    println!("cargo:rustc-link-arg-bin=opsdeck=-Wl,--no-demangle");
}

//! C structures and constants through bindgen over `sel4/sel4.h`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Runs bindgen over `<include_dir>/sel4/sel4.h`.
///
/// Functions are left out (libsel4's are `static inline`; sel4-sys has its own), and so
/// is every name in `own` (what the generator defines itself: bitfield types,
/// syscall numbers, invocation labels, stubs and their result structs), plus the
/// `CONFIG_*` macros (see the `config` module). References to those names inside the
/// bindings resolve through a `use super::*` in the including module.
///
/// Returns the formatted source and the headers clang read.
pub fn generate(
    include_dir: &Path,
    own: &BTreeSet<String>,
) -> Result<(String, Vec<PathBuf>), Error> {
    let header = include_dir.join("sel4").join("sel4.h");
    if !header.is_file() {
        return Err(Error::MissingFile(header));
    }
    let deps = std::sync::Arc::new(std::sync::Mutex::new(Vec::<PathBuf>::new()));
    #[derive(Debug)]
    struct Track(std::sync::Arc<std::sync::Mutex<Vec<PathBuf>>>);
    impl bindgen::callbacks::ParseCallbacks for Track {
        fn include_file(&self, filename: &str) {
            if let Ok(mut v) = self.0.lock() {
                v.push(PathBuf::from(filename));
            }
        }
    }
    let mut b = bindgen::Builder::default()
        .header(header.to_string_lossy())
        .clang_arg(format!("-I{}", include_dir.display()))
        .clang_arg("--target=x86_64-unknown-none-elf")
        .clang_arg("-ffreestanding")
        .use_core()
        .ctypes_prefix("core::ffi")
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .derive_default(true)
        .derive_debug(true)
        .generate_comments(false)
        .layout_tests(true)
        .blocklist_function(".*")
        .blocklist_item("CONFIG_.*")
        .blocklist_item("__sel4_.*")
        .blocklist_item("invocation_label")
        .blocklist_item("sel4_arch_invocation_label")
        .blocklist_item("arch_invocation_label")
        .parse_callbacks(Box::new(Track(deps.clone())));
    for name in own {
        b = b.blocklist_item(format!("^{}$", regex_escape(name)));
    }
    let bindings = b
        .generate()
        .map_err(|e| Error::Bindgen(format!("{e} (header {})", header.display())))?;
    let text = bindings.to_string();
    let headers = deps.lock().map(|v| v.clone()).unwrap_or_default();
    Ok((filter(&text, own)?, headers))
}

/// Drops what bindgen emitted despite the blocklist (enum constants named like
/// generator items) and every `extern` block (sel4-sys links no C library).
fn filter(text: &str, own: &BTreeSet<String>) -> Result<String, Error> {
    let mut file: syn::File =
        syn::parse_file(text).map_err(|e| Error::Bindgen(format!("output does not parse: {e}")))?;
    file.items.retain(|item| {
        let name = match item {
            syn::Item::Const(i) => Some(&i.ident),
            syn::Item::Static(i) => Some(&i.ident),
            syn::Item::Struct(i) => Some(&i.ident),
            syn::Item::Union(i) => Some(&i.ident),
            syn::Item::Type(i) => Some(&i.ident),
            syn::Item::Fn(i) => Some(&i.sig.ident),
            syn::Item::ForeignMod(_) => return false,
            _ => None,
        };
        name.is_none_or(|n| !own.contains(&n.to_string()))
    });
    // `pub use self::X as Y;` of a name the generator defines: the name reaches the
    // bindings module through a private glob import, which cannot be re-exported;
    // spell it as a type alias (bindgen only renames types this way).
    for item in file.items.iter_mut() {
        if let syn::Item::Use(u) = item {
            if let syn::UseTree::Path(p) = &u.tree {
                if let syn::UseTree::Rename(r) = &*p.tree {
                    if p.ident == "self" && own.contains(&r.ident.to_string()) {
                        let (from, to) = (&r.ident, &r.rename);
                        *item = syn::parse_quote!(pub type #to = #from;);
                    }
                }
            }
        }
    }
    Ok(prettyplease::unparse(&file))
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                vec![c]
            } else {
                vec!['\\', c]
            }
        })
        .collect()
}

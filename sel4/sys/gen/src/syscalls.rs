//! Syscall numbers from `api/syscall.xml`.
//!
//! Numbering follows the kernel's `syscall_header_gen.py`: the API syscalls of the
//! configured flavour (`<api>` in 5.0; `<api-master>` or `<api-mcs>` by `KERNEL_MCS`
//! in current kernels), then the `<debug>` ones, counted -1, -2, ... over every
//! listed syscall whether or not its condition holds. Syscalls whose condition is
//! false keep their number but are not emitted (as the C header `#if`s them out).

use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::conditions::node_enabled;
use crate::config::Config;
use crate::error::Error;

/// One syscall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Syscall {
    /// Name without the `seL4_Sys` prefix, e.g. `Call`, `DebugPutChar`.
    pub name: String,
    /// The (negative) syscall number.
    pub number: isize,
    /// Whether its condition holds for this configuration.
    pub enabled: bool,
    /// Whether it is an API syscall (as opposed to one on the debug/unknown path).
    pub api: bool,
}

/// Parses `syscall.xml` for the given configuration.
pub fn parse(path: &Path, text: &str, cfg: &Config) -> Result<Vec<Syscall>, Error> {
    let doc = roxmltree::Document::parse(text).map_err(|e| Error::parse(path, e.to_string()))?;
    let root = doc.root_element();
    let find = |tag: &str| root.children().find(|c| c.has_tag_name(tag));
    let api = match find("api") {
        Some(a) => a,
        None => {
            let tag = if cfg.mcs() { "api-mcs" } else { "api-master" };
            find(tag).ok_or_else(|| Error::parse(path, format!("no <api> or <{tag}> element")))?
        }
    };
    let mut out = Vec::new();
    let mut number: isize = -1;
    let mut walk = |elem: roxmltree::Node, is_api: bool| -> Result<(), Error> {
        for config in elem.children().filter(|c| c.has_tag_name("config")) {
            let enabled = node_enabled(config, cfg).map_err(|e| Error::parse(path, e))?;
            for sc in config.children().filter(|c| c.has_tag_name("syscall")) {
                let name = sc
                    .attribute("name")
                    .ok_or_else(|| Error::parse(path, "<syscall> without a name"))?;
                out.push(Syscall {
                    name: name.to_string(),
                    number,
                    enabled,
                    api: is_api,
                });
                number -= 1;
            }
        }
        Ok(())
    };
    walk(api, true)?;
    if let Some(debug) = find("debug") {
        walk(debug, false)?;
    }
    if !out.iter().any(|s| s.api) {
        return Err(Error::parse(path, "no API syscalls listed"));
    }
    Ok(out)
}

/// `pub const seL4_Sys<Name>: isize = <n>;` for every enabled syscall.
pub fn generate(syscalls: &[Syscall]) -> TokenStream {
    let items = syscalls.iter().filter(|s| s.enabled).map(|s| {
        let ident = format_ident!("seL4_Sys{}", s.name);
        let n = proc_macro2::Literal::usize_unsuffixed(s.number.unsigned_abs());
        let doc = format!(
            " Syscall number of `seL4_Sys{}` (from `api/syscall.xml`).",
            s.name
        );
        quote!(#[doc = #doc] pub const #ident: isize = -#n;)
    });
    quote!(#(#items)*)
}

//! Plain functions shared by the attribute macros `#[root_task]`,
//! `#[component]` and `#[substrate_test::test]` (their `*-macros` crates).

extern crate proc_macro;

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{MetaNameValue, Signature, Token};

/// Runs an attribute macro's `expand` on its arguments and item; an error
/// becomes a `compile_error!` in the macro's output.
pub fn attribute(
    attr: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
    expand: fn(TokenStream, TokenStream) -> syn::Result<TokenStream>,
) -> proc_macro::TokenStream {
    match expand(attr.into(), item.into()) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Parses attribute arguments of the form `name = value, ...`.
pub fn name_value_args(attr: TokenStream) -> syn::Result<Punctuated<MetaNameValue, Token![,]>> {
    Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(attr)
}

/// Checks that the function `sig` takes exactly one argument; `message`
/// (spanned on the signature) is the error otherwise.
pub fn one_argument(sig: &Signature, message: &str) -> syn::Result<()> {
    if sig.inputs.len() != 1 {
        return Err(syn::Error::new_spanned(sig, message));
    }
    Ok(())
}

//! `#[substrate_test::test]`: see the `substrate-test` crate.

use proc_macro::TokenStream;
use quote::quote;
use syn::ItemFn;

/// Registers a test function with the `substrate-test` harness. See the
/// `substrate-test` crate docs.
#[proc_macro_attribute]
pub fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    substrate_macro_support::attribute(attr, item, expand)
}

fn expand(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> syn::Result<proc_macro2::TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new_spanned(
            attr,
            "#[substrate_test::test] takes no arguments",
        ));
    }
    let test: ItemFn = syn::parse2(item)?;
    let sig = &test.sig;
    if sig.asyncness.is_some() || sig.unsafety.is_some() || !sig.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            sig,
            "a test is a plain, non-generic, safe, non-async fn",
        ));
    }
    let name = &sig.ident;
    let call = match sig.inputs.len() {
        0 => quote! { #name() },
        1 => quote! { #name(ctx) },
        _ => {
            return Err(syn::Error::new_spanned(
                &sig.inputs,
                "a test takes no argument or one: `ctx: &mut substrate_test::TestContext`",
            ))
        }
    };
    Ok(quote! {
        #test

        const _: () = {
            fn run(
                ctx: &mut ::substrate_test::TestContext<'_>,
            ) -> ::core::result::Result<(), ::substrate_test::Failure> {
                let _ = &ctx;
                ::substrate_test::Outcome::into_outcome(#call)
            }

            // Collected by the harness between the linker script's
            // __substrate_tests_start and __substrate_tests_end.
            #[used]
            #[link_section = ".substrate_tests"]
            static TEST: ::substrate_test::Test = ::substrate_test::Test {
                module: ::core::module_path!(),
                name: ::core::stringify!(#name),
                file: ::core::file!(),
                line: ::core::line!(),
                run,
            };
        };
    })
}

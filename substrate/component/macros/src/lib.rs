//! `#[component(heap_size = ..)]`: see `substrate-component`.

use proc_macro::TokenStream;
use quote::quote;
use syn::{Expr, ItemFn};

/// Marks a child component's `main`. See the `substrate-component` crate docs.
#[proc_macro_attribute]
pub fn component(attr: TokenStream, item: TokenStream) -> TokenStream {
    substrate_macro_support::attribute(attr, item, expand)
}

fn expand(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> syn::Result<proc_macro2::TokenStream> {
    let args = substrate_macro_support::name_value_args(attr)?;
    let mut heap_size: Expr = syn::parse_quote!(substrate_component::DEFAULT_HEAP_SIZE);
    for arg in args {
        if arg.path.is_ident("heap_size") {
            heap_size = arg.value;
        } else {
            return Err(syn::Error::new_spanned(
                arg.path,
                "unknown argument; expected `heap_size = <bytes>`",
            ));
        }
    }
    let main: ItemFn = syn::parse2(item)?;
    let name = &main.sig.ident;
    substrate_macro_support::one_argument(
        &main.sig,
        "#[component] fn takes one argument: `endpoint: sel4::cap::Endpoint`",
    )?;
    Ok(quote! {
        #main

        const _: () = {
            #[global_allocator]
            static __SUBSTRATE_HEAP: substrate_component::StaticHeap<{ #heap_size }> =
                substrate_component::StaticHeap::new();

            #[panic_handler]
            fn __substrate_component_panic(info: &core::panic::PanicInfo<'_>) -> ! {
                substrate_component::__panic(info)
            }

            /// The component's entry point (`substrate_component::abi::ENTRY_SYMBOL`).
            ///
            /// # Safety
            /// Only the loader starts a thread here, with the thread pointer in RDI
            /// and the console's slot (or 0) in RSI.
            #[no_mangle]
            unsafe extern "C" fn _substrate_component_start(
                thread_pointer: usize,
                console: usize,
            ) -> ! {
                // SAFETY: entered once, as the loader's contract describes.
                unsafe {
                    substrate_component::__start(thread_pointer, console, |endpoint| {
                        substrate_component::Termination::status(#name(endpoint))
                    })
                }
            }
        };
    })
}

//! `#[root_task(stack_size = .., heap_size = ..)]`: see `substrate-root-task`.
//!
//! `global_allocator = false` leaves out the `StaticHeap` global allocator,
//! for an image that defines its own `#[global_allocator]` (e.g. a
//! `substrate_heap::FrameHeap` that grows with frames from untyped memory).

use proc_macro::TokenStream;
use quote::quote;
use syn::{Expr, ItemFn};

/// Marks the root task's `main`. See the `substrate-root-task` crate docs.
#[proc_macro_attribute]
pub fn root_task(attr: TokenStream, item: TokenStream) -> TokenStream {
    substrate_macro_support::attribute(attr, item, expand)
}

fn expand(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> syn::Result<proc_macro2::TokenStream> {
    let args = substrate_macro_support::name_value_args(attr)?;
    let mut stack_size: Expr = syn::parse_quote!(substrate_root_task::DEFAULT_STACK_SIZE);
    let mut heap_size: Expr = syn::parse_quote!(substrate_root_task::DEFAULT_HEAP_SIZE);
    let mut heap_size_given = false;
    let mut global_allocator = true;
    for arg in args {
        if arg.path.is_ident("stack_size") {
            stack_size = arg.value;
        } else if arg.path.is_ident("heap_size") {
            heap_size = arg.value;
            heap_size_given = true;
        } else if arg.path.is_ident("global_allocator") {
            match &arg.value {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Bool(b),
                    ..
                }) => global_allocator = b.value,
                other => {
                    return Err(syn::Error::new_spanned(
                        other,
                        "expected `global_allocator = true` or `global_allocator = false`",
                    ))
                }
            }
        } else {
            return Err(syn::Error::new_spanned(
                arg.path,
                "unknown argument; expected `stack_size = <bytes>`, `heap_size = <bytes>` \
                 or `global_allocator = false`",
            ));
        }
    }
    if heap_size_given && !global_allocator {
        return Err(syn::Error::new(
            proc_macro2::Span::call_site(),
            "`heap_size` sizes the StaticHeap that `global_allocator = false` leaves out",
        ));
    }
    let heap = global_allocator.then(|| {
        quote! {
            #[global_allocator]
            static __SUBSTRATE_HEAP: substrate_root_task::StaticHeap<{ #heap_size }> =
                substrate_root_task::StaticHeap::new();
        }
    });
    let main: ItemFn = syn::parse2(item)?;
    let name = &main.sig.ident;
    substrate_macro_support::one_argument(
        &main.sig,
        "#[root_task] fn takes one argument: `bootinfo: &sel4::BootInfo`",
    )?;
    Ok(quote! {
        #main

        const _: () = {
            #[no_mangle]
            #[link_section = ".substrate.stack"]
            static __substrate_stack: substrate_root_task::Stack<{ #stack_size }> =
                substrate_root_task::Stack::new();

            #[no_mangle]
            static __substrate_stack_size: usize = #stack_size;

            #heap

            #[no_mangle]
            fn __substrate_main(bootinfo: &substrate_root_task::sel4::BootInfo)
                -> substrate_root_task::ExitStatus
            {
                substrate_root_task::Termination::report(#name(bootinfo))
            }
        };
    })
}

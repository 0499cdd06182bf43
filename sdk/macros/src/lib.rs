//! The svm SDK's attribute macros (re-exported by `svm-sdk`, which
//! documents them).

use proc_macro::TokenStream;
use quote::{format_ident, quote};
use syn::{Fields, FnArg, ItemFn, ItemStruct, Pat, Type, parse_macro_input};

/// Declares a contract's storage: each field of the struct is a variable,
/// in order (a fixed-size value or a structure). The struct becomes a unit
/// struct with one associated function per field returning its accessor,
/// `LAYOUT` (the layout section's bytes), and, inside WebAssembly, the
/// module's `svm-layout` custom section.
#[proc_macro_attribute]
pub fn storage(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[storage] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let item = parse_macro_input!(item as ItemStruct);
    let Fields::Named(fields) = &item.fields else {
        return syn::Error::new_spanned(&item, "#[storage] needs a struct with named fields")
            .to_compile_error()
            .into();
    };
    if !item.generics.params.is_empty() {
        return syn::Error::new_spanned(&item.generics, "#[storage] structs are not generic")
            .to_compile_error()
            .into();
    }
    let vis = &item.vis;
    let name = &item.ident;
    let attrs = &item.attrs;
    let count = fields.named.len();
    let mut accessors = Vec::new();
    let mut slots = Vec::new();
    for (i, f) in fields.named.iter().enumerate() {
        let fname = f.ident.as_ref().expect("named fields have names");
        let ty = &f.ty;
        let fvis = &f.vis;
        let docs = f.attrs.iter().filter(|a| a.path().is_ident("doc"));
        let index = i as u32;
        accessors.push(quote! {
            #(#docs)*
            #[allow(dead_code)]
            #fvis fn #fname() -> <#ty as ::svm_sdk::storage::Field>::Accessor {
                <#ty as ::svm_sdk::storage::Field>::accessor(#index)
            }
        });
        slots.push(quote! { <#ty as ::svm_sdk::storage::Field>::SLOT });
    }
    let section = format_ident!("__SVM_LAYOUT_{}", name.to_string().to_uppercase());
    quote! {
        #(#attrs)*
        #vis struct #name;

        impl #name {
            /// The variables' layout entries, in order.
            #[doc(hidden)]
            pub const SLOTS: [::svm_sdk::layout::Slot; #count] = [#(#slots),*];
            /// The payload of the module's `svm-layout` section.
            pub const LAYOUT: [u8; ::svm_sdk::layout::encoded_len(&#name::SLOTS)] =
                ::svm_sdk::layout::encode(&#name::SLOTS);
            #(#accessors)*
        }

        #[cfg(target_arch = "wasm32")]
        #[unsafe(link_section = "svm-layout")]
        #[used]
        static #section: [u8; ::svm_sdk::layout::encoded_len(&#name::SLOTS)] = #name::LAYOUT;
    }
    .into()
}

const SCALARS: &[&str] = &["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "bool"];

fn is_scalar(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p
            .path
            .get_ident()
            .is_some_and(|id| SCALARS.iter().any(|s| id == s)),
        _ => false,
    }
}

/// Exports a function as a contract entry point under its own name.
/// Integer and `bool` parameters arrive as WebAssembly integers; any other
/// parameter type (a `svm_sdk::Value`) arrives as bytes. The result (a
/// `svm_sdk::entry::Return`) becomes the return data.
#[proc_macro_attribute]
pub fn export(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "#[export] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let func = parse_macro_input!(item as ItemFn);
    let sig = &func.sig;
    if !sig.generics.params.is_empty() || sig.asyncness.is_some() || sig.unsafety.is_some() {
        return syn::Error::new_spanned(sig, "#[export] functions are plain, non-generic fns")
            .to_compile_error()
            .into();
    }
    let name = &sig.ident;
    let export_name = name.to_string();
    if export_name == "svm_alloc" || export_name == "memory" {
        return syn::Error::new_spanned(name, "this export name is the SDK's own")
            .to_compile_error()
            .into();
    }
    let wrapper = format_ident!("__svm_export_{}", name);
    let mut params = Vec::new();
    let mut decode = Vec::new();
    let mut args = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(pt) = input else {
            return syn::Error::new_spanned(input, "#[export] functions take no self")
                .to_compile_error()
                .into();
        };
        let Pat::Ident(id) = &*pt.pat else {
            return syn::Error::new_spanned(&pt.pat, "#[export] parameters are plain names")
                .to_compile_error()
                .into();
        };
        let arg = &id.ident;
        let label = arg.to_string();
        let ty = &pt.ty;
        if is_scalar(ty) {
            params.push(quote! { #arg: <#ty as ::svm_sdk::entry::Scalar>::Wasm });
            decode.push(quote! { let #arg: #ty = ::svm_sdk::entry::scalar::<#ty>(#arg, #label); });
        } else {
            let ptr = format_ident!("{}_ptr", arg);
            let len = format_ident!("{}_len", arg);
            params.push(quote! { #ptr: u32, #len: u32 });
            decode.push(
                quote! { let #arg: #ty = ::svm_sdk::entry::bytes::<#ty>(#ptr, #len, #label); },
            );
        }
        args.push(quote! { #arg });
    }
    quote! {
        #func

        #[doc(hidden)]
        #[cfg(target_arch = "wasm32")]
        #[unsafe(export_name = #export_name)]
        extern "C" fn #wrapper(#(#params),*) {
            #(#decode)*
            ::svm_sdk::entry::Return::give(#name(#(#args),*));
        }
    }
    .into()
}

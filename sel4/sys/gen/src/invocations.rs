//! Invocation labels and stubs from `interfaces/object-api*.xml`.
//!
//! Labels follow the kernel's `invocation_header_gen.py`: `InvalidInvocation` = 0,
//! then every enabled method of the generic file, then the sel4_arch file
//! (starting at `nInvocationLabels`), then the arch file (starting at
//! `nSeL4ArchInvocationLabels`), in document order. A method whose condition is
//! false is left out and shifts every later label.
//!
//! Stubs follow libsel4's `syscall_stub_gen.py`: capability arguments after the
//! service go into the IPC buffer's `caps_or_badges`; every other input is packed
//! in order, each aligned to the smaller of its own size and a word (so 8/16/32-bit
//! and `seL4_Bool` (1 bit) arguments share words); the first
//! `seL4_FastMessageRegisters` words travel in registers, the rest in the IPC
//! buffer; structures wider than a word are passed by pointer and sent member by
//! member; outputs are unpacked the same way from the reply.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use roxmltree::Node;

use crate::conditions::node_enabled;
use crate::config::Config;
use crate::error::Error;
use crate::pbf::PbfTypes;

/// Which of the three interface files a method comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// `object-api.xml`
    Generic,
    /// `object-api-sel4-arch.xml`
    Sel4Arch,
    /// `object-api-arch.xml`
    Arch,
}

/// A method parameter as written in the XML.
#[derive(Clone, Debug)]
pub struct Param {
    /// Name as in the XML.
    pub name: String,
    /// C type name as in the XML.
    pub ty: String,
    /// The `description` text, if any.
    pub description: String,
}

/// One method of one interface.
#[derive(Clone, Debug)]
pub struct Method {
    /// Interface name, e.g. `seL4_CNode`.
    pub interface: String,
    /// Method name, e.g. `Copy`.
    pub name: String,
    /// Invocation label, e.g. `CNodeCopy`.
    pub label: String,
    /// Source file.
    pub layer: Layer,
    /// Whether the method's condition holds.
    pub enabled: bool,
    /// Plain text of `<brief>`.
    pub brief: String,
    /// Input parameters (without the implicit `_service`).
    pub inputs: Vec<Param>,
    /// Output parameters.
    pub outputs: Vec<Param>,
    /// The errors the interface documents for the method (`<error
    /// name="seL4_...">`), without the `seL4_` prefix; empty where the
    /// interface documents none (seL4 5.0).
    pub errors: Vec<String>,
}

impl Method {
    /// The libsel4 function name, e.g. `seL4_CNode_Copy`.
    pub fn fn_name(&self) -> String {
        format!("{}_{}", self.interface, self.name)
    }
}

/// How a parameter type is marshalled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A capability (an interface name or another `seL4_CPtr` typedef).
    Cap,
    /// A scalar of the given width in bits (1 for `seL4_Bool`).
    Scalar(u32),
    /// A bitfield type (`<name>_t` of a `.pbf` block or tagged union) of the given width in bits.
    Bitfield(u32),
    /// A structure declared with `<struct>` in the XML, with its member names.
    Struct(Vec<String>),
}

/// Everything parsed from the three interface files.
#[derive(Clone, Debug, Default)]
pub struct Interfaces {
    /// Every method (enabled or not), in label order.
    pub methods: Vec<Method>,
    /// `<struct>` declarations: name and member names.
    pub structs: BTreeMap<String, Vec<String>>,
    /// Every interface name.
    pub interface_names: BTreeSet<String>,
    /// Bitfield types known from the `.pbf` files (name without `_t` -> bits).
    pub bitfields: BTreeMap<String, u32>,
    /// Word size in bits.
    pub word_bits: u32,
    /// Number of message registers passed in CPU registers.
    pub fast_mrs: usize,
    /// `LIB_SEL4_STUBS_USE_IPC_BUFFER_ONLY`: stubs pass everything in the IPC buffer.
    pub ipc_buffer_only: bool,
}

/// Plain text of an XML element: text nodes, `<texttt text=..>` as code, other
/// elements by their text content; whitespace collapsed.
pub fn plain_text(node: Node) -> String {
    fn walk(n: Node, out: &mut String) {
        for c in n.children() {
            if c.is_text() {
                out.push_str(c.text().unwrap_or(""));
            } else if c.is_element() {
                match c.tag_name().name() {
                    "texttt" => {
                        out.push('`');
                        out.push_str(c.attribute("text").unwrap_or(""));
                        out.push('`');
                    }
                    "autoref" | "shortref" => {
                        if let Some(l) = c.attribute("label") {
                            out.push_str(&format!("the seL4 manual ({l})"));
                        }
                    }
                    "obj" => out.push_str(c.attribute("name").unwrap_or("")),
                    _ => walk(c, out),
                }
            }
        }
    }
    let mut s = String::new();
    walk(node, &mut s);
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn doc_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Interfaces {
    /// Parses one interface file and appends its methods.
    pub fn add_file(
        &mut self,
        path: &Path,
        text: &str,
        layer: Layer,
        cfg: &Config,
    ) -> Result<(), Error> {
        let doc =
            roxmltree::Document::parse(text).map_err(|e| Error::parse(path, e.to_string()))?;
        for s in doc.descendants().filter(|n| n.has_tag_name("struct")) {
            let name = s
                .attribute("name")
                .ok_or_else(|| Error::parse(path, "<struct> without a name"))?;
            let members = s
                .descendants()
                .filter(|n| n.has_tag_name("member"))
                .filter_map(|m| m.attribute("name").map(str::to_string))
                .collect();
            self.structs.insert(name.to_string(), members);
        }
        for iface in doc.descendants().filter(|n| n.has_tag_name("interface")) {
            let iname = iface
                .attribute("name")
                .ok_or_else(|| Error::parse(path, "<interface> without a name"))?;
            self.interface_names.insert(iname.to_string());
            let iface_enabled = node_enabled(iface, cfg).map_err(|e| Error::parse(path, e))?;
            for m in iface.children().filter(|n| n.has_tag_name("method")) {
                let attr = |a: &str| {
                    m.attribute(a).map(str::to_string).ok_or_else(|| {
                        Error::parse(path, format!("<method> in {iname} without {a}"))
                    })
                };
                let enabled =
                    iface_enabled && node_enabled(m, cfg).map_err(|e| Error::parse(path, e))?;
                let brief = m
                    .children()
                    .find(|n| n.has_tag_name("brief"))
                    .map(plain_text)
                    .unwrap_or_default();
                let mut inputs = Vec::new();
                let mut outputs = Vec::new();
                for p in m.children().filter(|n| n.has_tag_name("param")) {
                    let name = p
                        .attribute("name")
                        .ok_or_else(|| Error::parse(path, "<param> without a name"))?;
                    let ty = p
                        .attribute("type")
                        .ok_or_else(|| Error::parse(path, "<param> without a type"))?;
                    let description = p
                        .attribute("description")
                        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                        .or_else(|| {
                            p.children()
                                .find(|n| n.has_tag_name("description"))
                                .map(plain_text)
                        })
                        .unwrap_or_default();
                    let param = Param {
                        name: name.to_string(),
                        ty: ty.to_string(),
                        description,
                    };
                    match p.attribute("dir") {
                        Some("in") => inputs.push(param),
                        Some("out") => outputs.push(param),
                        other => {
                            return Err(Error::parse(
                                path,
                                format!("param {name}: bad dir {other:?}"),
                            ))
                        }
                    }
                }
                let errors = m
                    .children()
                    .filter(|n| n.has_tag_name("error"))
                    .filter_map(|n| n.attribute("name"))
                    .map(|e| e.strip_prefix("seL4_").unwrap_or(e).to_string())
                    .collect();
                self.methods.push(Method {
                    interface: iname.to_string(),
                    name: attr("name")?,
                    label: attr("id")?,
                    layer,
                    enabled,
                    brief,
                    inputs,
                    outputs,
                    errors,
                });
            }
        }
        Ok(())
    }

    /// Records the bitfield types of the `.pbf` files.
    pub fn set_bitfields(&mut self, pbf: &PbfTypes) {
        self.bitfields = pbf.types.clone();
    }

    /// Enabled labels with their numbers, plus `(nInvocationLabels,
    /// nSeL4ArchInvocationLabels, nArchInvocationLabels)`.
    pub fn labels(&self) -> (Vec<(String, u64)>, [u64; 3]) {
        let mut out = vec![("InvalidInvocation".to_string(), 0u64)];
        let mut next = 1u64;
        let mut ends = [0u64; 3];
        for (i, layer) in [Layer::Generic, Layer::Sel4Arch, Layer::Arch]
            .into_iter()
            .enumerate()
        {
            for m in self
                .methods
                .iter()
                .filter(|m| m.layer == layer && m.enabled)
            {
                out.push((m.label.clone(), next));
                next += 1;
            }
            ends[i] = next;
        }
        (out, ends)
    }

    /// Classifies a parameter type.
    pub fn kind(&self, ty: &str) -> Result<Kind, Error> {
        let w = self.word_bits;
        Ok(match ty {
            "seL4_Word" | "long" => Kind::Scalar(w),
            "seL4_CPtr" => Kind::Cap,
            "seL4_Uint8" => Kind::Scalar(8),
            "seL4_Uint16" => Kind::Scalar(16),
            "seL4_Uint32" | "int" => Kind::Scalar(32),
            "seL4_Uint64" | "seL4_Time" => Kind::Scalar(64),
            "seL4_Bool" => Kind::Scalar(1),
            t if t.ends_with("VMAttributes") => Kind::Scalar(w),
            t if self.interface_names.contains(t) => Kind::Cap,
            t if self.structs.contains_key(t) => Kind::Struct(self.structs[t].clone()),
            t if t
                .strip_suffix("_t")
                .is_some_and(|b| self.bitfields.contains_key(b)) =>
            {
                Kind::Bitfield(self.bitfields[t.strip_suffix("_t").unwrap_or(t)])
            }
            // Any other seL4 object type name is a typedef of seL4_CPtr
            // (seL4_X64_PML4, seL4_X86_EPTPML4, seL4_X86_IOSpace, ...).
            t if t.starts_with("seL4_") && !t.ends_with("_t") => Kind::Cap,
            t => return Err(Error::Unsupported(format!("parameter type {t} is unknown"))),
        })
    }

    fn size_bits(&self, kind: &Kind) -> u32 {
        match kind {
            Kind::Cap => self.word_bits,
            Kind::Scalar(b) | Kind::Bitfield(b) => *b,
            Kind::Struct(m) => m.len() as u32 * self.word_bits,
        }
    }

    /// Bit positions `(param index, first bit, bits)` of packed parameters,
    /// as `get_parameter_positions` computes them.
    pub fn positions(&self, params: &[(&Param, Kind)]) -> Result<Vec<(usize, u32, u32)>, Error> {
        let w = self.word_bits;
        let mut used = 0u32;
        let mut out = Vec::new();
        for (i, (p, k)) in params.iter().enumerate() {
            let size = self.size_bits(k);
            if !(size.is_power_of_two() || size.checked_rem(w) == Some(0)) {
                return Err(Error::Unsupported(format!(
                    "parameter {} has size {size}",
                    p.name
                )));
            }
            if size > w && !matches!(k, Kind::Struct(_)) {
                return Err(Error::Unsupported(format!(
                    "parameter {} of type {} is wider than a word",
                    p.name, p.ty
                )));
            }
            let align = size.min(w);
            used = used.div_ceil(align) * align;
            out.push((i, used, size));
            used += size;
        }
        Ok(out)
    }

    /// The marshalled layout of a method's inputs: the extra caps (names) and,
    /// per message word, the `(parameter, bit offset, bits, struct member)` pieces
    /// or'ed into it. Exposed for tests.
    pub fn input_layout(&self, m: &Method) -> Result<InputLayout, Error> {
        let mut caps = Vec::new();
        let mut std = Vec::new();
        for p in &m.inputs {
            match self.kind(&p.ty)? {
                Kind::Cap => caps.push(p.name.clone()),
                k => std.push((p, k)),
            }
        }
        let mut words: Vec<Vec<Piece>> = Vec::new();
        for (i, first, bits) in self.positions(&std)? {
            let (p, k) = &std[i];
            let word = (first / self.word_bits) as usize;
            let off = first % self.word_bits;
            let n = if bits > self.word_bits {
                (bits / self.word_bits) as usize
            } else {
                1
            };
            for j in 0..n {
                if words.len() <= word + j {
                    words.resize_with(word + j + 1, Vec::new);
                }
                let member = match k {
                    Kind::Struct(ms) => Some(ms[j].clone()),
                    _ => None,
                };
                words[word + j].push(Piece {
                    param: p.name.clone(),
                    offset: off,
                    bits: bits.min(self.word_bits),
                    member,
                });
            }
        }
        Ok(InputLayout { caps, words })
    }

    /// Where each output of a method is read from in the reply, as libsel4's
    /// `generate_unmarshal_expressions` computes it: outputs are packed like
    /// inputs (no capability outputs exist), so one entry per scalar or
    /// bitfield output and one per structure member. Exposed for tests.
    pub fn output_layout(&self, m: &Method) -> Result<Vec<OutputPiece>, Error> {
        let w = self.word_bits;
        let outs: Vec<(&Param, Kind)> = m
            .outputs
            .iter()
            .map(|p| Ok((p, self.kind(&p.ty)?)))
            .collect::<Result<_, Error>>()?;
        let mut out = Vec::new();
        for (i, first, bits) in self.positions(&outs)? {
            let (p, k) = &outs[i];
            match k {
                Kind::Cap => {
                    return Err(Error::Unsupported(format!(
                        "{}: capability output {}",
                        m.fn_name(),
                        p.name
                    )))
                }
                Kind::Struct(members) => {
                    for (j, mem) in members.iter().enumerate() {
                        out.push(OutputPiece {
                            param: p.name.clone(),
                            member: Some(mem.clone()),
                            word: (first / w) as usize + j,
                            offset: 0,
                            bits: w,
                        });
                    }
                }
                _ => out.push(OutputPiece {
                    param: p.name.clone(),
                    member: None,
                    word: (first / w) as usize,
                    offset: first % w,
                    bits: bits.min(w),
                }),
            }
        }
        Ok(out)
    }
}

/// Where one output (or one member of a structure output) is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputPiece {
    /// Parameter name.
    pub param: String,
    /// Structure member, for structure outputs (passed by pointer).
    pub member: Option<String>,
    /// Message register index.
    pub word: usize,
    /// Bit offset in that register.
    pub offset: u32,
    /// Width in bits.
    pub bits: u32,
}

/// One parameter's share of one message word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Parameter name.
    pub param: String,
    /// Bit offset in the word.
    pub offset: u32,
    /// Width in bits.
    pub bits: u32,
    /// Structure member sent in this word, for structures.
    pub member: Option<String>,
}

/// Marshalled inputs of one method.
#[derive(Clone, Debug)]
pub struct InputLayout {
    /// Extra capabilities, in order.
    pub caps: Vec<String>,
    /// Message words, each a list of pieces.
    pub words: Vec<Vec<Piece>>,
}

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A Rust identifier for an XML name (keywords get a trailing `_`).
pub fn rust_ident(name: &str) -> proc_macro2::Ident {
    if KEYWORDS.contains(&name) {
        format_ident!("{}_", name)
    } else {
        format_ident!("{}", name)
    }
}

fn ty_tokens(ty: &str) -> TokenStream {
    match ty {
        "int" => quote!(core::ffi::c_int),
        "long" => quote!(core::ffi::c_long),
        t => {
            let i = format_ident!("{}", t);
            quote!(#i)
        }
    }
}

fn mask(bits: u32) -> Literal {
    let m = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    format!("{m:#x}")
        .parse()
        .unwrap_or_else(|_| Literal::u64_unsuffixed(m))
}

impl Interfaces {
    /// `invocation_label` module body.
    pub fn generate_labels(&self) -> TokenStream {
        let (labels, ends) = self.labels();
        let items = labels.iter().map(|(l, n)| {
            let id = format_ident!("{}", l);
            let n = Literal::u64_unsuffixed(*n);
            let doc = format!(" Invocation label `{l}`.");
            quote!(#[doc = #doc] pub const #id: seL4_Word = #n;)
        });
        let [a, b, c] = ends.map(Literal::u64_unsuffixed);
        quote! {
            use super::seL4_Word;
            #(#items)*
            /// Number of generic invocation labels (first sel4_arch label).
            pub const nInvocationLabels: seL4_Word = #a;
            /// End of the sel4_arch labels (first arch label).
            pub const nSeL4ArchInvocationLabels: seL4_Word = #b;
            /// End of the arch labels.
            pub const nArchInvocationLabels: seL4_Word = #c;
        }
    }

    /// Capability type aliases for every interface name and every other type
    /// classified as a capability.
    pub fn cap_type_names(&self) -> BTreeSet<String> {
        let mut names = self.interface_names.clone();
        for m in &self.methods {
            for p in m.inputs.iter().chain(&m.outputs) {
                if p.ty != "seL4_CPtr" && self.kind(&p.ty).ok() == Some(Kind::Cap) {
                    names.insert(p.ty.clone());
                }
            }
        }
        names
    }

    fn needs_result_struct(&self, m: &Method) -> Result<bool, Error> {
        for p in &m.outputs {
            if !matches!(self.kind(&p.ty)?, Kind::Struct(_)) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Type aliases, result structures and one function per enabled method.
    pub fn generate_stubs(&self) -> Result<TokenStream, Error> {
        let mut items = Vec::new();
        for name in self.cap_type_names() {
            let id = format_ident!("{}", name);
            let doc = format!(" A capability pointer to a `{name}` object.");
            items.push(quote!(#[doc = #doc] pub type #id = seL4_CPtr;));
        }
        let mut explicit = Vec::new();
        for m in self.methods.iter().filter(|m| m.enabled) {
            let (stub, with_ipc) = self.generate_stub(m)?;
            items.push(stub);
            explicit.push(with_ipc);
        }
        Ok(quote! {
            #(#items)*
            /// The invocation stubs with the IPC buffer as an explicit first argument.
            pub mod with_ipc_buffer {
                use super::*;
                #(#explicit)*
            }
        })
    }

    fn generate_stub(&self, m: &Method) -> Result<(TokenStream, TokenStream), Error> {
        let fn_name = m.fn_name();
        let fn_id = format_ident!("{}", fn_name);
        let label = format_ident!("{}", m.label);
        let service_ty = format_ident!("{}", m.interface);
        let layout = self.input_layout(m)?;
        let w = self.word_bits;
        let num_mrs = if self.ipc_buffer_only {
            0
        } else {
            self.fast_mrs
        };

        // Parameters.
        let mut params = vec![quote!(_service: #service_ty)];
        for p in &m.inputs {
            let id = rust_ident(&p.name);
            let ty = ty_tokens(&p.ty);
            params.push(match self.kind(&p.ty)? {
                Kind::Struct(_) => quote!(#id: *const #ty),
                _ => quote!(#id: #ty),
            });
        }
        for p in &m.outputs {
            if let Kind::Struct(_) = self.kind(&p.ty)? {
                let id = rust_ident(&p.name);
                let ty = ty_tokens(&p.ty);
                params.push(quote!(#id: *mut #ty));
            }
        }

        // Input words.
        let kinds: BTreeMap<&str, Kind> = m
            .inputs
            .iter()
            .map(|p| Ok((p.name.as_str(), self.kind(&p.ty)?)))
            .collect::<Result<_, Error>>()?;
        let word_exprs: Vec<TokenStream> = layout
            .words
            .iter()
            .map(|pieces| {
                let parts: Vec<TokenStream> = pieces
                    .iter()
                    .map(|pc| {
                        let id = rust_ident(&pc.param);
                        let base = match (&kinds[pc.param.as_str()], &pc.member) {
                            (Kind::Struct(_), Some(mem)) => {
                                let mem = format_ident!("{}", mem);
                                quote!((*#id).#mem as seL4_Word)
                            }
                            (Kind::Bitfield(_), _) => quote!(#id.words[0] as seL4_Word),
                            _ => quote!(#id as seL4_Word),
                        };
                        // Precedence: `as` > `<<` > `&` > `|`.
                        let mk = mask(pc.bits);
                        match (pc.bits < w, pc.offset) {
                            (false, _) => base,
                            (true, 0) => quote!(#base & #mk),
                            (true, off) => {
                                let off = Literal::u32_unsuffixed(off);
                                quote!((#base & #mk) << #off)
                            }
                        }
                    })
                    .collect();
                if parts.is_empty() {
                    quote!(0)
                } else {
                    quote!(#(#parts)|*)
                }
            })
            .collect();
        let n_words = word_exprs.len();
        if n_words > 64 {
            return Err(Error::Unsupported(format!("{fn_name}: message too long")));
        }
        let n_caps = layout.caps.len();
        let n_words_lit = Literal::usize_unsuffixed(n_words);
        let n_caps_lit = Literal::usize_unsuffixed(n_caps);

        let mut body = Vec::new();
        body.push(quote! {
            let __tag = seL4_MessageInfo::new(invocation_label::#label, 0, #n_caps_lit, #n_words_lit);
        });
        for (i, c) in layout.caps.iter().enumerate() {
            let id = rust_ident(c);
            let i = Literal::usize_unsuffixed(i);
            body.push(quote!((*__ipc).caps_or_badges[#i] = #id as seL4_Word;));
        }
        let mr_ids: Vec<_> = (0..num_mrs).map(|i| format_ident!("__mr{}", i)).collect();
        for (i, id) in mr_ids.iter().enumerate() {
            let e = word_exprs.get(i).cloned().unwrap_or(quote!(0));
            body.push(quote!(let mut #id: seL4_Word = #e;));
        }
        for (i, e) in word_exprs.iter().enumerate().skip(num_mrs) {
            let i = Literal::usize_unsuffixed(i);
            body.push(quote!((*__ipc).msg[#i] = #e;));
        }
        if num_mrs > 0 {
            let args = mr_ids.iter().map(|id| quote!(&mut #id));
            body.push(quote!(let __out = seL4_CallWithMRs(_service, __tag, #(#args),*);));
        } else {
            body.push(quote!(let __out = seL4_Call(_service, __tag);));
        }
        body.push(quote!(let __error = __out.get_label() as seL4_Error;));
        body.push(quote!(let _ = __ipc;));

        let returning_struct = self.needs_result_struct(m)?;
        let result_ty = format_ident!("{}_t", fn_name);
        let early = if returning_struct {
            quote!(return #result_ty { error: __error, ..Default::default() };)
        } else {
            quote!(return __error;)
        };
        if num_mrs > 0 {
            let restores = mr_ids.iter().enumerate().map(|(i, id)| {
                let i = Literal::usize_unsuffixed(i);
                quote!((*__ipc).msg[#i] = #id;)
            });
            body.push(quote! {
                if __error != seL4_NoError {
                    #(#restores)*
                    #early
                }
            });
        } else if returning_struct {
            body.push(quote!(if __error != seL4_NoError { #early }));
        }

        // Outputs.
        let mut struct_fields = Vec::new();
        let mut result_inits = Vec::new();
        let word = |i: usize| -> TokenStream {
            if i < num_mrs {
                let id = &mr_ids[i];
                quote!(#id)
            } else {
                let i = Literal::usize_unsuffixed(i);
                quote!((*__ipc).msg[#i])
            }
        };
        for pc in self.output_layout(m)? {
            let p = m
                .outputs
                .iter()
                .find(|p| p.name == pc.param)
                .expect("output_layout names outputs");
            let id = rust_ident(&p.name);
            let ty = ty_tokens(&p.ty);
            let src = word(pc.word);
            if let Some(mem) = &pc.member {
                let mem = format_ident!("{}", mem);
                body.push(quote!((*#id).#mem = #src as _;));
                continue;
            }
            let mk = mask(pc.bits);
            let val = if pc.bits >= w {
                quote!(#src)
            } else if pc.offset == 0 {
                quote!((#src & #mk))
            } else {
                let o = Literal::u32_unsuffixed(pc.offset);
                quote!((#src >> #o & #mk))
            };
            let conv = match self.kind(&p.ty)? {
                Kind::Bitfield(_) => quote!(#ty { words: [#val] }),
                _ => quote!(#val as #ty),
            };
            struct_fields.push(quote!(pub #id: #ty));
            result_inits.push(quote!(#id: #conv));
        }
        let (ret_ty, tail, result_struct) = if returning_struct {
            let doc = format!(" Result of [`{fn_name}`]: the error and the output parameters.");
            let names = m
                .outputs
                .iter()
                .filter(|p| !matches!(self.kind(&p.ty), Ok(Kind::Struct(_))));
            let field_docs: Vec<String> = names
                .map(|p| format!(" Output `{}`: {}", p.name, doc_escape(&p.description)))
                .collect();
            let fields = struct_fields
                .iter()
                .zip(&field_docs)
                .map(|(f, d)| quote!(#[doc = #d] #f));
            (
                quote!(#result_ty),
                quote!(#result_ty { error: __error, #(#result_inits),* }),
                quote! {
                    #[doc = #doc]
                    #[repr(C)]
                    #[derive(Debug, Clone, Copy, Default)]
                    pub struct #result_ty {
                        /// The error code (label of the reply).
                        pub error: seL4_Error,
                        #(#fields,)*
                    }
                },
            )
        } else {
            (quote!(seL4_Error), quote!(__error), quote!())
        };

        // Documentation.
        let mut doc = Vec::new();
        if !m.brief.is_empty() {
            doc.push(format!(" {}", doc_escape(&m.brief)));
            doc.push(String::new());
        }
        doc.push(format!(
            " Wraps the seL4 `{}` invocation on a `{}` capability (libsel4's `{fn_name}`).",
            m.label, m.interface
        ));
        doc.push(String::new());
        doc.push(" - `_service`: the capability invoked.".to_string());
        for p in &m.inputs {
            doc.push(format!(
                " - `{}` (`{}`): {}",
                p.name,
                p.ty,
                doc_escape(&p.description)
            ));
        }
        for p in &m.outputs {
            if let Ok(Kind::Struct(_)) = self.kind(&p.ty) {
                doc.push(format!(
                    " - `{}` (out, `*mut {}`): {}",
                    p.name,
                    p.ty,
                    doc_escape(&p.description)
                ));
            }
        }
        doc.push(String::new());
        doc.push(" # Safety".to_string());
        doc.push(String::new());
        doc.push(
            " Performs a system call that uses the current thread's IPC buffer (see `seL4_GetIPCBuffer`); \
             pointer arguments must be valid."
                .to_string(),
        );
        let explicit_doc = format!(
            " [`super::{fn_name}`] with the IPC buffer passed explicitly as `__ipc` instead of \
             found through the thread pointer (for code that runs before the thread pointer \
             is set)."
        );
        let doc = doc.iter().map(|d| quote!(#[doc = #d]));
        let arg_names: Vec<TokenStream> = params
            .iter()
            .map(|p| {
                let mut it = p.clone().into_iter();
                let first = it.next().expect("parameter has a name");
                quote!(#first)
            })
            .collect();
        Ok((
            quote! {
                #result_struct
                #(#doc)*
                #[inline]
                pub unsafe fn #fn_id(#(#params),*) -> #ret_ty {
                    with_ipc_buffer::#fn_id(seL4_GetIPCBuffer(), #(#arg_names),*)
                }
            },
            quote! {
                #[doc = #explicit_doc]
                ///
                /// # Safety
                ///
                /// `__ipc` must be the calling thread's IPC buffer; pointer arguments must be valid.
                #[inline]
                pub unsafe fn #fn_id(__ipc: *mut seL4_IPCBuffer, #(#params),*) -> #ret_ty {
                    #(#body)*
                    #tail
                }
            },
        ))
    }
}

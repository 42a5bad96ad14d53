//! The kernel configuration (`kernel/gen_config.json` and `sel4/gen_config.json`).

use std::collections::BTreeMap;
use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::error::{read, Error};

/// One configuration value as found in `gen_config.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A boolean option.
    Bool(bool),
    /// A string option whose text is a decimal or `0x` hexadecimal number.
    Number(u64),
    /// Any other string option.
    Str(String),
}

/// The merged configuration: keys without the `CONFIG_` prefix.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Every key, sorted.
    pub values: BTreeMap<String, Value>,
}

fn parse_number(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

impl Config {
    /// Loads and merges the given JSON files (earlier files win on duplicate keys).
    pub fn load(paths: &[&Path]) -> Result<Config, Error> {
        let mut cfg = Config::default();
        for path in paths {
            let text = read(path)?;
            let json: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| Error::parse(path, e.to_string()))?;
            let obj = json
                .as_object()
                .ok_or_else(|| Error::parse(path, "expected a JSON object"))?;
            for (k, v) in obj {
                let value = match v {
                    serde_json::Value::Bool(b) => Value::Bool(*b),
                    serde_json::Value::String(s) => match parse_number(s) {
                        Some(n) => Value::Number(n),
                        None => Value::Str(s.clone()),
                    },
                    serde_json::Value::Number(n) => match n.as_u64() {
                        Some(n) => Value::Number(n),
                        None => Value::Str(n.to_string()),
                    },
                    other => {
                        return Err(Error::parse(
                            path,
                            format!("key {k}: unsupported value {other}"),
                        ))
                    }
                };
                cfg.values.entry(k.clone()).or_insert(value);
            }
        }
        Ok(cfg)
    }

    /// Looks a key up; accepts names with or without the `CONFIG_` prefix.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let key = key.strip_prefix("CONFIG_").unwrap_or(key);
        self.values.get(key)
    }

    /// Whether the C preprocessor would see `CONFIG_<key>` as defined
    /// (booleans only when true; every string or number option is defined).
    pub fn is_defined(&self, key: &str) -> bool {
        !matches!(self.get(key), None | Some(Value::Bool(false)))
    }

    /// The value the C preprocessor would substitute in an `#if` expression.
    pub fn numeric(&self, key: &str) -> i128 {
        match self.get(key) {
            Some(Value::Bool(true)) => 1,
            Some(Value::Number(n)) => *n as i128,
            _ => 0,
        }
    }

    /// A string option's text (numbers rendered in decimal).
    pub fn string(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::Str(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
        }
    }

    /// Whether the kernel is an MCS kernel (`KERNEL_MCS`; absent means no).
    pub fn mcs(&self) -> bool {
        self.is_defined("KERNEL_MCS")
    }

    /// The seL4 architecture (`SEL4_ARCH`, or derived from `ARCH_X86_64` and friends).
    pub fn sel4_arch(&self) -> Option<String> {
        if let Some(s) = self.string("SEL4_ARCH") {
            return Some(s);
        }
        [
            ("ARCH_X86_64", "x86_64"),
            ("ARCH_IA32", "ia32"),
            ("ARCH_AARCH64", "aarch64"),
            ("ARCH_AARCH32", "aarch32"),
            ("ARCH_RISCV64", "riscv64"),
            ("ARCH_RISCV32", "riscv32"),
        ]
        .iter()
        .find(|(k, _)| self.is_defined(k))
        .map(|(_, v)| v.to_string())
    }

    /// The word size in bits (`WORD_SIZE`, or derived from the architecture).
    pub fn word_size(&self) -> Option<u32> {
        if let Some(Value::Number(n)) = self.get("WORD_SIZE") {
            return Some(*n as u32);
        }
        match self.sel4_arch()?.as_str() {
            "x86_64" | "aarch64" | "riscv64" => Some(64),
            "ia32" | "aarch32" | "riscv32" | "arm_hyp" => Some(32),
            _ => None,
        }
    }

    /// The configuration as `gen_config.json`-style JSON (numbers as strings).
    pub fn to_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .values
            .iter()
            .map(|(k, v)| {
                let j = match v {
                    Value::Bool(b) => serde_json::Value::Bool(*b),
                    Value::Number(n) => serde_json::Value::String(n.to_string()),
                    Value::Str(s) => serde_json::Value::String(s.clone()),
                };
                (k.clone(), j)
            })
            .collect();
        serde_json::to_string_pretty(&serde_json::Value::Object(map)).unwrap_or_default()
    }

    /// `pub mod config` body: one const per key.
    pub fn generate(&self) -> TokenStream {
        let items = self.values.iter().map(|(k, v)| {
            let ident = format_ident!("{}", sanitize(k));
            let doc = format!(" `CONFIG_{k}` from the kernel's `gen_config.json`.");
            let allow = if k.chars().any(|c| c.is_ascii_lowercase()) {
                quote!(#[allow(non_upper_case_globals)])
            } else {
                quote!()
            };
            match v {
                Value::Bool(b) => quote!(#[doc = #doc] #allow pub const #ident: bool = #b;),
                Value::Number(n) => quote!(#[doc = #doc] #allow pub const #ident: u64 = #n;),
                Value::Str(s) => quote!(#[doc = #doc] #allow pub const #ident: &str = #s;),
            }
        });
        quote!(#(#items)*)
    }
}

fn sanitize(k: &str) -> String {
    let mut s: String = k
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

//! A light scan of preprocessed bitfield files (`*.pbf`): which C types they
//! define and how many words each is. The full bitfield code generator lives in
//! [`crate::bitfield`]; the invocation stubs only need names and sizes.

use std::collections::{BTreeMap, BTreeSet};

/// Types defined by a set of `.pbf` files.
#[derive(Clone, Debug, Default)]
pub struct PbfTypes {
    /// Size in bits of every top-level type (blocks that are not tagged-union
    /// members, and tagged unions), by name without the `_t` suffix.
    pub types: BTreeMap<String, u32>,
    /// Every block and tagged-union name (members included).
    pub all_names: BTreeSet<String>,
}

impl PbfTypes {
    /// Scans one file's text and adds what it defines.
    pub fn add(&mut self, text: &str) -> Result<(), String> {
        let mut blocks: BTreeMap<String, u32> = BTreeMap::new();
        let mut unions: Vec<(String, Vec<String>)> = Vec::new();
        let mut current: Option<(String, bool, u32, Vec<String>)> = None; // name, is_union, bits, tags
        for raw in text.lines() {
            let line = raw.split("--").next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["block", name, ..] => {
                    let name = name.trim_end_matches('{').to_string();
                    // `block name(field, ...) {` lists visible fields; keep the name only.
                    let name = name.split('(').next().unwrap_or("").to_string();
                    current = Some((name, false, 0, Vec::new()));
                }
                ["tagged_union", name, ..] => {
                    current = Some((name.to_string(), true, 0, Vec::new()));
                }
                ["field", _, bits] | ["field_high", _, bits] | ["padding", bits] => {
                    let n: u32 = bits.parse().map_err(|_| format!("bad size in {line:?}"))?;
                    if let Some(c) = current.as_mut() {
                        c.2 += n;
                    }
                }
                ["tag", name, ..] => {
                    if let Some(c) = current.as_mut() {
                        c.3.push(name.to_string());
                    }
                }
                ["}"] => {
                    if let Some((name, is_union, bits, tags)) = current.take() {
                        if is_union {
                            unions.push((name, tags));
                        } else {
                            blocks.insert(name, bits);
                        }
                    }
                }
                _ => {}
            }
        }
        let members: BTreeSet<&String> = unions.iter().flat_map(|(_, t)| t).collect();
        for (name, bits) in &blocks {
            self.all_names.insert(name.clone());
            if !members.contains(name) {
                self.types.insert(name.clone(), *bits);
            }
        }
        for (name, tags) in &unions {
            self.all_names.insert(name.clone());
            let bits = tags
                .iter()
                .filter_map(|t| blocks.get(t))
                .copied()
                .max()
                .unwrap_or(0);
            self.types.insert(name.clone(), bits);
        }
        Ok(())
    }
}

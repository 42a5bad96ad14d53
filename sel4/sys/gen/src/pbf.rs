//! What the invocation stubs need to know of the bitfield types: their names
//! and sizes, taken from the parsed files ([`crate::bitfield`]).

use crate::bitfield::BitfieldFile;
use std::collections::{BTreeMap, BTreeSet};

/// Types defined by a set of `.pbf` files.
#[derive(Clone, Debug, Default)]
pub struct PbfTypes {
    /// Size in bits of every top-level type (blocks that are not tagged-union
    /// members, and tagged unions), by name without the `_t` suffix.
    pub types: BTreeMap<String, u32>,
    /// Every block and tagged-union name (members included).
    pub all_names: BTreeSet<String>,
    /// `Type.field` for every named field of a top-level block, and
    /// `Union.Member` for every member of a tagged union.
    pub fields: BTreeSet<String>,
}

impl PbfTypes {
    /// Adds what one parsed file defines.
    pub fn add(&mut self, file: &BitfieldFile) {
        let block_bits = |name: &str| {
            file.blocks
                .iter()
                .find(|b| b.name == name)
                .map(|b| b.fields.iter().map(|f| f.size).sum::<u32>())
        };
        let members: BTreeSet<&str> = file
            .unions
            .iter()
            .flat_map(|u| u.tags.iter().map(|(m, _)| m.as_str()))
            .collect();
        for b in &file.blocks {
            self.all_names.insert(b.name.clone());
            if !members.contains(b.name.as_str()) {
                let bits = b.fields.iter().map(|f| f.size).sum();
                self.types.insert(b.name.clone(), bits);
                for f in b.fields.iter().filter_map(|f| f.name.as_ref()) {
                    self.fields.insert(format!("{}.{}", b.name, f));
                }
            }
        }
        for u in &file.unions {
            self.all_names.insert(u.name.clone());
            let bits = u
                .tags
                .iter()
                .filter_map(|(m, _)| block_bits(m))
                .max()
                .unwrap_or(0);
            self.types.insert(u.name.clone(), bits);
            for (m, _) in &u.tags {
                self.fields.insert(format!("{}.{}", u.name, m));
            }
        }
    }
}

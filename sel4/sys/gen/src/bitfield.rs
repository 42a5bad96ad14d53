//! Bitfield types from the kernel's preprocessed `.pbf` files.

//! GraphQL object types. Each wraps a store row and resolves its relations through DataLoaders.

mod enums;
mod inputs;
mod objects;

pub use enums::*;
pub use inputs::*;
pub use objects::*;

//! Cartum (Horoshop store API): client, wire types, mapping and simulator. Every call is a JSON
//! `POST <shop>/api/<function>/` carrying a 600-second token; answers are `{status, response}`.

pub mod client;
pub mod map;
pub mod sim;
pub mod wire;

#[cfg(test)]
mod tests;

//! Cartum (Horoshop store API): client, wire types, mapping and simulator. Every call is a JSON
//! `POST <shop>/api/<function>/` carrying a 600-second token; answers are `{status, response}`.

pub mod client;
pub mod descriptor;
pub mod map;
pub mod settings;
pub mod sim;
pub mod wire;

/// The API's Ukrainian name of one of the five statuses every shop has (cartum.md §3); `None`
/// for a shop's own status, whose name only the shop knows.
pub fn status_label(code: &str) -> Option<&'static str> {
    let id: u64 = code.trim().parse().ok()?;
    map::DEFAULT_STATUSES
        .iter()
        .find(|s| s.0 == id)
        .map(|s| s.1)
}

#[cfg(test)]
mod tests;

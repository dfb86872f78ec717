//! Sources' side of the API that is not the source itself: what each platform's `settings` take
//! (SRC-1), for a frontend to build the form.

use super::guards::principal;
use super::types::PlatformGql;
use crate::domain::Platform;
use async_graphql::{Context, Object, SimpleObject};

/// One key of a platform's source `settings`.
#[derive(SimpleObject)]
pub struct PlatformSetting {
    /// The key, as `settings` carries it (`page_size`).
    pub key: String,
    /// `integer`, `string`, `boolean`, `string list`, `integer list`, or `one of` (see
    /// `allowedValues`).
    #[graphql(name = "type")]
    pub kind: String,
    /// What an absent key means, as JSON; null when there is no fixed default (the description
    /// says what happens).
    pub default: Option<async_graphql::Json<serde_json::Value>>,
    /// The values a `one of` key takes.
    pub allowed_values: Vec<String>,
    pub description: String,
}

#[derive(Default)]
pub struct SourceQuery;

#[Object]
impl SourceQuery {
    /// The keys a source of `platform` takes in `settings`, each with its type, default and
    /// description (SRC-1). `createSource` and `updateSource` refuse any other key, and a value
    /// of the wrong type, with `BAD_INPUT` naming it.
    async fn platform_settings(
        &self,
        ctx: &Context<'_>,
        platform: PlatformGql,
    ) -> async_graphql::Result<Vec<PlatformSetting>> {
        principal(ctx)?;
        let platform: Platform = platform.into();
        Ok(crate::platforms::settings::docs(platform)
            .into_iter()
            .map(|d| PlatformSetting {
                key: d.key.to_string(),
                kind: d.kind.to_string(),
                default: serde_json::from_str(d.default)
                    .ok()
                    .filter(|v: &serde_json::Value| !v.is_null())
                    .map(async_graphql::Json),
                allowed_values: d.allowed.iter().map(|a| a.to_string()).collect(),
                description: d.description.to_string(),
            })
            .collect())
    }
}

//! Sources through the API (SRC-1..5): connecting, changing, pausing and removing them, and what
//! each platform's `settings` take, for a frontend's form. Resolvers parse and authorize the
//! caller; the sync room's source service (`sync::sources`) does the rest.

use super::guards::{admin, parse_id, principal, state, GqlResult};
use super::mutation::{check_base_url, check_settings, settings};
use super::types::*;
use crate::domain::credentials::Credentials;
use crate::domain::{Platform, SourceId};
use crate::sync::sources::NewSource;
use crate::Error;
use async_graphql::{Context, ErrorExtensions, Object, SimpleObject, ID};

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

/// What a platform's sources are like, beside their `settings` keys: what a frontend's form for
/// a new source needs to know.
#[derive(SimpleObject)]
pub struct PlatformFacts {
    /// The source's `language` is used: the names of the platform's goods are read in it
    /// (SRC-1: Prom, Cartum). Other platforms ignore it.
    pub takes_language: bool,
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

    /// What sources of `platform` are like beside their settings (`takesLanguage`), from the
    /// platform's descriptor.
    async fn platform_facts(
        &self,
        ctx: &Context<'_>,
        platform: PlatformGql,
    ) -> async_graphql::Result<PlatformFacts> {
        principal(ctx)?;
        let d = crate::platforms::descriptor(platform.into());
        Ok(PlatformFacts {
            takes_language: d.takes_language(),
        })
    }
}

#[derive(Default)]
pub struct SourceMutation;

#[Object]
impl SourceMutation {
    /// Connects a shop or marketplace account (admins only). The platform is asked whether the
    /// credentials work before anything is saved (SRC-2); they are stored encrypted (SRC-3). An
    /// account already connected as another source (the same token, login, shop domain or site)
    /// is refused with `CONFLICT` naming that source, unless `allowSameAccount` is true.
    async fn create_source(
        &self,
        ctx: &Context<'_>,
        input: CreateSourceInput,
    ) -> async_graphql::Result<Source> {
        admin(ctx)?;
        let platform: Platform = input.platform.into();
        input.credentials.check()?;
        let creds: Credentials = input.credentials.into();
        if let Err(missing) =
            creds.check_complete(crate::platforms::descriptor(platform).required_credentials())
        {
            return Err(Error::bad_input(
                &format!("credentials.{missing}"),
                format!("{platform} needs `{missing}` to connect"),
            )
            .extend());
        }
        let mut s = settings(
            Some(input.name),
            Some(input.currency),
            input.base_url,
            input.language,
            input.manager_ids,
            input.send_tracking,
            input.tracking_status_ids,
            input.store_commission,
            input.expense_type,
            input.identify_products_by,
            input.default_status_id,
        )?;
        s.settings = check_settings(platform, input.settings)?;
        if s.base_url.as_ref().is_none_or(|u| u.is_none())
            && crate::platforms::descriptor(platform)
                .production_base_url()
                .is_none()
        {
            let hint = crate::platforms::descriptor(platform).base_url_from_credentials(&creds);
            match hint {
                Some(url) => s.base_url = Some(check_base_url(&url)?),
                None => {
                    return Err(Error::bad_input(
                        "baseUrl",
                        format!("{platform} runs on the seller's own domain: give the shop's URL"),
                    )
                    .extend())
                }
            }
        }
        let row = state(ctx)
            .engine
            .connect_source(NewSource {
                platform,
                settings: s,
                credentials: creds,
                allow_same_account: input.allow_same_account.unwrap_or(false),
            })
            .await
            .gql()?;
        Ok(Source(row))
    }

    /// Changes a source (admins only). New credentials replace the stored ones and clear
    /// `needsReauth`; new credentials or a new `baseUrl` naming an account another source has are
    /// refused with `CONFLICT`, unless `allowSameAccount` is true.
    async fn update_source(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateSourceInput,
    ) -> async_graphql::Result<Source> {
        admin(ctx)?;
        let id: SourceId = parse_id("id", &id)?;
        let st = state(ctx);
        let mut s = settings(
            input.name,
            input.currency,
            input.base_url,
            input.language,
            input.manager_ids,
            input.send_tracking,
            input.tracking_status_ids,
            input.store_commission,
            input.expense_type,
            input.identify_products_by,
            input.default_status_id,
        )?;
        s.enabled = input.enabled;
        let platform = || async { st.store.source_and_platform(id).await.map(|(_, p)| p).gql() };
        if input.settings.is_some() {
            s.settings = check_settings(platform().await?, input.settings)?;
        }
        let credentials = match input.credentials {
            Some(c) => {
                let platform = platform().await?;
                c.check()?;
                let creds: Credentials = c.into();
                if let Err(missing) = creds
                    .check_complete(crate::platforms::descriptor(platform).required_credentials())
                {
                    return Err(Error::bad_input(
                        &format!("credentials.{missing}"),
                        format!("{platform} needs `{missing}`"),
                    )
                    .extend());
                }
                Some(creds)
            }
            None => None,
        };
        let row = st
            .engine
            .change_source(
                id,
                s,
                credentials,
                input.allow_same_account.unwrap_or(false),
            )
            .await
            .gql()?;
        st.webhook_sources.forget(id);
        Ok(Source(row))
    }

    /// Stops polling and parks webhooks of a source until it is enabled again (SRC-5).
    async fn disable_source(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Source> {
        set_enabled(ctx, id, false).await
    }

    async fn enable_source(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Source> {
        set_enabled(ctx, id, true).await
    }

    /// Removes a source; its orders stay (SRC-5).
    async fn delete_source(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        admin(ctx)?;
        let id: SourceId = parse_id("id", &id)?;
        let st = state(ctx);
        st.engine.delete_source(id).await.gql()?;
        st.webhook_sources.forget(id);
        Ok(true)
    }
}

async fn set_enabled(ctx: &Context<'_>, id: ID, enabled: bool) -> async_graphql::Result<Source> {
    admin(ctx)?;
    let id: SourceId = parse_id("id", &id)?;
    let st = state(ctx);
    let row = st.engine.set_source_enabled(id, enabled).await.gql()?;
    st.webhook_sources.forget(id);
    Ok(Source(row))
}

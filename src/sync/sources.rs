//! Connecting and changing sources (SRC-1..3, SRC-6; issue 19): the one place that asks a
//! platform whether new credentials work, refuses a second source of one platform account unless
//! asked, saves and starts the backfill, and drops a deleted source's cached client (a changed
//! source's is rebuilt by its fingerprint). The API parses and authorizes the caller, then calls
//! this; nothing else talks to a platform on a source's behalf.

use super::{engine::platform_error, RunKind, SyncEngine};
use crate::domain::credentials::Credentials;
use crate::domain::{Platform, SourceId};
use crate::error::{Error, Result};
use crate::platforms::{account_identity, PlatformError};
use crate::store::rows::SourceRow;
use crate::store::sources::{platform_of, SourceSettings};

/// A source to connect: its settings (credentials not yet encrypted) and whether a second
/// source of an account already connected is wanted.
pub struct NewSource {
    pub platform: Platform,
    pub settings: SourceSettings,
    pub credentials: Credentials,
    /// Connect even when another source has the same account (two views of one shop).
    pub allow_same_account: bool,
}

impl SyncEngine {
    /// SRC-2: checks the references, refuses a second source of the account (`CONFLICT` naming
    /// the source that has it), asks the platform (bad credentials: `PLATFORM_ERROR` with its
    /// words, nothing saved), saves with the credentials encrypted, and backfills in the
    /// background (webhook platforms subscribe first, so nothing created meanwhile is missed).
    pub async fn connect_source(&self, new: NewSource) -> Result<SourceRow> {
        let NewSource {
            platform,
            mut settings,
            credentials,
            allow_same_account,
        } = new;
        // bad references are the caller's mistake: say so before asking the platform anything
        self.store.check_source_refs(&settings).await?;
        let base_url = settings
            .base_url
            .clone()
            .flatten()
            .or_else(|| {
                crate::platforms::descriptor(platform)
                    .production_base_url()
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let account = self.account_key(platform, &credentials, Some(&base_url));
        if !allow_same_account {
            self.refuse_second_source(platform, &account, None).await?;
        }
        let client = self.client_for_new(
            platform,
            base_url,
            credentials.clone(),
            settings.language.clone().flatten(),
            settings
                .settings
                .clone()
                .unwrap_or_else(|| serde_json::json!({})),
        )?;
        check_credentials(platform, client.authorize().await)?;
        settings.credentials_enc = Some(self.key().encrypt_credentials(&credentials));
        let row = self.store.create_source(platform, settings).await?;
        let id = SourceId(row.id);
        self.store
            .set_source_account(id, platform, &account)
            .await?;
        // IMP-1: the backfill runs in the background; its progress is a sync run
        let engine = self.clone();
        tokio::spawn(async move {
            if !crate::platforms::descriptor(platform).is_polled() {
                engine.ensure_webhooks(id).await;
            }
            if let Err(e) = engine.run(id, RunKind::Backfill).await {
                tracing::warn!(source_id = id.0, error = %e, "backfill failed");
            }
        });
        Ok(row)
    }

    /// Changes a source. New credentials (or a new shop address) are refused when another source
    /// has that account, unless asked; new credentials resume a source paused for
    /// re-authorization (SRC-6). The cached client is rebuilt at its next use, since what it was
    /// built from (credentials, URL, language, settings) changed.
    pub async fn change_source(
        &self,
        id: SourceId,
        mut settings: SourceSettings,
        credentials: Option<Credentials>,
        allow_same_account: bool,
    ) -> Result<SourceRow> {
        let (row, platform) = self.store.source_and_platform(id).await?;
        let account = if credentials.is_some() || settings.base_url.is_some() {
            let creds = match &credentials {
                Some(c) => c.clone(),
                None => self
                    .key()
                    .decrypt_credentials(&row.credentials_enc)
                    .map_err(Error::Internal)?,
            };
            let base_url = match &settings.base_url {
                Some(url) => url.clone(),
                None => row.base_url.clone(),
            }
            .or_else(|| {
                crate::platforms::descriptor(platform)
                    .production_base_url()
                    .map(str::to_string)
            });
            let account = self.account_key(platform, &creds, base_url.as_deref());
            // the account it has already is no second connection, whoever else shares it
            let unchanged = self.store.account_of_source(id).await?.as_ref() == Some(&account);
            if !allow_same_account && !unchanged {
                self.refuse_second_source(platform, &account, Some(id))
                    .await?;
            }
            Some(account)
        } else {
            None
        };
        if let Some(c) = &credentials {
            settings.credentials_enc = Some(self.key().encrypt_credentials(c));
        }
        let row = self.store.update_source(id, settings).await?;
        if let Some(account) = account {
            self.store
                .set_source_account(id, platform, &account)
                .await?;
        }
        Ok(row)
    }

    /// Stops or resumes a source's polling (SRC-5).
    pub async fn set_source_enabled(&self, id: SourceId, enabled: bool) -> Result<SourceRow> {
        let row = self
            .store
            .update_source(
                id,
                SourceSettings {
                    enabled: Some(enabled),
                    ..Default::default()
                },
            )
            .await?;
        Ok(row)
    }

    /// Removes a source, keeping its orders (SRC-5), and drops its cached client.
    pub async fn delete_source(&self, id: SourceId) -> Result<()> {
        self.store.delete_source(id).await?;
        self.forget_client(id);
        Ok(())
    }

    /// The stored form of the account credentials connect to: a keyed hash, empty when they
    /// name none.
    fn account_key(
        &self,
        platform: Platform,
        creds: &Credentials,
        base_url: Option<&str>,
    ) -> String {
        account_identity(platform, creds, base_url)
            .map(|identity| self.key().account_key(platform, &identity))
            .unwrap_or_default()
    }

    /// `CONFLICT` naming the source (other than `except`) already connected to the account.
    async fn refuse_second_source(
        &self,
        platform: Platform,
        account: &str,
        except: Option<SourceId>,
    ) -> Result<()> {
        if account.is_empty() {
            return Ok(());
        }
        self.record_missing_accounts().await?;
        match self
            .store
            .source_of_account(platform, account, except)
            .await?
        {
            None => Ok(()),
            Some(other) => Err(Error::Conflict(format!(
                "this {platform} account is already connected as source «{}» (id {}); to \
                 connect it again, ask with allowSameAccount: true",
                other.name, other.id
            ))),
        }
    }

    /// Sources stored before accounts were recorded get their keys (their credentials decrypted
    /// here, in memory, one at a time); after the first call there are none.
    async fn record_missing_accounts(&self) -> Result<()> {
        for src in self.store.sources_without_account().await? {
            let account = match (
                platform_of(&src),
                self.key().decrypt_credentials(&src.credentials_enc),
            ) {
                (Ok(platform), Ok(creds)) => {
                    let base_url = src.base_url.clone().or_else(|| {
                        crate::platforms::descriptor(platform)
                            .production_base_url()
                            .map(str::to_string)
                    });
                    Some((
                        platform,
                        self.account_key(platform, &creds, base_url.as_deref()),
                    ))
                }
                // written with another key: its account cannot be known
                (Ok(platform), Err(_)) => Some((platform, String::new())),
                (Err(_), _) => None,
            };
            if let Some((platform, account)) = account {
                self.store
                    .set_source_account(SourceId(src.id), platform, &account)
                    .await?;
            }
        }
        Ok(())
    }
}

/// What the platform said of new credentials, as the API shows it: nothing when it took them
/// (or cannot check them), else `PLATFORM_ERROR` with its words.
fn check_credentials(
    platform: Platform,
    answer: std::result::Result<(), PlatformError>,
) -> Result<()> {
    match answer {
        Ok(()) | Err(PlatformError::Unsupported(_)) => Ok(()),
        Err(e @ PlatformError::Unauthorized(_)) => Err(platform_error(platform, e)),
        Err(e) => Err(match platform_error(platform, e) {
            Error::Platform { platform, message } => Error::Platform {
                platform,
                message: format!("could not check the credentials: {message}"),
            },
            other => other,
        }),
    }
}

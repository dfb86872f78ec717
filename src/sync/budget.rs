//! Platform calls a person asks for (`syncSource`, `syncOrder`, `syncPublication`,
//! `syncPublications`) draw on one budget per source (`domain::budget`), shared by every user,
//! request and instance. The scheduled work does not: it has the platform's pace.

use super::SyncEngine;
use crate::domain::budget::CallBudget;
use crate::domain::SourceId;
use crate::error::{Error, Result};
use crate::store::rows::SourceRow;

impl SyncEngine {
    /// Takes one call from the source's budget; `RATE_LIMITED` with the time the next call is
    /// allowed when it is spent. Call it before anything else is claimed for the call.
    pub async fn spend_manual_call(&self, src: &SourceRow) -> Result<()> {
        let common = crate::platforms::settings::common(&src.settings);
        let budget =
            CallBudget::from_settings(common.manual_call_burst, common.manual_calls_per_minute);
        match self
            .store
            .spend_platform_call(SourceId(src.id), &budget)
            .await?
        {
            Ok(()) => Ok(()),
            Err(next) => Err(Error::RateLimited {
                message: format!(
                    "the budget of platform calls of source «{}» is spent ({}); try again after {}",
                    src.name,
                    budget.describe(),
                    next.format("%H:%M:%S UTC")
                ),
                retry_at: Some(next),
            }),
        }
    }
}

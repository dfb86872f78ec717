//! The API test suite: one binary (one link step) with a module per capability.

mod helpers;
mod sims;

mod api_limits;
mod auth_permissions;
mod console;
mod cors;
mod customer_visibility;
mod demo;
mod expenses;
mod fixtures_rest;
mod fleet_schedule;
mod leases;
mod live;
mod managers;
mod ops;
mod order_work;
mod orders;
mod platform_budget;
mod polling_sync;
mod push;
mod push_feed;
mod reconcile_now;
mod resync_cost;
mod schema;
mod source_settings;
mod sources;
mod tokens;
mod unreadable_orders;
mod webhook_platforms;
mod webhooks_fuzz;
mod webhooks_process;
mod webhooks_receive;

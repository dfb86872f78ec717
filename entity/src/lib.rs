//! SeaORM entities of the orderhub database (one module per table).

pub mod prelude;

pub mod category;
pub mod customer;
pub mod customer_contact;
pub mod data_repair;
pub mod expense;
pub mod lease;
pub mod order;
pub mod order_event;
pub mod order_item;
pub mod outbox_job;
pub mod product;
pub mod publication;
pub mod source;
pub mod source_account;
pub mod source_call_budget;
pub mod source_event;
pub mod source_manager;
pub mod status;
pub mod status_rule;
pub mod sync_run;
pub mod user;
pub mod user_source;
pub mod webhook_delivery;

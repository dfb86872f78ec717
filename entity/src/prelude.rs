//! Re-exports of all entities under their singular CamelCase names.

pub use super::category::Entity as Category;
pub use super::customer::Entity as Customer;
pub use super::customer_contact::Entity as CustomerContact;
pub use super::expense::Entity as Expense;
pub use super::lease::Entity as Lease;
pub use super::order::Entity as Order;
pub use super::order_event::Entity as OrderEvent;
pub use super::order_item::Entity as OrderItem;
pub use super::outbox_job::Entity as OutboxJob;
pub use super::product::Entity as Product;
pub use super::publication::Entity as Publication;
pub use super::source::Entity as Source;
pub use super::source_call_budget::Entity as SourceCallBudget;
pub use super::source_event::Entity as SourceEvent;
pub use super::source_manager::Entity as SourceManager;
pub use super::status::Entity as Status;
pub use super::status_rule::Entity as StatusRule;
pub use super::sync_run::Entity as SyncRun;
pub use super::user::Entity as User;
pub use super::user_source::Entity as UserSource;
pub use super::webhook_delivery::Entity as WebhookDelivery;

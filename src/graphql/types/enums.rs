//! GraphQL enums, mirrors of the domain's (the domain stays free of async-graphql).

use crate::domain;
use crate::domain::expenses::ExpenseGrouping as DomainGrouping;
use async_graphql::Enum;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Platform")]
pub enum PlatformGql {
    Rozetka,
    Prom,
    Epicentr,
    Cartum,
    Shopify,
    Woocommerce,
}

impl From<PlatformGql> for domain::Platform {
    fn from(p: PlatformGql) -> Self {
        match p {
            PlatformGql::Rozetka => domain::Platform::Rozetka,
            PlatformGql::Prom => domain::Platform::Prom,
            PlatformGql::Epicentr => domain::Platform::Epicentr,
            PlatformGql::Cartum => domain::Platform::Cartum,
            PlatformGql::Shopify => domain::Platform::Shopify,
            PlatformGql::Woocommerce => domain::Platform::Woocommerce,
        }
    }
}

impl From<domain::Platform> for PlatformGql {
    fn from(p: domain::Platform) -> Self {
        match p {
            domain::Platform::Rozetka => PlatformGql::Rozetka,
            domain::Platform::Prom => PlatformGql::Prom,
            domain::Platform::Epicentr => PlatformGql::Epicentr,
            domain::Platform::Cartum => PlatformGql::Cartum,
            domain::Platform::Shopify => PlatformGql::Shopify,
            domain::Platform::Woocommerce => PlatformGql::Woocommerce,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "StatusGroup")]
pub enum StatusGroupGql {
    New,
    Approval,
    Production,
    Delivery,
    Completed,
    Cancelled,
}

impl From<StatusGroupGql> for domain::StatusGroup {
    fn from(g: StatusGroupGql) -> Self {
        match g {
            StatusGroupGql::New => domain::StatusGroup::New,
            StatusGroupGql::Approval => domain::StatusGroup::Approval,
            StatusGroupGql::Production => domain::StatusGroup::Production,
            StatusGroupGql::Delivery => domain::StatusGroup::Delivery,
            StatusGroupGql::Completed => domain::StatusGroup::Completed,
            StatusGroupGql::Cancelled => domain::StatusGroup::Cancelled,
        }
    }
}

impl From<domain::StatusGroup> for StatusGroupGql {
    fn from(g: domain::StatusGroup) -> Self {
        match g {
            domain::StatusGroup::New => StatusGroupGql::New,
            domain::StatusGroup::Approval => StatusGroupGql::Approval,
            domain::StatusGroup::Production => StatusGroupGql::Production,
            domain::StatusGroup::Delivery => StatusGroupGql::Delivery,
            domain::StatusGroup::Completed => StatusGroupGql::Completed,
            domain::StatusGroup::Cancelled => StatusGroupGql::Cancelled,
        }
    }
}

/// How goods of imported orders are matched to the catalogue (PRD-1).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ProductIdentity {
    Name,
    Sku,
    Id,
}

impl ProductIdentity {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductIdentity::Name => "name",
            ProductIdentity::Sku => "sku",
            ProductIdentity::Id => "id",
        }
    }

    pub fn parse(s: &str) -> ProductIdentity {
        match s {
            "name" => ProductIdentity::Name,
            "id" => ProductIdentity::Id,
            _ => ProductIdentity::Sku,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ExpenseGrouping")]
pub enum ExpenseGroupingGql {
    Source,
    Platform,
    ExpenseType,
    Day,
    Month,
}

impl From<ExpenseGroupingGql> for DomainGrouping {
    fn from(g: ExpenseGroupingGql) -> Self {
        match g {
            ExpenseGroupingGql::Source => DomainGrouping::Source,
            ExpenseGroupingGql::Platform => DomainGrouping::Platform,
            ExpenseGroupingGql::ExpenseType => DomainGrouping::ExpenseType,
            ExpenseGroupingGql::Day => DomainGrouping::Day,
            ExpenseGroupingGql::Month => DomainGrouping::Month,
        }
    }
}

/// API-2 "shop origin": created here, from integrations, or all.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrderOrigin {
    All,
    Here,
    Integrations,
}

impl From<OrderOrigin> for domain::orders::Origin {
    fn from(o: OrderOrigin) -> Self {
        match o {
            OrderOrigin::All => domain::orders::Origin::All,
            OrderOrigin::Here => domain::orders::Origin::Here,
            OrderOrigin::Integrations => domain::orders::Origin::Integrations,
        }
    }
}

/// What `orders` is sorted by (API-2).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrderSortField {
    /// When the order was placed on its platform (created here: when it was created).
    CreatedAt,
    /// When orderhub last changed the order: an import, a sync, a person.
    UpdatedAt,
    Total,
    /// The order's number, as text (so "10" comes before "9").
    Number,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SortDirection {
    Asc,
    Desc,
}

impl From<OrderSortField> for domain::orders::OrderSortField {
    fn from(f: OrderSortField) -> Self {
        match f {
            OrderSortField::CreatedAt => domain::orders::OrderSortField::CreatedAt,
            OrderSortField::UpdatedAt => domain::orders::OrderSortField::UpdatedAt,
            OrderSortField::Total => domain::orders::OrderSortField::Total,
            OrderSortField::Number => domain::orders::OrderSortField::Number,
        }
    }
}

//! `schema.graphql` is exactly what `orderhub schema` prints (API-1).
// covers: API-1

#[test]
fn schema_file_matches_the_printed_schema() {
    let printed = orderhub::graphql::sdl();
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql at the repo root");
    assert!(
        printed == file,
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql`"
    );
}

#[test]
fn the_contract_names_are_in_the_schema() {
    let sdl = orderhub::graphql::sdl();
    for name in [
        "enum Platform",
        "ROZETKA",
        "WOOCOMMERCE",
        "enum StatusGroup",
        "APPROVAL",
        "sources: [Source!]!",
        "source(id: ID!): Source",
        // `orderBy` (issue 19) came after the contract's three, optional: queries without it work
        "orders(filter: OrderFilter, first: Int, after: String, last: Int, before: String, orderBy: OrderSort): OrderConnection!",
        "order(id: ID!): Order",
        "statuses: [Status!]!",
        "commissionExpenses(from: DateTime!, to: DateTime!, groupBy: ExpenseGrouping!)",
        "enum ExpenseGrouping",
        "EXPENSE_TYPE",
        "enum ProductIdentity",
        "createSource(input: CreateSourceInput!): Source!",
        "changeOrderStatus(orderId: ID!, statusId: ID!, cancellationReason: String): Order!",
        "setTrackingNumber(orderId: ID!, trackingNumber: String!): Order!",
        "updateSource(id: ID!, input: UpdateSourceInput!): Source!",
        "me: User!",
        "createUser(input: CreateUserInput!): CreatedUser!",
        "setUserSources(userId: ID!, sourceIds: [ID!]!): User!",
        "totalCount",
        "hasNextPage",
        "endCursor",
        "currencyMismatch",
        "needsReauth",
    ] {
        assert!(sdl.contains(name), "schema lacks `{name}`");
    }
}

//! What one request may ask (issue 16): query cost, root fields, aliases and depth, with
//! introspection let through; every string and list input bounded; ids shown cut in errors;
//! webhook bodies read only when asked for; a customer's orders paged by the database; expense
//! totals summed by the database.
// covers: API-1, API-3, API-5, EXP-2, WH-4, CUS-1

use crate::helpers::*;
use orderhub::domain::expenses::{group_expenses, ExpenseGrouping};
use orderhub::domain::money::format_amount;
use serde_json::{json, Value};

/// `getIntrospectionQuery()` of graphql-js 16.15.0, byte for byte: what GraphiQL, Apollo,
/// Altair and graphql-codegen send. Its TypeRef fragment nests `ofType` nine levels deep.
const GRAPHQL_JS_16_INTROSPECTION: &str = concat!(
    "\n",
    "    query IntrospectionQuery {\n",
    "      __schema {\n",
    "        \n",
    "        queryType { name kind }\n",
    "        mutationType { name kind }\n",
    "        subscriptionType { name kind }\n",
    "        types {\n",
    "          ...FullType\n",
    "        }\n",
    "        directives {\n",
    "          name\n",
    "          description\n",
    "          \n",
    "          \n",
    "          \n",
    "          locations\n",
    "          args {\n",
    "            ...InputValue\n",
    "          }\n",
    "        }\n",
    "      }\n",
    "    }\n",
    "\n",
    "    fragment FullType on __Type {\n",
    "      kind\n",
    "      name\n",
    "      description\n",
    "      \n",
    "      \n",
    "      fields(includeDeprecated: true) {\n",
    "        name\n",
    "        description\n",
    "        args {\n",
    "          ...InputValue\n",
    "        }\n",
    "        type {\n",
    "          ...TypeRef\n",
    "        }\n",
    "        isDeprecated\n",
    "        deprecationReason\n",
    "      }\n",
    "      inputFields {\n",
    "        ...InputValue\n",
    "      }\n",
    "      interfaces {\n",
    "        ...TypeRef\n",
    "      }\n",
    "      enumValues(includeDeprecated: true) {\n",
    "        name\n",
    "        description\n",
    "        isDeprecated\n",
    "        deprecationReason\n",
    "      }\n",
    "      possibleTypes {\n",
    "        ...TypeRef\n",
    "      }\n",
    "    }\n",
    "\n",
    "    fragment InputValue on __InputValue {\n",
    "      name\n",
    "      description\n",
    "      type { ...TypeRef }\n",
    "      defaultValue\n",
    "      \n",
    "      \n",
    "    }\n",
    "\n",
    "    fragment TypeRef on __Type {\n",
    "      kind\n",
    "      name\n",
    "      ofType {\n",
    "        name\n",
    "        kind\n",
    "        ofType {\n",
    "          name\n",
    "          kind\n",
    "          ofType {\n",
    "            name\n",
    "            kind\n",
    "            ofType {\n",
    "              name\n",
    "              kind\n",
    "              ofType {\n",
    "                name\n",
    "                kind\n",
    "                ofType {\n",
    "                  name\n",
    "                  kind\n",
    "                  ofType {\n",
    "                    name\n",
    "                    kind\n",
    "                    ofType {\n",
    "                      name\n",
    "                      kind\n",
    "                      ofType {\n",
    "                        name\n",
    "                        kind\n",
    "                      }\n",
    "                    }\n",
    "                  }\n",
    "                }\n",
    "              }\n",
    "            }\n",
    "          }\n",
    "        }\n",
    "      }\n",
    "    }\n",
    "  ",
);

/// The same with every option on (`specifiedByUrl`, `directiveIsRepeatable`, `schemaDescription`,
/// `inputValueDeprecation`, `oneOf`), as newer GraphiQL builds ask.
const GRAPHQL_JS_16_INTROSPECTION_ALL_OPTIONS: &str = concat!(
    "\n",
    "    query IntrospectionQuery {\n",
    "      __schema {\n",
    "        description\n",
    "        queryType { name kind }\n",
    "        mutationType { name kind }\n",
    "        subscriptionType { name kind }\n",
    "        types {\n",
    "          ...FullType\n",
    "        }\n",
    "        directives {\n",
    "          name\n",
    "          description\n",
    "          isRepeatable\n",
    "          \n",
    "          \n",
    "          locations\n",
    "          args(includeDeprecated: true) {\n",
    "            ...InputValue\n",
    "          }\n",
    "        }\n",
    "      }\n",
    "    }\n",
    "\n",
    "    fragment FullType on __Type {\n",
    "      kind\n",
    "      name\n",
    "      description\n",
    "      specifiedByURL\n",
    "      isOneOf\n",
    "      fields(includeDeprecated: true) {\n",
    "        name\n",
    "        description\n",
    "        args(includeDeprecated: true) {\n",
    "          ...InputValue\n",
    "        }\n",
    "        type {\n",
    "          ...TypeRef\n",
    "        }\n",
    "        isDeprecated\n",
    "        deprecationReason\n",
    "      }\n",
    "      inputFields(includeDeprecated: true) {\n",
    "        ...InputValue\n",
    "      }\n",
    "      interfaces {\n",
    "        ...TypeRef\n",
    "      }\n",
    "      enumValues(includeDeprecated: true) {\n",
    "        name\n",
    "        description\n",
    "        isDeprecated\n",
    "        deprecationReason\n",
    "      }\n",
    "      possibleTypes {\n",
    "        ...TypeRef\n",
    "      }\n",
    "    }\n",
    "\n",
    "    fragment InputValue on __InputValue {\n",
    "      name\n",
    "      description\n",
    "      type { ...TypeRef }\n",
    "      defaultValue\n",
    "      isDeprecated\n",
    "      deprecationReason\n",
    "    }\n",
    "\n",
    "    fragment TypeRef on __Type {\n",
    "      kind\n",
    "      name\n",
    "      ofType {\n",
    "        name\n",
    "        kind\n",
    "        ofType {\n",
    "          name\n",
    "          kind\n",
    "          ofType {\n",
    "            name\n",
    "            kind\n",
    "            ofType {\n",
    "              name\n",
    "              kind\n",
    "              ofType {\n",
    "                name\n",
    "                kind\n",
    "                ofType {\n",
    "                  name\n",
    "                  kind\n",
    "                  ofType {\n",
    "                    name\n",
    "                    kind\n",
    "                    ofType {\n",
    "                      name\n",
    "                      kind\n",
    "                      ofType {\n",
    "                        name\n",
    "                        kind\n",
    "                      }\n",
    "                    }\n",
    "                  }\n",
    "                }\n",
    "              }\n",
    "            }\n",
    "          }\n",
    "        }\n",
    "      }\n",
    "    }\n",
    "  ",
);

fn errors(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["extensions"]["code"].as_str().unwrap_or("").to_string(),
                        e["message"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The request was refused as BAD_INPUT with a message containing every one of `words`.
fn assert_refused(body: &Value, words: &[&str]) {
    let errs = errors(body);
    assert!(
        errs.iter()
            .any(|(code, msg)| code == "BAD_INPUT" && words.iter().all(|w| msg.contains(w))),
        "expected a BAD_INPUT error saying {words:?}, got {body}"
    );
}

async fn introspect(app: &TestApp, token: Option<&str>, query: &str) -> Value {
    let resp = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(token.unwrap_or(ADMIN_TOKEN))
        .json(&json!({"query": query, "operationName": "IntrospectionQuery", "variables": {}}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "HTTP {}", resp.status());
    resp.json().await.unwrap()
}

// covers: API-1
#[tokio::test]
async fn graphql_js_introspection_query_is_answered() {
    let app = spawn_app().await;
    let src = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    let (_, token) = app.create_user("viewer", &[src]).await;
    for (name, query) in [
        ("default", GRAPHQL_JS_16_INTROSPECTION),
        ("all options", GRAPHQL_JS_16_INTROSPECTION_ALL_OPTIONS),
    ] {
        for t in [ADMIN_TOKEN, token.as_str()] {
            let body = introspect(&app, Some(t), query).await;
            assert!(body.get("errors").is_none(), "{name}: {body}");
            let types = body["data"]["__schema"]["types"].as_array().unwrap();
            assert!(
                types.iter().any(|t| t["name"] == "Order"),
                "{name}: no Order type"
            );
            assert_eq!(body["data"]["__schema"]["queryType"]["name"], "QueryRoot");
        }
    }
}

// covers: API-5
#[tokio::test]
async fn introspection_nesting_type_lists_three_deep_is_refused() {
    let app = spawn_app().await;
    let body = app
        .gql(
            "{ __type(name: \"Order\") { fields { type { fields { type { fields { name } } } } } } }",
            json!({}),
        )
        .await;
    assert_refused(&body, &["introspection nests 3 type lists", "limit of 2"]);
}

// covers: API-3, API-5
#[tokio::test]
async fn amplifying_queries_are_refused_with_their_cost() {
    let app = spawn_app().await;
    let src = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    app.import(src, sample_order("1", at(1), "Олена", "0501000001"))
        .await;
    let (_, token) = app.create_user("viewer", &[src]).await;

    // 1 000 aliases of a full page of orders
    let aliases: String = (0..1000)
        .map(|i| format!("a{i}: orders(first: 200) {{ edges {{ node {{ id number }} }} }} "))
        .collect();
    let body = app
        .gql_as(Some(&token), &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert!(body["data"].is_null(), "nothing runs: {body}");
    // each alias: 200 × (edges 1 + node 1 + id 1 + number 1) + 1 = 801
    assert_refused(&body, &["query cost 801000 exceeds the limit of 50000"]);
    assert_refused(&body, &["1000 root fields", "limit of 20"]);
    assert_refused(&body, &["1000 aliased fields", "limit of 50"]);

    // customer → orders → customer → orders, seven levels deep
    let nested = "{ orders(first: 200) { edges { node { customer { orders(first: 200) { \
                  edges { node { customer { orders(first: 200) { edges { node { id } } } } } } \
                  } } } } } }";
    let body = app.gql_as(Some(&token), nested, json!({})).await;
    assert!(body["data"].is_null(), "nothing runs: {body}");
    assert_refused(&body, &["query cost", "exceeds the limit of 50000"]);

    // the same through variables and fragments
    let body = app
        .gql_as(
            Some(&token),
            "query($n: Int) { orders(first: $n) { ...Page } } \
             fragment Page on OrderConnection { edges { node { customer { orders(first: $n) { \
             edges { node { customer { id } } } } } } } }",
            json!({"n": 200}),
        )
        .await;
    assert_refused(&body, &["query cost", "exceeds the limit of 50000"]);
}

// covers: API-1, API-2
#[tokio::test]
async fn a_full_page_of_orders_with_their_details_is_within_the_limits() {
    let app = spawn_app().await;
    let src = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    app.import(src, sample_order("1", at(1), "Олена", "0501000001"))
        .await;
    let d = app
        .data(
            "{ orders(first: 200) { totalCount pageInfo { hasNextPage endCursor } edges { cursor \
             node { id number total currency status { id name group } source { id name } \
             customer { id firstName lastName phone } items { name sku quantity price } \
             events { kind message createdAt } expenses { amount currency } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["orders"]["totalCount"], 1);
}

// covers: API-5
#[tokio::test]
async fn deep_queries_are_refused_with_their_depth() {
    let app = spawn_app().await;
    // orders → edges → node, then customer → orders → edges → node twice, then the leaf: 12
    // levels
    let deep = |leaf: &str| {
        let mut q = leaf.to_string();
        for _ in 0..2 {
            q = format!("customer {{ orders(first: 1) {{ edges {{ node {{ {q} }} }} }} }}");
        }
        format!("{{ orders(first: 1) {{ edges {{ node {{ {q} }} }} }} }}")
    };
    let body = app.gql(&deep("id"), json!({})).await;
    assert!(
        body.get("errors").is_none(),
        "12 levels are allowed: {body}"
    );
    let body = app.gql(&deep("customer { id }"), json!({})).await;
    assert_refused(&body, &["query depth 13 exceeds the limit of 12"]);
}

// covers: API-4, API-5
#[tokio::test]
async fn every_input_is_bounded_and_a_refusal_names_the_field_and_limit() {
    let app = spawn_app().await;
    let src = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    let (_, token) = app.create_user("viewer", &[src]).await;
    let long = |n: usize| "я".repeat(n);
    let ids = |n: usize| -> Vec<String> { (1..=n).map(|i| i.to_string()).collect() };
    let source = src.to_string();
    let create = "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }";
    let source_input = |extra: Value| {
        let mut i = json!({"name": "Shop", "platform": "PROM", "currency": "UAH",
                           "credentials": {"token": "t"}});
        for (k, v) in extra.as_object().unwrap() {
            i[k] = v.clone();
        }
        json!({ "i": i })
    };
    let cases: Vec<(bool, &str, Value, &str, &str)> = vec![
        (false, "query($s: String) { orders(filter: {search: $s}) { totalCount } }",
         json!({"s": long(201)}), "filter.search", "at most 200 characters"),
        (false, "query($s: String) { orders(filter: {sourceStatus: $s}) { totalCount } }",
         json!({"s": long(101)}), "filter.sourceStatus", "at most 100 characters"),
        (false, "query($s: String) { orders(after: $s) { totalCount } }",
         json!({"s": long(201)}), "after", "at most 200 characters"),
        (false, "query($s: String) { customers(search: $s) { totalCount } }",
         json!({"s": "x".repeat(60_000)}), "search", "at most 200 characters"),
        (false, "query($s: String) { products(search: $s) { totalCount } }",
         json!({"s": long(201)}), "search", "at most 200 characters"),
        (false, "mutation($r: String) { changeOrderStatus(orderId: \"1\", statusId: \"1\", cancellationReason: $r) { id } }",
         json!({"r": "x".repeat(900_000)}), "cancellationReason", "at most 500 characters"),
        (false, "mutation($t: String!) { setTrackingNumber(orderId: \"1\", trackingNumber: $t) { id } }",
         json!({"t": long(101)}), "trackingNumber", "at most 100 characters"),
        (true, create, source_input(json!({"name": long(201)})), "name", "1 to 200 characters"),
        (true, create, source_input(json!({"currency": "UAHX"})), "currency", "at most 3 characters"),
        (true, create, source_input(json!({"baseUrl": format!("https://{}", "a".repeat(2000))})),
         "baseUrl", "at most 2000 characters"),
        (true, create, source_input(json!({"language": long(21)})), "language", "at most 20 characters"),
        (true, create, source_input(json!({"expenseType": long(101)})), "expenseType", "1 to 100 characters"),
        (true, create, source_input(json!({"credentials": {"token": "t".repeat(4001)}})),
         "credentials.token", "at most 4000 characters"),
        (true, create, source_input(json!({"managerIds": ids(201)})), "managerIds", "at most 200 items"),
        (true, create, source_input(json!({"trackingStatusIds": ids(201)})), "trackingStatusIds", "at most 200 items"),
        (true, create, source_input(json!({"settings": {"note": "x".repeat(17_000)}})),
         "settings", "at most 16384 bytes"),
        (true, "mutation($i: CreateUserInput!) { createUser(input: $i) { token } }",
         json!({"i": {"name": long(201)}}), "name", "at most 200 characters"),
        (true, "mutation($i: CreateUserInput!) { createUser(input: $i) { token } }",
         json!({"i": {"name": "u", "sourceIds": ids(201)}}), "sourceIds", "at most 200 items"),
        (true, "mutation($s: [ID!]!) { setUserSources(userId: \"1\", sourceIds: $s) { id } }",
         json!({"s": ids(201)}), "sourceIds", "at most 200 items"),
        (true, "mutation($n: String!) { createStatus(input: {name: $n, group: NEW}) { id } }",
         json!({"n": long(201)}), "name", "at most 200 characters"),
        (true, "mutation($n: String) { updateStatus(id: \"1\", input: {name: $n}) { id } }",
         json!({"n": long(201)}), "name", "at most 200 characters"),
        (true, "mutation($s: ID!, $r: [StatusRuleInput!]!) { setStatusRules(sourceId: $s, rules: $r) { id } }",
         json!({"s": source, "r": (0..201).map(|_| json!({"statusGroup": "NEW", "platformStatus": "1"})).collect::<Vec<_>>()}),
         "rules", "at most 200 items"),
        (true, "mutation($s: ID!, $r: [StatusRuleInput!]!) { previewStatusRules(sourceId: $s, rules: $r) { openOrders } }",
         json!({"s": source, "r": [{"statusGroup": "NEW", "platformStatus": long(101)}]}),
         "rules.platformStatus", "at most 100 characters"),
        (true, "mutation($s: ID!, $r: [StatusRuleInput!]!) { setStatusRules(sourceId: $s, rules: $r) { id } }",
         json!({"s": source, "r": [{"statusGroup": "CANCELLED", "platformStatus": "5", "cancellationReason": long(501)}]}),
         "rules.cancellationReason", "at most 500 characters"),
    ];
    for (as_admin, query, vars, field, limit) in cases {
        let t = if as_admin {
            ADMIN_TOKEN
        } else {
            token.as_str()
        };
        let body = app.gql_as(Some(t), query, vars).await;
        let err = &body["errors"][0];
        assert_eq!(err["extensions"]["code"], "BAD_INPUT", "{field}: {body}");
        assert_eq!(err["extensions"]["field"], field, "{body}");
        let msg = err["message"].as_str().unwrap();
        assert!(msg.contains(limit), "{field}: `{msg}` lacks `{limit}`");
        assert!(msg.len() < 300, "{field}: the input is not echoed: {msg}");
    }
}

// covers: API-5
#[tokio::test]
async fn an_invalid_id_is_shown_cut_to_40_characters() {
    let app = spawn_app().await;
    let id = "9".repeat(30) + &"x".repeat(70_000);
    for query in [
        "query($i: ID!) { order(id: $i) { id } }",
        "query($i: ID!) { source(id: $i) { id } }",
        "mutation($i: ID!) { syncOrder(orderId: $i) { id } }",
    ] {
        let body = app.gql(query, json!({"i": id})).await;
        let err = &body["errors"][0];
        assert_eq!(err["extensions"]["code"], "BAD_INPUT", "{body}");
        let msg = err["message"].as_str().unwrap();
        let shown = format!("`{}{}…`", "9".repeat(30), "x".repeat(10));
        assert!(msg.contains(&shown), "{msg}");
        assert!(msg.chars().count() < 100, "{msg}");
    }
}

// covers: WH-4, API-5
#[tokio::test]
async fn webhook_deliveries_carry_bodies_only_when_asked_and_page() {
    let app = spawn_app().await;
    let src = app.create_source("Shop", "SHOPIFY", json!({})).await;
    for n in 0..30 {
        app.app_store
            .store_delivery(parked_delivery(src, n))
            .await
            .unwrap();
    }
    let s = src.to_string();
    let list = "query($s: ID!, $f: Int!, $a: String) { webhookDeliveries(sourceId: $s, first: $f, after: $a) {
        edges { node { id externalOrderId state } } pageInfo { hasNextPage endCursor } } }";
    let d = app.data(list, json!({"s": s, "f": 20})).await;
    let page = nodes(&d["webhookDeliveries"]);
    assert_eq!(page.len(), 20);
    assert_eq!(page[0]["externalOrderId"], "29", "newest first");
    assert!(page[0].get("body").is_none());
    assert_eq!(d["webhookDeliveries"]["pageInfo"]["hasNextPage"], true);
    let last = d["webhookDeliveries"]["pageInfo"]["endCursor"].clone();
    let d = app.data(list, json!({"s": s, "f": 20, "a": last})).await;
    let rest = nodes(&d["webhookDeliveries"]);
    assert_eq!(rest.len(), 10);
    assert_eq!(rest[0]["externalOrderId"], "9");
    assert_eq!(d["webhookDeliveries"]["pageInfo"]["hasNextPage"], false);
    // bodies when asked, in a small page
    let with_body = "query($s: ID!, $f: Int!) { webhookDeliveries(sourceId: $s, first: $f) { edges { node { externalOrderId body } } } }";
    let d = app.data(with_body, json!({"s": s, "f": 5})).await;
    let rows = nodes(&d["webhookDeliveries"]);
    assert_eq!(rows.len(), 5);
    assert!(rows[0]["body"]
        .as_str()
        .unwrap()
        .starts_with("{\"id\": 29,"));
    // the default page of 50 bodies costs too much, and so does the last 50
    for q in [
        "query($s: ID!) { webhookDeliveries(sourceId: $s) { edges { node { body } } } }",
        "query($s: ID!) { webhookDeliveries(sourceId: $s, last: 50) { edges { node { body } } } }",
    ] {
        let body = app.gql(q, json!({"s": s})).await;
        assert_refused(&body, &["query cost", "exceeds the limit of 50000"]);
    }
    // `first` is bounded
    let d = app.data(list, json!({"s": s, "f": 100000})).await;
    assert_eq!(nodes(&d["webhookDeliveries"]).len(), 30);
}

// covers: CUS-1, API-3
#[tokio::test]
async fn a_customers_orders_are_paged_within_what_the_caller_sees() {
    let app = spawn_app().await;
    let mine = app.create_source("Mine", "ROZETKA", json!({})).await;
    let other = app.create_source("Other", "PROM", json!({})).await;
    for i in 0..5 {
        app.import(
            mine,
            sample_order(&format!("m{i}"), at(10 - i), "Олена", "0501000001"),
        )
        .await;
    }
    for i in 0..2 {
        app.import(
            other,
            sample_order(&format!("o{i}"), at(1 + i), "Олена", "0501000001"),
        )
        .await;
    }
    let (_, token) = app.create_user("viewer", &[mine]).await;
    let customer = app
        .data("{ customers { edges { node { id } } } }", json!({}))
        .await["customers"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let q =
        "query($c: ID!, $f: Int!, $a: String) { customer(id: $c) { orders(first: $f, after: $a) {
        edges { node { id number } } pageInfo { hasNextPage endCursor } } } }";
    let numbers = |d: &Value| -> Vec<String> {
        nodes(&d["customer"]["orders"])
            .iter()
            .map(|o| o["number"].as_str().unwrap().to_string())
            .collect()
    };
    // the admin sees all seven, newest first
    let all = app.data(q, json!({"c": customer, "f": 10})).await;
    assert_eq!(
        numbers(&all),
        ["R-o0", "R-o1", "R-m4", "R-m3", "R-m2", "R-m1", "R-m0"]
    );
    // the viewer pages through the five of their source
    let mut seen = vec![];
    let mut after: Option<String> = None;
    loop {
        let body = app
            .gql_as(Some(&token), q, json!({"c": customer, "f": 2, "a": after}))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let d = &body["data"];
        let page = numbers(d);
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = d["customer"]["orders"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_string);
        seen.extend(page);
    }
    assert_eq!(seen, ["R-m4", "R-m3", "R-m2", "R-m1", "R-m0"]);
    // many customers' pages in one request: one statement for all of them, however many
    for i in 0..12 {
        app.import(
            mine,
            sample_order(&format!("x{i}"), at(3), "Іван", &format!("05020000{i:02}")),
        )
        .await;
    }
    let before = app.db_statements();
    let d = app
        .data(
            "{ customers(first: 10) { edges { node { orders(first: 3) { edges { node { number } } } } } } }",
            json!({}),
        )
        .await;
    let statements = app.db_statements() - before;
    assert!(
        statements <= 5,
        "token, customer page, one read of their orders: {statements} statements"
    );
    let edges = d["customers"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 10);
    // the newest ten customers are the twelve new buyers' last ten, one order each
    assert!(edges.iter().all(|e| nodes(&e["node"]["orders"]).len() == 1));
    // and the first buyer's page stops at `first`
    let d = app.data(q, json!({"c": customer, "f": 3})).await;
    assert_eq!(numbers(&d), ["R-o0", "R-o1", "R-m4"]);
}

// covers: EXP-2
#[tokio::test]
async fn commission_totals_from_the_database_equal_the_sum_of_the_rows() {
    let app = spawn_app().await;
    let roz = app
        .create_source("Rozetka", "ROZETKA", json!({"storeCommission": true}))
        .await;
    let prom = app
        .create_source(
            "Prom",
            "PROM",
            json!({"storeCommission": true, "expenseType": "cpa"}),
        )
        .await;
    let amounts = [
        "0.10",
        "0.20",
        "10.05",
        "96.00",
        "1234.5678",
        "0.0001",
        "33.33",
    ];
    for (i, a) in amounts.iter().enumerate() {
        let mut o = sample_order(&format!("r{i}"), at(i as i64 * 9), "А", "0501000001");
        o.commission = Some(dec(a));
        app.import(roz, o).await;
        let mut o = sample_order(&format!("p{i}"), at(i as i64 * 5), "Б", "0501000002");
        o.commission = Some(dec(a));
        if i % 2 == 0 {
            o.currency = "PLN".into();
        }
        app.import(prom, o).await;
    }
    let (from, to) = (at(100), at(-1));
    let facts = app
        .app_store
        .expense_facts(&orderhub::domain::auth::SourceScope::All, from, to)
        .await
        .unwrap();
    assert_eq!(facts.len(), 14);
    let q = "query($f: DateTime!, $t: DateTime!, $g: ExpenseGrouping!) { commissionExpenses(from: $f, to: $t, groupBy: $g) { key amount currency count } }";
    for (name, by) in [
        ("SOURCE", ExpenseGrouping::Source),
        ("PLATFORM", ExpenseGrouping::Platform),
        ("EXPENSE_TYPE", ExpenseGrouping::ExpenseType),
        ("DAY", ExpenseGrouping::Day),
        ("MONTH", ExpenseGrouping::Month),
    ] {
        let expected: Vec<Value> = group_expenses(&facts, by)
            .into_iter()
            .map(|r| json!({"key": r.key, "amount": format_amount(r.amount), "currency": r.currency, "count": r.count}))
            .collect();
        let got = app
            .data(
                q,
                json!({"f": from.to_rfc3339(), "t": to.to_rfc3339(), "g": name}),
            )
            .await["commissionExpenses"]
            .clone();
        assert_eq!(got, Value::Array(expected), "{name}");
    }
}

//! The `orderhub` binary: parses the command line and calls into the library, nothing more.

use anyhow::Context;
use clap::{Parser, Subcommand};
use orderhub::app::App;
use orderhub::config::Settings;

/// glibc's malloc and free took about a quarter of the server's CPU on the orders page (many
/// short-lived allocations per request across worker threads); mimalloc serves them from
/// thread-local pages (issue 20, README "What a page costs").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "orderhub",
    version,
    about = "One place for the orders of every marketplace and shop you sell on"
)]
struct Cli {
    /// A TOML file with the same settings as the environment, by the variables' names without
    /// `ORDERHUB_` in lower case (`database_url = "postgres://…"`, `listen`, `secret_key`,
    /// `admin_token`, `poll_interval`, `public_url`). A variable set in the environment wins.
    #[arg(long, global = true, env = "ORDERHUB_CONFIG", value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: migrations first, then HTTP (GraphQL, webhooks, ops routes).
    /// Configured by ORDERHUB_DATABASE_URL, ORDERHUB_LISTEN, ORDERHUB_SECRET_KEY,
    /// ORDERHUB_ADMIN_TOKEN, ORDERHUB_POLL_INTERVAL and ORDERHUB_PUBLIC_URL (or --config).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL); equals schema.graphql byte for byte.
    Schema,
    /// The whole product on one machine: embedded SQLite, the six platform simulators with two
    /// months of history and live orders, one source per platform. Honours the same environment as
    /// `serve` (ORDERHUB_LISTEN, ORDERHUB_ADMIN_TOKEN, ORDERHUB_DATABASE_URL, ORDERHUB_POLL_INTERVAL,
    /// default 15s here).
    Demo,
    /// Run one platform's simulator on its own, seeded with 200 orders, until Ctrl-C.
    Simulate {
        /// rozetka, prom, epicentr, cartum, shopify or woocommerce
        platform: String,
        /// Port on 127.0.0.1 (0 picks a free one and prints it).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Prom only: this many more sellers' accounts besides the default one, each with its
        /// own token (`prom-sim-token-1` … `prom-sim-token-N`) and a few orders of its own.
        #[arg(long, default_value_t = 0)]
        accounts: usize,
    },
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
}

/// The demo prints its own progress; logs show warnings only unless RUST_LOG says otherwise.
fn init_tracing_quiet() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = match &cli.config {
        Some(path) => orderhub::config::Config::with_file(path).map_err(anyhow::Error::msg)?,
        None => orderhub::config::Config::env_only(),
    };
    match cli.command {
        Command::Schema => {
            print!("{}", orderhub::graphql::sdl());
        }
        Command::Migrate => {
            init_tracing();
            let url = config.database_url();
            let metrics = std::sync::Arc::new(orderhub::metrics::Metrics::default());
            let store =
                orderhub::store::Store::connect(&url, metrics, orderhub::platforms::FACTS).await?;
            store.migrate().await?;
            println!("migrations applied");
        }
        Command::Serve => {
            init_tracing();
            let settings = Settings::load(&config, false).map_err(anyhow::Error::msg)?;
            let app = App::build(settings).await.context("starting orderhub")?;
            if let Some(token) = &app.new_admin_token {
                println!("Created the first admin user. Its bearer token (shown only now):\n\n    {token}\n");
            }
            tracing::info!(addr = %app.addr(), "orderhub listening");
            app.run_until_stopped().await?;
        }
        Command::Simulate {
            platform,
            port,
            accounts,
        } => {
            init_tracing();
            let p: orderhub::domain::Platform = platform
                .parse()
                .map_err(|_| anyhow::anyhow!("unknown platform `{platform}`"))?;
            use orderhub::domain::Platform as P;
            if accounts > 0 && p != P::Prom {
                anyhow::bail!("--accounts is for the Prom simulator only");
            }
            match p {
                P::Rozetka => orderhub::platforms::rozetka::sim::run_standalone(port).await?,
                P::Prom => orderhub::platforms::prom::sim::run_standalone(port, accounts).await?,
                P::Epicentr => orderhub::platforms::epicentr::sim::run_standalone(port).await?,
                P::Cartum => orderhub::platforms::cartum::sim::run_standalone(port).await?,
                P::Shopify => orderhub::platforms::shopify::sim::run_standalone(port).await?,
                P::Woocommerce => {
                    orderhub::platforms::woocommerce::sim::run_standalone(port).await?
                }
            }
        }
        Command::Demo => {
            init_tracing_quiet();
            orderhub::demo::run(&config)
                .await
                .context("running the demo")?;
        }
    }
    Ok(())
}

//! `App::build(settings)` is used by `main` and by every test: open the database, migrate, make
//! sure an admin exists, bind the HTTP server. `run_until_stopped` serves until shutdown.

use crate::config::Settings;
use crate::graphql::{build_fast_schema, build_schema, ApiState};
use crate::http::{self, HttpState};
use crate::metrics::Metrics;
use crate::store::Store;
use crate::sync::SyncEngine;
use actix_web::dev::ServerHandle;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

pub struct App {
    addr: SocketAddr,
    server: actix_web::dev::Server,
    store: Store,
    metrics: Arc<Metrics>,
    /// Set when this start created the bootstrap admin: print it once.
    pub new_admin_token: Option<String>,
    engine: SyncEngine,
    inbox_wakeup: Arc<tokio::sync::Notify>,
    live: crate::graphql::live::OrderEventFeed,
}

impl App {
    pub async fn build(settings: Settings) -> crate::Result<App> {
        settings
            .validate()
            .map_err(|e| crate::Error::bad_input("settings", e))?;
        let metrics = Arc::new(Metrics::default());
        let store = Store::connect(
            &settings.database_url,
            metrics.clone(),
            crate::platforms::FACTS,
        )
        .await?;
        store.migrate().await?;
        let new_admin_token = store
            .ensure_admin(settings.admin_token.as_ref().map(|t| t.expose()))
            .await?;
        let engine = SyncEngine::new(
            store.clone(),
            settings.secret_key.clone(),
            settings.platform_http.clone(),
        )
        .with_public_url(settings.public_url.clone())
        .with_outbox_policy(settings.outbox.clone())
        .with_schedule(settings.poll_interval, settings.schedule.clone());
        let webhook_sources = crate::http::webhooks::WebhookSources::default();
        let live = crate::graphql::live::OrderEventFeed::new(settings.live_recheck);
        let api = ApiState {
            store: store.clone(),
            secret_key: settings.secret_key.clone(),
            engine: engine.clone(),
            webhook_sources: webhook_sources.clone(),
            live: live.clone(),
        };
        let schema = build_schema(Some(api.clone()));
        let fast_schema = build_fast_schema(api);
        let inbox_wakeup = Arc::new(tokio::sync::Notify::new());
        let state = HttpState {
            store: store.clone(),
            schema,
            fast_schema,
            documents: Default::default(),
            metrics: metrics.clone(),
            secret_key: settings.secret_key.clone(),
            inbox_writer: crate::sync::intake::InboxWriter::start(
                store.clone(),
                inbox_wakeup.clone(),
                metrics.clone(),
                crate::sync::supervisor::RestartPolicy::default(),
            ),
            webhook_sources,
            auth: crate::http::auth::Authenticator::new(store.clone(), metrics.clone()),
            cors_origins: settings.cors_origins.clone().into(),
            public_origin: settings
                .public_url
                .as_deref()
                .and_then(crate::config::origin_of),
        };
        let listener = TcpListener::bind(settings.listen).map_err(|e| {
            crate::Error::Internal(format!("cannot listen on {}: {e}", settings.listen))
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| crate::Error::Internal(e.to_string()))?;
        let server = actix_web::HttpServer::new(move || http::app(state.clone()))
            .workers(2)
            .shutdown_timeout(10)
            .disable_signals()
            .listen(listener)
            .map_err(|e| crate::Error::Internal(e.to_string()))?
            .run();
        Ok(App {
            addr,
            server,
            store,
            metrics,
            new_admin_token,
            engine,
            inbox_wakeup,
            live,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until `handle().stop(true)` or Ctrl-C / SIGTERM, then drains in-flight requests.
    pub fn engine(&self) -> &SyncEngine {
        &self.engine
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        use crate::sync::supervisor::{supervise, AbortOnDrop, RestartPolicy};
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let policy = RestartPolicy::default();
        // each background worker is supervised: one that ends unexpectedly starts again
        // each worker's task ends when this future is dropped (an instance that dies mid-work
        // leaves its leases to expire, as a killed process does)
        let scheduler = {
            let (engine, stop) = (self.engine.clone(), stop_rx.clone());
            AbortOnDrop(tokio::spawn(supervise(
                "scheduler",
                self.metrics.clone(),
                policy.clone(),
                stop_rx.clone(),
                move || crate::sync::scheduler::run(engine.clone(), stop.clone()),
            )))
        };
        let inbox = {
            let (store, wakeup, stop, instance) = (
                self.store.clone(),
                self.inbox_wakeup.clone(),
                stop_rx.clone(),
                self.engine.instance().to_string(),
            );
            AbortOnDrop(tokio::spawn(supervise(
                "inbox",
                self.metrics.clone(),
                policy.clone(),
                stop_rx.clone(),
                move || {
                    crate::sync::inbox::run(
                        store.clone(),
                        wakeup.clone(),
                        stop.clone(),
                        instance.clone(),
                    )
                },
            )))
        };
        let outbox = {
            let (engine, stop) = (self.engine.clone(), stop_rx.clone());
            AbortOnDrop(tokio::spawn(supervise(
                "outbox",
                self.metrics.clone(),
                policy.clone(),
                stop_rx.clone(),
                move || crate::sync::outbox::run(engine.clone(), stop.clone()),
            )))
        };
        let live = {
            let (store, feed, stop) = (self.store.clone(), self.live.clone(), stop_rx.clone());
            AbortOnDrop(tokio::spawn(supervise(
                "live",
                self.metrics.clone(),
                policy,
                stop_rx,
                move || crate::graphql::live::run(store.clone(), feed.clone(), stop.clone()),
            )))
        };
        let handle = self.server.handle();
        let stopper = tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutting down");
            handle.stop(true).await;
        });
        let result = self.server.await;
        stopper.abort();
        let _ = stop_tx.send(true);
        scheduler.join().await;
        inbox.join().await;
        outbox.join().await;
        live.join().await;
        self.store.close().await;
        result
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

import { createApp } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  const log = app.http.log;
  if (!config.ENCRYPTION_KEY) {
    log.warn(
      "ENCRYPTION_KEY is not set: the generated at-rest key is kept in the database. Set it from a secret store in production.",
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: no new connections, finishing in-flight requests");
    const force = setTimeout(() => {
      log.error("shutdown took too long; exiting");
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    try {
      await app.close();
      log.info("shut down cleanly");
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, "error while shutting down");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  await app.http.listen({ host: config.HOST, port: config.PORT });
  log.info(
    { storage: app.database.kind, dataDir: app.database.kind === "pglite" ? config.dataDir : undefined },
    "CodePark is ready",
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error("CodePark failed to start:", error);
  }
  process.exit(1);
});

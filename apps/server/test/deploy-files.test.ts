// The deploy files (deploy/: Dockerfile, compose + nginx, Kubernetes) checked against the code they
// deploy, and the image's build steps run without Docker: the production build started with plain
// node from a directory laid out like the image.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { CONFIG_KEYS, ConfigError, loadConfig } from "../src/config.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const deployDir = join(repo, "deploy");
const read = (path: string) => readFile(join(repo, path), "utf8");

type Obj = Record<string, any>;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Every document of every YAML file under deploy/k8s, each with the file it came from. */
async function k8sObjects(): Promise<Array<{ file: string; object: Obj }>> {
  const files = (await filesUnder(join(deployDir, "k8s"))).filter((file) => /\.ya?ml$/.test(file));
  const objects: Array<{ file: string; object: Obj }> = [];
  for (const file of files) {
    for (const document of parseAllDocuments(await readFile(file, "utf8"))) {
      const object = document.toJS() as Obj | null;
      if (object) objects.push({ file: relative(join(deployDir, "k8s"), file), object });
    }
  }
  return objects;
}

function byKind(objects: Array<{ object: Obj }>, kind: string): Obj {
  const found = objects.filter(({ object }) => object.kind === kind);
  expect(found, `exactly one ${kind} in deploy/k8s`).toHaveLength(1);
  return found[0]!.object;
}

/** The compose file with its anchors and merge keys resolved. */
async function compose(): Promise<Obj> {
  return parse(await read("deploy/compose.yaml"), { merge: true }) as Obj;
}

/** The CodePark services of the compose file: the ones built from deploy/Dockerfile. */
function codeparkServices(file: Obj): Array<[string, Obj]> {
  return Object.entries(file.services as Record<string, Obj>).filter(([, service]) =>
    String(service.build?.dockerfile ?? "").endsWith("deploy/Dockerfile"),
  );
}

/** Compose interpolation as `docker compose` does it, with `${VAR:?…}` (required) given `required`. */
function interpolate(value: unknown, required: Record<string, string>): string {
  return String(value).replace(/\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g, (_match, name, operator, rest) => {
    if (operator?.endsWith("?")) {
      const given = required[name];
      if (given === undefined) throw new Error(`compose requires ${name}; the test has no value for it`);
      return given;
    }
    return operator ? rest : "";
  });
}

/** Values that pass every check, standing in for the secrets an operator provides. */
const sampleSecrets = {
  JWT_SECRET: "a".repeat(48),
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
  DATABASE_URL: "postgres://codepark:pw@db.example:5432/codepark",
  REDIS_URL: "redis://redis.example:6379",
};

/** Settings a deployment sets differently from CodePark's defaults, on purpose. */
const deliberatelyDifferent = new Set([
  "HOST",
  "DATA_DIR",
  "DATABASE_URL",
  "REDIS_URL",
  "JWT_SECRET",
  "ENCRYPTION_KEY",
  "TRUST_PROXY",
  // Behind the proxy the per-IP cap would count the proxy: the edge caps per client instead.
  "HTTP_MAX_CONNECTIONS_PER_IP",
  "PUBLIC_URL",
  "MAIL_FROM",
  "VAPID_SUBJECT",
]);

/** Where a deployment's values differ from CodePark's defaults without being meant to. */
function driftFromDefaults(env: Record<string, string>): string[] {
  const deployed = loadConfig(env) as Obj;
  const defaults = loadConfig({ DATABASE_URL: sampleSecrets.DATABASE_URL }) as Obj;
  return CONFIG_KEYS.filter((key) => !deliberatelyDifferent.has(key))
    .filter((key) => JSON.stringify(deployed[key]) !== JSON.stringify(defaults[key]))
    .map((key) => `${key}: ${JSON.stringify(deployed[key])} (default ${JSON.stringify(defaults[key])})`);
}

describe("deploy files", () => {
  it("every YAML file under deploy/ parses", async () => {
    const files = (await filesUnder(deployDir)).filter((file) => /\.ya?ml$/.test(file));
    expect(files.map((file) => relative(deployDir, file))).toEqual(
      expect.arrayContaining(["compose.yaml", join("k8s", "kustomization.yaml")]),
    );
    for (const file of files) {
      const documents = parseAllDocuments(await readFile(file, "utf8"));
      for (const document of documents) {
        expect(document.errors, `${relative(repo, file)} parses`).toEqual([]);
      }
      expect(documents.length, `${relative(repo, file)} holds something`).toBeGreaterThan(0);
    }
  });

  it("the Kubernetes objects are the expected ones, wired to each other", async () => {
    const objects = await k8sObjects();
    const kustomization = byKind(objects, "Kustomization");
    const manifests = [...new Set(objects.map(({ file }) => file))].filter(
      (file) => file !== "kustomization.yaml",
    );
    expect([...kustomization.resources].sort()).toEqual(manifests.sort());

    const deployment = byKind(objects, "Deployment");
    const service = byKind(objects, "Service");
    const ingress = byKind(objects, "Ingress");
    const hpa = byKind(objects, "HorizontalPodAutoscaler");
    const pdb = byKind(objects, "PodDisruptionBudget");
    const configMap = byKind(objects, "ConfigMap");
    const secret = byKind(objects, "Secret");

    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    const podLabels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(podLabels);
    const container = pod.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container.ports).toContainEqual(expect.objectContaining({ containerPort: 3000 }));
    expect(container.envFrom).toEqual(
      expect.arrayContaining([
        { configMapRef: { name: configMap.metadata.name } },
        { secretRef: { name: secret.metadata.name } },
      ]),
    );

    // The endpoint is removed while preStop waits; SIGTERM follows, and the whole shutdown fits
    // in the grace period.
    const preStop = container.lifecycle?.preStop?.exec?.command as string[] | undefined;
    expect(preStop?.[0]).toBe("sleep");
    const preStopMs = Number(preStop![1]) * 1000;
    expect(preStopMs).toBeGreaterThan(0);
    const shutdownMs = Number(configMap.data.SHUTDOWN_TIMEOUT_MS);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(preStopMs + shutdownMs);

    expect(container.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(container.resources.limits.memory).toBeDefined();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).not.toBe(0);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    // A read-only root: DATA_DIR and /tmp are writable volumes.
    const mounts = (container.volumeMounts as Obj[]).map((mount) => mount.mountPath);
    expect(mounts).toEqual(expect.arrayContaining([configMap.data.DATA_DIR, "/tmp"]));
    for (const mount of container.volumeMounts as Obj[]) {
      expect(pod.volumes.find((volume: Obj) => volume.name === mount.name)?.emptyDir).toBeDefined();
    }

    expect(service.spec.selector).toEqual(podLabels);
    expect(service.spec.sessionAffinity ?? "None").toBe("None");
    const port = service.spec.ports[0];
    expect(port.targetPort).toBe(container.ports[0].name);
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    expect(backend.name).toBe(service.metadata.name);
    expect(backend.port.name ?? backend.port.number).toBe(port.name ?? port.port);
    expect(
      Number(ingress.metadata.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]),
    ).toBeGreaterThan(600);
    expect(Object.keys(ingress.metadata.annotations).some((key) => key.includes("affinity"))).toBe(false);

    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.metrics[0].resource.name).toBe("cpu");
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(podLabels);
  });

  it("every setting is in README's configuration table, in the ConfigMap or the Secret, and in each compose node", async () => {
    expect(CONFIG_KEYS).toEqual(expect.arrayContaining(["REDIS_URL", "REDIS_PREFIX", "JWT_SECRET"]));

    const readme = await read("README.md");
    const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? "";
    const documented = new Set(
      section
        .split("\n")
        .filter((line) => line.startsWith("| `"))
        .flatMap((line) => [...(line.split("|")[1] ?? "").matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!)),
    );
    expect(
      CONFIG_KEYS.filter((key) => !documented.has(key)),
      "missing from README's table",
    ).toEqual([]);

    const objects = await k8sObjects();
    const configMap = byKind(objects, "ConfigMap").data as Record<string, string>;
    const secret = byKind(objects, "Secret").stringData as Record<string, string>;
    const secretKeys = [
      "JWT_SECRET",
      "ENCRYPTION_KEY",
      "DATABASE_URL",
      "REDIS_URL",
      "SMTP_URL",
      "VAPID_PRIVATE_KEY",
      "METRICS_TOKEN",
      "OIDC_CLIENT_SECRET",
    ];
    expect(Object.keys(secret).sort()).toEqual([...secretKeys].sort());
    expect(
      Object.keys(configMap).filter((key) => key in secret),
      "in both",
    ).toEqual([]);
    expect(
      CONFIG_KEYS.filter((key) => !(key in configMap) && !(key in secret)),
      "missing in k8s",
    ).toEqual([]);
    expect(
      [...Object.keys(configMap), ...Object.keys(secret)].filter((key) => !CONFIG_KEYS.includes(key)),
      "not CodePark settings",
    ).toEqual([]);

    const nodes = codeparkServices(await compose());
    expect(nodes.length).toBe(2);
    for (const [name, service] of nodes) {
      const env = service.environment as Record<string, unknown>;
      expect(
        CONFIG_KEYS.filter((key) => !(key in env)),
        `missing in compose ${name}`,
      ).toEqual([]);
    }
  });

  it("the ConfigMap and the compose nodes hold valid settings, CodePark's defaults unless meant otherwise", async () => {
    const objects = await k8sObjects();
    const configMap = byKind(objects, "ConfigMap").data as Record<string, string>;
    const secret = byKind(objects, "Secret").stringData as Record<string, string>;

    // The Secret's placeholders stop start-up rather than run with a known secret.
    let refused: unknown;
    try {
      loadConfig({ ...configMap, ...secret });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ConfigError);
    for (const key of ["JWT_SECRET", "ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL"]) {
      expect((refused as Error).message).toMatch(new RegExp(`\\b${key}\\b`));
    }
    const k8sEnv = { ...configMap, ...secret, ...sampleSecrets };
    expect(loadConfig(k8sEnv)).toMatchObject({ HOST: "0.0.0.0", TRUST_PROXY: true });
    expect(driftFromDefaults(k8sEnv), "ConfigMap values that differ from config.ts").toEqual([]);

    const nodes = codeparkServices(await compose());
    const envs = nodes.map(([, service]) =>
      Object.fromEntries(
        Object.entries(service.environment as Record<string, unknown>).map(([key, value]) => [
          key,
          interpolate(value, sampleSecrets),
        ]),
      ),
    );
    for (const env of envs) {
      const config = loadConfig(env);
      expect(config).toMatchObject({ HOST: "0.0.0.0", TRUST_PROXY: true, PORT: 3000 });
      expect(config.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(config.REDIS_URL).toBe("redis://redis:6379");
      expect(driftFromDefaults(env), "compose values that differ from config.ts").toEqual([]);
    }
    // Every node shares the secrets.
    expect(envs[1]).toEqual(envs[0]);
    for (const [, service] of nodes) {
      expect(String(service.environment.JWT_SECRET)).toMatch(/^\$\{JWT_SECRET:\?/);
      expect(String(service.environment.ENCRYPTION_KEY)).toMatch(/^\$\{ENCRYPTION_KEY:\?/);
    }
  });

  it("compose puts nginx in front of both nodes, with PostgreSQL and Redis, each health-checked", async () => {
    const file = await compose();
    const services = file.services as Obj;
    expect(services.postgres.image).toMatch(/^postgres:16/);
    expect(services.redis.image).toMatch(/^redis:7/);
    expect(services.nginx.ports).toContainEqual(expect.stringMatching(/8080}?:80$/));
    expect(services.nginx.volumes).toContainEqual(expect.stringMatching(/^\.\/nginx\.conf:/));
    const nodes = codeparkServices(file).map(([name]) => name);
    for (const name of nodes) {
      expect(services[name].depends_on).toMatchObject({
        postgres: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
      });
      expect(services.nginx.depends_on[name]).toEqual({ condition: "service_healthy" });
    }
    for (const service of Object.values(services)) expect(service.healthcheck?.test).toBeDefined();

    // Directives only: comments may name what is deliberately left out.
    const nginx = (await read("deploy/nginx.conf")).replace(/#[^\n]*/g, "");
    const upstream = /upstream codepark \{([^}]*)\}/.exec(nginx)?.[1] ?? "";
    for (const name of nodes) expect(upstream).toMatch(new RegExp(`server ${name}:3000 [^;]*max_fails=`));
    // Round robin: no balancing method, so no stickiness.
    expect(upstream).not.toMatch(/\b(ip_hash|hash|sticky|least_conn)\b/);
    expect(nginx).toMatch(/map \$http_upgrade \$connection_upgrade/);
    for (const directive of [
      "proxy_http_version 1.1;",
      "proxy_set_header Upgrade $http_upgrade;",
      "proxy_set_header Connection $connection_upgrade;",
      "proxy_set_header X-Forwarded-For $remote_addr;",
      "proxy_set_header X-Forwarded-Proto $scheme;",
    ]) {
      expect(nginx).toContain(directive);
    }
    expect(nginx).toMatch(/proxy_next_upstream error timeout\b/);
    expect(nginx).not.toMatch(/non_idempotent/);
    for (const path of ["/collab/", "/socket.io/"]) {
      const block = new RegExp(`location ${path.replace(".", "\\.")} \\{([^}]*)\\}`).exec(nginx)?.[1] ?? "";
      expect(block, `location ${path}`).toMatch(/proxy_read_timeout (\d+h|\d{3,}s?);/);
    }
  });

  it("the Dockerfile builds in stages and runs the compiled server as a non-root user", async () => {
    const text = (await read("deploy/Dockerfile")).replace(/\\\n/g, " ");
    const lines = text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"));
    const froms = lines.filter((line) => /^FROM /i.test(line));
    expect(froms.length).toBeGreaterThanOrEqual(3);
    const runtimeStart = lines.lastIndexOf(froms.at(-1)!);
    const runtime = lines.slice(runtimeStart);

    const user = runtime.find((line) => /^USER /i.test(line))?.split(/\s+/)[1];
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user!.split(":")[0]);
    expect(runtime.find((line) => /^HEALTHCHECK /i.test(line))).toMatch(/\/healthz/);
    expect(runtime).toContain("EXPOSE 3000");
    expect(runtime.join("\n")).toMatch(/HOST=0\.0\.0\.0/);
    expect(runtime.join("\n")).toMatch(/VOLUME \["\/data"\]/);
    expect(runtime.join("\n")).toMatch(/DATA_DIR=\/data/);
    const cmd = JSON.parse(runtime.find((line) => /^CMD /i.test(line))!.slice(4)) as string[];
    expect(cmd[0]).toBe("node");
    expect(cmd.at(-1)).toBe("apps/server/dist/main.js");
    expect(runtime.join("\n")).not.toMatch(/\btsx\b/);
    expect(runtime.join("\n")).toMatch(/COPY --from=\S+ \/app\/apps\/server\/dist /);
    expect(runtime.join("\n")).toMatch(/COPY --from=\S+ \/app\/apps\/web\/dist /);
    expect(lines.join("\n")).toMatch(/npm ci [^\n]*--omit=dev/);
    expect(lines.join("\n")).toMatch(/RUN npm run build\b/);

    // npm ci needs every workspace's manifest beside the lockfile.
    const workspaces = JSON.parse(await read("package.json")).workspaces as string[];
    for (const workspace of workspaces) {
      expect(lines).toContain(`COPY ${workspace}/package.json ${workspace}/`);
    }
    const ignored = (await read(".dockerignore")).split("\n").map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(["**/node_modules", "**/dist", "data"]));
  });
});

describe("the production build", () => {
  const cleanup: Array<() => Promise<void>> = [];
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const step of cleanup) await step();
  });

  it("builds the server to JavaScript that node runs from the image's layout: migrations, web app, API, graceful stop", async () => {
    // A directory laid out like the image: node_modules, apps/server/dist, apps/web/dist, no sources.
    const root = await mkdtemp(join(tmpdir(), "codepark-image-"));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    await promisify(execFile)(process.execPath, [join(repo, "scripts", "build-server.mjs"), "--root", root], {
      cwd: repo,
    });
    const dist = join(root, "apps", "server", "dist");
    const bundle = await readFile(join(dist, "main.js"), "utf8");
    // Workspace packages export TypeScript: they must be inside the bundle, not imported at run time.
    expect(bundle).not.toMatch(/(from\s*|import\s*\(\s*)["']@codepark\//);
    expect(bundle).not.toMatch(/(from\s*|import\s*\(\s*)["']tsx/);
    expect(existsSync(join(dist, "infra", "db", "migrations", "meta", "_journal.json"))).toBe(true);
    await symlink(join(repo, "node_modules"), join(root, "node_modules"), "dir");

    // The real web build when there is one, otherwise a stand-in: either way it must be found.
    const webDist = join(root, "apps", "web", "dist");
    const realWebDist = join(repo, "apps", "web", "dist");
    await mkdir(join(root, "apps", "web"), { recursive: true });
    if (existsSync(join(realWebDist, "index.html"))) {
      await symlink(realWebDist, webDist, "dir");
    } else {
      await mkdir(webDist, { recursive: true });
      await writeFile(
        join(webDist, "index.html"),
        '<!doctype html><meta charset="utf-8"><title>CodePark</title><div id="root">stand-in web build</div>\n',
      );
    }
    const indexHtml = await readFile(join(webDist, "index.html"), "utf8");

    const env: Record<string, string | undefined> = {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: join(root, "data"),
      LOG_LEVEL: "info",
      NODE_ENV: "production",
    };
    for (const key of ["DATABASE_URL", "REDIS_URL", "SMTP_URL", "JWT_SECRET", "ENCRYPTION_KEY"])
      delete env[key];
    const server = spawn(process.execPath, ["apps/server/dist/main.js"], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = server;
    let output = "";
    const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
    const base = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) resolve(match[1]!);
      };
      server.stdout!.on("data", onData);
      server.stderr!.on("data", onData);
      void exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
      setTimeout(() => reject(new Error(`not listening after 60 s:\n${output}`)), 60_000).unref();
    });

    let ready: Response | undefined;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      ready = await fetch(`${base}/readyz`).catch(() => undefined);
      if (ready?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(ready?.status).toBe(200);
    expect(await ready!.json()).toMatchObject({ status: "ready", storage: "pglite" });

    const page = await fetch(`${base}/`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(indexHtml);

    const registered = await fetch(`${base}/api/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "image@example.test", password: "a sturdy passphrase", name: "Image" }),
    });
    expect(registered.status).toBe(202);
    const signedIn = await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "image@example.test", password: "a sturdy passphrase" }),
    });
    expect(signedIn.status).toBe(200);
    const { accessToken } = (await signedIn.json()) as { accessToken: string };
    const projects = await fetch(`${base}/api/v1/projects`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(projects.status).toBe(200);
    expect(await projects.json()).toMatchObject({ items: [] });

    server.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("shut down cleanly");
  }, 120_000);
});

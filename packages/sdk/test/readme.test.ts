import { readFileSync } from "node:fs";
import { join } from "node:path";
import { registerUser, startTestServer, type TestServer } from "@codepark/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../src/index.ts";
import { exampleFiles, examplesDir, readmeExamples, runExample } from "./examples.ts";

describe("README examples", () => {
  it("are the files in examples/, verbatim, and every file is in the README", () => {
    const blocks = readmeExamples();
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      expect(block.file, `a \`\`\`ts block without an example marker:\n${block.code}`).not.toBeNull();
      expect(block.code, block.file!).toBe(readFileSync(join(examplesDir, block.file!), "utf8"));
    }
    expect(blocks.map((block) => block.file).sort()).toEqual(exampleFiles().sort());
  });

  describe("run against a server", () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer("pglite", { WEBHOOK_ALLOW_PRIVATE: "true" });
      await registerUser(server.api, "Admin");
    });
    afterAll(() => server?.stop());

    it("quick-start.ts", async () => {
      const { logged } = await runExample(server, "quick-start.ts");
      expect(logged).toEqual(["project: Hello SDK", "file: src/main.ts", "renamed to Hello again"]);
    });

    it("webhooks.ts", async () => {
      const owner = await registerUser(server.api, "Hooks");
      const key = await createClient({ baseUrl: server.baseUrl, token: owner.accessToken }).apiKeys.create({
        name: "example",
        scopes: ["webhooks:write"],
      });
      const { logged } = await runExample(server, "webhooks.ts", {
        CODEPARK_API_KEY: key.key,
        WEBHOOK_URL: "http://127.0.0.1:9/webhook",
      });
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(/^webhook \S+ secret starts \S+$/);
    });

    it("errors.ts", async () => {
      const { logged } = await runExample(server, "errors.ts");
      expect(logged).toEqual([expect.stringMatching(/^404 not_found \S/)]);
    });

    it("realtime.ts", async () => {
      const { logged } = await runExample(server, "realtime.ts");
      expect(logged).toEqual(["heard rename to Live (renamed)"]);
    });

    it("collab.ts", async () => {
      const { logged } = await runExample(server, "collab.ts");
      expect(logged).toEqual([
        expect.stringMatching(/^document: "# Notes\\n- written live from Node\\n" peers: 1$/),
        'saved: "# Notes\\n- written live from Node\\n"',
      ]);
    });
  });
});

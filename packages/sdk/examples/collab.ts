import { createClient } from "@codepark/sdk";
import { WebSocket } from "ws"; // Node 20 has no global WebSocket; browsers need nothing here

const client = createClient({
  baseUrl: process.env.CODEPARK_URL ?? "http://localhost:3000",
  credentials: { email: process.env.CODEPARK_EMAIL ?? "", password: process.env.CODEPARK_PASSWORD ?? "" },
  WebSocket,
});
const project = await client.projects.create({ name: "Pairing" });
const file = await client.files.create({ id: project.id, path: "notes.md", content: "# Notes\n" });

const { doc, text, awareness, provider } = await client.collab.open(file.id, { user: { name: "Script" } });
await new Promise<void>((resolve) => provider.once("sync", () => resolve()));
text.insert(text.length, "- written live from Node\n");
console.log("document:", JSON.stringify(text.toString()), "peers:", awareness.getStates().size);

// Give the edit a moment to reach the server, then read it back over REST.
await new Promise((resolve) => setTimeout(resolve, 300));
console.log("saved:", JSON.stringify((await client.files.get({ id: project.id, fileId: file.id })).content));
provider.destroy();
doc.destroy();

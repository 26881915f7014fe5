import { createClient } from "@codepark/sdk";

const client = createClient({
  baseUrl: process.env.CODEPARK_URL ?? "http://localhost:3000",
  credentials: { email: process.env.CODEPARK_EMAIL ?? "", password: process.env.CODEPARK_PASSWORD ?? "" },
});
const project = await client.projects.create({ name: "Live" });

const socket = await client.realtime();
const joined = await socket.timeout(5_000).emitWithAck("project:join", { projectId: project.id });
if (!joined.ok) throw new Error(joined.error.message);

// Events are typed by the protocol's event maps.
const renamed = new Promise<string>((resolve) =>
  socket.once("project.updated", (event) => resolve(event.project.name)),
);
await client.projects.update({ id: project.id, name: "Live (renamed)" });
console.log("heard rename to", await renamed);
socket.disconnect();

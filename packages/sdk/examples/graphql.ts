import { createClient } from "@codepark/sdk";
import { WebSocket } from "ws";

const client = createClient({
  baseUrl: process.env.CODEPARK_URL ?? "http://localhost:3000",
  credentials: { email: process.env.CODEPARK_EMAIL ?? "", password: process.env.CODEPARK_PASSWORD ?? "" },
  WebSocket,
});
const project = await client.projects.create({ name: "Graph" });

const data = await client.graphql<{ project: { id: string; name: string } }>(
  "query Project($id: ID!) { project(id: $id) { id name } }",
  { id: project.id },
);
console.log("graphql:", data.project.name);

const updates = client.subscribe<{ projectUpdated: { name: string; changedFields: string[] } }>(
  "subscription Updates($id: ID!) { projectUpdated(projectId: $id) { name changedFields } }",
  { id: project.id },
);
// Rename (again, until the subscription is live) and wait for the first update.
let round = 0;
const renaming = setInterval(
  () => void client.projects.update({ id: project.id, name: `Graph ${++round}` }),
  200,
);
for await (const update of updates) {
  console.log("update:", update.projectUpdated.name, update.projectUpdated.changedFields.join(","));
  break; // ends the subscription
}
clearInterval(renaming);

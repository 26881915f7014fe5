import { createClient } from "@codepark/sdk";

const client = createClient({
  baseUrl: process.env.CODEPARK_URL ?? "http://localhost:3000",
  credentials: { email: process.env.CODEPARK_EMAIL ?? "", password: process.env.CODEPARK_PASSWORD ?? "" },
});

const project = await client.projects.create({ name: "Hello SDK", description: "made by a script" });
await client.files.create({ id: project.id, path: "src/main.ts", content: 'console.log("hi");\n' });

// Every page of a list, fetched as you iterate.
for await (const each of client.projects.all()) console.log("project:", each.name);
for await (const file of client.files.all({ id: project.id })) console.log("file:", file.path);

const renamed = await client.projects.update({ id: project.id, name: "Hello again" });
console.log("renamed to", renamed.name);

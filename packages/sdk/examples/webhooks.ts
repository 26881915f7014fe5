import { createClient } from "@codepark/sdk";

const client = createClient({
  baseUrl: process.env.CODEPARK_URL ?? "http://localhost:3000",
  apiKey: process.env.CODEPARK_API_KEY ?? "",
});

const webhook = await client.webhooks.create({
  url: process.env.WEBHOOK_URL ?? "https://example.com/webhook",
  events: ["project.created", "project.updated"],
  active: true,
});
// The signing secret is shown once: keep it to verify deliveries.
console.log("webhook", webhook.id, "secret starts", webhook.secret.slice(0, 6));

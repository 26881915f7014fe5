import { createClient, ProblemError } from "@codepark/sdk";

const client = createClient({
  baseUrl: process.env.CODEPARK_URL ?? "http://localhost:3000",
  credentials: { email: process.env.CODEPARK_EMAIL ?? "", password: process.env.CODEPARK_PASSWORD ?? "" },
});

try {
  await client.projects.get({ id: "prj_does_not_exist" });
} catch (error) {
  if (!(error instanceof ProblemError)) throw error;
  // status and a stable code to branch on; detail in words; any extra members in error.problem.
  console.log(error.status, error.code, error.detail);
}

import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { printedSdl, SCHEMA_FILE } from "../src/transport/graphql/sdl.ts";

// `npm run graphql:schema`: writes packages/protocol/schema.graphql from the server's SDL pieces.
await writeFile(SCHEMA_FILE, printedSdl());
console.log(`wrote ${fileURLToPath(SCHEMA_FILE)}`);

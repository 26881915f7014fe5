import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Plugin } from "vite";

const COMPRESSIBLE = /\.(js|css|html|svg|json|ttf|wasm)$/;

/**
 * Writes .br and .gz beside every text asset once, at build time, so the server sends compressed
 * files without compressing on each request (@fastify/static `preCompressed`).
 */
export function precompress(outDir: string): Plugin {
  return {
    name: "codepark-precompress",
    apply: "build",
    async closeBundle() {
      const walk = async (dir: string): Promise<void> => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) await walk(path);
          else if (COMPRESSIBLE.test(entry.name)) {
            const body = await readFile(path);
            if (body.byteLength < 1024) continue;
            await writeFile(`${path}.gz`, gzipSync(body, { level: 9 }));
            await writeFile(
              `${path}.br`,
              brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }),
            );
          }
        }
      };
      await walk(outDir);
    },
  };
}

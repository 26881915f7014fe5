import { hash, verify } from "@node-rs/argon2";

/** OWASP's argon2id baseline: m=19 MiB, t=2, p=1. */
/** `Algorithm.Argon2id` is an ambient const enum (2) that isolated modules cannot read. */
const ARGON2ID = 2;
const options = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/** Spends the same time as a real check so a missing account is not told apart by timing. */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword("codepark-dummy-password-for-timing");
  await verifyPassword(await dummyHash, password);
}

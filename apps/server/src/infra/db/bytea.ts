import { customType } from "drizzle-orm/pg-core";

/** Binary column: Uint8Array in, Uint8Array out (pg returns Buffer, PGlite Uint8Array; both are Uint8Array). */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
  toDriver: (value) =>
    Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
});

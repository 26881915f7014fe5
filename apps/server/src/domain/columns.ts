import { customType, timestamp } from "drizzle-orm/pg-core";

/** Every timestamp column: `timestamptz`, read as a JS Date. */
export const timestampColumn = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** Binary column: Uint8Array in, Uint8Array out (pg returns Buffer, PGlite Uint8Array; both are Uint8Array). */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
  toDriver: (value) =>
    Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength),
});

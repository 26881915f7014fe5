import type { ErrorCode } from "./errors.ts";

/** How a Socket.IO acknowledgement reports failure (chat and project channels alike). */
export interface RealtimeError {
  code: ErrorCode;
  message: string;
  errors?: { path: string; message: string }[];
}

/** What every acknowledgement answers. */
export type AckResponse<T extends object = Record<never, never>> =
  | ({ ok: true } & T)
  | { ok: false; error: RealtimeError };

import { AppError } from "../errors.ts";
import { commonPasswords } from "./common-passwords.ts";

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;

const common = new Set(commonPasswords);

/** OWASP ASVS 2.1: length 10–128 (code points, no composition rules), not a known-breached password. */
export function assertPasswordAcceptable(password: string, email: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN)
    throw new AppError("weak_password", `Password must have at least ${PASSWORD_MIN} characters`);
  if (length > PASSWORD_MAX)
    throw new AppError("weak_password", `Password must have at most ${PASSWORD_MAX} characters`);
  const lowered = password.toLowerCase();
  if (common.has(lowered)) throw new AppError("weak_password", "This password is too common; choose another");
  if (new Set(lowered).size < 3) throw new AppError("weak_password", "Password is too repetitive");
  const localPart = email.toLowerCase().split("@")[0] ?? "";
  if (lowered === email.toLowerCase() || (localPart.length >= 4 && lowered.includes(localPart))) {
    throw new AppError("weak_password", "Password must not contain your email address");
  }
}

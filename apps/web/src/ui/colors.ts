export { colorFor } from "@codepark/protocol/colors";

/** Only #rgb/#rrggbb colours reach injected CSS. */
export function safeColor(color: unknown, fallback = "#888888"): string {
  return typeof color === "string" && /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(color) ? color : fallback;
}

/** Encryption for secrets kept at rest (TOTP secrets, webhook secrets). */
export interface SecretBox {
  seal(plaintext: string): string;
  /** Throws when the value was not sealed with this instance's key. */
  open(sealed: string): string;
}

/** Which second factor the person is typing: a TOTP code, or one of their recovery codes. */
export type FactorKind = "otp" | "recovery";

/**
 * The code input of a sign-in's second step (password sign-in and OIDC alike), with the switch
 * between an authenticator code and a recovery code.
 */
export function SecondFactorField({
  kind,
  value,
  onChange,
  onSwitch,
}: {
  kind: FactorKind;
  value: string;
  onChange: (value: string) => void;
  /** Called with the other kind; the caller clears what was typed. */
  onSwitch: (kind: FactorKind) => void;
}) {
  return (
    <>
      <label htmlFor="code">{kind === "otp" ? "Authentication code" : "Recovery code"}</label>
      <input
        id="code"
        autoComplete="one-time-code"
        inputMode={kind === "otp" ? "numeric" : "text"}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        required
        // biome-ignore lint/a11y/noAutofocus: the code is the only thing this step asks for
        autoFocus
      />
      <button
        type="button"
        className="link-button"
        onClick={() => onSwitch(kind === "otp" ? "recovery" : "otp")}
      >
        {kind === "otp" ? "Use a recovery code instead" : "Use an authenticator code instead"}
      </button>
    </>
  );
}

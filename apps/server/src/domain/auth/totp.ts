// Loaded on first use: most starts never set up or check a second factor (~0.1 s of start-up).
const otplib = () => import("otplib");

const PERIOD_SECONDS = 30;

export async function newTotpSecret(): Promise<string> {
  return (await otplib()).generateSecret();
}

export async function totpUri(secret: string, accountName: string): Promise<string> {
  return (await otplib()).generateURI({ issuer: "CodePark", label: accountName, secret });
}

export async function qrCodeDataUrl(uri: string): Promise<string> {
  const { default: QRCode } = await import("qrcode");
  return QRCode.toDataURL(uri, { errorCorrectionLevel: "M", margin: 1, width: 240 });
}

/**
 * RFC 6238 check accepting ±1 time step of drift. Returns the matched step, or null. Steps at or
 * before `afterStep` are refused, so a code is never accepted twice.
 */
export async function matchTotp(
  secret: string,
  code: string,
  now: Date,
  afterStep: number | null,
): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const { verify } = await otplib();
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    period: PERIOD_SECONDS,
    epochTolerance: PERIOD_SECONDS,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  });
  return result.valid && "timeStep" in result ? result.timeStep : null;
}

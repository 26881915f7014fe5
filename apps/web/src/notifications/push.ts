import { apiRoutes, call, getAll } from "../api/client.ts";
import { ProblemError } from "../api/errors.ts";
import { getSession } from "../api/session.ts";

/**
 * Web Push for this browser: the service worker (/sw.js) shows what the server pushes; the
 * subscription is saved on the server for the signed-in person. What this browser subscribed
 * (and for whom) is remembered, so turning it off deletes the right server record.
 */
const STORAGE_KEY = "codepark.push";

interface Remembered {
  id: string;
  endpoint: string;
  userId: string;
}

export type PushState =
  | { kind: "unsupported"; reason: string }
  | { kind: "denied" }
  | { kind: "off" }
  | { kind: "on" };

export async function pushState(): Promise<PushState> {
  if (!window.isSecureContext) {
    return {
      kind: "unsupported",
      reason: "Browser notifications need a secure connection: open CodePark over https.",
    };
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return { kind: "unsupported", reason: "This browser does not support push notifications." };
  }
  if (Notification.permission === "denied") return { kind: "denied" };
  const subscription = await currentSubscription();
  const remembered = recall();
  const mine =
    subscription &&
    remembered?.endpoint === subscription.endpoint &&
    remembered.userId === getSession()?.user.id;
  return { kind: mine && Notification.permission === "granted" ? "on" : "off" };
}

async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration("/");
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** Asks for permission, registers the service worker, subscribes and tells the server. */
export async function enablePush(): Promise<void> {
  const permission = await Notification.requestPermission();
  if (permission === "denied") {
    throw new Error(
      "Your browser blocks notifications from CodePark. Allow them in this site's settings (next to the address), then try again.",
    );
  }
  if (permission !== "granted") {
    throw new Error("Notifications were not allowed. Try again and choose Allow when the browser asks.");
  }
  let registration: ServiceWorkerRegistration;
  try {
    registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
  } catch (error) {
    throw new Error(
      `The service worker that shows notifications could not be installed (${message(error)}).`,
    );
  }
  const { publicKey } = await call(apiRoutes.push.vapidPublicKey);
  const key = base64UrlToBytes(publicKey);
  let subscription = await registration.pushManager.getSubscription();
  // A subscription made with another server key (the keys were changed) can never be delivered to.
  if (subscription && !sameBytes(subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe().catch(() => false);
    subscription = null;
  }
  if (!subscription) {
    try {
      subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: key,
      });
    } catch (error) {
      throw new Error(`This browser's push service refused the subscription (${message(error)}).`);
    }
  }
  const saved = await call(apiRoutes.push.subscribe, { body: subscriptionBody(subscription) });
  remember({ id: saved.id, endpoint: subscription.endpoint, userId: getSession()?.user.id ?? "" });
}

/** Deletes this browser's subscription on the server, then in the browser. */
export async function disablePush(): Promise<void> {
  const subscription = await currentSubscription();
  const remembered = recall();
  let id =
    remembered && (!subscription || remembered.endpoint === subscription.endpoint) ? remembered.id : null;
  if (!id && subscription) {
    const mine = await getAll(apiRoutes.push.list);
    id = mine.find((item) => item.endpoint === subscription.endpoint)?.id ?? null;
  }
  if (id) {
    try {
      await call(apiRoutes.push.unsubscribe, { params: { id } });
    } catch (error) {
      // Already gone on the server: what matters is that it is gone.
      if (!(error instanceof ProblemError && error.status === 404)) throw error;
    }
  }
  await subscription?.unsubscribe().catch(() => false);
  forget();
}

/** On sign-out: this browser must stop receiving the person's notifications. Never throws. */
export async function disablePushOnSignOut(): Promise<void> {
  if (!recall()) return;
  await disablePush().catch(() => forget());
}

function recall(): Remembered | null {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null") as Remembered | null;
    return value?.id && value.endpoint ? value : null;
  } catch {
    return null;
  }
}

function remember(value: Remembered): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
  } catch {
    // Without storage, turning it off looks the subscription up on the server instead.
  }
}

function forget(): void {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing to forget
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(value.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function sameBytes(current: ArrayBuffer | null, wanted: Uint8Array): boolean {
  if (!current) return false;
  const have = new Uint8Array(current);
  return have.length === wanted.length && have.every((byte, index) => byte === wanted[index]);
}

/** PushSubscription.toJSON(), with the fields the API requires typed as present (browsers always give them). */
function subscriptionBody(subscription: PushSubscription) {
  const json = subscription.toJSON();
  return {
    ...json,
    endpoint: json.endpoint ?? subscription.endpoint,
    keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
  };
}

import type { Clock } from "../ports/clock.ts";
import type { Links } from "./templates.ts";
import { type CounterValue, UnreadCounts } from "./unread.ts";
import { UserChannelPort } from "./user-channel.ts";

/**
 * What the notification code on one node shares: the unread-count cache, the live channel to each
 * person's connections (attached by the realtime gateway) and where links point.
 */
export class NotificationHub {
  readonly unread: UnreadCounts;
  readonly channel = new UserChannelPort();

  constructor(
    clock: Clock,
    readonly links: Links,
    options: { shared?: boolean } = {},
  ) {
    // With several nodes a count may change elsewhere at any time: read it from the store each time.
    this.unread = new UnreadCounts(clock, { maxAgeMs: options.shared ? 0 : 30_000, maxEntries: 100_000 });
  }

  /**
   * After a transaction that changed a counter has committed: cache the value it RETURNed and tell
   * that person's connections, unless a newer value is already known (then that one was sent).
   */
  counterChanged(userId: string, value: CounterValue): void {
    if (this.unread.accept(userId, value)) {
      this.channel.emit(userId, "notifications:unread-count", { unread: value.unread });
    }
  }
}

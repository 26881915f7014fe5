import type { Redis } from "ioredis";
import type { UserChannelPort, UserEvents } from "../../domain/notifications/user-channel.ts";
import type { RedisChannels } from "../redis/channels.ts";

interface Envelope {
  node: string;
  userId: string;
  event: keyof UserEvents;
  payload: unknown;
}

/**
 * A person's inbox events (a new notification, the unread count) reach the listeners of every node
 * (GraphQL's notificationAdded), whichever node created them: published on one Redis channel, each
 * node delivering the others' to its own listeners. Pub/sub is lossy while Redis is away: the inbox
 * itself is the record, a live event only a nudge. Returns the function that stops it.
 */
export async function relayUserChannel(options: {
  port: UserChannelPort;
  publisher: Redis;
  channels: RedisChannels;
  channel: string;
  nodeId: string;
  onError: (error: unknown) => void;
}): Promise<() => Promise<void>> {
  const { port, publisher, channels, channel, nodeId, onError } = options;
  const unsubscribe = await channels.subscribe(channel, (message) => {
    const envelope = JSON.parse(message.toString()) as Envelope;
    if (envelope.node === nodeId) return;
    port.relayed(envelope.userId, envelope.event, envelope.payload as never);
  });
  port.relayTo({
    emit: (userId, event, payload) => {
      // Only what a listener subscribes to (GraphQL's notificationAdded) crosses nodes.
      if (event !== "notification") return;
      const envelope: Envelope = { node: nodeId, userId, event, payload };
      publisher.publish(channel, JSON.stringify(envelope)).catch(onError);
    },
  });
  return async () => {
    port.relayTo(null);
    await unsubscribe();
  };
}

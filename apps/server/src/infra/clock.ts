/** The one thing tests may fake: time. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

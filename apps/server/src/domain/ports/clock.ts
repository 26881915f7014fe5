/** The one thing tests may fake: time. */
export interface Clock {
  now(): Date;
}

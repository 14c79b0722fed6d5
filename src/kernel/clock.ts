import { Injectable } from '@nestjs/common';

/**
 * The time as the application sees it. Injected wherever time matters (expiry, scheduling,
 * rate limits, event times) so that tests can move it; SQL that must agree across instances
 * compares against the database's clock instead, and says so.
 */
export abstract class Clock {
  abstract now(): Date;

  /** Milliseconds since the epoch, the cheap form of `now()`. */
  nowMs(): number {
    return this.now().getTime();
  }
}

@Injectable()
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }

  override nowMs(): number {
    return Date.now();
  }
}

/** A clock that moves only when told to (tests), including backwards (a clock that jumps). */
export class FakeClock extends Clock {
  private current: number;

  constructor(start: Date | number = Date.now()) {
    super();
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date | number): void {
    this.current = typeof at === 'number' ? at : at.getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

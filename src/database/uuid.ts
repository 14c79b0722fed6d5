import { v7 } from 'uuid';

/**
 * Primary keys are UUIDv7 made by the application (the `uuid` package): time-ordered, and no
 * database default needed. Ids made by one process sort in creation order (its v7 keeps a
 * monotonic counter within a millisecond).
 */
export const newId = (): string => v7();

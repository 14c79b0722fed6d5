import { v7 } from 'uuid';

/** Primary keys are UUIDv7 made by the application: time-ordered, and no database default needed. */
export const newId = (): string => v7();

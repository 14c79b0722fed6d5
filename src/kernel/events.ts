/**
 * The typed event catalogue. Each module declares its events once, beside its problems:
 *
 *   export const CardEvents = defineEvents('card', {
 *     moved: { description: 'A card moved to another column or position.', deliverable: true },
 *   });
 *
 * `CardEvents.moved` is then the only way to name `card.moved` in code: the unit of work's
 * `record` takes an `EventType`, never a string, and webhook subscriptions are checked against
 * the catalogue. The catalogue is rendered into the OpenAPI description and the README.
 */
export interface EventType {
  /** `<entity>.<verb>` in snake_case: `card.moved`, `member.role_changed`. */
  readonly action: string;
  /** What `entityId` of the event points at. */
  readonly entityType: string;
  readonly description: string;
  /** Whether a webhook connector may subscribe to it. */
  readonly deliverable: boolean;
}

export interface EventSpec {
  description: string;
  /** Default false: account events (sign-ins, sessions) are not for webhooks. */
  deliverable?: boolean;
  /** Overrides `<entityType>.<snake_case key>`. */
  action?: string;
  /** Overrides the catalogue's entity type. */
  entityType?: string;
}

/** `<entity>.<verb>` in snake_case segments. */
export const ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
/** `card`, `member`, `api_token`. */
export const ENTITY_TYPE_PATTERN = /^[a-z][a-z0-9_]*$/;

const catalog = new Map<string, EventType>();
const declared = new WeakSet<EventType>();

const snake = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

export function defineEvents<K extends string>(
  entityType: string,
  specs: Record<K, EventSpec>,
): Record<K, EventType> {
  const events = {} as Record<K, EventType>;
  for (const key of Object.keys(specs) as K[]) {
    const spec = specs[key];
    const event: EventType = Object.freeze({
      action: spec.action ?? `${entityType}.${snake(key)}`,
      entityType: spec.entityType ?? entityType,
      description: spec.description,
      deliverable: spec.deliverable ?? false,
    });
    if (!ACTION_PATTERN.test(event.action)) {
      throw new Error(`event ${event.action} is not <entity>.<verb> in snake_case`);
    }
    if (!ENTITY_TYPE_PATTERN.test(event.entityType)) {
      throw new Error(`event ${event.action}: entity type ${event.entityType} is not snake_case`);
    }
    const existing = catalog.get(event.action);
    if (existing && existing.entityType !== event.entityType) {
      throw new Error(`event ${event.action} declared twice with different entity types`);
    }
    catalog.set(event.action, existing ?? event);
    declared.add(event);
    events[key] = existing ?? event;
  }
  return events;
}

/** True for the values `defineEvents` made (a hand-built object is refused by `record`). */
export function isDeclaredEvent(event: unknown): event is EventType {
  return typeof event === 'object' && event !== null && declared.has(event as EventType);
}

/** Every declared event, by action. */
export function eventCatalog(): EventType[] {
  return [...catalog.values()].sort((a, b) => a.action.localeCompare(b.action));
}

/** The events a webhook may subscribe to. */
export function deliverableEvents(): EventType[] {
  return eventCatalog().filter((e) => e.deliverable);
}

/** `card.*` matches every `card.` action; anything else matches exactly. */
export function matchesSubscription(pattern: string, action: string): boolean {
  return pattern.endsWith('.*')
    ? action.startsWith(pattern.slice(0, -1))
    : pattern === action || pattern === '*';
}

/** True when the pattern names at least one deliverable event (exactly or as a prefix). */
export function isKnownSubscription(pattern: string): boolean {
  if (pattern !== '*' && !/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/.test(pattern)) {
    return false;
  }
  return deliverableEvents().some((e) => matchesSubscription(pattern, e.action));
}

/** The catalogue as a Markdown table (OpenAPI description, README). */
export function eventCatalogMarkdown(): string {
  const rows = eventCatalog().map(
    (e) =>
      `| \`${e.action}\` | \`${e.entityType}\` | ${e.deliverable ? 'yes' : 'no'} | ${e.description} |`,
  );
  return ['| event | entity | webhooks | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

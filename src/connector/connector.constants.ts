export const CONNECTOR_KINDS = ['webhook', 'inbound', 'chat'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;

export const CONNECTOR_NAME_MAX = 200;
export const CONNECTOR_DESCRIPTION_MAX = 2000;
export const CONNECTOR_URL_MAX = 2048;
export const CONNECTOR_MAX_EVENTS = 50;
export const EVENT_PATTERN_MAX = 100;
/** Attempts keep this much of the response body, so an endpoint's error page is readable. */
export const RESPONSE_BODY_MAX_BYTES = 16 * 1024;
/** The previous secret keeps signing this long after a rotation. */
export const ROTATION_GRACE_MS = 24 * 3_600_000;
export const INBOUND_DELIVERY_ID_MAX = 255;
export const INBOUND_BODY_MAX_BYTES = 256 * 1024;
/** The window of the health's success rate. */
export const HEALTH_WINDOW_MS = 24 * 3_600_000;

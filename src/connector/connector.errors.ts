import { HttpStatus } from '@nestjs/common';
import { defineProblems } from '../common/problem.js';

/** The connector module's error kinds (documented in /openapi.json and the README). */
export const ConnectorProblems = defineProblems({
  deliverySucceeded: {
    status: HttpStatus.CONFLICT,
    title: 'Delivery already succeeded',
    description: 'Only a failed or dead delivery can be retried; this one was delivered.',
  },
  deliveryPending: {
    status: HttpStatus.CONFLICT,
    title: 'Delivery already queued',
    description: 'The delivery is pending: it will be attempted at `nextAttemptAt` anyway.',
  },
  wrongConnectorKind: {
    status: HttpStatus.CONFLICT,
    title: 'Not possible for this kind of connector',
    description:
      'Deliveries, tests and replays are for outbound connectors (webhook, chat); inbound events for inbound connectors.',
  },
  connectorDisabled: {
    status: HttpStatus.CONFLICT,
    title: 'Connector is disabled',
    description:
      'Enable the connector (PATCH `enabled: true`) before testing it or receiving on it.',
  },
  invalidSignature: {
    status: HttpStatus.UNAUTHORIZED,
    title: 'Invalid webhook signature',
    description:
      'The signature is missing or wrong, or its timestamp is more than 5 minutes away. Nothing was done.',
  },
  mappingFailed: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'Inbound mapping failed',
    description:
      "The connector's mapping failed on this payload or produced an invalid create body. The event is stored as failed with the reason.",
  },
  targetUnavailable: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'Inbound target unavailable',
    description: 'The mapping targets a kind of entity this server does not offer (yet).',
  },
});

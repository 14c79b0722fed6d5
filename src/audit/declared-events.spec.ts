import type { EntityManager } from 'typeorm';
import { defineEvents, type EventType } from '../kernel/events.js';
import { AuditService, declaredEvent } from './audit.service.js';

/**
 * Inside a transaction as far as the append is concerned; any statement would fail the test.
 * (An embedded-engine `driver` option: prepared statements then go through `query` too.)
 */
const em = {
  queryRunner: { isTransactionActive: true },
  connection: { driver: { options: { driver: {} } } },
  query: () => Promise.reject(new Error('no statement expected')),
} as unknown as EntityManager;

describe('AuditService accepts only declared events', () => {
  const audit = new AuditService();

  it('refuses a hand-built event object before touching the database', async () => {
    const forged: EventType = {
      action: 'note.created',
      entityType: 'note',
      description: 'forged',
      deliverable: true,
    };
    await expect(
      audit.appendBatch(em, [
        declaredEvent(forged, { workspaceId: null, userId: 'u', entityId: null }),
      ]),
    ).rejects.toThrow(/not declared with defineEvents/);
  });

  it('takes a declared one (and reaches the database)', async () => {
    const Probe = defineEvents('audit_probe', { tested: { description: 'A spec probe.' } });
    await expect(
      audit.appendBatch(em, [
        declaredEvent(Probe.tested, { workspaceId: null, userId: 'u', entityId: null }),
      ]),
    ).rejects.toThrow('no statement expected');
  });
});

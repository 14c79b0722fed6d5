import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditLog1795325331788 implements MigrationInterface {
  name = 'AuditLog1795325331788';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_workspace_seq"`);
    await queryRunner.query(
      `CREATE TABLE "outbox_cursors" ("consumer" character varying(100) NOT NULL, "chain_key" character varying(64) NOT NULL, "last_seq" bigint NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_outbox_cursors_last_seq" CHECK (last_seq >= 0), CONSTRAINT "PK_78888d633ed858e6e978724cfee" PRIMARY KEY ("consumer", "chain_key"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_chain_heads" ADD "last_occurred_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_account_time" ON "audit_events"  ("chain_key", "occurred_at", "seq") WHERE workspace_id IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_workspace_entity_type" ON "audit_events"  ("workspace_id", "entity_type", "occurred_at", "seq") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_workspace_entity" ON "audit_events"  ("workspace_id", "entity_id", "occurred_at", "seq") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_workspace_actor" ON "audit_events"  ("workspace_id", "actor_id", "occurred_at", "seq") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_workspace_time" ON "audit_events"  ("workspace_id", "occurred_at", "seq") `,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_events" ADD CONSTRAINT "ck_audit_events_seq" CHECK (seq > 0)`,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_events" ADD CONSTRAINT "ck_audit_events_actor_type" CHECK (actor_type IN ('user', 'token', 'system'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_events" ADD CONSTRAINT "ck_audit_events_chain_key" CHECK ((workspace_id IS NOT NULL AND chain_key = 'ws:' || workspace_id::text) OR (workspace_id IS NULL AND chain_key LIKE 'user:%'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_chain_heads" ADD CONSTRAINT "ck_audit_chain_heads_last_seq" CHECK (last_seq >= 0)`,
    );
    await queryRunner.query(
      `ALTER TABLE "outbox_cursors" ADD CONSTRAINT "FK_d2910c4d216175c4c07164d32b9" FOREIGN KEY ("chain_key") REFERENCES "audit_chain_heads"("chain_key") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );

    // Hand-written from here: what the generator cannot express.
    // Exact and prefix (`card.*` as LIKE 'card.%') action filters, in any database collation.
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_workspace_action" ON "audit_events" ("workspace_id", "action" varchar_pattern_ops, "occurred_at", "seq")`,
    );
    // Existing chains: the head remembers its last event's time (occurred_at never decreases).
    await queryRunner.query(
      `UPDATE "audit_chain_heads" h SET "last_occurred_at" = e."occurred_at" FROM "audit_events" e WHERE e."chain_key" = h."chain_key" AND e."seq" = h."last_seq"`,
    );
    // Append-only: events are never changed or removed, whoever asks (the app included).
    await queryRunner.query(
      `CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
           USING ERRCODE = 'insufficient_privilege',
                 HINT = 'Events are never changed or deleted; record a new event instead.';
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "trg_audit_events_append_only" BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "trg_audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events" FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "trg_audit_events_no_truncate" ON "audit_events"`);
    await queryRunner.query(`DROP TRIGGER "trg_audit_events_append_only" ON "audit_events"`);
    await queryRunner.query(`DROP FUNCTION "audit_events_append_only"()`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_workspace_action"`);
    await queryRunner.query(
      `ALTER TABLE "outbox_cursors" DROP CONSTRAINT "FK_d2910c4d216175c4c07164d32b9"`,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_chain_heads" DROP CONSTRAINT "ck_audit_chain_heads_last_seq"`,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_events" DROP CONSTRAINT "ck_audit_events_chain_key"`,
    );
    await queryRunner.query(
      `ALTER TABLE "audit_events" DROP CONSTRAINT "ck_audit_events_actor_type"`,
    );
    await queryRunner.query(`ALTER TABLE "audit_events" DROP CONSTRAINT "ck_audit_events_seq"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_workspace_time"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_workspace_actor"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_workspace_entity"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_workspace_entity_type"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_events_account_time"`);
    await queryRunner.query(`ALTER TABLE "audit_chain_heads" DROP COLUMN "last_occurred_at"`);
    await queryRunner.query(`DROP TABLE "outbox_cursors"`);
    await queryRunner.query(
      `CREATE INDEX "ix_audit_events_workspace_seq" ON "audit_events" USING btree ("workspace_id", "seq") `,
    );
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ConnectorsSchema1795987160057 implements MigrationInterface {
  name = 'ConnectorsSchema1795987160057';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "delivery_attempts" ("id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "delivery_id" uuid NOT NULL, "connector_id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "success" boolean NOT NULL, "status_code" integer, "latency_ms" integer NOT NULL, "error_class" character varying(32), "response_body" text, CONSTRAINT "PK_41eba4eb5401d72860f7cd9a7ac" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_delivery_attempts_connector_time" ON "delivery_attempts"  ("connector_id", "at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_delivery_attempts_delivery" ON "delivery_attempts"  ("workspace_id", "delivery_id", "at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "inbound_events" ("id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "connector_id" uuid NOT NULL, "delivery_id" character varying(255), "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "verified" boolean NOT NULL, "result" character varying(16) NOT NULL, "reason" text, "entity_type" character varying(50), "entity_id" uuid, CONSTRAINT "ck_inbound_events_result" CHECK (result IN ('created', 'failed', 'rejected', 'skipped')), CONSTRAINT "PK_b76e26fa0121da742b191b7ded0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_inbound_events_replay" ON "inbound_events"  ("connector_id", "delivery_id") WHERE verified`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_inbound_events_connector_list" ON "inbound_events"  ("workspace_id", "connector_id", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "deliveries" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "workspace_id" uuid NOT NULL, "connector_id" uuid NOT NULL, "event_id" uuid NOT NULL, "event_type" character varying(100) NOT NULL, "body" text NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "attempt_count" integer NOT NULL DEFAULT '0', "schedule_step" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE, "claim_token" uuid, "event_occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "ck_deliveries_status" CHECK (status IN ('pending', 'succeeded', 'failed', 'dead')), CONSTRAINT "PK_a6ef225c5c5f0974e503bfb731f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_deliveries_due" ON "deliveries"  ("connector_id", "next_attempt_at") WHERE status IN ('pending', 'failed')`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_deliveries_connector_list" ON "deliveries"  ("workspace_id", "connector_id", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_deliveries_connector_status" ON "deliveries"  ("workspace_id", "connector_id", "status", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_deliveries_connector_event" ON "deliveries"  ("connector_id", "event_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "connectors" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT '1', "workspace_id" uuid NOT NULL, "name" character varying(200) NOT NULL, "description" character varying(2000), "kind" character varying(16) NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "subscribed_since" TIMESTAMP WITH TIME ZONE NOT NULL, "url" character varying(2048), "events" text array NOT NULL DEFAULT '{}', "config" jsonb NOT NULL DEFAULT '{}', "secret_sealed" text NOT NULL, "previous_secret_sealed" text, "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE, "breaker_state" character varying(16) NOT NULL DEFAULT 'closed', "breaker_opened_at" TIMESTAMP WITH TIME ZONE, "failing_since" TIMESTAMP WITH TIME ZONE, "last_success_at" TIMESTAMP WITH TIME ZONE, "last_failure_at" TIMESTAMP WITH TIME ZONE, "created_by" uuid, CONSTRAINT "ck_connectors_name_length" CHECK (char_length(name) BETWEEN 1 AND 200), CONSTRAINT "ck_connectors_breaker_state" CHECK (breaker_state IN ('closed', 'open', 'half_open')), CONSTRAINT "ck_connectors_kind" CHECK (kind IN ('webhook', 'inbound', 'chat')), CONSTRAINT "PK_c1334e2a68a8de86d1732a8e3fb" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_connectors_workspace_enabled" ON "connectors"  ("workspace_id", "enabled", "kind") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_connectors_workspace_id" ON "connectors"  ("workspace_id", "id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "delivery_attempts" ADD CONSTRAINT "FK_65caad4f16bb7fb609a63b2015e" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "delivery_attempts" ADD CONSTRAINT "FK_a9d7e7212c87084249a641ab455" FOREIGN KEY ("delivery_id") REFERENCES "deliveries"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "delivery_attempts" ADD CONSTRAINT "FK_d845ecbe39991129aa9eaba7642" FOREIGN KEY ("connector_id") REFERENCES "connectors"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "inbound_events" ADD CONSTRAINT "FK_b66ae7806c0591b062d7beff3da" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "inbound_events" ADD CONSTRAINT "FK_f2bce34e682df82338ecb62fa39" FOREIGN KEY ("connector_id") REFERENCES "connectors"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "deliveries" ADD CONSTRAINT "FK_30ebcd516d507f5d4b795c6622f" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "deliveries" ADD CONSTRAINT "FK_42f4e6cbb9363cae21d3b8f7c84" FOREIGN KEY ("connector_id") REFERENCES "connectors"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "connectors" ADD CONSTRAINT "FK_dd682cd3c698b5e415253cc3612" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "connectors" DROP CONSTRAINT "FK_dd682cd3c698b5e415253cc3612"`,
    );
    await queryRunner.query(
      `ALTER TABLE "deliveries" DROP CONSTRAINT "FK_42f4e6cbb9363cae21d3b8f7c84"`,
    );
    await queryRunner.query(
      `ALTER TABLE "deliveries" DROP CONSTRAINT "FK_30ebcd516d507f5d4b795c6622f"`,
    );
    await queryRunner.query(
      `ALTER TABLE "inbound_events" DROP CONSTRAINT "FK_f2bce34e682df82338ecb62fa39"`,
    );
    await queryRunner.query(
      `ALTER TABLE "inbound_events" DROP CONSTRAINT "FK_b66ae7806c0591b062d7beff3da"`,
    );
    await queryRunner.query(
      `ALTER TABLE "delivery_attempts" DROP CONSTRAINT "FK_d845ecbe39991129aa9eaba7642"`,
    );
    await queryRunner.query(
      `ALTER TABLE "delivery_attempts" DROP CONSTRAINT "FK_a9d7e7212c87084249a641ab455"`,
    );
    await queryRunner.query(
      `ALTER TABLE "delivery_attempts" DROP CONSTRAINT "FK_65caad4f16bb7fb609a63b2015e"`,
    );
    await queryRunner.query(`DROP INDEX "public"."ux_connectors_workspace_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_connectors_workspace_enabled"`);
    await queryRunner.query(`DROP TABLE "connectors"`);
    await queryRunner.query(`DROP INDEX "public"."ux_deliveries_connector_event"`);
    await queryRunner.query(`DROP INDEX "public"."ix_deliveries_connector_status"`);
    await queryRunner.query(`DROP INDEX "public"."ix_deliveries_connector_list"`);
    await queryRunner.query(`DROP INDEX "public"."ix_deliveries_due"`);
    await queryRunner.query(`DROP TABLE "deliveries"`);
    await queryRunner.query(`DROP INDEX "public"."ix_inbound_events_connector_list"`);
    await queryRunner.query(`DROP INDEX "public"."ux_inbound_events_replay"`);
    await queryRunner.query(`DROP TABLE "inbound_events"`);
    await queryRunner.query(`DROP INDEX "public"."ix_delivery_attempts_delivery"`);
    await queryRunner.query(`DROP INDEX "public"."ix_delivery_attempts_connector_time"`);
    await queryRunner.query(`DROP TABLE "delivery_attempts"`);
  }
}

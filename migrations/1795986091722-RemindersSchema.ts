import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RemindersSchema1795986091722 implements MigrationInterface {
  name = 'RemindersSchema1795986091722';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "reminder_recipients" ("workspace_id" uuid NOT NULL, "reminder_id" uuid NOT NULL, "user_id" uuid NOT NULL, CONSTRAINT "PK_db42fc8157aeb65b8503190f53e" PRIMARY KEY ("workspace_id", "reminder_id", "user_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_reminder_recipients_user" ON "reminder_recipients"  ("workspace_id", "user_id", "reminder_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "reminder_occurrences" ("id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "reminder_id" uuid NOT NULL, "scheduled_for" TIMESTAMP WITH TIME ZONE NOT NULL, "fired_at" TIMESTAMP WITH TIME ZONE, "late" boolean NOT NULL DEFAULT false, "skipped" boolean NOT NULL DEFAULT false, "snoozed_until" TIMESTAMP WITH TIME ZONE, "acknowledged_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e60cb9d6ef20f7d9dc272150d01" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_reminder_occurrences_slot" ON "reminder_occurrences"  ("workspace_id", "reminder_id", "scheduled_for") `,
    );
    await queryRunner.query(`CREATE TABLE "reminders" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT '1', "workspace_id" uuid NOT NULL, "bucket" smallint NOT NULL, "title" character varying(500) NOT NULL, "note" text, "kind" character varying(8) NOT NULL, "remind_at" TIMESTAMP WITH TIME ZONE, "rrule" character varying(1000), "dtstart" character varying(19), "cron" character varying(100), "time_zone" character varying(64) NOT NULL, "target_type" character varying(8), "target_id" uuid, "catch_up" character varying(10) NOT NULL DEFAULT 'fire_once', "state" character varying(10) NOT NULL DEFAULT 'active', "next_fire_at" TIMESTAMP WITH TIME ZONE, "rule_next_at" TIMESTAMP WITH TIME ZONE, "snooze_until" TIMESTAMP WITH TIME ZONE, "snoozed_for" TIMESTAMP WITH TIME ZONE, "last_fired_for" TIMESTAMP WITH TIME ZONE, "created_by" uuid, "source_card_id" uuid, "source_offset" character varying(40), CONSTRAINT "ck_reminders_schedule" CHECK ((kind = 'once' AND remind_at IS NOT NULL AND rrule IS NULL AND cron IS NULL)
   OR (kind = 'rrule' AND rrule IS NOT NULL AND dtstart IS NOT NULL AND remind_at IS NULL AND cron IS NULL)
   OR (kind = 'cron' AND cron IS NOT NULL AND remind_at IS NULL AND rrule IS NULL)), CONSTRAINT "ck_reminders_target_pair" CHECK ((target_type IS NULL) = (target_id IS NULL)), CONSTRAINT "ck_reminders_target_type" CHECK (target_type IS NULL OR target_type IN ('card', 'note')), CONSTRAINT "ck_reminders_catch_up" CHECK (catch_up IN ('fire_all', 'fire_once', 'skip')), CONSTRAINT "ck_reminders_state" CHECK (state IN ('active', 'done', 'cancelled')), CONSTRAINT "ck_reminders_title_not_empty" CHECK (char_length(title) > 0), CONSTRAINT "PK_38715fec7f634b72c6cf7ea4893" PRIMARY KEY ("id"))`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_reminders_workspace_id" ON "reminders"  ("workspace_id", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_reminders_card_offset" ON "reminders"  ("workspace_id", "source_card_id", "source_offset") WHERE source_card_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_reminders_workspace_target" ON "reminders"  ("workspace_id", "target_id") WHERE target_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_reminders_workspace_next" ON "reminders"  ("workspace_id", "next_fire_at", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_reminders_due" ON "reminders"  ("bucket", "next_fire_at") WHERE state = 'active' AND next_fire_at IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "workspaces" ADD "time_zone" character varying(64) NOT NULL DEFAULT 'UTC'`,
    );
    await queryRunner.query(`ALTER TABLE "cards" ADD "remind_before" jsonb NOT NULL DEFAULT '[]'`);
    await queryRunner.query(
      `ALTER TABLE "reminder_recipients" ADD CONSTRAINT "FK_4f372835797f45fe7bf27e5948d" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "reminder_recipients" ADD CONSTRAINT "fk_reminder_recipients_reminder" FOREIGN KEY ("workspace_id", "reminder_id") REFERENCES "reminders"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "reminder_occurrences" ADD CONSTRAINT "fk_reminder_occurrences_reminder" FOREIGN KEY ("workspace_id", "reminder_id") REFERENCES "reminders"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "reminders" ADD CONSTRAINT "FK_5cbb60713446cde7c59dbebf8b7" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "reminders" DROP CONSTRAINT "FK_5cbb60713446cde7c59dbebf8b7"`,
    );
    await queryRunner.query(
      `ALTER TABLE "reminder_occurrences" DROP CONSTRAINT "fk_reminder_occurrences_reminder"`,
    );
    await queryRunner.query(
      `ALTER TABLE "reminder_recipients" DROP CONSTRAINT "fk_reminder_recipients_reminder"`,
    );
    await queryRunner.query(
      `ALTER TABLE "reminder_recipients" DROP CONSTRAINT "FK_4f372835797f45fe7bf27e5948d"`,
    );
    await queryRunner.query(`ALTER TABLE "cards" DROP COLUMN "remind_before"`);
    await queryRunner.query(`ALTER TABLE "workspaces" DROP COLUMN "time_zone"`);
    await queryRunner.query(`DROP INDEX "public"."ix_reminders_due"`);
    await queryRunner.query(`DROP INDEX "public"."ix_reminders_workspace_next"`);
    await queryRunner.query(`DROP INDEX "public"."ix_reminders_workspace_target"`);
    await queryRunner.query(`DROP INDEX "public"."ux_reminders_card_offset"`);
    await queryRunner.query(`DROP INDEX "public"."ux_reminders_workspace_id"`);
    await queryRunner.query(`DROP TABLE "reminders"`);
    await queryRunner.query(`DROP INDEX "public"."ux_reminder_occurrences_slot"`);
    await queryRunner.query(`DROP TABLE "reminder_occurrences"`);
    await queryRunner.query(`DROP INDEX "public"."ix_reminder_recipients_user"`);
    await queryRunner.query(`DROP TABLE "reminder_recipients"`);
  }
}

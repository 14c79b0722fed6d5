import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DashboardFlow1795986346926 implements MigrationInterface {
  name = 'DashboardFlow1795986346926';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "dashboard_boards" ("id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "name" character varying(200) NOT NULL, "archived_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_a6ec137858c722a1777cba0aef4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_boards_workspace" ON "dashboard_boards"  ("workspace_id", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "dashboard_cards" ("workspace_id" uuid NOT NULL, "card_id" uuid NOT NULL, "board_id" uuid NOT NULL, "column_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "column_entered_at" TIMESTAMP WITH TIME ZONE NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "due_at" TIMESTAMP WITH TIME ZONE, "archived_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_ea7f7cfc931e2feab95c19a1e2b" PRIMARY KEY ("workspace_id", "card_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_cards_column" ON "dashboard_cards"  ("workspace_id", "column_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_cards_in_progress" ON "dashboard_cards"  ("workspace_id", "board_id", "started_at") WHERE started_at IS NOT NULL AND archived_at IS NULL AND finished_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_cards_due" ON "dashboard_cards"  ("workspace_id", "due_at") WHERE due_at IS NOT NULL AND archived_at IS NULL AND finished_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_cards_in_progress_workspace" ON "dashboard_cards"  ("workspace_id", "started_at") WHERE started_at IS NOT NULL AND archived_at IS NULL AND finished_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_cards_finished_workspace" ON "dashboard_cards"  ("workspace_id", "finished_at") WHERE finished_at IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_cards_finished" ON "dashboard_cards"  ("workspace_id", "board_id", "finished_at") WHERE finished_at IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "dashboard_columns" ("workspace_id" uuid NOT NULL, "column_id" uuid NOT NULL, "board_id" uuid NOT NULL, "name" character varying(200) NOT NULL, "position" character varying(200) COLLATE "C" NOT NULL, "wip_limit" integer, "is_done" boolean NOT NULL DEFAULT false, "open_cards" integer NOT NULL DEFAULT '0', "archived_cards" integer NOT NULL DEFAULT '0', CONSTRAINT "ck_dashboard_columns_counts" CHECK (open_cards >= 0 AND archived_cards >= 0), CONSTRAINT "PK_9ce21ffb03171aab11617b75e06" PRIMARY KEY ("workspace_id", "column_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_columns_board" ON "dashboard_columns"  ("workspace_id", "board_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "dashboard_intervals" ("id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "card_id" uuid NOT NULL, "column_id" uuid NOT NULL, "entered_at" TIMESTAMP WITH TIME ZONE NOT NULL, "left_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_32cf7dedef91beabedfd291c272" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_dashboard_intervals_open" ON "dashboard_intervals"  ("workspace_id", "card_id") WHERE left_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_intervals_board_left" ON "dashboard_intervals"  ("workspace_id", "board_id", "left_at", "entered_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_boards" ADD CONSTRAINT "FK_479176945d38717609a9a3ebce2" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_cards" ADD CONSTRAINT "FK_78ee6f840c35e615bb2e98b15c4" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_columns" ADD CONSTRAINT "FK_67f430728953e236775d9452d60" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_intervals" ADD CONSTRAINT "FK_43420f054862ed9c836c8347d8e" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "dashboard_intervals" DROP CONSTRAINT "FK_43420f054862ed9c836c8347d8e"`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_columns" DROP CONSTRAINT "FK_67f430728953e236775d9452d60"`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_cards" DROP CONSTRAINT "FK_78ee6f840c35e615bb2e98b15c4"`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_boards" DROP CONSTRAINT "FK_479176945d38717609a9a3ebce2"`,
    );
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_intervals_board_left"`);
    await queryRunner.query(`DROP INDEX "public"."ux_dashboard_intervals_open"`);
    await queryRunner.query(`DROP TABLE "dashboard_intervals"`);
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_columns_board"`);
    await queryRunner.query(`DROP TABLE "dashboard_columns"`);
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_cards_finished"`);
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_cards_finished_workspace"`);
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_cards_in_progress_workspace"`);
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_cards_due"`);
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_cards_in_progress"`);
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_cards_column"`);
    await queryRunner.query(`DROP TABLE "dashboard_cards"`);
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_boards_workspace"`);
    await queryRunner.query(`DROP TABLE "dashboard_boards"`);
  }
}

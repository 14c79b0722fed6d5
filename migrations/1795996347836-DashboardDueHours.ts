import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DashboardDueHours1795996347836 implements MigrationInterface {
  name = 'DashboardDueHours1795996347836';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_cards_in_progress_workspace"`);
    await queryRunner.query(
      `CREATE TABLE "dashboard_due_hours" ("workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "hour" TIMESTAMP WITH TIME ZONE NOT NULL, "cards" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_98158392a9d2104b90db091a014" PRIMARY KEY ("workspace_id", "board_id", "hour"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_cards_in_progress_workspace" ON "dashboard_cards"  ("workspace_id", "started_at", "board_id") WHERE started_at IS NOT NULL AND archived_at IS NULL AND finished_at IS NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_due_hours" ADD CONSTRAINT "FK_29d21e1e940efd500a1de9efde0" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Written by hand: the due hours of the cards already projected (as the reconciliation
    // recounts them, src/dashboard/flow.rollups.ts).
    await queryRunner.query(
      `INSERT INTO dashboard_due_hours (workspace_id, board_id, hour, cards)
       SELECT workspace_id, board_id, to_timestamp(floor(extract(epoch FROM due_at) / 3600) * 3600),
              count(*)
         FROM dashboard_cards
        WHERE due_at IS NOT NULL AND finished_at IS NULL AND archived_at IS NULL
        GROUP BY 1, 2, 3`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "dashboard_due_hours" DROP CONSTRAINT "FK_29d21e1e940efd500a1de9efde0"`,
    );
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_cards_in_progress_workspace"`);
    await queryRunner.query(`DROP TABLE "dashboard_due_hours"`);
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_cards_in_progress_workspace" ON "dashboard_cards" USING btree ("workspace_id", "started_at") WHERE ((started_at IS NOT NULL) AND (archived_at IS NULL) AND (finished_at IS NULL))`,
    );
  }
}

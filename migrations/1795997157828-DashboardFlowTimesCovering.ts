import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DashboardFlowTimesCovering1795997157828 implements MigrationInterface {
  name = 'DashboardFlowTimesCovering1795997157828';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_flow_times_day"`);
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_flow_times_day" ON "dashboard_flow_times"  ("workspace_id", "day", "board_id", "bucket", "cycle", "lead") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_flow_times_day"`);
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_flow_times_day" ON "dashboard_flow_times" USING btree ("workspace_id", "day") `,
    );
  }
}

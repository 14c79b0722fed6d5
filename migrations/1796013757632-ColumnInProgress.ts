import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ColumnInProgress1796013757632 implements MigrationInterface {
  name = 'ColumnInProgress1796013757632';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "dashboard_columns" ADD "in_progress" boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE "board_columns" ADD "in_progress" boolean NOT NULL DEFAULT false`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "board_columns" DROP COLUMN "in_progress"`);
    await queryRunner.query(`ALTER TABLE "dashboard_columns" DROP COLUMN "in_progress"`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CardsBySystemActors1795990015621 implements MigrationInterface {
  name = 'CardsBySystemActors1795990015621';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cards" DROP CONSTRAINT "FK_79fbe121b19f7fb04d794ba97cb"`);
    await queryRunner.query(`ALTER TABLE "cards" ALTER COLUMN "created_by" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "cards" ADD CONSTRAINT "FK_79fbe121b19f7fb04d794ba97cb" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cards" DROP CONSTRAINT "FK_79fbe121b19f7fb04d794ba97cb"`);
    await queryRunner.query(`ALTER TABLE "cards" ALTER COLUMN "created_by" SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "cards" ADD CONSTRAINT "FK_79fbe121b19f7fb04d794ba97cb" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class NotesBySystemActors1795991032831 implements MigrationInterface {
  name = 'NotesBySystemActors1795991032831';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "note_revisions" DROP CONSTRAINT "FK_6444d903a4cd8e9600c93d693cf"`,
    );
    await queryRunner.query(`ALTER TABLE "note_revisions" ALTER COLUMN "author_id" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "notes" DROP CONSTRAINT "FK_b86c5f2b5de1e7a3d2a428cfb55"`);
    await queryRunner.query(`ALTER TABLE "notes" DROP CONSTRAINT "FK_e63e1a36ca2db33f2ad0d8fa77c"`);
    await queryRunner.query(`ALTER TABLE "notes" ALTER COLUMN "created_by" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "notes" ALTER COLUMN "updated_by" DROP NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "note_revisions" ADD CONSTRAINT "FK_6444d903a4cd8e9600c93d693cf" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notes" ADD CONSTRAINT "FK_b86c5f2b5de1e7a3d2a428cfb55" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notes" ADD CONSTRAINT "FK_e63e1a36ca2db33f2ad0d8fa77c" FOREIGN KEY ("updated_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "notes" DROP CONSTRAINT "FK_e63e1a36ca2db33f2ad0d8fa77c"`);
    await queryRunner.query(`ALTER TABLE "notes" DROP CONSTRAINT "FK_b86c5f2b5de1e7a3d2a428cfb55"`);
    await queryRunner.query(
      `ALTER TABLE "note_revisions" DROP CONSTRAINT "FK_6444d903a4cd8e9600c93d693cf"`,
    );
    await queryRunner.query(`ALTER TABLE "notes" ALTER COLUMN "updated_by" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "notes" ALTER COLUMN "created_by" SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "notes" ADD CONSTRAINT "FK_e63e1a36ca2db33f2ad0d8fa77c" FOREIGN KEY ("updated_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notes" ADD CONSTRAINT "FK_b86c5f2b5de1e7a3d2a428cfb55" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "note_revisions" ALTER COLUMN "author_id" SET NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE "note_revisions" ADD CONSTRAINT "FK_6444d903a4cd8e9600c93d693cf" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }
}

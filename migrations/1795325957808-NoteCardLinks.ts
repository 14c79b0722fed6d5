import type { MigrationInterface, QueryRunner } from 'typeorm';

export class NoteCardLinks1795325957808 implements MigrationInterface {
  name = 'NoteCardLinks1795325957808';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "note_card_links" ("id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "note_id" uuid NOT NULL, "card_id" uuid NOT NULL, "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1e12b95f284d4bd92f8245f9ad8" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_note_card_links_card" ON "note_card_links"  ("workspace_id", "card_id", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_note_card_links_note" ON "note_card_links"  ("workspace_id", "note_id", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_note_card_links_note_card" ON "note_card_links"  ("workspace_id", "note_id", "card_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" ADD CONSTRAINT "FK_6b121fb66ea03db7523116faed7" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" ADD CONSTRAINT "FK_2154245e2b44dc38018a0c8ccc4" FOREIGN KEY ("note_id") REFERENCES "notes"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" ADD CONSTRAINT "FK_f753f108766cbaa438369fbd624" FOREIGN KEY ("card_id") REFERENCES "cards"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" ADD CONSTRAINT "FK_5a8c945239b2592a4b8f9cce177" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "note_card_links" DROP CONSTRAINT "FK_5a8c945239b2592a4b8f9cce177"`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" DROP CONSTRAINT "FK_f753f108766cbaa438369fbd624"`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" DROP CONSTRAINT "FK_2154245e2b44dc38018a0c8ccc4"`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" DROP CONSTRAINT "FK_6b121fb66ea03db7523116faed7"`,
    );
    await queryRunner.query(`DROP INDEX "public"."ux_note_card_links_note_card"`);
    await queryRunner.query(`DROP INDEX "public"."ix_note_card_links_note"`);
    await queryRunner.query(`DROP INDEX "public"."ix_note_card_links_card"`);
    await queryRunner.query(`DROP TABLE "note_card_links"`);
  }
}

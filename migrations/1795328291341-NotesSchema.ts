import type { MigrationInterface, QueryRunner } from 'typeorm';

export class NotesSchema1795328291341 implements MigrationInterface {
  name = 'NotesSchema1795328291341';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "note_card_links" ("id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "note_id" uuid NOT NULL, "board_id" uuid NOT NULL, "card_id" uuid NOT NULL, "created_by" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1e12b95f284d4bd92f8245f9ad8" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_note_card_links_card" ON "note_card_links"  ("workspace_id", "board_id", "card_id", "id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_note_card_links_note" ON "note_card_links"  ("workspace_id", "note_id", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_note_card_links_note_card" ON "note_card_links"  ("workspace_id", "note_id", "card_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "notes" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT '1', "workspace_id" uuid NOT NULL, "title" character varying(500) NOT NULL, "body" text NOT NULL DEFAULT '', "tags" text array NOT NULL DEFAULT '{}', "pinned" boolean NOT NULL DEFAULT false, "archived" boolean NOT NULL DEFAULT false, "created_by" uuid NOT NULL, "updated_by" uuid NOT NULL, "search_config" character varying(64) NOT NULL, "search_vector" tsvector NOT NULL, CONSTRAINT "ck_notes_tags_count" CHECK (cardinality(tags) <= 50), CONSTRAINT "ck_notes_body_size" CHECK (octet_length(body) <= 1048576), CONSTRAINT "ck_notes_title_length" CHECK (char_length(title) BETWEEN 1 AND 500), CONSTRAINT "PK_af6206538ea96c4e77e9f400c3d" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_notes_search" ON "notes" USING gin ("search_vector") `,
    );
    await queryRunner.query(`CREATE INDEX "ix_notes_tags" ON "notes" USING gin ("tags") `);
    await queryRunner.query(
      `CREATE INDEX "ix_notes_workspace_list" ON "notes"  ("workspace_id", "archived", "pinned", "updated_at", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_notes_workspace_id" ON "notes"  ("workspace_id", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "note_revisions" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "workspace_id" uuid NOT NULL, "note_id" uuid NOT NULL, "version" integer NOT NULL, "title" character varying(500) NOT NULL, "body" text NOT NULL, "tags" text array NOT NULL, "author_id" uuid NOT NULL, "authored_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_78262211d14e09d60ba54fbd7a9" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_note_revisions_note_version" ON "note_revisions"  ("workspace_id", "note_id", "version") `,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" ADD CONSTRAINT "FK_6b121fb66ea03db7523116faed7" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" ADD CONSTRAINT "FK_5a8c945239b2592a4b8f9cce177" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" ADD CONSTRAINT "fk_note_card_links_card" FOREIGN KEY ("workspace_id", "board_id", "card_id") REFERENCES "cards"("workspace_id","board_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" ADD CONSTRAINT "fk_note_card_links_note" FOREIGN KEY ("workspace_id", "note_id") REFERENCES "notes"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notes" ADD CONSTRAINT "FK_9d730754849395585397c08042e" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notes" ADD CONSTRAINT "FK_b86c5f2b5de1e7a3d2a428cfb55" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "notes" ADD CONSTRAINT "FK_e63e1a36ca2db33f2ad0d8fa77c" FOREIGN KEY ("updated_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_revisions" ADD CONSTRAINT "FK_f5dc91c28160b3ffaf3089aeb19" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_revisions" ADD CONSTRAINT "FK_6444d903a4cd8e9600c93d693cf" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_revisions" ADD CONSTRAINT "fk_note_revisions_note" FOREIGN KEY ("workspace_id", "note_id") REFERENCES "notes"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Hand-written: the search document. Title weighs A, body B. A tsvector cannot exceed
    // 1 MiB; a body of many distinct words (hashes, ids, logs) can produce a bigger one, so the
    // body is then indexed from shorter and shorter prefixes instead of failing the write.
    await queryRunner.query(
      `CREATE FUNCTION notes_search_document(config regconfig, title text, body text)
         RETURNS tsvector LANGUAGE plpgsql STABLE AS $$
       DECLARE
         head tsvector := setweight(to_tsvector(config, title), 'A');
         cut integer;
       BEGIN
         BEGIN
           RETURN head || setweight(to_tsvector(config, body), 'B');
         EXCEPTION WHEN program_limit_exceeded THEN
           NULL;
         END;
         FOREACH cut IN ARRAY ARRAY[262144, 65536, 16384] LOOP
           BEGIN
             RETURN head || setweight(to_tsvector(config, left(body, cut)), 'B');
           EXCEPTION WHEN program_limit_exceeded THEN
             NULL;
           END;
         END LOOP;
         RETURN head;
       END $$`,
    );
    // The vector follows the row: recomputed when title, body or search_config change.
    await queryRunner.query(
      `CREATE FUNCTION notes_search_vector_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE'
            AND NEW.title IS NOT DISTINCT FROM OLD.title
            AND NEW.body IS NOT DISTINCT FROM OLD.body
            AND NEW.search_config IS NOT DISTINCT FROM OLD.search_config THEN
           NEW.search_vector := OLD.search_vector;
           RETURN NEW;
         END IF;
         NEW.search_vector := notes_search_document(NEW.search_config::regconfig, NEW.title, NEW.body);
         RETURN NEW;
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER tg_notes_search_vector BEFORE INSERT OR UPDATE OF title, body, search_config
         ON notes FOR EACH ROW EXECUTE FUNCTION notes_search_vector_refresh()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER tg_notes_search_vector ON notes`);
    await queryRunner.query(`DROP FUNCTION notes_search_vector_refresh()`);
    await queryRunner.query(`DROP FUNCTION notes_search_document(regconfig, text, text)`);
    await queryRunner.query(
      `ALTER TABLE "note_revisions" DROP CONSTRAINT "fk_note_revisions_note"`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_revisions" DROP CONSTRAINT "FK_6444d903a4cd8e9600c93d693cf"`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_revisions" DROP CONSTRAINT "FK_f5dc91c28160b3ffaf3089aeb19"`,
    );
    await queryRunner.query(`ALTER TABLE "notes" DROP CONSTRAINT "FK_e63e1a36ca2db33f2ad0d8fa77c"`);
    await queryRunner.query(`ALTER TABLE "notes" DROP CONSTRAINT "FK_b86c5f2b5de1e7a3d2a428cfb55"`);
    await queryRunner.query(`ALTER TABLE "notes" DROP CONSTRAINT "FK_9d730754849395585397c08042e"`);
    await queryRunner.query(
      `ALTER TABLE "note_card_links" DROP CONSTRAINT "fk_note_card_links_note"`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" DROP CONSTRAINT "fk_note_card_links_card"`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" DROP CONSTRAINT "FK_5a8c945239b2592a4b8f9cce177"`,
    );
    await queryRunner.query(
      `ALTER TABLE "note_card_links" DROP CONSTRAINT "FK_6b121fb66ea03db7523116faed7"`,
    );
    await queryRunner.query(`DROP INDEX "public"."ux_note_revisions_note_version"`);
    await queryRunner.query(`DROP TABLE "note_revisions"`);
    await queryRunner.query(`DROP INDEX "public"."ux_notes_workspace_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_notes_workspace_list"`);
    await queryRunner.query(`DROP INDEX "public"."ix_notes_tags"`);
    await queryRunner.query(`DROP INDEX "public"."ix_notes_search"`);
    await queryRunner.query(`DROP TABLE "notes"`);
    await queryRunner.query(`DROP INDEX "public"."ux_note_card_links_note_card"`);
    await queryRunner.query(`DROP INDEX "public"."ix_note_card_links_note"`);
    await queryRunner.query(`DROP INDEX "public"."ix_note_card_links_card"`);
    await queryRunner.query(`DROP TABLE "note_card_links"`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class BoardSchema1795325154684 implements MigrationInterface {
  name = 'BoardSchema1795325154684';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "card_assignees" ("workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "card_id" uuid NOT NULL, "user_id" uuid NOT NULL, CONSTRAINT "PK_0e1397bf91e0b8d568ea6c1b8d7" PRIMARY KEY ("workspace_id", "board_id", "card_id", "user_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_card_assignees_user" ON "card_assignees"  ("workspace_id", "user_id", "card_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "card_labels" ("workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "card_id" uuid NOT NULL, "label_id" uuid NOT NULL, CONSTRAINT "PK_fac3bd3632a220a3eb3b0dbf7b8" PRIMARY KEY ("workspace_id", "board_id", "card_id", "label_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_card_labels_label" ON "card_labels"  ("workspace_id", "board_id", "label_id", "card_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "card_comments" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT '1', "workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "card_id" uuid NOT NULL, "author_id" uuid NOT NULL, "body" text NOT NULL, CONSTRAINT "ck_card_comments_body_not_empty" CHECK (char_length(body) > 0), CONSTRAINT "PK_2951f0e2ca3280a1e68cae5c9fc" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_card_comments_card" ON "card_comments"  ("workspace_id", "board_id", "card_id", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "board_labels" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT '1', "workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "name" character varying(50) NOT NULL, "color" character varying(7) NOT NULL, CONSTRAINT "ck_board_labels_name_not_empty" CHECK (char_length(name) > 0), CONSTRAINT "ck_board_labels_color" CHECK (color ~ '^#[0-9a-f]{6}$'), CONSTRAINT "PK_36094a1a363f814a02ecccbf628" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_board_labels_board_name" ON "board_labels"  ("workspace_id", "board_id", "name") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_board_labels_workspace_board_id" ON "board_labels"  ("workspace_id", "board_id", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "boards" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT '1', "workspace_id" uuid NOT NULL, "name" character varying(200) NOT NULL, "description" text NOT NULL DEFAULT '', "created_by" uuid NOT NULL, "archived_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_boards_name_not_empty" CHECK (char_length(name) > 0), CONSTRAINT "PK_606923b0b068ef262dfdcd18f44" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_boards_workspace_id" ON "boards"  ("workspace_id", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "board_columns" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT '1', "workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "name" character varying(200) NOT NULL, "position" character varying(64) COLLATE "C" NOT NULL, "wip_limit" integer, "is_done" boolean NOT NULL DEFAULT false, CONSTRAINT "ck_board_columns_name_not_empty" CHECK (char_length(name) > 0), CONSTRAINT "ck_board_columns_wip_limit" CHECK (wip_limit IS NULL OR wip_limit > 0), CONSTRAINT "PK_e3da51ad65560ca495d3a621d32" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_board_columns_board_done" ON "board_columns"  ("workspace_id", "board_id") WHERE is_done`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_board_columns_board_position" ON "board_columns"  ("workspace_id", "board_id", "position", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_board_columns_workspace_board_id" ON "board_columns"  ("workspace_id", "board_id", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "cards" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL DEFAULT '1', "workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "column_id" uuid NOT NULL, "position" character varying(64) COLLATE "C" NOT NULL, "title" character varying(500) NOT NULL, "description" text NOT NULL DEFAULT '', "due_at" TIMESTAMP WITH TIME ZONE, "checklist" jsonb NOT NULL DEFAULT '[]', "archived_at" TIMESTAMP WITH TIME ZONE, "column_entered_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "done_first_at" TIMESTAMP WITH TIME ZONE, "done_last_at" TIMESTAMP WITH TIME ZONE, "created_by" uuid NOT NULL, CONSTRAINT "ck_cards_position_not_empty" CHECK (position <> ''), CONSTRAINT "ck_cards_checklist_array" CHECK (jsonb_typeof(checklist) = 'array'), CONSTRAINT "ck_cards_description_size" CHECK (octet_length(description) <= 102400), CONSTRAINT "ck_cards_title_not_empty" CHECK (char_length(title) > 0), CONSTRAINT "PK_5f3269634705fdff4a9935860fc" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_cards_workspace_done" ON "cards"  ("workspace_id", "done_last_at") WHERE done_last_at IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_cards_workspace_due" ON "cards"  ("workspace_id", "due_at") WHERE due_at IS NOT NULL AND archived_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_cards_column_order_archived" ON "cards"  ("workspace_id", "board_id", "column_id", "position", "id") WHERE archived_at IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_cards_column_order" ON "cards"  ("workspace_id", "board_id", "column_id", "position", "id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_cards_workspace_board_id" ON "cards"  ("workspace_id", "board_id", "id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "card_assignees" ADD CONSTRAINT "FK_791499ce950f1f9de365c496b19" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_assignees" ADD CONSTRAINT "fk_card_assignees_member" FOREIGN KEY ("workspace_id", "user_id") REFERENCES "memberships"("workspace_id","user_id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_assignees" ADD CONSTRAINT "fk_card_assignees_card" FOREIGN KEY ("workspace_id", "board_id", "card_id") REFERENCES "cards"("workspace_id","board_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_labels" ADD CONSTRAINT "FK_a2edc0c34bf74a72f1ef52d64a7" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_labels" ADD CONSTRAINT "fk_card_labels_label" FOREIGN KEY ("workspace_id", "board_id", "label_id") REFERENCES "board_labels"("workspace_id","board_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_labels" ADD CONSTRAINT "fk_card_labels_card" FOREIGN KEY ("workspace_id", "board_id", "card_id") REFERENCES "cards"("workspace_id","board_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_comments" ADD CONSTRAINT "FK_13abffc0ea8fdf60497037af8ed" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_comments" ADD CONSTRAINT "FK_36bebfc2f0c3ebb4de4e2bae9fb" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_comments" ADD CONSTRAINT "fk_card_comments_card" FOREIGN KEY ("workspace_id", "board_id", "card_id") REFERENCES "cards"("workspace_id","board_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "board_labels" ADD CONSTRAINT "FK_fea6dcac4731e02f7cb2c26082b" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "board_labels" ADD CONSTRAINT "fk_board_labels_board" FOREIGN KEY ("workspace_id", "board_id") REFERENCES "boards"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "boards" ADD CONSTRAINT "FK_bf217cf96eaeb253a7cd35b52ad" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "boards" ADD CONSTRAINT "FK_8156e1b3bd94cb1812a6d55375c" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "board_columns" ADD CONSTRAINT "FK_a7c78c0e15bdb03495df133c348" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "board_columns" ADD CONSTRAINT "fk_board_columns_board" FOREIGN KEY ("workspace_id", "board_id") REFERENCES "boards"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "cards" ADD CONSTRAINT "FK_6f9951a1bfc0c724348e39d8c1e" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "cards" ADD CONSTRAINT "FK_79fbe121b19f7fb04d794ba97cb" FOREIGN KEY ("created_by") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "cards" ADD CONSTRAINT "fk_cards_column" FOREIGN KEY ("workspace_id", "board_id", "column_id") REFERENCES "board_columns"("workspace_id","board_id","id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "cards" ADD CONSTRAINT "fk_cards_board" FOREIGN KEY ("workspace_id", "board_id") REFERENCES "boards"("workspace_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cards" DROP CONSTRAINT "fk_cards_board"`);
    await queryRunner.query(`ALTER TABLE "cards" DROP CONSTRAINT "fk_cards_column"`);
    await queryRunner.query(`ALTER TABLE "cards" DROP CONSTRAINT "FK_79fbe121b19f7fb04d794ba97cb"`);
    await queryRunner.query(`ALTER TABLE "cards" DROP CONSTRAINT "FK_6f9951a1bfc0c724348e39d8c1e"`);
    await queryRunner.query(`ALTER TABLE "board_columns" DROP CONSTRAINT "fk_board_columns_board"`);
    await queryRunner.query(
      `ALTER TABLE "board_columns" DROP CONSTRAINT "FK_a7c78c0e15bdb03495df133c348"`,
    );
    await queryRunner.query(
      `ALTER TABLE "boards" DROP CONSTRAINT "FK_8156e1b3bd94cb1812a6d55375c"`,
    );
    await queryRunner.query(
      `ALTER TABLE "boards" DROP CONSTRAINT "FK_bf217cf96eaeb253a7cd35b52ad"`,
    );
    await queryRunner.query(`ALTER TABLE "board_labels" DROP CONSTRAINT "fk_board_labels_board"`);
    await queryRunner.query(
      `ALTER TABLE "board_labels" DROP CONSTRAINT "FK_fea6dcac4731e02f7cb2c26082b"`,
    );
    await queryRunner.query(`ALTER TABLE "card_comments" DROP CONSTRAINT "fk_card_comments_card"`);
    await queryRunner.query(
      `ALTER TABLE "card_comments" DROP CONSTRAINT "FK_36bebfc2f0c3ebb4de4e2bae9fb"`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_comments" DROP CONSTRAINT "FK_13abffc0ea8fdf60497037af8ed"`,
    );
    await queryRunner.query(`ALTER TABLE "card_labels" DROP CONSTRAINT "fk_card_labels_card"`);
    await queryRunner.query(`ALTER TABLE "card_labels" DROP CONSTRAINT "fk_card_labels_label"`);
    await queryRunner.query(
      `ALTER TABLE "card_labels" DROP CONSTRAINT "FK_a2edc0c34bf74a72f1ef52d64a7"`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_assignees" DROP CONSTRAINT "fk_card_assignees_card"`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_assignees" DROP CONSTRAINT "fk_card_assignees_member"`,
    );
    await queryRunner.query(
      `ALTER TABLE "card_assignees" DROP CONSTRAINT "FK_791499ce950f1f9de365c496b19"`,
    );
    await queryRunner.query(`DROP INDEX "public"."ux_cards_workspace_board_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_cards_column_order"`);
    await queryRunner.query(`DROP INDEX "public"."ix_cards_column_order_archived"`);
    await queryRunner.query(`DROP INDEX "public"."ix_cards_workspace_due"`);
    await queryRunner.query(`DROP INDEX "public"."ix_cards_workspace_done"`);
    await queryRunner.query(`DROP TABLE "cards"`);
    await queryRunner.query(`DROP INDEX "public"."ux_board_columns_workspace_board_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_board_columns_board_position"`);
    await queryRunner.query(`DROP INDEX "public"."ux_board_columns_board_done"`);
    await queryRunner.query(`DROP TABLE "board_columns"`);
    await queryRunner.query(`DROP INDEX "public"."ux_boards_workspace_id"`);
    await queryRunner.query(`DROP TABLE "boards"`);
    await queryRunner.query(`DROP INDEX "public"."ux_board_labels_workspace_board_id"`);
    await queryRunner.query(`DROP INDEX "public"."ux_board_labels_board_name"`);
    await queryRunner.query(`DROP TABLE "board_labels"`);
    await queryRunner.query(`DROP INDEX "public"."ix_card_comments_card"`);
    await queryRunner.query(`DROP TABLE "card_comments"`);
    await queryRunner.query(`DROP INDEX "public"."ix_card_labels_label"`);
    await queryRunner.query(`DROP TABLE "card_labels"`);
    await queryRunner.query(`DROP INDEX "public"."ix_card_assignees_user"`);
    await queryRunner.query(`DROP TABLE "card_assignees"`);
  }
}

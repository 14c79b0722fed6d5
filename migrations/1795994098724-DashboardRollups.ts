import type { MigrationInterface, QueryRunner } from 'typeorm';

export class DashboardRollups1795994098724 implements MigrationInterface {
  name = 'DashboardRollups1795994098724';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "dashboard_flow_buckets" ("workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "bucket" TIMESTAMP WITH TIME ZONE NOT NULL, "column_id" uuid NOT NULL, "net" integer NOT NULL DEFAULT '0', "finished" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_9a77f117f2412160068246b2a90" PRIMARY KEY ("workspace_id", "board_id", "bucket", "column_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "dashboard_flow_days" ("workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "day" date NOT NULL, "column_id" uuid NOT NULL, "net" integer NOT NULL DEFAULT '0', "finished" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_c6fcba25d8b590641cad6576bc6" PRIMARY KEY ("workspace_id", "board_id", "day", "column_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_flow_days_finished" ON "dashboard_flow_days"  ("workspace_id", "day", "board_id") WHERE finished <> 0`,
    );
    await queryRunner.query(
      `CREATE TABLE "dashboard_flow_times" ("workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "day" date NOT NULL, "bucket" smallint NOT NULL, "cycle" integer NOT NULL DEFAULT '0', "lead" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_7e159b35138f5da61f978ff03f9" PRIMARY KEY ("workspace_id", "board_id", "day", "bucket"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_dashboard_flow_times_day" ON "dashboard_flow_times"  ("workspace_id", "day") `,
    );
    await queryRunner.query(
      `CREATE TABLE "dashboard_wip_months" ("workspace_id" uuid NOT NULL, "board_id" uuid NOT NULL, "month" date NOT NULL, "cards" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_582cbfce8a257b3fd9a3aaf0d15" PRIMARY KEY ("workspace_id", "board_id", "month"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_flow_buckets" ADD CONSTRAINT "FK_6141ce116a58c76bb82a2c5dd54" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_flow_days" ADD CONSTRAINT "FK_52de2f6da17417856f6786db0e8" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_flow_times" ADD CONSTRAINT "FK_e1524695af4e5ff6d2b141d4d83" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_wip_months" ADD CONSTRAINT "FK_ab46e8860ca427fc53449be2fb0" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Written by hand: the rollups of the flow rows already projected (as the reconciliation
    // recounts them, src/dashboard/flow.rollups.ts), so existing boards keep their history.
    const bucket = (t: string) => `to_timestamp(floor(extract(epoch FROM ${t}) / 900) * 900)`;
    const day = (t: string) => `(${t} AT TIME ZONE 'UTC')::date`;
    for (const [table, grain, at] of [
      ['dashboard_flow_buckets', 'bucket', bucket],
      ['dashboard_flow_days', 'day', day],
    ] as const) {
      await queryRunner.query(
        `INSERT INTO ${table} (workspace_id, board_id, ${grain}, column_id, net, finished)
         SELECT workspace_id, board_id, at, column_id, sum(net), sum(finished)
           FROM (SELECT workspace_id, board_id, ${at('entered_at')} AS at, column_id, 1 AS net,
                        0 AS finished FROM dashboard_intervals
                 UNION ALL
                 SELECT workspace_id, board_id, ${at('left_at')}, column_id, -1, 0
                   FROM dashboard_intervals WHERE left_at IS NOT NULL
                 UNION ALL
                 SELECT workspace_id, board_id, ${at('finished_at')}, column_id, 0, 1
                   FROM dashboard_cards WHERE finished_at IS NOT NULL) x
          GROUP BY workspace_id, board_id, at, column_id`,
      );
    }
    const thresholds =
      '{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,18,20,21,23,25,27,30,32,35,39,42,46,50,54,59,64,70,77,83,91,99,108,118,128,140,153,166,182,198,216,235,256,280,305,332,363,395,431,470,512,559,609,664,725,790,862,940,1024,1117,1218,1328,1449,1580,1723,1879,2048,2234,2436,2656,2897,3159,3445,3757,4096,4467,4871,5312,5793,6317,6889,7513,8192,8934,9742,10624,11586,12634,13778,15025,16384,17867,19484,21248,23171,25268,27555,30049,32768,35734,38968,42495,46341,50536,55109,60097,65536,71468,77936,84990,92682,101071,110218,120194,131072,142936,155872,169980,185364,202141,220436,240388,262144,285871,311744,339959,370728,404282,440872,480775,524288,571741,623488,679918,741456,808563,881744,961549,1048576,1143481,1246975,1359835,1482911,1617126,1763488,1923097,2097152,2286961,2493949,2719670,2965821,3234251,3526976,3846194,4194304,4573921,4987897,5439340,5931642,6468502,7053951,7692388,8388608,9147842,9975793,10878679,11863284,12937003,14107901,15384775,16777216,18295684,19951585,21757358,23726567,25874005,28215802,30769550,33554432,36591368,39903170,43514715,47453133,51748009,56431604,61539100,67108864,73182736,79806339,87029430,94906266,103496017,112863207,123078200,134217728,146365471,159612678,174058859,189812532,206992034,225726413,246156399,268435456,292730941,319225355,348117718,379625063,413984067,451452826,492312797,536870912,585461881,638450709,696235435,759250125,827968133,902905651,984625594,1073741824}';
    const seconds = (a: string) =>
      `width_bucket(floor(extract(epoch FROM finished_at - ${a}))::bigint, '${thresholds}'::bigint[])`;
    await queryRunner.query(
      `INSERT INTO dashboard_flow_times (workspace_id, board_id, day, bucket, cycle, lead)
       SELECT workspace_id, board_id, day, bucket, sum(cycle), sum(lead)
         FROM (SELECT workspace_id, board_id, ${day('finished_at')} AS day,
                      ${seconds('started_at')} AS bucket, 1 AS cycle, 0 AS lead
                 FROM dashboard_cards WHERE finished_at IS NOT NULL AND started_at IS NOT NULL
               UNION ALL
               SELECT workspace_id, board_id, ${day('finished_at')}, ${seconds('created_at')}, 0, 1
                 FROM dashboard_cards WHERE finished_at IS NOT NULL) x
        GROUP BY workspace_id, board_id, day, bucket`,
    );
    await queryRunner.query(
      `INSERT INTO dashboard_wip_months (workspace_id, board_id, month, cards)
       SELECT workspace_id, board_id, date_trunc('month', started_at AT TIME ZONE 'UTC')::date,
              count(*)
         FROM dashboard_cards
        WHERE started_at IS NOT NULL AND finished_at IS NULL AND archived_at IS NULL
        GROUP BY 1, 2, 3`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "dashboard_wip_months" DROP CONSTRAINT "FK_ab46e8860ca427fc53449be2fb0"`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_flow_times" DROP CONSTRAINT "FK_e1524695af4e5ff6d2b141d4d83"`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_flow_days" DROP CONSTRAINT "FK_52de2f6da17417856f6786db0e8"`,
    );
    await queryRunner.query(
      `ALTER TABLE "dashboard_flow_buckets" DROP CONSTRAINT "FK_6141ce116a58c76bb82a2c5dd54"`,
    );
    await queryRunner.query(`DROP TABLE "dashboard_wip_months"`);
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_flow_times_day"`);
    await queryRunner.query(`DROP TABLE "dashboard_flow_times"`);
    await queryRunner.query(`DROP INDEX "public"."ix_dashboard_flow_days_finished"`);
    await queryRunner.query(`DROP TABLE "dashboard_flow_days"`);
    await queryRunner.query(`DROP TABLE "dashboard_flow_buckets"`);
  }
}

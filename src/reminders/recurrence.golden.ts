/**
 * DST golden cases, derived by hand from the zones' published rules (not from the code):
 * each case lists the instants (UTC) a schedule must produce. Shared by the in-process spec and
 * the spec that replays them in child processes with another process time zone.
 */
export interface GoldenCase {
  name: string;
  spec:
    | { kind: 'rrule'; rrule: string; dtstart: string; timeZone: string }
    | { kind: 'cron'; cron: string; timeZone: string };
  after: string;
  expected: string[];
}

export const GOLDEN_CASES: GoldenCase[] = [
  // America/New_York 2026: EST(-5) -> EDT(-4) Sun 2026-03-08 02:00; back Sun 2026-11-01 02:00.
  {
    name: 'New York: 09:00 stays 09:00 across spring-forward',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY',
      dtstart: '2026-03-06T09:00:00',
      timeZone: 'America/New_York',
    },
    after: '2026-03-06T00:00:00Z',
    expected: [
      '2026-03-06T14:00:00Z',
      '2026-03-07T14:00:00Z',
      '2026-03-08T13:00:00Z',
      '2026-03-09T13:00:00Z',
    ],
  },
  {
    name: 'New York: 02:30 in the gap fires at 03:30 EDT',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY',
      dtstart: '2026-03-07T02:30:00',
      timeZone: 'America/New_York',
    },
    after: '2026-03-07T00:00:00Z',
    expected: ['2026-03-07T07:30:00Z', '2026-03-08T07:30:00Z', '2026-03-09T06:30:00Z'],
  },
  {
    name: 'New York: 01:30 in the fold fires once, at the first (EDT) instance',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY',
      dtstart: '2026-10-31T01:30:00',
      timeZone: 'America/New_York',
    },
    after: '2026-10-31T00:00:00Z',
    expected: ['2026-10-31T05:30:00Z', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z'],
  },
  {
    name: 'New York cron: 30 2 * * * is shifted into 03:30 EDT on the gap day',
    spec: { kind: 'cron', cron: '30 2 * * *', timeZone: 'America/New_York' },
    after: '2026-03-07T12:00:00Z',
    expected: ['2026-03-08T07:30:00Z', '2026-03-09T06:30:00Z'],
  },
  {
    name: 'New York cron: a gap time is still found when asked from inside the shifted hour',
    spec: { kind: 'cron', cron: '30 2 * * *', timeZone: 'America/New_York' },
    after: '2026-03-08T07:05:00Z',
    expected: ['2026-03-08T07:30:00Z', '2026-03-09T06:30:00Z'],
  },
  {
    name: 'New York cron: every 30 min in the fold fires each wall time once (first instance)',
    spec: { kind: 'cron', cron: '*/30 1-2 * * *', timeZone: 'America/New_York' },
    after: '2026-11-01T04:00:00Z',
    expected: [
      '2026-11-01T05:00:00Z',
      '2026-11-01T05:30:00Z',
      '2026-11-01T07:00:00Z',
      '2026-11-01T07:30:00Z',
    ],
  },
  {
    name: 'New York cron: gap wall times collapse onto the real ones, never twice',
    spec: { kind: 'cron', cron: '*/30 2-3 * * *', timeZone: 'America/New_York' },
    after: '2026-03-08T06:00:00Z',
    expected: ['2026-03-08T07:00:00Z', '2026-03-08T07:30:00Z', '2026-03-09T06:00:00Z'],
  },
  // Europe/Berlin 2026: CET(+1) -> CEST(+2) Sun 2026-03-29 02:00; back Sun 2026-10-25 03:00.
  {
    name: 'Berlin: 02:30 in the gap fires at 03:30 CEST',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY;COUNT=3',
      dtstart: '2026-03-28T02:30:00',
      timeZone: 'Europe/Berlin',
    },
    after: '2026-03-27T00:00:00Z',
    expected: ['2026-03-28T01:30:00Z', '2026-03-29T01:30:00Z', '2026-03-30T00:30:00Z'],
  },
  {
    name: 'Berlin: 02:30 in the fold fires once at the CEST instance',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY',
      dtstart: '2026-10-24T02:30:00',
      timeZone: 'Europe/Berlin',
    },
    after: '2026-10-24T00:00:00Z',
    expected: ['2026-10-24T00:30:00Z', '2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'],
  },
  {
    name: 'Berlin: weekly Mon/Wed 08:00 keeps the wall clock',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4',
      dtstart: '2026-03-23T08:00:00',
      timeZone: 'Europe/Berlin',
    },
    after: '2026-03-01T00:00:00Z',
    expected: [
      '2026-03-23T07:00:00Z',
      '2026-03-25T07:00:00Z',
      '2026-03-30T06:00:00Z',
      '2026-04-01T06:00:00Z',
    ],
  },
  {
    name: 'Berlin: UNTIL given in UTC bounds the series',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY;UNTIL=20260330T063000Z',
      dtstart: '2026-03-28T08:30:00',
      timeZone: 'Europe/Berlin',
    },
    after: '2026-03-01T00:00:00Z',
    expected: ['2026-03-28T07:30:00Z', '2026-03-29T06:30:00Z', '2026-03-30T06:30:00Z'],
  },
  {
    name: 'Berlin: last Friday of the month (BYSETPOS) at 17:00',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1;COUNT=3',
      dtstart: '2026-02-01T17:00:00',
      timeZone: 'Europe/Berlin',
    },
    after: '2026-01-01T00:00:00Z',
    expected: ['2026-02-27T16:00:00Z', '2026-03-27T16:00:00Z', '2026-04-24T15:00:00Z'],
  },
  // Pacific/Auckland 2026: NZDT(+13) -> NZST(+12) Sun 2026-04-05 03:00; NZST -> NZDT Sun 2026-09-27 02:00.
  {
    name: 'Auckland: 02:30 in the April fold fires once at the NZDT instance',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY',
      dtstart: '2026-04-04T02:30:00',
      timeZone: 'Pacific/Auckland',
    },
    after: '2026-04-01T00:00:00Z',
    expected: ['2026-04-03T13:30:00Z', '2026-04-04T13:30:00Z', '2026-04-05T14:30:00Z'],
  },
  {
    name: 'Auckland: 02:30 in the September gap fires at 03:30 NZDT',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY',
      dtstart: '2026-09-26T02:30:00',
      timeZone: 'Pacific/Auckland',
    },
    after: '2026-09-20T00:00:00Z',
    expected: ['2026-09-25T14:30:00Z', '2026-09-26T14:30:00Z', '2026-09-27T13:30:00Z'],
  },
  // America/Sao_Paulo 2018: -03 -> -02 at 2018-11-04 00:00 (midnight did not exist);
  // back at 2019-02-17 00:00 -> 2019-02-16 23:00 (23:00-24:00 on the 16th twice).
  {
    name: 'Sao Paulo: midnight that did not exist fires at 01:00 -02',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY',
      dtstart: '2018-11-03T00:00:00',
      timeZone: 'America/Sao_Paulo',
    },
    after: '2018-11-01T00:00:00Z',
    expected: ['2018-11-03T03:00:00Z', '2018-11-04T03:00:00Z', '2018-11-05T02:00:00Z'],
  },
  {
    name: 'Sao Paulo cron: 0 0 * * * across the midnight gap',
    spec: { kind: 'cron', cron: '0 0 * * *', timeZone: 'America/Sao_Paulo' },
    after: '2018-11-03T12:00:00Z',
    expected: ['2018-11-04T03:00:00Z', '2018-11-05T02:00:00Z'],
  },
  {
    name: 'Sao Paulo: 23:30 in the February fold fires once at the -02 instance',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY',
      dtstart: '2019-02-15T23:30:00',
      timeZone: 'America/Sao_Paulo',
    },
    after: '2019-02-15T00:00:00Z',
    expected: ['2019-02-16T01:30:00Z', '2019-02-17T01:30:00Z', '2019-02-18T02:30:00Z'],
  },
  // Australia/Lord_Howe 2026: +10:30 -> +11 at 02:00 Sun 2026-10-04 (a 30-minute gap);
  // +11 -> +10:30 at 02:00 Sun 2026-04-05 (01:30-02:00 twice).
  {
    name: 'Lord Howe: 02:15 in the 30-minute gap fires 30 minutes later',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY',
      dtstart: '2026-10-03T02:15:00',
      timeZone: 'Australia/Lord_Howe',
    },
    after: '2026-10-01T00:00:00Z',
    expected: ['2026-10-02T15:45:00Z', '2026-10-03T15:45:00Z', '2026-10-04T15:15:00Z'],
  },
  {
    name: 'Lord Howe: 01:45 in the 30-minute fold fires once at the +11 instance',
    spec: {
      kind: 'rrule',
      rrule: 'FREQ=DAILY',
      dtstart: '2026-04-04T01:45:00',
      timeZone: 'Australia/Lord_Howe',
    },
    after: '2026-04-01T00:00:00Z',
    expected: ['2026-04-03T14:45:00Z', '2026-04-04T14:45:00Z', '2026-04-05T15:15:00Z'],
  },
];

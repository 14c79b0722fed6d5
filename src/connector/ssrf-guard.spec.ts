import type { LookupAddress } from 'node:dns';
import {
  checkResolvedHost,
  checkTargetUrl,
  guardedLookup,
  refusalReason,
  SsrfBlockedError,
  type TargetPolicy,
} from './ssrf-guard.js';

const strict: TargetPolicy = { allowPrivate: false, allowedCidrs: [] };
const privateOk: TargetPolicy = { allowPrivate: true, allowedCidrs: [] };

describe('SSRF guard', () => {
  describe('address classification (strict policy)', () => {
    it.each([
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['::1', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.1.1', 'linkLocal'],
      ['169.254.169.254', 'metadata'],
      ['fe80::1', 'linkLocal'],
      ['fc00::1', 'uniqueLocal'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['100.127.255.254', 'carrierGradeNat'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:a9fe:a9fe', 'metadata'],
      ['::ffff:10.0.0.1', 'private'],
      ['64:ff9b::7f00:1', 'rfc6052'],
      ['64:ff9b::808:808', 'rfc6052'],
      ['::7f00:1', 'reserved'],
      ['2002:7f00:1::', '6to4'],
      ['2001::1', 'teredo'],
      ['224.0.0.1', 'multicast'],
      ['ff02::1', 'multicast'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['255.255.255.255', 'broadcast'],
      ['240.0.0.1', 'reserved'],
      ['192.0.2.1', 'reserved'],
    ])('refuses %s (%s)', (ip, why) => {
      const reason = refusalReason(ip, strict);
      expect(reason).not.toBeNull();
      expect(reason).toContain(why === 'metadata' ? 'metadata' : why);
    });

    it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
      'allows public unicast %s',
      (ip) => expect(refusalReason(ip, strict)).toBeNull(),
    );
  });

  describe('WEBHOOK_ALLOW_PRIVATE_TARGETS and WEBHOOK_ALLOWED_CIDRS', () => {
    it('private targets: loopback/private/link-local allowed; metadata, 0.0.0.0, multicast still not', () => {
      expect(refusalReason('127.0.0.1', privateOk)).toBeNull();
      expect(refusalReason('::ffff:7f00:1', privateOk)).toBeNull();
      expect(refusalReason('10.0.0.1', privateOk)).toBeNull();
      expect(refusalReason('169.254.169.254', privateOk)).toMatch(/metadata/);
      expect(refusalReason('0.0.0.0', privateOk)).toMatch(/unspecified/);
      expect(refusalReason('224.0.0.1', privateOk)).toMatch(/multicast/);
    });

    it('an allow-listed CIDR opens exactly that range, in either IPv4 spelling', () => {
      const policy: TargetPolicy = {
        allowPrivate: false,
        allowedCidrs: ['10.20.0.0/16', 'fd00:1::/32'],
      };
      expect(refusalReason('10.20.3.4', policy)).toBeNull();
      expect(refusalReason('::ffff:10.20.3.4', policy)).toBeNull();
      expect(refusalReason('fd00:1::5', policy)).toBeNull();
      expect(refusalReason('10.21.0.1', policy)).not.toBeNull();
      expect(refusalReason('127.0.0.1', policy)).not.toBeNull();
    });
  });

  describe('target URLs', () => {
    it.each([
      'https://127.0.0.1/hook',
      'https://2130706433/hook',
      'https://0x7f.1/hook',
      'https://017700000001/hook',
      'https://0x7f000001/hook',
      'https://127.1/hook',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[64:ff9b::a9fe:a9fe]/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://0.0.0.0/hook',
      'https://0/hook',
      'https://localhost/hook',
      'https://api.localhost/hook',
    ])('refuses %s', (url) => expect(checkTargetUrl(url, strict)).not.toBeNull());

    it('requires https unless private targets are allowed, and no credentials', () => {
      expect(checkTargetUrl('http://example.com/h', strict)).toBe('must use https');
      expect(checkTargetUrl('https://example.com/h', strict)).toBeNull();
      expect(checkTargetUrl('http://127.0.0.1:8080/h', privateOk)).toBeNull();
      expect(checkTargetUrl('ftp://example.com/h', privateOk)).toMatch(/http/);
      expect(checkTargetUrl('https://u:p@example.com/h', strict)).toMatch(/credentials/);
      expect(checkTargetUrl('not a url', strict)).toMatch(/valid/);
    });
  });

  describe('the socket lookup (DNS rebinding safe)', () => {
    type Resolve = Parameters<typeof guardedLookup>[1];
    const fakeDns = (
      answers: string[][],
    ): { resolve: NonNullable<Resolve>; calls: () => number } => {
      let n = 0;
      const resolve = ((
        _h: string,
        _o: unknown,
        cb: (e: Error | null, a: LookupAddress[]) => void,
      ) => {
        const answer = answers[Math.min(n, answers.length - 1)];
        n += 1;
        cb(
          null,
          answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
        );
      }) as unknown as NonNullable<Resolve>;
      return { resolve, calls: () => n };
    };

    it('hands the socket the address it checked, resolving once', (done) => {
      const dns = fakeDns([['93.184.216.34'], ['127.0.0.1']]);
      guardedLookup(strict, dns.resolve)('rebind.example', {}, (err, address, family) => {
        expect(err).toBeNull();
        expect(address).toBe('93.184.216.34');
        expect(family).toBe(4);
        expect(dns.calls()).toBe(1);
        done();
      });
    });

    it('refuses when any answer is refused (mixed public/private records)', (done) => {
      const dns = fakeDns([['93.184.216.34', '10.0.0.1']]);
      guardedLookup(strict, dns.resolve)('mixed.example', { all: true }, (err) => {
        expect(err).toBeInstanceOf(SsrfBlockedError);
        expect((err as SsrfBlockedError).code).toBe('ESSRFBLOCKED');
        done();
      });
    });

    it('returns every checked address when the socket asks for all (happy eyeballs)', (done) => {
      const dns = fakeDns([['93.184.216.34', '2606:4700::1']]);
      guardedLookup(strict, dns.resolve)('dual.example', { all: true }, (err, list) => {
        expect(err).toBeNull();
        expect(list).toHaveLength(2);
        done();
      });
    });

    it('at create: a name resolving to a refused address is refused with the reason', async () => {
      const dns = fakeDns([['::ffff:a9fe:a9fe']]);
      await expect(checkResolvedHost('meta.example', strict, dns.resolve)).resolves.toMatch(
        /metadata/,
      );
      const ok = fakeDns([['8.8.8.8']]);
      await expect(checkResolvedHost('ok.example', strict, ok.resolve)).resolves.toBeNull();
    });
  });
});

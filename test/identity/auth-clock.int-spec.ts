import type { ExecutionContext } from '@nestjs/common';
import { ProblemException } from '../../src/common/problem.js';
import { AuthGuard } from '../../src/identity/auth.guard.js';
import { ACCESS_TOKEN_TTL_SECONDS, AuthService } from '../../src/identity/auth.service.js';
import { IdentityModule } from '../../src/identity/identity.module.js';
import { bootHarness, type Harness } from '../support/harness.js';

const USER_CACHE_SECONDS = 10;

class SomeController {
  someRoute(): void {}
}

/** A request to a protected route with this bearer token, as the auth guard sees it. */
function requestWith(token: string): { context: ExecutionContext; request: any } {
  const request = { method: 'GET', headers: { authorization: `Bearer ${token}` } };
  const context = {
    getHandler: () => SomeController.prototype.someRoute,
    getClass: () => SomeController,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context, request };
}

/** The guard's answer: true, or the status of the problem it threw. */
const answer = (guard: AuthGuard, token: string): Promise<true | number> =>
  guard.canActivate(requestWith(token).context).then(
    () => true as const,
    (e: unknown) => (e instanceof ProblemException ? e.status : Promise.reject(e)),
  );

/**
 * Access tokens and the "user still exists" cache expire by the kernel `Clock`: moving the
 * harness's FakeClock (and nothing else) ends them. With `Date.now()` behind them these specs
 * would wait 15 real minutes.
 */
describe('authentication expires by the kernel clock', () => {
  let h: Harness;
  let guard: AuthGuard;
  let auth: AuthService;

  beforeAll(async () => {
    h = await bootHarness({
      imports: [IdentityModule],
      env: { AUTH_USER_CACHE_SECONDS: String(USER_CACHE_SECONDS) },
    });
    guard = h.get(AuthGuard);
    auth = h.get(AuthService);
  });
  afterAll(() => h?.close());

  const register = async (name: string) =>
    auth.register({
      email: `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test`,
      password: 'correct horse battery staple',
      name,
    });

  it('an access token is valid until its expiry on the kernel clock, then 401', async () => {
    const { accessToken, user } = await register('Expiring');
    const { context, request } = requestWith(accessToken);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.principal).toEqual({ type: 'user', userId: user.id });

    h.clock.advance((ACCESS_TOKEN_TTL_SECONDS - 1) * 1000);
    expect(await answer(guard, accessToken)).toBe(true);
    h.clock.advance(1000);
    expect(await answer(guard, accessToken)).toBe(401);
  });

  it('a token issued while the clock is behind expires by that clock', async () => {
    // A token signed "an hour ago" by the kernel clock: expired once the clock is back.
    const now = h.clock.nowMs();
    h.clock.set(now - 3_600_000);
    const { accessToken } = await register('Backdated');
    expect(await answer(guard, accessToken)).toBe(true);
    h.clock.set(now);
    expect(await answer(guard, accessToken)).toBe(401);
  });

  it("a deleted user's token is refused once the presence cache window ends on the clock", async () => {
    const { accessToken, user } = await register('Deleted');
    expect(await answer(guard, accessToken)).toBe(true);
    // Gone behind the cache's back (another instance deleted the account).
    await h.query('DELETE FROM users WHERE id = $1', [user.id]);
    expect(await answer(guard, accessToken)).toBe(true);
    h.clock.advance(USER_CACHE_SECONDS * 1000);
    expect(await answer(guard, accessToken)).toBe(401);
  });
});

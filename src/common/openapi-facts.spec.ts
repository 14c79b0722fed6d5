import { Controller, Post } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import { Route } from '../kernel/route.js';
import { collectOperationFacts } from './openapi-facts.js';

@Controller('v1')
class SomeController {
  @Route({ method: 'POST', path: 'things', summary: 'Create a thing' })
  create(): void {}

  @Route({ method: 'PATCH', path: 'things/:id', summary: 'Edit a thing' })
  update(): void {}

  @Route({ method: 'POST', path: 'secrets', summary: 'Issue a secret', idempotent: false })
  issue(): void {}

  @Route({ method: 'GET', path: 'things', summary: 'List things' })
  list(): void {}

  // A module's own route without `@Route`: no interceptor is bound, so no key is honoured.
  @Post('plain')
  plain(): void {}
}

const modules = new Map([
  ['m', { controllers: new Map([['c', { metatype: SomeController }]]) }],
]) as unknown as ModulesContainer;

describe('collectOperationFacts', () => {
  it('documents Idempotency-Key exactly where the idempotency interceptor is bound', () => {
    const facts = collectOperationFacts(modules);
    const idempotent = (name: string) => facts.get(`SomeController_${name}`)?.idempotent;
    expect(idempotent('create')).toBe(true);
    expect(idempotent('update')).toBe(true);
    expect(idempotent('issue')).toBe(false);
    expect(idempotent('list')).toBe(false);
    expect(idempotent('plain')).toBe(false);
  });
});

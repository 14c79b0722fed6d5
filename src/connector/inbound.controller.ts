import { Controller, Req, Res, type RawBodyRequest } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UuidParam } from '../common/params.js';
import { Route } from '../kernel/index.js';
import { INBOUND_BODY_MAX_BYTES } from './connector.constants.js';
import { InboundAcceptedDto } from './dto/connector.dto.js';
import { InboundService } from './inbound.service.js';

const ACCEPTED = 202;

@ApiTags('connectors')
@Controller('v1')
export class InboundController {
  constructor(private readonly inbound: InboundService) {}

  @Route({
    method: 'POST',
    path: 'hooks/:connectorId',
    summary: 'Receive a signed webhook on an inbound connector',
    description:
      "No bearer token: the request is authenticated by its signature over the raw body, per the connector's `verifier`: Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), GitHub (`X-Hub-Signature-256`, `X-GitHub-Delivery`) or Stripe-style (`Stripe-Signature: t=...,v1=...`), with a 5-minute timestamp tolerance where the scheme signs one. 202 `{eventId, entityId}` when the mapped entity was created; 200 with the first answer for a delivery id already received (no second effect); 401 for a bad, missing or stale signature (nothing done); 422 when the mapping fails or yields an invalid body (stored as a failed inbound event). Rate-limited per connector.",
    public: true,
    success: { status: ACCEPTED, type: InboundAcceptedDto },
    problems: [400, 401, 404, 409, 413, 415, 422],
    idempotent: false,
    bodyLimit: INBOUND_BODY_MAX_BYTES,
  })
  @ApiHeader({
    name: 'webhook-signature',
    required: false,
    description: 'Standard Webhooks verifier.',
  })
  @ApiHeader({ name: 'x-hub-signature-256', required: false, description: 'GitHub verifier.' })
  @ApiHeader({ name: 'stripe-signature', required: false, description: 'Stripe-style verifier.' })
  async receive(
    @UuidParam('connectorId') connectorId: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<InboundAcceptedDto> {
    const result = await this.inbound.receive(connectorId, request.headers, request.rawBody);
    void reply.status(result.status);
    return result.body;
  }
}

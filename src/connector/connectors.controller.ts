import { Body, Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth.decorators.js';
import { IfMatch } from '../common/etag.js';
import { PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { Route, type Actor } from '../kernel/index.js';
import { ConnectorsService } from './connectors.service.js';
import {
  ConnectorResponseDto,
  ConnectorWithSecretDto,
  CreateConnectorDto,
  DeliveryDetailDto,
  DeliveryResponseDto,
  InboundEventResponseDto,
  ListDeliveriesQueryDto,
  ReplayDto,
  ReplayResponseDto,
  UpdateConnectorDto,
} from './dto/connector.dto.js';

const ACCEPTED = 202;
const NO_CONTENT = 204;

@ApiTags('connectors')
@Controller('v1')
export class ConnectorsController {
  constructor(private readonly connectors: ConnectorsService) {}

  @Route({
    method: 'POST',
    path: 'workspaces/:workspaceId/connectors',
    summary: 'Create a connector',
    description:
      'Outbound (`webhook`, `chat`): `url` and `events`. Inbound: `verifier` and `mapping`. The response carries the signing `secret`, shown only here and on rotate-secret; `Idempotency-Key` is ignored (a secret is never stored in clear).',
    role: 'admin',
    success: { status: 201, type: ConnectorWithSecretDto },
    problems: [400, 403, 404, 422],
    idempotent: false,
  })
  create(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Body() dto: CreateConnectorDto,
  ): Promise<ConnectorWithSecretDto> {
    return this.connectors.create(actor, workspaceId, dto);
  }

  @Route({
    method: 'GET',
    path: 'workspaces/:workspaceId/connectors',
    summary: 'List connectors (newest first)',
    role: 'viewer',
    success: { type: ConnectorResponseDto },
    page: true,
    problems: [400, 404, 422],
  })
  list(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<ConnectorResponseDto>> {
    return this.connectors.list(actor, workspaceId, query);
  }

  @Route({
    method: 'GET',
    path: 'connectors/:connectorId',
    summary: 'Get a connector and its health',
    role: 'viewer',
    success: { type: ConnectorResponseDto },
    problems: [400, 404],
  })
  get(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('connectorId') id: string,
  ): Promise<ConnectorResponseDto> {
    return this.connectors.get(actor, id);
  }

  @Route({
    method: 'PATCH',
    path: 'connectors/:connectorId',
    summary: 'Update a connector',
    description:
      'Re-enabling (`enabled: true`) or changing `events` starts the subscription anew: events committed before are not queued.',
    role: 'admin',
    success: { type: ConnectorResponseDto },
    problems: [400, 403, 404, 409, 412, 422],
    ifMatch: true,
  })
  update(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('connectorId') id: string,
    @Body() dto: UpdateConnectorDto,
    @IfMatch() ifMatch: number | undefined,
  ): Promise<ConnectorResponseDto> {
    return this.connectors.update(actor, id, dto, ifMatch);
  }

  @Route({
    method: 'DELETE',
    path: 'connectors/:connectorId',
    summary: 'Delete a connector with its deliveries and inbound events',
    role: 'admin',
    success: { status: NO_CONTENT },
    problems: [400, 403, 404, 409, 412],
    ifMatch: true,
  })
  remove(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('connectorId') id: string,
    @IfMatch() ifMatch: number | undefined,
  ): Promise<void> {
    return this.connectors.remove(actor, id, ifMatch);
  }

  @Route({
    method: 'POST',
    path: 'connectors/:connectorId/rotate-secret',
    summary: 'Issue a new signing secret',
    description:
      'The new `secret` is shown only in this response. The previous secret keeps signing (a second signature in `webhook-signature`) and verifying inbound requests for 24 hours.',
    role: 'admin',
    success: { status: 200, type: ConnectorWithSecretDto },
    problems: [400, 403, 404],
    idempotent: false,
  })
  rotateSecret(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('connectorId') id: string,
  ): Promise<ConnectorWithSecretDto> {
    return this.connectors.rotateSecret(actor, id);
  }

  @Route({
    method: 'POST',
    path: 'connectors/:connectorId/test',
    summary: 'Send a connector.ping delivery',
    role: 'admin',
    success: { status: ACCEPTED, type: DeliveryResponseDto },
    problems: [400, 403, 404, 409],
  })
  test(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('connectorId') id: string,
  ): Promise<DeliveryResponseDto> {
    return this.connectors.test(actor, id);
  }

  @Route({
    method: 'POST',
    path: 'connectors/:connectorId/replay',
    summary: 'Deliver the events of a time range again',
    description:
      'Every deliverable event in [from, to) that matches the subscription and committed while the connector subscribed is queued again, with its original `webhook-id`.',
    role: 'admin',
    success: { status: ACCEPTED, type: ReplayResponseDto },
    problems: [400, 403, 404, 409, 422],
  })
  replay(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('connectorId') id: string,
    @Body() dto: ReplayDto,
  ): Promise<ReplayResponseDto> {
    return this.connectors.replay(actor, id, dto);
  }

  @Route({
    method: 'GET',
    path: 'connectors/:connectorId/deliveries',
    summary: "List a connector's deliveries (newest first)",
    role: 'viewer',
    success: { type: DeliveryResponseDto },
    page: true,
    problems: [400, 404, 409, 422],
  })
  deliveries(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('connectorId') id: string,
    @Query() query: ListDeliveriesQueryDto,
  ): Promise<Page<DeliveryResponseDto>> {
    return this.connectors.listDeliveries(actor, id, query);
  }

  @Route({
    method: 'GET',
    path: 'connectors/:connectorId/inbound-events',
    summary: "List an inbound connector's received events (newest first)",
    role: 'viewer',
    success: { type: InboundEventResponseDto },
    page: true,
    problems: [400, 404, 409, 422],
  })
  inboundEvents(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('connectorId') id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<InboundEventResponseDto>> {
    return this.connectors.listInboundEvents(actor, id, query);
  }

  @Route({
    method: 'GET',
    path: 'deliveries/:deliveryId',
    summary: 'Get a delivery with its attempts',
    role: 'viewer',
    success: { type: DeliveryDetailDto },
    problems: [400, 404],
  })
  delivery(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('deliveryId') id: string,
  ): Promise<DeliveryDetailDto> {
    return this.connectors.getDelivery(actor, id);
  }

  @Route({
    method: 'POST',
    path: 'deliveries/:deliveryId/retry',
    summary: 'Send a failed or dead delivery again now',
    description: 'Same `webhook-id`; the retry schedule starts over. A succeeded delivery is 409.',
    role: 'admin',
    success: { status: ACCEPTED, type: DeliveryResponseDto },
    problems: [400, 403, 404, 409],
  })
  retry(
    @CurrentPrincipal() actor: Actor,
    @UuidParam('deliveryId') id: string,
  ): Promise<DeliveryResponseDto> {
    return this.connectors.retry(actor, id);
  }
}

import { Body, Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/etag.js';
import { PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import {
  AddMemberDto,
  CreateWorkspaceDto,
  MemberResponseDto,
  UpdateMemberDto,
  UpdateWorkspaceDto,
  WorkspaceResponseDto,
} from './dto/workspace.dto.js';
import { MembersService } from './members.service.js';
import { WorkspacesService } from './workspaces.service.js';

@ApiTags('workspaces')
@Controller('v1')
export class WorkspacesController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly members: MembersService,
  ) {}

  @Route({
    method: 'POST',
    path: 'workspaces',
    summary: 'Create a workspace (you become its owner)',
    success: { type: WorkspaceResponseDto },
    problems: [400, 403, 409, 422],
  })
  create(
    @CurrentActor() actor: Actor,
    @Body() dto: CreateWorkspaceDto,
  ): Promise<WorkspaceResponseDto> {
    return this.workspaces.create(actor, dto);
  }

  @Route({
    method: 'GET',
    path: 'workspaces',
    summary: 'List the workspaces I am a member of',
    success: { type: WorkspaceResponseDto },
    page: true,
    problems: [400, 422],
  })
  list(
    @CurrentActor() actor: Actor,
    @Query() page: PageQueryDto,
  ): Promise<Page<WorkspaceResponseDto>> {
    return this.workspaces.listMine(actor, page);
  }

  @Route({
    method: 'GET',
    path: 'workspaces/:workspaceId',
    summary: 'Get a workspace',
    role: 'viewer',
    success: { type: WorkspaceResponseDto },
    problems: [400, 404],
  })
  get(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') id: string,
  ): Promise<WorkspaceResponseDto> {
    return this.workspaces.get(actor, id);
  }

  @Route({
    method: 'PATCH',
    path: 'workspaces/:workspaceId',
    summary: 'Rename a workspace (admins)',
    role: 'admin',
    success: { type: WorkspaceResponseDto },
    problems: [400, 403, 404, 409, 422],
    ifMatch: true,
  })
  update(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') id: string,
    @Body() dto: UpdateWorkspaceDto,
    @IfMatch() ifMatch?: number,
  ): Promise<WorkspaceResponseDto> {
    return this.workspaces.update(actor, id, dto, ifMatch);
  }

  @Route({
    method: 'DELETE',
    path: 'workspaces/:workspaceId',
    summary: 'Delete a workspace (owners)',
    role: 'owner',
    success: { status: 204 },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  remove(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') id: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    return this.workspaces.remove(actor, id, ifMatch);
  }

  @Route({
    method: 'GET',
    path: 'workspaces/:workspaceId/members',
    summary: 'List members',
    role: 'viewer',
    success: { type: MemberResponseDto },
    page: true,
    problems: [400, 404, 422],
  })
  listMembers(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') id: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<MemberResponseDto>> {
    return this.members.list(actor, id, page);
  }

  @Route({
    method: 'POST',
    path: 'workspaces/:workspaceId/members',
    summary: 'Add a registered user as a member (admins; owner role by owners)',
    role: 'admin',
    success: { type: MemberResponseDto },
    problems: [400, 403, 404, 409, 422],
  })
  addMember(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') id: string,
    @Body() dto: AddMemberDto,
  ): Promise<MemberResponseDto> {
    return this.members.add(actor, id, dto);
  }

  @Route({
    method: 'GET',
    path: 'workspaces/:workspaceId/members/:userId',
    summary: 'Get a member',
    role: 'viewer',
    success: { type: MemberResponseDto },
    problems: [400, 404],
  })
  getMember(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') id: string,
    @UuidParam('userId') userId: string,
  ): Promise<MemberResponseDto> {
    return this.members.get(actor, id, userId);
  }

  @Route({
    method: 'PATCH',
    path: 'workspaces/:workspaceId/members/:userId',
    summary: "Change a member's role (the last owner cannot be demoted)",
    role: 'admin',
    success: { type: MemberResponseDto },
    problems: [400, 403, 404, 409, 422],
    ifMatch: true,
  })
  changeRole(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') id: string,
    @UuidParam('userId') userId: string,
    @Body() dto: UpdateMemberDto,
    @IfMatch() ifMatch?: number,
  ): Promise<MemberResponseDto> {
    return this.members.changeRole(actor, id, userId, dto, ifMatch);
  }

  @Route({
    method: 'DELETE',
    path: 'workspaces/:workspaceId/members/:userId',
    summary: 'Remove a member, or leave (the last owner cannot)',
    description: 'Any member may remove themselves; removing somebody else needs admin.',
    role: 'viewer',
    success: { status: 204 },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  removeMember(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') id: string,
    @UuidParam('userId') userId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    return this.members.remove(actor, id, userId, ifMatch);
  }
}

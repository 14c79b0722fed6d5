import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth.decorators.js';
import { IfMatch } from '../common/etag.js';
import { ApiAuth, ApiIdempotencyKey, ApiIfMatch, ApiProblems } from '../common/openapi.js';
import { ApiPage, PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import type { Principal } from '../common/request-context.js';
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
@ApiAuth()
@Controller('v1/workspaces')
export class WorkspacesController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly members: MembersService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a workspace (you become its owner)' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: WorkspaceResponseDto })
  @ApiProblems(400, 403, 409, 422)
  create(
    @CurrentPrincipal() p: Principal,
    @Body() dto: CreateWorkspaceDto,
  ): Promise<WorkspaceResponseDto> {
    return this.workspaces.create(p, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List the workspaces I am a member of' })
  @ApiPage(WorkspaceResponseDto)
  @ApiProblems(400, 422)
  list(
    @CurrentPrincipal() p: Principal,
    @Query() page: PageQueryDto,
  ): Promise<Page<WorkspaceResponseDto>> {
    return this.workspaces.listMine(p, page);
  }

  @Get(':workspaceId')
  @ApiOperation({ summary: 'Get a workspace' })
  @ApiOkResponse({ type: WorkspaceResponseDto })
  @ApiProblems(400, 404)
  get(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') id: string,
  ): Promise<WorkspaceResponseDto> {
    return this.workspaces.get(p, id);
  }

  @Patch(':workspaceId')
  @ApiOperation({ summary: 'Rename a workspace (admins)' })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: WorkspaceResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  update(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') id: string,
    @Body() dto: UpdateWorkspaceDto,
    @IfMatch() ifMatch?: number,
  ): Promise<WorkspaceResponseDto> {
    return this.workspaces.update(p, id, dto, ifMatch);
  }

  @Delete(':workspaceId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a workspace (owners)' })
  @ApiIfMatch()
  @ApiNoContentResponse()
  @ApiProblems(400, 403, 404, 409)
  async remove(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') id: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    await this.workspaces.remove(p, id, ifMatch);
  }

  @Get(':workspaceId/members')
  @ApiOperation({ summary: 'List members' })
  @ApiPage(MemberResponseDto)
  @ApiProblems(400, 404, 422)
  listMembers(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') id: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<MemberResponseDto>> {
    return this.members.list(p, id, page);
  }

  @Post(':workspaceId/members')
  @ApiOperation({ summary: 'Add a registered user as a member (admins; owner role by owners)' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: MemberResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  addMember(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') id: string,
    @Body() dto: AddMemberDto,
  ): Promise<MemberResponseDto> {
    return this.members.add(p, id, dto);
  }

  @Get(':workspaceId/members/:userId')
  @ApiOperation({ summary: 'Get a member' })
  @ApiOkResponse({ type: MemberResponseDto })
  @ApiProblems(400, 404)
  getMember(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') id: string,
    @UuidParam('userId') userId: string,
  ): Promise<MemberResponseDto> {
    return this.members.get(p, id, userId);
  }

  @Patch(':workspaceId/members/:userId')
  @ApiOperation({ summary: "Change a member's role (the last owner cannot be demoted)" })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: MemberResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  changeRole(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') id: string,
    @UuidParam('userId') userId: string,
    @Body() dto: UpdateMemberDto,
    @IfMatch() ifMatch?: number,
  ): Promise<MemberResponseDto> {
    return this.members.changeRole(p, id, userId, dto, ifMatch);
  }

  @Delete(':workspaceId/members/:userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove a member, or leave (the last owner cannot)' })
  @ApiIfMatch()
  @ApiNoContentResponse()
  @ApiProblems(400, 403, 404, 409)
  async removeMember(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') id: string,
    @UuidParam('userId') userId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    await this.members.remove(p, id, userId, ifMatch);
  }
}

import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { JWT_SECRET } from '../common/kernel-tokens.js';
import { ApiTokenEntity } from './api-token.entity.js';
import { ApiTokensController } from './api-tokens.controller.js';
import { ApiTokensService } from './api-tokens.service.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { MembersService } from './members.service.js';
import { MembershipEntity } from './membership.entity.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { UserEntity } from './user.entity.js';
import { UserPresence } from './user-presence.js';
import { WorkspaceAccess } from './workspace-access.service.js';
import { WorkspaceEntity } from './workspace.entity.js';
import { WorkspacesController } from './workspaces.controller.js';
import { WorkspacesService } from './workspaces.service.js';

/** Users, sessions, API tokens, workspaces, members and roles (DESIGN §2). */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      UserEntity,
      RefreshTokenEntity,
      ApiTokenEntity,
      WorkspaceEntity,
      MembershipEntity,
    ]),
    JwtModule.registerAsync({
      inject: [JWT_SECRET],
      useFactory: (secret: string) => ({
        // A KeyObject, not the string: jsonwebtoken otherwise re-parses the string on every
        // verify (first as a PEM public key, which throws), a large share of a request's CPU.
        secret: createSecretKey(Buffer.from(secret, 'utf8')),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
    AuditModule,
  ],
  controllers: [AuthController, ApiTokensController, WorkspacesController],
  providers: [
    AuthService,
    ApiTokensService,
    WorkspacesService,
    MembersService,
    WorkspaceAccess,
    AuthGuard,
    UserPresence,
  ],
  exports: [WorkspaceAccess, AuthGuard],
})
export class IdentityModule {}

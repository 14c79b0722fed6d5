import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { CardDirectory } from './card-directory.service.js';
import { BoardColumnEntity } from './entities/board-column.entity.js';
import { BoardEntity } from './entities/board.entity.js';
import { CardAssigneeEntity } from './entities/card-assignee.entity.js';
import { CardLabelEntity } from './entities/card-label.entity.js';
import { CardEntity } from './entities/card.entity.js';
import { CommentEntity } from './entities/comment.entity.js';
import { LabelEntity } from './entities/label.entity.js';

/** Boards, columns, cards, labels, comments (DESIGN §5 Board). */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      BoardEntity,
      BoardColumnEntity,
      CardEntity,
      LabelEntity,
      CardLabelEntity,
      CardAssigneeEntity,
      CommentEntity,
    ]),
    AuditModule,
    IdentityModule,
  ],
  providers: [CardDirectory],
  exports: [CardDirectory],
})
export class BoardModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BoardViewService } from './board-view.service.js';
import { BoardsController } from './boards.controller.js';
import { BoardsService } from './boards.service.js';
import { CardDirectory } from './card-directory.service.js';
import { CardsController } from './cards.controller.js';
import { CardsService } from './cards.service.js';
import { ColumnsController } from './columns.controller.js';
import { ColumnsService } from './columns.service.js';
import { CommentsController } from './comments.controller.js';
import { CommentsService } from './comments.service.js';
import { BoardColumnEntity } from './entities/board-column.entity.js';
import { BoardEntity } from './entities/board.entity.js';
import { CardAssigneeEntity } from './entities/card-assignee.entity.js';
import { CardLabelEntity } from './entities/card-label.entity.js';
import { CardEntity } from './entities/card.entity.js';
import { CommentEntity } from './entities/comment.entity.js';
import { LabelEntity } from './entities/label.entity.js';
import { LabelsController } from './labels.controller.js';
import { LabelsService } from './labels.service.js';

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
  ],
  controllers: [
    BoardsController,
    ColumnsController,
    CardsController,
    LabelsController,
    CommentsController,
  ],
  providers: [
    BoardsService,
    BoardViewService,
    ColumnsService,
    CardsService,
    LabelsService,
    CommentsService,
    CardDirectory,
  ],
  exports: [CardDirectory],
})
export class BoardModule {}

import { Check, Column, Entity, ForeignKey, Index } from 'typeorm';
import { VersionedEntity } from '../../database/base.entity.js';

export const COMMENT_BODY_MAX = 10_000;

/** A comment on a card; edited by its author, deleted by its author or an admin. */
@Entity('card_comments')
@Index('ix_card_comments_card', ['workspaceId', 'boardId', 'cardId', 'id'])
@ForeignKey('CardEntity', ['workspaceId', 'boardId', 'cardId'], ['workspaceId', 'boardId', 'id'], {
  name: 'fk_card_comments_card',
  onDelete: 'CASCADE',
})
@Check('ck_card_comments_body_not_empty', `char_length(body) > 0`)
export class CommentEntity extends VersionedEntity {
  @Column({ type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ type: 'uuid' })
  boardId: string;

  @Column({ type: 'uuid' })
  cardId: string;

  @Column({ type: 'uuid' })
  @ForeignKey('UserEntity', { onDelete: 'RESTRICT' })
  authorId: string;

  /** Markdown, stored exactly as sent. */
  @Column({ type: 'text' })
  body: string;
}

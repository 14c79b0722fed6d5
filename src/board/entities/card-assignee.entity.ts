import { Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * A member assigned to a card. The key to `memberships (workspace_id, user_id)` keeps every
 * assignee a member of the workspace: removing a member unassigns them everywhere.
 */
@Entity('card_assignees')
@Index('ix_card_assignees_user', ['workspaceId', 'userId', 'cardId'])
@ForeignKey('CardEntity', ['workspaceId', 'boardId', 'cardId'], ['workspaceId', 'boardId', 'id'], {
  name: 'fk_card_assignees_card',
  onDelete: 'CASCADE',
})
@ForeignKey('MembershipEntity', ['workspaceId', 'userId'], ['workspaceId', 'userId'], {
  name: 'fk_card_assignees_member',
  onDelete: 'CASCADE',
})
export class CardAssigneeEntity {
  @PrimaryColumn('uuid')
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @PrimaryColumn('uuid')
  boardId: string;

  @PrimaryColumn('uuid')
  cardId: string;

  @PrimaryColumn('uuid')
  userId: string;
}

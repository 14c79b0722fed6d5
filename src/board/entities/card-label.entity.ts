import { Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * A label on a card. Both foreign keys carry the board, so the database itself refuses a label
 * of another board; deleting the card or the label removes the row.
 */
@Entity('card_labels')
@Index('ix_card_labels_label', ['workspaceId', 'boardId', 'labelId', 'cardId'])
@ForeignKey('CardEntity', ['workspaceId', 'boardId', 'cardId'], ['workspaceId', 'boardId', 'id'], {
  name: 'fk_card_labels_card',
  onDelete: 'CASCADE',
})
@ForeignKey(
  'LabelEntity',
  ['workspaceId', 'boardId', 'labelId'],
  ['workspaceId', 'boardId', 'id'],
  {
    name: 'fk_card_labels_label',
    onDelete: 'CASCADE',
  },
)
export class CardLabelEntity {
  @PrimaryColumn('uuid')
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @PrimaryColumn('uuid')
  boardId: string;

  @PrimaryColumn('uuid')
  cardId: string;

  @PrimaryColumn('uuid')
  labelId: string;
}

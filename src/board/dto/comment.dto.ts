import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { COMMENT_BODY_MAX } from '../entities/comment.entity.js';

export class CreateCommentDto {
  @ApiProperty({
    minLength: 1,
    maxLength: COMMENT_BODY_MAX,
    description: 'Markdown, stored as sent.',
  })
  @IsString()
  @Length(1, COMMENT_BODY_MAX)
  body: string;
}

export class UpdateCommentDto extends CreateCommentDto {}

export class CommentResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) cardId: string;
  @ApiProperty({ format: 'uuid' }) boardId: string;
  @ApiProperty({ format: 'uuid' }) authorId: string;
  @ApiProperty() body: string;
  @ApiProperty({ description: 'True once the author has edited it.' }) edited: boolean;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

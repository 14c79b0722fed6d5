import { BeforeInsert, Column, CreateDateColumn, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { newId } from './uuid.js';

/** `id` (UUIDv7 from the application), `created_at` and `updated_at`. */
export abstract class BaseEntity {
  @PrimaryColumn('uuid')
  id: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @BeforeInsert()
  protected assignId(): void {
    this.id ??= newId();
  }
}

/** A row that clients may update: `version` backs ETags and conditional updates. */
export abstract class VersionedEntity extends BaseEntity {
  @Column({ type: 'integer', default: 1 })
  version: number;
}

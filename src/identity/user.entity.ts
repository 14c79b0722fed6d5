import { Column, Entity, Index } from 'typeorm';
import { VersionedEntity } from '../database/base.entity.js';

@Entity('users')
@Index('ux_users_email', ['email'], { unique: true })
export class UserEntity extends VersionedEntity {
  /** Stored lower-cased: addresses are compared case-insensitively. */
  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;
}

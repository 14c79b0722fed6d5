import { HttpStatus } from '@nestjs/common';
import { defineProblems } from '../common/problem.js';

export const IdentityProblems = defineProblems({
  emailTaken: {
    status: HttpStatus.CONFLICT,
    title: 'Email already registered',
    description: 'An account with this email exists. Log in instead.',
  },
  invalidCredentials: {
    status: HttpStatus.UNAUTHORIZED,
    title: 'Invalid email or password',
    description: 'The same answer for an unknown email and a wrong password.',
  },
  invalidRefreshToken: {
    status: HttpStatus.UNAUTHORIZED,
    title: 'Invalid refresh token',
    description:
      'The refresh token is unknown, expired or revoked. Reusing a rotated token revokes its whole session; log in again.',
  },
  lastOwner: {
    status: HttpStatus.CONFLICT,
    title: 'A workspace needs an owner',
    description:
      'The last owner of a workspace cannot be removed or demoted. Promote another member first.',
  },
  alreadyMember: {
    status: HttpStatus.CONFLICT,
    title: 'Already a member',
    description: 'This user is already a member of the workspace; change the role instead.',
  },
  userNotFound: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'No user with this email',
    description: 'Members are added by the email of a registered user.',
  },
});

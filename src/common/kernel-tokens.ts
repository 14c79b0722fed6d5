/** The JWT signing secret (resolved once at start-up: config or the generated development one). */
export const JWT_SECRET = Symbol('JWT_SECRET');

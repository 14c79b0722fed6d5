// Runs in every test worker before the specs: nothing global to set up beyond the environment
// the global setup prepared (TEST_DATABASE_URL when testing against a real PostgreSQL).
export {};

// Values the config and the tests share.
export const PORT = Number(process.env.E2E_PORT ?? 3917);
export const ACCESS_KEY = 'e2e-access-key-0123456789';

// A real OpenID Connect provider on loopback for the demo stack and the tests.
//
//   node provider.js [--port N] [--users FILE] [--audience URL] [--access-ttl S]
//
// Prints "READY <issuer>" on stdout once it listens. The login form
// (devInteractions) accepts any user name; users listed in FILE get their
// name and email as claims. Keys are generated at start (RS256 and ES256).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Provider, { interactionPolicy } from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    users: { type: 'string' },
    audience: { type: 'string', default: 'urn:company-portal:api' },
    'access-ttl': { type: 'string', default: '600' },
    'device-code-ttl': { type: 'string', default: '600' },
    'client-id': { type: 'string', default: 'company-portal' },
  },
});

const users = new Map();
if (args.users) {
  const org = JSON.parse(readFileSync(args.users, 'utf8'));
  for (const user of org.users ?? [])
    users.set(user.username, user);
}

function signingKey(type, options, kid) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig' };
}

const jwks = {
  keys: [
    { ...signingKey('rsa', { modulusLength: 2048 }, 'rs-1'), alg: 'RS256' },
    { ...signingKey('ec', { namedCurve: 'P-256' }, 'es-1'), alg: 'ES256' },
  ],
};

const accessTtl = Number(args['access-ttl']);

// The portal is a first-party app of the organisation: no consent screen,
// like a company identity provider configures it (the provider otherwise
// always asks native clients for consent).
const policy = interactionPolicy.base();
policy.get('consent').checks.remove('native_client_prompt');

function profileClaims(id) {
  const known = users.get(id);
  return {
    preferred_username: id,
    name: known?.name ?? id,
    email: known?.email ?? `${id}@example.com`,
  };
}
const audience = args.audience;

const configuration = {
  clients: [{
    client_id: args['client-id'],
    client_name: 'Company Portal',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/callback'],
    response_types: ['code'],
    grant_types: [
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ],
  }],
  jwks,
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true, methods: ['S256'] },
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  // Put the profile claims into the ID token too: the window shows them.
  conformIdTokenClaims: false,
  ttl: {
    AccessToken: accessTtl,
    AuthorizationCode: 60,
    DeviceCode: Number(args['device-code-ttl']),
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
  },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'openid profile email offline_access',
        audience,
        accessTokenTTL: accessTtl,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  interactions: { policy },
  // Access tokens carry the profile so the API can provision users on
  // first sight (just-in-time), as real organisations configure it.
  extraTokenClaims: async (ctx, token) => (token.accountId ? profileClaims(token.accountId) : {}),
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId)
      return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email offline_access');
    grant.addResourceScope(audience, 'openid profile email offline_access');
    await grant.save();
    return grant;
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...profileClaims(id), email_verified: true };
      },
    };
  },
};

const server = (await import('node:http')).createServer();
server.listen(Number(args.port), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  server.on('request', provider.callback());
  console.log(`READY ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT'])
  process.on(signal, () => server.close(() => process.exit(0)));

// The oidc-provider configuration: an Okta custom authorization server ("default") as closely
// as a local process can be one. See README.md for what differs from oidc-provider's defaults.
import Provider, { errors } from 'oidc-provider';

import { findAccount, findById, SCOPE_CLAIMS } from './accounts.mjs';
import MemoryAdapter from './adapter.mjs';
import { accessTokenTTL } from './devstate.mjs';
import { errorPage, logoutPage, postLogoutPage } from './views.mjs';

const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'groups'];

function isLoopback(hostname) {
  return hostname === 'localhost' || hostname.endsWith('.localhost')
    || /^127\./.test(hostname) || hostname === '[::1]' || hostname === '::1';
}

export function createProvider(cfg, { privateJwks, cookieKeys }) {
  const allScopes = [...OIDC_SCOPES, ...cfg.apiScopes];
  const known = new Set(allScopes);

  // Okta's authorization server grants every scope into the access token ("scp"), OIDC
  // scopes included, so the resource server "api://default" owns all of them.
  const resourceServer = {
    scope: allScopes.join(' '),
    audience: cfg.audience,
    // A getter: PUT /__dev/settings may change the lifetime for tokens issued later.
    get accessTokenTTL() { return accessTokenTTL(cfg.ttl.accessToken); },
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };

  const configuration = {
    adapter: MemoryAdapter,
    jwks: privateJwks,
    findAccount,

    clients: [{
      client_id: cfg.client.clientId,
      client_secret: cfg.client.clientSecret,
      client_name: 'Gatehouse',
      application_type: 'web',
      redirect_uris: cfg.client.redirectUris,
      post_logout_redirect_uris: cfg.client.postLogoutRedirectUris,
      // client_credentials: the BFF's own tokens for routes with token: client, as an Okta web
      // app integration with the Client Credentials grant enabled gets them.
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      ...(cfg.client.backchannelLogoutUri ? {
        backchannel_logout_uri: cfg.client.backchannelLogoutUri,
        backchannel_logout_session_required: true,
      } : {}),
    }],
    clientDefaults: {
      id_token_signed_response_alg: 'RS256',
    },
    clientBasedCORS: () => false, // the BFF calls the provider server to server
    // oidc-provider refuses outgoing calls to special-use addresses (SSRF protection). The dev
    // provider's one outgoing call is the back-channel logout to the BFF, which runs on loopback:
    // allow loopback targets, keep the protection for anything else.
    fetch(url, options) {
      if (isLoopback(new URL(url).hostname)) {
        const { dispatcher, ...rest } = options;
        return globalThis.fetch(url, rest);
      }
      return globalThis.fetch(url, options);
    },

    // openid also releases auth_time and amr, as Okta's ID tokens carry both.
    claims: { ...SCOPE_CLAIMS, openid: ['sub', 'auth_time', 'amr'] },
    scopes: allScopes,
    // The ID token carries the profile/email/groups claims (not only "sub"), like Okta's.
    conformIdTokenClaims: false,

    responseTypes: ['code'],
    pkce: { required: () => true }, // S256 is the only method oidc-provider 9 offers
    // Okta does not fall back to the single registered redirect_uri.
    allowOmittingSingleRegisteredRedirectUri: false,

    routes: {
      authorization: '/v1/authorize',
      token: '/v1/token',
      jwks: '/v1/keys',
      userinfo: '/v1/userinfo',
      end_session: '/v1/logout',
      revocation: '/v1/revoke',
      introspection: '/v1/introspect',
    },

    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      clientCredentials: { enabled: true },
      claimsParameter: { enabled: false },
      // A client may revoke and introspect its own tokens (there is one client).
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      // Announced in discovery; the requests themselves are answered in okta.mjs because
      // oidc-provider's userinfo refuses JWT access tokens.
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Every authorization-code and refresh grant is for api://default without the client
        // sending `resource`.
        defaultResource: () => cfg.audience,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, indicator) {
          if (indicator !== cfg.audience) throw new errors.InvalidTarget();
          return resourceServer;
        },
      },
      // Logout tokens to the BFF when a provider session ends (sign-out here or at the BFF).
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource,
        postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = postLogoutPage();
        },
      },
    },

    formats: {
      customizers: {
        // Okta-shaped access token: sub = the login, uid = the user id, cid, scp (array),
        // groups; no "scope" or "client_id".
        jwt(_ctx, token, jwt) {
          const { payload } = jwt;
          const account = findById(token.accountId);
          payload.ver = 1;
          payload.cid = token.clientId;
          payload.scp = token.scope ? token.scope.split(' ') : [];
          if (account) {
            payload.uid = account.id;
            payload.sub = account.login;
            payload.groups = [...account.groups];
          }
          delete payload.scope;
          delete payload.client_id;
        },
      },
    },

    // Refresh tokens whenever offline_access was granted and the client may refresh (see the
    // `idp` extra parameter below for how offline_access survives without prompt=consent).
    issueRefreshToken: (_ctx, client, source) => client.grantTypeAllowed('refresh_token')
      && source.scopes.has('offline_access'),
    rotateRefreshToken: true,

    ttl: {
      AccessToken: () => accessTokenTTL(cfg.ttl.accessToken),
      AuthorizationCode: 60,
      IdToken: cfg.ttl.idToken,
      RefreshToken: cfg.ttl.refreshToken,
      Session: cfg.ttl.session,
      Interaction: 3600,
      // A grant must outlive the refresh tokens issued from it.
      Grant: Math.max(cfg.ttl.refreshToken, cfg.ttl.session) + 3600,
    },

    cookies: {
      keys: cookieKeys,
      // Over plain http on loopback: not Secure (the provider is reached over http), and
      // SameSite=Lax, which is sent on the top-level cross-site navigation from the BFF
      // (http://localhost:8080 is a different site from http://127.0.0.1:9000) to /v1/authorize
      // and /v1/logout; the interaction and logout forms post same-origin.
      long: { httpOnly: true, sameSite: 'lax', secure: false },
      short: { httpOnly: true, sameSite: 'lax', secure: false },
    },

    interactions: {
      url: (_ctx, interaction) => `${cfg.issuerPath}/interaction/${interaction.uid}`,
    },

    // First-party client: consent is implied. The grant is created or extended with what the
    // request asks for, so the consent prompt never shows.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (grant && (grant.accountId !== oidc.account.accountId || grant.clientId !== oidc.client.clientId)) {
        grant = undefined;
      }
      grant ||= new oidc.provider.Grant({ accountId: oidc.account.accountId, clientId: oidc.client.clientId });

      const oidcScopes = [...oidc.requestParamOIDCScopes];
      if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
      for (const [indicator, rs] of Object.entries(oidc.resourceServers)) {
        const scopes = [...oidc.requestParamScopes].filter((s) => rs.scopes.has(s));
        if (scopes.length) grant.addResourceScope(indicator, scopes.join(' '));
      }
      if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },

    extraParams: {
      // Okta's `idp` parameter (an IdP to route to) is accepted and ignored. Its validator is the
      // one hook oidc-provider runs on every authorization request *after* its scope checks,
      // and it does two Okta things there:
      //  1. Unknown scopes are an error (invalid_scope), not silently dropped.
      //  2. offline_access is kept without prompt=consent. oidc-provider follows OIDC Core 11
      //     and drops offline_access unless prompt includes consent; Okta issues a refresh token
      //     whenever the client asks for offline_access and may use the refresh_token grant.
      idp(ctx) {
        const raw = (ctx.method === 'POST' ? ctx.oidc.body : ctx.query)?.scope;
        const requested = typeof raw === 'string' ? raw.split(' ').filter(Boolean) : [];
        const unknown = requested.filter((s) => !known.has(s));
        if (unknown.length) {
          throw new errors.InvalidScope('One or more scopes are not configured for the authorization server resource.', unknown.join(' '));
        }
        const granted = new Set(ctx.oidc.params.scope?.split(' ').filter(Boolean));
        if (
          requested.includes('offline_access')
          && !granted.has('offline_access')
          && String(ctx.oidc.params.response_type).split(' ').includes('code')
          && ctx.oidc.client.grantTypeAllowed('refresh_token')
        ) {
          granted.add('offline_access');
          ctx.oidc.params.scope = [...granted].join(' ');
        }
      },
    },

    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = errorPage(out);
    },
  };

  const provider = new Provider(cfg.issuer, configuration);

  // Okta's ID tokens carry "sid"; oidc-provider adds it only for clients registered for
  // back-channel logout with a session requirement.
  provider.Client.prototype.includeSid = () => true;

  return provider;
}

// RP-initiated logout without a confirmation page when the id_token_hint is valid (oidc-provider
// only calls this after validating the hint's signature, issuer and audience). The hidden
// logout=yes ends the whole provider session, as Okta's /v1/logout does.
async function logoutSource(ctx, form) {
  const withLogout = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
  ctx.type = 'html';
  ctx.body = logoutPage({ form: withLogout, auto: Boolean(ctx.oidc.entities.IdTokenHint) });
}

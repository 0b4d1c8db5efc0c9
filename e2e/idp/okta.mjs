// Where Okta's authorization server answers differently from oidc-provider, as Koa middleware
// in front of the provider's router:
//  - /v1/userinfo accepts the JWT access token (oidc-provider's refuses JWT access tokens);
//  - /v1/revoke and /v1/introspect accept JWT access tokens (oidc-provider answers 400
//    unsupported_token_type after it authenticated the client; the answer is replaced);
//  - introspection of refresh tokens names the user like Okta (sub = login, uid, username);
//  - the dev counters and the list of issued token values are kept up to date.
import { errors as joseErrors, jwtVerify } from 'jose';

import { claimsForScopes, findById } from './accounts.mjs';
import {
  countIntrospection, countRevocation, countTokenRequest, isJtiRevoked, recordToken, revokeJti,
} from './devstate.mjs';

export function oktaCompat(cfg, keySet) {
  // Verifies an access token this provider issued: signature with its own keys, iss, aud,
  // exp, typ. Throws when anything is off.
  async function verifyAccessToken(token, { ignoreExpiry = false } = {}) {
    const { payload } = await jwtVerify(token, keySet, {
      issuer: cfg.issuer,
      audience: cfg.audience,
      algorithms: ['RS256'],
      typ: 'at+jwt',
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'uid', 'cid', 'scp'],
      ...(ignoreExpiry ? { currentDate: new Date(0) } : {}),
    });
    if (!Array.isArray(payload.scp)) throw new Error('scp is not an array');
    return payload;
  }

  function bearerError(ctx, status, error, description) {
    ctx.status = status;
    ctx.set('WWW-Authenticate', `Bearer error="${error}", error_description="${description}"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error, error_description: description };
    ctx.req.idpError = error;
  }

  async function userinfo(ctx) {
    const m = /^Bearer +([A-Za-z0-9\-_.~+/]+=*)$/i.exec(ctx.get('authorization') || '');
    if (!m) {
      bearerError(ctx, 401, 'invalid_token', 'The access token is missing or malformed.');
      return;
    }
    let payload;
    try {
      payload = await verifyAccessToken(m[1]);
    } catch (err) {
      const expired = err instanceof joseErrors.JWTExpired;
      bearerError(ctx, 401, 'invalid_token', expired ? 'The access token is expired.' : 'The access token is invalid.');
      return;
    }
    const account = findById(payload.uid);
    if (!account || isJtiRevoked(payload.jti) || account.login !== payload.sub) {
      bearerError(ctx, 401, 'invalid_token', 'The access token is invalid.');
      return;
    }
    if (!payload.scp.includes('openid')) {
      bearerError(ctx, 403, 'insufficient_scope', 'The access token must provide access to at least one of these scopes - profile, email, address or phone');
      return;
    }
    ctx.status = 200;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = claimsForScopes(account, payload.scp);
  }

  function recordIssued(ctx) {
    const body = ctx.body;
    if (ctx.status !== 200 || !body || typeof body !== 'object') return;
    const accountId = ctx.oidc.entities.Account?.accountId;
    const login = findById(accountId)?.login;
    recordToken('id_token', body.id_token, accountId, login);
    recordToken('refresh_token', body.refresh_token, accountId, login);
    recordToken('access_token', body.access_token, accountId, login);
  }

  const isUnsupportedTokenType = (ctx) => ctx.status === 400 && ctx.body?.error === 'unsupported_token_type';

  return async function oktaMiddleware(ctx, next) {
    if (ctx.path === '/v1/userinfo' && (ctx.method === 'GET' || ctx.method === 'POST')) {
      await userinfo(ctx);
      return;
    }

    await next();

    const route = ctx.oidc?.route;
    if (!route) return;
    if (ctx.body && typeof ctx.body === 'object' && typeof ctx.body.error === 'string') {
      ctx.req.idpError = ctx.body.error;
    }

    switch (route) {
      case 'token':
        countTokenRequest(ctx.oidc.body?.grant_type);
        recordIssued(ctx);
        break;

      case 'revocation':
        countRevocation();
        // The client is authenticated (oidc-provider rejects JWTs after client auth). RFC 7009:
        // the answer is 200 whether or not the token was valid.
        if (isUnsupportedTokenType(ctx) && ctx.oidc.client) {
          try {
            const payload = await verifyAccessToken(ctx.oidc.params.token);
            if (payload.cid === ctx.oidc.client.clientId) revokeJti(payload.jti, payload.exp);
          } catch { /* invalid or expired: nothing to revoke */ }
          ctx.status = 200;
          ctx.body = '';
          delete ctx.req.idpError;
        }
        break;

      case 'introspection':
        countIntrospection();
        if (isUnsupportedTokenType(ctx) && ctx.oidc.client) {
          let body = { active: false };
          try {
            const p = await verifyAccessToken(ctx.oidc.params.token);
            if (p.cid === ctx.oidc.client.clientId && !isJtiRevoked(p.jti) && findById(p.uid)) {
              body = {
                active: true,
                scope: p.scp.join(' '),
                username: p.sub,
                exp: p.exp,
                iat: p.iat,
                sub: p.sub,
                aud: p.aud,
                iss: p.iss,
                jti: p.jti,
                token_type: 'Bearer',
                client_id: p.cid,
                uid: p.uid,
              };
            }
          } catch { /* inactive */ }
          ctx.status = 200;
          ctx.set('Cache-Control', 'no-store');
          ctx.body = body;
          delete ctx.req.idpError;
        } else if (ctx.status === 200 && ctx.body?.active && ctx.body.sub) {
          const account = findById(ctx.body.sub);
          if (account) {
            Object.assign(ctx.body, {
              sub: account.login, username: account.login, uid: account.id,
            });
          }
        }
        break;

      default:
    }
  };
}

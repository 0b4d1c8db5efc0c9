// The provider's own interaction pages (devInteractions is off): a sign-in form with checked
// passwords, and an automatic consent for this first-party client.
//   GET  <issuer>/interaction/:uid         the page for the pending prompt
//   POST <issuer>/interaction/:uid/login   Sign in
//   POST <issuer>/interaction/:uid/abort   Cancel -> error=access_denied at the redirect URI
import { authenticate } from './accounts.mjs';
import { errorPage, signInPage } from './views.mjs';

const SIGN_IN_FAILED = 'Sign-in failed: check your username and password';
const MAX_FORM_BYTES = 16 * 1024;

async function readForm(req) {
  const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw Object.assign(new Error('form too large'), { status: 413 });
    chunks.push(chunk);
  }
  if (type !== 'application/x-www-form-urlencoded') return new URLSearchParams();
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function interactionRoutes(cfg, provider) {
  const base = `${cfg.issuerPath}/interaction`;
  const pattern = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/;

  function html(ctx, status, body) {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.body = body;
  }

  function showSignIn(ctx, details, { status = 200, username, error } = {}) {
    html(ctx, status, signInPage({
      action: `${base}/${details.uid}/login`,
      cancelAction: `${base}/${details.uid}/abort`,
      clientName: 'Gatehouse',
      username: username ?? details.params.login_hint ?? '',
      error,
    }));
  }

  async function finish(ctx, result, mergeWithLastSubmission) {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission });
    ctx.status = 303;
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(returnTo);
  }

  // Grants what the consent prompt reports missing, without asking (first-party client).
  async function autoConsent(ctx, details) {
    const { prompt: { details: missing }, params, session } = details;
    let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    grant ||= new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await finish(ctx, { consent: { grantId } }, true);
  }

  return async function interactionMiddleware(ctx, next) {
    const m = pattern.exec(ctx.path);
    if (!m) return next();
    const [, uid, action] = m;
    if ((action && ctx.method !== 'POST') || (!action && ctx.method !== 'GET')) {
      ctx.status = 405;
      ctx.set('Allow', action ? 'POST' : 'GET');
      return undefined;
    }

    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid) throw new Error('interaction mismatch');
    } catch {
      html(ctx, 400, errorPage({
        error: 'invalid_request',
        error_description: 'This sign-in request has expired or was already completed. Start again from the application.',
      }));
      ctx.req.idpError = 'interaction_not_found';
      return undefined;
    }

    if (!action) {
      if (details.prompt.name === 'login') return showSignIn(ctx, details);
      if (details.prompt.name === 'consent') return autoConsent(ctx, details);
      return finish(ctx, { error: 'access_denied', error_description: `unsupported prompt ${details.prompt.name}` }, false);
    }

    const form = await readForm(ctx.req);

    if (action === 'abort') {
      return finish(ctx, { error: 'access_denied', error_description: 'The user declined to sign in' }, false);
    }

    if (details.prompt.name !== 'login') {
      ctx.status = 303;
      ctx.redirect(`${base}/${uid}`);
      return undefined;
    }

    const username = form.get('username') ?? '';
    const account = authenticate(username, form.get('password') ?? '');
    if (!account) {
      ctx.req.idpError = 'sign_in_failed';
      return showSignIn(ctx, details, { status: 401, username, error: SIGN_IN_FAILED });
    }
    return finish(ctx, { login: { accountId: account.id, amr: ['pwd'], remember: false } }, false);
  };
}
